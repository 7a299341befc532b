"""Warming-point siting: a capacitated facility-location model solved with HiGHS (highspy).

Given people per building who want a shelter, shelters that are open anyway (metro stations),
and candidate sites with a capacity, choose ``k`` candidates to open so as to minimise, first,
the people left without a place (weighted by how long they would be left out) and then the
walking distance of those placed (lexicographic: two solves, the second holding the first's
optimum). Nobody is assigned beyond the walking limit (only arcs within it exist).

Model (``x`` people from building b to site j, ``u`` unplaced, ``y`` open)::

    min  sum_b w_b u_b                       then  min sum_bj w_b km_bj x_bj
    s.t. sum_j x_bj + u_b = d_b              (every person wanting shelter is placed or not)
         sum_b x_bj <= C_j y_j               (capacity; y_j = 1 for fixed shelters)
         x_bj <= d_b y_j                     (strong linking: tightens the LP relaxation)
         sum_j y_j = min(k, candidates),  y binary, x, u >= 0

With several *draws* (damage draws of an ensemble, each its own demand), the model is the
two-stage stochastic version [BIRGE-LOUVEAUX-2011]: the sites ``y`` are chosen once, every draw
``s`` has its own demand points ``b`` (weights ``w_b / S``, so that the objective is the mean
over draws) and its own capacity rows ``sum_{b in s} x_bj <= C_j y_j``: a site's places serve
each draw in full, not once for all draws together.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.spatial import cKDTree

_BANNER_SILENCED = False


def _new_highs():
    """A quiet, single-threaded ``highspy.Highs``: its one-time banner goes to the C stdout, so
    it is sent to /dev/null once (it would spoil ``--json`` output). One thread for every solve
    of the process: HiGHS sets up its thread pool once, at the first run, and a later run asking
    for another number of threads fails (no solution); one thread also keeps solves
    reproducible."""
    global _BANNER_SILENCED  # one flag per process, set once: HiGHS prints its banner once
    import highspy

    if _BANNER_SILENCED:
        h = highspy.Highs()
    else:
        with _c_stdout_silenced():
            h = highspy.Highs()
        _BANNER_SILENCED = True
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    return h


@contextlib.contextmanager
def _c_stdout_silenced():
    """Send file descriptor 1 to /dev/null (C-level prints included) and restore it."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        fd = 1
    sys.stdout.flush()
    saved = os.dup(fd)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
        yield
    finally:
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None).fflush(None)
        os.dup2(saved, fd)
        os.close(saved)
        os.close(devnull)


@dataclass(frozen=True)
class SitingProblem:
    """A capacitated facility-location instance.

    Attributes
    ----------
    demand : numpy.ndarray, shape (n_demand,)
        People per demand point who want a shelter at the design hour.
    weight_h : numpy.ndarray, shape (n_demand,)
        Objective weight of each of its people [h]: how long an unplaced person stays unplaced.
    fixed_capacity : numpy.ndarray, shape (n_fixed,)
        Places of shelters open anyway.
    cand_capacity : numpy.ndarray, shape (n_cand,)
        Places of each candidate site.
    arc_demand, arc_site : numpy.ndarray of int
        Pairs within walking distance; sites ``< n_fixed`` are fixed shelters, the rest
        candidates (``n_fixed + candidate position``).
    arc_km : numpy.ndarray
        Walking distance of each pair [km].
    k : int
        Candidates to open.
    draw : numpy.ndarray of int, shape (n_demand,), optional
        The draw of each demand point, ``0 .. n_draws - 1`` (default: one draw); the weights
        of a problem with several draws already hold the ``1 / n_draws``.
    """

    demand: np.ndarray
    weight_h: np.ndarray
    fixed_capacity: np.ndarray
    cand_capacity: np.ndarray
    arc_demand: np.ndarray
    arc_site: np.ndarray
    arc_km: np.ndarray
    k: int
    draw: np.ndarray | None = None

    @property
    def n_draws(self) -> int:
        """Draws of the ensemble (1 without ``draw``)."""
        return 1 if self.draw is None or not len(self.draw) else int(self.draw.max()) + 1

    @property
    def n_fixed(self) -> int:
        """Fixed shelters."""
        return len(self.fixed_capacity)

    @property
    def n_cand(self) -> int:
        """Candidate sites."""
        return len(self.cand_capacity)

    @classmethod
    def from_points(
        cls,
        demand_xy_m: np.ndarray,
        demand: np.ndarray,
        weight_h: np.ndarray,
        fixed_xy_m: np.ndarray,
        fixed_capacity: np.ndarray,
        cand_xy_m: np.ndarray,
        cand_capacity: np.ndarray,
        walk_limit_km: float,
        k: int,
        draw: np.ndarray | None = None,
    ) -> SitingProblem:
        """Build the arcs within ``walk_limit_km`` with a k-d tree (positions in metres);
        ``draw`` as in the class (one draw when None)."""
        d = np.asarray(demand, float)
        site_xy = np.vstack(
            [
                np.asarray(fixed_xy_m, float).reshape(-1, 2),
                np.asarray(cand_xy_m, float).reshape(-1, 2),
            ]
        )
        dxy = np.asarray(demand_xy_m, float).reshape(-1, 2)
        if len(site_xy) and len(dxy):
            lists = cKDTree(site_xy).query_ball_point(dxy, r=walk_limit_km * 1000.0)
            ad = np.repeat(np.arange(len(dxy)), [len(x) for x in lists])
            sites = [np.asarray(x, np.int64) for x in lists]
            aj = np.concatenate(sites) if sites else np.zeros(0, np.int64)
        else:
            ad = aj = np.zeros(0, np.int64)
        km = np.hypot(*(site_xy[aj] - dxy[ad]).T) / 1000.0 if len(aj) else np.zeros(0)
        keep = (km <= walk_limit_km) & (d[ad] > 0)
        return cls(
            demand=d,
            weight_h=np.asarray(weight_h, float),
            fixed_capacity=np.asarray(fixed_capacity, float),
            cand_capacity=np.asarray(cand_capacity, float),
            arc_demand=ad[keep].astype(np.int64),
            arc_site=aj[keep].astype(np.int64),
            arc_km=km[keep],
            k=int(k),
            draw=None if draw is None else np.asarray(draw, np.int64),
        )


