#!/usr/bin/env python3
"""plot_islands_accuracy.py: the RMSE-vs-B table (CSV, each point against B = 1) and the sweep's own islands-accuracy
figure (plot_sweep_uplink.islands) from islands-accuracy sweep CSVs."""
import csv
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plot_sweep_uplink  # noqa: E402  (its point_rmse and islands figure: one definition of each)


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: plot_islands_accuracy.py OUT_PREFIX SWEEP_CSV...")
    out = sys.argv[1]
    rows = []
    for path in sys.argv[2:]:
        with open(path) as f:
            rows.extend(csv.DictReader(f))
    groups = plot_sweep_uplink.group(rows, "filter.method", "scenario.panels", "radio.bandwidth_hz", "filter.islands")
    # (method, J, bandwidth, B) -> (RMSE over runs and steps m, runs)
    points = {(m, int(j), float(bw), int(b)): plot_sweep_uplink.point_rmse(sel)
              for (m, j, bw, b), sel in groups.items()}
    with open(out + ".csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["method", "panels", "bandwidth_hz", "islands", "runs", "rmse_over_runs_and_steps_m", "vs_b1"])
        for (method, j, bw, b), (rmse, _, _, _, count) in sorted(points.items()):
            base = points[(method, j, bw, 1)][0]
            w.writerow([method, j, f"{bw:.0f}", b, count, f"{rmse:.6f}", f"{rmse / base:.4f}"])
    fig, _, _ = plot_sweep_uplink.islands(rows, None)
    fig.tight_layout()
    fig.savefig(out + ".png", dpi=120)
    print(f"plot_islands_accuracy: {len(points)} points -> {out}.csv, {out}.png")


if __name__ == "__main__":
    main()
