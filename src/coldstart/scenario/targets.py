"""Explicit hits named by asset kind and rank, resolved against a city.

A scenario written for one city names assets by id (``a_chp_1``); one written for any city
names them by kind and rank (``{ kind = "chp_plant", rank = 1 }``: the largest CHP plant). The
size that ranks the assets of a kind comes from the table the asset refers to: a heat source's
``capacity_mw_th``, a pumping station's ``p_mw``, a heat pipe's ``dn_mm``, a transformer's
``sn_mva``, a grid bus's transformer capacity, a line's ``max_i_ka`` times its voltage, a
generator's ``p_mw``. Ties go to the asset listed first.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from coldstart.city.model import City
from coldstart.errors import Problem, suggest
from coldstart.scenario.model import Hit, Scenario


def _grid_size(net, table: str, ref: pd.Series) -> np.ndarray:
    """Size of grid elements referred to by id [MVA]."""
    ids = pd.to_numeric(ref, errors="coerce")
    if table == "grid.trafo":
        return net.trafo["sn_mva"].reindex(ids).to_numpy(float)
    if table == "grid.gen":
        return net.gen["p_mw"].reindex(ids).to_numpy(float)
    if table == "grid.line":
        vn = net.bus["vn_kv"].reindex(net.line["from_bus"]).to_numpy(float)
        mva = pd.Series(np.sqrt(3) * vn * net.line["max_i_ka"].to_numpy(float), net.line.index)
        return mva.reindex(ids).to_numpy(float)
    if table == "grid.bus":  # a substation: the transformers on it
        at_bus = pd.concat(
            [net.trafo.set_index("hv_bus")["sn_mva"], net.trafo.set_index("lv_bus")["sn_mva"]]
        )
        return at_bus.groupby(level=0).sum().reindex(ids).fillna(0.0).to_numpy(float)
    return np.zeros(len(ref))


SIZE_UNITS = {
    "heat_sources": "MW_th",
    "pumping_stations": "MW",
    "heat_pipes": "mm",
    "grid.gen": "MW",
    "grid.trafo": "MVA",
    "grid.line": "MVA",
    "grid.bus": "MVA",
}
"""Unit of :func:`asset_size` by the table an asset refers to (DN of a pipe in mm)."""


def asset_size(city: City) -> pd.Series:
    """Size of every asset, to rank the assets of one kind (units differ between kinds).

    Returns
    -------
    pandas.Series
        On the assets' ids; 0 where the referred row has no size.
    """
    a = city.assets
    size = np.zeros(len(a))
    tables = {
        "heat_sources": (city.heat_sources, "source_id", "capacity_mw_th"),
        "pumping_stations": (city.pumping_stations, "pump_id", "p_mw"),
        "heat_pipes": (city.heat_pipes, "pipe_id", "dn_mm"),
    }
    for table, rows in a.groupby("ref_table").groups.items():
        ref = a.loc[rows, "ref_id"].astype(str)
        pos = a.index.get_indexer(rows)
        if table in tables:
            df, key, col = tables[table]
            size[pos] = df.set_index(df[key].astype(str))[col].reindex(ref).to_numpy(float)
        elif str(table).startswith("grid."):
            size[pos] = _grid_size(city.net, str(table), ref)
    return pd.Series(np.nan_to_num(size), index=a["asset_id"].to_numpy())


def ranked(city: City, kind: str) -> list[str]:
    """Asset ids of one kind, largest first (ties: the order of the assets table)."""
    a = city.assets
    mine = a[a["kind"] == kind]
    size = asset_size(city).reindex(mine["asset_id"]).to_numpy()
    order = np.lexsort((np.arange(len(mine)), -size))
    return list(mine["asset_id"].to_numpy()[order])


def hit_problems(scenario: Scenario, city: City, file: str) -> list[Problem]:
    """Every explicit hit naming an asset id the city does not have (an error: the scenario
    was written for another city), with the closest id as a suggestion."""
    problems = []
    ids = set(city.assets["asset_id"])
    for i, wave in enumerate(scenario.strikes):
        for j, hit in enumerate(wave.hits):
            if hit.asset_id is not None and hit.asset_id not in ids:
                why = f"unknown asset {hit.asset_id!r} (not in the city's assets table)"
                key = f"key 'strikes[{i}].hits[{j}].asset_id'"
                problems.append(Problem(file, key, "", why + suggest(hit.asset_id, ids)))
    return problems


def _hits_beyond(scenario: Scenario, city: City) -> list[tuple[str, str]]:
    """``(key, why)`` of each hit by kind and rank beyond the city's assets of the kind."""
    counts = city.assets["kind"].value_counts()
    out = []
    for i, wave in enumerate(scenario.strikes):
        for j, hit in enumerate(wave.hits):
            have = int(counts.get(hit.kind, 0)) if hit.kind is not None else 0
            if hit.kind is not None and hit.rank > have:
                why = f"rank {hit.rank} of kind {hit.kind!r}, but the city has {have}"
                out.append((f"strikes[{i}].hits[{j}].rank", why))
    return out


