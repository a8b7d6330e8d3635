#!/usr/bin/env python3
"""Compare the Swift Loca-LoS chain with the numpy reference (shared/ref/bp) on the same configuration.

Three results per configuration, each over the same number of runs:
  ref    the numpy reference, run r with numpy seed SEED + r (its own measurements), as run_ref.py does;
  trace  the Swift chain (loca-run trace) on exactly the reference's measurements of those runs, with
         Philox filter seeds SEED + r: the two filters see the same data, only the filter randomness differs;
  synth  the Swift chain (loca-run synth) on the Swift scenario's own measurements, Philox seeds SEED + r.
The check: rmse_m (time-average of the per-step RMSE over runs) of trace and synth within ±TOL of the
reference's, and no diverged run (any error > 1 m) in any of them. Exit status 1 if a check fails.

Usage:
  scripts/compare-ref.py CONFIG [--runs R] [--steps S] [--tolerance T] [--swift-bin PATH] [--ref-json FILE]
CONFIG: main (J=24, N_a=25, 400 MHz, N_p=4096, 526 steps, 5 runs, ±25 %),
        j4-40 (J=4, N_a=25, 40 MHz, N_p=1024, 526 steps, 2 runs, ±35 %),
        short (J=24, N_a=25, 400 MHz, N_p=4096, 100 steps, 3 runs, ±35 % own scenario, ±15 % on the
        reference's measurements: about a minute, for CI).
The reference's result is cached in --ref-json (default: none) so that it is computed once.
Needs python3 with numpy and scipy, the shared folder (../shared next to the repository, or $DMIMO_SHARED) and
a release build of loca-run (swift build -c release --product loca-run).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get('DMIMO_SHARED') or os.path.join(os.path.dirname(REPO), 'shared')
sys.path.insert(0, os.path.join(SHARED, 'ref', 'bp'))
import scenario as S  # noqa: E402
import loca_los as L  # noqa: E402

# tol: allowed relative deviation of rmse_m from the reference's for the Swift run on its own scenario (synth);
# trace_tol: the same for the Swift run on the reference's own measurements (trace), which differs from the
# reference only by the filter's random numbers and is therefore held tighter where the runs are short.
CONFIGS = {
    'main': dict(J=24, Na=25, Bw=400e6, N=4096, runs=5, steps=526, tol=0.25, trace_tol=0.25),
    'j4-40': dict(J=4, Na=25, Bw=40e6, N=1024, runs=2, steps=526, tol=0.35, trace_tol=0.35),
    'short': dict(J=24, Na=25, Bw=400e6, N=4096, runs=3, steps=100, tol=0.35, trace_tol=0.15),
}
SEED = 2025


def stats(errors, visible, detected):
    """The metrics of run_ref.py (plus pooled LoS rates), errors (runs, steps), visible/detected (runs, steps, J)."""
    E = np.asarray(errors)
    V = np.asarray(visible, bool)
    D = np.asarray(detected, bool)
    return dict(
        runs=E.shape[0], steps=E.shape[1],
        rmse_m=float(np.sqrt((E ** 2).mean(0)).mean()), rmse_overall_m=float(np.sqrt((E ** 2).mean())),
        error_p50_m=float(np.median(E)), error_p90_m=float(np.quantile(E, 0.9)), error_max_m=float(E.max()),
        frac_error_gt_1m=float(np.mean(E > 1.0)), runs_diverged=int(np.sum((E > 1.0).any(1))),
        los_detection_rate=float((D & V).sum() / max(V.sum(), 1)),
        false_los_rate=float((D & ~V).sum() / max((~V).sum(), 1)))


def run_reference(cfg, trace_path):
    """The numpy reference exactly as run_ref.run_config, also writing its measurements as a trace."""
    pos, vel, _ = S.trajectory()
    pos, vel = pos[:cfg['steps']], vel[:cfg['steps']]
    pas = S.pa_positions(cfg['J'])
    rp = S.radio_params(Bw=cfg['Bw'], Na=cfg['Na'])
    fp = L.default_filter_params(rp, S.DT)
    errors, visible, detected, traces = [], [], [], []
    t0 = time.time()
    for run in range(cfg['runs']):
        rng = np.random.default_rng(SEED + run)
        meas, los_vis = S.generate_measurements(rng, pos, pas, rp)
        p0 = pos[0] - vel[0] * S.DT
        est, pe = L.run_filter(rng, meas, pas, rp, fp, cfg['N'], p0, vel[0])
        e = np.linalg.norm(est[:, :2] - pos, axis=1)
        errors.append(e)
        visible.append(los_vis)
        detected.append(pe > fp['p_de'])
        traces.append(dict(measurements=[[m.tolist() for m in step] for step in meas]))
        print(f"  ref run {run}: RMSE {np.sqrt((e ** 2).mean()) * 100:.2f} cm, max {e.max():.3f} m "
              f"[{time.time() - t0:.0f} s]", flush=True)
    with open(trace_path, 'w') as fh:
        json.dump(dict(panels=pas.tolist(), prior_centre=(pos[0] - vel[0] * S.DT).tolist(),
                       prior_velocity=vel[0].tolist(), bandwidth_hz=cfg['Bw'], array_side=int(round(cfg['Na'] ** 0.5)),
                       truth=pos.tolist(), los_visible=np.asarray(visible[0], int).tolist(), runs=traces), fh)
    res = stats(errors, visible, detected)
    res['wall_time_s'] = time.time() - t0
    return res


def run_swift(binary, args):
    out = subprocess.run([binary] + args + ['--json'], check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('config', choices=sorted(CONFIGS))
    ap.add_argument('--runs', type=int)
    ap.add_argument('--steps', type=int)
    ap.add_argument('--tolerance', type=float)
    ap.add_argument('--swift-bin', default=os.path.join(REPO, '.build', 'release', 'loca-run'))
    ap.add_argument('--ref-json', help='cache of the reference result (read if present, else written)')
    a = ap.parse_args()
    cfg = dict(CONFIGS[a.config])
    for k in ('runs', 'steps'):
        if getattr(a, k):
            cfg[k] = getattr(a, k)
    tol = a.tolerance or cfg['tol']
    trace_tol = a.tolerance or cfg['trace_tol']
    print(f"config {a.config}: J={cfg['J']} N_a={cfg['Na']} B_w={cfg['Bw'] / 1e6:.0f} MHz N_p={cfg['N']} "
          f"runs={cfg['runs']} steps={cfg['steps']} tolerance ±{tol * 100:.0f} % (own scenario), "
          f"±{trace_tol * 100:.0f} % (reference measurements)", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        trace = os.path.join(tmp, 'trace.json')
        key = dict(cfg, seed=SEED)
        ref = None
        if a.ref_json and os.path.exists(a.ref_json):
            with open(a.ref_json) as fh:
                cached = json.load(fh)
            if cached.get('key') == key and os.path.exists(cached.get('trace', '')):
                ref, trace = cached['result'], cached['trace']
                print(f"reference: cached in {a.ref_json}")
        if ref is None:
            if a.ref_json:
                trace = os.path.splitext(a.ref_json)[0] + '.trace.json'
            ref = run_reference(cfg, trace)
            if a.ref_json:
                with open(a.ref_json, 'w') as fh:
                    json.dump(dict(key=key, result=ref, trace=trace), fh, indent=1)
        common = ['--particles', str(cfg['N']), '--seed', str(SEED)]
        t0 = time.time()
        swift_trace = run_swift(a.swift_bin, ['trace', trace] + common)
        swift_trace['wall_time_s'] = time.time() - t0
        t0 = time.time()
        swift_synth = run_swift(a.swift_bin, ['synth', '--panels', str(cfg['J']), '--bandwidth-mhz',
                                              str(cfg['Bw'] / 1e6), '--array-side', str(int(round(cfg['Na'] ** 0.5))),
                                              '--runs', str(cfg['runs']), '--steps', str(cfg['steps'])] + common)
        swift_synth['wall_time_s'] = time.time() - t0

    cols = ['rmse_m', 'rmse_overall_m', 'error_p50_m', 'error_p90_m', 'error_max_m', 'frac_error_gt_1m',
            'runs_diverged', 'los_detection_rate', 'false_los_rate', 'wall_time_s']
    print('\n| result | ' + ' | '.join(cols) + ' |')
    print('|' + '---|' * (len(cols) + 1))
    for name, r in (('numpy reference', ref), ('swift, reference measurements', swift_trace),
                    ('swift, own scenario', swift_synth)):
        cells = []
        for c in cols:
            v = r.get(c)
            if v is None:
                cells.append('–')
            elif c.endswith('_m') and c != 'error_max_m':
                cells.append(f'{v * 100:.2f} cm')
            elif isinstance(v, float):
                cells.append(f'{v:.4g}')
            else:
                cells.append(str(v))
        print(f'| {name} | ' + ' | '.join(cells) + ' |')

    ok = True
    for name, r, t in (('trace', swift_trace, trace_tol), ('synth', swift_synth, tol)):
        ratio = r['rmse_m'] / ref['rmse_m']
        good = abs(ratio - 1) <= t and r['runs_diverged'] == 0
        ok &= good
        print(f"{name}: rmse_m {r['rmse_m'] * 100:.2f} cm = {ratio:.3f} x reference; runs diverged "
              f"{r['runs_diverged']} -> {'ok' if good else 'FAIL'}")
    if ref['runs_diverged']:
        print(f"note: the reference itself diverged in {ref['runs_diverged']} run(s)")
    print('compare-ref: ' + ('1 passed, 0 failed' if ok else '0 passed, 1 failed'))
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
