"""Planning the crews' next hours: the cold-exposure objective, its heuristics and exact search.

A planning :class:`Instance` holds the waiting tasks (crew type, work, when a part is ready,
precedence pairs) and the crews (type, when each is free, travel times). A :data:`Plan` gives
every crew an ordered sequence of tasks. Its cost is the expected cold exposure the plan leaves:

    sum over tasks j of  weight_j * max(0, C_j - onset_j)   [weighted person-hours]

where ``C_j`` is the task's completion, ``weight_j`` the person-weight per hour of cold
exposure its completion stops (people at home it brings back, vulnerable people weighted
higher) and ``onset_j`` the hour its people would fall below 12 degC without it (0 when they are
cold now; from the thermal model's cooling forecast). This is the weighted-tardiness form of
the weighted completion time that restoration ordering minimises [PMR-2021]; with all onsets 0
it is exactly weighted completion time, which Smith's ratio rule (greatest benefit per hour of
work) orders optimally on one crew without travel or release times [SMITH-1956].

Work and travel are scaled by :attr:`Instance.stretch` ahead of planning (time stopped by
alerts and shifts, in expectation), so a plan counts the expected stops.

:func:`greedy_plan` is ``greatest_benefit`` as list scheduling: the crew free first takes the
available task of the highest weight per hour of travel and work. :func:`local_search` improves
a plan by moving a task (insert) or exchanging two tasks (swap), within and across crews of the
task's type. :func:`brute_force` enumerates every plan of a small instance (the exact optimum);
:mod:`coldstart.restore.schedule_milp` solves the MILP. :func:`plan_crews` combines them.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from time import perf_counter

import numpy as np

Plan = tuple[tuple[int, ...], ...]
"""One ordered tuple of task indices per crew."""


@dataclass(frozen=True)
class Instance:
    """A crew-planning problem (times in hours from now; arrays are not modified).

    Attributes
    ----------
    work_h : numpy.ndarray
        Work of each task [h].
    ready_h : numpy.ndarray
        Earliest start of each task's work (its spare part at hand) [h].
    weight : numpy.ndarray
        Person-weight per hour by which the task's completion lowers cold exposure [1/h].
    onset_h : numpy.ndarray
        When the task's people start accruing cold exposure without it [h] (0: now).
    task_type : numpy.ndarray of int
        Crew type code of each task.
    crew_type : numpy.ndarray of int
        Crew type code of each crew.
    free_h : numpy.ndarray
        When each crew is free of its current work [h].
    travel_h : numpy.ndarray
        Travel of each crew from where it is to each task, shape (crews, tasks) [h].
    between_h : numpy.ndarray
        Travel from each task's site to each other's, shape (tasks, tasks) [h].
    precedence : tuple of (int, int)
        Pairs ``(a, b)``: task ``b`` may start only after task ``a`` is done.
    deadline : numpy.ndarray of bool, optional
        Tasks whose cost is a lump: ``weight`` [weighted person-hours] when done after
        ``onset_h`` (a drain after the pipes froze), nothing before.
    """

    work_h: np.ndarray
    ready_h: np.ndarray
    weight: np.ndarray
    onset_h: np.ndarray
    task_type: np.ndarray
    crew_type: np.ndarray
    free_h: np.ndarray
    travel_h: np.ndarray
    between_h: np.ndarray
    precedence: tuple[tuple[int, int], ...] = ()
    deadline: np.ndarray | None = None

    def __post_init__(self) -> None:
        # plain Python lists of the fields, for the cost of plans without precedence (the
        # inner loop of the local search and the brute force)
        fast = tuple(
            np.asarray(a, float).tolist()
            for a in (self.work_h, self.ready_h, self.weight, self.onset_h, self.free_h,
                      self.travel_h, self.between_h)
        )  # fmt: skip
        lump = np.zeros(len(self.work_h), bool) if self.deadline is None else self.deadline
        object.__setattr__(self, "_fast", (*fast, np.asarray(lump, bool).tolist()))

    @property
    def n_tasks(self) -> int:
        """Number of tasks."""
        return len(self.work_h)

    @property
    def n_crews(self) -> int:
        """Number of crews."""
        return len(self.crew_type)


def random_instance(seed: int, n: int = 6, m: int = 2, precedence: bool = False) -> Instance:
    """A random instance for tests and benchmarks: ``n`` tasks on a 10 km square (15 km/h), ``m``
    crews somewhere in it, a third of the parts late, half the people still warm, one crew
    type; with ``precedence``, task 0 before 1 and 2 before 3."""
    rng = np.random.default_rng(seed)
    xy, cxy = rng.uniform(-5, 5, (n, 2)), rng.uniform(-5, 5, (m, 2))
    dist = lambda a, b: np.hypot(*(a[:, None, :] - b[None]).transpose(2, 0, 1))  # noqa: E731
    return Instance(
        work_h=rng.lognormal(1.0, 0.6, n),
        ready_h=np.where(rng.random(n) < 0.3, rng.uniform(0, 8, n), 0.0),
        weight=rng.uniform(10, 1000, n),
        onset_h=np.where(rng.random(n) < 0.5, rng.uniform(0, 15, n), 0.0),
        task_type=np.zeros(n, int),
        crew_type=np.zeros(m, int),
        free_h=rng.uniform(0, 3, m),
        travel_h=dist(cxy, xy) / 15.0,
        between_h=dist(xy, xy) / 15.0,
        precedence=((0, 1), (2, 3)) if precedence else (),
    )


def completions_h(inst: Instance, plan: Plan) -> np.ndarray | None:
    """Completion of every task under ``plan`` [h] (NaN: not planned), each task starting as
    early as its crew, its travel, its part and its predecessors allow (a semi-active schedule);
    None when the precedence pairs and the sequences deadlock."""
    preds: dict[int, list[int]] = {}
    for a, b in inst.precedence:
        preds.setdefault(b, []).append(a)
    done = np.full(inst.n_tasks, np.nan)
    pos = [0] * len(plan)
    clock = [float(inst.free_h[k]) for k in range(len(plan))]
    last = [-1] * len(plan)
    left = sum(len(s) for s in plan)
    while left:
        moved = False
        for k, seq in enumerate(plan):
            while pos[k] < len(seq):
                j = seq[pos[k]]
                before = preds.get(j, ())
                if any(math.isnan(done[a]) for a in before):
                    break
                trip = inst.travel_h[k, j] if last[k] < 0 else inst.between_h[last[k], j]
                start = max(clock[k] + trip, inst.ready_h[j], *(done[a] for a in before))
                clock[k] = done[j] = start + inst.work_h[j]
                last[k] = j
                pos[k] += 1
                left -= 1
                moved = True
        if not moved:
            return None
    return done


def cost(inst: Instance, plan: Plan) -> float:
    """Expected cold exposure left by ``plan`` [weighted person-hours]; ``inf`` when it
    deadlocks or leaves a task out."""
    if not inst.precedence:
        return _cost_sequences(inst, plan)
    done = completions_h(inst, plan)
    if done is None or np.isnan(done).any():
        return math.inf
    late = np.maximum(0.0, done - inst.onset_h)
    if inst.deadline is not None:
        late = np.where(inst.deadline, (late > 0).astype(float), late)
    return float(np.dot(inst.weight, late))


def _cost_sequences(inst: Instance, plan: Plan) -> float:
    """:func:`cost` of a plan when no precedence ties the crews: each crew's sequence alone."""
    work, ready, weight, onset, free, travel, between, lump = inst._fast  # type: ignore[attr-defined]
    total = 0.0
    n = 0
    for k, seq in enumerate(plan):
        t = free[k]
        last = -1
        for j in seq:
            t = max(t + (travel[k][j] if last < 0 else between[last][j]), ready[j]) + work[j]
            if t > onset[j]:
                total += weight[j] if lump[j] else weight[j] * (t - onset[j])
            last = j
        n += len(seq)
    return total if n == inst.n_tasks else math.inf