def hit_notes(scenario: Scenario, city: City, file: str) -> list[Problem]:
    """Hits by kind and rank that this city cannot take (it has fewer assets of the kind):
    not wrong, since one scenario serves many cities; such a hit is left out."""
    return [
        Problem(file, f"key '{key}'", "", f"{why}: this hit is left out")
        for key, why in _hits_beyond(scenario, city)
    ]


def hits_left_out(scenario: Scenario, city: City) -> str:
    """The hits :func:`resolve_hits` leaves out on this city, as one line for a run's meta
    (``"strikes[0].hits[0]: rank 1 of kind 'chp_plant', but the city has 0; ..."``; empty
    when none), so that a report never presents a scenario's defining hits as struck."""
    return "; ".join(
        f"{key.removesuffix('.rank')}: {why}" for key, why in _hits_beyond(scenario, city)
    )


def hit_target(hit: Hit, city: City, cache: dict[str, list[str]]) -> str | None:
    """The asset id a hit names: its ``asset_id``, or the asset of its kind and rank (None when
    the city has fewer of the kind)."""
    if hit.kind is None:
        return hit.asset_id
    order = cache.setdefault(hit.kind, ranked(city, hit.kind))
    return order[hit.rank - 1] if hit.rank <= len(order) else None


def resolve_hits(scenario: Scenario, city: City) -> Scenario:
    """The scenario with every hit named by kind and rank turned into its asset id, and those
    the city cannot take (:func:`hit_notes`) left out (a copy; the same object when no hit
    names a kind)."""
    if not any(h.kind is not None for w in scenario.strikes for h in w.hits):
        return scenario
    cache: dict[str, list[str]] = {}
    waves = []
    for wave in scenario.strikes:
        hits = []
        for h in wave.hits:
            asset_id = hit_target(h, city, cache)
            if asset_id is None:
                continue
            if h.kind is not None:
                h = Hit(asset_id=asset_id, damage=h.damage, repair_h=h.repair_h,
                        beyond_repair=h.beyond_repair)  # fmt: skip
            hits.append(h)
        waves.append(wave.model_copy(update={"hits": hits}))
    return scenario.model_copy(update={"strikes": waves})


def hit_warnings(scenario: Scenario, city: City, file: str) -> list[Problem]:
    """Waves that name one asset twice in their hits (by id, or by kind and rank): allowed, the
    hits combine as the worst (:func:`coldstart.scenario.strikes.explicit_damage`), but likely
    a slip, so each repeat is named with what the run will keep."""
    from coldstart.scenario.strikes import explicit_damage

    cache: dict[str, list[str]] = {}
    warnings = []
    for i, wave in enumerate(scenario.strikes):
        first: dict[str, int] = {}
        hits, repeats = [], []
        for j, hit in enumerate(wave.hits):
            asset_id = hit_target(hit, city, cache)
            if asset_id is None:
                continue
            hits.append(hit.model_copy(update={"asset_id": asset_id, "kind": None}))
            if asset_id in first:
                repeats.append((j, asset_id))
            first.setdefault(asset_id, j)
        kept = explicit_damage(wave.model_copy(update={"hits": hits})) if repeats else {}
        label = f"wave {wave.name!r}" if wave.name else "the wave"
        for j, asset_id in repeats:
            what = kept[asset_id].damage + (", beyond repair" * kept[asset_id].beyond_repair)
            why = (f"{label} (strikes[{i}]) names asset {asset_id!r} again (first in "
                   f"hits[{first[asset_id]}]): its hits combine as the worst, {what}")  # fmt: skip
            warnings.append(Problem(file, f"key 'strikes[{i}].hits[{j}]'", "", why))
    return warnings
