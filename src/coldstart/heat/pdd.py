"""Pressure-driven consumers solved with the network: Newton with every substation a branch.

A consumer is a branch from its supply node to its return node (a city model's supply and return
layers). Below its design flow it is its substation with the control valve fully open, a fixed
resistance ``r = dp_min / m_design^2``; at its design flow the control valve throttles, so the
flow does not rise further (a steep linear piece, slope ``STEEP`` times the resistance's at the
design flow); reverse flow is resisted ``REVERSE`` times harder (a substation does not pass water
from its return to its supply). The momentum law of a consumer is therefore

``x = a m + r m|m|`` (``0 <= m <= m_design``), ``x = x_design + K (m - m_design)`` above,

with a small laminar-like term ``a = 2 r m_reg`` that keeps the law invertible at zero flow, as
the pipes' laminar term does. :func:`solve_pressure_driven` runs the gradient method of
:mod:`coldstart.heat.hydraulics` (Todini--Pilati, [TODINI-1988]) on the live network with these
branches added; the trees cannot be peeled (their flows depend on the pressures now), so every
live node is an unknown. It converges where the fixed-point iteration on the shares does not: a
district behind a narrow link, whose consumers' pressures all hinge on the link's flow.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from scipy.sparse import csc_matrix

from coldstart.heat.hydraulics import HydraulicModel, _pattern, branch_flow
from coldstart.linalg import SpdFactor

M_REG_SHARE = 0.005
"""Flow below which a consumer's law is mostly linear, as a share of its design flow [-]."""

STEEP = 100.0
"""Slope of a consumer's law above its design flow, over the slope just below it [-]."""

REVERSE = 100.0
"""How much harder a consumer resists reverse flow [-]."""


def _law(a, r, m_des, x_des, k):
    """Momentum residual pieces of the consumers: ``h(m)`` and ``h'(m)`` of the module's law."""

    def h(m):
        low = a * m + r * m * np.abs(m)
        return np.where(m > m_des, x_des + k * (m - m_des), np.where(m < 0, REVERSE * low, low))

    def dh(m):
        low = a + 2.0 * r * np.abs(m)
        return np.where(m > m_des, k, np.where(m < 0, REVERSE * low, low))

    def inv(x):
        fwd = branch_flow(np.clip(x, 0.0, x_des), a, r)[0]
        back = branch_flow(np.minimum(x, 0.0) / REVERSE, a, r)[0]
        return np.where(x > x_des, m_des + (x - x_des) / k, np.where(x < 0, back, fwd))

    return h, dh, inv


def _parts_holding(hyd: HydraulicModel, branch_ok: np.ndarray, live: np.ndarray,
                   nodes: np.ndarray) -> np.ndarray:  # fmt: skip
    """Nodes of the hydraulic graph in a live part (over the flowing branches and the
    consumers' supply-return links) that holds one of ``nodes``."""
    part = hyd.parts_with_consumers(branch_ok)
    wanted = np.zeros(part.max() + 1, bool)
    wanted[part[nodes]] = True
    return live & wanted[part]