def is_valid(inst: Instance, plan: Plan) -> bool:
    """Every task once, on a crew of its type."""
    seen = [j for seq in plan for j in seq]
    if sorted(seen) != list(range(inst.n_tasks)) or len(plan) != inst.n_crews:
        return False
    return all(inst.task_type[j] == inst.crew_type[k] for k, seq in enumerate(plan) for j in seq)


def greedy_plan(inst: Instance) -> Plan:
    """``greatest_benefit`` as list scheduling: the crew free first takes, among the tasks of
    its type whose predecessors are planned, the one of the highest weight per hour of travel
    and work (ties: the lower index)."""
    preds: dict[int, set[int]] = {}
    for a, b in inst.precedence:
        preds.setdefault(b, set()).add(a)
    seqs: list[list[int]] = [[] for _ in range(inst.n_crews)]
    clock = [float(t) for t in inst.free_h]
    planned: set[int] = set()
    while len(planned) < inst.n_tasks:
        best = None
        for k in sorted(range(inst.n_crews), key=lambda k: (clock[k], k)):
            cands = [
                j
                for j in range(inst.n_tasks)
                if j not in planned
                and inst.task_type[j] == inst.crew_type[k]
                and preds.get(j, set()) <= planned
            ]
            if cands:
                best = k, cands
                break
        if best is None:
            raise ValueError("some tasks have no crew of their type or a precedence cycle")
        k, cands = best
        last = seqs[k][-1] if seqs[k] else -1
        trip = [inst.travel_h[k, j] if last < 0 else inst.between_h[last, j] for j in cands]
        rate = [
            inst.weight[j] / max(t + inst.work_h[j], 1e-9) for j, t in zip(cands, trip, strict=True)
        ]
        i = int(np.argmax(rate))
        j = cands[i]
        clock[k] = max(clock[k] + trip[i], float(inst.ready_h[j])) + float(inst.work_h[j])
        seqs[k].append(j)
        planned.add(j)
    return tuple(tuple(s) for s in seqs)


