"""Compile a City into the arrays the runner steps over (once per city, never mutated)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from coldstart.city.model import City
from coldstart.geo import lonlat_to_xy_m
from coldstart.grid.balance import CRITICAL, QUEUES
from coldstart.grid.compile_pp import BRANCH_TABLES
from coldstart.grid.dcflow import GridModel
from coldstart.grid.feeders import feeder_of_bus
from coldstart.grid.overload import branch_ratings_mw
from coldstart.grid.rotation import exempt_households
from coldstart.heat.engine import HeatModel
from coldstart.heat.hydraulics import HydraulicModel
from coldstart.heat.pressure import city_hydraulic_params
from coldstart.people.shelter import SHELTER_KINDS
from coldstart.thermal.archetypes import RCParams, building_rc

CONSUMER_GROUPS = ("building", "facility", "pump", "source_aux", "other")
"""Kinds of grid consumer, in the order they are stacked."""


@dataclass(frozen=True)
class Consumers:
    """Every grid load, stacked: buildings, facilities, pumps, source auxiliaries, other loads."""

    node: np.ndarray  # node of the DC engine (GridModel) of the consumer's bus
    p_mw: np.ndarray  # base demand [MW]
    queue: np.ndarray  # sub-queue position, or CRITICAL
    group: np.ndarray  # index into CONSUMER_GROUPS
    offset: dict[str, int]  # first position of each group

    def slice(self, group: str, n: int) -> slice:
        """Positions of one group."""
        return slice(self.offset[group], self.offset[group] + n)


@dataclass(frozen=True)
class AssetEffects:
    """What each asset takes out when damaged (positions into compiled arrays; -1 for none)."""

    asset_id: np.ndarray
    kind: np.ndarray
    ref_table: np.ndarray
    pos: np.ndarray  # position: engine node, engine branch, engine gen, source, pipe, pump
    gen_pos: np.ndarray  # a CHP's generator position, else -1
    dn_mm: np.ndarray  # pipe diameter for heat mains, else NaN
    power_node: np.ndarray  # engine node whose power a repair needs first, -1 for none
    power_node2: np.ndarray  # alternative node (the other end of a line), -1 for none
    xy_m: np.ndarray  # site in the local metric frame [m], shape (n, 2)
    spare_class: np.ndarray
    index: dict[str, int]


@dataclass(frozen=True)
class CompiledCity:
    """Arrays of a city, ready for the runner."""

    city: City
    consumers: Consumers
    assets: AssetEffects
    n_build: int
    n_fac: int
    rc: RCParams
    rc_worst: RCParams
    b_heat_supply: np.ndarray
    b_heat_node: np.ndarray  # node position, -1 when not district
    f_heat_node: np.ndarray
    src_gen_pos: np.ndarray
    src_aux_consumer: np.ndarray
    pump_consumer: np.ndarray
    gen_cap_mw: np.ndarray
    engine: GridModel  # DC engine: islands, flows, overloads
    heat_model: HeatModel  # district heating engine: circuits, capacity sharing, losses
    hydraulics: HydraulicModel  # pressures and flows of the heat network (per-topology cache)
    branch_rating_mw: np.ndarray  # per engine branch [MW]
    gen_node: np.ndarray  # engine node of each generator (net.gen order)
    ext_node: np.ndarray  # engine node of each in-service ext_grid
    b_xy_m: np.ndarray
    shelter_fac: np.ndarray  # facility positions that take people
    shelter_xy_m: np.ndarray
    origin: tuple[float, float]


def _queue_pos(q: pd.Series) -> np.ndarray:
    lookup = {name: i for i, name in enumerate(QUEUES)}
    return np.array([lookup[x] for x in q], dtype=np.int64)


def gen_capacity_mw(net) -> np.ndarray:
    """Available power of each generator (``max_p_mw``, else ``p_mw``) in ``net.gen`` order [MW]."""
    gen = net.gen
    if not len(gen):
        return np.zeros(0)
    cap = gen["max_p_mw"] if "max_p_mw" in gen else gen["p_mw"]
    return cap.fillna(gen["p_mw"]).to_numpy(float)


def _consumers(city: City, gm: GridModel) -> Consumers:
    """Every grid load stacked by group, on the engine's nodes, with its rotation sub-queue."""
    net, b, f = city.net, city.buildings, city.facilities
    src, pumps = city.heat_sources, city.pumping_stations
    named = set(b.building_id) | set(f.facility_id) | set(pumps.pump_id) | set(src.source_id)
    other = net.load[~net.load["name"].astype(str).isin(named) & net.load.in_service.astype(bool)]
    f_queue = np.where(f.critical.to_numpy(bool), CRITICAL, np.arange(len(f)) % len(QUEUES))
    parts = [
        (b.bus, b.p_mw.to_numpy(float), _queue_pos(b.outage_queue)),
        (f.bus, f.p_mw.to_numpy(float), f_queue),
        (pumps.bus, pumps.p_mw.to_numpy(float), np.full(len(pumps), CRITICAL)),
        (src.aux_bus, src.aux_p_mw.to_numpy(float), np.full(len(src), CRITICAL)),
        (
            other.bus,
            other.p_mw.to_numpy(float) * other.scaling.to_numpy(float),
            np.arange(len(other)) % len(QUEUES),
        ),
    ]
    offset, start = {}, 0
    for name, (bus, _, _) in zip(CONSUMER_GROUPS, parts, strict=True):
        offset[name] = start
        start += len(bus)
    bus = np.concatenate([np.asarray(p[0], np.int64) for p in parts]).astype(np.int64)
    queue = np.concatenate([p[2] for p in parts]).astype(np.int64)
    group = np.concatenate([np.full(len(p[0]), i) for i, p in enumerate(parts)])
    # households on a feeder that also feeds a critical consumer escape rotation [UA-GPV]
    feeder = feeder_of_bus(net).reindex(bus).fillna(-1).to_numpy(np.int64)
    queue[exempt_households(feeder, queue == CRITICAL, group == 0)] = CRITICAL
    return Consumers(
        node=bus_nodes(gm, bus),
        p_mw=np.concatenate([p[1] for p in parts]),
        queue=queue,
        group=group,
        offset=offset,
    )


