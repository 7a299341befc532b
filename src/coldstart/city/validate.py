"""Cross-table checks of a city: foreign keys, references of assets, heat supply consistency."""

from __future__ import annotations

import pandapower as pp
import pandas as pd

from coldstart.city.schema import MAX_PROBLEMS_PER_FIELD, table_specs
from coldstart.errors import Problem


def _grid_index(net: pp.pandapowerNet, table: str) -> set:
    return set(net[table].index.tolist()) if table in net else set()


def _all_valid(values: list, valid: set, skip: tuple) -> bool:
    """True when every value is in ``valid`` or equal to one in ``skip`` (one set operation).

    A cheap test before the row-by-row scan that names each bad row; unhashable values make it
    answer False (the scan then decides).
    """
    try:
        seen = set(values)
    except TypeError:
        return False
    seen.difference_update(skip)
    return seen <= valid


def check_references(
    tables: dict[str, pd.DataFrame],
    net: pp.pandapowerNet,
    files: dict[str, str],
    row_labels: dict[str, callable],
) -> list[Problem]:
    """Check every foreign key and asset reference; return all problems found.

    Parameters
    ----------
    tables : dict of str to pandas.DataFrame
        Typed tables (as returned by :func:`coldstart.city.schema.coerce_table`).
    net : pandapower.pandapowerNet
        The grid the ``grid.*`` keys refer to.
    files : dict of str to str
        File name of each table, for messages.
    row_labels : dict of str to callable
        Row label function of each table, for messages.
    """
    problems: list[Problem] = []
    specs = table_specs()
    for tname, table in tables.items():
        spec = specs[tname]
        for f in spec.fields:
            if f.fk is None or f.name not in table:
                continue
            ref_table, ref_col = f.fk.split(".", 1)
            if ref_table == "grid":
                valid = _grid_index(net, ref_col)
            elif ref_table in tables:
                valid = set(tables[ref_table][ref_col].tolist())
            else:
                continue
            values = table[f.name].tolist()
            skip = (f.default, None, "") if f.nullable else ()
            if _all_valid(values, valid, skip):
                continue
            bad = 0
            for i, v in enumerate(values):
                if f.nullable and (v == f.default or v is None or v == ""):
                    continue
                if v not in valid:
                    bad += 1
                    if bad <= MAX_PROBLEMS_PER_FIELD:
                        where = "grid " + ref_col if ref_table == "grid" else f.fk
                        problems.append(
                            Problem(
                                files[tname],
                                row_labels[tname](i),
                                f.name,
                                f"refers to {v!r}, which is not in {where}",
                            )
                        )
            if bad > MAX_PROBLEMS_PER_FIELD:
                problems.append(
                    Problem(
                        files[tname], "", f.name, f"... and {bad - MAX_PROBLEMS_PER_FIELD} more"
                    )
                )
    for tname in ("buildings", "facilities"):
        if tname not in tables:
            continue
        t = tables[tname]
        missing = (t["heat_supply"] == "district") & (t["heat_node_id"].astype(str) == "")
        for i in list(missing[missing].index)[:MAX_PROBLEMS_PER_FIELD]:
            problems.append(
                Problem(
                    files[tname],
                    row_labels[tname](int(i)),
                    "heat_node_id",
                    "a district-heated row needs a heat node",
                )
            )
    if "assets" in tables:
        a = tables["assets"]
        ids: dict[str, set] = {}  # valid ids of each referenced table, built once
        for i, (rt, rid) in enumerate(zip(a["ref_table"], a["ref_id"], strict=True)):
            if rt.startswith("grid."):
                if rt not in ids:
                    ids[rt] = _grid_index(net, rt.split(".", 1)[1])
                try:
                    ok = int(rid) in ids[rt]
                except ValueError:
                    ok = False
            elif rt in tables:
                if rt not in ids:
                    ids[rt] = set(tables[rt][specs[rt].key].tolist())
                ok = rid in ids[rt]
            else:
                ok = False
            if not ok:
                problems.append(
                    Problem(
                        files["assets"],
                        row_labels["assets"](i),
                        "ref_id",
                        f"refers to {rid!r}, which is not in {rt}",
                    )
                )
    return problems


def fragility_warnings(city) -> list[str]:
    """Single points of failure that make every strike draw alike (empty when none).

    Parameters
    ----------
    city : coldstart.city.model.City
        The city.

    Returns
    -------
    list of str
        One sentence each: a single HV substation feeding the whole grid, no heat main, no
        shelter (a facility of a kind in ``people/shelter_kinds.csv`` with places).
    """
    from coldstart.people.stock import shelter_kinds

    kinds = city.assets["kind"].value_counts() if len(city.assets) else {}
    out = []
    n_hv = int(kinds.get("hv_substation", 0))
    if n_hv == 1:
        out.append(
            "the grid has a single HV substation, a single point of failure: one hit can black "
            "out the whole city and make every draw alike (`coldstart city synth` makes 2 or more "
            "from about 400 buildings; an imported city has the substations of its data)"
        )
    if int(kinds.get("heat_main", 0)) == 0 and len(city.heat_pipes):
        out.append(
            "the heat network has no heat main (asset kind heat_main): strikes cannot hit one "
            "(`coldstart city synth` makes them from about 850-950 buildings, not for every "
            "seed; an imported city's are the rows of kind heat_main in assets.geojson)"
        )
    fac = city.facilities
    if (
        len(city.buildings)
        and not (fac["kind"].isin(shelter_kinds().index) & (fac["capacity_people"] > 0)).any()
    ):
        out.append(
            "the city has no shelter (no metro station, school or warming point with "
            "capacity_people > 0): nobody can leave a cold flat, every shelter figure will be "
            "0 and all demand for shelter unmet (add facilities, or plan them with "
            "`coldstart plan shelters --candidates`)"
        )
    return out
