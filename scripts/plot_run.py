#!/usr/bin/env python3
"""plot_run.py: the picture of one run set's result folder (chain-controller run --out DIR), as DIR/run.png.

Usage: scripts/python scripts/plot_run.py RESULTS_DIR [--out PNG] [--pdf]   (or: chain-controller plot RESULTS_DIR)
Panels: error vs step (median over runs, 10-90 % band), error CDF with 50/80/90 % marks, end-to-end latency
histogram and CDF from latency.hgrm with p50/p90/p99 and the eq. (10) FPGA model, per-panel compute and link
times from hops.csv (median, bar to p90), and the fault timeline from faults.csv (or the panels contributing per step).
"""
import argparse
import csv
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.ticker  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def rows(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def read_hgrm(path):
    """(values µs, percentiles 0..1, total counts) of an HdrHistogram percentile distribution."""
    values, percentiles, counts = [], [], []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3 and not line.startswith("#"):
                try:
                    v, p, c = float(parts[0]), float(parts[1]), int(parts[2])
                except ValueError:
                    continue
                values.append(v), percentiles.append(p), counts.append(c)
    return np.array(values), np.array(percentiles), np.array(counts)


def no_data(ax, text):
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, fontsize=9, color="0.4")
    ax.set_xticks([]), ax.set_yticks([])


