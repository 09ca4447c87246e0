#!/usr/bin/env bash
# Install footprint of the core package: a fresh venv, `pip install PKG` (no extras), then time, package
# count and size. Usage: bench/install_footprint.sh [PKG_DIR] [BASELINE_DIR]
#   BASELINE_DIR: a checkout of the version to compare with (installed after torch==2.13.0, as its
#   Makefile did, because torch was one of its hard dependencies).
set -u
WORK=${WORK:-/tmp/tg-install-footprint}
mkdir -p "$WORK"
measure() {  # measure NAME PRE SPEC: PRE is "torch" or "none"
  local name=$1 pre=$2 spec=$3 venv=$WORK/venv-$1
  rm -rf "$venv"; python3.11 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip >/dev/null 2>&1
  local base base_mib t0 t1 n mib rc
  base=$("$venv/bin/python" -m pip list --format=freeze 2>/dev/null | wc -l)
  base_mib=$(du -sm "$venv" | cut -f1)
  t0=$(date +%s.%N)
  if [ "$pre" = torch ]; then "$venv/bin/python" -m pip install --quiet torch==2.13.0 >/dev/null 2>&1; fi
  "$venv/bin/python" -m pip install --quiet "$spec" >/dev/null 2>"$WORK/$name.err"; rc=$?
  t1=$(date +%s.%N)
  n=$("$venv/bin/python" -m pip list --format=freeze 2>/dev/null | wc -l)
  mib=$(du -sm "$venv" | cut -f1)
  echo "$name rc=$rc time_s=$(echo "$t1 - $t0" | bc) packages_added=$((n - base)) venv_MiB=$mib" \
       "added_MiB=$((mib - base_mib))"
}
measure core none "${1:-.}"
if [ -n "${2:-}" ]; then measure baseline torch "$2"; fi
