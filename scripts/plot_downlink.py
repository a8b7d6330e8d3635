#!/usr/bin/env python3
"""Turns the CSVs of `dmimo-downlink study ...` into the downlink paper's Figs. 4-6 as PNG.

Usage:
  python3 scripts/plot_downlink.py --rmse rmse_vs_power.csv --x peb_vs_x.csv --k peb_vs_k.csv --outdir plots/
Any subset of the three inputs may be given. Needs matplotlib (pip install matplotlib).
Lines starting with '#' in the CSVs (reading, command) are shown as a footnote on each figure.
"""
import argparse
import csv
import math
import os
import re
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def read_csv(path):
    comments, lines = [], []
    with open(path) as f:
        for line in f:
            if line.startswith("#"):
                comments.append(line[1:].strip())
            elif line.strip():
                lines.append(line)
    rows = list(csv.DictReader(lines))
    return comments, rows


def number(text):
    return float(text)  # accepts 'inf', 'nan'


def footnote(fig, comments):
    reading = next((c for c in comments if c.startswith("reading:")), "")
    if reading:
        fig.text(0.01, 0.005, reading, fontsize=6, color="0.35", ha="left", va="bottom", wrap=True)


def plot_rmse(path, outdir):
    comments, rows = read_csv(path)
    fig, ax = plt.subplots(figsize=(7, 5))
    styles = {"P1": ("tab:blue", "o"), "P2": ("tab:red", "s")}
    # one marker style per estimator (CSVs without the 'estimator' column are the hybrid's)
    estimators = []
    for r in rows:
        r.setdefault("estimator", "hybrid")
        if r["estimator"] not in estimators:
            estimators.append(r["estimator"])
    fills = {"hybrid": "full", "adaptive": "none", "noncoherent": "left", "coherent": "bottom"}
    for proto in ("P1", "P2"):
        color, marker = styles[proto]
        pebs_drawn = False
        for estimator in estimators:
            sel = sorted((r for r in rows if r["protocol"] == proto and r["estimator"] == estimator),
                         key=lambda r: number(r["power_dbm"]))
            if not sel:
                continue
            p = [number(r["power_dbm"]) for r in sel]
            ax.semilogy(p, [number(r["rmse_m"]) for r in sel], marker=marker, color=color, ls=":" if estimator == "adaptive" else "none",
                        fillstyle=fills.get(estimator, "full"), ms=7, label=f"{proto} RMSE ({estimator})")
            if estimator == estimators[0]:
                ax.semilogy(p, [number(r["rmse_noncoherent_stage_m"]) for r in sel], marker="x", color=color, ls="none",
                            ms=5, label=f"{proto} RMSE (non-coherent stage)")
            if not pebs_drawn:
                ax.semilogy(p, [number(r["peb_coherent_m"]) for r in sel], color=color, ls="-", label=f"{proto} PEB coherent")
                ax.semilogy(p, [number(r["peb_noncoherent_m"]) for r in sel], color=color, ls="--", label=f"{proto} PEB non-coherent")
                pebs_drawn = True
            for r in sel:
                rate = number(r["outlier_rate"])
                if rate > 0:
                    ax.annotate(f"{100 * rate:.0f}%", (number(r["power_dbm"]), number(r["rmse_m"])), textcoords="offset points",
                                xytext=(8, 6) if proto == "P1" else (8, -12), fontsize=7, color=color)
    runs = rows[0]["runs"] if rows else "?"
    ax.set_xlabel("per-AP transmit power [dBm]")
    ax.set_ylabel("position RMSE / PEB [m]")
    ax.set_title(f"Fig. 4: RMSE of the UE position and PEB ({runs} runs; % = outlier rate)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, ncol=2)
    footnote(fig, comments)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    out = os.path.join(outdir, "fig4_rmse_vs_power.png")
    fig.savefig(out, dpi=130)
    plt.close(fig)
    return out


def plot_x(path, outdir):
    comments, rows = read_csv(path)
    x = [number(r["x_m"]) for r in rows]
    fig, ax = plt.subplots(figsize=(7, 5))
    curves = [("peb_p1_coherent_m", "P1 coherent", "tab:blue", "-"), ("peb_p2_coherent_m", "P2 coherent", "tab:red", "-"),
              ("peb_p1_noncoherent_m", "P1 non-coherent", "tab:green", "--"),
              ("peb_p2_noncoherent_m", "P2 non-coherent", "tab:orange", "--")]
    for key, label, color, ls in curves:
        y = [number(r[key]) for r in rows]
        y = [v if math.isfinite(v) else float("nan") for v in y]
        ax.semilogy(x, y, color=color, ls=ls, lw=1.2, label=label)
    half, centre = 2.5, 0.0
    for c in comments:
        m = re.search(r"region half-width ([-0-9.e]+) m around x = ([-0-9.e]+) m", c)
        if m:
            half, centre = float(m.group(1)), float(m.group(2))
    ax.axvspan(centre - half, centre + half, color="red", alpha=0.08, label="illumination region")
    ax.axvline(centre - half, color="red", ls=":", lw=0.8)
    ax.axvline(centre + half, color="red", ls=":", lw=0.8)
    ax.set_xlabel("UE x coordinate [m] (y fixed)")
    ax.set_ylabel("PEB [m]")
    ax.set_title("Fig. 5: PEB vs the UE's x coordinate")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    footnote(fig, comments)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    out = os.path.join(outdir, "fig5_peb_vs_x.png")
    fig.savefig(out, dpi=130)
    plt.close(fig)
    return out


def plot_k(path, outdir):
    comments, rows = read_csv(path)
    k = [int(r["k"]) for r in rows]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.6), sharey=False)
    for ax, prefix, title in ((axes[0], "fixed_energy_", "fixed network energy (per-AP power x 36/K)"),
                              (axes[1], "fixed_power_", "fixed per-AP power")):
        for key, label, color, ls, marker in (("peb_p1_coherent_m", "P1 coherent", "tab:blue", "-", "o"),
                                              ("peb_p2_coherent_m", "P2 coherent", "tab:red", "-", "s"),
                                              ("peb_p1_noncoherent_m", "P1 non-coherent", "tab:blue", "--", "o"),
                                              ("peb_p2_noncoherent_m", "P2 non-coherent", "tab:red", "--", "s")):
            pts = [(kk, number(r[prefix + key])) for kk, r in zip(k, rows)]
            pts = [(kk, v) for kk, v in pts if math.isfinite(v)]
            if pts:
                ax.semilogy([p[0] for p in pts], [p[1] for p in pts], color=color, ls=ls, marker=marker, mfc="none",
                            label=label)
            missing = [kk for kk, r in zip(k, rows) if not math.isfinite(number(r[prefix + key]))]
            if missing and "coherent_m" in key and "non" not in key:
                ax.text(0.3, 0.55 if "p2" in key else 0.6, f"{label}: singular (PEB = inf) for K = {missing}",
                        transform=ax.transAxes, fontsize=7, color=color)
        ax.set_xlabel("number of illumination points K")
        ax.set_ylabel("mean PEB over the illumination region [m]")
        ax.set_title(title, fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("Fig. 6: average PEB vs the number of illumination points")
    footnote(fig, comments)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    out = os.path.join(outdir, "fig6_peb_vs_k.png")
    fig.savefig(out, dpi=130)
    plt.close(fig)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rmse", help="CSV of `dmimo-downlink study rmse-vs-power --out`")
    parser.add_argument("--x", help="CSV of `dmimo-downlink study peb-vs-x --out`")
    parser.add_argument("--k", help="CSV of `dmimo-downlink study peb-vs-k --out`")
    parser.add_argument("--outdir", default=".", help="directory for the PNGs")
    args = parser.parse_args()
    if not (args.rmse or args.x or args.k):
        parser.error("give at least one of --rmse, --x, --k")
    os.makedirs(args.outdir, exist_ok=True)
    for path, fn in ((args.rmse, plot_rmse), (args.x, plot_x), (args.k, plot_k)):
        if path:
            if not os.path.exists(path):
                print(f"plot_downlink.py: error: no such file {path}", file=sys.stderr)
                return 1
            print(fn(path, args.outdir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
