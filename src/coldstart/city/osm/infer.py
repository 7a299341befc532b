"""Buildings from OSM tags: floors, use, archetype, floor area, residents, loads.

Every value not read from a tag is inferred by a rule and flagged with it:

- **floors**: ``building:levels``, else ``height`` / 3 m per storey
  (:data:`~coldstart.city.osm.tags.STOREY_HEIGHT_M`), else the default floors of the rule
  that classified the building (column ``floors_from``);
- **use and archetype**: the first row of ``data/osm_building_rules.csv`` whose conditions hold
  (``building`` value, floors, construction year, footprint); each row names its source
  (column ``archetype_rule``);
- **floor area** (the ``floor_area_m2`` of the buildings table, flats' area as in
  ``data/archetypes.toml``): footprint x floors (gross) / the archetype's
  ``conditioned_per_heated`` (flats are 75-85 % of the gross area of Soviet blocks [TABULA]);
- **residents** of residential buildings: floor area / :data:`M2_PER_PERSON`, the national
  average total dwelling area per inhabitant [UKRSTAT-HOUSING] (column ``residents_from``);
  nobody lives in non-residential or unheated buildings;
- **electric demand**: flats (floor area / the archetype's flat area) x 1.2 kW per flat
  (DBN V.2.5-23, as in the synthetic city), a private house 1.6 kW (the synthetic city's mean),
  non-residential :data:`NONRES_W_M2`, unheated :data:`UNHEATED_W_M2`;
- **heat supply** drawn with the synthetic city's shares per archetype (OSM does not say how a
  building is heated; column ``heat_supply_from``); unheated buildings have no heat demand.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

from coldstart.city.osm import tags as T
from coldstart.city.synth import ARCHETYPES, ELECTRIC_KW_PER_FLAT, Dwellings, building_table
from coldstart.thermal.archetypes import archetypes

M2_PER_PERSON = 24.5
"""Total dwelling area per inhabitant in Ukraine [m2/person] (State Statistics Service of
Ukraine, housing stock bulletin: about 24-25 m2 before 2022) [UKRSTAT-HOUSING]."""

HOUSE_KW = 1.6 * ELECTRIC_KW_PER_FLAT
"""Winter evening electric demand of a private house [kW] (the synthetic city's mean: 1.2-2.0
times the 1.2 kW of a flat)."""

NONRES_W_M2 = 20.0
"""Electric demand of a heated non-residential building per m2 of floor [W/m2] (first
estimate: offices and shops 15-30 W/m2 in the evening; schools in the synthetic city 18)."""

UNHEATED_W_M2 = 2.0
"""Electric demand of an unheated structure (garage, shed) per m2 [W/m2] (first estimate)."""

USES = ("residential", "non_residential", "unheated")
RULES_COLUMNS = (
    "rule",
    "building",
    "min_levels",
    "max_levels",
    "min_year",
    "max_year",
    "min_footprint_m2",
    "max_footprint_m2",
    "use",
    "archetype",
    "default_floors",
    "source",
)


@cache
def rules() -> pd.DataFrame:
    """The archetype rules (``data/osm_building_rules.csv``), checked: known uses and
    archetypes, a source on every row, default floors on every row without a floors bound."""
    text = resources.files("coldstart.data").joinpath("osm_building_rules.csv").read_text()
    import io

    r = pd.read_csv(io.StringIO(text), dtype={"rule": str, "building": str, "source": str})
    assert tuple(r.columns) == RULES_COLUMNS, r.columns
    assert set(r.use) <= set(USES) and set(r.archetype) <= set(ARCHETYPES)
    assert r.source.str.len().gt(0).all() and r.rule.is_unique
    unbounded = r.min_levels.isna() & r.max_levels.isna()
    assert r.default_floors[unbounded].notna().all(), "a rule without floors bounds needs defaults"
    return r


def _between(v: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """``lo <= v <= hi`` where bounds are given (NaN bound: no condition; NaN value fails a
    given bound)."""
    ok = np.ones(len(v), bool)
    if np.isfinite(lo):
        ok &= v >= lo
    if np.isfinite(hi):
        ok &= v <= hi
    return ok


def classify(
    building: np.ndarray, floors: np.ndarray, year: np.ndarray, footprint_m2: np.ndarray
) -> np.ndarray:
    """Index (into :func:`rules`) of the first rule each building satisfies.

    Parameters
    ----------
    building : numpy.ndarray of str
        ``building=*`` values.
    floors : numpy.ndarray
        Floors from tags (NaN when untagged).
    year : numpy.ndarray
        Construction year (NaN when untagged); a rule's ``max_year`` is exclusive.
    footprint_m2 : numpy.ndarray
        Footprint area [m2].
    """
    r = rules()
    out = np.full(len(building), -1, dtype=np.int64)
    for k, row in enumerate(r.itertuples(index=False)):
        todo = out < 0
        if row.building != "*":
            todo &= np.isin(building, row.building.split("|"))
        todo &= _between(floors, row.min_levels, row.max_levels)
        if np.isfinite(row.min_year) or np.isfinite(row.max_year):
            hi = row.max_year - 1 if np.isfinite(row.max_year) else np.nan
            todo &= _between(year, row.min_year, hi)
        todo &= _between(footprint_m2, row.min_footprint_m2, row.max_footprint_m2)
        out[todo] = k
    return out


@dataclass(frozen=True)
class Inferred:
    """Floors, use and archetype of each building, with what gave each value."""

    floors: np.ndarray
    floors_from: np.ndarray
    rule: np.ndarray
    use: np.ndarray
    archetype: np.ndarray
    year: np.ndarray


def infer_kind(tags: pd.DataFrame, footprint_m2: np.ndarray) -> Inferred:
    """Floors (tag, height or rule), use and archetype (rules) of each building."""
    levels = T.floors_from_levels(tags["building:levels"])
    by_height = T.floors_from_height(T.height_m(tags["height"]))
    floors = np.where(np.isfinite(levels), levels, by_height)
    floors_from = np.where(
        np.isfinite(levels), "building:levels", np.where(np.isfinite(by_height), "height", "")
    ).astype(object)
    year = T.construction_year(tags["start_date"], tags["building:year"])
    building = tags["building"].to_numpy(str)
    k = classify(building, floors, year, footprint_m2)
    r = rules()
    unknown = ~np.isfinite(floors)
    floors = np.where(unknown, r.default_floors.to_numpy(float)[k], floors)
    rule = r.rule.to_numpy(object)[k]
    floors_from[unknown] = "rule:" + rule[unknown]
    return Inferred(
        floors=floors.astype(np.int64),
        floors_from=floors_from,
        rule=rule,
        use=r.use.to_numpy(object)[k],
        archetype=r.archetype.to_numpy(object)[k],
        year=year,
    )


def building_rows(
    tags: pd.DataFrame,
    footprint_m2: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """The buildings table (``bus``, ``outage_queue`` and ``heat_node_id`` still to be set),
    with the OSM and inference columns.

    Parameters
    ----------
    tags : pandas.DataFrame
        ``osm_id`` and the tags of :data:`coldstart.city.osm.read.BUILDING_TAGS`.
    footprint_m2 : numpy.ndarray
        Footprint areas [m2] (measured in the local UTM frame).
    lon, lat : numpy.ndarray
        Centroids [deg].
    rng : numpy.random.Generator
        Draws heat supply and the vulnerable and immobile shares.
    """
    inf = infer_kind(tags, footprint_m2)
    env = archetypes()
    names = list(ARCHETYPES)
    which = pd.Categorical(inf.archetype, categories=names).codes  # position in ``names``
    cond = np.array([env[a].conditioned_per_heated for a in names])[which]
    flat_m2 = np.array([ARCHETYPES[a].flat_area_m2 for a in names])[which]
    gross = footprint_m2 * inf.floors
    area = np.maximum(gross / cond, 1.0)
    res = inf.use == "residential"
    residents = np.where(res, np.maximum(np.round(area / M2_PER_PERSON), 1), 0).astype(np.int64)
    flats = np.maximum(np.round(area / flat_m2), 1).astype(np.int64)
    house = inf.archetype == "house_private"
    p_kw = np.select(
        [res & house, res, inf.use == "non_residential"],
        [HOUSE_KW, flats * ELECTRIC_KW_PER_FLAT, NONRES_W_M2 * area / 1000.0],
        UNHEATED_W_M2 * area / 1000.0,
    )
    supply = _heat_supply(inf.archetype, rng)
    unheated = inf.use == "unheated"
    supply[unheated] = "individual_gas"
    loss = np.array([env[a].heat_loss_w_m2k for a in names])[which]  # a property: once each
    d = Dwellings(inf.floors, flats, area, np.where(unheated, 0.0, loss), supply, residents)
    b = building_table(d, inf.archetype, lon, lat, lon * 0, lat * 0, 0, p_kw / 1000.0, "", rng)
    osm = tags["osm_id"].to_numpy(str)
    b["building_id"] = ["b_" + o.replace("way/", "w").replace("relation/", "r") for o in osm]
    extra = {
        "osm_id": osm,
        "name": tags["name"].to_numpy(object),
        "building_tag": tags["building"].to_numpy(object),
        "flats": np.where(res, flats, 0),
        "use": inf.use,
        "year": np.where(np.isfinite(inf.year), inf.year, 0).astype(np.int64),
        "footprint_m2": np.round(footprint_m2, 1),
        "gross_floor_area_m2": np.round(gross, 1),
        "floors_from": inf.floors_from,
        "archetype_rule": inf.rule,
        "residents_from": np.where(res, "rule:m2_per_person", "rule:" + inf.use),
        "heat_supply_from": np.where(unheated, "rule:unheated", "drawn:archetype_shares"),
    }
    for k, v in extra.items():
        b[k] = v
    return b.drop(columns=["x", "y"])


def _heat_supply(arch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """District, electric or individual gas heating, drawn with each archetype's shares (one
    draw per building)."""
    u = rng.uniform(0.0, 1.0, len(arch))
    out = np.empty(len(arch), dtype=object)
    for name, a in ARCHETYPES.items():
        sel = arch == name
        cum = np.cumsum(a.heat_supply)
        out[sel] = np.asarray(("district", "electric", "individual_gas"), dtype=object)[
            np.minimum(np.searchsorted(cum, u[sel], side="right"), 2)
        ]
    return out


def agreement(tags: pd.DataFrame, flats: np.ndarray) -> dict[str, float]:
    """How well the rules match the tags where both exist.

    Parameters
    ----------
    tags : pandas.DataFrame
        The buildings' tags (:data:`coldstart.city.osm.read.BUILDING_TAGS`).
    flats : numpy.ndarray
        Flats inferred for each building (floor area / the archetype's flat area).

    Returns
    -------
    dict
        ``height_within_1_floor_share`` among the ``height_and_levels_tagged`` buildings:
        floors from ``height`` within one of ``building:levels``;
        ``archetype_same_without_year_share`` among the ``levels_and_year_tagged``: the
        archetype from the levels alone (year hidden) equals the one with the year;
        ``flats_within_25pct_share`` and ``flats_median_ratio`` (inferred over tagged) among the
        ``flats_tagged`` residential buildings with ``building:flats`` (the check of the floor
        area, hence the residents). NaN where no building has both.
    """
    levels = T.floors_from_levels(tags["building:levels"])
    by_height = T.floors_from_height(T.height_m(tags["height"]))
    both = np.isfinite(levels) & np.isfinite(by_height)
    out: dict[str, float] = {"height_and_levels_tagged": int(both.sum())}
    out["height_within_1_floor_share"] = (
        float(np.mean(np.abs(levels[both] - by_height[both]) <= 1)) if both.any() else np.nan
    )
    year = T.construction_year(tags["start_date"], tags["building:year"])
    sel = np.isfinite(levels) & np.isfinite(year)
    out["levels_and_year_tagged"] = int(sel.sum())
    if sel.any():
        bld = tags["building"].to_numpy(str)[sel]
        fp = np.zeros(int(sel.sum()))  # footprint does not decide buildings with levels >= 3
        with_year = classify(bld, levels[sel], year[sel], fp)
        without = classify(bld, levels[sel], np.full(int(sel.sum()), np.nan), fp)
        a = rules().archetype.to_numpy(object)
        out["archetype_same_without_year_share"] = float(np.mean(a[with_year] == a[without]))
    else:
        out["archetype_same_without_year_share"] = np.nan
    tagged = T.positive_count(tags["building:flats"])
    has = np.isfinite(tagged)
    out["flats_tagged"] = int(has.sum())
    ratio = np.asarray(flats, float)[has] / tagged[has]
    out["flats_within_25pct_share"] = (
        float(np.mean(np.abs(ratio - 1) <= 0.25)) if has.any() else np.nan
    )
    out["flats_median_ratio"] = float(np.median(ratio)) if has.any() else np.nan
    return out
