"""Candidate sites of mobile backup generators and what a generator changes at a site.

A site is a heat source (boiler house, CHP auxiliaries, heat-only plant), a booster pumping
station, a shelter (school, warming point, metro station) or a water pumping station. A mobile
generator can go where the site has no generator of its own (the simulation models one unit per
site) and the generator can carry the site's own load (``load_kw <= kw_each``).

The *loss score* of a site is the number of residents its loss leaves without heat: for a heat
source or pump, the residents of the buildings that have heat with everything intact and lose it
when that asset alone is out (connectivity to a working source,
:func:`coldstart.restore.benefit.service`); for a shelter, its places (the people who lose a warm
place); for a water pumping station 0 (the simulation does not couple water pumping to heat).
It ranks the baseline plan ("largest first") and the screening shortlist.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from coldstart.city.model import City
from coldstart.errors import InputError, Problem
from coldstart.people.shelter import SHELTER_KINDS

GROUPS = ("heat_source", "pumping_station", "shelter", "water_pump")
"""Kinds of candidate site, in the order the screening shortlist takes them."""

SITE_COLUMNS = (
    "site_id", "table", "kind", "group", "lon", "lat", "load_kw", "residents_at_risk",
    "heat_network",
)  # fmt: skip
"""Columns of a site table (:func:`candidate_sites`)."""


class BackupPlanError(InputError):
    """A generator count, candidates file or option ``plan backups`` cannot use."""


def _site_frame(table: pd.DataFrame, id_col: str, name: str, kind, group, p_col: str):
    """Sites of one city table: id, table, kind, group, position, load [kW] (``p_col`` in MW)
    and the rating of their own generator [kW]."""
    return pd.DataFrame(
        {
            "site_id": table[id_col].astype(str).to_numpy(object),
            "table": name,
            "kind": kind,
            "group": group,
            "lon": table.lon.to_numpy(float),
            "lat": table.lat.to_numpy(float),
            "load_kw": 1000.0 * table[p_col].to_numpy(float),
            "own_kw": table.backup_power_kw.to_numpy(float),
        }
    )


def _all_sites(city: City) -> pd.DataFrame:
    """Every heat source, pumping station, shelter and water pump with its load [kW] and the
    rating of its own generator [kW]."""
    hs, ps, f = city.heat_sources, city.pumping_stations, city.facilities
    f = f[(f.kind.isin(SHELTER_KINDS) & (f.capacity_people > 0)) | (f.kind == "water_pumping")]
    kind_hs = hs.kind.astype(str).to_numpy(object)
    group_f = np.where(f.kind == "water_pumping", "water_pump", "shelter")
    shelters = _site_frame(
        f, "facility_id", "facilities", f.kind.astype(str).to_numpy(object), group_f, "p_mw"
    )
    shelters["places"] = f.capacity_people.to_numpy(float)
    frames = [
        _site_frame(hs, "source_id", "heat_sources", kind_hs, "heat_source", "aux_p_mw"),
        _site_frame(
            ps, "pump_id", "pumping_stations", "pumping_station", "pumping_station", "p_mw"
        ),  # fmt: skip
        shelters,
    ]
    return pd.concat(frames, ignore_index=True)


def heat_networks(cc, sites: pd.DataFrame, city: City) -> np.ndarray:
    """Each site's heat network: the connected part (link valves closed) of its supply node,
    its pump's pipe or its heat node; -1 for a site off the district network [-].

    Sites of one network are *coupled*: a generator at one can raise the gain of one at
    another (a booster circulates only if its source runs), see :mod:`coldstart.plan.greedy`.
    """
    hm = cc.heat_model
    _, part = hm.components(hm.branch_ok(valve_closed=~hm.valve_normally_open))
    node = {
        "heat_sources": dict(zip(hm.source_ids.astype(str), hm.source_supply_node, strict=True)),
        "pumping_stations": dict(
            zip(hm.pump_ids.astype(str), hm.branch_from[hm.pump_branch], strict=True)
        ),
    }
    f = city.facilities.set_index(city.facilities.facility_id.astype(str))
    out = np.full(len(sites), -1, np.int64)
    for k, (table, sid) in enumerate(zip(sites.table, sites.site_id, strict=True)):
        if table in node:
            n = node[table].get(sid, -1)
        elif f.heat_supply.get(sid) == "district":
            n = int(hm.node_ids.get_indexer([str(f.heat_node_id[sid])])[0])
        else:
            n = -1
        out[k] = part[n] if n >= 0 else -1
    return out


def loss_scores(cc, city: City, sites: pd.DataFrame) -> np.ndarray:
    """Residents left without heat by each site's loss (see the module docstring) [people].

    Parameters
    ----------
    cc : CompiledCity
        ``city`` compiled.
    city : City
        Not modified.
    sites : pandas.DataFrame
        Rows of :func:`_all_sites` (``table``, ``site_id``, ``places``).

    Returns
    -------
    numpy.ndarray
        One score per row of ``sites`` [people].
    """
    from coldstart.restore.benefit import OutageState, service

    residents = city.buildings.residents.to_numpy(float)
    intact = OutageState.empty(cc)
    no_pump = np.zeros(len(intact.pump), bool)
    no_src = np.zeros(len(intact.source), bool)
    _, heat0 = service(cc, intact, no_pump, no_src)
    rows = {
        "heat_sources": {s: i for i, s in enumerate(city.heat_sources.source_id.astype(str))},
        "pumping_stations": {s: i for i, s in enumerate(city.pumping_stations.pump_id.astype(str))},
    }
    out = np.zeros(len(sites))
    for k, (table, sid) in enumerate(zip(sites.table, sites.site_id, strict=True)):
        if table == "facilities":
            out[k] = float(np.nan_to_num(sites.places.iat[k])) * (sites.group.iat[k] == "shelter")
            continue
        st = intact.copy()
        (st.source if table == "heat_sources" else st.pump)[rows[table][sid]] = 1
        _, heat = service(cc, st, no_pump, no_src)
        out[k] = float(residents[heat0 & ~heat].sum())
    return out


def candidate_sites(city: City, kw_each: float) -> pd.DataFrame:
    """The sites that can take a mobile generator of ``kw_each`` kW, with their loss score.

    Parameters
    ----------
    city : City
        Not modified.
    kw_each : float
        Rating of each mobile generator [kW]; a site whose load is larger cannot take one.

    Returns
    -------
    pandas.DataFrame
        :data:`SITE_COLUMNS`, one row per eligible site (no generator of its own, load at most
        ``kw_each``), in table order (heat sources, pumps, facilities).
    """
    every = _all_sites(city)
    ok = (every.own_kw <= 0) & (every.load_kw <= kw_each)
    sites = every[ok.to_numpy()].reset_index(drop=True)
    from coldstart.compiled import compile_city

    cc = compile_city(city)
    sites["residents_at_risk"] = loss_scores(cc, city, sites)
    sites["heat_network"] = heat_networks(cc, sites, city)
    return sites[list(SITE_COLUMNS)]


def coupled_sites(sites: pd.DataFrame) -> Callable[[int], list[int]]:
    """``coupled(i)``: the other sites of site ``i``'s heat network (none when off it)."""
    net = sites.heat_network.to_numpy()
    return lambda i: (
        [int(j) for j in np.flatnonzero(net == net[i]) if j != i] if net[i] >= 0 else []
    )