@dataclass(frozen=True)
class SitingSolution:
    """Chosen candidates and the assignment at the design hour.

    Attributes
    ----------
    open_cand : numpy.ndarray of bool
        Candidates opened.
    unmet_weighted : float
        ``sum_b w_b u_b`` [person h].
    walk_weighted : float
        ``sum w_b km_bj x_bj`` [person h km].
    unmet_people : float
        People left without a place at the design hour (mean over draws).
    placed_people : float
        People placed at the design hour (mean over draws).
    mean_walk_km : float
        Mean walk of the people placed [km].
    flow : numpy.ndarray
        People per arc.
    status : str
        HiGHS model status of the last solve.
    """

    open_cand: np.ndarray
    unmet_weighted: float
    walk_weighted: float
    unmet_people: float
    placed_people: float
    mean_walk_km: float
    flow: np.ndarray
    status: str


def _model(problem: SitingProblem, fixed_open: np.ndarray | None):
    """Columns (x arcs, u demand, y candidates), rows and bounds of the MIP in CSC form."""
    p = problem
    na, nd, nc = len(p.arc_km), len(p.demand), p.n_cand
    nf = p.n_fixed
    rows, cols, vals = [], [], []
    lo, hi = [], []
    # demand rows: sum_j x_bj + u_b = d_b
    rows += [p.arc_demand, np.arange(nd)]
    cols += [np.arange(na), na + np.arange(nd)]
    vals += [np.ones(na), np.ones(nd)]
    lo.append(p.demand)
    hi.append(p.demand)
    r0 = nd
    # capacity rows of each draw: sum_b x_bj - C_j y_j <= 0 (candidates), <= C_j (fixed)
    n_sites, ns = nf + nc, p.n_draws
    arc_draw = np.zeros(na, np.int64) if p.draw is None else p.draw[p.arc_demand]
    cand_rows = (r0 + nf + np.arange(nc) + n_sites * np.arange(ns)[:, None]).ravel()
    rows += [r0 + n_sites * arc_draw + p.arc_site, cand_rows]
    cols += [np.arange(na), np.tile(na + nd + np.arange(nc), ns)]
    vals += [np.ones(na), np.tile(-p.cand_capacity, ns)]
    lo.append(np.full(n_sites * ns, -np.inf))
    hi.append(np.tile(np.concatenate([p.fixed_capacity, np.zeros(nc)]), ns))
    r0 += n_sites * ns
    # strong linking: x_bj - d_b y_j <= 0 for candidate arcs
    ca = np.flatnonzero(p.arc_site >= nf)
    rows += [r0 + np.arange(len(ca)), r0 + np.arange(len(ca))]
    cols += [ca, na + nd + (p.arc_site[ca] - nf)]
    vals += [np.ones(len(ca)), -p.demand[p.arc_demand[ca]]]
    lo.append(np.full(len(ca), -np.inf))
    hi.append(np.zeros(len(ca)))
    r0 += len(ca)
    # cardinality: sum y = min(k, nc)
    rows.append(np.full(nc, r0))
    cols.append(na + nd + np.arange(nc))
    vals.append(np.ones(nc))
    kk = float(min(p.k, nc))
    lo.append(np.array([kk]))
    hi.append(np.array([kk]))
    r0 += 1
    a = sparse.csc_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(r0, na + nd + nc),
    )
    a.sort_indices()
    col_lo = np.zeros(na + nd + nc)
    col_hi = np.concatenate([np.full(na + nd, np.inf), np.ones(nc)])
    if fixed_open is not None:
        col_lo[na + nd :] = col_hi[na + nd :] = np.asarray(fixed_open, float)
    return a, np.concatenate(lo), np.concatenate(hi), col_lo, col_hi