def solve_pressure_driven(
    hyd: HydraulicModel,
    branch_ok: np.ndarray,
    source_ok: np.ndarray,
    mdot_design: np.ndarray,
    dp_min_pa: float,
    pump_off: np.ndarray | None = None,
    share_init: np.ndarray | None = None,
    focus: np.ndarray | None = None,
    tol_kg_per_s: float = 1e-2,
    max_iter: int = 60,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, bool]:
    """Flows of pressure-driven consumers and the network's pressures.

    Parameters
    ----------
    hyd : HydraulicModel
    branch_ok, source_ok : numpy.ndarray of bool
        Branches carrying flow and working sources.
    mdot_design : numpy.ndarray
        Design flow of every consumer [kg/s].
    dp_min_pa : float
        Differential pressure a consumer needs for its design flow [Pa].
    pump_off : numpy.ndarray of bool, optional
        Boosters bypassed (no lift).
    share_init : numpy.ndarray, optional
        Start shares of the design flows (e.g. the solution of a neighbouring topology); the
        start is the fixed-draw solution at these draws (1 when not given).
    focus : numpy.ndarray of bool, optional
        Consumers short of ``dp_min`` at their design flows. Only the parts of the network
        holding one are solved (parts are independent: each has its own pressure-holding
        sources); elsewhere every consumer passes its design flow, returned as such.
    tol_kg_per_s : float
        Largest nodal mass imbalance accepted [kg/s] (0.01 kg/s: ~0.1 % of a block's design
        flow; the shares then settle to ~0.1 %).
    max_iter : int
        Newton iterations at most.

    Returns
    -------
    consumer_mdot, p_pa, active, iterations, converged
        Flow through every consumer [kg/s] (0 when not active), pressures of the hydraulic
        graph's nodes [Pa] (NaN when dead or not solved), consumers whose both sides reach a
        working source, and the Newton statistics.
    """
    # start: the fixed-draw solution at the start draws (mass balance holds from the start)
    start = mdot_design if share_init is None else np.clip(share_init, 0.05, 1.0) * mdot_design
    p, m_pipe, active, *_ = hyd.solve_arrays(branch_ok, source_ok, start, None, pump_off=pump_off)
    g = hyd._g
    if pump_off is not None and pump_off.any():
        off = np.zeros(len(hyd.model.branch_from), bool)
        off[hyd.model.pump_branch[pump_off]] = True
        stop = off[g.src]
        x0_pipe, b_pipe = g.x0 - g.lift * stop, g.b - g.curve * stop
    else:
        x0_pipe, b_pipe = g.x0, g.b
    _, live, _, fixed_nodes, _, _ = hyd._topology(branch_ok, source_ok)
    solve = live.copy()
    if focus is not None:
        solve = _parts_holding(hyd, branch_ok, live, g.c_from[focus & active])
    cons = np.flatnonzero(active & (mdot_design > 0) & solve[g.c_from])
    md = mdot_design[cons]
    r = dp_min_pa / md**2
    a_c = 2.0 * r * M_REG_SHARE * md
    x_des = a_c * md + r * md * md
    k = STEEP * (a_c + 2.0 * r * md)
    h, dh, inv = _law(a_c, r, md, x_des, k)
    pipe_live = np.flatnonzero(branch_ok[g.src] & solve[g.f] & (g.f != g.t))
    f = np.concatenate([g.f[pipe_live], g.c_from[cons]])
    t = np.concatenate([g.t[pipe_live], g.c_to[cons]])
    fixed = np.zeros(g.n_node, bool)
    fixed[fixed_nodes] = True
    unknown = np.flatnonzero(solve & ~fixed)
    ext = SimpleNamespace(n_node=g.n_node, f=f, t=t)
    pt = _pattern(ext, np.ones(len(f), bool), unknown)
    n_p = len(pipe_live)
    a_p, b_p, x0_p = g.a[pipe_live], b_pipe[pipe_live], x0_pipe[pipe_live]
    p = np.nan_to_num(p)
    m = np.concatenate([m_pipe[pipe_live], start[cons]])
    n, nu = g.n_node, len(unknown)

    def node_residual(mm):
        return (np.bincount(f, mm, n) - np.bincount(t, mm, n))[unknown]

    def flows_of(pp):
        x = pp[f] - pp[t]
        return np.concatenate([branch_flow(x[:n_p] + x0_p, a_p, b_p)[0], inv(x[n_p:])])

    it, converged = 0, nu == 0
    factor = SpdFactor()
    while it < max_iter and nu:
        if float(np.max(np.abs(node_residual(flows_of(p))))) <= tol_kg_per_s:
            converged = True
            break
        mp, mc = m[:n_p], m[n_p:]
        x = p[f] - p[t]
        d = np.concatenate([a_p + 2.0 * b_p * np.abs(mp), dh(mc)])
        err = np.concatenate([a_p * mp + b_p * mp * np.abs(mp) - x[:n_p] - x0_p, h(mc) - x[n_p:]])
        d_inv = 1.0 / d
        data = np.bincount(pt.slot, np.concatenate([d_inv, d_inv, -d_inv, -d_inv])[pt.keep], pt.nnz)
        jac = csc_matrix((data, pt.indices, pt.indptr), shape=(nu, nu))
        rhs = -node_residual(m) + node_residual(d_inv * err)
        dp = np.zeros(n)
        dp[unknown] = factor(jac).solve(rhs)
        m = m + d_inv * (dp[f] - dp[t] - err)
        p = p + dp
        it += 1
    out = np.where(active & ~solve[g.c_from], mdot_design, 0.0)
    out[cons] = np.clip(flows_of(p)[n_p:], 0.0, md)
    return out, np.where(solve, p, np.nan), active, it, converged
