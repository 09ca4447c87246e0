#!/usr/bin/env bash
# `make demo`: the incident, replayed end to end on a generated corpus, then fixed.
#   1. a demo corpus (real EDF + annotation files) and two configs that repeat the incident's mistake:
#      the smoke config builds its cache in cache/train, the full config reads cache/tusz;
#   2. inventory: which recordings, which role, why the others are out;
#   3. the gate stops the smoke build (same fingerprint, different cache dir); forced, it builds cache/train;
#   4. check configs/train.yaml: BLOCKED, cache.coverage names cache/train;
#   5. the fix: build the cache the full config reads; check passes; the HTML report's path is printed;
#   6. pack + verify-archive; the incident's plain-tar archive fails against the full config;
#   7. train two epochs behind the gate and print the metrics.
set -uo pipefail
DEMO=${1:-demo}
TG=${2:-.venv/bin/tusz-guard}
step() { printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "${*:2}"; }
expect() {   # expect CODE CMD...: the step must end with exactly this exit code (the demo shows refusals)
  local want=$1; shift; "$@"; local rc=$?; echo "(exit $rc)"
  if [ $rc -ne "$want" ]; then echo "demo failed: expected exit $want from: $*" >&2; exit 1; fi
}
must() { "$@"; local rc=$?; echo "(exit $rc)"; if [ $rc -ne 0 ]; then echo "demo failed at: $*" >&2; exit $rc; fi; }

mkdir -p "$DEMO/configs"
# Start every run from the same story: remove what earlier demo runs made (the corpus is kept and reused).
rm -rf "$DEMO/cache" "$DEMO/results" "$DEMO/reports" "$DEMO"/*.tar.gz "$DEMO"/*.tar.zst
touch "$DEMO/tusz-guard.toml"   # marks the demo project root: relative paths resolve against it
if [ ! -f "$DEMO/corpus/ground_truth.json" ]; then
  step "generate a demo corpus" "$TG synth $DEMO/corpus --profile demo --seed 0"
  must "$TG" synth "$DEMO/corpus" --profile demo --seed 0
fi

common='preprocessing: {sampling_rate: 256, channels: 10-20, interpolate: [Fz, Pz], bandpass: [0.5, 120.0], notch: 60, normalize: zscore, clip: 10.0}
windows: {length_s: 60, stride_s: 10}'
cat > "$DEMO/configs/smoke.yaml" <<YAML
# The incident's smoke config: same preprocessing as train.yaml, but its own cache directory.
experiment: {name: tusz_smoke, kind: smoke, seed: 42, output_dir: results/smoke}
data: {data_dir: corpus/edf, cache_dir: cache/train, limit_files: 4}
$common
training: {epochs: 1, batch_size: 16}
YAML
cat > "$DEMO/configs/train.yaml" <<YAML
experiment: {name: tusz_train, kind: full, seed: 42, output_dir: results/train}
data: {data_dir: corpus/edf, cache_dir: cache/tusz}
$common
training: {epochs: 2, batch_size: 16, learning_rate: 0.002}
YAML

step "inventory" "$TG inventory $DEMO/configs/train.yaml"
must "$TG" inventory "$DEMO/configs/train.yaml"

step "the gate stops the smoke build (smoke and full configs disagree on the cache)" "$TG build-cache $DEMO/configs/smoke.yaml"
expect 1 "$TG" build-cache "$DEMO/configs/smoke.yaml"
step "forced anyway, as in the incident (recorded in the cache metadata)" "$TG build-cache $DEMO/configs/smoke.yaml --force"
must "$TG" build-cache "$DEMO/configs/smoke.yaml" --force

step "check the full config: BLOCKED, it would process the corpus live" \
  "$TG check $DEMO/configs/train.yaml --no-expectations --format text --format html --report-dir $DEMO/reports"
expect 1 "$TG" check "$DEMO/configs/train.yaml" --no-expectations --format text --format html --report-dir "$DEMO/reports"
cp "$DEMO/reports/latest.html" "$DEMO/reports/blocked.html"

step "the incident's archive: plain tar of cache/train, verified against the full config" \
  "tar -czf $DEMO/incident.tar.gz -C $DEMO cache/train && $TG verify-archive $DEMO/incident.tar.gz --config $DEMO/configs/train.yaml"
tar -czf "$DEMO/incident.tar.gz" -C "$DEMO" cache/train
expect 1 "$TG" verify-archive "$DEMO/incident.tar.gz" --config "$DEMO/configs/train.yaml"

step "the fix: one cache for both configs, built where the full config reads it" \
  "sed -i 's#cache_dir: cache/train#cache_dir: cache/tusz#' $DEMO/configs/smoke.yaml && $TG build-cache $DEMO/configs/train.yaml"
sed -i 's#cache_dir: cache/train#cache_dir: cache/tusz#' "$DEMO/configs/smoke.yaml"
must "$TG" build-cache "$DEMO/configs/train.yaml"
step "check again, Great Expectations suites included: PASS" \
  "$TG check $DEMO/configs/train.yaml --format text --format json --format junit --format html --report-dir $DEMO/reports"
must "$TG" check "$DEMO/configs/train.yaml" --report-dir "$DEMO/reports" --format text --format json --format junit --format html

step "pack the cache and verify the archive before upload" "$TG pack $DEMO/configs/train.yaml -o $DEMO/tusz-cache.tar.zst --compression zst"
must "$TG" pack "$DEMO/configs/train.yaml" -o "$DEMO/tusz-cache.tar.zst" --compression zst
must "$TG" verify-archive "$DEMO/tusz-cache.tar.zst" --config "$DEMO/configs/train.yaml"

step "train two epochs behind the gate" "$TG train $DEMO/configs/train.yaml --epochs 2"
must "$TG" train "$DEMO/configs/train.yaml" --epochs 2
echo
echo "metrics: $DEMO/results/train/metrics.json"
cat "$DEMO/results/train/metrics.json" 2>/dev/null
echo
if [ -x /usr/bin/chromium ]; then   # a real browser renders the report (the README's screenshot comes from here)
  "$(dirname "$TG")/python" -c "import sys; from tusz_guard.report.html_shot import screenshot; screenshot(sys.argv[1], sys.argv[2], full_page=False)" \
    "$DEMO/reports/latest.html" "$DEMO/reports/report.png" \
    && echo "screenshot:  $(cd "$DEMO/reports" && pwd)/report.png"
fi
echo "blocked report: $(cd "$DEMO/reports" && pwd)/blocked.html"
echo "HTML report:    $(cd "$DEMO/reports" && pwd)/latest.html"
