#!/usr/bin/env python3
"""plot_sweep.py: draws a sweep's CSV (chain-controller sweep) as the paper's figure, PNG (and PDF with --pdf).

Usage: scripts/python scripts/plot_sweep.py --figure uplink-fig5 --csv results/sweeps/uplink-fig5/uplink-fig5.csv \
           --out fig5.png [--steps STEPS_CSV] [--title TEXT] [--pdf] [--partial]
Figures: uplink-fig3 .. uplink-fig7 (plot_sweep_uplink.py), downlink-fig4 .. downlink-fig6 (plot_sweep_downlink.py).
Prints "plotted N points (M curves)": N is the number of data points drawn (CI checks it is > 0).
"""
import argparse
import csv
import gzip
import os
import sys
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plot_sweep_downlink  # noqa: E402
import plot_sweep_uplink  # noqa: E402

FIGURES = {**plot_sweep_uplink.FIGURES, **plot_sweep_downlink.FIGURES}


def read_rows(path):
    """The CSV's rows as dicts ('#' lines skipped); an empty or missing file is an error naming it."""
    if not os.path.exists(path):
        sys.exit(f"plot_sweep.py: {path}: no such file")
    with (gzip.open(path, "rt") if path.endswith(".gz") else open(path)) as f:
        rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
    if not rows:
        sys.exit(f"plot_sweep.py: {path}: no data rows")
    return rows


def comments(path):
    with (gzip.open(path, "rt") if path.endswith(".gz") else open(path)) as f:
        return [line[1:].strip() for line in f if line.startswith("#")]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--figure", required=True, choices=sorted(FIGURES), help="which figure to draw")
    parser.add_argument("--csv", required=True, help="the sweep's CSV (a row per point and run)")
    parser.add_argument("--steps", help="the sweep's per-step CSV (uplink-fig4); .csv.gz is read too")
    parser.add_argument("--out", required=True, help="output PNG")
    parser.add_argument("--title", default="", help="figure title")
    parser.add_argument("--pdf", action="store_true", help="also write a PDF beside the PNG")
    parser.add_argument("--partial", action="store_true", help="mark the figure as drawn from an unfinished sweep")
    args = parser.parse_args()
    rows = read_rows(args.csv)
    steps = read_rows(args.steps) if args.steps else None
    try:
        fig, points, curves = FIGURES[args.figure](rows, steps)
    except KeyError as missing:
        sys.exit(f"plot_sweep.py: {args.csv}: no column {missing} (is it the CSV of a {args.figure} sweep?)")
    title = args.title + ("  [PARTIAL: not every unit finished]" if args.partial else "")
    if title:
        fig.suptitle(title, fontsize=10)
    reading = next((c for c in comments(args.csv) if c.startswith("reading:")), "")
    note = f"source: {os.path.basename(args.csv)} ({len(rows)} rows)" + (f"; {reading}" if reading else "")
    fig.text(0.005, 0.003, "\n".join(textwrap.wrap(note, 190)), fontsize=5.5, color="0.4")
    fig.tight_layout(rect=(0, 0.02, 1, 0.95))
    fig.savefig(args.out, dpi=110)
    if args.pdf:
        fig.savefig(os.path.splitext(args.out)[0] + ".pdf")
    plt.close(fig)
    if points == 0:
        sys.exit(f"plot_sweep.py: {args.figure}: nothing to plot in {args.csv}")
    print(f"PNG: {args.out}" + (" (and .pdf)" if args.pdf else ""))
    print(f"plotted {points} points ({curves} curves)")


if __name__ == "__main__":
    main()
