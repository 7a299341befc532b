"""Reference commands: what a city offers to strike, and every key a scenario takes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Column, Table

from coldstart.cli import TABLE_WIDTH, AllowOutside, city_app, out, print_table, scenario_app

ASSET_COLUMNS = ("asset_id", "kind", "rank", "refers to", "size", "lon", "lat")


@city_app.command("assets")
def city_assets(
    city_dir: Annotated[Path, typer.Argument(help="city folder (with city.toml)")],
    kind: Annotated[
        str | None, typer.Option("--kind", help="only assets of this kind, e.g. chp_plant")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    allow_outside: AllowOutside = False,
) -> None:
    """List the assets that can be struck, largest first within each kind (the rank a hit by
    kind names)."""
    from coldstart.city import load_city
    from coldstart.errors import InputError, Problem, suggest
    from coldstart.scenario.targets import SIZE_UNITS, asset_size, ranked

    city = load_city(city_dir, allow_outside=allow_outside)
    a = city.assets.set_index("asset_id")
    kinds = list(dict.fromkeys(a["kind"]))
    if kind is not None and kind not in kinds:
        why = f"the city has no asset of kind {kind!r}{suggest(kind, kinds)}; it has {kinds}"
        raise InputError([Problem(str(city_dir), "option '--kind'", "", why)])
    size = asset_size(city)
    rows = []
    for k in [kind] if kind else kinds:
        for rank, aid in enumerate(ranked(city, k), start=1):
            r = a.loc[aid]
            rows.append({"asset_id": aid, "kind": k, "rank": rank, "ref_table": r["ref_table"],
                         "ref_id": str(r["ref_id"]), "size": round(float(size[aid]), 3),
                         "size_unit": SIZE_UNITS.get(r["ref_table"], ""),
                         "lon": float(r["lon"]), "lat": float(r["lat"])})  # fmt: skip
    if as_json:
        out.print(json.dumps(rows, indent=1), soft_wrap=True)
        return
    cells = [(r["asset_id"], r["kind"], str(r["rank"]), f"{r['ref_table']} {r['ref_id']}",
              f"{r['size']:g} {r['size_unit']}".strip(), f"{r['lon']:.5f}",
              f"{r['lat']:.5f}") for r in rows]  # fmt: skip
    print_table(_table(ASSET_COLUMNS, cells))
    out.print("size ranks the assets of a kind (a heat pipe by its diameter DN in mm)")


KEY_COLUMNS = ("key", "type", "unit", "default", "bounds", "meaning")


def _table(headers: tuple[str, ...], rows: list[tuple[str, ...]]) -> Table:
    """A table of ``rows`` whose first column (ids, keys: what a user copies into a scenario) is
    never cut or wrapped; the others fold in a narrow terminal. Into a file or pipe only cells
    longer than :data:`WHOLE_CELL` characters (long lists of names, a sentence) fold: types,
    defaults and bounds stay whole on one line."""
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    first = Column(headers[0], no_wrap=True, min_width=widths[0])
    piped = not out.is_terminal
    fixed = [min(w, WHOLE_CELL) if piped else None for w in widths[1:-1]]  # (piped: exact
    middle = [  # widths, Rich then gives the rest to the last column instead of cropping it)
        Column(h, overflow="fold", min_width=w, max_width=w)
        for h, w in zip(headers[1:-1], fixed, strict=True)
    ]
    last = None  # the last column takes what is left (Rich would crop the table's right side)
    if piped:
        borders = 3 * len(headers) + 1  # a rule before each column and after the last, padding
        last = min(widths[-1], max(20, TABLE_WIDTH - borders - widths[0] - sum(fixed)))
    t = Table(first, *middle, Column(headers[-1], overflow="fold", width=last))
    for r in rows:
        t.add_row(*r)
    return t


WHOLE_CELL = 40
"""Cells up to this many characters are never wrapped in a table written to a file or pipe."""


@scenario_app.command("schema")
def scenario_schema(
    as_markdown: Annotated[bool, typer.Option("--markdown", help="print a Markdown table")] = False,
) -> None:
    """Print every scenario key with its type, unit, default, bounds and meaning."""
    from coldstart.scenario.reference import markdown, scenario_keys

    keys = scenario_keys()
    if as_markdown:
        out.print(markdown(keys), soft_wrap=True, end="")
        return
    rows = [(k.key, k.type, k.unit, k.default, k.bounds, k.meaning) for k in keys]
    print_table(_table(KEY_COLUMNS, rows))
