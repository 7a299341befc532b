"""The ``optimized`` dispatch policy: the crew desk plans each crew type's next hours.

At a decision point (a crew free while more tasks of its type are ready than crews are free:
after new damage, a task done, an alert or a shift ending) the desk builds a planning
:class:`~coldstart.restore.optimize.Instance` from the run's state and asks
:func:`~coldstart.restore.optimize.plan_crews` for a plan; each free crew takes the first task
of its planned sequence. The plan is kept until the state changes (the same ready tasks, the
same crews: the same plan).

What a task is worth (:meth:`Planner.instance`):

- a building's refill or system repair: the people at home there (a vulnerable person counts
  ``policies.vulnerable_weight`` times) from the hour its air falls below 12 degC without heat:
  the slow mode of its two-node RC model, ``tau ln((T_air - T_out) / (12 - T_out))`` (0 when it
  is colder already);
- a drain: ``DRAIN_WEIGHT`` times its residents from the hour its pipes freeze
  (:func:`~coldstart.thermal.freezing.hours_to_freeze_now`): a drain after that is too late;
- a repair: the people it brings back now (:mod:`coldstart.restore.benefit`), times the share
  of residents at home and the city's vulnerable weighting, from now;
- a reset: every resident, from now (as ``greatest_benefit``).

Work and travel are stretched by the expected share of time crews stand still (random alerts
with their clearance; shifts), not by the run's drawn alerts, which the desk cannot foresee.
Tasks waiting for power at their site are not ready and are not planned (their precedence is
met by the repairs in the plan, outside it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from coldstart.restore.optimize import Instance, PlanResult, plan_crews
from coldstart.restore.repairs import RepairBook, Task, TaskKind
from coldstart.scenario.model import Scenario
from coldstart.thermal.exposure import SAFETY_C
from coldstart.thermal.freezing import hours_to_freeze_now, space_temp_c

DRAIN_WEIGHT = 10.0
"""Weight of a building's residents in a drain task (as ``greatest_benefit``'s)."""

MAX_PLAN_TASKS = 12
"""At most this many ready tasks of a type are planned (those of the highest weight per hour of
work; the others wait for a later decision)."""

MAX_PLAN_CREWS = 8
"""At most this many crews of a type are planned (the free ones, then the busy ones that are
free first); with more crews free at once, the free crews take tasks by the apparent-tardiness
rule instead (:func:`atc_order`)."""

MILP_MAX_TASKS = 8
"""Instances of at most this many tasks (and :data:`MILP_MAX_CREWS` crews) also go to the
MILP."""

MILP_MAX_CREWS = 4
"""Instances of more crews are planned by the local search alone (the big-M MILP of many
identical crews is slow to close)."""

LOCAL_SEARCH_EVALS = 2_000
"""Plan evaluations the local search may spend per decision."""

MILP_NODES = 500
"""Branch-and-bound nodes the MILP may spend per decision."""


@dataclass
class PlanContext:
    """The run's state a plan needs, per building (arrays of the current step)."""

    temp_out_c: float
    temp_air_c: np.ndarray
    t_water_c: np.ndarray
    ice_kh: np.ndarray
    people_home: np.ndarray
    vulnerable_home: np.ndarray


@dataclass
class PlanStats:
    """Per-run record of the planner's decisions."""

    decisions: int = 0
    solver_calls: int = 0
    proved_optimal: int = 0
    gaps: list[float] = field(default_factory=list)
    ms: list[float] = field(default_factory=list)
    saved: list[float] = field(default_factory=list)

    def add(self, r: PlanResult) -> None:
        """Record one planning call."""
        self.decisions += 1
        self.ms.append(1000.0 * r.seconds)
        self.saved.append(r.greedy_cost - r.cost)
        if r.solver_called:
            self.solver_calls += 1
            self.proved_optimal += int(r.proved_optimal)
            if math.isfinite(r.gap):
                self.gaps.append(r.gap)

    def summary(self) -> dict[str, float | int | None]:
        """The figures a run reports (``Result.meta["dispatch_planning"]``)."""
        mean = lambda xs: round(float(np.mean(xs)), 6) if xs else None  # noqa: E731
        return {
            "dispatch_decisions": self.decisions,
            "dispatch_solver_calls": self.solver_calls,
            "dispatch_proved_optimal_share": (
                round(self.proved_optimal / self.solver_calls, 6) if self.solver_calls else None
            ),
            "dispatch_mean_gap": mean(self.gaps),
            "dispatch_decision_ms_mean": mean(self.ms),
            "dispatch_decision_ms_max": round(max(self.ms), 3) if self.ms else None,
            "dispatch_planned_saving_mean": mean(self.saved),
        }


