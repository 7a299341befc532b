"""The crew-planning MILP of :mod:`coldstart.restore.optimize`, solved by HiGHS (highspy).

Variables: ``x[j, k]`` (task ``j`` on crew ``k``, binary, only where the types match),
``y[i, j]`` (``i`` before ``j`` when they share a crew, binary, ``i < j``), ``S[j]`` (start of
the task's work [h]) and ``T[j] >= 0`` (its cold exposure hours, ``T[j] >= S[j] + p[j] -
onset[j]``). Minimise ``sum w[j] T[j]`` subject to one crew per task, the crew's first travel
(``S[j] >= free[k] + travel[k, j]`` when ``x[j, k]``), the part (``S[j] >= ready[j]``), the
precedence pairs (``S[b] >= S[a] + p[a]``) and big-M disjunctions that sequence two tasks on one
crew with the travel between them [MANNE-1960]. Euclidean travel obeys the triangle inequality,
so the first-travel bound holds whatever comes before.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from coldstart.people.siting import _new_highs
from coldstart.restore.optimize import Instance, Plan, completions_h


@dataclass(frozen=True)
class MilpResult:
    """What HiGHS returned: a plan (None if it found none), its objective, the best bound and
    whether optimality was proved."""

    plan: Plan | None
    objective: float
    bound: float
    proved_optimal: bool


class _Rows:
    """Sparse rows ``lo <= a x`` collected one at a time."""

    def __init__(self) -> None:
        self.r: list[int] = []
        self.c: list[int] = []
        self.v: list[float] = []
        self.lo: list[float] = []

    def add(self, coefs: dict[int, float], lo: float) -> None:
        row = len(self.lo)
        for col, val in coefs.items():
            self.r.append(row)
            self.c.append(col)
            self.v.append(val)
        self.lo.append(lo)


def _layout(inst: Instance):
    """Column indices: ``x`` by (task, crew), ``y`` by (i, j), then S and T."""
    n = inst.n_tasks
    xcol = {}
    for j in range(n):
        for k in range(inst.n_crews):
            if inst.task_type[j] == inst.crew_type[k]:
                xcol[j, k] = len(xcol)
    ycol = {}
    for i in range(n):
        for j in range(i + 1, n):
            if inst.task_type[i] == inst.task_type[j]:
                ycol[i, j] = len(xcol) + len(ycol)
    s0 = len(xcol) + len(ycol)
    return xcol, ycol, s0, s0 + n


def _rows(inst: Instance, xcol, ycol, s0: int, t0: int, big_m: float) -> _Rows:
    p, d = inst.work_h, inst.between_h
    rows = _Rows()
    for j in range(inst.n_tasks):
        for k in range(inst.n_crews):
            if (j, k) in xcol:
                rows.add(
                    {s0 + j: 1.0, xcol[j, k]: -big_m}, inst.free_h[k] + inst.travel_h[k, j] - big_m
                )
        # T[j] >= S[j] + p[j] - onset[j]; for a deadline task T[j] is its lateness flag,
        # M T[j] >= S[j] + p[j] - onset[j], binary
        lump = inst.deadline is not None and inst.deadline[j]
        rows.add({t0 + j: big_m if lump else 1.0, s0 + j: -1.0}, p[j] - inst.onset_h[j])
    for (i, j), yc in ycol.items():
        for k in range(inst.n_crews):
            if (i, k) not in xcol or (j, k) not in xcol:
                continue
            xi, xj = xcol[i, k], xcol[j, k]
            # y = 1: i then j; y = 0: j then i (only binding when both are on crew k)
            rows.add({s0 + j: 1.0, s0 + i: -1.0, yc: -big_m, xi: -big_m, xj: -big_m},
                     p[i] + d[i, j] - 3.0 * big_m)  # fmt: skip
            rows.add({s0 + i: 1.0, s0 + j: -1.0, yc: big_m, xi: -big_m, xj: -big_m},
                     p[j] + d[j, i] - 2.0 * big_m)  # fmt: skip
    for a, b in inst.precedence:
        rows.add({s0 + b: 1.0, s0 + a: -1.0}, p[a])
    return rows


def _start_solution(inst: Instance, plan: Plan, xcol, ycol, s0: int, t0: int, n_col: int):
    """Column values of ``plan`` (the warm start)."""
    done = completions_h(inst, plan)
    val = np.zeros(n_col)
    start = done - inst.work_h
    for k, seq in enumerate(plan):
        for j in seq:
            val[xcol[j, k]] = 1.0
    for (i, j), yc in ycol.items():
        val[yc] = 1.0 if start[i] <= start[j] else 0.0
    val[s0 : s0 + inst.n_tasks] = start
    late = np.maximum(0.0, done - inst.onset_h)
    if inst.deadline is not None:
        late = np.where(inst.deadline, (late > 1e-9).astype(float), late)
    val[t0 : t0 + inst.n_tasks] = late
    return val


def solve_milp(
    inst: Instance, start: Plan | None = None, max_nodes: int = 2_000, time_limit_s: float = 1.0
) -> MilpResult:
    """Solve the planning MILP of ``inst`` (warm-started with ``start`` when given).

    Parameters
    ----------
    inst : Instance
    start : Plan, optional
        A feasible plan handed to HiGHS as its first incumbent.
    max_nodes : int
        Branch-and-bound node limit (reproducible).
    time_limit_s : float
        Wall-clock limit [s] (a safety net).
    """
    import highspy

    n = inst.n_tasks
    xcol, ycol, s0, t0 = _layout(inst)
    n_col = t0 + n
    reach = inst.travel_h.max(initial=0.0) + inst.between_h.max(initial=0.0)
    big_m = float(inst.free_h.max(initial=0.0) + inst.ready_h.max(initial=0.0)
                  + inst.work_h.sum() + n * reach + 1.0)  # fmt: skip
    rows = _rows(inst, xcol, ycol, s0, t0, big_m)
    # one crew per task: equality rows
    eq_r, eq_c = [], []
    for (j, _k), col in xcol.items():
        eq_r.append(j)
        eq_c.append(col)
    n_ineq = len(rows.lo)
    a = sparse.csc_matrix(
        (np.concatenate([rows.v, np.ones(len(eq_c))]),
         (np.concatenate([rows.r, n_ineq + np.asarray(eq_r, int)]),
          np.concatenate([rows.c, eq_c]).astype(int))),
        shape=(n_ineq + n, n_col),
    )  # fmt: skip
    a.sort_indices()
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n_col, a.shape[0]
    cost = np.zeros(n_col)
    cost[t0:] = inst.weight
    lp.col_cost_ = cost
    lower = np.zeros(n_col)
    lower[s0 : s0 + n] = inst.ready_h
    upper = np.full(n_col, np.inf)
    upper[:s0] = 1.0
    lump = np.zeros(n, bool) if inst.deadline is None else np.asarray(inst.deadline, bool)
    upper[t0:][lump] = 1.0
    lp.col_lower_, lp.col_upper_ = lower, upper
    lp.row_lower_ = np.concatenate([rows.lo, np.ones(n)])
    lp.row_upper_ = np.concatenate([np.full(n_ineq, np.inf), np.ones(n)])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data.astype(float)
    kinds = highspy.HighsVarType.kInteger, highspy.HighsVarType.kContinuous
    lp.integrality_ = [kinds[0]] * s0 + [kinds[1]] * n + [kinds[0] if f else kinds[1] for f in lump]
    h = _new_highs()
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_max_nodes", int(max_nodes))
    h.setOptionValue("mip_rel_gap", 1e-6)
    h.setOptionValue("random_seed", 0)
    h.passModel(lp)
    if start is not None:
        sol = highspy.HighsSolution()
        sol.col_value = list(_start_solution(inst, start, xcol, ycol, s0, t0, n_col))
        sol.value_valid = True
        h.setSolution(sol)
    h.run()
    info = h.getInfo()
    proved = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    x = np.asarray(h.getSolution().col_value, float)
    bound = float(info.mip_dual_bound)
    if len(x) != n_col or info.primal_solution_status != 2:  # 2: a feasible solution
        return MilpResult(None, math.inf, bound, False)
    starts = x[s0 : s0 + n]
    seqs: list[list[int]] = [[] for _ in range(inst.n_crews)]
    for (j, k), col in xcol.items():
        if x[col] > 0.5:
            seqs[k].append(j)
    plan = tuple(tuple(sorted(s, key=lambda j: (starts[j], j))) for s in seqs)
    return MilpResult(plan, float(info.objective_function_value), bound, proved)
