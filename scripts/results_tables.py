#!/usr/bin/env python3
"""results_tables.py: the numbers of docs/RESULTS.md, as Markdown tables, from the committed CSVs in docs/figures/.

Usage: scripts/python scripts/results_tables.py [--dir docs/figures] [figure ...]
RMSE of a point = sqrt(mean over runs of rmse_overall_m^2) (every run and step of the point); "time-avg RMSE" (Fig. 4)
= the per-step RMSE over runs averaged over steps (the time-averaged RMSE of docs/MODEL.md §E); diverged = runs with any step error > 1 m.
"""
import argparse
import csv
import gzip
import math
import os
from collections import defaultdict


def read(path):
    with (gzip.open(path, "rt") if path.endswith(".gz") else open(path)) as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


def f(row, key):
    return float(row[key]) if row.get(key) not in ("", None) else float("nan")


def group(rows, *keys):
    out = defaultdict(list)
    for r in rows:
        out[tuple(r[k] for k in keys)].append(r)
    return out


def rmse(rows):
    return math.sqrt(sum(f(r, "rmse_overall_m") ** 2 for r in rows) / len(rows))


def diverged(rows):
    return sum(1 for r in rows if f(r, "diverged") > 0)


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def cm(x):
    return f"{x * 100:.2f}"


def rmse_grid(rows, row_key, col_key, row_label, col_label):
    cols = sorted({r[col_key] for r in rows}, key=float)
    body = []
    for (rv,), sel in sorted(group(rows, row_key).items(), key=lambda kv: float(kv[0][0])):
        by = group(sel, col_key)
        body.append([rv] + [f"{cm(rmse(by[(c,)]))} ({diverged(by[(c,)])}/{len(by[(c,)])})" if (c,) in by else "-" for c in cols])
    return table([row_label] + [f"{col_label} = {c}" for c in cols], body)


def uplink_fig3(d):
    rows = read(os.path.join(d, "uplink-fig3.csv"))
    body = []
    for r in sorted(rows, key=lambda r: (int(r["filter.particles"]), int(r["scenario.panels"]))):
        p50, p99, eq = f(r, "latency_p50_us"), f(r, "latency_p99_us"), f(r, "eq10_m6_us")
        body.append([r["scenario.panels"], r["filter.particles"], f"{p50 / 1000:.2f}", f"{p99 / 1000:.2f}",
                     f"{f(r, 'compute_p50_us'):.0f}", f"{eq / 1000:.3f}", f"{f(r, 'eq10_measured_m_us') / 1000:.3f}",
                     f"{f(r, 'measurements_mean'):.2f}", f"{p50 / eq:.2f}"])
    return table(["J", "N_p", "measured p50 (ms)", "p99 (ms)", "compute p50 per panel (µs)", "eq. (10) M=6 (ms)",
                  "eq. (10) measured M (ms)", "measured M", "p50 / eq. (10)"], body)


def uplink_fig4(d):
    rows = read(os.path.join(d, "uplink-fig4.csv"))
    steps = read(os.path.join(d, "uplink-fig4_steps.csv.gz"))
    body = []
    for (bw,), sel in sorted(group(steps, "radio.bandwidth_hz").items(), key=lambda kv: float(kv[0][0])):
        per_step = defaultdict(list)
        for r in sel:
            per_step[int(r["step"])].append(f(r, "error_m"))
        step_rmse = {s: math.sqrt(sum(e * e for e in v) / len(v)) for s, v in per_step.items()}
        avg = sum(step_rmse.values()) / len(step_rmse)
        near = [v for s, v in step_rmse.items() if 180 <= s <= 220 or 480 <= s <= 520]
        away = [v for s, v in step_rmse.items() if not (180 <= s <= 220 or 480 <= s <= 520)]
        runs = [r for r in rows if r["radio.bandwidth_hz"] == bw]
        body.append([f"{float(bw) / 1e6:.0f}", len(runs), cm(avg), cm(rmse(runs)), cm(sum(near) / len(near)),
                     cm(sum(away) / len(away)), cm(max(step_rmse.values())), f"{diverged(runs)}/{len(runs)}"])
    return table(["B_w (MHz)", "runs", "time-avg RMSE (cm)", "overall RMSE (cm)", "mean RMSE at steps 180-220 and 480-520 (cm)",
                  "mean RMSE elsewhere (cm)", "worst step RMSE (cm)", "diverged runs"], body)


