"""Compile a City into the arrays the runner steps over (once per city, never mutated)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from coldstart.city.model import City
from coldstart.geo import lonlat_to_xy_m
from coldstart.grid.balance import CRITICAL, QUEUES
from coldstart.grid.dcflow import GridModel
from coldstart.grid.feeders import feeder_of_bus
from coldstart.grid.model import GridTopology, compile_grid
from coldstart.grid.overload import branch_ratings_mw
from coldstart.grid.rotation import exempt_households
from coldstart.heat.engine import HeatModel
from coldstart.heat.model import HeatTopology, compile_heat
from coldstart.people.shelter import SHELTER_KINDS
from coldstart.thermal.archetypes import RCParams, building_rc

CONSUMER_GROUPS = ("building", "facility", "pump", "source_aux", "other")
"""Kinds of grid consumer, in the order they are stacked."""


@dataclass(frozen=True)
class Consumers:
    """Every grid load, stacked: buildings, facilities, pumps, source auxiliaries, other loads."""

    bus: np.ndarray  # bus position in the sorted topology (GridTopology)
    node: np.ndarray  # node of the DC engine (GridModel) of the same bus
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
    pos: np.ndarray  # position in its table (bus, branch, gen, source, pipe, pump)
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
    grid: GridTopology
    heat: HeatTopology
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


def compile_city(city: City) -> CompiledCity:
    """Compile ``city`` into arrays (grid topology, heat topology, consumers, RC parameters)."""
    net = city.net
    grid = compile_grid(net)
    heat = compile_heat(city.heat_nodes, city.heat_pipes, city.heat_sources, city.pumping_stations)
    b, f = city.buildings, city.facilities
    src, pumps = city.heat_sources, city.pumping_stations
    named = set(b.building_id) | set(f.facility_id) | set(pumps.pump_id) | set(src.source_id)
    other = net.load[~net.load["name"].astype(str).isin(named) & net.load.in_service.astype(bool)]
    f_queue = np.where(f.critical.to_numpy(bool), CRITICAL, np.arange(len(f)) % len(QUEUES))
    parts = [
        (grid.bus_pos(b.bus), b.p_mw.to_numpy(float), _queue_pos(b.outage_queue)),
        (grid.bus_pos(f.bus), f.p_mw.to_numpy(float), f_queue),
        (grid.bus_pos(pumps.bus), pumps.p_mw.to_numpy(float), np.full(len(pumps), CRITICAL)),
        (grid.bus_pos(src.aux_bus), src.aux_p_mw.to_numpy(float), np.full(len(src), CRITICAL)),
        (
            grid.bus_pos(other.bus),
            other.p_mw.to_numpy(float) * other.scaling.to_numpy(float),
            np.arange(len(other)) % len(QUEUES),
        ),
    ]
    offset, start = {}, 0
    for name, (bus, _, _) in zip(CONSUMER_GROUPS, parts, strict=True):
        offset[name] = start
        start += len(bus)
    gm = GridModel.from_pandapower(net, slack="any_gen")
    node_index = pd.Index(gm.c.bus_labels)

    def to_node(pos: np.ndarray) -> np.ndarray:
        pos = np.asarray(pos, np.int64)
        out = np.full(len(pos), -1, np.int64)
        ok = pos >= 0
        out[ok] = node_index.get_indexer(grid.bus_ids[pos[ok]])
        return out

    bus = np.concatenate([p[0] for p in parts]).astype(np.int64)
    queue = np.concatenate([p[2] for p in parts]).astype(np.int64)
    group = np.concatenate([np.full(len(p[0]), i) for i, p in enumerate(parts)])
    # households on a feeder that also feeds a critical consumer escape rotation (DESIGN.md)
    feeder = feeder_of_bus(net).reindex(grid.bus_ids[bus]).fillna(-1).to_numpy(np.int64)
    queue[exempt_households(feeder, queue == CRITICAL, group == 0)] = CRITICAL
    consumers = Consumers(
        bus=bus,
        node=to_node(bus),
        p_mw=np.concatenate([p[1] for p in parts]),
        queue=queue,
        group=group,
        offset=offset,
    )
    node_pos = pd.Series(np.arange(heat.n_node), index=heat.node_ids)

    def nodes_of(t: pd.DataFrame) -> np.ndarray:
        district = (t.heat_supply == "district").to_numpy()
        out = np.full(len(t), -1, np.int64)
        out[district] = node_pos.loc[t.heat_node_id[district]].to_numpy()
        return out

    gen_pos = pd.Series(np.arange(len(grid.gen_label)), index=grid.gen_label)
    src_gen = np.array(
        [int(gen_pos[g]) if g >= 0 and g in gen_pos.index else -1 for g in src.gen_id],
        dtype=np.int64,
    )
    src_index = {s: i for i, s in enumerate(src.source_id)}
    pump_index = {p: i for i, p in enumerate(pumps.pump_id)}
    pipe_index = {p: i for i, p in enumerate(city.heat_pipes.pipe_id)}
    branch_index = {
        (k, int(lab)): i
        for i, (k, lab) in enumerate(zip(grid.branch_kind, grid.branch_label, strict=True))
    }
    a = city.assets
    pos, gpos, dn, pb, pb2 = [], [], [], [], []
    dn_by_pipe = dict(zip(city.heat_pipes.pipe_id, city.heat_pipes.dn_mm, strict=True))
    aux_pos = grid.bus_pos(src.aux_bus)
    pump_bus_pos = grid.bus_pos(pumps.bus)
    for rt, rid in zip(a.ref_table, a.ref_id, strict=True):
        g, d, b1, b2 = -1, np.nan, -1, -1
        if rt == "heat_sources":
            p = src_index[rid]
            g = int(src_gen[p])
            b1 = int(aux_pos[p])  # a source's power before the source
        elif rt == "pumping_stations":
            p = pump_index[rid]
            b1 = int(pump_bus_pos[p])
        elif rt == "heat_pipes":
            p = pipe_index[rid]
            d = float(dn_by_pipe[rid])
        elif rt == "grid.bus":
            p = int(grid.bus_pos([int(rid)])[0])
        elif rt == "grid.gen":
            p = int(gen_pos[int(rid)])
        else:
            p = branch_index[(rt.split(".")[1], int(rid))]
            b1 = int(grid.branch_from[p])  # a substation before the stations and lines it feeds
            if rt == "grid.line":
                b2 = int(grid.branch_to[p])
        pos.append(p)
        gpos.append(g)
        dn.append(d)
        pb.append(b1)
        pb2.append(b2)
    lon0, lat0 = float(b.lon.mean()), float(b.lat.mean())
    bx, by = lonlat_to_xy_m(b.lon.to_numpy(), b.lat.to_numpy(), lon0, lat0)
    ax, ay = lonlat_to_xy_m(a.lon.to_numpy(), a.lat.to_numpy(), lon0, lat0)
    assets = AssetEffects(
        asset_id=a.asset_id.to_numpy(object),
        kind=a.kind.to_numpy(object),
        ref_table=a.ref_table.to_numpy(object),
        pos=np.array(pos, np.int64),
        gen_pos=np.array(gpos, np.int64),
        dn_mm=np.array(dn, float),
        power_node=to_node(np.array(pb, np.int64)),
        power_node2=to_node(np.array(pb2, np.int64)),
        xy_m=np.column_stack([ax, ay]),
        spare_class=a.spare_class.to_numpy(object),
        index={aid: i for i, aid in enumerate(a.asset_id)},
    )
    shelter = np.flatnonzero(f.kind.isin(SHELTER_KINDS).to_numpy() & (f.capacity_people > 0))
    sx, sy = lonlat_to_xy_m(f.lon.to_numpy()[shelter], f.lat.to_numpy()[shelter], lon0, lat0)
    rc, rc_worst = building_rc(b)
    return CompiledCity(
        city=city,
        grid=grid,
        heat=heat,
        consumers=consumers,
        assets=assets,
        n_build=len(b),
        n_fac=len(f),
        rc=rc,
        rc_worst=rc_worst,
        b_heat_supply=b.heat_supply.to_numpy(object),
        b_heat_node=nodes_of(b),
        f_heat_node=nodes_of(f),
        src_gen_pos=src_gen,
        src_aux_consumer=np.arange(len(src)) + offset["source_aux"],
        pump_consumer=np.arange(len(pumps)) + offset["pump"],
        gen_cap_mw=grid.gen_p_max_mw,
        engine=gm,
        heat_model=HeatModel.from_city(city),
        branch_rating_mw=branch_ratings_mw(gm, net),
        gen_node=to_node(grid.gen_bus),
        ext_node=to_node(grid.ext_bus[grid.ext_in_service]),
        b_xy_m=np.column_stack([bx, by]),
        shelter_fac=shelter,
        shelter_xy_m=np.column_stack([sx, sy]),
        origin=(lon0, lat0),
    )
