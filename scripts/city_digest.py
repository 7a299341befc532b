"""Print a digest of every table (and every grid table) of ``synth_city(n, seed)``.

A speed-up of the synthetic city must leave the city as it was, bit for bit: run this before
and after the change and compare (or save the first output and pass it to ``--against``).

    .venv/bin/python scripts/city_digest.py 120 2000 > before.json
    .venv/bin/python scripts/city_digest.py 120 2000 --against before.json   # exit 1 on a change
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys

import pandas as pd


def table_digest(table: pd.DataFrame) -> str:
    """SHA-256 (first 16 hex digits) of a table's columns, dtypes, index and every value's bits
    (object columns: each value's type and repr)."""
    h = hashlib.sha256()
    h.update(repr(list(table.columns)).encode())
    h.update(repr([str(t) for t in table.dtypes]).encode())
    h.update(repr(table.index).encode())
    for c in table.columns:
        col = table[c]
        if col.dtype == object:
            h.update(repr([(type(v).__name__, v) for v in col.tolist()]).encode())
        else:
            h.update(col.to_numpy().tobytes())
    return h.hexdigest()[:16]


def city_digests(n_buildings: int, seed: int) -> dict[str, str]:
    """Digest of each table of ``synth_city(n_buildings, seed)``, the grid's as ``net.<name>``."""
    from coldstart.city.synth import synth_city

    city = synth_city(n_buildings, seed=seed)
    out = {name: table_digest(t) for name, t in city.tables.items()}
    for key in sorted(city.net.keys()):
        value = city.net[key]
        if isinstance(value, pd.DataFrame) and len(value):
            out[f"net.{key}"] = table_digest(value)
    out["name"] = city.name
    return out


def main(argv: list[str] | None = None) -> int:
    """Print the digests as JSON; with ``--against``, list the differences and exit 1 on any."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sizes", nargs="+", type=int, help="buildings")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--against", help="JSON printed by an earlier run")
    args = ap.parse_args(argv)
    now = {str(n): city_digests(n, args.seed) for n in args.sizes}
    if not args.against:
        print(json.dumps(now, indent=1, sort_keys=True))
        return 0
    with open(args.against) as f:
        before = json.load(f)
    changed = [
        f"{n}: {k}"
        for n in now
        for k in sorted(set(now[n]) | set(before.get(n, {})))
        if now[n].get(k) != before.get(n, {}).get(k)
    ]
    print("\n".join(changed) if changed else "unchanged")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