def bus_nodes(gm: GridModel, bus_labels) -> np.ndarray:
    """Engine node of each pandapower bus label (-1 for a label that is not a bus)."""
    labels = np.asarray(bus_labels, np.int64)
    return pd.Index(gm.c.bus_labels).get_indexer(labels).astype(np.int64)


def _branch_positions(gm: GridModel) -> dict[tuple[str, int], int]:
    """Engine branch position of every line and 2-winding trafo, by (table, label)."""
    c = gm.c
    return {
        (BRANCH_TABLES[k], int(lab)): i
        for i, (k, lab, w) in enumerate(zip(c.br_kind, c.br_label, c.br_winding, strict=True))
        if w == 0
    }


def _asset_effects(city: City, gm: GridModel, origin: tuple[float, float]) -> AssetEffects:
    """What each asset takes out when damaged, in engine and heat-table positions."""
    a, src, pumps = city.assets, city.heat_sources, city.pumping_stations
    c = gm.c
    gen_pos = {int(g): i for i, g in enumerate(c.gen_label)}
    src_gen = _source_gen_positions(city, gm)
    src_index = {s: i for i, s in enumerate(src.source_id)}
    pump_index = {p: i for i, p in enumerate(pumps.pump_id)}
    pipe_index = {p: i for i, p in enumerate(city.heat_pipes.pipe_id)}
    dn_by_pipe = dict(zip(city.heat_pipes.pipe_id, city.heat_pipes.dn_mm, strict=True))
    branch_index = _branch_positions(gm)
    aux_node, pump_node = bus_nodes(gm, src.aux_bus), bus_nodes(gm, pumps.bus)
    rows = []
    for rt, rid in zip(a.ref_table, a.ref_id, strict=True):
        g, d, b1, b2 = -1, np.nan, -1, -1
        if rt == "heat_sources":
            p = src_index[rid]
            g, b1 = int(src_gen[p]), int(aux_node[p])  # a source's power before the source
        elif rt == "pumping_stations":
            p = pump_index[rid]
            b1 = int(pump_node[p])
        elif rt == "heat_pipes":
            p, d = pipe_index[rid], float(dn_by_pipe[rid])
        elif rt == "grid.bus":
            p = int(bus_nodes(gm, [int(rid)])[0])
        elif rt == "grid.gen":
            p = gen_pos[int(rid)]
        else:
            p = branch_index[(rt.split(".")[1], int(rid))]
            b1 = int(c.br_from[p])  # a substation before the stations and lines it feeds
            if rt == "grid.line":
                b2 = int(c.br_to[p])
        rows.append((p, g, d, b1, b2))
    cols = list(zip(*rows, strict=True)) if rows else [()] * 5
    pos, gpos, dn, pb, pb2 = (np.array(x) for x in cols)
    ax, ay = lonlat_to_xy_m(a.lon.to_numpy(), a.lat.to_numpy(), *origin)
    return AssetEffects(
        asset_id=a.asset_id.to_numpy(object),
        kind=a.kind.to_numpy(object),
        ref_table=a.ref_table.to_numpy(object),
        pos=pos.astype(np.int64),
        gen_pos=gpos.astype(np.int64),
        dn_mm=dn.astype(float),
        power_node=pb.astype(np.int64),
        power_node2=pb2.astype(np.int64),
        xy_m=np.column_stack([ax, ay]),
        spare_class=a.spare_class.to_numpy(object),
        index={aid: i for i, aid in enumerate(a.asset_id)},
    )