def uplink_fig5(d):
    return rmse_grid(read(os.path.join(d, "uplink-fig5.csv")), "scenario.panels", "filter.particles", "J", "N_p")


def uplink_fig6(d):
    rows = read(os.path.join(d, "uplink-fig6.csv"))
    for r in rows:
        r["J (N_a)"] = r["scenario.panels"]
    text = rmse_grid(rows, "scenario.panels", "filter.particles", "J", "N_p")
    pairs = sorted({(int(r["scenario.panels"]), r["scenario.array_size"]) for r in rows})
    return text + "\n\n(N_a by J: " + ", ".join(f"J = {j}: N_a = {a}" for j, a in pairs) + ")"


def uplink_fig7(d):
    rows = read(os.path.join(d, "uplink-fig7.csv"))
    for r in rows:
        r["config"] = f"{r['filter.method']}, {float(r['radio.bandwidth_hz']) / 1e6:.0f} MHz"
    js = sorted({r["scenario.panels"] for r in rows}, key=int)
    body = []
    for (c,), sel in sorted(group(rows, "config").items()):
        by = group(sel, "scenario.panels")
        body.append([c] + [f"{cm(rmse(by[(j,)]))} ({diverged(by[(j,)])}/{len(by[(j,)])})" for j in js])
    return table(["method, B_w"] + [f"J = {j}" for j in js], body)


def db10(a, b):
    return 10 * math.log10(a / b) if a > 0 and b > 0 and math.isfinite(a / b) else float("nan")


def downlink_fig4(d):
    rows = read(os.path.join(d, "downlink-fig4.csv"))
    body = []
    for r in sorted(rows, key=lambda r: (r["protocol"], f(r, "power_dbm"))):
        body.append([r["protocol"], f"{f(r, 'power_dbm'):.0f}", f"{f(r, 'rmse_m'):.3g}", f"{f(r, 'peb_coherent_m'):.3g}",
                     f"{f(r, 'peb_noncoherent_m'):.3g}", f"{db10(f(r, 'rmse_m'), f(r, 'peb_coherent_m')):+.2f}",
                     f"{100 * f(r, 'outlier_rate'):.1f}"])
    at0 = {r["protocol"]: r for r in rows if f(r, "power_dbm") == 0}
    gaps = ""
    if "P1" in at0 and "P2" in at0:
        p1, p2 = at0["P1"], at0["P2"]
        gaps = "\n\n" + table(["gap at 0 dBm (10·log10)", "ours", "paper"], [
            ["P2 coherent − P1 coherent", f"{db10(f(p2, 'peb_coherent_m'), f(p1, 'peb_coherent_m')):+.2f} dB", "≈ −6 dB"],
            ["P1 non-coherent − P1 coherent", f"{db10(f(p1, 'peb_noncoherent_m'), f(p1, 'peb_coherent_m')):+.2f} dB", "≈ +24 dB"],
            ["P2 non-coherent − P2 coherent", f"{db10(f(p2, 'peb_noncoherent_m'), f(p2, 'peb_coherent_m')):+.2f} dB", "≈ +30 dB"],
            ["P2 non-coherent − P1 non-coherent", f"{db10(f(p2, 'peb_noncoherent_m'), f(p1, 'peb_noncoherent_m')):+.2f} dB", "≈ 0 dB"]])
    return table(["protocol", "power (dBm)", "RMSE (m)", "PEB coherent (m)", "PEB non-coherent (m)", "RMSE / PEB (dB)",
                  "outliers (%)"], body) + gaps


