"""plot_sweep_uplink.py: the uplink paper's Figs. 3-7 from sweep CSVs (used by plot_sweep.py), with the paper's statements marked.

RMSE of a point = sqrt(mean over its runs of rmse_overall_m^2), i.e. the RMSE over every (run, step) of the point;
error bars: the 10-90 % range of the per-run RMSEs. "diverged" = runs with any step error > 1 m.
"""
import math
from collections import defaultdict

import matplotlib
import matplotlib.ticker
import matplotlib.pyplot as plt
import numpy as np

NP_STYLE = {1024: ("tab:purple", "v"), 2048: ("tab:blue", "o"), 4096: ("tab:orange", "s"), 8192: ("tab:green", "^"),
            16384: ("tab:red", "D")}


def num(row, key):
    text = row.get(key, "")
    return float(text) if text not in ("", None) else float("nan")


def group(rows, *keys):
    out = defaultdict(list)
    for r in rows:
        out[tuple(r[k] for k in keys)].append(r)
    return out


def np_style(n):
    return NP_STYLE.get(int(n), ("black", "x"))


def point_rmse(rows):
    """(RMSE m, 10 % and 90 % of the per-run RMSEs, diverged runs, runs)."""
    per_run = np.array([num(r, "rmse_overall_m") for r in rows])
    rmse = math.sqrt(float(np.mean(per_run ** 2)))
    lo, hi = np.percentile(per_run, [10, 90])
    diverged = int(sum(num(r, "diverged") > 0 for r in rows))
    return rmse, lo, hi, diverged, len(rows)


def rmse_curve(ax, rows, xkey, label, color, marker, ls="-", annotate=True, slot=0):
    """One RMSE curve (cm) over xkey; returns the number of points drawn."""
    by_x = group(rows, xkey)
    xs = sorted(by_x, key=lambda k: float(k[0]))
    stats = [point_rmse(by_x[x]) for x in xs]
    x = [float(k[0]) for k in xs]
    y = np.array([s[0] for s in stats]) * 100
    err = np.array([[max(0, s[0] - s[1]), max(0, s[2] - s[0])] for s in stats]).T * 100
    ax.errorbar(x, y, yerr=err, color=color, marker=marker, ls=ls, capsize=3, label=label)
    if annotate:
        for xi, yi, s in zip(x, y, stats):
            if s[3] > 0:
                ax.annotate(f"{s[3]}/{s[4]} div.", (xi, yi), textcoords="offset points", xytext=(6, -14 * slot - 4), fontsize=7, color=color)
    return len(x)


def log2_axis(ax, values, label):
    ax.set_xscale("log", base=2)
    ax.set_xticks(values)
    ax.set_xticklabels([str(int(v)) for v in values])
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_xlabel(label)


