"""The runner: ``simulate(city, scenario, seed) -> Result``.

A short loop over components, each with an explicit state and a step function a test can call
alone (:mod:`.clock`, :mod:`.damage`, :mod:`.crews`, :mod:`.power`, :mod:`.heat`,
:mod:`.homes`, the people model, :mod:`.recorder`). Per step::

    clock -> damage (waves, hits) -> crews (pause, dispatch, work; repairs, refills, resets)
      -> power (balance, rotation, trips, backups) -> heat (network, links, loss causes)
      -> homes (air, mass, water, drain/freeze) -> people -> recorder

Couplings that lag one step are named state fields: the homes' heater load enters the grid as
``PowerState.heater_mw`` in the next step; people at home enter the homes' heat gains from the
previous step's ``PeopleState``. The city and the scenario are never mutated.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from time import perf_counter

import numpy as np
import pandas as pd

from coldstart.city.model import City
from coldstart.compiled import CompiledCity, compile_city
from coldstart.grid.compile_pp import BRANCH_TABLES
from coldstart.people.model import PeopleModel
from coldstart.restore.eta import (
    ServiceMemo,
    expected_finish_h,
    heat_back_h,
    repair_finish_h,
    repair_order,
    restoring_repair,
)
from coldstart.restore.repairs import Task, TaskKind
from coldstart.result import Result
from coldstart.scenario.model import Scenario
from coldstart.scenario.targets import hits_left_out, resolve_hits
from coldstart.simulate.clock import Clock, Streams
from coldstart.simulate.crews import CrewDesk
from coldstart.simulate.damage import DamageModel
from coldstart.simulate.events import EventKind, EventLog
from coldstart.simulate.heat import HeatModel, HeatStep
from coldstart.simulate.homes import Homes, WaterStep
from coldstart.simulate.invariants import check_step
from coldstart.simulate.planning import PlanContext
from coldstart.simulate.power import PowerModel
from coldstart.simulate.recorder import Recorder
from coldstart.simulate.water import Water

__all__ = ["Run", "simulate"]

ETA_KINDS = frozenset({TaskKind.REPAIR, TaskKind.BRANCH_REPAIR})
"""The tasks whose expected finish the heat-back estimate reads (asset repairs; a burst
branch's repair)."""

BUILDING_TASKS = (
    TaskKind.REFILL,
    TaskKind.DRAIN,
    TaskKind.SYSTEM_REPAIR,
    TaskKind.BRANCH_REPAIR,
)
"""Crew tasks whose target is a building's heating system."""


class Run:
    """The components of one run and their states (built by :func:`simulate`)."""

    def __init__(self, cc: CompiledCity, scenario: Scenario, seed: int):
        self.cc, self.scenario, self.seed = cc, scenario, seed
        self.streams = Streams.from_seed(seed)
        self.clock = Clock.build(scenario, self.streams.alert)
        self.log = EventLog()
        for s, e in self.clock.windows:
            self.log.log(s, EventKind.ALERT_START, "", f"until {e:.2f} h")
            self.log.log(e, EventKind.ALERT_END)
        self.residents = cc.city.buildings.residents.to_numpy(float)
        dt_h = self.clock.dt_h
        self.damage = DamageModel(cc, scenario)
        self.crews = CrewDesk(cc, scenario, self.residents)
        self.power = PowerModel(cc, scenario, dt_h)
        self.heat = HeatModel(cc, scenario, dt_h)
        self.homes = Homes(cc, scenario, dt_h)
        self.water = Water(self.homes.ids, self.homes.district, scenario, dt_h)
        self._eta: tuple | None = None  # (key, expected outage per building), cached
        self._stages: tuple | None = None  # (key, restoring_repair per building), cached
        self._service = ServiceMemo()  # the estimates' network solves, by outage state
        self._heat: HeatStep | None = None  # the last heat step (the planner's heat levels)
        self.people = PeopleModel.build(cc, scenario)
        self.dmg = self.damage.initial_state()
        self.crew = self.crews.initial_state()
        self.pow = self.power.initial_state(self.streams.rotation_seed, self.streams.backup)
        self.heat_st = self.heat.initial_state()
        self.home = self.homes.initial_state()
        self.pstate = self.people.initial_state()
        self.recorder = Recorder.build(cc, self.people, self.clock.steps)
        self.seconds: dict[str, float] = {}
        self.check_shortfall_mwh = 0.0  # kept by the invariant checks, apart from the recorder

    def step(self, k: int, check: bool = False) -> tuple:
        """One thermal step of every component, in order; with ``check``, then assert the
        invariants (:mod:`.invariants`). Time per component accumulates in :attr:`seconds`.
        Returns the step's power, heat and heat-into-homes records (for checks and tests)."""
        clock, log, cc, lap = self.clock, self.log, self.cc, self._lap
        t, to, dt_h = clock.t_h(k), float(clock.temp_out_c[k]), clock.dt_h
        t0 = perf_counter()
        self.damage.strike(self.dmg, t, dt_h, self.streams.strike, self._open_repair, log)
        self.damage.refresh(self.dmg)  # crews need the current topology for precedence
        t0 = lap("damage", t0)
        ctx = (lambda: self._plan_context(k)) if self.crew.planner is not None else None
        work = self.crews.step(
            self.crew, k, t, dt_h, clock.hour_of_day(k), bool(clock.crews_stopped[k]), self.dmg,
            self.pow.backup_flags(), log, ctx,
        )  # fmt: skip
        for task in work.finished:
            self._finish(task)
        t0 = lap("crews", t0)
        self.damage.refresh(self.dmg)
        t0 = lap("damage", t0)
        power = self.power.step(
            self.pow, k, t, to, self.dmg, clock.steps_per_h, lambda new: self._tripped(new, t)
        )
        self._backup_events()
        t0 = lap("power", t0)
        b_power = power.powered[cc.consumers.slice("building", cc.n_build)]
        gains_w = self.homes.gains_w(self.pstate.people_home, b_power)  # for both uses below
        need_w = self.homes.heat_need_w(self.home, to, self.pstate.people_home, b_power, gains_w)
        need_mw = need_w / 1e6
        heat = self.heat.step(
            self.heat_st, to, need_mw, self.homes.takes_water(self.home),
            self.dmg.outage.pipe > 0, power, b_power,
        )  # fmt: skip
        self._heat = heat
        t0 = lap("heat", t0)
        heat_in = self.homes.step_air(
            self.home, to, heat.frac, self.pstate.people_home, b_power, need_w, gains_w
        )
        self.pow.heater_mw = heat_in.grid_extra_mw
        water = self.water.step(
            self.home, t, to, heat.frac, heat.connected, log,
            lambda: self._expected_outage_h(t), self.streams.refill,
        )  # fmt: skip
        self._building_tasks(water, t)
        t0 = lap("homes", t0)
        self._people(k, t, to, power, heat)
        t0 = lap("people", t0)
        self.recorder.record(
            k, clock, self.residents, need_mw, self.home, heat, power, b_power, self.pstate,
            work.working, len(self.dmg.tripped),
        )  # fmt: skip
        t0 = lap("recording", t0)
        if check:
            check_step(self, k, power, heat, heat_in)
            lap("checks", t0)
        return power, heat, heat_in

    def _plan_context(self, k: int) -> PlanContext:
        """The buildings' state the ``optimized`` dispatch plans with at step ``k``."""
        eta = self._eta[1] if self._eta is not None else None  # the last estimate, not a new one
        level = self.heat.heat_level(self._heat) if self._heat is not None else None
        return PlanContext(
            float(self.clock.temp_out_c[k]), self.home.ta, self.home.t_water, self.home.ice,
            self.pstate.people_home, self.pstate.vulnerable_home,
            self.scenario.horizon_h - self.clock.t_h(k), eta, level,
        )  # fmt: skip

    def _lap(self, name: str, since: float) -> float:
        """Add the time since ``since`` to component ``name``; return now [s]."""
        now = perf_counter()
        self.seconds[name] = self.seconds.get(name, 0.0) + now - since
        return now

    def profile(self) -> dict[str, float]:
        """Seconds spent per component so far; overload checks apart from the rest of power."""
        out = dict(self.seconds)
        if "power" in out:
            out["overload"] = self.pow.overload_s
            out["power"] -= self.pow.overload_s
        return {k: round(v, 6) for k, v in out.items()}

    def _backup_events(self) -> None:
        """Log the backup generators that failed to start or ran dry this step."""
        if not self.pow.events:
            return
        city = self.cc.city
        ids = {
            "source": city.heat_sources.source_id.to_numpy(),
            "pump": city.pumping_stations.pump_id.to_numpy(),
        }
        for t_h, kind, i, what in self.pow.events:
            event = EventKind.BACKUP_FAILED if what == "failed to start" else EventKind.FUEL_OUT
            self.log.log(t_h, event, str(ids[kind][i]), f"backup generator {what}")
        self.pow.events.clear()

    def _building_tasks(self, water: WaterStep, t: float) -> None:
        """Open the drains, refills and repairs the water asks for; call off those it no
        longer needs."""
        if water.cancel:
            self.crew.book.cancel_many([(k, str(self.homes.ids[i])) for k, i in water.cancel])
        for bt in water.tasks:
            work_h = bt.median_work_h * float(
                np.exp(bt.log_sd * self.streams.refill.standard_normal())
            )
            i = bt.building
            self.crews.open_task(
                self.crew,
                bt.kind,
                str(self.homes.ids[i]),
                bt.crew_type,
                work_h,
                t + self.clock.dt_h,
                tuple(self.cc.b_xy_m[i]),
            )

    def _expected_outage_h(self, t: float) -> np.ndarray:
        """Each building's expected hours until heat can reach it again, as the operators
        would estimate it from the repair queue (:mod:`coldstart.restore.eta`); re-estimated
        when the damage changes, and at least hourly."""
        key = (self.dmg.version, int(t))
        if self._eta is None or self._eta[0] != key:
            finish = expected_finish_h(self.crew.book, t, ETA_KINDS)
            repairs = repair_finish_h(finish)
            backup = self.pow.backup_flags()
            # which repair restores each building depends on the damage, the order of the
            # repairs and the generators' fuel, not on the hour: kept while those hold
            order = repair_order(self.cc, repairs)
            how = (self.dmg.version, tuple(order), backup[0].tobytes(), backup[1].tobytes())
            if self._stages is None or self._stages[0] != how:
                stages = restoring_repair(self.cc, self.dmg.outage, order, *backup, self._service)
                self._stages = (how, stages)
            eta = heat_back_h(self.cc, self.dmg.outage, repairs, t, *backup, self._stages[1])
            for i in self.home.burst.nonzero()[0]:
                done = finish.get((TaskKind.BRANCH_REPAIR, str(self.homes.ids[i])), np.inf)
                eta[i] = max(eta[i], done - t)
            self._eta = (key, eta)
        return self._eta[1]

    def _people(self, k: int, t: float, to: float, power, heat) -> None:
        sh = self.cc.shelter_fac
        sl_f = self.cc.consumers.slice("facility", self.cc.n_fac)
        self.pstate = self.people.step(
            self.pstate,
            t,
            to,
            self.home.ta,
            power.powered[sl_f][sh],
            heat.facility_frac[sh],
            bool(self.clock.alert_active[k]),
        )
        for ev in self.pstate.events:
            self.log.log(*ev)

    def _open_repair(self, dmg) -> Task:
        return self.crews.open_repair(self.crew, dmg, self.streams.repair)

    def _finish(self, task: Task) -> None:
        """Route a finished crew task to the component it restores."""
        if task.kind in BUILDING_TASKS:
            i = self.crews.b_index[task.asset_id]
            k = min(int(round(task.done_h / self.clock.dt_h)), self.clock.steps - 1)
            to = float(self.clock.temp_out_c[k])
            self.water.finished(
                self.home, task.kind, i, task.done_h, to, self.log, self.streams.refill
            )
        elif task.kind == TaskKind.RESET:
            self.dmg.tripped.discard(int(task.asset_id))
            self.log.log(task.done_h, EventKind.TRIP_RESET, task.asset_id, "")
            self.dmg.dirty = True
        else:
            self.log.log(task.done_h, EventKind.REPAIR_END, task.asset_id, task.state)
            self.damage.repaired(self.dmg, task.asset_id, task.done_h)

    def _tripped(self, new: np.ndarray, t: float) -> None:
        """Branches tripped by overload: record, open reset tasks, refresh the topology."""
        eng, cc = self.cc.engine, self.cc
        site = tuple(cc.b_xy_m.mean(axis=0))  # the city's centre, where reset crews are sent
        for pos in new:
            self.dmg.tripped.add(int(pos))
            label = f"{BRANCH_TABLES[eng.c.br_kind[pos]]} {int(eng.c.br_label[pos])}"
            self.log.log(t, EventKind.TRIP, str(int(pos)), f"{label} overloaded (DC flow)")
            self.crews.open_task(
                self.crew,
                TaskKind.RESET,
                str(int(pos)),
                "power_lines",
                self.scenario.grid.trip_reset_h,
                t,
                site,
            )
        self.damage.refresh(self.dmg, force=True)

    def district_table(self, buildings) -> pd.DataFrame:
        """Per heat source: its district's buildings and blocks, how many lost heat, were
        drained or froze, and how long the source ran on its backup generator."""
        src = self.cc.city.heat_sources
        owner = self.heat.districts()
        n = len(src)
        count = lambda mask: np.bincount(owner[mask & (owner >= 0)], minlength=n)  # noqa: E731
        blocks = self.recorder.blocks
        return pd.DataFrame(
            {
                "source_id": src.source_id.to_numpy(),
                "kind": src.kind.to_numpy(),
                "buildings": count(np.ones(len(owner), bool)),
                "blocks": count(blocks),
                "blocks_lost_heat": count(self.recorder.block_ever),
                "buildings_drained": count(buildings.drained.to_numpy(bool)),
                "buildings_frozen": count(buildings.frozen.to_numpy(bool)),
                "backup_power_kw": src.backup_power_kw.to_numpy(float),
                "backup_available": self.pow.backup_tank_h["source"] > 0,
                "hours_on_backup": np.round(self.pow.on_backup_h["source"], 3),
                "backup_start_failures": self.pow.start_failures["source"].astype(np.int64),
                **self._district_shortfall(owner, n),
            }
        )

    def _district_shortfall(self, owner: np.ndarray, n: int) -> dict[str, np.ndarray]:
        """Per district: heat its reached buildings went without [MWh], by capacity and by
        hydraulics, and which withheld more."""
        inside = owner >= 0
        mwh = {
            c: np.bincount(owner[inside], self.heat_st.short_mwh[c][inside], minlength=n)
            for c in ("capacity", "hydraulics")
        }
        cap, hyd = mwh["capacity"], mwh["hydraulics"]
        limited = np.where(hyd > cap, "hydraulics", "capacity")
        return {
            "heat_short_capacity_mwh_th": np.round(cap, 3),
            "heat_short_hydraulics_mwh_th": np.round(hyd, 3),
            "limited_by": np.where(np.maximum(cap, hyd) < 1.0, "none", limited),
        }

    def result(self) -> Result:
        """The Result of the finished run."""
        res = self._result()
        meta = res.meta
        if self.crew.planner is not None:  # ``optimized`` dispatch: how its plans were found
            meta = {**meta, "dispatch_planning": self.crew.planner.stats.summary()}
        return dataclasses.replace(res, districts=self.district_table(res.buildings), meta=meta)

    def _result(self) -> Result:
        return self.recorder.result(
            self.cc,
            self.scenario,
            self.seed,
            self.log.rows(),
            self.dmg,
            self.home,
            self.pow.rotation.closed_schedule(self.scenario.horizon_h),
            {
                "branch_trips": self.pow.n_trips,
                "max_stage_queues": self.pow.max_stage,
                **{
                    f"buildings_lost_heat_{c}": int(m.sum())
                    for c, m in self.heat_st.lost_by.items()
                },
                "heat_sources_on_backup": int((self.pow.on_backup_h["source"] > 0).sum()),
                "backup_start_failures": int(
                    sum(int(v.sum()) for v in self.pow.start_failures.values())
                ),
            },
        )


def simulate(
    city: City | CompiledCity,
    scenario: Scenario,
    seed: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    check: bool = False,
    profile: dict | None = None,
    observe: Callable[[Run, int], None] | None = None,
) -> Result:
    """Simulate a scenario on a city.

    Parameters
    ----------
    city : City or CompiledCity
        The city (compiled here if not already).
    scenario : Scenario
        What happens.
    seed : int, optional
        Seed of every random draw; defaults to ``scenario.seed``. Same seed, same Result.
    progress : callable, optional
        Called as ``progress(step, steps)`` after each step.
    check : bool, optional
        Assert the invariants after every step (:mod:`coldstart.simulate.invariants`): slower,
        raises :class:`~coldstart.simulate.invariants.InvariantError` on the first violation.
    profile : dict, optional
        When given, filled with the seconds spent per component (``damage``, ``crews``,
        ``power``, ``overload``, ``heat``, ``homes``, ``people``, ``recording``, ``checks``)
        and ``setup``; the caller's dict is the only thing written.
    observe : callable, optional
        Called as ``observe(run, step)`` after each step, before ``progress``, with the
        :class:`Run` (its states, e.g. ``run.home.ta``, the indoor temperatures [°C]); it must
        only read them (the web dashboard keeps hourly indoor temperatures this way).

    Returns
    -------
    Result
    """
    cc = city if isinstance(city, CompiledCity) else compile_city(city)
    t0 = perf_counter()
    left_out = hits_left_out(scenario, cc.city)
    scenario = resolve_hits(scenario, cc.city)  # hits named by kind and rank -> asset ids
    run = Run(cc, scenario, scenario.seed if seed is None else int(seed))
    setup_s = perf_counter() - t0
    for k in range(run.clock.steps):
        run.step(k, check)
        if observe is not None:
            observe(run, k)
        if progress is not None:
            progress(k + 1, run.clock.steps)
    t0 = perf_counter()
    result = run.result()
    if left_out:  # (a scenario's hits the city cannot take, for the report to say)
        result = dataclasses.replace(result, meta={**result.meta, "hits_left_out": left_out})
    if profile is not None:
        profile.update(run.profile())
        profile["setup"] = round(setup_s, 6)
        profile["result"] = round(perf_counter() - t0, 6)
    return result