def downlink_fig5(d):
    rows = sorted(read(os.path.join(d, "downlink-fig5.csv")), key=lambda r: f(r, "x_m"))
    body = []
    for name in ("peb_p1_coherent_m", "peb_p2_coherent_m", "peb_p1_noncoherent_m", "peb_p2_noncoherent_m"):
        best = min(rows, key=lambda r: f(r, name))
        centre = min(rows, key=lambda r: abs(f(r, "x_m")))
        edge = min(rows, key=lambda r: abs(f(r, "x_m") - 2.5))
        far = max(rows, key=lambda r: f(r, "x_m"))
        body.append([name, f"{f(best, 'x_m'):+.2f}", f"{f(best, name):.3g}", f"{f(centre, name):.3g}", f"{f(edge, name):.3g}",
                     f"{f(far, name):.3g}"])
    # P2 ripples from one 2 cm sample to the next: its minimum inside the region after a 5-sample (10 cm) moving mean
    xs = [f(r, "x_m") for r in rows]
    p2 = [f(r, "peb_p2_coherent_m") for r in rows]
    smooth = [sum(p2[max(0, i - 2):i + 3]) / len(p2[max(0, i - 2):i + 3]) for i in range(len(p2))]
    inner = [i for i, x in enumerate(xs) if abs(x) <= 2.5]
    best = min(inner, key=lambda i: smooth[i])
    ripple = math.sqrt(sum((p2[i] / smooth[i] - 1) ** 2 for i in range(2, len(p2) - 2)) / (len(p2) - 4))
    centre = min(range(len(xs)), key=lambda i: abs(xs[i]))
    body.append(["peb_p2_coherent_m, 10 cm moving mean", f"{xs[best]:+.2f}", f"{smooth[best]:.3g}", f"{smooth[centre]:.3g}",
                 f"(ripple {100 * ripple:.1f} % rms)", ""])
    return table(["PEB", "x of the minimum (m)", "minimum (m)", "at x = 0 (m)", "at x = 2.5 m (region edge)", "at x = 10 m"], body)


def downlink_fig6(d):
    rows = sorted(read(os.path.join(d, "downlink-fig6.csv")), key=lambda r: f(r, "k"))
    body = []
    for r in rows:
        e = lambda n: f(r, f"fixed_energy_peb_{n}_m")  # noqa: E731
        body.append([r["k"], f"{e('p1_coherent'):.3g}", f"{e('p2_coherent'):.3g}", f"{db10(e('p2_coherent'), e('p1_coherent')):+.2f}",
                     f"{e('p1_noncoherent'):.3g}", f"{e('p2_noncoherent'):.3g}", f"{db10(e('p2_noncoherent'), e('p1_noncoherent')):+.2f}"])
    return table(["K", "P1 coherent (m)", "P2 coherent (m)", "P2c − P1c (dB)", "P1 non-coh. (m)", "P2 non-coh. (m)",
                  "P2nc − P1nc (dB)"], body) + "\n\n(fixed network energy across K: per-AP power 0 dBm × 36/K; inf = singular FIM)"


def downlink_readings(d):
    body = []
    for r in read(os.path.join(d, "downlink-readings.csv")):
        p1c, p1n, p2c, p2n = (f(r, f"peb_{n}_m") for n in ("p1_coherent", "p1_noncoherent", "p2_coherent", "p2_noncoherent"))
        body.append([r["reading"], f"`{r['options']}`" if r["options"] else "-", f"{db10(p2c, p1c):+.2f}", f"{db10(p1n, p1c):+.2f}",
                     f"{db10(p2n, p2c):+.2f}", f"{db10(p2n, p1n):+.2f}"])
    return table(["reading (u = (1, 1) m, K = 36, 0 dBm)", "dmimo-downlink options", "P2c − P1c (paper −6)",
                  "P1nc − P1c (paper +24)", "P2nc − P2c (paper +30)", "P2nc − P1nc (paper ≈ 0)"], body)


FIGURES = {"uplink-fig3": uplink_fig3, "uplink-fig4": uplink_fig4, "uplink-fig5": uplink_fig5, "uplink-fig6": uplink_fig6,
           "uplink-fig7": uplink_fig7, "downlink-fig4": downlink_fig4, "downlink-fig5": downlink_fig5, "downlink-fig6": downlink_fig6,
           "downlink-readings": downlink_readings}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", default="docs/figures", help="folder of the committed CSVs")
    parser.add_argument("figures", nargs="*", help="which figures (default: every one whose CSV exists)")
    args = parser.parse_args()
    for name in args.figures or FIGURES:
        if not os.path.exists(os.path.join(args.dir, name + ".csv")):
            print(f"### {name}: no {args.dir}/{name}.csv\n")
            continue
        print(f"### {name}\n\n{FIGURES[name](args.dir)}\n")


if __name__ == "__main__":
    main()
