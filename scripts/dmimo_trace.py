"""dmimo_trace: read and write the CSV trace format of docs/TRACES.md from Python (for ray tracers and checks)."""
import math
from collections import defaultdict

SPEED_OF_LIGHT = 299_792_458.0


class TraceError(ValueError):
    pass


def read_trace(path):
    """Returns a dict: meta (key -> text), panels (list of dicts with x_m, y_m, orientation_rad, array_size),
    walls (list of (x1, y1, x2, y2)), prior (dict or None), agent ({step: (x, y)}), paths ({(step, panel): [dict]})
    where each path has distance_m, aoa_rad, and the optional amplitude / gain_re / gain_im / kind / wall."""
    sections = {}
    name = None
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\r\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if line.startswith("[") and line.rstrip().endswith("]"):
                name = line.strip()[1:-1]
                sections[name] = {"header": None, "rows": []}
                continue
            if name is None:
                raise TraceError(f"{path}:{number}: data before the first section")
            fields = [x.strip() for x in line.split(",")]
            if sections[name]["header"] is None:
                sections[name]["header"] = fields
            else:
                sections[name]["rows"].append(dict(zip(sections[name]["header"], fields)))
    meta = {r["key"]: r["value"] for r in sections["trace"]["rows"]}
    panels = []
    for r in sections["panels"]["rows"]:
        panels.append({"x_m": float(r["x_m"]), "y_m": float(r["y_m"]),
                       "orientation_rad": float(r.get("orientation_rad") or 0),
                       "array_size": int(r["array_size"]) if r.get("array_size") else None})
    walls = [tuple(float(r[k]) for k in ("x1_m", "y1_m", "x2_m", "y2_m")) for r in sections.get("walls", {"rows": []})["rows"]]
    prior = None
    if "prior" in sections and sections["prior"]["rows"]:
        prior = {k: float(v) for k, v in sections["prior"]["rows"][0].items()}
    agent = {int(r["step"]): (float(r["x_m"]), float(r["y_m"])) for r in sections.get("agent", {"rows": []})["rows"]}
    paths = defaultdict(list)
    for r in sections.get("paths", {"rows": []})["rows"]:
        p = {"aoa_rad": float(r["aoa_rad"])}
        p["distance_m"] = float(r["distance_m"]) if "distance_m" in r else SPEED_OF_LIGHT * float(r["delay_s"])
        for k in ("amplitude", "gain_re", "gain_im"):
            if r.get(k):
                p[k] = float(r[k])
        p["kind"] = r.get("kind") or None
        p["wall"] = int(r["wall"]) if r.get("wall") else None
        paths[(int(r["step"]), int(r["panel"]))].append(p)
    return {"meta": meta, "panels": panels, "walls": walls, "prior": prior, "agent": agent, "paths": paths}


def write_trace(path, meta, panels, walls, prior, agent, paths, amplitude="gain"):
    """Writes a trace. `paths[(step, panel)]` lists dicts with distance_m, aoa_rad, kind, wall and, by `amplitude`,
    gain_re/gain_im ("gain"), amplitude ("normalized") or nothing ("model")."""
    steps = int(meta["steps"])
    columns = {"gain": ",gain_re,gain_im", "normalized": ",amplitude", "model": ""}[amplitude]
    with open(path, "w", encoding="utf-8") as f:
        f.write("# dmimo-chain trace (docs/TRACES.md)\n[trace]\nkey,value\n")
        for k in ("format", "version", "level", "steps", "time_step_s", "source"):
            if k in meta:
                f.write(f"{k},{meta[k]}\n")
        sizes = all(p.get("array_size") for p in panels)
        f.write("[panels]\npanel,x_m,y_m,orientation_rad" + (",array_size" if sizes else "") + "\n")
        for k, p in enumerate(panels):
            f.write(f"{k},{p['x_m']!r},{p['y_m']!r},{p['orientation_rad']!r}" + (f",{p['array_size']}" if sizes else "") + "\n")
        if walls:
            f.write("[walls]\nwall,x1_m,y1_m,x2_m,y2_m\n")
            for w, (x1, y1, x2, y2) in enumerate(walls):
                f.write(f"{w},{x1!r},{y1!r},{x2!r},{y2!r}\n")
        if prior:
            f.write(f"[prior]\nx_m,y_m,vx_mps,vy_mps\n{prior['x_m']!r},{prior['y_m']!r},{prior['vx_mps']!r},{prior['vy_mps']!r}\n")
        if agent:
            f.write("[agent]\nstep,x_m,y_m\n")
            for n in sorted(agent):
                f.write(f"{n},{agent[n][0]!r},{agent[n][1]!r}\n")
        f.write("[paths]\nstep,panel,distance_m,aoa_rad" + columns + ",kind,wall\n")
        for n in range(steps):
            for j in range(len(panels)):
                for p in paths.get((n, j), []):
                    a = ""
                    if amplitude == "gain":
                        a = f",{p['gain_re']!r},{p['gain_im']!r}"
                    elif amplitude == "normalized":
                        a = f",{p['amplitude']!r}"
                    wall = "" if p.get("wall") is None else str(p["wall"])
                    f.write(f"{n},{j},{p['distance_m']!r},{p['aoa_rad']!r}{a},{p.get('kind') or ''},{wall}\n")


def wrap(angle):
    """Angle wrapped to [-pi, pi)."""
    return angle - 2 * math.pi * math.floor((angle + math.pi) / (2 * math.pi))