def stretch(scenario: Scenario) -> float:
    """Expected wall hours per crew hour [-]: random alerts with their clearance, and shifts."""
    a, c = scenario.alerts, scenario.crews
    stopped = min(0.9, a.random_per_day * (a.mean_duration_h + a.clearance_h) / 24.0)
    return (24.0 / c.shift_h) / (1.0 - stopped)


def atc_order(weight, work_h, onset_h, k: float = 2.0) -> np.ndarray:
    """Task order by the apparent-tardiness-cost rule [VEPSALAINEN-1987]: weight per hour of
    work, discounted by how far its onset lies beyond its work (``exp(-slack / (k mean p))``)."""
    p = np.maximum(np.asarray(work_h, float), 1e-9)
    slack = np.maximum(0.0, np.asarray(onset_h, float) - p)
    prio = np.asarray(weight, float) / p * np.exp(-slack / (k * p.mean()))
    return np.argsort(-prio, kind="stable")


class Planner:
    """Plans for the ``optimized`` policy of one run (its cache and its statistics)."""

    def __init__(self, scenario: Scenario, residents: np.ndarray, tau_h: np.ndarray, b_index):
        self.scenario = scenario
        self.residents = residents
        self.tau_h = tau_h
        self.b_index = b_index
        self.stretch = stretch(scenario)
        self.stats = PlanStats()
        self._cache: dict[str, tuple] = {}

    def _person_weight(self, ctx: PlanContext, b: int) -> float:
        vw = self.scenario.policies.vulnerable_weight
        return float(ctx.people_home[b] + (vw - 1.0) * ctx.vulnerable_home[b])

    def _onset_h(self, ctx: PlanContext, b: int) -> float:
        ta, to = float(ctx.temp_air_c[b]), ctx.temp_out_c
        if ta <= SAFETY_C or to >= SAFETY_C:
            return 0.0 if ta <= SAFETY_C else math.inf
        return float(self.tau_h[b] * math.log((ta - to) / (SAFETY_C - to)))

    def worth(self, ctx: PlanContext, task: Task, gain: float) -> tuple[float, float]:
        """Weight [person-weight] and onset [h from now] of a task (see the module text)."""
        if task.kind == TaskKind.RESET:
            return float(self.residents.sum()), 0.0
        if task.kind == TaskKind.REPAIR:
            home = float(ctx.people_home.sum())
            vw = self.scenario.policies.vulnerable_weight
            share = home / max(float(self.residents.sum()), 1e-9)
            tilt = 1.0 + (vw - 1.0) * float(ctx.vulnerable_home.sum()) / max(home, 1e-9)
            return gain * share * tilt, 0.0
        b = self.b_index[task.asset_id]
        if task.kind == TaskKind.DRAIN:
            space = space_temp_c(ctx.temp_out_c, ctx.temp_air_c[[b]])
            freeze = hours_to_freeze_now(ctx.t_water_c[[b]], ctx.ice_kh[[b]], space)[0]
            return DRAIN_WEIGHT * float(self.residents[b]), float(freeze)
        return self._person_weight(ctx, b), self._onset_h(ctx, b)

    def choose(
        self,
        book: RepairBook,
        t_h: float,
        free: list[int],
        cands: list[Task],
        gains: np.ndarray,
        ctx: PlanContext,
    ) -> dict[int, int]:
        """Which candidate (index into ``cands``) each free crew (position in ``book.crews``)
        takes now; crews left out stay free."""
        worth = np.array([self.worth(ctx, t, g) for t, g in zip(cands, gains, strict=True)])
        weight, onset = worth[:, 0], np.minimum(worth[:, 1], 1e6)
        work = np.array([t.remaining_h for t in cands]) * self.stretch
        if len(cands) <= len(free) or len(free) > MAX_PLAN_CREWS:
            return self._by_rule(book, free, cands, weight, work, onset)
        ctype = cands[0].crew_type
        busy = [i for i, c in enumerate(book.crews)
                if c.crew_type == ctype and c.task is not None]  # fmt: skip
        left = lambda i: book.tasks[book.crews[i].task]  # noqa: E731
        busy.sort(key=lambda i: left(i).travel_left_h + max(left(i).remaining_h, 0.0))
        crews = free + busy[: max(0, MAX_PLAN_CREWS - len(free))]
        keep = atc_order(weight, work, onset)[:MAX_PLAN_TASKS]
        key = (tuple(c.key for c in cands), tuple(crews), tuple(book.crews[i].task for i in crews))
        hit = self._cache.get(ctype)
        if hit is None or hit[0] != key:
            inst = self._instance(book, t_h, crews, [cands[j] for j in keep], weight[keep],
                                  work[keep], onset[keep])  # fmt: skip
            res = plan_crews(
                inst,
                milp_max_tasks=MILP_MAX_TASKS if len(crews) <= MILP_MAX_CREWS else 0,
                max_evals=LOCAL_SEARCH_EVALS,
                max_nodes=MILP_NODES,
                time_limit_s=0.5,
            )
            self.stats.add(res)
            hit = (key, res.plan)
            self._cache[ctype] = hit
        plan = hit[1]
        return {i: int(keep[plan[n][0]]) for n, i in enumerate(crews[: len(free)]) if plan[n]}

    def _by_rule(self, book, free, cands, weight, work, onset) -> dict[int, int]:
        """Free crews take tasks in apparent-tardiness order, each the nearest of the next
        ones (no planning: every task gets a crew now, or too many crews are free to plan)."""
        order = list(atc_order(weight, work, onset)[: len(free)])
        out: dict[int, int] = {}
        for i in free:
            if not order:
                break
            crew = book.crews[i]
            d = [math.hypot(cands[j].x_m - crew.x_m, cands[j].y_m - crew.y_m) for j in order]
            out[i] = int(order.pop(int(np.argmin(d))))
        return out

    def _instance(self, book, t_h, crews, tasks, weight, work, onset) -> Instance:
        """The planning instance of ``tasks`` and ``crews`` at ``t_h`` (hours from now)."""
        sp, s = book.speed_m_h, self.stretch
        xy = np.array([(t.x_m, t.y_m) for t in tasks])
        free_h, cxy = [], []
        for i in crews:
            c = book.crews[i]
            if c.task is None:
                free_h.append(0.0)
                cxy.append((c.x_m, c.y_m))
            else:
                busy = book.tasks[c.task]
                free_h.append((busy.travel_left_h + max(busy.remaining_h, 0.0)) * s)
                cxy.append((busy.x_m, busy.y_m))
        cxy_a = np.asarray(cxy, float)
        travel = np.hypot(*(cxy_a[:, None, :] - xy[None]).transpose(2, 0, 1)) / sp * s
        between = np.hypot(*(xy[:, None, :] - xy[None]).transpose(2, 0, 1)) / sp * s
        return Instance(
            work_h=np.asarray(work, float),
            ready_h=np.array([max(0.0, t.part_ready_h - t_h) for t in tasks]),
            weight=np.asarray(weight, float),
            onset_h=np.asarray(onset, float),
            task_type=np.zeros(len(tasks), int),
            crew_type=np.zeros(len(crews), int),
            free_h=np.asarray(free_h, float),
            travel_h=travel,
            between_h=between,
        )
