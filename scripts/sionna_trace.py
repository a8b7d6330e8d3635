#!/usr/bin/env python3
"""sionna_trace.py: the room of a configuration as a Sionna RT scene (walls as 3 m concrete meshes, panels, track),
traced for LoS and specular reflections up to --max-depth, written as a true-path trace (docs/TRACES.md), and compared
path by path with the built-in geometry (the configuration's exported true paths).

Set up once: bash scripts/setup-sionna.sh (sionna-rt and libllvm19). Run through scripts/python:
  scripts/python scripts/sionna_trace.py --out sionna.csv [--max-depth 2] [--config C] [--set key=value]
"""
import argparse
import glob
import json
import math
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dmimo_trace import SPEED_OF_LIGHT, read_trace, wrap, write_trace  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def find_llvm():
    """The libLLVM 19 that Dr.Jit's CPU backend needs (LLVM 14/15 fail with 'Cannot select ... fmaximum')."""
    if os.environ.get("DRJIT_LIBLLVM_PATH"):
        return os.environ["DRJIT_LIBLLVM_PATH"]
    found = sorted(glob.glob("/usr/lib/*/libLLVM.so.19*") + glob.glob("/usr/lib/llvm-19/lib/libLLVM.so*"))
    return found[0] if found else None


def on_segment(point, wall, tol=1e-3):
    """Whether the 2-D point lies on the wall segment (within tol metres)."""
    (x, y), (x1, y1, x2, y2) = point, wall
    dx, dy = x2 - x1, y2 - y1
    length = math.hypot(dx, dy)
    if abs(dx * (y - y1) - dy * (x - x1)) / length > tol:
        return False
    t = ((x - x1) * dx + (y - y1) * dy) / (length * length)
    return -tol / length <= t <= 1 + tol / length


def wall_obj(path, wall, height):
    """A wall as a vertical quad (two triangles) from z = 0 to `height`, OBJ."""
    x1, y1, x2, y2 = wall
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"v {x1} {y1} 0\nv {x2} {y2} 0\nv {x2} {y2} {height}\nv {x1} {y1} {height}\n")
        f.write("vn 0 0 1\nf 1 2 3\nf 1 3 4\n")