def largest_first(sites: pd.DataFrame, k: int) -> list[int]:
    """Positions of the ``k`` sites with the highest loss score (ties: table order)."""
    order = np.argsort(-sites.residents_at_risk.to_numpy(float), kind="stable")
    return [int(i) for i in order[:k]]


def shortlist(sites: pd.DataFrame, size: int, keep: list[int]) -> list[int]:
    """Screening: at most ``size`` positions, taken in turn from each group of :data:`GROUPS`
    by loss score (so that every kind of site is tried), plus every position in ``keep``.

    Returns positions in increasing order."""
    score = sites.residents_at_risk.to_numpy(float)
    queues = []
    for g in GROUPS:
        pos = np.flatnonzero((sites.group == g).to_numpy())
        queues.append(list(pos[np.argsort(-score[pos], kind="stable")]))
    chosen = set(keep)
    while len(chosen) < size and any(queues):
        for q in queues:
            if q and len(chosen) < size:
                chosen.add(int(q.pop(0)))
    return sorted(chosen)


def read_site_list(path: str | Path, sites: pd.DataFrame, kw_each: float, city: City) -> list[int]:
    """The candidate sites named in a CSV file with a ``site_id`` column.

    Parameters
    ----------
    path : str or pathlib.Path
        The file (other columns are ignored).
    sites : pandas.DataFrame
        The eligible sites (:func:`candidate_sites`).
    kw_each : float
        Generator rating [kW], to explain why a known site is not eligible.
    city : City
        The city, to tell an unknown id from an ineligible one.

    Returns
    -------
    list of int
        Positions into ``sites``, in file order.

    Raises
    ------
    BackupPlanError
        Unreadable or malformed file, missing column, empty, duplicate, unknown or ineligible id
        (one problem per bad row, naming file, row and field).
    """
    from coldstart.csvfile import csv_line_label, missing_column, read_csv_table, unreadable_hint
    from coldstart.safeio import read_bytes

    f = str(path)
    data = read_bytes(Path(path), "candidates", BackupPlanError)
    try:
        df = read_csv_table(data)
    except Exception as exc:  # pandas raises many types for a corrupt file
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        why = f"cannot read: {msg}{unreadable_hint(data)}"
        raise BackupPlanError(Problem(f, "", "", why)) from None
    if "site_id" not in df.columns:
        raise BackupPlanError(Problem(f, "", "site_id", missing_column(df.columns)))
    line = csv_line_label(data, len(df))
    if df.empty:
        raise BackupPlanError(Problem(f, "", "site_id", "no candidate sites"))
    every = _all_sites(city).drop_duplicates("site_id").set_index("site_id")
    pos = {s: i for i, s in enumerate(sites.site_id)}
    problems, out = [], []
    for i, sid in enumerate(df.site_id.str.strip()):
        where = line(i)
        if sid in pos and pos[sid] in out:
            problems.append(Problem(f, where, "site_id", f"duplicate id {sid!r}"))
        elif sid in pos:
            out.append(pos[sid])
        elif sid not in every.index:
            msg = (
                f"unknown site {sid!r}: expected the id of a heat source, pumping station, "
                "shelter or water pumping station"
            )
            problems.append(Problem(f, where, "site_id", msg))
        else:
            row = every.loc[sid]
            why = (
                "already has its own generator"
                if row.own_kw > 0
                else f"its load {row.load_kw:,.0f} kW exceeds --kw-each {kw_each:,.0f} kW"
            )
            problems.append(Problem(f, where, "site_id", f"site {sid!r} cannot take one: {why}"))
    if problems:
        raise BackupPlanError(problems[:20])
    return out


def equip(
    city: City, sites: pd.DataFrame, chosen: list[int], kw_each: float, fuel_h: float
) -> City:
    """A new City with a mobile generator at each chosen site (the input is not modified).

    Parameters
    ----------
    city : City
    sites : pandas.DataFrame
        The candidate sites (:func:`candidate_sites`).
    chosen : list of int
        Positions into ``sites``.
    kw_each : float
        Generator rating [kW] (``backup_power_kw`` of the site).
    fuel_h : float
        Full tank [h] (``backup_fuel_h``); the scenario's ``backup`` section sets refuelling
        and start-up failures as for the city's own generators.

    Returns
    -------
    City
    """
    pick = sites.iloc[list(chosen)]
    key = {"heat_sources": "source_id", "pumping_stations": "pump_id", "facilities": "facility_id"}
    tables = dict(city.tables)
    for table, ids in pick.groupby("table").site_id:
        t = city.tables[table].copy()
        sel = t[key[table]].astype(str).isin(set(ids)).to_numpy()
        t.loc[sel, "backup_power_kw"] = float(kw_each)
        t.loc[sel, "backup_fuel_h"] = float(fuel_h)
        tables[table] = t
    return dataclasses.replace(city, tables=tables)