def fig3(rows, _steps):
    fig, ax = plt.subplots(figsize=(8, 5.5))
    points = curves = 0
    js = sorted({float(r["scenario.panels"]) for r in rows})
    for (n,), sel in sorted(group(rows, "filter.particles").items(), key=lambda kv: int(kv[0][0])):
        sel = sorted(sel, key=lambda r: float(r["scenario.panels"]))
        color, marker = np_style(n)
        j = [float(r["scenario.panels"]) for r in sel]
        p50 = np.array([num(r, "latency_p50_us") for r in sel]) / 1000
        p99 = np.array([num(r, "latency_p99_us") for r in sel]) / 1000
        ax.errorbar(j, p50, yerr=[np.zeros_like(p50), p99 - p50], color=color, marker=marker, ls="-", capsize=3,
                    label=f"measured p50 (bar to p99), N_p = {n}")
        ax.plot(j, [num(r, "eq10_m6_us") / 1000 for r in sel], color=color, ls="--", lw=1, label=f"eq. (10), M = 6 (paper's Fig. 3), N_p = {n}")
        ax.plot(j, [num(r, "eq10_measured_m_us") / 1000 for r in sel], color=color, ls=":", lw=1)
        points += len(j)
        curves += 1
    ax.plot([], [], color="k", ls=":", lw=1, label="eq. (10) at the measured mean M")
    ax.axhspan(1, 10, color="0.92", zorder=0)
    ax.text(js[0], 10 * 0.8, "1-10 ms budget (paper)", fontsize=7, color="0.35", va="top")
    log2_axis(ax, js, "number of panels J")
    ax.set_yscale("log")
    ax.set_ylabel("latency per step (ms)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=6.5, ncol=2)
    return fig, points, curves


def fig4(rows, steps):
    fig, ax = plt.subplots(figsize=(9, 5))
    if steps is None:
        raise SystemExit("plot_sweep.py: uplink-fig4 needs --steps (the sweep's _steps.csv)")
    points = curves = 0
    for (bw,), sel in sorted(group(steps, "radio.bandwidth_hz").items(), key=lambda kv: float(kv[0][0])):
        runs = sorted({r["run"] for r in sel}, key=int)
        n_steps = max(int(r["step"]) for r in sel) + 1
        errors = np.full((len(runs), n_steps), np.nan)
        index = {r: i for i, r in enumerate(runs)}
        for r in sel:
            errors[index[r["run"]], int(r["step"])] = float(r["error_m"])
        rmse = np.sqrt(np.nanmean(errors ** 2, axis=0)) * 100
        lo, hi = np.nanpercentile(errors, [10, 90], axis=0) * 100
        color = "tab:red" if float(bw) >= 1e8 else "tab:blue"
        step = np.arange(n_steps)
        ax.plot(step, rmse, color=color, lw=1.2, label=f"B_w = {float(bw) / 1e6:.0f} MHz: RMSE over {len(runs)} runs")
        ax.fill_between(step, lo, hi, color=color, alpha=0.2, label=f"B_w = {float(bw) / 1e6:.0f} MHz: 10-90 % of errors (80 % band)")
        points += n_steps
        curves += 1
    for s in (200, 500):
        ax.axvspan(s - 15, s + 15, color="0.93", zorder=0)
    ax.set_yscale("log")
    ymax = ax.get_ylim()[1]
    for s in (200, 500):
        ax.text(s, ymax * 0.7, "paper: error rises\naround this step", fontsize=7, ha="center", va="top", color="0.3")
    ax.set_xlabel("time step n (Δt = 0.2 s)")
    ax.set_ylabel("agent position error (cm)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")
    return fig, points, curves


def cm_level_marks(ax, text):
    ax.axhspan(1, 10, color="0.93", zorder=0)
    ax.axvline(12, color="0.5", ls=":", lw=1)
    ax.text(12.5, 9, text, fontsize=7, color="0.3", va="top")


def fig5(rows, _steps):
    fig, ax = plt.subplots(figsize=(8, 5.5))
    points = curves = 0
    js = sorted({float(r["scenario.panels"]) for r in rows})
    for (n,), sel in sorted(group(rows, "filter.particles").items(), key=lambda kv: int(kv[0][0])):
        color, marker = np_style(n)
        points += rmse_curve(ax, sel, "scenario.panels", f"N_p = {n}", color, marker, slot=curves)
        curves += 1
    cm_level_marks(ax, "paper: cm-level for J ≥ 12;\nN_p differences 'not significant'")
    log2_axis(ax, js, "number of panels J (N_a = 25, B_w = 400 MHz)")
    ax.set_yscale("log")
    ax.set_ylabel("RMSE over runs and steps (cm)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    return fig, points, curves


def fig6(rows, _steps):
    fig, ax = plt.subplots(figsize=(8, 5.5))
    points = curves = 0
    pairs = sorted({(float(r["scenario.panels"]), int(r["scenario.array_size"])) for r in rows})
    for (n,), sel in sorted(group(rows, "filter.particles").items(), key=lambda kv: int(kv[0][0])):
        color, marker = np_style(n)
        points += rmse_curve(ax, sel, "scenario.panels", f"N_p = {n}", color, marker, slot=curves)
        curves += 1
    log2_axis(ax, [p[0] for p in pairs], "number of panels J (bottom) and array size N_a (top), B_w = 400 MHz")
    top = ax.secondary_xaxis("top")
    top.set_xticks([p[0] for p in pairs])
    top.set_xticklabels([f"N_a={p[1]}" for p in pairs], fontsize=8)
    top.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_yscale("log")
    ax.set_ylabel("RMSE over runs and steps (cm)")
    ax.text(0.02, 0.03, "paper: larger arrays let fewer panels reach cm level; no run diverged", transform=ax.transAxes,
            fontsize=7, color="0.3")
    ax.axhspan(1, 10, color="0.93", zorder=0)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    return fig, points, curves


def fig7(rows, _steps):
    fig, ax = plt.subplots(figsize=(8, 5.5))
    points = curves = 0
    js = sorted({float(r["scenario.panels"]) for r in rows})
    colors = {"loca-los": "tab:blue", "loca-mpc": "tab:red"}
    for (method, bw), sel in sorted(group(rows, "filter.method", "radio.bandwidth_hz").items()):
        ls = "-" if float(bw) >= 1e8 else "--"
        marker = "o" if method == "loca-los" else "s"
        points += rmse_curve(ax, sel, "scenario.panels", f"{method}, B_w = {float(bw) / 1e6:.0f} MHz",
                             colors.get(method, "k"), marker, ls=ls, slot=curves)
        curves += 1
    ax.axvspan(min(js) / 1.2, 4.5, color="0.93", zorder=0)
    ax.text(3, 0.97, "paper: Loca-MPC more robust\nfor J = 2, 4", transform=ax.get_xaxis_transform(), fontsize=7, va="top", ha="center")
    ax.axvline(12, color="0.5", ls=":", lw=1)
    ax.text(12.5, 0.98, "paper: J ≥ 12 Loca-LoS ≈ Loca-MPC", transform=ax.get_xaxis_transform(), fontsize=7, va="top")
    log2_axis(ax, js, "number of panels J (N_a = 25)")
    ax.set_yscale("log")
    ax.set_ylabel("RMSE over runs and steps (cm)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    return fig, points, curves


def islands(rows, _steps):
    """RMSE over runs and steps vs island count B, one curve per (method, J, B_w) (issue 21)."""
    fig, ax = plt.subplots(figsize=(8, 5.5))
    points = curves = 0
    colors = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown"]
    bs = sorted({float(r["filter.islands"]) for r in rows})
    for (method, j, bw), sel in sorted(group(rows, "filter.method", "scenario.panels", "radio.bandwidth_hz").items()):
        label = f"{method}, J = {j}, {float(bw) / 1e6:.0f} MHz"
        points += rmse_curve(ax, sel, "filter.islands", label, colors[curves % len(colors)], "o", slot=curves)
        curves += 1
    log2_axis(ax, bs, "islands B (N_p/B particles each)")
    ax.set_yscale("log")
    ax.set_ylabel("RMSE over runs and steps (cm)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    return fig, points, curves


def islands_latency_points(rows):
    """Per B (sorted): the medians over runs of the measured e2e p50, island 0's compute and link p50, the projected
    one-host-per-panel e2e, eq. (10) and eq. (10) streamed (eq. (10) itself at B = 1), µs, and the RMSE, m."""
    out = []
    for (b,), sel in sorted(group(rows, "filter.islands").items(), key=lambda kv: float(kv[0][0])):
        med = lambda k: float(np.nanmedian([num(r, k) for r in sel]))  # noqa: E731
        eq10 = med("eq10_m6_us")
        streamed = med("eq10_streamed_m6_us") if float(b) > 1 else eq10
        out.append((int(float(b)), len(sel), med("latency_p50_us"), med("compute_p50_us"), med("link_p50_us"),
                    med("projected_us"), eq10, streamed, med("rmse_m")))
    return out


def islands_latency(rows, _steps):
    """Step latency vs island count B over panel processes: measured, projected, eq. (10) streamed (issue 21)."""
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    table = islands_latency_points(rows)
    bs = [t[0] for t in table]
    curves = 0
    for column, style, label in [(2, "o-", "measured e2e p50 (panel processes on this host)"),
                                 (5, "s--", "projected, one host per panel (25G model)"),
                                 (7, "^:", "eq. (10) streamed (FPGA model, M = 6)")]:
        ys = [t[column] / 1000 for t in table]
        if any(np.isfinite(ys)):
            ax.plot(bs, ys, style, label=label)
            curves += 1
    log2_axis(ax, bs, "islands B")
    ax.set_yscale("log")
    ax.set_ylabel("step latency (ms)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    return fig, len(table), curves


FIGURES = {"islands-accuracy": islands, "islands-latency": islands_latency, "uplink-fig3": fig3, "uplink-fig4": fig4, "uplink-fig5": fig5, "uplink-fig6": fig6, "uplink-fig7": fig7}
