#!/usr/bin/env python3
"""Plot the synthetic scenario from the CSVs written by the Scenario module (ScenarioCSV).

Reads panels.csv, walls.csv, track.csv and visibility.csv from a folder and draws one PNG: the room and its
walls, the panels (labelled with their 0-based chain index, chain order shown as a thin line), and the agent
track coloured by the number of panels with a visible line of sight at each step.

Usage:  python3 scripts/plot_scenario.py CSV_FOLDER [OUTPUT.png]
        (default output: CSV_FOLDER/scenario.png)
Needs numpy and matplotlib (pip install matplotlib).
"""
import csv
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def read_csv(folder, name):
    with open(os.path.join(folder, name), newline="") as fh:
        return list(csv.DictReader(fh))


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0 if len(argv) >= 2 else 2
    folder = argv[1]
    output = argv[2] if len(argv) > 2 else os.path.join(folder, "scenario.png")

    panels = read_csv(folder, "panels.csv")
    walls = read_csv(folder, "walls.csv")
    track = read_csv(folder, "track.csv")
    visibility = read_csv(folder, "visibility.csv")

    steps = np.array([int(r["step"]) for r in track])
    xy = np.array([[float(r["x"]), float(r["y"])] for r in track])
    los_count = np.zeros(len(steps), int)
    for r in visibility:
        if r["los_visible"] == "1":
            los_count[int(r["step"])] += 1
    n_panels = len(panels)

    fig, ax = plt.subplots(figsize=(8.2, 7.2))
    for w in walls:
        interior = w["interior"] == "1"
        ax.plot([float(w["x0"]), float(w["x1"])], [float(w["y0"]), float(w["y1"])],
                color="dimgray" if interior else "black", lw=3.0 if interior else 2.0, solid_capstyle="butt",
                zorder=2)
        if interior:
            ax.annotate(w["name"], ((float(w["x0"]) + float(w["x1"])) / 2, float(w["y1"])),
                        textcoords="offset points", xytext=(0, 5), ha="center", fontsize=8, color="dimgray")

    pxy = np.array([[float(p["x"]), float(p["y"])] for p in panels])
    ax.plot(pxy[:, 0], pxy[:, 1], color="tab:orange", lw=0.8, ls=":", alpha=0.8, zorder=1)   # chain order
    ax.scatter(pxy[:, 0], pxy[:, 1], marker="s", s=36, color="tab:orange", edgecolor="black", zorder=4,
               label=f"panels (J = {n_panels}, chain order 0..{n_panels - 1})")
    centre = np.array([15.0, 15.0])
    for p, (x, y) in zip(panels, pxy):
        direction = centre - np.array([x, y])
        direction /= max(np.linalg.norm(direction), 1e-9)
        ax.annotate(p["index"], (x, y), textcoords="offset points", xytext=tuple(-9 * direction),
                    ha="center", va="center", fontsize=7)

    vmax = max(int(los_count.max()), 1)
    cmap = plt.get_cmap("viridis", vmax - int(los_count.min()) + 1)
    sc = ax.scatter(xy[:, 0], xy[:, 1], c=los_count, cmap=cmap, vmin=los_count.min() - 0.5,
                    vmax=los_count.max() + 0.5, s=9, zorder=5)
    ax.plot(xy[:, 0], xy[:, 1], color="lightgray", lw=0.8, zorder=1)
    ax.annotate("start (step 0)", xy[0], textcoords="offset points", xytext=(6, -12), fontsize=8)
    ax.annotate(f"end (step {steps[-1]})", xy[-1], textcoords="offset points", xytext=(6, -10), fontsize=8)
    cbar = fig.colorbar(sc, ax=ax, ticks=range(int(los_count.min()), int(los_count.max()) + 1))
    cbar.set_label("panels with visible LoS")

    ax.set_title(f"Scenario: J = {n_panels} panels, {len(steps)} steps; LoS-visible panels per step "
                 f"mean {los_count.mean():.1f}, min {los_count.min()}", fontsize=10)
    ax.set_xlabel("x [m]")
    ax.set_ylabel("y [m]")
    ax.set_aspect("equal")
    margin = 2.0
    ax.set_xlim(-margin, 30 + margin)
    ax.set_ylim(-margin, 30 + margin)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.09), fontsize=8, frameon=False)
    fig.tight_layout()
    fig.savefig(output, dpi=130)
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
