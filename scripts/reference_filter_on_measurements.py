#!/usr/bin/env python3
"""Runs the numpy reference filter (ref/bp/loca_mpc.py or loca_los.py run_filter) on measurements from a text file
(`run step panel z_d z_phi z_u [origin]` per line, as written by `mpc-sweep measurements` or
scripts/dump_reference_measurements.py), or on the reference's own measurements drawn exactly as run_ref.py draws
them (FILE = gen: one generator per run for the measurements, then the filter). Cross-runs of this script and
`mpc-sweep replay` separate differences of the measurement synthesis from differences of the filter.

Usage: python3 scripts/reference_filter_on_measurements.py FILE|gen J B_w_MHz [first seed=2025] [mpc|los]
                                                             [runs: all|0,3,5 (gen: a count)] [steps=526]
One line per run: RMSE over steps, max error, fraction of steps with error > 1 m, mean error over steps 255 and
later (a run that lost the track at the corner (15, 4) of the J = 2 scenario has several metres there), LoS
detection and false-LoS rates (p_e,0 > 0.5 against the true LoS visibility).
Filter seed of run r: first seed + r (a fresh generator, or the measurement generator for FILE = gen).
"""
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get('DMIMO_SHARED') or os.path.join(os.path.dirname(ROOT), 'shared')
sys.path.insert(0, os.path.join(SHARED, 'ref', 'bp'))
import loca_los as L  # noqa: E402
import loca_mpc as MPC  # noqa: E402
import scenario as S  # noqa: E402

path, J, Bw = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]) * 1e6
seed0 = int(sys.argv[4]) if len(sys.argv) > 4 else 2025
method = sys.argv[5] if len(sys.argv) > 5 else 'mpc'
runs_arg = sys.argv[6] if len(sys.argv) > 6 else 'all'
n_steps = int(sys.argv[7]) if len(sys.argv) > 7 else S.N_STEPS

pos, vel, _ = S.trajectory()
pos, vel = pos[:n_steps], vel[:n_steps]
pas = S.pa_positions(J)
rp = S.radio_params(Bw=Bw, Na=25)
fp = MPC.default_filter_params_mpc(rp, S.DT) if method == 'mpc' else L.default_filter_params(rp, S.DT)
run_filter = MPC.run_filter if method == 'mpc' else L.run_filter
los_vis = np.array([[any(p[0] == 0 for p in S.visible_paths(pas[j], pos[n])) for j in range(J)]
                    for n in range(n_steps)])

data = {}
if path != 'gen':
    with open(path) as f:
        for line in f:
            fields = line.split()
            if len(fields) < 6 or int(fields[1]) >= n_steps:
                continue
            r, n, j = int(fields[0]), int(fields[1]), int(fields[2])
            data.setdefault(r, {}).setdefault((n, j), []).append([float(x) for x in fields[3:6]])
    runs = sorted(data) if runs_arg == 'all' else [int(x) for x in runs_arg.split(',')]
else:
    runs = range(int(runs_arg) if runs_arg != 'all' else 8)

for r in runs:
    rng = np.random.default_rng(seed0 + r)
    if path == 'gen':
        meas, _ = S.generate_measurements(rng, pos, pas, rp)
    else:
        meas = [[np.array(data[r].get((n, j), []), float).reshape(-1, 3) for j in range(J)] for n in range(n_steps)]
    est, pe = run_filter(rng, meas, pas, rp, fp, 1024, pos[0] - vel[0] * S.DT, vel[0])
    e = np.linalg.norm(est[:, :2] - pos, axis=1)
    det = pe > fp['p_de']
    late = e[255:].mean() if n_steps > 255 else float('nan')
    print(f"run {r}: RMSE {np.sqrt((e ** 2).mean()) * 100:.2f} cm, max {e.max():.3f} m, frac>1m {np.mean(e > 1):.3f}, "
          f"late mean err {late:.3f} m, LoS det {(det & los_vis).sum() / max(los_vis.sum(), 1):.3f}, "
          f"false LoS {(det & ~los_vis).sum() / max((~los_vis).sum(), 1):.3f}", flush=True)
