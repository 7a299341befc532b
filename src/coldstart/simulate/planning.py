"""The ``optimized`` dispatch policy: the crew desk plans each crew type's next hours.

At a decision point (a crew free while more tasks of its type are ready than crews are free:
after new damage, a task done, an alert or a shift ending) the desk builds a planning
:class:`~coldstart.restore.optimize.Instance` from the run's state and asks
:func:`~coldstart.restore.optimize.plan_crews` for a plan; each free crew takes the first task
of its planned sequence (a free crew the plan leaves idle takes the next task beyond the plan:
crews never stand still while a task waits). The plan is kept until the state changes (the same
ready tasks, the same crews: the same plan).

What a task is worth (:meth:`Planner.worths`):

- a building's refill or system repair: the people at home there (a vulnerable person counts
  ``policies.vulnerable_weight`` times) from the hour its air falls below 12 degC without heat:
  the slow mode of its two-node RC model, ``tau ln((T_air - T_out) / (12 - T_out))`` (0 when it
  is colder already), times how far the heat its circuit can give it now would keep it at
  12 degC (:meth:`Planner._warm_share`: a building reconnected to a circuit short of capacity,
  at a tenth of its need, stays cold whatever its own system: on the 10,000-building city,
  seed 20260109 under ``greatest_benefit``, 493 of the 1,838 buildings waiting for a refill
  or a repair at 72 h were in circuits at under 0.3 of their need);
- a drain: a deadline, the hour its pipes freeze
  (:func:`~coldstart.thermal.freezing.hours_to_freeze_now`; the water model calls a drain off
  then); done later, it costs its people (weighted as above) the hours from when the operators
  expect heat back to the end of the run (nothing where heat is not expected back within the
  run: on the 10,000-building city, seed 20260109, the 755 drain-ordered buildings the
  operators did not expect heat back to that got it anyway got it at a median 0.12 of their
  need, through link valves; the 1,575 they expected it back to got all of it). Drains that
  cannot beat the frost any more are not taken; those that can come before other plumbing work
  (``greatest_benefit`` also puts drains first), by that worth per hour of travel and work;
- a repair: the people it brings back now (:mod:`coldstart.restore.benefit`), times the share
  of residents at home and the city's vulnerable weighting, from now;
- a reset: every resident, from now (as ``greatest_benefit``).

The crews of asset repairs and resets (power lines, substations, heat network, plants) keep
``greatest_benefit``'s ratio rule in a run: their benefit estimate counts the people a source
*reaches*, not the heat it lacks when the city is short of capacity, and planning on it made
runs worse (the demo, seed 20260121: the plant crews took a 74 h repair first and the week's
person-hours below 12 degC rose 4.3 %; ``benchmarks/bench_plan.py``). Their order matters
little in the built-in week: ten times those crews alone leave the 10,000-building city's
person-hours below 12 degC as they are (``benchmarks/bench_plan.py`` prints it); ten times the
plumbers alone save 6.5 % of them, ten times every crew 7.8 % (6 paired seeds): the drains
before the frost and the refills after it decide the exposure there. The planner itself
handles their precedence pairs and spare parts (:mod:`coldstart.restore.optimize`); what it
lacks for them is a trustworthy weight.

Work and travel are stretched by the expected share of time crews stand still (random alerts
with their clearance; shifts), not by the run's drawn alerts, which the desk cannot foresee.
Tasks waiting for power at their site are not ready and are not planned (the precedence pairs
of an instance are not used in a run: repairs that would give their site power are dispatched by
the ratio rule, above).
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

WARM_RAMP_C = 4.0
"""Width of the ramp of :meth:`Planner._warm_share` around 12 degC [K]: a building whose heat
would hold it a little below 12 degC still gains hours (it cools slowly), one whose heat holds
it a little above may still fall below (cold flats, drafts)."""

RULE_POOL = 4
"""Without a plan, free crews choose among this many of the first tasks per free crew
(:meth:`Planner._by_rule`; on the 10,000-building city the ratio rule over four per crew saved
0.08 % more than each crew taking the nearest of one per crew, 6 paired seeds)."""

MAX_PLAN_TASKS = 12
"""At most this many ready tasks of a type are planned (those of the highest weight per hour of
work; the others wait for a later decision)."""

MAX_PLAN_CREWS = 8
"""At most this many crews of a type are planned (the free ones, then the busy ones that are
free first); with more crews free at once, each free crew takes by the ratio rule one of the
first tasks in priority order instead (:meth:`Planner._by_rule`; :meth:`Planner._priority`:
drains by the ratio rule, then the apparent-tardiness rule, :func:`atc_order`)."""

MILP_MAX_TASKS = 6
"""Instances of at most this many tasks (and :data:`MILP_MAX_CREWS` crews) also go to the
MILP."""

MILP_MAX_CREWS = 8
"""Instances of more crews are planned by the local search alone (the big-M MILP of many
identical crews is slow to close)."""

LOCAL_SEARCH_EVALS = 2_000
"""Plan evaluations the local search may spend per decision."""

MILP_NODES = 200
"""Branch-and-bound nodes the MILP may spend per decision: the limit that binds, so that a run
does not depend on the machine's speed."""

