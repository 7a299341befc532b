"""The crew desk: repair, refill and reset tasks; shifts and alerts; dispatch by policy.

State: the run's :class:`~coldstart.restore.repairs.RepairBook` (tasks, crews, spare parts),
whether crews stood still in the previous step (for the paused/resumed events), and the cache
of benefit estimates per topology version (``greatest_benefit``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from coldstart.compiled import CompiledCity
from coldstart.restore.benefit import HEAT_WEIGHT, benefits
from coldstart.restore.repairs import RepairBook, Task, TaskKind
from coldstart.scenario.model import CREW_TYPES, Scenario
from coldstart.scenario.strikes import Damage
from coldstart.simulate.damage import DamageState
from coldstart.simulate.events import EventKind, EventLog
from coldstart.simulate.planning import PlanContext, Planner
from coldstart.thermal.rc import slow_time_constant_h

DRAIN_WEIGHT = 10.0
"""Weight of a building's residents in a drain task's benefit [-]: a drain avoids a freeze,
which costs days of repair, so plumbers drain before they refill (``greatest_benefit``)."""


@dataclass
class CrewState:
    """Mutable crew state of one run."""

    book: RepairBook
    were_stopped: bool = False
    paused: bool = False
    benefit_cache: dict[tuple[int, str], float] = field(default_factory=dict)
    planner: Planner | None = None  # ``optimized``: the run's planner (cache, statistics)


@dataclass(frozen=True)
class CrewStep:
    """What the crews did in one step."""

    started: list[Task]
    finished: list[Task]
    working: int


class CrewDesk:
    """Opens tasks and steps the crews of one compiled city under one scenario."""

    def __init__(self, cc: CompiledCity, scenario: Scenario, residents: np.ndarray):
        self.cc = cc
        self.scenario = scenario
        self.residents = residents
        self.b_index = {bid: i for i, bid in enumerate(cc.city.buildings.building_id)}

    def initial_state(self) -> CrewState:
        """Every crew at the depot, no task, spare parts in stock."""
        crews = self.scenario.crews
        book = RepairBook(
            {k: getattr(crews, k) for k in CREW_TYPES},
            policy=self.scenario.policies.dispatch,
            depot_xy_m=(0.0, 0.0),  # the compiled frame is centred on the city
            speed_kmh=crews.speed_kmh,
            road_factor=crews.road_factor,
            spares={k: (v.stock, v.lead_time_h) for k, v in self.scenario.spares.items()},
        )
        planner = None
        if self.scenario.policies.dispatch == "optimized":
            tau_h = slow_time_constant_h(self.cc.rc)
            planner = Planner(self.scenario, self.residents, tau_h, self.b_index)
        return CrewState(book, planner=planner)

    def open_repair(self, st: CrewState, dmg: Damage, rng: np.random.Generator) -> Task:
        """Open (or worsen) the repair task of a damaged asset."""
        ae = self.cc.assets
        i = ae.index[dmg.asset_id]
        return st.book.add(
            dmg,
            ae.kind[i],
            rng,
            ae.dn_mm[i],
            tuple(ae.xy_m[i]),
            ae.spare_class[i],
            self.scenario.damage.repair_time_scale,
        )

    def open_task(
        self,
        st: CrewState,
        kind: TaskKind,
        target: str,
        crew: str,
        work_h: float,
        t_h: float,
        xy_m: tuple[float, float],
    ) -> Task:
        """Open a refill or reset task."""
        return st.book.add_task(kind, target, crew, work_h, t_h, xy_m)

    def _stopped(
        self, st: CrewState, k: int, hour_of_day: float, alert_stop: bool, t_h: float, log: EventLog
    ) -> bool:
        crews = self.scenario.crews
        off_shift = (hour_of_day - crews.shift_start_h) % 24.0 >= crews.shift_h
        stop_now = alert_stop or off_shift
        if stop_now != st.were_stopped:
            busy = sum(c.task is not None for c in st.book.crews)
            if stop_now and busy:
                why = "air-raid alert" if alert_stop else "end of shift"
                log.log(t_h, EventKind.CREWS_PAUSED, "", f"{busy} crews stop: {why}")
                st.paused = True
            elif not stop_now and st.paused:
                log.log(t_h, EventKind.CREWS_RESUMED, "", f"{busy} crews back at work")
                st.paused = False
            st.were_stopped = stop_now
        return stop_now

    def _benefit(self, st: CrewState, dmg: DamageState, backup: tuple[np.ndarray, np.ndarray]):
        """People each candidate task brings back (``greatest_benefit``)."""

        def gains(tasks: list[Task]) -> np.ndarray:
            version = dmg.version
            repairs = [t.asset_id for t in tasks if t.kind == TaskKind.REPAIR]
            todo = [a for a in repairs if (version, a) not in st.benefit_cache]
            if todo:
                got = benefits(
                    self.cc, dmg.outage, todo, self.residents, *backup, tripped=dmg.tripped
                )
                st.benefit_cache.update({(version, a): g for a, g in zip(todo, got, strict=True)})
            return np.array([self._gain(st, t, version) for t in tasks])

        return gains

    def _gain(self, st: CrewState, task: Task, version: int) -> float:
        if task.kind == TaskKind.DRAIN:  # a frozen system costs days: drains come first
            return DRAIN_WEIGHT * self.residents[self.b_index[task.asset_id]]
        if task.kind in (TaskKind.REFILL, TaskKind.SYSTEM_REPAIR, TaskKind.BRANCH_REPAIR):
            return HEAT_WEIGHT * self.residents[self.b_index[task.asset_id]]
        if task.kind == TaskKind.RESET:
            return float(self.residents.sum())  # a tripped branch: reset at once
        return st.benefit_cache[(version, task.asset_id)]

    def _can_start(self, dmg: DamageState):
        """Precedence: a task whose site needs power waits until its node is energized."""
        ae, node_on = self.cc.assets, dmg.topology.node_on

        def can(task: Task) -> bool:
            if task.kind != TaskKind.REPAIR:
                return True  # asked only once heat can reach the building
            i = ae.index[task.asset_id]
            b1, b2 = ae.power_node[i], ae.power_node2[i]
            if b1 < 0:
                return True
            return bool(node_on[b1] or (b2 >= 0 and node_on[b2]))

        return can

    def step(
        self,
        st: CrewState,
        k: int,
        t_h: float,
        dt_h: float,
        hour_of_day: float,
        alert_stop: bool,
        dmg: DamageState,
        backup: tuple[np.ndarray, np.ndarray],
        log: EventLog,
        ctx: Callable[[], PlanContext] | None = None,
    ) -> CrewStep:
        """Pause or resume for alerts and shifts, dispatch free crews, travel and work a step.

        ``backup`` holds the pumps' and sources' backup-fuel flags (for benefit estimates);
        ``ctx`` gives the buildings' state a plan needs (``optimized``).
        """
        stop_now = self._stopped(st, k, hour_of_day, alert_stop, t_h, log)
        plan = None
        if st.planner is not None and ctx is not None:
            planner = st.planner

            def plan(book, t, free, cands, gains):
                return planner.choose(book, t, free, cands, gains, ctx())

        started, finished, working = st.book.step(
            t_h, dt_h, stop_now, self._can_start(dmg), self._benefit(st, dmg, backup), plan
        )
        for task in started:
            if task.kind == TaskKind.REFILL:
                log.log(
                    t_h,
                    EventKind.REFILL_START,
                    task.asset_id,
                    f"plumbing, {task.work_h:.1f} h of work",
                )
            elif task.kind in (TaskKind.REPAIR, TaskKind.SYSTEM_REPAIR, TaskKind.BRANCH_REPAIR):
                what = "" if task.kind == TaskKind.REPAIR else f"{task.kind.value}: "
                log.log(
                    t_h,
                    EventKind.REPAIR_START,
                    task.asset_id,
                    f"{what}{task.crew_type}, {task.work_h:.1f} h of work",
                )
        return CrewStep(started, finished, working)
