#!/usr/bin/env python3
"""Vectorised numpy/scipy reference of the downlink model (docs/MODEL.md §DL.2-§DL.6) and its timing.

The reference specification (optional folder, section 9) describes a numpy baseline but ships no script; this is that baseline, written directly from the
spec's formulas (explicit X / Z matrices, batched over grid points, scipy Nelder-Mead, dense Jacobian FIM), not from
the Swift code (which factors the model through the precoders). It times, on this machine:
  * one hybrid estimate on noisy data (median of --repeats, default 3) per protocol,
  * one coarse-grid pass (1681 points) per protocol and processing,
  * the PEB at one point per protocol and processing,
and checks a few docs/MODEL.md §DL.7 reference values first so that the timed code is known to be right.

Usage: python3 scripts/downlink_numpy_reference.py [--json] [--repeats N] [--out FILE]
The JSON keys match `dmimo-downlink bench --baseline FILE`.
BLAS threads: the Swift bench runs on one thread. OpenBLAS picks its own thread count unless OPENBLAS_NUM_THREADS
(or OMP_NUM_THREADS) is set; on a small, busy machine its threads make the PEB timings erratic (often slower). For a
like-for-like single-thread baseline run it as OPENBLAS_NUM_THREADS=1 python3 scripts/downlink_numpy_reference.py ...
The setting is recorded in the JSON (blas_threads).
"""
import argparse
import json
import os
import sys
import time

import numpy as np
from scipy.optimize import minimize

C = 299_792_458.0
F0 = 3.5e9
LAM = C / F0
SIGMA2 = 1.38e-23 * 290 * 120e3
M, N = 20, 4


def network(k=36):
    e = np.array([-16.0, -8, 0, 8, 16])
    ap = np.concatenate([np.stack([e, -20 + 0 * e], 1), np.stack([20 + 0 * e, e], 1),
                         np.stack([-e, 20 + 0 * e], 1), np.stack([-20 + 0 * e, -e], 1)])
    o = np.mod(np.arctan2(-ap[:, 1], -ap[:, 0]), 2 * np.pi)
    ng = int(round(np.sqrt(k)))
    g = np.array([0.0]) if ng == 1 else -2.5 + np.arange(ng) * 5 / (ng - 1)
    gx, gy = np.meshgrid(g, g)              # x fastest in the flattened order
    ill = np.stack([gx.ravel(), gy.ravel()], 1)
    return ap, o, ill


def geometry(ap, o, q):
    """q: (..., 2) -> d, sin(theta), cos(theta) with shape (..., M)."""
    delta = q[..., None, :] - ap                       # (..., M, 2)
    d = np.hypot(delta[..., 0], delta[..., 1])
    th = np.arctan2(delta[..., 1], delta[..., 0]) - o
    return d, np.sin(th), np.cos(th), delta


def array_factor(dd):
    n = np.arange(N)
    w = np.exp(1j * np.pi * n * dd[..., None])
    return w.sum(-1), (1j * np.pi * n * w).sum(-1)


class Model:
    def __init__(self, k=36, power=1e-3):
        self.ap, self.o, self.ill = network(k)
        self.k = k
        self.amp = np.sqrt(power / N)
        dk, sk, _, _ = geometry(self.ap, self.o, self.ill)   # (K, M)
        self.dk, self.sk = dk.T, sk.T                        # (M, K)

    def z(self, u):
        """Non-coherent model, u: (..., 2) -> (..., M, K)."""
        d, s, _, _ = geometry(self.ap, self.o, u)
        g, _ = array_factor(s[..., None] - self.sk)
        return self.amp * np.exp(2j * np.pi * self.dk / LAM) * g

    def x(self, u):
        d, _, _, _ = geometry(self.ap, self.o, u)
        return np.exp(-2j * np.pi * d / LAM)[..., None] * self.z(u)

    def observation(self, proto, u, phase):
        d, _, _, _ = geometry(self.ap, self.o, np.asarray(u, float))
        alpha = LAM / (4 * np.pi * d)
        y = alpha[:, None] * np.exp(1j * phase) * self.x(np.asarray(u, float))
        return y if proto == "P1" else y.sum(0)


