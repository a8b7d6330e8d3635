"""plot_sweep_downlink.py: the downlink paper's Figs. 4-6 from sweep CSVs (used by plot_sweep.py), with the paper's statements marked.

Gaps are 10*log10 of PEB ratios (the only plausible reading of the paper's dB, docs/MODEL.md §DL.8).
"""
import math

import matplotlib.pyplot as plt
import numpy as np

STYLE = {"P1": ("tab:blue", "o"), "P2": ("tab:red", "s")}


def num(row, key):
    text = row.get(key, "")
    return float(text) if text not in ("", None) else float("nan")


def db10(a, b):
    return 10 * math.log10(a / b) if a > 0 and b > 0 and math.isfinite(a) and math.isfinite(b) else float("nan")


def fig4(rows, _steps):
    fig, ax = plt.subplots(figsize=(8, 5.5))
    points = curves = 0
    at0 = {}
    for proto in ("P1", "P2"):
        sel = sorted((r for r in rows if r["protocol"] == proto), key=lambda r: num(r, "power_dbm"))
        if not sel:
            continue
        color, marker = STYLE[proto]
        p = [num(r, "power_dbm") for r in sel]
        ax.semilogy(p, [num(r, "rmse_m") for r in sel], marker=marker, color=color, ls="none", ms=7,
                    label=f"{proto} RMSE, hybrid ({sel[0]['runs']} runs)")
        ax.semilogy(p, [num(r, "peb_coherent_m") for r in sel], color=color, ls="-", label=f"{proto} PEB coherent")
        ax.semilogy(p, [num(r, "peb_noncoherent_m") for r in sel], color=color, ls="--", label=f"{proto} PEB non-coherent")
        for r in sel:
            if num(r, "outlier_rate") > 0:
                ax.annotate(f"{100 * num(r, 'outlier_rate'):.0f} % outl.", (num(r, "power_dbm"), num(r, "rmse_m")),
                            textcoords="offset points", xytext=(5, 4), fontsize=6, color=color)
            if num(r, "power_dbm") == 0:
                at0[proto] = r
        points += len(p)
        curves += 3
    ax.axhline(1, color="0.5", ls=":", lw=1)
    ax.axhline(0.01, color="0.5", ls=":", lw=1)
    ax.text(ax.get_xlim()[0], 1.1, " 1 m (paper: sub-metre even at low power)", fontsize=7, color="0.3")
    ax.text(ax.get_xlim()[0], 0.011, " 1 cm (paper: cm level or better as SNR grows)", fontsize=7, color="0.3")
    if "P1" in at0 and "P2" in at0:
        p1, p2 = at0["P1"], at0["P2"]
        text = ("at 0 dBm, ours (paper):\n"
                f"P2c - P1c = {db10(num(p2, 'peb_coherent_m'), num(p1, 'peb_coherent_m')):+.1f} dB (-6)\n"
                f"P1nc - P1c = {db10(num(p1, 'peb_noncoherent_m'), num(p1, 'peb_coherent_m')):+.1f} dB (+24)\n"
                f"P2nc - P2c = {db10(num(p2, 'peb_noncoherent_m'), num(p2, 'peb_coherent_m')):+.1f} dB (+30)")
        ax.text(0.98, 0.98, text, transform=ax.transAxes, fontsize=7, ha="right", va="top",
                bbox=dict(boxstyle="round", fc="white", ec="0.6"))
    ax.set_xlabel("per-AP transmit power (dBm)")
    ax.set_ylabel("position RMSE / PEB (m)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="lower left")
    return fig, points, curves


def fig5(rows, _steps):
    fig, ax = plt.subplots(figsize=(8, 5.5))
    rows = sorted(rows, key=lambda r: num(r, "x_m"))
    x = [num(r, "x_m") for r in rows]
    points = curves = 0
    for proto in ("p1", "p2"):
        color, _ = STYLE[proto.upper()]
        for mode, ls in (("coherent", "-"), ("noncoherent", "--")):
            y = [num(r, f"peb_{proto}_{mode}_m") for r in rows]
            ax.semilogy(x, y, color=color, ls=ls, label=f"{proto.upper()} {mode.replace('non', 'non-')}")
            points += sum(1 for v in y if math.isfinite(v))
            curves += 1
    for edge in (-2.5, 2.5):
        ax.axvline(edge, color="0.4", ls=":", lw=1)
    ax.text(0, 0.5, "illumination region (dotted)\npaper: coherent minimum at its centre;\nnon-coherent higher at the centre than at the edges",
            transform=ax.get_xaxis_transform(), fontsize=7, ha="center", va="center", bbox=dict(boxstyle="round", fc="white", ec="0.6"))
    ax.set_xlabel("UE x coordinate (m), y = 1 m")
    ax.set_ylabel("PEB (m)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    return fig, points, curves


def fig6(rows, _steps):
    fig, ax = plt.subplots(figsize=(8, 5.5))
    rows = sorted(rows, key=lambda r: num(r, "k"))
    k = [num(r, "k") for r in rows]
    points = curves = 0
    for proto in ("p1", "p2"):
        color, marker = STYLE[proto.upper()]
        for mode, ls in (("coherent", "-"), ("noncoherent", "--")):
            for rule, mfc in (("fixed_energy", color), ("fixed_power", "none")):
                column = f"{rule}_peb_{proto}_{mode}_m"
                y = [num(r, column) for r in rows]
                ax.semilogy(k, y, color=color, ls=ls, marker=marker, mfc=mfc, ms=5,
                            label=f"{proto.upper()} {mode.replace('non', 'non-')}, {rule.replace('_', ' ')}")
                points += sum(1 for v in y if math.isfinite(v))
                curves += 1
    infinite = [int(r["k"]) for r in rows if not math.isfinite(num(r, "fixed_energy_peb_p2_coherent_m"))]
    if infinite:
        ax.text(0.02, 0.02, f"P2 PEB infinite (FIM singular) for K = {', '.join(map(str, infinite))}", transform=ax.transAxes, fontsize=7)
    ax.text(0.98, 0.98, "paper: P1 nearly constant in K;\nP2 much worse at small K, then slightly below P1",
            transform=ax.transAxes, fontsize=7, ha="right", va="top", bbox=dict(boxstyle="round", fc="white", ec="0.6"))
    ax.set_xlabel("number K of illumination points")
    ax.set_ylabel("PEB averaged over the illumination region (m)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=6, loc="center right", ncol=2)
    return fig, points, curves


FIGURES = {"downlink-fig4": fig4, "downlink-fig5": fig5, "downlink-fig6": fig6}
