"""The electricity grid of an imported city: synthesised around the real buildings, or a real
network with the buildings mapped to its buses by distance.

Synthetic (no ``--grid``): :func:`coldstart.city.synth_grid.layout_grid` groups the real
buildings into MV/LV stations (sized for their real loads, electric heating included), feeders
and HV/MV substations, and :func:`~coldstart.city.synth_grid.build_net` builds the pandapower
net; where OSM maps ``power=substation`` sites, each synthetic substation moves to the nearest
unused one within :data:`SNAP_M`. OSM CHP plants become generators.

Real (``--grid``): every building, facility, pump and boiler house is a load on the nearest
bus that fed a load in the given net (the original loads are replaced, as in
``coldstart city from-grid``). A net whose bus coordinates do not cover the city (schematic,
or another place) is first stretched onto the buildings' extent, and the import says so.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, replace

import numpy as np
import pandapower as pp
import pandas as pd
from scipy.spatial import cKDTree

from coldstart.city.importers import _live_loads, _queues, _replace_loads, _signs_fixed, bus_lonlat
from coldstart.city.osm.heat import HeatPlan
from coldstart.city.synth_grid import POWER_FACTOR, build_net, layout_grid, nearest_station

SNAP_M = 1500.0
"""A synthetic HV/MV substation moves to an OSM substation at most this far away [m]."""


@dataclass(frozen=True)
class GridResult:
    """The net and where every load landed.

    ``building_bus``, ``facility_bus``, ``pump_bus``, ``source_aux_bus`` are bus indices;
    ``source_gen`` the gen of each heat source (-1 for none); ``queue`` the outage sub-queue
    of each building; ``hv_lines`` the lines listed as assets (None: every line);
    ``placement`` says how the buses were placed (``synthetic``, ``geodata``,
    ``stretched``).
    """

    net: pp.pandapowerNet
    building_bus: np.ndarray
    facility_bus: np.ndarray
    pump_bus: np.ndarray
    source_aux_bus: np.ndarray
    source_gen: np.ndarray
    queue: np.ndarray
    hv_lines: np.ndarray | None
    placement: str
    snapped_substations: int


def _pump_xy(plan: HeatPlan) -> np.ndarray:
    h = plan.heat
    return h.node_xy[h.pipe_from[h.pump_pipe]]


def _snap(sub_xy: np.ndarray, osm_xy: np.ndarray) -> tuple[np.ndarray, int]:
    """Move each substation to the nearest unused OSM substation within :data:`SNAP_M`."""
    out = sub_xy.copy()
    used: set[int] = set()
    if len(osm_xy) == 0:
        return out, 0
    for k in range(len(sub_xy)):
        d = np.hypot(*(osm_xy - sub_xy[k]).T)
        for j in np.argsort(d, kind="stable"):
            if d[j] > SNAP_M:
                break
            if int(j) not in used:
                used.add(int(j))
                out[k] = osm_xy[j]
                break
    return out, len(used)


def synthetic_grid(
    b: pd.DataFrame,
    f: pd.DataFrame,
    plan: HeatPlan,
    osm_sub_xy: np.ndarray,
    to_lonlat,
    rng: np.random.Generator,
) -> GridResult:
    """A synthetic grid feeding the real buildings (see the module doc).

    Parameters
    ----------
    b, f : pandas.DataFrame
        Buildings and facilities with local ``x``/``y`` [m].
    plan : HeatPlan
        Heat sources (their auxiliaries are loads; CHP plants become gens).
    osm_sub_xy : numpy.ndarray, shape (k, 2)
        OSM substation positions [m].
    to_lonlat : callable
        ``(x, y) -> (lon, lat)`` [deg].
    rng : numpy.random.Generator
    """
    bxy = b[["x", "y"]].to_numpy(float)
    weight = np.where(b.archetype.to_numpy() == "house_private", 0.1, 1.0)
    layout = layout_grid(bxy, b.p_mw.to_numpy(float), weight, rng)
    sub_xy, snapped = _snap(layout.sub_xy, osm_sub_xy)
    layout = replace(layout, sub_xy=sub_xy)
    chp = plan.kind == "chp"
    pump_xy = _pump_xy(plan)
    st_f = nearest_station(layout, f[["x", "y"]].to_numpy(float))
    st_p, st_s = nearest_station(layout, pump_xy), nearest_station(layout, plan.xy[~chp])
    load_station = np.concatenate([layout.station_of_building, st_f, st_p, st_s])
    load_p = np.concatenate([b.p_mw, f.p_mw, plan.heat.pump_p_mw, plan.aux_p_mw[~chp]])
    heating = np.where(b.heat_supply == "electric", b.heat_demand_mw_th, 0.0)
    sizing = load_p + np.concatenate([heating, np.zeros(len(load_p) - len(b))])
    pump_ids = [f"ps_{k + 1}" for k in range(len(pump_xy))]
    names = list(b.building_id) + list(f.facility_id) + pump_ids
    names += [s for s, c in zip(plan.src_ids, chp, strict=True) if not c]
    radius = float(np.hypot(*bxy.T).max()) if len(bxy) else 1000.0
    chp_ids = [s for s, c in zip(plan.src_ids, chp, strict=True) if c]
    grid = build_net(
        layout,
        load_station,
        load_p,
        names,
        plan.xy[chp].reshape(-1, 2),
        plan.electric_mw[chp],
        plan.aux_p_mw[chp],
        chp_ids,
        np.array([-(radius + 4000.0), 0.0]),
        to_lonlat,
        len(b),
        sizing_p_mw=sizing,
    )
    lv = grid.station_lv_bus
    aux = np.empty(len(plan.src_ids), np.int64)
    aux[~chp], aux[chp] = lv[st_s], grid.chp_aux_bus
    gen = np.full(len(plan.src_ids), -1, np.int64)
    gen[chp] = grid.chp_gen
    queue = layout.feeder_queue[layout.feeder_of_station[layout.station_of_building]]
    return GridResult(
        grid.net,
        lv[layout.station_of_building],
        lv[st_f],
        lv[st_p],
        aux,
        gen,
        queue,
        grid.hv_lines,
        "synthetic",
        snapped,
    )


def _supply_buses(net: pp.pandapowerNet) -> np.ndarray:
    """Buses that fed a load in the given net, else the in-service buses of the lowest
    voltage."""
    try:
        live, _ = _live_loads(net)
        return np.unique(net.load.bus.to_numpy(np.int64)[live])
    except ValueError:
        on = net.bus[net.bus.in_service.astype(bool)]
        return on.index[on.vn_kv == on.vn_kv.min()].to_numpy(np.int64)


def _bus_xy(net, n: int, seed: int, bxy: np.ndarray, to_xy) -> tuple[np.ndarray, str]:
    """Local positions of every bus [m]; stretched onto the buildings' extent when the net's
    coordinates do not overlap it."""
    ll = bus_lonlat(net, n, seed)
    x, y = to_xy(ll[:, 0], ll[:, 1])
    xy = np.column_stack([x, y])
    lo, hi = bxy.min(axis=0), bxy.max(axis=0)
    inside = np.all((xy >= lo - 2000.0) & (xy <= hi + 2000.0), axis=1)
    if inside.mean() >= 0.5:
        return xy, "geodata"
    span = np.where(np.ptp(xy, axis=0) > 0, np.ptp(xy, axis=0), 1.0)
    return lo + (xy - xy.min(axis=0)) / span * (hi - lo), "stretched"


def real_grid(
    net: pp.pandapowerNet,
    b: pd.DataFrame,
    f: pd.DataFrame,
    plan: HeatPlan,
    to_xy,
    to_lonlat,
    seed: int,
) -> GridResult:
    """The given net (not modified; the result holds a changed copy) with every load of the
    city on the nearest bus that fed a load (see the module doc)."""
    net = _signs_fixed(copy.deepcopy(net))
    live, _ = _live_loads(net)
    bxy = b[["x", "y"]].to_numpy(float)
    xy, placement = _bus_xy(net, len(b), seed, bxy, to_xy)
    if placement == "stretched":  # the net's own coordinates say where its buses now are
        lon, lat = to_lonlat(xy[:, 0], xy[:, 1])
        net.bus["geo"] = [
            json.dumps({"type": "Point", "coordinates": [round(float(a), 7), round(float(c), 7)]})
            for a, c in zip(lon, lat, strict=True)
        ]
    supply = _supply_buses(net)
    pos = pd.Series(np.arange(len(net.bus)), index=net.bus.index)
    tree = cKDTree(xy[pos.loc[supply].to_numpy()])

    def bus_of(pts: np.ndarray) -> np.ndarray:
        if len(pts) == 0:
            return np.zeros(0, np.int64)
        return supply[tree.query(pts)[1]]

    pump_xy = _pump_xy(plan)
    bb, fb, pb, sb = (
        bus_of(bxy),
        bus_of(f[["x", "y"]].to_numpy(float)),
        bus_of(pump_xy),
        bus_of(plan.xy),
    )
    p = np.concatenate([b.p_mw, f.p_mw, plan.heat.pump_p_mw, plan.aux_p_mw])
    pump_ids = [f"ps_{k + 1}" for k in range(len(pump_xy))]
    names = list(b.building_id) + list(f.facility_id) + pump_ids + list(plan.src_ids)
    tan_phi = np.tan(np.arccos(POWER_FACTOR))
    _replace_loads(
        net, net.load.index[live], names, np.concatenate([bb, fb, pb, sb]), p, p * tan_phi
    )
    none = np.full(len(plan.src_ids), -1, np.int64)
    return GridResult(
        net, bb, fb, pb, sb, none, _queues(bb, b.p_mw.to_numpy(float)), None, placement, 0
    )
