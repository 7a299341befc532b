"""Heat: what the district network delivers this step, link valves, and why buildings lost heat.

State: per-pipe losses cached by rounded outdoor temperature, and the attribution of every heat
loss to its causes (source, network, pumps, or only a combination), counted once per episode.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from coldstart.compiled import CompiledCity
from coldstart.heat.model import DESIGN_OUTDOOR_C, FACILITY_HEAT_LOSS_W_M2K, heat_demand_mw_th
from coldstart.heat.network import city_pipe_loss_mw_th
from coldstart.heat.pressure import design_mdot_kg_per_s
from coldstart.heat.share_memo import ShareMemo, memo_flow_shares
from coldstart.scenario.model import Scenario
from coldstart.simulate.power import PowerStep
from coldstart.thermal.heating import WITHOUT_HEAT_FRACTION

LOSS_CAUSES = ("source", "network", "pumps", "several", "capacity", "hydraulics")
"""Causes a district building's heat loss is attributed to: cut off from every working source
(``source``, ``network``, ``pumps``, ``several``), or reached but short of capacity
(``capacity``: its part of the network has less heat than its buildings need, e.g. after link
valves open onto a district that lost its sources) or of pressure (``hydraulics``: its
differential pressure passes too little of its design flow, e.g. at the far end of a long main
whose booster lost power, or behind a narrow link)."""

USEFUL_LINK_SHARE = 0.25
"""``open_if_useful`` opens a link valve when the consumers of the district it reaches would get
at least this share of their design flow through it (demand-weighted) [-] (first estimate: less
keeps the water moving, but heats nobody)."""

SHARE_CACHE_SIZE = 256
"""Hydraulic topologies whose flow shares a run keeps."""

GAS_COAST_H = 1.0
"""Hours a gas-heated building keeps (almost) its heat after its boiler loses power [h]: a gas
boiler's controls and pump stop at once, but the water of the heating circuit keeps giving heat
(first estimate from the stored heat: ~100 L of water at ~60 degC cooling by ~30 K hold
~3.5 kWh, about an hour of a flat's 3-4 kW loss at -20 degC). Electric heating stops at once."""


@dataclass
class HeatState:
    """Mutable heat state of one run."""

    lost_by: dict[str, np.ndarray]  # per cause: buildings that lost heat through it
    cause_known: np.ndarray  # the current loss episode of the building is attributed
    unpowered_h: np.ndarray  # per building: hours without power so far in this outage
    pipe_loss: dict[int, np.ndarray] = field(default_factory=dict)
    parts: dict[bytes, tuple] = field(default_factory=dict)  # components by open-branch mask
    shares: dict[bytes, np.ndarray] = field(default_factory=dict)  # flow shares by topology
    last_share: np.ndarray | None = None  # the last shares Newton solved (its next start)
    short_mwh: dict[str, np.ndarray] = field(default_factory=dict)  # heat short, per cause
    memo: ShareMemo | None = None  # flow shares per part of the network (with hydraulics)
    topology: tuple | None = None  # (key of the last step's damage, pumps and sources, the
    # open branches, their parts and the flow shares): most steps change none of them

    def components(self, hm, branch_ok: np.ndarray) -> tuple:
        """``hm.components(branch_ok)``, remembered: the topology changes only with damage,
        repairs and pump power, while the heat is solved several times every step."""
        key = np.packbits(branch_ok).tobytes()
        got = self.parts.get(key)
        if got is None:
            if len(self.parts) >= 64:
                self.parts.clear()
            got = self.parts[key] = hm.components(branch_ok)
        return got


@dataclass(frozen=True)
class HeatStep:
    """The heat network in one step."""

    frac: np.ndarray  # per building: share of its heat need delivered (non-district: power)
    facility_frac: np.ndarray  # per facility
    connected: np.ndarray  # per building: its node reaches a working source
    consumer_demand_mw_th: np.ndarray  # district consumers (buildings, then facilities)
    consumer_frac: np.ndarray
    loss_mw_th: float
    arrays: object = None  # the engine's solution (circuits, capacities), for checks
    flow_share: np.ndarray | None = None  # per consumer: hydraulic share of its design flow


def open_links(
    hm, node_part: np.ndarray, src_avail_mw_th: np.ndarray, link_valves: np.ndarray
) -> np.ndarray:
    """Normally-closed link valves to open: those joining a part without a working source to one
    with (one district backs another up)."""
    live = np.zeros(int(node_part.max()) + 1, bool)
    live[node_part[hm.source_supply_node[src_avail_mw_th > 0]]] = True
    opened = np.zeros(len(hm.valve_normally_open), bool)
    p = hm.valve_pipe[link_valves]
    opened[link_valves] = live[node_part[hm.branch_from[p]]] != live[node_part[hm.branch_to[p]]]
    return opened


def attribute_loss(
    hm,
    st: HeatState,
    lost: np.ndarray,
    district: np.ndarray,
    pipe_out: np.ndarray,
    pump_ok: np.ndarray,
    src_avail: np.ndarray,
    src_cap: np.ndarray,
    cons_dem: np.ndarray,
    bypass: np.ndarray | None = None,
) -> None:
    """Record why the buildings in ``lost`` lost heat: a cause counts when fixing everything
    else would still leave the building without heat (it is necessary); a building can lose
    heat through several causes. ``bypass``: boosters whose pipe circulates without power."""
    closed = ~hm.valve_normally_open
    bypass = np.zeros(len(pump_ok), bool) if bypass is None else bypass
    nd, nb = int(district.sum()), len(district)
    trials = (
        ("source", hm.branch_ok(valve_closed=closed), src_avail),
        ("network", hm.branch_ok(pipe_out=pipe_out, valve_closed=closed), src_cap),
        ("pumps", hm.branch_ok(valve_closed=closed, pump_off=~(pump_ok | bypass)), src_cap),
    )
    any_cause = np.zeros(nb, bool)
    for cause, ok_try, avail_try in trials:
        sup = np.zeros(nb, bool)
        parts = st.components(hm, ok_try)
        sup[district] = hm.solve_arrays(ok_try, avail_try, cons_dem, None, parts).supplied[:nd]
        st.lost_by[cause] |= lost & ~sup
        any_cause |= lost & ~sup
    st.lost_by["several"] |= lost & ~any_cause
    st.cause_known |= lost


class HeatModel:
    """Steps the district heating of one compiled city under one scenario."""

    def __init__(self, cc: CompiledCity, scenario: Scenario, dt_h: float):
        self.cc = cc
        self.dt_h = dt_h
        self.hm = cc.heat_model
        self.scenario = scenario
        self.setpoint_c = scenario.setpoint_c
        b, f = cc.city.buildings, cc.city.facilities
        self.district = cc.b_heat_node >= 0
        # positions of the district buildings (gathers by position cost half a boolean mask's)
        self.district_at = np.flatnonzero(self.district)
        self.design_mw = b.heat_demand_mw_th.to_numpy(float)
        self.f_district = cc.f_heat_node >= 0
        self.f_design_mw = np.where(
            self.f_district,
            FACILITY_HEAT_LOSS_W_M2K
            * f.floor_area_m2.to_numpy(float)
            * (self.setpoint_c - DESIGN_OUTDOOR_C)
            / 1e6,
            0.0,
        )
        self.src_cap = cc.city.heat_sources.capacity_mw_th.to_numpy(float)
        self.coast_h = np.where(cc.b_heat_supply == "individual_gas", GAS_COAST_H, 0.0)
        self.link_valves = np.flatnonzero(~self.hm.valve_normally_open & (self.hm.valve_pipe >= 0))
        self.pressure = (
            scenario.policies.heat_hydraulics == "pressure" and len(self.hm.consumer_ids) > 0
        )
        # a booster with a known head is bypassed without power (adds no head); one without a
        # head stops the circulation through its pipe (the connectivity rule)
        head = np.asarray(cc.hydraulics.params.pump_lift_bar, float)
        self.bypass = (head > 0) if self.pressure else np.zeros(len(self.hm.pump_ids), bool)
        self.mdot_design = design_mdot_kg_per_s(self.hm)

    def districts(self) -> np.ndarray:
        """Each building's heat district: the position of the heat source whose part of the
        network (link valves closed, nothing damaged) it belongs to; -1 for buildings off the
        network (the first source where a part has several)."""
        hm = self.hm
        _, part = hm.components(hm.branch_ok(valve_closed=~hm.valve_normally_open))
        owner = np.full(int(part.max()) + 1, -1)
        for k in range(len(hm.source_supply_node) - 1, -1, -1):
            owner[part[hm.source_supply_node[k]]] = k
        out = np.full(self.cc.n_build, -1)
        nd = int(self.district.sum())
        out[self.district] = owner[part[hm.consumer_from_node[:nd]]]
        return out

    def initial_state(self) -> HeatState:
        """No loss attributed yet."""
        nb = self.cc.n_build
        return HeatState(
            {c: np.zeros(nb, bool) for c in LOSS_CAUSES},
            np.zeros(nb, bool),
            np.zeros(nb),
            short_mwh={c: np.zeros(nb) for c in ("capacity", "hydraulics")},
            memo=ShareMemo(self.mdot_design) if self.pressure else None,
        )

    def shares(self, st: HeatState, ok: np.ndarray, src_ok: np.ndarray, pump_ok: np.ndarray):
        """Flow share of every consumer in a topology (``None`` without hydraulics; remembered
        per topology: it changes only with damage, repairs, valves and pumps)."""
        if not self.pressure:
            return None
        lift_off = ~pump_ok & self.bypass
        key = np.packbits(np.concatenate([ok, src_ok, lift_off])).tobytes()
        got = st.shares.get(key)
        if got is None:
            if len(st.shares) >= SHARE_CACHE_SIZE:
                st.shares.clear()
            got = memo_flow_shares(
                st.memo,
                self.cc.hydraulics,
                ok,
                src_ok,
                lift_off,
                share_init=st.last_share,
                node_part=st.components(self.hm, ok)[1],
            ).share
            st.shares[key] = got
            if (got < 1.0).any():
                st.last_share = got
        return got

    def _useful(self, st, opened, node_part, pipe_out, pump_ok, src_avail) -> np.ndarray:
        """The opened link valves through which the district they reach gets at least
        :data:`USEFUL_LINK_SHARE` of its design flow (each tried alone)."""
        hm, keep = self.hm, opened.copy()
        live = np.zeros(int(node_part.max()) + 1, bool)
        live[node_part[hm.source_supply_node[src_avail > 0]]] = True
        dead = ~live[node_part[hm.consumer_from_node]]
        for v in np.flatnonzero(opened):
            only = np.zeros_like(opened)
            only[v] = True
            ok = hm.branch_ok(pipe_out, ~hm.valve_normally_open & ~only, ~pump_ok & ~self.bypass)
            share = self.shares(st, ok, src_avail > 0, pump_ok)
            p = hm.valve_pipe[v]
            sides = node_part[[hm.branch_from[p], hm.branch_to[p]]]
            reached = dead & np.isin(node_part[hm.consumer_from_node], sides)
            d = self.mdot_design[reached]
            keep[v] = d.sum() > 0 and float(share[reached] @ d) >= USEFUL_LINK_SHARE * d.sum()
        return keep

    def _solve(self, st, pipe_out, pump_ok, src_avail, cons_dem, loss):
        """Solve the heat on the step's topology (:meth:`_topology`, kept from the last step
        when the damaged pipes, the pumps and the working sources are the same)."""
        key = np.packbits(np.concatenate([pipe_out, pump_ok, src_avail > 0])).tobytes()
        if st.topology is None or st.topology[0] != key:
            st.topology = (key, self._topology(st, pipe_out, pump_ok, src_avail))
        ok, parts, share = st.topology[1]
        res = self.hm.solve_arrays(ok, src_avail, cons_dem, loss, parts, share)
        return res, share

    def _topology(self, st, pipe_out, pump_ok, src_avail) -> tuple:
        """Open branches, their parts and the flow shares of a step's damage, pumps and
        sources: the link valves the policy asks for are opened (from the parts of the network
        with them closed), and the flow shares found once on the final topology."""
        hm = self.hm
        closed, cut = ~hm.valve_normally_open, ~pump_ok & ~self.bypass
        ok = hm.branch_ok(pipe_out=pipe_out, valve_closed=closed, pump_off=cut)
        parts = st.components(hm, ok)
        policy = self.scenario.policies.link_valves
        if policy != "closed" and len(self.link_valves):
            opened = open_links(hm, parts[1], src_avail, self.link_valves)
            if opened.any() and policy == "open_if_useful" and self.pressure:
                opened = self._useful(st, opened, parts[1], pipe_out, pump_ok, src_avail)
            if opened.any():
                ok = hm.branch_ok(pipe_out=pipe_out, valve_closed=closed & ~opened, pump_off=cut)
                parts = st.components(hm, ok)
        return ok, parts, self.shares(st, ok, src_avail > 0, pump_ok)

    def step(
        self,
        st: HeatState,
        temp_out_c: float,
        need_mw: np.ndarray,
        takes_water: np.ndarray,
        pipe_out: np.ndarray,
        power: PowerStep,
        b_power: np.ndarray,
    ) -> HeatStep:
        """Deliver heat for one step.

        ``need_mw``: heat each building asks for this step (with the recovery of cold flats);
        ``takes_water``: district buildings whose own system is neither drained nor frozen;
        ``pipe_out``: damaged pipes; ``b_power``: buildings with power (for non-district heat).
        """
        district, nb = self.district, self.cc.n_build
        at, nd = self.district_at, len(self.district_at)
        b_dem = need_mw * takes_water
        f_dem = heat_demand_mw_th(self.f_design_mw, temp_out_c, self.setpoint_c) * self.f_district
        cons_dem = np.concatenate([b_dem.take(at), f_dem[self.f_district]])
        t_key = round(temp_out_c)
        if t_key not in st.pipe_loss:
            st.pipe_loss[t_key] = city_pipe_loss_mw_th(self.cc.city.heat_pipes, float(t_key))
        src_avail = self.src_cap * power.source_ok
        res, share = self._solve(
            st, pipe_out, power.pump_ok, src_avail, cons_dem, st.pipe_loss[t_key]
        )

        def spread(values: np.ndarray, fill: float | bool) -> np.ndarray:
            """Per-building array: ``values`` of the district buildings, ``fill`` elsewhere."""
            out = np.full(nb, fill, values.dtype)
            out[at] = values
            return out

        # individual heating: electric stops with the power, a gas boiler's circuit coasts
        st.unpowered_h = np.where(b_power, 0.0, st.unpowered_h + self.dt_h)
        frac = (b_power | (st.unpowered_h <= self.coast_h + 1e-9)).astype(float)
        frac[at] = res.fraction[:nd] * takes_water.take(at)  # district buildings
        f_frac = np.ones(self.cc.n_fac)
        f_frac[self.f_district] = res.fraction[nd:]
        # a building whose node a working source reaches (even short of capacity) circulates
        connected = spread(res.supplied[:nd] if share is None else share[:nd] > 0, False)
        st.cause_known &= ~connected  # a new loss after heat came back is a new episode
        short = district & connected & takes_water & (frac < WITHOUT_HEAT_FRACTION)
        level = spread(res.capacity_fraction[:nd], 0.0)
        reached = spread(res.supplied[:nd], False)
        by_pressure = np.zeros(nb, bool)
        if share is not None:
            by_pressure[at] = share[:nd] < res.capacity_fraction[:nd]
        self._count_short(st, need_mw * takes_water, frac, level, reached)
        st.lost_by["capacity"] |= short & ~by_pressure
        st.lost_by["hydraulics"] |= short & by_pressure
        lost = district & ~connected & ~st.cause_known & takes_water
        if lost.any():
            attribute_loss(
                self.hm,
                st,
                lost,
                district,
                pipe_out,
                power.pump_ok,
                src_avail,
                self.src_cap,
                cons_dem,
                self.bypass,
            )
        return HeatStep(
            frac, f_frac, connected, cons_dem, res.fraction, float(res.loss_mw_th), res, share
        )

    def heat_level(self, step: HeatStep) -> np.ndarray:
        """Share of its heat need each building would get with its own system working [-]:
        its circuit's capacity level, capped by its hydraulic flow share (0 off the network or
        where no working source reaches it). A drained or frozen building takes no water, but
        its circuit's level is what a refill or a repair would give it."""
        nd = len(self.district_at)
        level = step.arrays.capacity_fraction[:nd]
        if step.flow_share is not None:
            level = np.minimum(level, step.flow_share[:nd])
        out = np.zeros(self.cc.n_build)
        out[self.district_at] = level
        return out

    def _count_short(self, st, need_mw, frac, level, reached) -> None:
        """Add this step's heat shortfall of the district buildings a working source reaches
        [MWh], split into what the sources' capacity withheld (``need * (1 - level)``) and what
        the pressure did (``need * (level - delivered)``)."""
        short = reached & ((frac < level) | (level < 1.0)) & (need_mw > 0)
        at = short.nonzero()[0]
        if not len(at):
            return
        need, lev = need_mw[at], level[at]
        # only the short buildings' sums move (the others would add +0.0: no change)
        st.short_mwh["capacity"][at] += need * (1.0 - lev) * self.dt_h
        st.short_mwh["hydraulics"][at] += need * (lev - frac[at]) * self.dt_h
