"""A given pandapipes heat network as the imported city's district heating (``--heat``).

The net's flow side becomes the city's heat network (the city counts a supply and return pair
as one pipe): its flow-side junctions are the heat nodes, its flow-side pipes the heat pipes
(length, inner diameter, roughness), its circulation pumps and external grids the sources
(boiler houses, sized for :data:`~coldstart.city.synth.HEAT_MARGIN` times the demand they
serve, which a pandapipes net does not bound). Every district-heated building and facility
draws at the flow junction of the nearest heat consumer of the net. Junction coordinates that
do not cover the city are stretched onto the buildings' extent, as for a given grid.

A net whose pipes cannot carry the real buildings' design flows (its pumps would need more
than the schema's 30 bar) is refused with a message naming the file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from coldstart.city.osm.heat import HeatPlan
from coldstart.city.synth import HEAT_MARGIN, _boiler_house_aux_mw, _district_consumers
from coldstart.city.synth_heat import HeatBuild
from coldstart.errors import CityError, Problem

if TYPE_CHECKING:
    from pandapipes import pandapipesNet


def load_heat_net(name: str) -> pandapipesNet:
    """A pandapipes net from a JSON file or by the name of a network shipped with pandapipes
    (``schutterwald_heat``).

    Raises
    ------
    CityError
        Naming ``name`` when it is neither, or the file cannot be read as a pandapipes net.
    """
    from coldstart.heat import pandapipes_io as pio
    from coldstart.safeio import lexists

    try:
        if lexists(name, CityError) and Path(name).is_file():
            return pio._json_net(name)
        return pio.load_heat_network(name)
    except KeyError:
        msg = "not a file or a heat network shipped with pandapipes (e.g. schutterwald_heat)"
    except Exception as exc:  # noqa: BLE001 - pandapipes' JSON reader raises many types
        msg = f"cannot be read as a pandapipes net: {str(exc).splitlines()[0] if str(exc) else ''}"
    raise CityError(Problem(name, "", "", msg))


def _junction_xy(net) -> np.ndarray:
    """Junction coordinates in the net's own units (``junction_geodata`` x/y, else ``geo``)."""
    j = net.junction
    if "junction_geodata" in net and len(net.junction_geodata) == len(j):
        g = net.junction_geodata.reindex(j.index)
        return g[["x", "y"]].to_numpy(float)
    xy = np.full((len(j), 2), np.nan)
    if "geo" in j:
        for i, g in enumerate(j["geo"].to_numpy()):
            c = (json.loads(g) if isinstance(g, str) else g or {}).get("coordinates")
            if c:
                xy[i] = [float(c[0]), float(c[1])]
    return xy


def _placed(xy: np.ndarray, bxy: np.ndarray, to_xy) -> tuple[np.ndarray, str]:
    """Junction positions in the local frame [m]: the net's lon/lat when it covers the
    buildings, else its coordinates stretched onto the buildings' extent."""
    lo, hi = bxy.min(axis=0), bxy.max(axis=0)
    if np.isfinite(xy).all() and (np.abs(xy) <= [180, 90]).all():
        x, y = to_xy(xy[:, 0], xy[:, 1])
        local = np.column_stack([x, y])
        if np.all((local >= lo - 2000.0) & (local <= hi + 2000.0), axis=1).mean() >= 0.5:
            return local, "geodata"
    xy = np.nan_to_num(xy)
    span = np.where(np.ptp(xy, axis=0) > 0, np.ptp(xy, axis=0), 1.0)
    return lo + (xy - xy.min(axis=0)) / span * (hi - lo), "stretched"


