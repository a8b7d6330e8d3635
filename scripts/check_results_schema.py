#!/usr/bin/env python3
"""Checks result JSON files against docs/RESULTS-FORMAT.md: every field a file holds is documented with a matching
type, and every field documented as always present is there. Numbers may be null (the NaN convention); no number is
a string such as "nan".

Usage: scripts/python scripts/check_results_schema.py SECTION FILE [SECTION FILE ...]
SECTION: summary.json, manifest.json or "probe --json" (the headings of docs/RESULTS-FORMAT.md). Exit 1 on a mismatch.
"""
import json
import os
import re
import sys

DOC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs", "RESULTS-FORMAT.md")
LATENCY_KEYS = {"n", "p50", "p90", "p99", "p999", "max", "mean"}


def documented(section):
    """{path: (type, optional)} from the table under `## <section>`."""
    text = open(DOC, encoding="utf-8").read()
    m = re.search(r"^## " + re.escape(section) + r"\s*$(.*?)(?=^## |\Z)", text, re.M | re.S)
    if not m:
        sys.exit(f"check_results_schema: no section '## {section}' in {DOC}")
    fields = {}
    for line in m.group(1).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or not cells[0].startswith("`"):
            continue
        kind = cells[1]
        optional = kind.endswith("?")
        for name in re.findall(r"`([^`]+)`", cells[0]):
            fields[name] = (kind.rstrip("?"), optional)
    return fields


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def check_value(v, kind, path, fields, problems, seen):
    if kind == "integer":
        ok = is_int(v)
    elif kind == "number":
        ok = v is None or (isinstance(v, (int, float)) and not isinstance(v, bool))
    elif kind == "string":
        ok = isinstance(v, str)
    elif kind == "bool":
        ok = isinstance(v, bool)
    elif kind == "latency":
        ok = isinstance(v, dict) and set(v) == LATENCY_KEYS and is_int(v["n"])
        if ok:
            for k in LATENCY_KEYS - {"n"}:
                check_value(v[k], "number", f"{path}.{k}", fields, problems, seen)
                if v["n"] > 0 and v[k] is None:
                    problems.append(f"{path}.{k} is null with n = {v['n']}")
    elif kind.startswith("map<"):
        inner = kind[4:-1]
        ok = isinstance(v, dict)
        if ok:
            for k, x in v.items():
                check_value(x, inner, f"{path}.{k}", fields, problems, seen)
    elif kind.startswith("list<"):
        inner = kind[5:-1]
        ok = isinstance(v, list)
        if ok:
            for x in v:
                if inner == "object":
                    walk(x, path + "[].", fields, problems, seen)
                else:
                    check_value(x, inner, path + "[]", fields, problems, seen)
    elif kind == "object":
        ok = isinstance(v, dict)
        if ok:
            walk(v, path + ".", fields, problems, seen)
    else:
        problems.append(f"{path}: the documented type '{kind}' is unknown")
        return
    if not ok:
        problems.append(f"{path}: {json.dumps(v)[:80]} is not a {kind}")


def walk(obj, prefix, fields, problems, seen):
    if not isinstance(obj, dict):
        problems.append(f"{prefix or 'top level'}: not an object")
        return
    seen.add(prefix)
    for key, value in obj.items():
        path = prefix + key
        seen.add(path)
        if path not in fields:
            problems.append(f"{path}: in the file but not documented")
            continue
        check_value(value, fields[path][0], path, fields, problems, seen)


def check(section, path):
    fields = documented(section)
    with open(path, encoding="utf-8") as fh:
        obj = json.load(fh, parse_constant=lambda c: sys.exit(f"{path}: non-JSON constant {c}"))
    problems, seen = [], set()
    walk(obj, "", fields, problems, seen)
    for name, (kind, optional) in fields.items():
        parent = name.rsplit(".", 1)[0] + "." if "." in name else ""
        if not optional and name not in seen and parent in seen:
            problems.append(f"{name}: documented but missing")
    return problems


def main():
    args = sys.argv[1:]
    if not args or len(args) % 2:
        sys.exit(__doc__)
    bad = 0
    for section, path in zip(args[::2], args[1::2]):
        problems = check(section, path)
        for p in problems:
            print(f"{path}: {p}")
        bad += bool(problems)
        print(f"check_results_schema: {path} ({section}): " + ("ok" if not problems else f"{len(problems)} problem(s)"))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