def error_vs_step(ax, steps, faults):
    runs = sorted({int(r["run"]) for r in steps})
    n = max(int(r["step"]) for r in steps) + 1
    errors = np.full((len(runs), n), np.nan)
    for r in steps:
        errors[runs.index(int(r["run"])), int(r["step"])] = float(r["error_m"]) * 100
    if not np.isfinite(errors).any():
        no_data(ax, "no position error: the run's trace gives no truth")
        return 0
    x = np.arange(n)
    median = np.nanmedian(errors, axis=0)
    if len(runs) > 1:
        lo, hi = np.nanpercentile(errors, [10, 90], axis=0)
        ax.fill_between(x, lo, hi, color="tab:blue", alpha=0.25, label=f"10-90 % over {len(runs)} runs")
    ax.plot(x, median, color="tab:blue", lw=1, label="median over runs" if len(runs) > 1 else "error (1 run)")
    bad = [(int(r["step"]), float(r["error_m"]) * 100, r["outcome"]) for r in steps if r["outcome"] != "delivered"]
    for outcome, color in (("degraded", "tab:orange"), ("abandoned", "tab:red")):
        pts = [(s, e) for s, e, o in bad if o == outcome]
        if pts:
            ax.scatter(*zip(*pts), s=6, color=color, zorder=3, label=f"{outcome} steps ({len(pts)})")
    for f in faults:
        ax.axvline(int(f["at_step"]), color="tab:red", ls=":", lw=1)
    ax.set_yscale("log")
    ax.set_xlabel("time step")
    ax.set_ylabel("position error (cm)")
    ax.set_title("error vs step", fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    return n * len(runs)


def error_cdf(ax, steps):
    e = np.sort([float(r["error_m"]) * 100 for r in steps])
    e = e[np.isfinite(e)]   # steps of a trace without truth have no error
    if len(e) == 0:
        no_data(ax, "no position error: the run's trace gives no truth")
        return 0
    ax.plot(e, np.arange(1, len(e) + 1) / len(e), color="tab:blue")
    for q, color in ((50, "tab:green"), (80, "tab:orange"), (90, "tab:red")):
        v = np.percentile(e, q)
        ax.axvline(v, color=color, ls="--", lw=1, label=f"{q} %: {v:.2f} cm")
        ax.axhline(q / 100, color=color, ls=":", lw=0.7)
    ax.set_xscale("log")
    ax.set_xlabel("position error (cm)")
    ax.set_ylabel("fraction of steps")
    ax.set_title(f"error CDF ({len(e)} steps)", fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")
    return len(e)


def latency_marks(ax, values, percentiles, summary, vertical=True):
    exact = summary.get("latency_us", {})   # the exact percentiles (the .hgrm rows are 3-digit buckets)
    for q, color in ((0.5, "tab:green"), (0.9, "tab:orange"), (0.99, "tab:red")):
        v = exact.get(f"p{int(q * 100)}") or (values[np.searchsorted(percentiles, q)] if percentiles[-1] >= q else values[-1])
        ax.axvline(v / 1000, color=color, ls="--", lw=1, label=f"p{int(q * 100)}: {v / 1000:.2f} ms")
    eq10 = summary.get("fpga_model_us")
    if eq10:
        ax.axvline(eq10 / 1000, color="k", lw=1.5, label=f"eq. (10), M = 6: {eq10 / 1000:.2f} ms")
    measured = summary.get("fpga_model", {}).get("us_at_measured_mean_m")
    if measured:
        ax.axvline(measured / 1000, color="0.4", lw=1, ls="-.",
                   label=f"eq. (10), measured M = {summary['fpga_model']['measured_mean_m']:.2f}: {measured / 1000:.2f} ms")


def plain_log_ticks(ax):
    """Log x axis labelled with plain numbers at its major ticks only."""
    ax.xaxis.set_major_locator(matplotlib.ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())


def latency(ax_hist, ax_cdf, hgrm, summary):
    if not os.path.exists(hgrm):
        no_data(ax_hist, "no latency.hgrm\n(in-process run: no end-to-end latency)")
        no_data(ax_cdf, "no latency.hgrm")
        return 0
    values, percentiles, counts = read_hgrm(hgrm)
    # the steps of each percentile row lie at or below its value: counts per row, binned on 40 log-spaced bins
    increments = np.diff(np.concatenate([[0], counts]))
    bins = np.geomspace(values[0] * 0.98, values[-1] * 1.02, 41) / 1000
    ax_hist.hist(values / 1000, bins=bins, weights=increments, color="tab:blue", alpha=0.6, edgecolor="tab:blue")
    latency_marks(ax_hist, values, percentiles, summary)
    ax_hist.set_xscale("log")
    plain_log_ticks(ax_hist)
    ax_hist.set_xlabel("end-to-end latency per step (ms)")
    ax_hist.set_ylabel("steps")
    ax_hist.set_title(f"latency histogram ({counts[-1]} steps, latency.hgrm)", fontsize=9)
    ax_hist.legend(fontsize=6.5)
    ax_cdf.plot(values / 1000, percentiles, color="tab:blue", drawstyle="steps-post")
    latency_marks(ax_cdf, values, percentiles, summary)
    ax_cdf.set_xscale("log")
    plain_log_ticks(ax_cdf)
    ax_cdf.set_xlabel("end-to-end latency per step (ms)")
    ax_cdf.set_ylabel("fraction of steps")
    ax_cdf.set_title("latency CDF", fontsize=9)
    ax_cdf.grid(True, which="both", alpha=0.3)
    return int(counts[-1])


def per_panel(ax, hops_path):
    if not os.path.exists(hops_path):
        no_data(ax, "no hops.csv\n(in-process run: no per-panel timing)")
        return 0
    hops = rows(hops_path)
    panels = sorted({int(h["panel"]) for h in hops})
    stats = {}
    for column in ("compute_us", "link_us"):
        per = {p: [float(h[column]) for h in hops if int(h["panel"]) == p and h[column] not in ("", None)] for p in panels}
        stats[column] = [(np.median(v), np.percentile(v, 90)) if v else (np.nan, np.nan) for v in per.values()]
    x = np.arange(len(panels))
    for offset, column, color, label in ((-0.2, "compute_us", "tab:blue", "compute"), (0.2, "link_us", "tab:orange", "link in (one-way)")):
        med = np.array([s[0] for s in stats[column]])
        p90 = np.array([s[1] for s in stats[column]])
        ax.bar(x + offset, med, width=0.4, color=color, label=f"{label}: median, bar to p90")
        ax.errorbar(x + offset, med, yerr=[np.zeros_like(med), np.nan_to_num(p90 - med)], fmt="none", ecolor="0.3", capsize=2)
    ax.set_xticks(x[:: max(1, len(panels) // 12)])
    ax.set_xticklabels([str(p) for p in panels][:: max(1, len(panels) // 12)])
    ax.set_yscale("log")
    ax.set_xlabel("panel")
    ax.set_ylabel("time per step (µs)")
    ax.set_title("per-panel compute and link times (hops.csv)", fontsize=9)
    ax.grid(True, axis="y", which="both", alpha=0.3)
    ax.legend(fontsize=7)
    return len(hops)


def timeline(ax, steps, faults, panels):
    counts = {}
    for r in steps:
        if r["run"] == steps[0]["run"]:
            counts[int(r["step"])] = int(r["panels_contributing"])
    x = sorted(counts)
    ax.plot(x, [counts[s] for s in x], color="tab:blue", lw=1, label="panels contributing (run 0)")
    if not faults:
        ax.set_title("no faults: panels contributing per step", fontsize=9)
    else:
        end = max(x)
        for i, f in enumerate(faults):
            start = int(f["at_step"])
            ax.axvline(start, color="tab:red", ls=":", lw=1)
            ax.annotate(f"{f['action']} panel {f['panel']}\ndetected {f['detection_ms'] or '-'} ms, "
                        f"recovered {f['recovery_ms'] or 'never'}" + (" ms" if f["recovery_ms"] else ""),
                        (start, panels - 0.6 - 0.9 * i), fontsize=6.5, color="tab:red")
            stop = start + int(f["steps_delivered_during"] or 0) + int(f["steps_degraded_during"] or 0) + int(f["steps_abandoned_during"] or 0)
            ax.hlines(int(f["panel"]) * 0 + 0.3 + 0.25 * i, start, min(stop, end), color="tab:red", lw=4)
        ax.set_title(f"fault timeline ({len(faults)} faults; red bars: steps during each fault)", fontsize=9)
    ax.set_ylim(0, panels + 0.5)
    ax.set_xlabel("time step")
    ax.set_ylabel("panels")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")
    return len(x)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", help="result folder of one run set (per_step.csv, summary.json, ...)")
    parser.add_argument("--out", help="output PNG (default RESULTS/run.png)")
    parser.add_argument("--pdf", action="store_true", help="also write a PDF beside the PNG")
    args = parser.parse_args()
    d = args.results
    for name in ("per_step.csv", "summary.json"):
        if not os.path.exists(os.path.join(d, name)):
            sys.exit(f"plot_run.py: {d}: no {name} (not a chain-controller run result folder)")
    steps = rows(os.path.join(d, "per_step.csv"))
    if not steps:
        sys.exit(f"plot_run.py: {d}/per_step.csv has no steps")
    summary = json.load(open(os.path.join(d, "summary.json")))
    faults = rows(os.path.join(d, "faults.csv")) if os.path.exists(os.path.join(d, "faults.csv")) else []
    fig, axes = plt.subplots(3, 2, figsize=(13, 12))
    points = error_vs_step(axes[0, 0], steps, faults)
    points += error_cdf(axes[0, 1], steps)
    points += latency(axes[1, 0], axes[1, 1], os.path.join(d, "latency.hgrm"), summary)
    points += per_panel(axes[2, 0], os.path.join(d, "hops.csv"))
    points += timeline(axes[2, 1], steps, faults, int(summary.get("panels", 0)))
    rmse = summary.get("rmse_m")
    fig.suptitle(f"{summary.get('method')}, J = {summary.get('panels')}, N_p = {summary.get('particles')}, "
                 f"N_a = {summary.get('array_size')}, B_w = {summary.get('bandwidth_hz', 0) / 1e6:.0f} MHz, "
                 f"{summary.get('runs')} run(s) x {summary.get('steps_per_run')} steps, {summary.get('mode')}; "
                 + (f"RMSE {rmse * 100:.2f} cm" if rmse is not None else "no truth: no RMSE"), fontsize=10)
    fig.text(0.005, 0.003, f"results: {os.path.normpath(d)}", fontsize=6, color="0.4")
    fig.tight_layout(rect=(0, 0.01, 1, 0.97))
    out = args.out or os.path.join(d, "run.png")
    fig.savefig(out, dpi=100)
    if args.pdf:
        fig.savefig(os.path.splitext(out)[0] + ".pdf")
    print(f"picture: {out}" + (" (and .pdf)" if args.pdf else ""))
    print(f"plotted {points} points")


if __name__ == "__main__":
    main()
