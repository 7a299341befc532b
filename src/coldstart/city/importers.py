"""Importers: a city built around a real pandapower net (``coldstart city from-grid``).

:func:`city_from_net` keeps the grid as it is and derives what the grid does not say:

- **Buildings and residents from the loads.** Every in-service load becomes residential blocks
  of about :data:`P_PER_BUILDING_MW` each (the synthetic city's mean: ~60 flats x 1.2 kW,
  ~125 residents); a large load is split into several blocks, a tiny one (below half a block)
  becomes one small building or private house. When the net's load would need more than
  ``max_buildings`` blocks (transmission cases of tens of GW), every block stands for a larger
  share of the load (its ``p_mw`` grows) while its flats and residents stay those of a real
  block of its archetype -- say so in any result drawn from such a city. The original loads are
  replaced in the net by one load per building, facility, pump and boiler house (named by id),
  with the original power factor, so the grid's total demand is kept.
- **Positions.** Bus geodata when it is longitude/latitude spanning less than
  :data:`MAX_CITY_SPAN_DEG` (a city or region: mv_oberrhein, SimBench); otherwise (transmission
  cases with schematic coordinates, or none) the coordinates -- or a ``networkx`` spring layout
  when there are none -- are scaled into a disc of the synthetic city's size around its centre
  (Kyiv); the city then lists ``positions`` in ``synthetic_networks`` (the report says the
  positions, walk distances and crew travel times are synthetic) and ``coldstart city
  from-grid`` prints :func:`positions_note`. Buildings stand within :data:`BUILDING_SPREAD_M`
  of their load's bus.
- **Facilities** at the synthetic city's rates per building (metro, schools, hospitals, water
  pumping, warming points), each on the bus of its nearest building.
- **Heat**: district heating by boiler houses only (a real net's gens are not known to be CHP
  plants), placed and sized as in the synthetic city (:mod:`coldstart.city.synth_heat`), two
  networks boosted; each source's auxiliaries and each booster are loads on the nearest bus.
- **Assets**: HV/MV substations (the low-voltage bus of every trafo whose high side is at least
  :data:`HV_KV` kV), MV/LV transformer stations (the other trafos), every line, boiler houses,
  heat mains (DN >= 400) and pumping stations.
- **Outage queues** per bus, balancing load over the 12 sub-queues (largest bus first into the
  least-loaded sub-queue), so that one feeder's households share a queue as in Ukrainian
  practice.

Every random draw uses ``numpy.random.default_rng(seed)``.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass

import numpy as np
import pandapower as pp
import pandas as pd

from coldstart import geo
from coldstart.city.model import City
from coldstart.city.synth import (
    ARCHETYPES,
    CENTRE_LAT,
    CENTRE_LON,
    ELECTRIC_KW_PER_FLAT,
    HEAT_MARGIN,
    RADIUS_M_PER_SQRT_BUILDING,
    _boiler_house_aux_mw,
    _district_consumers,
    _facilities,
    building_table,
    draw_dwellings,
)
from coldstart.city.synth_grid import QUEUES
from coldstart.city.synth_heat import HeatBuild, build_heat, place_boiler_houses

P_PER_BUILDING_MW = 0.07
"""Electric demand of one residential block [MW]: ~60 flats x 1.2 kW per flat (the synthetic
city's mean; DBN V.2.5-23 design load 1.0-1.5 kW per flat with district heat)."""

HOUSE_BELOW_MW = 0.01
"""A building whose share of load is below this is a private house [MW] (a few kW each)."""

MAX_CITY_SPAN_DEG = 2.0
"""Bus geodata spanning more than this in longitude or latitude is taken as schematic [deg]."""

BUILDING_SPREAD_M = 150.0
"""Buildings stand within this distance of their load's bus [m] (an LV feeder's reach)."""

HV_KV = 35.0
"""A trafo whose high side is at least this [kV] is an HV/MV substation (Ukraine: 35-330 kV
transmission and sub-transmission, 6-10 kV distribution)."""

DEFAULT_MAX_BUILDINGS = 20_000
"""Cap on the buildings derived from the loads (a 20,000-building week runs in about a minute)."""


def _bus_coordinates(net: pp.pandapowerNet) -> tuple[np.ndarray, str]:
    """Each bus's own coordinates (NaN where it has none) and :func:`bus_placement`'s verdict."""
    n = len(net.bus)
    xy = np.full((n, 2), np.nan)
    if "geo" in net.bus:
        for i, g in enumerate(net.bus["geo"].to_numpy()):
            if isinstance(g, str) and g:
                try:
                    c = json.loads(g).get("coordinates")
                    xy[i] = [float(c[0]), float(c[1])]
                except (ValueError, TypeError, AttributeError, IndexError):
                    pass
    if not n or not np.isfinite(xy).all():
        return xy, "none"
    lon, lat = xy[:, 0], xy[:, 1]
    span = max(np.ptp(lon), np.ptp(lat))
    if not (np.all(np.abs(lon) <= 180) and np.all(np.abs(lat) <= 90)):
        return xy, "schematic"
    return xy, "geodata" if span <= MAX_CITY_SPAN_DEG else "wide"


def bus_placement(net: pp.pandapowerNet) -> str:
    """How :func:`bus_lonlat` places the buses of ``net``.

    Returns
    -------
    str
        ``"geodata"``: every bus has longitude/latitude spanning less than
        :data:`MAX_CITY_SPAN_DEG`, used as is; ``"schematic"``: every bus has coordinates, but
        not longitude/latitude (a transmission case's drawing), scaled around the synthetic
        city's centre; ``"wide"``: within longitude/latitude bounds but spanning more than a
        city (a national grid, or a drawing), scaled the same way; ``"none"``: some bus has
        none, so all are laid out by a spring layout around that centre. Only ``"geodata"``
        gives real positions.
    """
    return _bus_coordinates(net)[1]


def positions_note(net: pp.pandapowerNet) -> str:
    """The sentence ``coldstart city from-grid`` prints when :func:`bus_placement` of ``net`` is
    not ``"geodata"`` (the city then lists ``positions`` in ``synthetic_networks``); "" when the
    net's geodata is used."""
    placement = bus_placement(net)
    if placement == "geodata":
        return ""
    what = {
        "none": "the net has no geographic coordinates",
        "schematic": "the net has no geographic coordinates (its bus coordinates are a "
        "drawing, not longitude/latitude)",
        "wide": f"the net's bus coordinates span more than {MAX_CITY_SPAN_DEG:g} degrees (a "
        "drawing, or a grid far larger than one city)",
    }[placement]
    return (
        f"{what}: its buses were laid out around the "
        f"synthetic city's centre ({CENTRE_LAT:.4f} N, {CENTRE_LON:.4f} E, Kyiv), so positions, "
        "walk distances, crew travel times and the map are synthetic (city.toml lists "
        "'positions' in synthetic_networks and the report says so)"
    )


def bus_lonlat(net: pp.pandapowerNet, n_buildings: int, seed: int = 0) -> np.ndarray:
    """Longitude/latitude of every bus (``net.bus`` order) [deg].

    Real geodata is used as is; schematic or missing coordinates are scaled into a disc of the
    synthetic city's radius for ``n_buildings`` around its centre (see the module doc and
    :func:`bus_placement`).
    """
    n = len(net.bus)
    xy, placement = _bus_coordinates(net)
    if placement == "geodata" or not n:
        return xy
    if placement == "none":
        import networkx as nx
        import pandapower.topology as top

        g = top.create_nxgraph(net, respect_switches=False, include_out_of_service=True)
        pos = nx.spring_layout(g, seed=seed)
        xy = np.array([pos.get(b, (0.0, 0.0)) for b in net.bus.index], dtype=float)
    centred = xy - xy.mean(axis=0)
    r = np.hypot(centred[:, 0], centred[:, 1]).max() if n else 0.0
    radius = RADIUS_M_PER_SQRT_BUILDING * np.sqrt(max(n_buildings, 1))
    scaled = centred * (radius / r if r > 0 else 1.0)
    lon, lat = geo.xy_m_to_lonlat(scaled[:, 0], scaled[:, 1], CENTRE_LON, CENTRE_LAT)
    return np.column_stack([lon, lat])


def _signs_fixed(net: pp.pandapowerNet) -> pp.pandapowerNet:
    """Gens with negative ``p_mw`` become loads, loads with negative ``p_mw`` become sgens.

    Transmission cases (PEGASE) hold such rows for pumps and net exports; the city schema wants
    gens and loads >= 0. The active power at every bus, hence the DC flow, is unchanged (the
    gens' voltage control is lost, which the DC model does not see). Works in place.
    """
    g = net.gen
    neg = g.index[g.p_mw.fillna(0.0) < 0]
    if len(neg):
        sc = g.loc[neg, "scaling"].fillna(1.0) if "scaling" in g else 1.0
        pp.create_loads(
            net,
            g.loc[neg, "bus"].to_numpy(np.int64),
            (-g.loc[neg, "p_mw"] * sc).to_numpy(float),
            name=[f"gen_{int(i)}_consumption" for i in neg],
            in_service=g.loc[neg, "in_service"].to_numpy(bool),
        )
        net.gen = g.drop(index=neg)
    ld = net.load
    neg = ld.index[ld.p_mw.fillna(0.0) < 0]
    if len(neg):
        sc = ld.loc[neg, "scaling"].fillna(1.0) if "scaling" in ld else 1.0
        pp.create_sgens(
            net,
            ld.loc[neg, "bus"].to_numpy(np.int64),
            (-ld.loc[neg, "p_mw"] * sc).to_numpy(float),
            q_mvar=(-ld.loc[neg, "q_mvar"].fillna(0.0)).to_numpy(float),
            name=[f"load_{int(i)}_infeed" for i in neg],
            in_service=ld.loc[neg, "in_service"].to_numpy(bool),
        )
        net.load = ld.drop(index=neg)
    return net


def _split_counts(p_mw: np.ndarray, max_buildings: int) -> tuple[np.ndarray, float]:
    """Buildings per load and the MW each block stands for."""
    total = float(p_mw.sum())
    n_total = int(min(max(np.ceil(total / P_PER_BUILDING_MW), 1), max_buildings))
    per = total / n_total if total > 0 else P_PER_BUILDING_MW
    raw = p_mw / per
    counts = np.floor(raw).astype(np.int64)
    counts[(counts == 0) & (raw >= 0.5)] = 1
    rest = n_total - int(counts.sum())
    if rest > 0:
        frac = raw - counts
        counts[np.argsort(-frac, kind="stable")[:rest]] += 1
    return counts, per


def _queues(bus: np.ndarray, p_mw: np.ndarray) -> np.ndarray:
    """Sub-queue of each building: whole buses into the least-loaded sub-queue, largest first."""
    buses, inv = np.unique(bus, return_inverse=True)
    load = np.bincount(inv, weights=p_mw)
    q_load = np.zeros(len(QUEUES))
    q_of_bus = np.zeros(len(buses), np.int64)
    for b in np.argsort(-load, kind="stable"):
        q = int(np.argmin(q_load))
        q_of_bus[b] = q
        q_load[q] += load[b]
    return np.asarray(QUEUES, dtype=object)[q_of_bus[inv]]


def _live_loads(net: pp.pandapowerNet) -> tuple[np.ndarray, np.ndarray]:
    """In-service loads with positive power on in-service buses.

    Returns
    -------
    live : numpy.ndarray of bool
        Mask over ``net.load``.
    p_mw : numpy.ndarray
        Scaled active power of every load [MW].

    Raises
    ------
    ValueError
        When there is no such load.
    """
    bus_ok = net.bus.in_service.reindex(net.load.bus).fillna(False).to_numpy(bool)
    scaling = net.load["scaling"].fillna(1.0).to_numpy(float)
    p_load = net.load.p_mw.fillna(0.0).to_numpy(float) * scaling
    live = net.load.in_service.fillna(False).to_numpy(bool) & bus_ok & (p_load > 0)
    if not live.any():
        raise ValueError("the net has no in-service load with p_mw > 0 to derive buildings from")
    return live, p_load


def _draw_archetypes(p_b: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Archetype of each building: a private house below :data:`HOUSE_BELOW_MW`, else a block
    drawn by the synthetic city's shares (one draw per building either way)."""
    blocks = [a for a in ARCHETYPES if a != "house_private"]
    shares = np.array([ARCHETYPES[a].share for a in blocks])
    return np.where(
        p_b < HOUSE_BELOW_MW,
        "house_private",
        np.asarray(blocks, dtype=object)[
            rng.choice(len(blocks), len(p_b), p=shares / shares.sum())
        ],
    ).astype(object)


@dataclass(frozen=True)
class _Residential:
    """Buildings derived from the loads (``table`` keeps local ``x``/``y`` [m]).

    ``bus``, ``p_mw`` and ``q_ratio`` (the original load's q over p) are per building;
    ``radius_m`` is the farthest building's distance from the centre.
    """

    table: pd.DataFrame
    bus: np.ndarray
    p_mw: np.ndarray
    q_ratio: np.ndarray
    radius_m: float


def _residential(
    net: pp.pandapowerNet,
    loads: pd.DataFrame,
    p_live: np.ndarray,
    counts: np.ndarray,
    lonlat: np.ndarray,
    centre: tuple[float, float],
    rng: np.random.Generator,
) -> _Residential:
    """Split each load into ``counts`` buildings within :data:`BUILDING_SPREAD_M` of its bus."""
    lon0, lat0 = centre
    n = int(counts.sum())
    bus_pos = pd.Series(np.arange(len(net.bus)), index=net.bus.index)
    bx, by = geo.lonlat_to_xy_m(lonlat[:, 0], lonlat[:, 1], lon0, lat0)
    src = np.repeat(np.arange(len(loads)), counts)
    bus = loads.bus.to_numpy(np.int64)[src]
    p_b = (p_live / np.maximum(counts, 1))[src]
    q_ratio = (loads.q_mvar.fillna(0.0).to_numpy(float) / np.maximum(p_live, 1e-12))[src]
    bp = bus_pos.loc[bus].to_numpy()
    ang = rng.uniform(0, 2 * np.pi, n)
    rad = BUILDING_SPREAD_M * np.sqrt(rng.uniform(0.05, 1.0, n))
    x, y = bx[bp] + rad * np.cos(ang), by[bp] + rad * np.sin(ang)
    arch = _draw_archetypes(p_b, rng)

    def flats_of(name: str, a, sel: np.ndarray) -> np.ndarray:
        # as many flats as the load supports at the synthetic city's kW per flat
        want = p_b[sel] * 1000.0 / ELECTRIC_KW_PER_FLAT
        return np.clip(np.round(want), 1, max(1, round(1.2 * a.flats)))

    d = draw_dwellings(arch, rng, flats_of)
    b_lon, b_lat = geo.xy_m_to_lonlat(x, y, lon0, lat0)
    b = building_table(d, arch, b_lon, b_lat, x, y, bus, p_b, _queues(bus, p_b), rng)
    radius = float(np.hypot(x, y).max()) if n else 1000.0
    return _Residential(b, bus, p_b, q_ratio, radius)


def _nearest_bus(pts: np.ndarray, bxy: np.ndarray, bus: np.ndarray) -> np.ndarray:
    """Bus of the building nearest to each point (buildings at ``bxy`` on ``bus``)."""
    d = np.hypot(*(pts[:, None, :] - bxy[None, :, :]).transpose(2, 0, 1))
    return bus[np.argmin(d, axis=1)] if len(pts) else np.zeros(0, np.int64)


def _facilities_on_buses(
    res: _Residential, centre: tuple[float, float], rng: np.random.Generator
) -> pd.DataFrame:
    """Facilities at the synthetic city's rates, each on its nearest building's bus."""
    b = res.table
    f = _facilities(len(b), res.radius_m, b, rng)
    fxy = f[["x", "y"]].to_numpy()
    f["bus"] = _nearest_bus(fxy, b[["x", "y"]].to_numpy(), res.bus)
    flon, flat = geo.xy_m_to_lonlat(fxy[:, 0], fxy[:, 1], *centre)
    f["lon"], f["lat"] = np.round(flon, 7), np.round(flat, 7)
    return f


@dataclass(frozen=True)
class _BoilerHeat:
    """District heating by boiler houses only, and the heat node of each consumer id."""

    heat: HeatBuild
    src_ids: list[str]
    bh_xy: np.ndarray
    bh_cap: np.ndarray
    bh_aux_p_mw: np.ndarray
    node_of: dict[str, str]


def _boiler_heat(b: pd.DataFrame, f: pd.DataFrame, rng: np.random.Generator) -> _BoilerHeat:
    """Boiler houses placed and sized as in the synthetic city; the two largest boosted."""
    cons_ids, cons_xy, cons_q = _district_consumers(b, f)
    n_bh = int(np.ceil(len(b) / 300)) + 2
    far = np.array([[1e9, 1e9]])
    bh_xy, bh_cap = place_boiler_houses(cons_xy, cons_q, far, np.zeros(1), n_bh, HEAT_MARGIN, rng)
    src_ids = [f"bh_{k + 1}" for k in range(n_bh)]
    boosted = [int(k) for k in np.argsort(-bh_cap, kind="stable")[:2]]
    heat = build_heat(cons_ids, cons_xy, cons_q, src_ids, bh_xy, bh_cap, boosted, 1)
    node_of = dict(zip(cons_ids, (heat.node_id[k] for k in heat.consumer_node), strict=True))
    return _BoilerHeat(heat, src_ids, bh_xy, bh_cap, _boiler_house_aux_mw(bh_cap), node_of)


def _replace_loads(
    net: pp.pandapowerNet,
    kept: pd.Index,
    names: list[str],
    bus: np.ndarray,
    p_mw: np.ndarray,
    q_mvar: np.ndarray,
) -> None:
    """Drop the loads ``kept`` (turned into buildings), create the city's loads, fix models."""
    from coldstart.grid.pandapower_nets import fix_load_models

    net.load = net.load.drop(index=kept)
    pp.create_loads(net, bus, p_mw, q_mvar=q_mvar, name=names)
    fix_load_models(net)


def city_from_net(
    net: pp.pandapowerNet,
    name: str,
    seed: int = 0,
    max_buildings: int = DEFAULT_MAX_BUILDINGS,
) -> City:
    """Build a city around ``net`` (not modified; the city holds a changed copy).

    Parameters
    ----------
    net : pandapower.pandapowerNet
        The grid, with loads (at least one in service with ``p_mw > 0``).
    name : str
        City name.
    seed : int
        Seed of every draw (archetypes, positions, facilities, boiler houses).
    max_buildings : int
        Cap on the residential buildings derived from the loads.

    Returns
    -------
    City

    Raises
    ------
    ValueError
        When the net has no in-service load with positive power.
    """
    rng = np.random.default_rng(seed)
    net = _signs_fixed(copy.deepcopy(net))
    live, p_load = _live_loads(net)
    p_live = p_load[live]
    counts, _ = _split_counts(p_live, max_buildings)
    n = int(counts.sum())
    lonlat = bus_lonlat(net, n, seed)
    lon0, lat0 = float(np.mean(lonlat[:, 0])), float(np.mean(lonlat[:, 1]))

    def to_lonlat(xx: np.ndarray, yy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return geo.xy_m_to_lonlat(xx, yy, lon0, lat0)

    res = _residential(net, net.load[live], p_live, counts, lonlat, (lon0, lat0), rng)
    b = res.table
    f = _facilities_on_buses(res, (lon0, lat0), rng)
    dh = _boiler_heat(b, f, rng)
    b["heat_node_id"] = [dh.node_of.get(i, "") for i in b.building_id]
    f["heat_node_id"] = [dh.node_of.get(i, "") for i in f.facility_id]
    heat, bxy = dh.heat, b[["x", "y"]].to_numpy()
    pump_xy = heat.node_xy[heat.pipe_from[heat.pump_pipe]]
    pump_ids = [f"ps_{k + 1}" for k in range(len(heat.pump_pipe))]
    pump_bus, bh_bus = _nearest_bus(pump_xy, bxy, res.bus), _nearest_bus(dh.bh_xy, bxy, res.bus)
    tables = _local_tables(
        heat, dh.src_ids, dh.bh_xy, dh.bh_cap, bh_bus, dh.bh_aux_p_mw, pump_ids, pump_xy,
        pump_bus, to_lonlat,
    )  # fmt: skip
    # loads: one per building, facility, pump and boiler house
    lp = np.concatenate([res.p_mw, f.p_mw.to_numpy(float), heat.pump_p_mw, dh.bh_aux_p_mw])
    _replace_loads(
        net,
        net.load.index[live][counts > 0],
        list(b.building_id) + list(f.facility_id) + pump_ids + dh.src_ids,
        np.concatenate([res.bus, f.bus.to_numpy(np.int64), pump_bus, bh_bus]),
        lp,
        np.concatenate([res.p_mw * res.q_ratio, np.zeros(len(lp) - n)]),
    )
    tables["buildings"] = b.drop(columns=["x", "y"])
    tables["facilities"] = f.drop(columns=["x", "y", "heat_mw_th"])
    tables["assets"] = _assets(net, tables, heat, to_lonlat, lonlat)
    for t in tables.values():
        t.reset_index(drop=True, inplace=True)
    # the grid is the user's; the heat network is placed around it, and the positions too when
    # the net has no geodata (the report says so)
    positions = ("positions",) if bus_placement(net) != "geodata" else ()
    return City(name=name, net=net, tables=tables, synthetic_networks=("heat_network", *positions))


def _local_tables(
    heat, src_ids, bh_xy, bh_cap, bh_bus, bh_aux, pump_ids, pump_xy, pump_bus, to_lonlat
) -> dict[str, pd.DataFrame]:
    """Heat nodes, pipes, boiler houses and pumps as schema tables (columns as in
    ``schema.toml``; positions converted with the city's own centre)."""
    lon, lat = to_lonlat(heat.node_xy[:, 0], heat.node_xy[:, 1])
    ids = np.asarray(heat.node_id, dtype=object)
    nodes = pd.DataFrame({"node_id": ids, "lon": np.round(lon, 7), "lat": np.round(lat, 7)})
    pipes = pd.DataFrame(
        {
            "pipe_id": [f"p_{k + 1:06d}" for k in range(len(heat.pipe_from))],
            "from_node": ids[heat.pipe_from],
            "to_node": ids[heat.pipe_to],
            "length_m": heat.pipe_length_m,
            "dn_mm": heat.pipe_dn_mm,
        }
    )
    slon, slat = to_lonlat(bh_xy[:, 0], bh_xy[:, 1])
    sources = pd.DataFrame(
        {
            "source_id": src_ids,
            "kind": "boiler_house",
            "lon": np.round(slon, 7),
            "lat": np.round(slat, 7),
            "capacity_mw_th": bh_cap,
            "node_id": ids[heat.source_node],
            "gen_id": -1,
            "aux_bus": np.asarray(bh_bus, np.int64),
            "aux_p_mw": bh_aux,
            "backup_power_kw": 0.0,
            "backup_fuel_h": 0.0,
        }
    )
    plon, plat = to_lonlat(pump_xy[:, 0], pump_xy[:, 1])
    pumps = pd.DataFrame(
        {
            "pump_id": pump_ids,
            "pipe_id": pipes.pipe_id.to_numpy()[heat.pump_pipe],
            "lon": np.round(plon, 7),
            "lat": np.round(plat, 7),
            "bus": np.asarray(pump_bus, np.int64),
            "p_mw": heat.pump_p_mw,
            "backup_power_kw": 0.0,
            "backup_fuel_h": 0.0,
        }
    )
    return {
        "heat_nodes": nodes,
        "heat_pipes": pipes,
        "heat_sources": sources,
        "pumping_stations": pumps,
    }


def _assets(net, tables, heat, to_lonlat, bus_ll) -> pd.DataFrame:
    """Substations, transformer stations, lines, boiler houses, heat mains, pumping stations."""
    rows: list[tuple] = []
    pos = pd.Series(np.arange(len(net.bus)), index=net.bus.index)
    vn = net.bus.vn_kv
    tr = net.trafo[net.trafo.in_service.astype(bool)]
    hv = vn.reindex(tr.hv_bus).to_numpy(float) >= HV_KV
    for lv_bus in sorted(set(tr.lv_bus[hv].astype(int))):
        lo, la = bus_ll[pos[lv_bus]]
        rows.append((f"a_sub_{lv_bus}", "hv_substation", "grid.bus", str(lv_bus), lo, la, "none",
                     "hv_transformer"))  # fmt: skip
    for t, lv_bus in zip(tr.index[~hv], tr.lv_bus[~hv], strict=True):
        lo, la = bus_ll[pos[int(lv_bus)]]
        rows.append((f"a_ts_{int(t)}", "transformer_station", "grid.trafo", str(int(t)), lo, la,
                     "none", "mv_transformer"))  # fmt: skip
    ln = net.line[net.line.in_service.astype(bool)]
    for li, fb, tb in zip(ln.index, ln.from_bus, ln.to_bus, strict=True):
        lo, la = (bus_ll[pos[int(fb)]] + bus_ll[pos[int(tb)]]) / 2.0
        rows.append((f"a_line_{int(li)}", "power_line", "grid.line", str(int(li)), lo, la,
                     "none", ""))  # fmt: skip
    src = tables["heat_sources"]
    for sid, lo, la in zip(src.source_id, src.lon, src.lat, strict=True):
        rows.append((f"a_{sid}", "boiler_house", "heat_sources", sid, lo, la, "none", ""))
    pipes = tables["heat_pipes"]
    mid = (heat.node_xy[heat.pipe_from] + heat.node_xy[heat.pipe_to]) / 2.0
    plon, plat = to_lonlat(mid[:, 0], mid[:, 1])
    for k in np.flatnonzero(pipes.dn_mm.to_numpy() >= 400):
        pid = pipes.pipe_id.iat[k]
        rows.append((f"a_{pid}", "heat_main", "heat_pipes", pid, plon[k], plat[k], "none", ""))
    ps = tables["pumping_stations"]
    for pid, lo, la in zip(ps.pump_id, ps.lon, ps.lat, strict=True):
        rows.append((f"a_{pid}", "pumping_station", "pumping_stations", pid, lo, la, "none", ""))
    a = pd.DataFrame(
        rows,
        columns=["asset_id", "kind", "ref_table", "ref_id", "lon", "lat", "protection_level",
                 "spare_class"],
    )  # fmt: skip
    a["lon"] = np.round(a.lon.astype(float), 7)
    a["lat"] = np.round(a.lat.astype(float), 7)
    return a
