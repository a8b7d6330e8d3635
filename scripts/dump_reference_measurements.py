#!/usr/bin/env python3
"""Writes the numpy reference's measurements (ref/bp/scenario.py generate_measurements, seeds 2025 + run, exactly
as run_ref.py draws them) as text for `mpc-sweep replay`: one line per measurement, `run step panel z_d z_phi z_u`.

Usage: python3 scripts/dump_reference_measurements.py J B_w_MHz runs > FILE
"""
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get('DMIMO_SHARED') or os.path.join(os.path.dirname(ROOT), 'shared')
sys.path.insert(0, os.path.join(SHARED, 'ref', 'bp'))
import scenario as S  # noqa: E402

J, Bw, runs = int(sys.argv[1]), float(sys.argv[2]) * 1e6, int(sys.argv[3])
pos, _, _ = S.trajectory()
pas = S.pa_positions(J)
rp = S.radio_params(Bw=Bw, Na=25)
out = sys.stdout
for run in range(runs):
    rng = np.random.default_rng(2025 + run)
    meas, _ = S.generate_measurements(rng, pos, pas, rp)
    for n in range(len(pos)):
        for j in range(J):
            for zd, zp, zu in meas[n][j]:
                out.write(f'{run} {n} {j} {float(zd)!r} {float(zp)!r} {float(zu)!r}\n')