def costs(model, proto, processing, y, u):
    """Normalised profiled costs (docs/MODEL.md §DL.4) at points u (G, 2)."""
    yy = np.vdot(y, y).real
    if proto == "P1":
        w = model.x(u) if processing == "coherent" else model.z(u)     # (G, M, K)
        a = np.einsum("gmk,mk->gm", w.conj(), y)
        e = (np.abs(w) ** 2).sum(-1)
        if processing == "coherent":
            s = (a ** 2 / e).sum(-1)
            c = yy - (np.abs(a) ** 2 / (2 * e)).sum(-1) - np.abs(s) / 2
        else:
            c = yy - (np.abs(a) ** 2 / e).sum(-1)
    else:
        w = np.swapaxes(model.x(u) if processing == "coherent" else model.z(u), -1, -2)   # (G, K, M)
        b = np.einsum("gkm,k->gm", w.conj(), y)
        gram = np.einsum("gkm,gkn->gmn", w.conj(), w)
        if processing == "coherent":
            r = gram.real
            sol = np.linalg.solve(r, np.stack([b.real, b.imag], -1))
            rb = sol[..., 0] + 1j * sol[..., 1]
            q1 = np.einsum("gm,gm->g", b.conj(), rb).real
            q2 = np.einsum("gm,gm->g", b, rb)
            c = yy - q1 / 2 - np.abs(q2) / 2
        else:
            sol = np.linalg.solve(gram, b[..., None])[..., 0]
            c = yy - np.einsum("gm,gm->g", b.conj(), sol).real
    return c / yy


def hybrid(model, proto, y):
    off = -5 + 0.25 * np.arange(41)
    gx, gy = np.meshgrid(off, off)
    grid = np.stack([gx.ravel(), gy.ravel()], 1)
    u0 = grid[np.argmin(costs(model, proto, "noncoherent", y, grid))]
    f = lambda p: costs(model, proto, "noncoherent", y, p[None, :])[0]
    simplex = np.array([u0, u0 + [0.125, 0], u0 + [0, 0.125]])
    unc = minimize(f, u0, method="Nelder-Mead",
                   options=dict(initial_simplex=simplex, xatol=1e-6, fatol=1e-15, maxiter=400)).x
    step = LAM / 20
    n_fine = int(np.ceil((0.2 + LAM / 40) / step))
    off = -0.1 + step * np.arange(n_fine)
    gx, gy = np.meshgrid(off, off)
    fine = unc + np.stack([gx.ravel(), gy.ravel()], 1)
    ug = fine[np.argmin(costs(model, proto, "coherent", y, fine))]
    g = lambda p: costs(model, proto, "coherent", y, p[None, :])[0]
    simplex = np.array([ug, ug + [LAM / 40, 0], ug + [0, LAM / 40]])
    return minimize(g, ug, method="Nelder-Mead",
                    options=dict(initial_simplex=simplex, xatol=1e-8, fatol=1e-15, maxiter=400)).x, ug


def peb(model, proto, processing, u, phase=np.deg2rad(10)):
    """PEB (docs/MODEL.md §DL.6, free amplitudes) from a dense complex Jacobian."""
    u = np.asarray(u, float)
    d, s, cth, delta = geometry(model.ap, model.o, u)
    grad_d = delta / d[:, None]
    grad_s = (cth / d ** 2)[:, None] * np.stack([-delta[:, 1], delta[:, 0]], 1)
    g, gp = array_factor(s[:, None] - model.sk)
    psi = model.amp * np.exp(2j * np.pi * model.dk / LAM)
    alpha = LAM / (4 * np.pi * d)
    rho_c = np.exp(-2j * np.pi * d / LAM)[:, None]
    k = model.k
    if processing == "coherent":
        x = rho_c * psi * g
        gx = rho_c[..., None] * psi[..., None] * (-1j * 2 * np.pi / LAM * g[..., None] * grad_d[:, None, :]
                                                  + gp[..., None] * grad_s[:, None, :])            # (M, K, 2)
        du = alpha[:, None, None] * np.exp(1j * phase) * gx
        mu = alpha[:, None] * np.exp(1j * phase) * x
        nuis = np.exp(1j * phase) * x                                                              # (M, K)
        if proto == "P1":
            jac = np.zeros((M * k, M + 3), complex)
            jac[:, :2] = du.reshape(M * k, 2)
            jac[:, 2] = 1j * mu.ravel()
            for m in range(M):
                jac[m * k:(m + 1) * k, 3 + m] = nuis[m]
        else:
            jac = np.concatenate([du.sum(0), 1j * mu.sum(0)[:, None], nuis.T], 1)
    else:
        z = psi * g
        beta = alpha * np.exp(1j * phase) * rho_c[:, 0]
        du = beta[:, None, None] * (psi * gp)[..., None] * grad_s[:, None, :]
        if proto == "P1":
            jac = np.zeros((M * k, 2 * M + 2), complex)
            jac[:, :2] = du.reshape(M * k, 2)
            for m in range(M):
                jac[m * k:(m + 1) * k, 2 + 2 * m] = z[m]
                jac[m * k:(m + 1) * k, 3 + 2 * m] = 1j * z[m]
        else:
            cols = np.empty((k, 2 * M), complex)
            cols[:, 0::2] = z.T
            cols[:, 1::2] = 1j * z.T
            jac = np.concatenate([du.sum(0), cols], 1)
    fim = 2 / SIGMA2 * (jac.conj().T @ jac).real
    dg = np.sqrt(np.diag(fim))
    fs = fim / np.outer(dg, dg)
    sv = np.linalg.eigvalsh(fs)
    if np.min(np.abs(sv)) < 1e-12 * np.max(np.abs(sv)):
        return np.inf
    inv = np.linalg.inv(fs) / np.outer(dg, dg)
    return np.sqrt(inv[0, 0] + inv[1, 1])


