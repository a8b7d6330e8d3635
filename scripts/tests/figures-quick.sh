#!/usr/bin/env bash
# figures-quick.sh: every sweep file's --quick variant end to end (CSV rows, PNG with plotted data), bad files rejected
# with file:line:key before anything runs, resume runs only missing units, shards merge to the unsharded CSV, run picture.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=.build/release
[ -x "$bin/chain-controller" ] || bin=$(swift build -c release -Xswiftc -enable-testing --show-bin-path)
cc="$bin/chain-controller"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/figures-quick.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s)
fail() { echo "figures-quick: FAIL: $*" >&2; exit 1; }

# a PNG is valid and not empty axes: it decodes, and enough of it is neither background nor the axes' grey
check_png() {
  scripts/python - "$1" <<'PY'
import sys
import matplotlib.image as mpimg
import numpy as np
path = sys.argv[1]
with open(path, "rb") as f:
    assert f.read(8) == b"\x89PNG\r\n\x1a\n", f"{path}: not a PNG"
img = mpimg.imread(path)[..., :3]
coloured = np.mean(np.ptp(img, axis=2) > 0.15)      # pixels with hue: the data's colours (axes and text are grey)
assert img.shape[0] > 200 and img.shape[1] > 200, f"{path}: {img.shape} too small"
assert coloured > 0.002, f"{path}: only {coloured:.4%} coloured pixels (empty axes?)"
print(f"{path}: {img.shape[1]}x{img.shape[0]}, {coloured:.2%} coloured pixels")
PY
}

# 1. every quick sweep: rows in the CSV, points plotted, PNG with data
for file in configs/experiments/*.yaml; do
  name=$(basename "$file" .yaml)
  t0=$(date +%s)
  log="$tmp/$name.log"
  "$cc" sweep "$file" --quick --out "$tmp/$name" >"$log" 2>&1 || { cat "$log" >&2; fail "$name: sweep failed"; }
  rows=$(grep -oE '^CSV: .* \(([0-9]+) rows\)' "$log" | grep -oE '[0-9]+ rows' | grep -oE '[0-9]+')
  plotted=$(grep -oE '^plotted [0-9]+ points' "$log" | grep -oE '[0-9]+')
  units=$(grep -oE '[0-9]+ units,' "$log" | head -1 | grep -oE '[0-9]+')
  [ "${rows:-0}" -gt 0 ] || fail "$name: CSV has no rows"
  [ "${plotted:-0}" -gt 0 ] || fail "$name: nothing plotted"
  case "$name" in uplink-*) [ "$rows" -eq "$units" ] || fail "$name: $rows rows for $units units" ;; esac
  check_png "$tmp/$name/$name-quick.png" >/dev/null || fail "$name: PNG check"
  echo "figures-quick: $name --quick: $units units, $rows rows, $plotted points plotted, $(( $(date +%s) - t0 )) s"
done

# 2. resume: delete one unit, leave another unfinished (no done.json): exactly those two run again
sweep="$tmp/uplink-fig5"
units=( "$sweep"/units/* )
rm -rf "${units[0]}"
rm -f "${units[1]}/done.json"
"$cc" sweep configs/experiments/uplink-fig5.yaml --quick --out "$sweep" --no-plot >"$tmp/resume.log" 2>&1 || { cat "$tmp/resume.log" >&2; fail "resume"; }
grep -q "ran 2, already done $(( ${#units[@]} - 2 ))," "$tmp/resume.log" || { cat "$tmp/resume.log" >&2; fail "resume did not run exactly the 2 missing units"; }
"$cc" sweep configs/experiments/uplink-fig5.yaml --quick --out "$sweep" --no-plot >"$tmp/resume2.log" 2>&1
grep -q "ran 0, already done ${#units[@]}," "$tmp/resume2.log" || fail "a finished sweep ran units again"
echo "figures-quick: resume: 2 of ${#units[@]} units rerun (1 deleted, 1 unfinished), then 0"

# 3. shards: two shards merged equal the unsharded CSV (wall_s aside)
f=configs/experiments/downlink-fig6.yaml
for k in 1 2; do "$cc" sweep "$f" --quick --shard "$k/2" --out "$tmp/shards" >/dev/null 2>&1 || fail "shard $k/2"; done
"$cc" sweep merge "$f" --quick --out "$tmp/merged" "$tmp"/shards/downlink-fig6-quick.shard-*.csv >"$tmp/merge.log" 2>&1 \
  || { cat "$tmp/merge.log" >&2; fail "merge"; }
strip() { scripts/python -c "import csv,sys; r=list(csv.DictReader(l for l in open(sys.argv[1]) if not l.startswith('#'))); [x.pop('wall_s') for x in r]; print(sorted(map(str, r)))" "$1"; }
[ "$(strip "$tmp/merged/downlink-fig6-quick.csv")" = "$(strip "$tmp/downlink-fig6/downlink-fig6-quick.csv")" ] || fail "merged shards differ from the unsharded sweep"
echo "figures-quick: shards 1/2 + 2/2 merged = unsharded CSV"

# 4. bad files are rejected before anything runs, naming file:line: key
bad() {  # expected-message yaml-text
  printf '%b' "$2" > "$tmp/bad.yaml"
  if "$cc" sweep "$tmp/bad.yaml" --out "$tmp/bad" >"$tmp/bad.log" 2>&1; then fail "accepted: $2"; fi
  grep -qF "$tmp/bad.yaml:$1" "$tmp/bad.log" || { cat "$tmp/bad.log" >&2; fail "message lacks '$1'"; }
  [ ! -e "$tmp/bad/units" ] || fail "a bad file started units"
}
bad "3: filter.particle: unknown key" 'runs: 1\ngrid:\n  - filter.particle: [1024]\n'
bad "5: filter.particles: filter.particles = 0 is out of range" 'runs: 1\ngrid:\n  - filter.particles:\n    - 1024\n    - 0\n'
bad "2: grid: empty grid" 'runs: 1\ngrid: []\n'
bad "3: scenario.panels: empty grid" 'runs: 1\ngrid:\n  - scenario.panels: []\n'
bad "3: run.steps:" 'runs: 1\nset:\n  run.steps: 5000\ngrid:\n  - scenario.panels: [4]\n'
echo "figures-quick: 5 bad sweep files rejected with file:line: key"

# 5. the picture of one run's result folder
unit=$(ls -d "$tmp"/uplink-fig3/units/* | head -1)
"$cc" plot "$unit" | grep -q "^picture: $unit/run.png" || fail "chain-controller plot"
check_png "$unit/run.png" >/dev/null || fail "run picture"
echo "figures-quick: chain-controller plot (distributed unit): $unit/run.png"
echo "figures-quick: passed in $(( $(date +%s) - start )) s"