def _flow_nodes(a: dict, ok: np.ndarray, flow: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One node per set of flow-side junctions joined by open valves or pass-through elements
    (they have no length): the node of every junction (-1 on the return side) and the
    junction that names each node."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n, n_pipe = len(flow), len(a["pipe_ids"])
    vf, vt = a["branch_from"][n_pipe:], a["branch_to"][n_pipe:]
    z = ok[n_pipe:] & flow[vf] & flow[vt]
    graph = coo_matrix((np.ones(int(z.sum())), (vf[z], vt[z])), shape=(n, n))
    label = connected_components(graph, directed=False)[1]
    labels = np.unique(label[flow])
    new = np.full(n, -1, np.int64)
    new[flow] = np.searchsorted(labels, label[flow])
    first = np.full(len(labels), -1, np.int64)
    for j in np.flatnonzero(flow)[::-1]:
        first[new[j]] = j
    return new, first


def given_heat(net, b: pd.DataFrame, f: pd.DataFrame, to_xy, file: str) -> tuple[HeatPlan, str]:
    """The heat plan of a given pandapipes net (see the module doc) and how its junctions
    were placed (``geodata`` or ``stretched``).

    Raises
    ------
    CityError
        When the net has no source or no heat consumer on its flow side.
    """
    from coldstart.heat.pandapipes_io import _sides, model_arrays

    a = model_arrays(net, loss_model="nominal")
    n_pipe = len(a["pipe_ids"])
    ok = np.concatenate([a["pipe_in_service"], np.ones(len(a["branch_from"]) - n_pipe, bool)])
    pos = pd.Series(np.arange(len(a["node_ids"])), index=a["node_ids"])
    flow = _sides(
        net,
        a["branch_from"],
        a["branch_to"],
        ok,
        len(pos),
        pos,
        a["source_supply_node"],
        a["source_return_node"],
    )
    pf, pt = a["branch_from"][:n_pipe], a["branch_to"][:n_pipe]
    keep = a["pipe_in_service"] & flow[pf] & flow[pt]
    c_node = a["consumer_from_node"][flow[a["consumer_from_node"]]]
    if len(a["source_ids"]) == 0 or len(c_node) == 0:
        raise CityError(Problem(file, "", "", "no circulation pump and heat consumer to use"))
    xy, placement = _placed(_junction_xy(net), b[["x", "y"]].to_numpy(float), to_xy)
    new, nodes = _flow_nodes(a, ok, flow)
    keep &= new[pf] != new[pt]
    cons_ids, cons_xy, cons_q = _district_consumers(b, f)
    at = c_node[cKDTree(xy[c_node]).query(cons_xy)[1]] if len(cons_xy) else c_node[:0]
    src_node = a["source_supply_node"]
    n_s = len(src_node)
    near = cKDTree(xy[src_node]).query(xy[at])[1] if len(at) else np.zeros(0, np.int64)
    cap = np.maximum(np.round(HEAT_MARGIN * np.bincount(near, cons_q, minlength=n_s), 1), 1.0)
    pipes = net.pipe.iloc[np.flatnonzero(keep)]
    dn = pipes["inner_diameter_mm"] if "inner_diameter_mm" in pipes else pipes.diameter_m * 1e3
    ids = [f"j_{i}" for i in a["node_ids"][nodes]]
    heat = HeatBuild(
        node_id=ids,
        node_xy=xy[nodes],
        pipe_from=new[pf[keep]],
        pipe_to=new[pt[keep]],
        pipe_length_m=np.maximum(np.round(pipes.length_km.to_numpy(float) * 1e3, 1), 0.1),
        pipe_dn_mm=np.clip(dn.to_numpy(float), 10.0, 1600.0),
        pipe_downstream_mw_th=np.zeros(int(keep.sum())),
        pipe_network=np.full(int(keep.sum()), -1, np.int64),
        consumer_node=new[at],
        source_node=new[src_node],
        consumer_source=np.asarray(near, np.int64),
        pump_pipe=np.zeros(0, np.int64),
        pump_p_mw=np.zeros(0),
        valve_pipe=np.zeros(0, np.int64),
        valve_normally_open=np.zeros(0, bool),
    )
    src_ids = [f"bh_{s}" for s in a["source_ids"]]
    plan = HeatPlan(
        heat=heat,
        src_ids=src_ids,
        xy=xy[src_node],
        cap_mw_th=cap,
        kind=np.full(n_s, "boiler_house", object),
        origin=np.full(n_s, "given", object),
        osm_id=np.full(n_s, "", object),
        name=np.asarray(a["source_ids"], object),
        electric_mw=np.zeros(n_s),
        aux_p_mw=_boiler_house_aux_mw(cap),
        node_of={c: ids[k] for c, k in zip(cons_ids, new[at], strict=True)},
    )
    return plan, placement
