"""Facilities and energy assets from OSM objects, sized from floor area and sourced norms.

Facilities (``data/osm_facility_norms.csv``, one row per kind with its source):

- floor area: the gross floor area of the imported buildings inside the facility's area (a
  school's grounds hold its buildings), or of the building under a facility mapped as a node;
  else the kind's default (flagged ``floor_area_from = "default"``);
- places for people (``capacity_people``): floor area x usable share / m2 per person;
- electric demand: W/m2 of floor area, or a fixed MW per facility;
- heat supply, critical flag and backup power as in the synthetic city (backup drawn by
  :func:`coldstart.city.backup.assign_backup`).

A building that hosts a facility keeps its footprint, but its electric and heat demand move to
the facility (so they are not counted twice): the building's ``p_mw`` and heat demand become 0
and its ``hosts_facility`` names the facility.

Energy assets: ``power=substation`` (with ``voltage``), heat sources (``power=plant`` with a
heat output or a CHP name, ``industrial=heating_station``, names such as "Котельня" or
"ТЕЦ-5"), with the capacity tagged in ``plant:output:hot_water`` when there is one.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd
import shapely

from coldstart.city.osm import tags as T
from coldstart.city.osm.geometry import inside_bbox
from coldstart.city.synth import FACILITY_PREFIX

ENTRANCE_RADIUS_M = 300.0
"""A metro entrance belongs to the nearest station within this distance [m]."""

HEAT_SUPPLY = {
    "school": "district",
    "hospital": "district",
    "water_pumping": "electric",
    "metro_station": "own",
    "warming_point": "own",
}
"""Heat supply of each kind of facility (as in the synthetic city)."""

CRITICAL = ("metro_station", "hospital", "water_pumping")


@cache
def norms() -> pd.DataFrame:
    """``data/osm_facility_norms.csv`` indexed by kind."""
    text = resources.files("coldstart.data").joinpath("osm_facility_norms.csv").read_text()
    return pd.read_csv(io.StringIO(text)).set_index("kind")


@dataclass(frozen=True)
class Classified:
    """OSM objects that are facilities or energy assets, with positions.

    ``table`` has ``osm_id``, ``cls`` (see :func:`coldstart.city.osm.tags.poi_class`),
    ``rule``, ``name``, ``lon``, ``lat``, the tags, and ``geometry`` (a shapely polygon for
    areas, else None).
    """

    table: pd.DataFrame


def classify_pois(pois: pd.DataFrame, bbox) -> Classified:
    """Classify the objects and keep those of a known class inside ``bbox``."""
    if pois.empty:
        return Classified(pois.assign(cls=[], rule=[], geometry=[]))
    cls_rule = [T.poi_class(r) for r in pois.to_dict(orient="records")]
    t = pois.assign(cls=[c for c, _ in cls_rule], rule=[r for _, r in cls_rule])
    t = t[t.cls != ""].reset_index(drop=True)
    area = t.wkb.notna().to_numpy()
    geoms = np.full(len(t), None, dtype=object)
    if area.any():
        geoms[area] = shapely.make_valid(shapely.from_wkb(t.wkb[area].to_numpy()))
        c = shapely.centroid(geoms[area])
        t.loc[area, "lon"], t.loc[area, "lat"] = shapely.get_x(c), shapely.get_y(c)
    t["geometry"] = geoms
    t = t[inside_bbox(t.lon.to_numpy(float), t.lat.to_numpy(float), bbox) & ~_mapped_twice(t)]
    return Classified(t.drop(columns=["wkb"]).reset_index(drop=True))


def _mapped_twice(t: pd.DataFrame) -> np.ndarray:
    """Nodes inside an area of the same class (a school tagged on its grounds and again on a
    node): the area is kept, the node dropped."""
    twice = np.zeros(len(t), bool)
    area = t.geometry.notna().to_numpy()
    if not area.any() or area.all():
        return twice
    tree = shapely.STRtree(t.geometry[area].to_numpy())
    area_cls = t.cls.to_numpy(object)[area]
    nodes = np.flatnonzero(~area)
    pts = shapely.points(t.lon.to_numpy(float)[nodes], t.lat.to_numpy(float)[nodes])
    node_i, area_i = tree.query(pts, predicate="within")
    same = area_cls[area_i] == t.cls.to_numpy(object)[nodes[node_i]]
    twice[nodes[node_i[same]]] = True
    return twice


def _floor_areas(
    t: pd.DataFrame, footprints: np.ndarray, gross_m2: np.ndarray, can_host: np.ndarray
) -> tuple[np.ndarray, np.ndarray, list[list[int]]]:
    """Gross floor area of each facility from the non-residential buildings it holds or stands
    on [m2], what gave it, and the buildings of each facility (indices into ``footprints``;
    only those where ``can_host``: a clinic on the ground floor of a block does not take the
    block's area or loads)."""
    tree = shapely.STRtree(footprints)
    pts = shapely.points(t.lon.to_numpy(float), t.lat.to_numpy(float))
    reps = shapely.point_on_surface(footprints)
    area = np.zeros(len(t))
    hosts: list[list[int]] = [[] for _ in range(len(t))]
    for i, g in enumerate(t.geometry):
        if g is not None:
            cand = tree.query(g)
            hosts[i] = [int(j) for j in cand if can_host[j] and g.contains(reps[j])]
        else:
            hosts[i] = [int(j) for j in tree.query(pts[i], predicate="within") if can_host[j]]
        area[i] = gross_m2[hosts[i]].sum() if hosts[i] else 0.0
    src = np.where(area > 0, "buildings", "default").astype(object)
    return area, src, hosts


def _entrances(t: pd.DataFrame, stations: np.ndarray, to_xy) -> np.ndarray:
    """Number of metro entrances nearest to each station within :data:`ENTRANCE_RADIUS_M`."""
    ent = t[t.cls == "metro_entrance"]
    count = np.zeros(len(stations), np.int64)
    if len(ent) == 0 or len(stations) == 0:
        return count
    sx, sy = to_xy(t.lon.to_numpy(float)[stations], t.lat.to_numpy(float)[stations])
    ex, ey = to_xy(ent.lon.to_numpy(float), ent.lat.to_numpy(float))
    d = np.hypot(ex[:, None] - sx[None, :], ey[:, None] - sy[None, :])
    near = np.argmin(d, axis=1)
    ok = d[np.arange(len(ent)), near] <= ENTRANCE_RADIUS_M
    np.add.at(count, near[ok], 1)
    return count


def _short_id(osm_id: str) -> str:
    kind, num = osm_id.split("/")
    return kind[0] + num


def facility_table(
    c: Classified, footprints: np.ndarray, gross_m2: np.ndarray, can_host: np.ndarray, to_xy
) -> tuple[pd.DataFrame, dict[int, str]]:
    """The facilities table (``bus`` and ``heat_node_id`` still to be set; local ``x``/``y``
    [m] and ``heat_mw_th`` added as the generators need them) and the facility hosted by each
    building index.

    Parameters
    ----------
    c : Classified
    footprints : numpy.ndarray of shapely geometries
        Building footprints (WGS84).
    gross_m2 : numpy.ndarray
        Gross floor area of each building [m2].
    can_host : numpy.ndarray of bool
        Buildings that may host a facility (the non-residential ones).
    to_xy : callable
        ``(lon, lat) -> (x, y)`` of the local metric frame [m].
    """
    from coldstart.city.synth import INDOOR_C
    from coldstart.heat.model import DESIGN_OUTDOOR_C, FACILITY_HEAT_LOSS_W_M2K

    kinds = list(HEAT_SUPPLY)
    sel = np.flatnonzero(c.table.cls.isin(kinds).to_numpy())
    t = c.table.iloc[sel].reset_index(drop=True)
    area, area_from, hosts = _floor_areas(t, footprints, gross_m2, can_host)
    nm = norms().reindex(t.cls)
    area = np.where(area > 0, area, nm.default_floor_area_m2.to_numpy(float))
    cap = np.where(
        nm.m2_per_person > 0, area * nm.usable_share / nm.m2_per_person.clip(lower=1e-9), 0.0
    )
    p_mw = np.where(nm.electric_w_m2 > 0, nm.electric_w_m2 * area / 1e6, nm.default_p_mw)
    kind = t.cls.to_numpy(object)
    supply = np.array([HEAT_SUPPLY[k] for k in kind], dtype=object)
    x, y = to_xy(t.lon.to_numpy(float), t.lat.to_numpy(float))
    ids = [f"{FACILITY_PREFIX[k]}_{_short_id(o)}" for k, o in zip(kind, t.osm_id, strict=True)]
    entrances = np.zeros(len(t), np.int64)
    metro = np.flatnonzero(kind == "metro_station")
    entrances[metro] = _entrances(c.table, np.flatnonzero(c.table.cls == "metro_station"), to_xy)
    f = pd.DataFrame(
        {
            "facility_id": ids,
            "kind": kind,
            "name": [
                n or f"{k.replace('_', ' ')} {o}"
                for n, k, o in zip(t.name, kind, t.osm_id, strict=True)
            ],
            "lon": np.round(t.lon.to_numpy(float), 7),
            "lat": np.round(t.lat.to_numpy(float), 7),
            "capacity_people": np.round(cap).astype(np.int64),
            "floor_area_m2": np.round(np.maximum(area, 1.0), 0),
            "backup_power_kw": 0.0,
            "backup_fuel_h": 0.0,
            "heat_supply": supply,
            "heat_node_id": "",
            "bus": 0,
            "p_mw": np.round(p_mw, 4),
            "critical": np.isin(kind, CRITICAL),
            "osm_id": t.osm_id.to_numpy(object),
            "osm_rule": t.rule.to_numpy(object),
            "floor_area_from": area_from,
            "entrances": entrances,
            "x": x,
            "y": y,
            "heat_mw_th": np.where(
                supply == "district",
                FACILITY_HEAT_LOSS_W_M2K * area * (INDOOR_C - DESIGN_OUTDOOR_C) / 1e6,
                0.0,
            ),
        }
    )
    hosted = {j: ids[i] for i, hs in enumerate(hosts) for j in hs}
    return f, hosted


def energy_assets(c: Classified) -> pd.DataFrame:
    """Substations and heat sources: ``osm_id``, ``cls``, ``name``, ``lon``, ``lat``,
    ``voltage``, ``heat_mw_th`` and ``electric_mw`` (tagged outputs, NaN when untagged)."""
    t = c.table[c.table.cls.isin(["substation", "chp", "boiler_house"])]
    return pd.DataFrame(
        {
            "osm_id": t.osm_id.to_numpy(object),
            "cls": t.cls.to_numpy(object),
            "name": t.name.to_numpy(object),
            "lon": t.lon.to_numpy(float),
            "lat": t.lat.to_numpy(float),
            "voltage": t.voltage.to_numpy(object),
            "heat_mw_th": [T.mw_value(v) for v in t["plant:output:hot_water"]],
            "electric_mw": [T.mw_value(v) for v in t["plant:output:electricity"]],
        }
    )
