"""Power: demand with cold and heater load, the balance per island, overload trips, backups.

State: the rotating-outage schedule, the heater load the homes asked for in the previous step
(a one-step coupling, named :attr:`PowerState.heater_mw`), the backup fuel left at pumps and
heat sources, and counters for the summary.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from time import perf_counter

import numpy as np

from coldstart.compiled import CompiledCity
from coldstart.grid.balance import Balance, balance, balance_frame
from coldstart.grid.overload import trip_cascade
from coldstart.grid.rotation import Rotation
from coldstart.scenario.model import Scenario
from coldstart.simulate.damage import DamageState

TRIP_CHECK_H = 2
"""Hours between DC-flow overload checks [h]."""


@dataclass
class PowerState:
    """Mutable power state of one run."""

    rotation: Rotation
    heater_mw: np.ndarray  # homes' extra grid load from the previous step [MW] (coupling)
    backup_fuel_h: dict[str, np.ndarray]  # "pump", "source": hours of backup fuel left
    backup_tank_h: dict[str, np.ndarray]  # their full tanks [h]
    backup_failed: dict[str, np.ndarray]  # failed to start in the current grid outage
    on_backup_h: dict[str, np.ndarray]  # hours run on backup so far
    start_failures: dict[str, np.ndarray]  # failed starts so far
    off_grid: dict[str, np.ndarray]  # needed its generator in the previous step
    rng: np.random.Generator  # start-up failures
    events: list = field(default_factory=list)  # (t_h, kind, position, what) for the log
    n_trips: int = 0
    max_stage: float = 0.0
    overload_s: float = 0.0  # time spent in overload checks (DC flows) [s]
    frame: tuple | None = None  # (topology, its BalanceFrame): kept until the topology changes

    def backup_flags(self) -> tuple[np.ndarray, np.ndarray]:
        """Pumps and sources that still have backup fuel."""
        return self.backup_fuel_h["pump"] > 0, self.backup_fuel_h["source"] > 0


@dataclass(frozen=True)
class PowerStep:
    """The grid in one step: the balance, and what has power."""

    balance: Balance
    demand_mw: np.ndarray  # per consumer [MW]
    powered: np.ndarray  # per consumer: fully served
    pump_ok: np.ndarray  # booster pumps running (grid or backup, not damaged)
    source_ok: np.ndarray  # heat sources running (auxiliaries powered, not damaged)


class PowerModel:
    """Steps the grid of one compiled city under one scenario."""

    def __init__(self, cc: CompiledCity, scenario: Scenario, dt_h: float):
        self.cc = cc
        self.scenario = scenario
        self.dt_h = dt_h
        self.cons = cc.consumers
        self.sl_b = self.cons.slice("building", cc.n_build)
        self.cold_at = np.flatnonzero(self.cons.group <= 1)  # demand rising with the cold

    def initial_state(self, rotation_seed: int, rng: np.random.Generator) -> PowerState:
        """No heater load, full backup tanks; ``rng`` draws start-up failures (and, with
        ``backup.available_share < 1``, which units are missing in this run)."""
        pumps, src = self.cc.city.pumping_stations, self.cc.city.heat_sources
        fuel = {
            "pump": pumps.backup_fuel_h.to_numpy(float) * (pumps.backup_power_kw > 0).to_numpy(),
            "source": src.backup_fuel_h.to_numpy(float) * (src.backup_power_kw > 0).to_numpy(),
        }
        share = self.scenario.backup.available_share
        if share < 1.0:
            fuel = {k: v * (rng.random(len(v)) < share) for k, v in fuel.items()}
        zeros = {k: np.zeros(len(v)) for k, v in fuel.items()}
        return PowerState(
            Rotation(seed=rotation_seed),
            np.zeros(self.cc.n_build),
            fuel,
            {k: v.copy() for k, v in fuel.items()},
            {k: np.zeros(len(v), bool) for k, v in fuel.items()},
            zeros,
            {k: v.copy() for k, v in zeros.items()},
            {k: np.zeros(len(v), bool) for k, v in fuel.items()},
            rng,
        )

    def import_cap_mw(self, t_h: float) -> float:
        """The national grid's import cap at ``t_h`` (schedule over the base cap)."""
        g = self.scenario.grid
        cap = g.national_import_mw if g.national_import_mw is not None else np.inf
        for from_h, mw in sorted(g.import_schedule):
            if t_h >= from_h:
                cap = mw
        return cap

    def step(
        self,
        st: PowerState,
        k: int,
        t_h: float,
        temp_out_c: float,
        dmg: DamageState,
        steps_per_h: int,
        on_trips: Callable[[np.ndarray], None],
    ) -> PowerStep:
        """Balance this step; every ``TRIP_CHECK_H`` hours trip overloaded branches.

        ``on_trips(positions)`` is called with the branches that tripped (the runner records
        them, opens reset tasks and refreshes the topology).
        """
        cc, g = self.cc, self.scenario.grid
        topo = dmg.topology
        cold = 1.0 + g.demand_per_c_below_0 * max(0.0, -temp_out_c)
        demand = self.cons.p_mw.astype(float)  # a copy
        demand[self.cold_at] *= cold
        demand[self.sl_b] += st.heater_mw
        gen_avail = cc.gen_cap_mw * (dmg.outage.gen == 0)
        if st.frame is None or st.frame[0] is not topo:
            frame = balance_frame(
                topo.node_island,
                topo.node_on,
                self.cons.node,
                self.cons.queue,
                None if st.frame is None else st.frame[1],
            )
            st.frame = (topo, frame)
        bal = balance(
            topo.node_island,
            topo.node_on,
            self.cons.node,
            demand,
            self.cons.queue,
            cc.gen_node,
            gen_avail,
            cc.ext_node,
            self.import_cap_mw(t_h),
            st.rotation,
            t_h,
            st.frame[1],
        )
        st.max_stage = max(st.max_stage, bal.stage_queues)
        if g.overload_trips and k % (TRIP_CHECK_H * steps_per_h) == 0:
            t0 = perf_counter()
            new = self.overloaded(topo, demand * bal.served, gen_avail)
            st.overload_s += perf_counter() - t0
            if len(new):
                st.n_trips += len(new)
                on_trips(new)
        powered = bal.served >= 0.999
        pump_grid = powered[cc.pump_consumer]
        pump_intact = dmg.outage.pump == 0
        pump_ok = pump_intact & self._on_backup(st, "pump", pump_grid, pump_intact, t_h)
        chp_running = np.zeros(len(cc.src_gen_pos), bool)
        has_gen = cc.src_gen_pos >= 0
        chp_running[has_gen] = dmg.outage.gen[cc.src_gen_pos[has_gen]] == 0
        aux_ok = powered[cc.src_aux_consumer] | chp_running
        src_intact = dmg.outage.source == 0
        src_ok = src_intact & self._on_backup(st, "source", aux_ok, src_intact, t_h)
        return PowerStep(bal, demand, powered, pump_ok, src_ok)

    def _on_backup(
        self, st: PowerState, kind: str, grid_ok: np.ndarray, intact: np.ndarray, t_h: float
    ) -> np.ndarray:
        """Running on the grid or on backup fuel (which burns for one step).

        Only an ``intact`` unit (not damaged) needs its generator. A generator starts when the
        unit's grid supply goes and fails to start with ``backup.start_failure_prob`` (then
        stays off until the grid is back); the utility tops up every tank each
        ``backup.refuel_every_h`` hours (0: never). Start failures and tanks running dry are
        kept in ``st.events`` for the runner's log."""
        b = self.scenario.backup
        fuel, failed = st.backup_fuel_h[kind], st.backup_failed[kind]
        if b.refuel_every_h and t_h and t_h % b.refuel_every_h < self.dt_h - 1e-9:
            np.copyto(fuel, st.backup_tank_h[kind])
        need = ~grid_ok & intact
        if not need.any():  # every unit on the grid or damaged: no generator runs
            failed[:] = False
            st.off_grid[kind] = need
            return grid_ok.copy()
        failed[~need] = False
        starting = need & ~st.off_grid[kind] & (st.backup_tank_h[kind] > 0)
        st.off_grid[kind] = need
        if starting.any() and b.start_failure_prob > 0:
            fail = starting & (st.rng.random(len(fuel)) < b.start_failure_prob)
            failed |= fail
            st.start_failures[kind] += fail
            st.events += [(t_h, kind, int(i), "failed to start") for i in fail.nonzero()[0]]
        use = need & (fuel > 0) & ~failed
        fuel[use] = np.maximum(0.0, fuel[use] - self.dt_h)
        st.events += [
            (t_h + self.dt_h, kind, int(i), "ran out of fuel")
            for i in (use & (fuel <= 0.0)).nonzero()[0]
        ]
        st.on_backup_h[kind][use] += self.dt_h
        return grid_ok | use

    def overloaded(self, topo, served_mw: np.ndarray, gen_avail_mw: np.ndarray) -> np.ndarray:
        """Branches a DC flow of the served load finds above their rating (trip cascade)."""
        cc, eng = self.cc, self.cc.engine
        node_island = topo.node_island
        p = np.zeros(eng.c.n_node)
        np.add.at(p, self.cons.node, -served_mw)
        n_isl = int(node_island.max()) + 1
        load = np.bincount(node_island[self.cons.node], weights=served_mw, minlength=n_isl)
        gcap = np.bincount(node_island[cc.gen_node], weights=gen_avail_mw, minlength=n_isl)
        share = np.minimum(1.0, load / np.maximum(gcap, 1e-9))
        np.add.at(p, cc.gen_node, gen_avail_mw * share[node_island[cc.gen_node]])
        rounds, _, _ = trip_cascade(
            eng, topo.engine_state, cc.branch_rating_mw, p, self.scenario.grid.overload_trip_margin
        )
        return np.concatenate(rounds) if rounds else np.zeros(0, np.int64)