MILP_SAFETY_S = 30.0
"""Wall-clock limit of one MILP solve [s]: a safety net only, far above what the node limit
lets it take (at most about half a second measured; ``benchmarks/bench_plan.py``)."""


@dataclass
class PlanContext:
    """The run's state a plan needs, per building (arrays of the current step)."""

    temp_out_c: float
    temp_air_c: np.ndarray
    t_water_c: np.ndarray
    ice_kh: np.ndarray
    people_home: np.ndarray
    vulnerable_home: np.ndarray
    left_h: float = math.inf  # hours to the end of the run
    expected_outage_h: np.ndarray | None = None  # the operators' last estimate, per building
    heat_level: np.ndarray | None = None  # share of its need a working system would get


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
    if not len(p):
        return np.zeros(0, int)
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

    def _person_weight(self, ctx: PlanContext, b) -> np.ndarray:
        """People at home in buildings ``b``, a vulnerable person counting
        ``policies.vulnerable_weight`` times [person-weight]."""
        vw = self.scenario.policies.vulnerable_weight
        return ctx.people_home[b] + (vw - 1.0) * ctx.vulnerable_home[b]

    def _onset_h(self, ctx: PlanContext, b) -> np.ndarray:
        """Hours until the air of buildings ``b`` falls below 12 degC without heat (slow RC
        mode; 0 when colder already, inf when the outdoors is not colder)."""
        ta, to = np.asarray(ctx.temp_air_c[b], float), ctx.temp_out_c
        if to >= SAFETY_C:
            return np.where(ta <= SAFETY_C, 0.0, np.inf)
        ratio = np.maximum(ta - to, SAFETY_C - to) / (SAFETY_C - to)
        return self.tau_h[b] * np.log(ratio)

    def _warm_share(self, ctx: PlanContext, b) -> np.ndarray:
        """How far heat at its circuit's level (``ctx.heat_level``) would keep the air of
        buildings ``b`` at or above 12 degC [0-1]: the steady state ``T_out + level (T_set -
        T_out)`` against 12 degC, ramped over :data:`WARM_RAMP_C` (1 without levels, or when
        the outdoors is not colder than 12 degC)."""
        n = len(np.atleast_1d(b))
        to = ctx.temp_out_c
        if ctx.heat_level is None or to >= SAFETY_C:
            return np.ones(n)
        t_eq = to + ctx.heat_level[b] * (self.scenario.setpoint_c - to)
        return np.clip((t_eq - (SAFETY_C - WARM_RAMP_C / 2)) / WARM_RAMP_C, 0.0, 1.0)

    def worths(
        self, ctx: PlanContext, tasks: list[Task], gains: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Weight, onset [h from now] and deadline flag of each task (see the module text):
        a hinge task's weight is a person-weight [1/h of lateness], a deadline task's (a drain)
        the weighted person-hours a freeze costs."""
        n = len(tasks)
        weight, onset, lump = np.zeros(n), np.zeros(n), np.zeros(n, bool)
        kinds = [t.kind for t in tasks]
        home = float(ctx.people_home.sum())
        vw = self.scenario.policies.vulnerable_weight
        share = home / max(float(self.residents.sum()), 1e-9)
        tilt = 1.0 + (vw - 1.0) * float(ctx.vulnerable_home.sum()) / max(home, 1e-9)
        for i, (kind, g) in enumerate(zip(kinds, gains, strict=True)):
            if kind == TaskKind.RESET:
                weight[i] = float(self.residents.sum())
            elif kind == TaskKind.REPAIR:
                weight[i] = g * share * tilt
        bt = [i for i, k in enumerate(kinds) if k not in (TaskKind.RESET, TaskKind.REPAIR)]
        if not bt:
            return weight, onset, lump
        b = np.array([self.b_index[tasks[i].asset_id] for i in bt])
        drain = np.array([kinds[i] == TaskKind.DRAIN for i in bt])
        pw = self._person_weight(ctx, b)
        weight[bt], onset[bt] = pw * self._warm_share(ctx, b), self._onset_h(ctx, b)
        if drain.any():
            d = np.asarray(bt)[drain]
            bd = b[drain]
            space = space_temp_c(ctx.temp_out_c, ctx.temp_air_c[bd])
            onset[d] = hours_to_freeze_now(ctx.t_water_c[bd], ctx.ice_kh[bd], space)
            back = np.zeros(len(bd)) if ctx.expected_outage_h is None else ctx.expected_outage_h[bd]
            heated_h = np.where(back < ctx.left_h, ctx.left_h - np.minimum(back, ctx.left_h), 0.0)
            weight[d] = pw[drain] * heated_h
            lump[d] = True
        return weight, onset, lump

    def choose(
        self,
        book: RepairBook,
        t_h: float,
        free: list[int],
        cands: list[Task],
        gains: np.ndarray,
        ctx: PlanContext,
    ) -> dict[int, int] | None:
        """Which candidate (index into ``cands``) each free crew (position in ``book.crews``)
        takes now; crews left out stay free. None for the asset crews (repairs, resets): they
        take tasks by ``greatest_benefit``'s ratio rule (see the module text)."""
        if any(t.kind in (TaskKind.REPAIR, TaskKind.RESET) for t in cands):
            return None
        weight, onset, lump = self.worths(ctx, cands, gains)
        onset = np.minimum(onset, 1e6)
        work = np.array([t.remaining_h for t in cands]) * self.stretch
        keep = self._priority(book, free, cands, weight, work, onset, lump)
        if len(free) > MAX_PLAN_CREWS or len(keep) <= len(free):
            return self._by_rule(book, free, cands, keep, weight, work)
        ctype = cands[0].crew_type
        busy = [i for i, c in enumerate(book.crews)
                if c.crew_type == ctype and c.task is not None]  # fmt: skip
        left = lambda i: book.tasks[book.crews[i].task]  # noqa: E731
        busy.sort(key=lambda i: left(i).travel_left_h + max(left(i).remaining_h, 0.0))
        crews = free + busy[: max(0, MAX_PLAN_CREWS - len(free))]
        first = keep[:MAX_PLAN_TASKS]
        key = (tuple(c.key for c in cands), tuple(crews), tuple(book.crews[i].task for i in crews))
        hit = self._cache.get(ctype)
        if hit is None or hit[0] != key:
            inst = self._instance(book, t_h, crews, [cands[j] for j in first], weight[first],
                                  work[first], onset[first], lump[first])  # fmt: skip
            res = plan_crews(
                inst,
                milp_max_tasks=MILP_MAX_TASKS if len(crews) <= MILP_MAX_CREWS else 0,
                max_evals=LOCAL_SEARCH_EVALS,
                max_nodes=MILP_NODES,
                time_limit_s=MILP_SAFETY_S,
            )
            self.stats.add(res)
            hit = (key, res.plan, first)
            self._cache[ctype] = hit
        plan, planned = hit[1], hit[2]  # the plan's indices are into the tasks it was made for
        picks = {i: int(planned[plan[n][0]]) for n, i in enumerate(crews[: len(free)]) if plan[n]}
        # no free crew idles while a task waits: the plan covers only the first tasks, and a
        # crew it leaves free would stand still until the next decision point
        firsts = {int(planned[seq[0]]) for seq in plan if seq}
        spare = [int(j) for j in keep if int(j) not in firsts]
        for i in free:
            if i not in picks and spare:
                picks[i] = spare.pop(0)
        return picks

    def _priority(self, book, free, cands, weight, work, onset, lump) -> np.ndarray:
        """Candidates in priority order: first the drains that can still beat the frost, by
        the heat their people keep per hour of travel and work from the nearest free crew (the
        ratio rule: with far more drains ordered than plumbers can do, the earliest deadline
        first would send crews across the city and save fewer), those that cannot left out
        (they would be called off at the freeze); then the other tasks in apparent-tardiness
        order (their people's hour below 12 degC, per hour of work and of travel from the
        nearest free crew); last the drains that keep no heat within the run (worth 0: heat
        not expected back before its end)."""
        xy = np.array([(t.x_m, t.y_m) for t in cands])
        cxy = np.array([(book.crews[i].x_m, book.crews[i].y_m) for i in free])
        near_h = np.hypot(*(xy[:, None, :] - cxy[None]).transpose(2, 0, 1)).min(axis=1)
        near_h = near_h / book.speed_m_h
        raw_h = near_h + work / self.stretch
        hopeless = lump & (onset < raw_h)
        drains = np.flatnonzero(lump & ~hopeless & (weight > 0))
        drains = drains[
            np.argsort(-weight[drains] / np.maximum(raw_h[drains], 1e-9), kind="stable")
        ]
        rest = np.flatnonzero(~lump)
        rest = rest[atc_order(weight[rest], work[rest] + near_h[rest] * self.stretch, onset[rest])]
        idle = np.flatnonzero(lump & ~hopeless & (weight <= 0))  # heat not back in the run
        return np.concatenate([drains, rest, idle]).astype(int)

    def _by_rule(self, book, free, cands, priority, weight, work) -> dict[int, int]:
        """Free crews take tasks by the ratio rule without planning (every task gets a crew
        now, or too many crews are free to plan): each in turn the task of the highest weight
        per hour of its own travel and work among the first :data:`RULE_POOL` per free crew
        in ``priority`` order (:meth:`_priority`)."""
        pool = [int(j) for j in priority[: RULE_POOL * len(free)]]
        out: dict[int, int] = {}
        for i in free:
            if not pool:
                break
            crew = book.crews[i]
            p = np.asarray(pool)
            xy = np.array([(cands[j].x_m, cands[j].y_m) for j in pool])
            trip_h = np.hypot(xy[:, 0] - crew.x_m, xy[:, 1] - crew.y_m) / book.speed_m_h
            rate = weight[p] / np.maximum(trip_h * self.stretch + work[p], 1e-9)
            out[i] = pool.pop(int(np.argmax(rate)))
        return out

    def _instance(self, book, t_h, crews, tasks, weight, work, onset, lump) -> Instance:
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
            deadline=np.asarray(lump, bool),
        )