def check(model):
    """A few docs/MODEL.md §DL.7 values (printed to 4 digits there)."""
    expected = {("P1", "coherent"): 8.612e-7, ("P1", "noncoherent"): 1.417e-3,
                ("P2", "coherent"): 1.076e-6, ("P2", "noncoherent"): 2.030e-3}
    for key, value in expected.items():
        got = peb(model, *key, [1, 1])
        assert abs(got - value) <= 0.5e-3 * value * 1.001, (key, got, value)
    y = model.observation("P1", [1, 1], np.deg2rad(10))
    c = costs(model, "P1", "coherent", y, np.array([[1.01, 0.99]]))[0]
    assert abs(c - 0.4055) < 0.5e-4, c
    y = model.observation("P2", [1, 1], np.deg2rad(10))
    c = costs(model, "P2", "noncoherent", y, np.array([[1.01, 0.99]]))[0]
    assert abs(c - 6.745e-8) < 0.5e-11, c


CLOCK = time.perf_counter


def median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = CLOCK()
        fn()
        times.append(CLOCK() - t0)
    return float(np.median(times))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3, help="timed repeats per item (median reported)")
    parser.add_argument("--peb-repeats", type=int, default=50, help="timed repeats per PEB point")
    parser.add_argument("--json", action="store_true", help="print JSON (keys of dmimo-downlink bench --baseline)")
    parser.add_argument("--out", help="also write the JSON to this file")
    parser.add_argument("--cpu-time", action="store_true",
                        help="measure process CPU time (all threads) instead of wall-clock time")
    args = parser.parse_args()
    global CLOCK
    if args.cpu_time:
        CLOCK = time.process_time

    model = Model(36, 1e-3)
    check(model)
    rng = np.random.default_rng(2025)
    result = {"estimate_s": {}, "coarse_pass_s": {}, "peb_s": {}, "errors_m": {},
              "numpy": np.__version__, "repeats": args.repeats,
              "clock": "process CPU time" if args.cpu_time else "wall clock",
              "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS") or "default"}
    off = -5 + 0.25 * np.arange(41)
    gx, gy = np.meshgrid(off, off)
    grid = np.stack([gx.ravel(), gy.ravel()], 1)
    for proto in ("P1", "P2"):
        clean = model.observation(proto, [1, 1], np.deg2rad(10))
        noisy = [clean + np.sqrt(SIGMA2 / 2) * (rng.standard_normal(clean.shape) + 1j * rng.standard_normal(clean.shape))
                 for _ in range(args.repeats)]
        times, errors = [], []
        for y in noisy:
            t0 = CLOCK()
            u, _ = hybrid(model, proto, y)
            times.append(CLOCK() - t0)
            errors.append(float(np.hypot(u[0] - 1, u[1] - 1)))
        result["estimate_s"][proto] = float(np.median(times))
        result["errors_m"][proto] = errors
        for processing in ("noncoherent", "coherent"):
            result["coarse_pass_s"][f"{proto}_{processing}"] = median_time(
                lambda: costs(model, proto, processing, noisy[0], grid), args.repeats)
            result["peb_s"][f"{proto}_{processing}"] = median_time(
                lambda: peb(model, proto, processing, [1, 1]), args.peb_repeats)
    text = json.dumps(result, indent=2, sort_keys=True)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    if args.json:
        print(text)
    else:
        print(f"numpy {np.__version__} reference (checks of docs/MODEL.md §DL.7 passed), medians of {args.repeats}:")
        for proto in ("P1", "P2"):
            print(f"  hybrid estimate {proto}: {result['estimate_s'][proto]:.3f} s  (errors {result['errors_m'][proto]})")
        for key, value in result["coarse_pass_s"].items():
            print(f"  coarse pass {key}: {value * 1e3:.1f} ms")
        for key, value in result["peb_s"].items():
            print(f"  PEB {key}: {value * 1e3:.3f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