def _source_gen_positions(city: City, gm: GridModel) -> np.ndarray:
    """Engine generator position of each heat source's CHP unit (-1 for none)."""
    gen_pos = {int(g): i for i, g in enumerate(gm.c.gen_label)}
    return np.array(
        [gen_pos.get(int(g), -1) if g >= 0 else -1 for g in city.heat_sources.gen_id],
        dtype=np.int64,
    )


def _heat_nodes_of(table: pd.DataFrame, node_ids: pd.Index) -> np.ndarray:
    """Heat-network node position of each district-heated row, -1 for the others."""
    district = (table.heat_supply == "district").to_numpy()
    out = np.full(len(table), -1, np.int64)
    out[district] = node_ids.get_indexer(table.heat_node_id[district])
    return out


def compile_city(city: City) -> CompiledCity:
    """Compile ``city`` into arrays: grid engine, heat engine, consumers, assets, RC parameters."""
    net, b, f = city.net, city.buildings, city.facilities
    gm = GridModel.from_pandapower(net, slack="any_gen")
    consumers = _consumers(city, gm)
    origin = (float(b.lon.mean()), float(b.lat.mean()))
    bx, by = lonlat_to_xy_m(b.lon.to_numpy(), b.lat.to_numpy(), *origin)
    shelter = np.flatnonzero(f.kind.isin(SHELTER_KINDS).to_numpy() & (f.capacity_people > 0))
    sx, sy = lonlat_to_xy_m(f.lon.to_numpy()[shelter], f.lat.to_numpy()[shelter], *origin)
    rc, rc_worst = building_rc(b)
    heat_model = HeatModel.from_city(city)
    e = net.ext_grid
    return CompiledCity(
        city=city,
        consumers=consumers,
        assets=_asset_effects(city, gm, origin),
        n_build=len(b),
        n_fac=len(f),
        rc=rc,
        rc_worst=rc_worst,
        b_heat_supply=b.heat_supply.to_numpy(object),
        b_heat_node=_heat_nodes_of(b, pd.Index(city.heat_nodes.node_id)),
        f_heat_node=_heat_nodes_of(f, pd.Index(city.heat_nodes.node_id)),
        src_gen_pos=_source_gen_positions(city, gm),
        src_aux_consumer=np.arange(len(city.heat_sources)) + consumers.offset["source_aux"],
        pump_consumer=np.arange(len(city.pumping_stations)) + consumers.offset["pump"],
        gen_cap_mw=gen_capacity_mw(net),
        engine=gm,
        heat_model=heat_model,
        hydraulics=HydraulicModel(heat_model, city_hydraulic_params(city, heat_model)),
        branch_rating_mw=branch_ratings_mw(gm, net),
        gen_node=bus_nodes(gm, net.gen.bus) if len(net.gen) else np.zeros(0, np.int64),
        ext_node=bus_nodes(gm, e.bus[e.in_service.astype(bool)]),
        b_xy_m=np.column_stack([bx, by]),
        shelter_fac=shelter,
        shelter_xy_m=np.column_stack([sx, sy]),
        origin=origin,
    )
