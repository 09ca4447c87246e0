#!/usr/bin/env bash
# tusz-guard preflight for any CI system: run `tusz-guard check`, write JUnit + HTML reports, exit with check's code.
#
# Usage: ci/preflight.sh [CONFIG...]
#   CONFIG  config files; the first is checked against the corpus and the cache, the others (and every
#           sibling YAML in their folders) are compared with it. Default: configs/*.yaml and configs/*.yml,
#           with configs/train.yaml first when it exists.
# Environment:
#   TUSZ_GUARD_REPORT_DIR  where the reports go (default: reports): latest.xml, latest.html + timestamped copies
#   TUSZ_GUARD_ARGS        extra `check` options, split on spaces, not globbed (e.g. "--strict" or "--select config.*")
#   TUSZ_GUARD             the command to run (default: tusz-guard)
# Exit: 0 pass, 1 blocked, 2 usage or config error, 3 internal error (tusz-guard check's own codes).
set -u -o pipefail

report_dir="${TUSZ_GUARD_REPORT_DIR:-reports}"

if [ "$#" -eq 0 ]; then
  shopt -s nullglob
  found=(configs/*.yaml configs/*.yml)
  shopt -u nullglob
  if [ "${#found[@]}" -eq 0 ]; then
    echo "preflight: no config given and none matches configs/*.yaml (pass the config paths)" >&2
    exit 2
  fi
  ordered=()
  # The training config is the one whose corpus and cache matter most: make it the primary.
  [ -f configs/train.yaml ] && ordered+=(configs/train.yaml)
  for f in "${found[@]}"; do
    [ "$f" = configs/train.yaml ] || ordered+=("$f")
  done
  set -- "${ordered[@]}"
fi

echo "preflight: tusz-guard check $* (reports in $report_dir/)"
set -f  # TUSZ_GUARD_ARGS may hold globs such as config.* meant for --select, not for the shell
# shellcheck disable=SC2086  # TUSZ_GUARD and TUSZ_GUARD_ARGS are word lists on purpose
${TUSZ_GUARD:-tusz-guard} check "$@" --format text --format junit --format html \
  --report-dir "$report_dir" ${TUSZ_GUARD_ARGS:-}
code=$?
set +f

case "$code" in
  0) verdict="passed" ;;
  1) verdict="BLOCKED: fix the failing checks above (the HTML report explains each)" ;;
  2) verdict="usage or config error" ;;
  *) verdict="internal error" ;;
esac
echo "preflight: exit $code, $verdict; reports: $report_dir/latest.xml, $report_dir/latest.html"
exit "$code"
