#!/usr/bin/env python3
"""Times one Loca-LoS panel update of the numpy reference (shared/ref/bp/loca_los.py), later-panel mode.

The update is the body of loca_los.run_filter for j > 1: regularize the received particles, Panel.update
(amplitude prediction, log beta, existence, amplitude resampling), agent weights and systematic resampling.
Input: the C baseline's fixed input (in_M6.bin of shared/ref/perf/gen_input.py); particles start in a 5 cm cloud
around the true position and each update's output feeds the next, as in the Swift and C benchmarks.
Prints `numpy N M p50_us p99_us` per size.
Usage: bench-numpy.py IN_M6.BIN [--sizes "1024 4096 16384"] [--measurements "3 6"]
"""
import argparse
import os
import sys
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get('DMIMO_SHARED') or os.path.join(os.path.dirname(REPO), 'shared')
sys.path.insert(0, os.path.join(SHARED, 'ref', 'bp'))
import scenario as S  # noqa: E402
import loca_los as L  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument('input')
ap.add_argument('--sizes', default='1024 4096 16384')
ap.add_argument('--measurements', default='3 6')
a = ap.parse_args()
d = np.fromfile(a.input, '<f8')
n0, m0 = int(d[0]), int(d[1])
pa = d[2:4]
truth, vel = d[24:26], d[26:28]
z_all = d[29 + 5 * n0:29 + 5 * n0 + 3 * m0].reshape(m0, 3)
rp = S.radio_params(Bw=400e6, Na=25)
fp = L.default_filter_params(rp, S.DT)
print('# numpy panel update (regularization, Panel.update, weights, resampling); p50/p99 over repeated updates')
for n in [int(x) for x in a.sizes.split()]:
    for m in [int(x) for x in a.measurements.split()]:
        rng = np.random.default_rng(7)
        X = np.empty((n, 4))
        X[:, :2] = truth + 0.05 * rng.standard_normal((n, 2))
        X[:, 2:] = vel + 0.1 * rng.standard_normal((n, 2))
        panel = L.Panel(rng, pa, n, rp, fp)
        z = z_all[:m]
        reps = 300 if n <= 4096 else 100
        times = []
        for r in range(reps + 20):
            t0 = time.perf_counter()
            X = L.regularize(rng, X, fp)
            log_xi = panel.update(rng, X, z)
            w = np.exp(log_xi - log_xi.max())
            w /= w.sum()
            X = X[L.systematic_resample(rng, w, n)]
            if r >= 20:
                times.append((time.perf_counter() - t0) * 1e6)
        times.sort()
        print(f'numpy {n} {m} {times[len(times) // 2]:.1f} {times[int(0.99 * (len(times) - 1) + 0.5)]:.1f}', flush=True)
