#!/usr/bin/env python3
"""plot_islands_accuracy.py: RMSE vs island count B from islands-accuracy sweep CSVs (one line per config × method)."""
import csv
import math
import sys
from collections import defaultdict

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: plot_islands_accuracy.py OUT_PREFIX SWEEP_CSV...")
    out = sys.argv[1]
    # (method, J, bandwidth) -> B -> list of per-run RMSE (m)
    runs = defaultdict(lambda: defaultdict(list))
    for path in sys.argv[2:]:
        with open(path) as f:
            for row in csv.DictReader(f):
                key = (row["filter.method"], int(row["scenario.panels"]), float(row["radio.bandwidth_hz"]))
                runs[key][int(row["filter.islands"])].append(float(row["rmse_overall_m"]))
    table = []
    for (method, j, bw), by_b in sorted(runs.items()):
        for b, values in sorted(by_b.items()):
            # RMSE over runs and steps (as plot_sweep_uplink.point_rmse): every run has the same steps, so the root of the
            # mean of the runs' squared rmse_overall_m
            rmse = math.sqrt(sum(v * v for v in values) / len(values))
            table.append((method, j, bw, b, len(values), rmse))
    with open(out + ".csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["method", "panels", "bandwidth_hz", "islands", "runs", "rmse_over_runs_and_steps_m", "vs_b1"])
        for method, j, bw, b, count, rmse in table:
            base = next(r for (m2, j2, bw2, b2, _, r) in table if (m2, j2, bw2, b2) == (method, j, bw, 1))
            w.writerow([method, j, f"{bw:.0f}", b, count, f"{rmse:.6f}", f"{rmse / base:.4f}"])
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for (method, j, bw), by_b in sorted(runs.items()):
        pts = [(b, r) for (m2, j2, bw2, b, _, r) in table if (m2, j2, bw2) == (method, j, bw)]
        ax.plot([p[0] for p in pts], [100 * p[1] for p in pts], marker="o",
                label=f"{method}, J = {j}, {bw / 1e6:.0f} MHz")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("islands B (N_p = 4096, N_p/B particles each)")
    ax.set_ylabel("RMSE over runs and steps (cm)")
    ax.set_title("Streamed γ: RMSE vs island count")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out + ".png", dpi=120)
    print(f"plot_islands_accuracy: {len(table)} points -> {out}.csv, {out}.png")


if __name__ == "__main__":
    main()
