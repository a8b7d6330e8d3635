#!/usr/bin/env python3
"""plot_islands_latency.py: the latency-vs-B table (CSV: per B the medians over runs of the measured e2e p50, island
0's per-panel compute and link p50, the projected one-host-per-panel e2e, eq. (10) and its streamed form, the RMSE)
and the sweep's own islands-latency figure (plot_sweep_uplink.islands_latency) from an islands-latency sweep CSV."""
import csv
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plot_sweep_uplink  # noqa: E402  (its islands_latency points and figure: one definition of each)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: plot_islands_latency.py OUT_PREFIX SWEEP_CSV")
    out, path = sys.argv[1], sys.argv[2]
    with open(path) as f:
        rows = list(csv.DictReader(f))
    table = plot_sweep_uplink.islands_latency_points(rows)
    base = table[0][2] if table and table[0][0] == 1 else float("nan")
    with open(out + ".csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["islands", "runs", "e2e_p50_us", "e2e_vs_b1", "compute_p50_us", "link_p50_us", "projected_us",
                    "eq10_m6_us", "eq10_streamed_m6_us", "rmse_m"])
        for b, n, e2e, comp, link, proj, eq10, streamed, rmse in table:
            w.writerow([b, n, f"{e2e:.1f}", f"{e2e / base:.3f}", f"{comp:.1f}", f"{link:.1f}", f"{proj:.1f}",
                        f"{eq10:.1f}", f"{streamed:.1f}", f"{rmse:.6f}"])
    fig, _, _ = plot_sweep_uplink.islands_latency(rows, None)
    fig.axes[0].set_title("Step latency vs islands B (J = 24, N_p = 4096)")
    fig.tight_layout()
    fig.savefig(out + ".png", dpi=120)
    print(f"plot_islands_latency: {len(table)} points -> {out}.csv, {out}.png")


if __name__ == "__main__":
    main()