def _moves(inst: Instance, plan: Plan):
    """Every plan one insert or swap move away from ``plan`` (types respected)."""
    seqs = [list(s) for s in plan]
    crews_of = {int(t): [k for k in range(inst.n_crews) if inst.crew_type[k] == t]
                for t in set(inst.crew_type.tolist())}  # fmt: skip
    for k, seq in enumerate(seqs):
        for p, j in enumerate(seq):
            rest = seq[:p] + seq[p + 1 :]
            for k2 in crews_of[int(inst.task_type[j])]:
                base = rest if k2 == k else seqs[k2]
                for q in range(len(base) + 1):
                    if k2 == k and q == p:
                        continue
                    new = [list(s) for s in seqs]
                    new[k] = rest
                    new[k2] = (rest if k2 == k else seqs[k2])[:q] + [j] + base[q:]
                    yield tuple(tuple(s) for s in new)
    flat = [(k, p) for k, seq in enumerate(seqs) for p in range(len(seq))]
    for (k1, p1), (k2, p2) in itertools.combinations(flat, 2):
        a, b = seqs[k1][p1], seqs[k2][p2]
        if inst.task_type[a] != inst.task_type[b]:
            continue
        new = [list(s) for s in seqs]
        new[k1][p1], new[k2][p2] = b, a
        yield tuple(tuple(s) for s in new)


