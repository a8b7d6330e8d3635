#!/usr/bin/env bash
# Benchmark of the downlink estimators and bound against the numpy reference, measured in the same run: ROUNDS
# (default 5) rounds, each the numpy reference (scripts/downlink_numpy_reference.py, one BLAS thread) followed at once
# by `dmimo-downlink bench --baseline` on it, so that each ratio numpy/Swift compares two measurements taken
# seconds apart (this VM's speed drifts by up to ~1.5x over minutes). Prints, per row, the median over rounds of the
# Swift time, the numpy time and the per-round ratio, and the lowest ratio; writes rounds.csv and summary.csv to
# OUT (default results/bench-downlink-<UTC time>). Extra arguments go to `dmimo-downlink bench` (e.g. --only peb).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-5}
out=${OUT:-results/bench-downlink-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out"
source scripts/lib/build-lock.sh
# the flags of scripts/build.sh, so that its build is reused (testing enabled does not change these timings)
dm_build_lock swift build -c release -Xswiftc -enable-testing --product dmimo-downlink >/dev/null
for round in $(seq 1 "$rounds"); do
    echo "round $round of $rounds: numpy reference, then Swift..." >&2
    OPENBLAS_NUM_THREADS=1 scripts/python scripts/downlink_numpy_reference.py --out "$out/numpy-$round.json" >/dev/null
    .build/release/dmimo-downlink bench --baseline "$out/numpy-$round.json" --json "$@" > "$out/swift-$round.json"
done
scripts/python - "$out" "$rounds" <<'PY'
import csv, json, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
rows = {}
target = None
with open(f"{out}/rounds.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["round", "row", "headline", "swift_s", "numpy_s", "ratio"])
    for r in range(1, rounds + 1):
        data = json.load(open(f"{out}/swift-{r}.json"))
        target = data["target"]
        for row in data["rows"]:
            if row.get("ratio") is None:
                continue
            w.writerow([r, row["name"], row["headline"], row["swift_s"], row["numpy_s"], row["ratio"]])
            rows.setdefault(row["name"], {"headline": row["headline"], "swift": [], "numpy": [], "ratio": []})
            rows[row["name"]]["swift"].append(row["swift_s"]); rows[row["name"]]["numpy"].append(row["numpy_s"])
            rows[row["name"]]["ratio"].append(row["ratio"])
def unit(name):
    return (1e-6, "us") if name.startswith("PEB") else (1e-3, "ms")
print(f"dmimo-downlink vs numpy, {rounds} rounds (each: numpy, then Swift at once); medians over rounds")
print(f"  {'row':<52}{'Swift':>12}{'numpy':>14}{'ratio':>9}{'lowest':>9}  target {target:g}x (median)")
with open(f"{out}/summary.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["row", "headline", "rounds", "swift_median_s", "numpy_median_s", "ratio_median", "ratio_min", "ratio_max", "meets_target"])
    for headline in (True, False):
        print("Headline (one-shot, the same work as the numpy reference):" if headline else "For information:")
        for name, v in rows.items():
            if v["headline"] != headline:
                continue
            scale, u = unit(name)
            med = statistics.median(v["ratio"])
            met = med >= target
            w.writerow([name, headline, len(v["ratio"]), statistics.median(v["swift"]), statistics.median(v["numpy"]),
                        med, min(v["ratio"]), max(v["ratio"]), met])
            print(f"  {name:<52}{statistics.median(v['swift']) / scale:>9.3f} {u}{statistics.median(v['numpy']) / scale:>11.3f} {u}"
                  f"{med:>8.1f}x{min(v['ratio']):>8.1f}x  {'met' if met else 'NOT MET'}")
print(f"rounds.csv, summary.csv and the raw JSON: {out}")
PY
