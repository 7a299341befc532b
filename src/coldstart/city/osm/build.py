"""A city from an OpenStreetMap extract (``coldstart city from-osm``).

:func:`city_from_osm` reads the extract (:mod:`~coldstart.city.osm.read`), repairs and
measures the footprints in the local UTM zone (:mod:`~coldstart.city.osm.geometry`), infers
what the tags do not say (:mod:`~coldstart.city.osm.infer`), takes facilities and energy assets
(:mod:`~coldstart.city.osm.facilities`), and builds the heat network
(:mod:`~coldstart.city.osm.heat`) and the grid (:mod:`~coldstart.city.osm.grid`) around the
real buildings. The result holds the city, the building footprints and a summary of what came
from tags and what from rules (written beside the city as ``osm_import.json``).

Every random draw uses ``numpy.random.default_rng(seed)``.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandapower as pp
import pandas as pd
import shapely

from coldstart.city.backup import assign_backup
from coldstart.city.importers import _assets, _local_tables
from coldstart.city.model import City
from coldstart.city.osm.facilities import classify_pois, energy_assets, facility_table
from coldstart.city.osm.geometry import LocalCrs, inside_bbox, local_crs, repair
from coldstart.city.osm.given_heat import given_heat
from coldstart.city.osm.grid import GridResult, real_grid, synthetic_grid
from coldstart.city.osm.heat import HeatPlan, plan_heat
from coldstart.city.osm.infer import M2_PER_PERSON, agreement, building_rows
from coldstart.city.osm.read import OsmData, read_osm
from coldstart.city.osm.streets import street_network
from coldstart.city.synth import _with_pump_heads
from coldstart.city.synth_heat import BOOSTER_HEAD_BAR, heat_valve_table
from coldstart.errors import CityError, Problem

MAX_PUMP_HEAD_BAR = 30.0
"""Largest source pump head a city may hold [bar] (the schema's bound on ``pump_head_bar``)."""


def synthetic_networks(summary: dict) -> tuple[str, ...]:
    """Keys of the networks the import synthesised (:data:`coldstart.city.model.NETWORKS`)."""
    return tuple(k for k in ("grid", "heat_network") if summary[k] == "synthetic")


@dataclass(frozen=True)
class OsmImport:
    """An imported city, its building footprints (WGS84 shapely geometries, in the order of
    ``city.buildings``; the city holds them too, by building id) and the import summary."""

    city: City
    footprints: np.ndarray
    summary: dict


@dataclass(frozen=True)
class _Footprinted:
    """Buildings kept (tags, WGS84 footprints, centroids) and what was dropped."""

    tags: pd.DataFrame
    geometry: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    counts: dict


def _footprints(data: OsmData, bbox, file: str) -> _Footprinted:
    """Repair footprints, keep those whose centroid lies in ``bbox`` (and count the power lines
    there); CityError when no building is left."""
    fp = repair(data.buildings.wkb.tolist())
    tags = data.buildings.drop(columns=["wkb"])[fp.keep].reset_index(drop=True)
    c = shapely.centroid(fp.geometry)
    lon, lat = shapely.get_x(c), shapely.get_y(c)
    inside = inside_bbox(lon, lat, bbox)
    lines = shapely.centroid(shapely.from_wkb(data.power_lines.wkb.to_numpy(object)))
    in_lines = inside_bbox(shapely.get_x(lines), shapely.get_y(lines), bbox)
    counts = {
        "power_lines": int(in_lines.sum()),
        "buildings_read": int(len(data.buildings)),
        "footprints_repaired": fp.repaired,
        "footprints_dropped": fp.dropped,
        "outside_bbox": int((~inside).sum()),
    }
    if not inside.any():
        where = " inside --bbox" if bbox is not None else ""
        raise CityError(Problem(file, "", "building", f"no building with a footprint{where}"))
    return _Footprinted(
        tags[inside].reset_index(drop=True), fp.geometry[inside], lon[inside], lat[inside], counts
    )


def _hosted(b: pd.DataFrame, hosted: dict[int, str]) -> pd.DataFrame:
    """Buildings whose loads moved to the facility they host (see
    :mod:`coldstart.city.osm.facilities`)."""
    b = b.assign(hosts_facility="")
    idx = np.fromiter(hosted, dtype=np.int64, count=len(hosted))
    if len(idx):
        b.loc[idx, "hosts_facility"] = [hosted[i] for i in idx]
        b.loc[idx, ["p_mw", "heat_demand_mw_th"]] = 0.0
        b.loc[idx, "heat_supply"] = "individual_gas"
        b.loc[idx, "heat_supply_from"] = "rule:hosts_facility"
    return b


def _heat_tables(plan: HeatPlan, g: GridResult, crs: LocalCrs) -> dict[str, pd.DataFrame]:
    """Heat nodes, pipes, valves, sources and pumps as schema tables (with the sources'
    ``origin``, ``osm_id`` and ``name``)."""
    h = plan.heat
    pump_ids = [f"ps_{k + 1}" for k in range(len(h.pump_pipe))]
    pump_xy = h.node_xy[h.pipe_from[h.pump_pipe]]
    t = _local_tables(
        h,
        plan.src_ids,
        plan.xy,
        plan.cap_mw_th,
        g.source_aux_bus,
        plan.aux_p_mw,
        pump_ids,
        pump_xy,
        g.pump_bus,
        crs.to_lonlat,
    )
    chp = plan.kind == "chp"
    # a CHP plant without a gen in the grid (a real net given) supplies heat only
    kind = np.where(chp, np.where(g.source_gen >= 0, "chp", "heat_only_plant"), "boiler_house")
    t["heat_sources"] = t["heat_sources"].assign(
        kind=kind, gen_id=g.source_gen, origin=plan.origin, osm_id=plan.osm_id, name=plan.name
    )
    t["pumping_stations"] = t["pumping_stations"].assign(head_bar=BOOSTER_HEAD_BAR)
    given = bool(len(plan.origin)) and set(plan.origin) == {"given"}
    t["heat_pipes"] = t["heat_pipes"].assign(origin="given" if given else "synthetic")
    t["heat_valves"] = heat_valve_table(h, crs.to_lonlat)
    return t


def _asset_table(net, tables, plan: HeatPlan, g: GridResult, crs: LocalCrs) -> pd.DataFrame:
    """Assets as ``coldstart city from-grid`` lists them; CHP plants as ``chp_plant``; with a
    synthetic grid only its 110 kV lines (as in the synthetic city)."""
    from coldstart.city.importers import bus_lonlat

    a = _assets(net, tables, plan.heat, crs.to_lonlat, bus_lonlat(net, len(net.bus)))
    src = tables["heat_sources"].set_index("source_id").kind
    is_src = a.ref_table == "heat_sources"
    chp = is_src & a.ref_id.map(src).isin(["chp", "heat_only_plant"]).to_numpy()
    a.loc[chp, "kind"] = "chp_plant"
    if g.hv_lines is not None:
        line = a.ref_table == "grid.line"
        keep = ~line | a.ref_id.isin([str(int(k)) for k in g.hv_lines])
        a = a[keep].reset_index(drop=True)
    if plan.straight_pipes >= 0:  # a main along the streets is struck as one asset, as before
        pos = pd.Series(np.arange(len(tables["heat_pipes"])), index=tables["heat_pipes"].pipe_id)
        pipe = a.ref_table == "heat_pipes"
        later = pipe & (a.ref_id.map(pos).to_numpy() >= plan.straight_pipes)
        a = a[~later].reset_index(drop=True)
    return a


def _summary(fp: _Footprinted, b, f, energy, data, plan, g, crs) -> dict:
    """What came from tags and what from rules, and what is synthetic."""
    floors = Counter("rule" if v.startswith("rule:") else v for v in b.floors_from)
    return {
        **fp.counts,
        "buildings": int(len(b)),
        "crs_for_measuring": f"EPSG:{crs.epsg}",
        "floors_from": dict(sorted(floors.items())),
        "archetype_rule": dict(sorted(Counter(b.archetype_rule).items())),
        "archetype_from_levels_tag": int((b.floors_from == "building:levels").sum()),
        "year_tagged": int((b.year > 0).sum()),
        "use": dict(sorted(Counter(b.use).items())),
        "residents": int(b.residents.sum()),
        "residents_rule": f"floor area / {M2_PER_PERSON} m2 per person [UKRSTAT-HOUSING]",
        "agreement": agreement(fp.tags, b.flats.to_numpy()),
        "facilities": dict(sorted(Counter(f.kind).items())),
        "facility_floor_area_from": dict(sorted(Counter(f.floor_area_from).items())),
        "osm_substations": int((energy.cls == "substation").sum()),
        "osm_power_lines": fp.counts["power_lines"],
        "heat_sources": dict(sorted(Counter(plan.origin).items())),
        "osm_streets": int(len(data.streets)),
        "heat_mains_on_streets": int(plan.mains_on_streets),
        "grid": g.placement if g.placement == "synthetic" else f"given ({g.placement})",
        "substations_at_osm_sites": g.snapped_substations,
    }


def city_from_osm(
    path: str | Path,
    name: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    net: pp.pandapowerNet | None = None,
    seed: int = 0,
    heat_net=None,
    heat_file: str = "--heat",
) -> OsmImport:
    """Import a city from an OSM extract.

    Parameters
    ----------
    path : str or pathlib.Path
        ``.osm.pbf`` or ``.osm`` file.
    name : str, optional
        City name (default ``"<file stem> (OpenStreetMap)"``).
    bbox : tuple of float, optional
        W, S, E, N [deg]: keep only objects whose centroid lies inside.
    net : pandapower.pandapowerNet, optional
        A real grid (not modified); buildings are mapped to its buses by distance. Without
        it a grid is synthesised around the buildings.
    seed : int
        Seed of every draw (heat supply, occupant shares, layout of synthetic networks).
    heat_net : pandapipes.pandapipesNet, optional
        A real heat network (not modified; see :mod:`coldstart.city.osm.given_heat`). Without
        it a network is synthesised from the OSM heat sources.
    heat_file : str
        Name of the heat network's file or code, for messages.

    Returns
    -------
    OsmImport

    Raises
    ------
    CityError
        When the file cannot be read or holds no building with a footprint (in ``bbox``), or
        the given heat network cannot carry the buildings' design load.
    """
    file = str(path)
    data = read_osm(path)
    fp = _footprints(data, bbox, file)
    crs = local_crs(fp.lon, fp.lat)
    area = shapely.area(crs.project(fp.geometry))
    rng = np.random.default_rng(seed)
    b = building_rows(fp.tags, area, fp.lon, fp.lat, rng)
    c = classify_pois(data.pois, bbox)
    can_host = (b.use == "non_residential").to_numpy()
    f, hosted = facility_table(
        c, fp.geometry, b.gross_floor_area_m2.to_numpy(), can_host, crs.to_xy
    )
    b = _hosted(b, hosted)
    x, y = crs.to_xy(b.lon.to_numpy(float), b.lat.to_numpy(float))
    b = b.assign(x=x, y=y)
    energy = energy_assets(c)
    heat_placement = "synthetic"
    if heat_net is None:
        streets = street_network(data.streets["wkb"].to_numpy(object), crs.to_xy)
        plan = plan_heat(b, f, energy, crs.to_xy, rng, streets)
    else:
        plan, placed = given_heat(heat_net, b, f, crs.to_xy, heat_file)
        heat_placement = f"given ({placed})"
    if net is None:
        subs = energy[energy.cls == "substation"]
        sx, sy = crs.to_xy(subs.lon.to_numpy(float), subs.lat.to_numpy(float))
        g = synthetic_grid(b, f, plan, np.column_stack([sx, sy]), crs.to_lonlat, rng)
    else:
        g = real_grid(net, b, f, plan, crs.to_xy, crs.to_lonlat, seed)
    b = b.assign(
        bus=g.building_bus,
        outage_queue=g.queue,
        heat_node_id=[plan.node_of.get(i, "") for i in b.building_id],
    )
    f = f.assign(bus=g.facility_bus, heat_node_id=[plan.node_of.get(i, "") for i in f.facility_id])
    tables = _heat_tables(plan, g, crs)
    tables["buildings"] = b.drop(columns=["x", "y"])
    tables["facilities"] = f.drop(columns=["x", "y", "heat_mw_th"])
    tables["assets"] = _asset_table(g.net, tables, plan, g, crs)
    tables = assign_backup(tables, seed)
    for t in tables.values():
        t.reset_index(drop=True, inplace=True)
    city = City(
        name=name or f"{Path(file).name.split('.')[0]} (OpenStreetMap)", net=g.net, tables=tables
    )
    summary = {
        **_summary(fp, b, f, energy, data, plan, g, crs),
        "heat_network": heat_placement,
        "heat_main_assets": int((tables["assets"]["kind"] == "heat_main").sum()),
    }
    city = _with_pump_heads(city)
    head = float(city.heat_sources.pump_head_bar.max())
    if head > MAX_PUMP_HEAD_BAR:
        where = heat_file if heat_net is not None else file
        raise CityError(
            Problem(
                where,
                "",
                "",
                f"the heat network cannot carry the buildings' "
                f"design load: its pumps would need {head:.0f} bar (at most "
                f"{MAX_PUMP_HEAD_BAR:.0f})",
            )
        )
    ids = pd.Index(city.buildings["building_id"].to_numpy(dtype=object), name="building_id")
    city = dataclasses.replace(
        city,
        footprints=pd.Series(fp.geometry, index=ids, dtype=object, name="footprint"),
        synthetic_networks=synthetic_networks(summary),
    )
    return OsmImport(city, fp.geometry, summary)