def local_search(inst: Instance, plan: Plan, max_evals: int = 20_000) -> tuple[Plan, float]:
    """First-improvement descent over insert and swap moves from ``plan``.

    Stops at a local optimum or after ``max_evals`` cost evaluations (a count, not a clock, so
    the result does not depend on the machine). Returns the plan and its cost.
    """
    best, best_cost = plan, cost(inst, plan)
    evals = 0
    improved = True
    while improved and evals < max_evals:
        improved = False
        for cand in _moves(inst, best):
            evals += 1
            c = cost(inst, cand)
            if c < best_cost - 1e-9 * max(1.0, abs(best_cost)):
                best, best_cost, improved = cand, c, True
                break
            if evals >= max_evals:
                break
    return best, best_cost


def brute_force(inst: Instance) -> tuple[Plan, float]:
    """The exact optimum by enumeration of every assignment and order (small instances: the
    count grows as (crews + tasks - 1)! / (crews - 1)!)."""
    n, m = inst.n_tasks, inst.n_crews
    best: Plan | None = None
    best_cost = math.inf
    for perm in itertools.permutations(range(n)):
        # cut the order into m consecutive sequences, one per crew
        for cuts in itertools.combinations_with_replacement(range(n + 1), m - 1):
            bounds = (0, *cuts, n)
            plan = tuple(tuple(perm[bounds[i] : bounds[i + 1]]) for i in range(m))
            if not all(
                inst.task_type[j] == inst.crew_type[k] for k, s in enumerate(plan) for j in s
            ):
                continue
            c = cost(inst, plan)
            if c < best_cost:
                best, best_cost = plan, c
    if best is None:
        raise ValueError("no feasible plan")
    return best, best_cost


@dataclass(frozen=True)
class PlanResult:
    """A plan and how it was found.

    Attributes
    ----------
    plan : Plan
    cost : float
        Its expected cold exposure [weighted person-hours].
    greedy_cost : float
        Cost of the ``greatest_benefit`` plan it started from.
    solver_called : bool
        Whether the MILP was solved (instances within the size limit).
    proved_optimal : bool
        The MILP proved the plan optimal.
    gap : float
        The MILP's relative gap between the plan's cost and its best bound (0 when proved
        optimal, NaN when the MILP was not solved).
    seconds : float
        Wall time of the decision [s].
    """

    plan: Plan
    cost: float
    greedy_cost: float
    solver_called: bool
    proved_optimal: bool
    gap: float
    seconds: float


def plan_crews(
    inst: Instance,
    milp_max_tasks: int = 8,
    max_evals: int = 20_000,
    max_nodes: int = 2_000,
    time_limit_s: float = 1.0,
) -> PlanResult:
    """Plan the crews: ``greatest_benefit``, then local search, then (for at most
    ``milp_max_tasks`` tasks) the MILP warm-started with the local optimum; the best plan wins,
    so the heuristic is the fallback whenever the solver finds nothing better.

    ``max_nodes`` bounds the MILP's branch-and-bound nodes (reproducible); ``time_limit_s`` is
    a wall-clock safety net on top.
    """
    from coldstart.restore.schedule_milp import solve_milp

    t0 = perf_counter()
    greedy = greedy_plan(inst)
    g_cost = cost(inst, greedy)
    plan, c = local_search(inst, greedy, max_evals)
    called, optimal, gap = False, False, math.nan
    if inst.n_tasks <= milp_max_tasks and inst.n_tasks > 1:
        called = True
        got = solve_milp(inst, plan, max_nodes=max_nodes, time_limit_s=time_limit_s)
        if got.plan is not None:
            mc = cost(inst, got.plan)
            if mc < c:
                plan, c = got.plan, mc
        optimal = got.proved_optimal and c <= got.objective + 1e-6 * max(1.0, abs(c))
        gap = 0.0 if optimal else _gap(c, got.bound)
    return PlanResult(plan, c, g_cost, called, optimal, gap, perf_counter() - t0)


def _gap(value: float, bound: float) -> float:
    """Relative gap between a plan's cost and a lower bound [-]."""
    if not math.isfinite(bound):
        return math.nan
    return max(0.0, value - bound) / max(abs(value), 1e-9)