def reference_trace(args, tmp):
    """The configuration's built-in true paths (chain-controller export-trace)."""
    if args.reference:
        return args.reference
    out = os.path.join(tmp, "builtin.csv")
    cmd = [args.chain_controller, "export-trace", "--out", out]
    if args.config:
        cmd += ["--config", args.config]
    for s in args.set:
        cmd += ["--set", s]
    if args.steps:
        cmd += ["--steps", str(args.steps)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return out


def trace_scene(ref, args, tmp):
    """Traces every (step, panel) of the reference geometry with Sionna RT; returns {(step, panel): [path]} and
    the number of own-wall copies dropped."""
    import drjit as dr  # noqa: F401  (imported after DRJIT_LIBLLVM_PATH is set)
    import mitsuba as mi
    import numpy as np
    import sionna.rt as rt

    scene = rt.load_scene()
    scene.frequency = args.carrier_hz
    material = rt.ITURadioMaterial("concrete-walls", "concrete", thickness=args.wall_thickness)
    objects = []
    for w, wall in enumerate(ref["walls"]):
        fname = os.path.join(tmp, f"wall{w}.obj")
        wall_obj(fname, wall, args.wall_height)
        objects.append(rt.SceneObject(fname=fname, name=f"W{w + 1}", radio_material=material))
    scene.edit(add=objects)
    array = rt.PlanarArray(num_rows=1, num_cols=1, pattern="iso", polarization="V")
    scene.tx_array = array
    scene.rx_array = array
    z = args.height
    panels = ref["panels"]
    for j, p in enumerate(panels):
        scene.add(rt.Transmitter(f"panel{j}", position=mi.Point3f(p["x_m"], p["y_m"], z)))
    steps = int(ref["meta"]["steps"])
    solver = rt.PathSolver()
    out, own_wall = {}, 0
    for first in range(0, steps, args.batch):
        batch = list(range(first, min(steps, first + args.batch)))
        names = [f"agent{n}" for n in batch]
        for n, name in zip(batch, names):
            x, y = ref["agent"][n]
            scene.add(rt.Receiver(name, position=mi.Point3f(x, y, z)))
        paths = solver(scene, max_depth=args.max_depth, los=True, specular_reflection=True,
                       diffuse_reflection=False, refraction=False, diffraction=False,
                       synthetic_array=True, samples_per_src=args.samples_per_src,
                       max_num_paths_per_src=args.max_paths_per_src)
        tau = np.array(paths.tau)                       # [rx, tx, paths]
        phi_t = np.array(paths.phi_t)                   # departure azimuth at the panel (transmitter)
        a_re, a_im = (np.array(t)[:, 0, :, 0, :] for t in paths.a)
        valid = np.array(paths.valid)
        if valid.ndim == 5:
            valid = valid[:, 0, :, 0, :]
        inter = np.array(paths.interactions)            # [depth, rx, tx, paths]
        verts = np.array(paths.vertices)                # [depth, rx, tx, paths, 3]
        for r, n in enumerate(batch):
            for j, p in enumerate(panels):
                found = []
                for k in np.nonzero(valid[r, j])[0]:
                    bounces = [d for d in range(inter.shape[0]) if inter[d, r, j, k] != 0]
                    kind = "los" if not bounces else f"r{len(bounces)}"
                    wall = None
                    if len(bounces) == 1:
                        v = verts[bounces[0], r, j, k]
                        hits = [w for w, wl in enumerate(ref["walls"]) if on_segment((float(v[0]), float(v[1])), wl)]
                        wall = hits[0] if hits else None
                        if wall is not None and on_segment((p["x_m"], p["y_m"]), ref["walls"][wall], tol=1e-9):
                            own_wall += 1   # the panel's own wall: a copy of its LoS (reflection point at the panel)
                            if not args.keep_own_wall_copies:
                                continue
                    found.append({"distance_m": float(tau[r, j, k]) * SPEED_OF_LIGHT,
                                  "aoa_rad": wrap(float(phi_t[r, j, k]) - p["orientation_rad"]),
                                  "gain_re": float(a_re[r, j, k]), "gain_im": float(a_im[r, j, k]),
                                  "kind": kind, "wall": wall})
                found.sort(key=lambda q: (0 if q["kind"] == "los" else int(q["kind"][1:]),
                                          -1 if q["wall"] is None else q["wall"], q["distance_m"]))
                out[(n, j)] = found
        scene.remove(names)
        print(f"sionna_trace: steps {batch[0]}..{batch[-1]} traced", file=sys.stderr, flush=True)
    return out, own_wall


def compare(ref, traced, tolerance):
    """Path by path against the built-in geometry: LoS and first-order reflections matched by (kind, wall)."""
    report = {"pairs": 0, "matched_paths": 0, "max_distance_error_m": 0.0, "max_aoa_error_rad": 0.0,
              "los_disagreements": [], "count_disagreements": [], "distance_over_tolerance": [],
              "higher_order_paths": 0}
    steps = int(ref["meta"]["steps"])
    for n in range(steps):
        for j in range(len(ref["panels"])):
            report["pairs"] += 1
            built = {(p["kind"], p["wall"]): p for p in ref["paths"].get((n, j), [])}
            mine = {}
            for p in traced.get((n, j), []):
                if p["kind"] in ("los", "r1"):
                    mine.setdefault((p["kind"], p["wall"]), p)
                else:
                    report["higher_order_paths"] += 1
            if (("los", None) in built) != (("los", None) in mine):
                report["los_disagreements"].append({"step": n, "panel": j, "builtin": ("los", None) in built})
            if len(built) != len(mine):
                report["count_disagreements"].append({"step": n, "panel": j, "builtin": sorted(map(str, built)),
                                                      "sionna": sorted(map(str, mine))})
            for key in built.keys() & mine.keys():
                dd = abs(built[key]["distance_m"] - mine[key]["distance_m"])
                da = abs(wrap(built[key]["aoa_rad"] - mine[key]["aoa_rad"]))
                report["matched_paths"] += 1
                report["max_distance_error_m"] = max(report["max_distance_error_m"], dd)
                report["max_aoa_error_rad"] = max(report["max_aoa_error_rad"], da)
                if dd >= tolerance:
                    report["distance_over_tolerance"].append({"step": n, "panel": j, "path": str(key), "error_m": dd})
    return report


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="trace file to write (CSV, true-paths level)")
    ap.add_argument("--config", help="configuration (YAML) whose room, panels and track are traced (default: built-in)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="configuration override (repeatable)")
    ap.add_argument("--steps", type=int, help="trace only the first STEPS steps (default: run.steps)")
    ap.add_argument("--max-depth", type=int, default=1, help="largest number of reflections per path (1: single bounces, "
                    "as the filters model; 2 adds double bounces)")
    ap.add_argument("--amplitude", choices=["gain", "model"], default="gain",
                    help="gain: Sionna's complex path gain (concrete reflection coefficients); model: leave the amplitude "
                    "to the chain's model g^order·√(SNR_1m·N_a)/d")
    ap.add_argument("--keep-own-wall-copies", action="store_true",
                    help="keep the reflection off the wall a panel is mounted on (a copy of its LoS; dropped by default)")
    ap.add_argument("--height", type=float, default=1.5, help="height of panels and agent, m (walls from 0 to --wall-height)")
    ap.add_argument("--wall-height", type=float, default=3.0, help="wall height, m")
    ap.add_argument("--wall-thickness", type=float, default=0.2, help="concrete thickness of the ITU material, m")
    ap.add_argument("--carrier-hz", type=float, default=28e9, help="carrier frequency, Hz (match radio.carrier_hz)")
    ap.add_argument("--batch", type=int, default=64, help="agent positions traced per solver call")
    ap.add_argument("--samples-per-src", type=int, default=200_000, help="rays shot per panel and call")
    ap.add_argument("--max-paths-per-src", type=int, default=1_000_000, help="Sionna's path cap per panel")
    ap.add_argument("--report", help="write the comparison with the built-in geometry here (JSON)")
    ap.add_argument("--tolerance-m", type=float, default=1e-3, help="distance agreement asked of every matched path, m")
    ap.add_argument("--reference", help="built-in true-path trace to trace and compare with (default: export one)")
    ap.add_argument("--chain-controller", default=os.path.join(REPO, ".build/release/chain-controller"))
    ap.add_argument("--threads", type=int, default=1, help="Dr.Jit CPU threads (keep it low on a shared machine)")
    args = ap.parse_args()

    llvm = find_llvm()
    if llvm is None:
        sys.exit("sionna_trace: libLLVM 19 not found (bash scripts/setup-sionna.sh installs libllvm19)")
    os.environ["DRJIT_LIBLLVM_PATH"] = llvm
    try:
        import drjit as dr
        import mitsuba as mi
        mi.set_variant("llvm_ad_mono_polarized")
        import sionna.rt  # noqa: F401
    except ImportError as e:
        sys.exit(f"sionna_trace: sionna-rt is not installed ({e}); run bash scripts/setup-sionna.sh")
    dr.set_thread_count(args.threads)

    with tempfile.TemporaryDirectory() as tmp:
        ref = read_trace(reference_trace(args, tmp))
        started = time.monotonic()
        traced, own_wall = trace_scene(ref, args, tmp)
        seconds = time.monotonic() - started
    paths = traced
    if args.amplitude == "model":
        paths = {k: [{**p, "gain_re": None, "gain_im": None} for p in v] for k, v in traced.items()}
    meta = dict(ref["meta"])
    meta["source"] = f"Sionna RT {sionna.rt.__version__ if hasattr(sionna.rt, '__version__') else ''} max_depth {args.max_depth}"
    write_trace(args.out, meta, ref["panels"], ref["walls"], ref["prior"], ref["agent"], paths, amplitude=args.amplitude)
    report = compare(ref, traced, args.tolerance_m)
    report.update({"max_depth": args.max_depth, "own_wall_copies": own_wall,
                   "own_wall_copies_dropped": not args.keep_own_wall_copies, "trace_seconds": round(seconds, 1),
                   "paths_written": sum(len(v) for v in traced.values())})
    if args.report:
        with open(args.report, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=1)
    print(f"sionna_trace: {report['pairs']} (step, panel) pairs, {report['paths_written']} paths in {seconds:.1f} s; "
          f"matched {report['matched_paths']} paths with the built-in geometry: max |Δd| "
          f"{report['max_distance_error_m'] * 1e3:.4f} mm, max |ΔAoA| {report['max_aoa_error_rad']:.2e} rad; "
          f"LoS disagreements {len(report['los_disagreements'])}, path-count disagreements "
          f"{len(report['count_disagreements'])}, over {args.tolerance_m * 1e3:g} mm: "
          f"{len(report['distance_over_tolerance'])}; own-wall copies {own_wall} "
          f"({'kept' if args.keep_own_wall_copies else 'dropped'}); paths of order ≥ 2: {report['higher_order_paths']}; "
          f"wrote {args.out}")


if __name__ == "__main__":
    main()