def _solve(problem, cost, a, row_lo, row_hi, col_lo, col_hi, integer, time_limit_s):
    import highspy

    h = _new_highs()
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("random_seed", 0)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = a.shape[1], a.shape[0]
    lp.col_cost_ = np.asarray(cost, float)
    lp.col_lower_ = col_lo
    lp.col_upper_ = col_hi
    lp.row_lower_ = row_lo
    lp.row_upper_ = row_hi
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data.astype(float)
    if integer:
        nc = problem.n_cand
        kinds = [highspy.HighsVarType.kContinuous] * (a.shape[1] - nc)
        lp.integrality_ = kinds + [highspy.HighsVarType.kInteger] * nc
    h.passModel(lp)
    h.run()
    status = h.modelStatusToString(h.getModelStatus())
    x = np.asarray(h.getSolution().col_value, float)
    if len(x) != a.shape[1] or status not in ("Optimal", "Time limit reached"):
        raise RuntimeError(f"HiGHS could not solve the siting model: {status}")
    return x, status


def solve_siting(
    problem: SitingProblem, open_cand: np.ndarray | None = None, time_limit_s: float = 120.0
) -> SitingSolution:
    """Solve the siting model (or, with ``open_cand``, just the assignment for those sites).

    Parameters
    ----------
    problem : SitingProblem
    open_cand : numpy.ndarray of bool, optional
        Fix the open candidates (then both stages are linear programs).
    time_limit_s : float
        HiGHS time limit per stage [s]; the best solution found is used when it is reached.

    Returns
    -------
    SitingSolution
    """
    p = problem
    na, nd, nc = len(p.arc_km), len(p.demand), p.n_cand
    if open_cand is not None:
        open_cand = np.asarray(open_cand, bool)
        if open_cand.sum() != min(p.k, nc):
            p = SitingProblem(**{**p.__dict__, "k": int(open_cand.sum())})
    a, row_lo, row_hi, col_lo, col_hi = _model(p, open_cand)
    integer = open_cand is None and nc > 0
    w_arc = p.weight_h[p.arc_demand]
    cost1 = np.concatenate([np.zeros(na), p.weight_h, np.zeros(nc)])
    x1, _ = _solve(p, cost1, a, row_lo, row_hi, col_lo, col_hi, integer, time_limit_s)
    z1 = float(cost1 @ x1)
    # stage 2: hold the unplaced at their optimum, minimise the walking
    a2 = sparse.vstack([a, sparse.csr_matrix(cost1.reshape(1, -1))]).tocsc()
    a2.sort_indices()
    tol = 1e-7 * max(1.0, abs(z1)) + 1e-6
    cost2 = np.concatenate([w_arc * p.arc_km, np.zeros(nd + nc)])
    x2, status = _solve(
        p,
        cost2,
        a2,
        np.append(row_lo, -np.inf),
        np.append(row_hi, z1 + tol),
        col_lo,
        col_hi,
        integer,
        time_limit_s,
    )
    flow = np.maximum(0.0, x2[:na])
    placed = float(flow.sum())
    return SitingSolution(
        open_cand=x2[na + nd :] > 0.5,
        unmet_weighted=float(cost1 @ x2),
        walk_weighted=float(cost2 @ x2),
        unmet_people=float(x2[na : na + nd].sum()) / p.n_draws,
        placed_people=placed / p.n_draws,
        mean_walk_km=float(flow @ p.arc_km / placed) if placed > 0 else 0.0,
        flow=flow,
        status=status,
    )


def greedy_largest(cand_capacity: np.ndarray, k: int) -> np.ndarray:
    """The comparator: open the ``k`` candidates with the most places (ties: first listed)."""
    cap = np.asarray(cand_capacity, float)
    order = np.lexsort((np.arange(len(cap)), -cap))
    out = np.zeros(len(cap), bool)
    out[order[: min(k, len(cap))]] = True
    return out
