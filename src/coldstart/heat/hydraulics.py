"""Steady-state hydraulics of a district heating network: junction pressures and pipe mass flows.

Model (as pandapipes' incompressible pipeflow [PANDAPIPES-2020]):

- a pipe or valve carries ``m`` [kg/s] with Darcy--Weisbach [WHITE-2011]
  ``p_from - p_to + rho g (h_from - h_to) + lift = (lambda L / d + zeta) m |m| / (2 rho A^2)``,
  with pandapipes' default friction law (``friction_model="nikuradse"``): ``lambda = 64 / Re +
  1 / (2 log10(3.71 d / k))^2`` (laminar term plus Nikuradse's fully rough limit [NIKURADSE-1933]).
  The laminar term is linear in ``m``, so a branch is ``dp = a m + b m |m|`` with ``a = 32 eta L /
  (rho A d^2)`` and ``b = (lambda_rough L / d + zeta) / (2 rho A^2)``, which inverts in closed form;
- a source (pandapipes ``circ_pump_const_pressure``) fixes its flow junction at ``p_flow_bar`` and
  its return junction at ``p_flow_bar - plift_bar`` (less the height term between them);
- a booster pump adds a lift along its branch (from -> to) that falls with the square of its
  flow, ``lift = h0 - c m|m|`` (a centrifugal pump's curve near its duty point; ``c = 0``: a
  fixed lift); the curve term is a quadratic resistance added to the branch's ``b``;
- a consumer draws a given mass flow from its from-node and returns it at its to-node; it draws
  only when both nodes lie in a part holding a working source's supply resp. return node (the
  rule of :class:`coldstart.heat.engine.HeatModel`);
- a part with no pressure-fixing node is dead: NaN pressures, zero flows.

Method: Newton on the branch flows and node pressures, reduced to the node pressures at every
step (the global gradient algorithm of [TODINI-1988]): the unknowns are the pressures of the
live nodes that are not fixed, the equations their mass balances, and each step solves
``A^T D^-1 A dp = ...`` with ``D = a + 2 b |m|`` -- a weighted Laplacian, sparse, symmetric
positive definite, analysed once per solve and refactorized at every step
(:class:`coldstart.linalg.SpdFactor`). Linearizing the momentum law in the flows (smooth)
rather than its inverse in the pressure drops (infinite slope at zero flow) keeps Newton
quadratic in meshed networks whose loops hold pipes near zero flow. Trees hanging off the meshed
core are peeled first: in a tree branch the flow is the draw of the subtree beyond it (mass
balance alone) and the pressures follow outward from the core, so Newton runs on the core only
(a city network is mostly trees: ``synth_city(10000)`` leaves 1,114 of its 20,062 nodes in the
core). The peeling, the sparsity pattern of the matrix, the live parts, fixed nodes and drawing
consumers are compiled once per topology and cached; a previous solution can be passed as the
start (``p_init_pa``).

A network compiled from the city tables (one node per supply-return pair) is expanded into a
supply layer and a mirrored return layer; results give both.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy.sparse import csc_matrix

from coldstart.graph_parts import EdgeMaskGraph
from coldstart.heat.engine import HeatModel
from coldstart.linalg import SpdFactor

G_M_PER_S2 = 9.81
"""Gravitational acceleration [m/s^2] (as pandapipes' ``GRAVITATION_CONSTANT``)."""

PA_PER_BAR = 1e5

WATER_RHO_KG_PER_M3 = 977.8
"""Density of water at 70 degC [kg/m^3] [IAPWS-IF97]."""

WATER_ETA_PA_S = 4.04e-4
"""Dynamic viscosity of water at 70 degC [Pa s] [IAPWS-2008]."""

A_MIN_PA_PER_KG_S = 1e-4
"""Smallest linear resistance of a branch [Pa/(kg/s)]: an ideal valve (no loss coefficient)
gets this instead of 0, so its pressure drop stays below 0.01 Pa at 100 kg/s while the Jacobian
stays finite."""

M_REG_KG_PER_S = 1e-3
"""Below this flow a branch without a laminar term (a valve with a loss coefficient) is made
linear: ``a >= 2 b M_REG``. A pure square law has an infinite ``dm/ddp`` at zero flow, on which
Newton on the pressures oscillates (a valve in a balanced loop); pipes have the laminar term
``64/Re`` instead. It adds ``2 b M_REG m`` to a valve's drop: 0.2 % of it at 1 kg/s."""

START_FLOW_FACTOR = 3.0
"""Typical branch flow for the start, in mean consumer draws (only changes the iterations)."""

CACHE_SIZE = 16
"""Topologies whose Jacobian pattern is kept (least recently used dropped first)."""


@dataclass(frozen=True)
class HydraulicParams:
    """Hydraulic data of a :class:`~coldstart.heat.engine.HeatModel` (positions as the model's).

    Attributes
    ----------
    pipe_length_m, pipe_diameter_m, pipe_k_mm : numpy.ndarray
        Length [m], inner diameter [m] and wall roughness [mm] of every pipe.
    pipe_loss_coefficient : numpy.ndarray, optional
        Local loss coefficient ``zeta`` of every pipe [-] (0 when not given).
    valve_diameter_m, valve_loss_coefficient : numpy.ndarray, optional
        Diameter [m] and ``zeta`` [-] of the valves that are branches of their own; ideal (no
        pressure drop) when not given.
    rho_kg_per_m3, eta_pa_s : float or numpy.ndarray
        Density and dynamic viscosity of the water, scalar or per branch (pipes then valves).
    node_height_m : numpy.ndarray, optional
        Height of every node [m] (flat when not given).
    node_p_amb_bar : numpy.ndarray, optional
        Ambient pressure at every node [bar]: pandapipes drives flows by the absolute pressure
        ``p + p_amb(h)`` (barometric formula), which adds ``p_amb_from - p_amb_to`` to a branch
        (about 0.1 mbar per metre of height); 0 when not given.
    source_p_flow_bar, source_plift_bar : float or numpy.ndarray
        Pressure at each source's flow junction [bar] and its lift [bar].
    source_rho_kg_per_m3 : float or numpy.ndarray, optional
        Density for the height term between a source's return and flow junctions.
    pump_lift_bar : float or numpy.ndarray
        Lift of each booster pump along its branch at zero flow [bar] (its shut-off head).
    pump_curve_bar_s2_per_kg2 : float or numpy.ndarray
        Fall of each booster's lift with the square of its flow, ``c`` in
        ``lift = h0 - c m|m|`` [bar/(kg/s)^2] (0: a fixed lift).
    """

    pipe_length_m: np.ndarray
    pipe_diameter_m: np.ndarray
    pipe_k_mm: np.ndarray
    pipe_loss_coefficient: np.ndarray | None = None
    valve_diameter_m: np.ndarray | None = None
    valve_loss_coefficient: np.ndarray | None = None
    rho_kg_per_m3: float | np.ndarray = WATER_RHO_KG_PER_M3
    eta_pa_s: float | np.ndarray = WATER_ETA_PA_S
    node_height_m: np.ndarray | None = None
    node_p_amb_bar: np.ndarray | None = None
    source_p_flow_bar: float | np.ndarray = 9.0
    source_plift_bar: float | np.ndarray = 5.0
    source_rho_kg_per_m3: float | np.ndarray | None = None
    pump_lift_bar: float | np.ndarray = 0.0
    pump_curve_bar_s2_per_kg2: float | np.ndarray = 0.0


@dataclass(frozen=True)
class HydraulicResult:
    """A solved hydraulic state.

    Attributes
    ----------
    junction_p_bar : pandas.Series
        Pressure at every node [bar gauge] on the model's node ids (the supply layer of a city
        model); NaN in dead parts.
    pipe_mdot_kg_per_s : pandas.Series
        Mass flow in every pipe [kg/s], positive from ``from`` to ``to`` node; 0 when not flowing.
    valve_mdot_kg_per_s : pandas.Series
        Mass flow through every valve that is a branch of its own [kg/s] (0 for one on a pipe).
    source_mdot_kg_per_s : pandas.Series
        Mass flow each source sends out of its flow junction [kg/s].
    return_p_bar, return_pipe_mdot_kg_per_s : pandas.Series or None
        The return layer of a city model (None for a two-sided, e.g. pandapipes, model).
    consumer_drawing : pandas.Series of bool
        Consumers that draw (both their nodes in a part with a working source), on the
        consumers' ids.
    consumer_dp_bar : pandas.Series
        Pressure difference across each consumer, from node minus to node [bar] (NaN when not
        drawing): what its substation has to work with.
    iterations : int
        Newton iterations (one factorization each).
    converged : bool
    max_residual_kg_per_s : float
        Largest nodal mass imbalance at the end [kg/s].
    """

    junction_p_bar: pd.Series
    pipe_mdot_kg_per_s: pd.Series
    valve_mdot_kg_per_s: pd.Series
    source_mdot_kg_per_s: pd.Series
    return_p_bar: pd.Series | None
    return_pipe_mdot_kg_per_s: pd.Series | None
    consumer_drawing: pd.Series
    consumer_dp_bar: pd.Series
    iterations: int
    converged: bool
    max_residual_kg_per_s: float


def branch_flow(x: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mass flow of branches ``x = a m + b m |m|`` and its derivative ``dm/dx``.

    Parameters
    ----------
    x : numpy.ndarray
        Driving pressure difference [Pa] (from minus to, plus height term and lift).
    a : numpy.ndarray
        Linear (laminar) resistance [Pa/(kg/s)], > 0.
    b : numpy.ndarray
        Quadratic (turbulent and local) resistance [Pa/(kg/s)^2], >= 0.

    Returns
    -------
    m, dm_dx : numpy.ndarray
        Mass flow [kg/s] and ``1 / (a + 2 b |m|)`` [kg/(s Pa)].
    """
    root = np.sqrt(a * a + 4.0 * b * np.abs(x))
    return 2.0 * x / (a + root), 1.0 / root


def resistances(
    length_m: np.ndarray,
    diameter_m: np.ndarray,
    k_mm: np.ndarray,
    zeta: np.ndarray,
    rho: np.ndarray,
    eta: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Linear and quadratic resistances ``a`` [Pa/(kg/s)], ``b`` [Pa/(kg/s)^2] of branches.

    pandapipes' default friction law [PANDAPIPES-2020]: ``lambda = 64/Re + lambda_rough`` with
    Nikuradse's rough-pipe limit ``lambda_rough = (2 log10(3.71 d / k))^-2`` [NIKURADSE-1933];
    ``Re = |m| d / (eta A)``, so ``64/Re * L/d * m|m| / (2 rho A^2) = 32 eta L m / (rho A d^2)``.
    A branch without length or roughness has no friction term; ``a`` is at least
    :data:`A_MIN_PA_PER_KG_S` and ``2 b`` :data:`M_REG_KG_PER_S` (a valve has no laminar term).
    """
    area = np.pi * diameter_m**2 / 4.0
    with np.errstate(divide="ignore", invalid="ignore"):
        lam = np.where(
            k_mm > 0, 1.0 / (2.0 * np.log10(3.71 * diameter_m / (k_mm / 1000.0))) ** 2, 0.0
        )
        fric = np.where(length_m > 0, lam * length_m / diameter_m, 0.0)
        a = np.where(length_m > 0, 32.0 * eta * length_m / (rho * area * diameter_m**2), 0.0)
        b = (fric + zeta) / (2.0 * rho * area**2)
    b = np.nan_to_num(b)
    a = np.maximum(np.maximum(np.nan_to_num(a), A_MIN_PA_PER_KG_S), 2.0 * b * M_REG_KG_PER_S)
    return a, b


def _full(value, n: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(value, dtype=float), (n,)).astype(float)


@dataclass(frozen=True)
class _Graph:
    """The hydraulic graph: nodes (two layers for a city model), branches, sources, consumers."""

    n_node: int
    layered: bool
    f: np.ndarray
    t: np.ndarray
    src: np.ndarray  # model branch position of every hydraulic branch
    a: np.ndarray
    b: np.ndarray
    x0: np.ndarray  # height term plus lift [Pa]
    lift: np.ndarray  # the boosters' lift in x0 [Pa] (0 on other branches)
    curve: np.ndarray  # the boosters' curve term in b [Pa/(kg/s)^2] (0 on other branches)
    s_sup: np.ndarray
    s_ret: np.ndarray
    p_sup: np.ndarray  # [Pa]
    p_ret: np.ndarray
    c_from: np.ndarray
    c_to: np.ndarray


def _compile(model: HeatModel, prm: HydraulicParams) -> _Graph:
    """Expand the model into the hydraulic graph and compute branch resistances."""
    n_pipe, n_valve = len(model.pipe_ids), len(model.valve_ids)
    nb = len(model.branch_from)
    if nb != n_pipe + n_valve:
        raise ValueError("hydraulics handles pipes and valves only (no pass-through elements)")
    own = np.concatenate([np.ones(n_pipe, bool), model.valve_pipe < 0])  # skip pipe-valve loops
    length = np.concatenate([prm.pipe_length_m, np.zeros(n_valve)]).astype(float)
    vd = prm.valve_diameter_m if prm.valve_diameter_m is not None else np.full(n_valve, 0.1)
    diam = np.concatenate([prm.pipe_diameter_m, vd]).astype(float)
    k = np.concatenate([prm.pipe_k_mm, np.zeros(n_valve)]).astype(float)
    pz = prm.pipe_loss_coefficient if prm.pipe_loss_coefficient is not None else np.zeros(n_pipe)
    vz = prm.valve_loss_coefficient
    zeta = np.concatenate([pz, vz if vz is not None else np.zeros(n_valve)]).astype(float)
    rho, eta = _full(prm.rho_kg_per_m3, nb), _full(prm.eta_pa_s, nb)
    a, b = resistances(length, diam, k, zeta, rho, eta)
    n0 = len(model.node_ids)
    h = np.zeros(n0) if prm.node_height_m is None else np.asarray(prm.node_height_m, float)
    bf, bt = model.branch_from, model.branch_to
    x0 = rho * G_M_PER_S2 * (h[bf] - h[bt])
    if prm.node_p_amb_bar is not None:
        pa = np.asarray(prm.node_p_amb_bar, float) * PA_PER_BAR
        x0 = x0 + pa[bf] - pa[bt]
    lift, curve = np.zeros(nb), np.zeros(nb)
    lift[model.pump_branch] = _full(prm.pump_lift_bar, len(model.pump_ids)) * PA_PER_BAR
    n_pump = len(model.pump_ids)
    curve[model.pump_branch] = _full(prm.pump_curve_bar_s2_per_kg2, n_pump) * PA_PER_BAR
    b = b + curve
    src = np.flatnonzero(own)
    ns = len(model.source_ids)
    s_sup, s_ret = model.source_supply_node, model.source_return_node
    p_flow = _full(prm.source_p_flow_bar, ns) * PA_PER_BAR
    if prm.source_rho_kg_per_m3 is not None:
        s_rho = _full(prm.source_rho_kg_per_m3, ns)
    else:
        scalar = np.ndim(prm.rho_kg_per_m3) == 0
        s_rho = _full(prm.rho_kg_per_m3 if scalar else WATER_RHO_KG_PER_M3, ns)
    p_ret = p_flow - _full(prm.source_plift_bar, ns) * PA_PER_BAR
    p_ret = p_ret - s_rho * G_M_PER_S2 * (h[s_ret] - h[s_sup])
    if prm.node_p_amb_bar is not None:
        p_ret = p_ret - (pa[s_ret] - pa[s_sup])
    cf, ct = model.consumer_from_node, model.consumer_to_node
    layered = bool(np.array_equal(s_sup, s_ret) and np.array_equal(cf, ct))
    if not layered:
        return _Graph(n0, False, bf[src], bt[src], src, a[src], b[src], (x0 + lift)[src],
                      lift[src], curve[src], s_sup, s_ret, p_flow, p_ret, cf, ct)  # fmt: skip
    # city model: supply layer 0..n0-1, return layer n0..2n0-1 (boosters on the supply layer)
    return _Graph(
        2 * n0, True,
        np.concatenate([bf[src], bf[src] + n0]), np.concatenate([bt[src], bt[src] + n0]),
        np.concatenate([src, src]), np.concatenate([a[src], a[src]]),
        np.concatenate([b[src], (b - curve)[src]]),
        np.concatenate([(x0 + lift)[src], x0[src]]),
        np.concatenate([lift[src], np.zeros(len(src))]),
        np.concatenate([curve[src], np.zeros(len(src))]), s_sup, s_ret + n0, p_flow, p_ret, cf,
        ct + n0,
    )  # fmt: skip


@dataclass(frozen=True)
class _Pattern:
    """Sparsity pattern of the Jacobian for one topology."""

    e: np.ndarray  # live branches (positions in the graph)
    uf: np.ndarray  # unknown column of each live branch's from node, -1 when fixed
    ut: np.ndarray
    slot: np.ndarray  # CSC data slot of every Jacobian entry (4 per branch, some dropped)
    keep: np.ndarray  # which of the 4 * n entries exist
    indices: np.ndarray
    indptr: np.ndarray
    nnz: int
    unknown: np.ndarray  # node of every unknown
    col: np.ndarray  # unknown column of every node, -1 otherwise


def _pattern(g: _Graph, live_branch: np.ndarray, unknown: np.ndarray) -> _Pattern:
    """Compile the CSC pattern of ``A^T G A`` over the unknown nodes."""
    col = np.full(g.n_node, -1, np.int64)
    col[unknown] = np.arange(len(unknown))
    e = np.flatnonzero(live_branch)
    uf, ut = col[g.f[e]], col[g.t[e]]
    rows = np.concatenate([uf, ut, uf, ut])
    cols = np.concatenate([uf, ut, ut, uf])
    keep = (rows >= 0) & (cols >= 0)
    nu = len(unknown)
    key = cols[keep] * max(nu, 1) + rows[keep]
    # every unknown carries a diagonal entry, even without live branches
    diag = np.arange(nu) * max(nu, 1) + np.arange(nu)
    uniq, inv = np.unique(np.concatenate([key, diag]), return_inverse=True)
    slot = inv[: len(key)]
    indices = uniq % max(nu, 1)
    indptr = np.concatenate([[0], np.cumsum(np.bincount(uniq // max(nu, 1), minlength=nu))])
    return _Pattern(e, uf, ut, slot, keep, indices, indptr, len(uniq), unknown, col)


def _peel(
    g: _Graph, live_branch: np.ndarray, fixed: np.ndarray
) -> tuple[list[tuple[np.ndarray, ...]], np.ndarray, np.ndarray]:
    """Peel the trees hanging off the meshed core: repeatedly remove nodes (not fixed) with one
    live branch. In a tree branch the flow is the draw of the subtree beyond it (mass balance
    alone), and pressures follow outward from the core, so Newton only sees the core.

    Returns the levels (outermost first; each: leaf nodes, their branch, parent nodes, +1 when
    the branch points to the leaf), the core branches and the peeled nodes.
    """
    n = g.n_node
    e = np.flatnonzero(live_branch & (g.f != g.t))
    ends = np.concatenate([g.f[e], g.t[e]])
    order = np.argsort(ends, kind="stable")
    adj = np.concatenate([e, e])[order]
    indptr = np.searchsorted(ends[order], np.arange(n + 1))
    full_deg = np.diff(indptr)  # live branches at each node, peeled or not
    deg = full_deg.copy()
    alive = live_branch.copy()
    peeled = np.zeros(n, bool)
    levels = []
    cand = np.flatnonzero((deg == 1) & ~fixed)
    while len(cand):
        starts, counts = indptr[cand], full_deg[cand]
        offs = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        br = adj[np.repeat(starts, counts) + offs]
        own = np.repeat(cand, counts)
        keep = alive[br]
        br, own = br[keep], own[keep]
        parent = np.where(g.f[br] == own, g.t[br], g.f[br])
        levels.append((own, br, parent, np.where(g.t[br] == own, 1.0, -1.0)))
        alive[br] = False
        peeled[own] = True
        deg = deg - np.bincount(parent, minlength=n)
        cand = np.unique(parent[(deg[parent] == 1) & ~fixed[parent] & ~peeled[parent]])
    return levels, alive, peeled


def _tree_flows(levels: list, inj: np.ndarray, mdot: np.ndarray) -> np.ndarray:
    """Fill ``mdot`` on the peeled branches; return the injections with each subtree's draw
    moved onto the core node it hangs from."""
    acc = inj.copy()
    for own, br, parent, sign in levels:
        mdot[br] = sign * acc[own]
        acc += np.bincount(parent, acc[own], len(acc))
    return acc


def _tree_pressures(g: _Graph, levels: list, mdot: np.ndarray, p: np.ndarray) -> None:
    """Pressures of the peeled nodes, outward from the core (in place)."""
    for own, br, parent, sign in reversed(levels):
        m = mdot[br]
        p[own] = p[parent] + sign * (g.x0[br] - g.a[br] * m - g.b[br] * m * np.abs(m))


def _newton(
    g: _Graph,
    pt: _Pattern,
    p: np.ndarray,
    m: np.ndarray,
    inj: np.ndarray,
    tol: float,
    max_iter: int,
) -> tuple[np.ndarray, np.ndarray, int, bool, float]:
    """Newton on branch flows and node pressures, reduced to the pressures (Todini--Pilati).

    Each step linearizes every branch, ``dp = a m + b m|m|`` -> ``D = a + 2 b |m|``, and solves
    the node system ``A^T D^-1 A dp = -(A^T m + inj) + A^T D^-1 e`` (``e``: the branches'
    momentum residuals) for the unknown pressures, then ``dm = D^-1 (A dp - e)``. The momentum
    law is smooth in ``m`` (unlike its inverse in ``dp``, which has an infinite slope at zero
    flow), so the iteration converges quadratically even with branches near zero flow.
    ``p`` holds the fixed pressures; ``m`` is the start flow of every live branch.
    """
    e = pt.e
    a, b, x0 = g.a[e], g.b[e], g.x0[e]
    fe, te = g.f[e], g.t[e]
    nu, n = len(pt.unknown), g.n_node
    p, m = p.copy(), m.copy()
    factor = SpdFactor()

    def node_residual(mm: np.ndarray) -> np.ndarray:
        return (np.bincount(fe, mm, n) - np.bincount(te, mm, n) + inj)[pt.unknown]

    it, res = 0, np.inf
    while it < max_iter and nu:
        x = p[fe] - p[te] + x0
        res = float(np.max(np.abs(node_residual(branch_flow(x, a, b)[0]))))
        if res <= tol:
            break
        d_inv = 1.0 / (a + 2.0 * b * np.abs(m))
        err = a * m + b * m * np.abs(m) - x
        data = np.bincount(pt.slot, np.concatenate([d_inv, d_inv, -d_inv, -d_inv])[pt.keep], pt.nnz)
        jac = csc_matrix((data, pt.indices, pt.indptr), shape=(nu, nu))
        rhs = -node_residual(m) + node_residual(d_inv * err) - node_residual(np.zeros_like(m))
        dp = np.zeros(n)
        dp[pt.unknown] = factor(jac).solve(rhs)
        m = m + d_inv * (dp[fe] - dp[te] - err)
        p = p + dp
        it += 1
    if nu == 0 or it == max_iter:
        x = p[fe] - p[te] + x0
        res = float(np.max(np.abs(node_residual(branch_flow(x, a, b)[0])), initial=0.0))
    # report the flows of the pressures (consistent with them to the tolerance)
    return p, branch_flow(p[fe] - p[te] + x0, a, b)[0], it, res <= tol, res


CITY_K_MM = 0.1
"""Wall roughness of the city's steel pipes [mm]: first estimate (new steel 0.01-0.05 mm, aged
district heating pipes up to ~0.1-0.2 mm; pandapipes' examples use 0.1)."""


def city_params(
    pipes: pd.DataFrame,
    k_mm: float = CITY_K_MM,
    p_flow_bar: float = 9.0,
    plift_bar: float = 5.0,
    pump_lift_bar: float = 0.0,
) -> HydraulicParams:
    """:class:`HydraulicParams` for a city's ``heat_pipes`` table (one row per supply-return pair).

    Parameters
    ----------
    pipes : pandas.DataFrame
        ``length_m`` and ``dn_mm`` (nominal diameter, taken as the inner diameter).
    k_mm : float
        Wall roughness [mm].
    p_flow_bar, plift_bar : float
        Pressure every source holds on its flow side [bar] and its lift [bar] (first estimates:
        schutterwald_heat's circulation pump, 9 and 5 bar).
    pump_lift_bar : float
        Lift of every booster [bar] (0: the synthetic city has no pump heads yet).
    """
    n = len(pipes)
    return HydraulicParams(
        pipe_length_m=pipes["length_m"].to_numpy(float),
        pipe_diameter_m=pipes["dn_mm"].to_numpy(float) / 1000.0,
        pipe_k_mm=np.full(n, k_mm),
        source_p_flow_bar=p_flow_bar,
        source_plift_bar=plift_bar,
        pump_lift_bar=pump_lift_bar,
    )


def consumer_mdot_kg_per_s(
    demand_mw_th: np.ndarray, delta_t_k: float | np.ndarray = 30.0, cp_j_per_kgk: float = 4190.0
) -> np.ndarray:
    """Mass flow a consumer draws for a heat demand: ``Q / (c_p dT)`` [kg/s].

    Parameters
    ----------
    demand_mw_th : numpy.ndarray
        Heat demand [MW_th].
    delta_t_k : float or numpy.ndarray
        Flow minus return temperature across the substation [K] (30 K: 90/60 degC design
        [EN13941]).
    cp_j_per_kgk : float
        Specific heat of water [J/(kg K)] (IAPWS, 60-80 degC).
    """
    return np.asarray(demand_mw_th, float) * 1e6 / (cp_j_per_kgk * np.asarray(delta_t_k, float))


class HydraulicModel:
    """A heat network compiled for repeated hydraulic solves.

    Build once from a :class:`~coldstart.heat.engine.HeatModel` and its
    :class:`HydraulicParams`; then :meth:`solve` (labels) or :meth:`solve_arrays` (masks).
    Neither input is modified; the only state kept between calls is a cache of Jacobian sparsity
    patterns per topology.

    Raises
    ------
    ValueError
        When the model has branches other than pipes and valves (heat exchangers, flow or
        pressure controls, branch pumps of a pandapipes net).

    Examples
    --------
    >>> from coldstart.heat.pandapipes_io import load_heat_network, hydraulic_params
    >>> net = load_heat_network("schutterwald_heat")  # doctest: +SKIP
    >>> model = HeatModel.from_pandapipes(net)  # doctest: +SKIP
    >>> res = HydraulicModel(model, hydraulic_params(net)).solve()  # doctest: +SKIP
    """

    def __init__(self, model: HeatModel, params: HydraulicParams):
        self.model = model
        self.params = params
        self._g = _compile(model, params)
        self._cache: OrderedDict = OrderedDict()
        g = self._g
        # the graph's branches, and the branches with the consumers' supply-return links
        self.branch_graph = EdgeMaskGraph(g.f, g.t, g.n_node)
        self.consumer_graph = EdgeMaskGraph(
            np.concatenate([g.f, g.c_from]), np.concatenate([g.t, g.c_to]), g.n_node
        )

    def parts_with_consumers(self, branch_ok: np.ndarray) -> np.ndarray:
        """Part of every node of the graph over the flowing branches (model mask
        ``branch_ok``) and the consumers' supply-return links."""
        live = np.concatenate([branch_ok[self._g.src], np.ones(len(self._g.c_from), bool)])
        return self.consumer_graph.components(live)[1]

    def _topology(self, branch_ok: np.ndarray, source_ok: np.ndarray):
        """Live parts, fixed nodes and the Jacobian pattern of a topology (cached)."""
        key = (branch_ok.tobytes(), source_ok.tobytes())
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        g = self._g
        ok = branch_ok[g.src]
        n_part, part = self.branch_graph.components(ok)
        sup, ret = g.s_sup[source_ok], g.s_ret[source_ok]
        fixed_nodes = np.concatenate([sup, ret])
        fixed_p = np.concatenate([g.p_sup[source_ok], g.p_ret[source_ok]])
        live_part = np.zeros(n_part, bool)
        live_part[part[fixed_nodes]] = True
        has_sup, has_ret = np.zeros(n_part, bool), np.zeros(n_part, bool)
        has_sup[part[sup]] = True
        has_ret[part[ret]] = True
        active = has_sup[part[g.c_from]] & has_ret[part[g.c_to]]
        live = live_part[part]
        fixed = np.zeros(g.n_node, bool)
        fixed[fixed_nodes] = True
        levels, core_branch, peeled = _peel(g, ok & live[g.f], fixed)
        pt = _pattern(g, core_branch, np.flatnonzero(live & ~fixed & ~peeled))
        topo = (pt, live, active, fixed_nodes, fixed_p, levels)
        self._cache[key] = topo
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return topo

    def solve_arrays(
        self,
        branch_ok: np.ndarray,
        source_ok: np.ndarray,
        consumer_mdot: np.ndarray,
        p_init_pa: np.ndarray | None = None,
        tol_kg_per_s: float = 1e-5,
        max_iter: int = 50,
        pump_off: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, bool, float]:
        """Solve on masks (the fast path; :meth:`solve` wraps it).

        Parameters
        ----------
        branch_ok : numpy.ndarray of bool
            Model branches carrying flow (:meth:`HeatModel.branch_ok`).
        source_ok : numpy.ndarray of bool
            Working sources.
        consumer_mdot : numpy.ndarray
            Mass flow each consumer draws [kg/s].
        p_init_pa : numpy.ndarray, optional
            Start pressures of the hydraulic graph's nodes [Pa] (a previous solution).
        tol_kg_per_s : float
            Largest nodal mass imbalance accepted [kg/s] (pandapipes' ``tol_m``).
        max_iter : int
            Newton iterations at most.
        pump_off : numpy.ndarray of bool, optional
            Boosters without power whose branch still carries flow (through the station's
            bypass) but adds no lift. A booster whose branch is cut in ``branch_ok`` carries
            nothing either way.

        Returns
        -------
        p_pa, mdot, active, iterations, converged, max_residual
            Pressures of the graph's nodes [Pa] (NaN when dead), mass flow of the graph's
            branches [kg/s], consumers drawing, and the Newton statistics.
        """
        g = self._g
        if pump_off is not None and pump_off.any():
            off = np.zeros(len(self.model.branch_from), bool)
            off[self.model.pump_branch[pump_off]] = True
            stop = off[g.src]
            g = replace(g, x0=g.x0 - g.lift * stop, b=g.b - g.curve * stop)
        pt, live, active, fixed_nodes, fixed_p, levels = self._topology(branch_ok, source_ok)
        draw = np.where(active, consumer_mdot, 0.0)
        inj = np.bincount(g.c_from, draw, g.n_node) - np.bincount(g.c_to, draw, g.n_node)
        mdot = np.zeros(len(g.f))
        inj = _tree_flows(levels, inj, mdot)  # subtrees' draws moved onto the core
        p = np.zeros(g.n_node)
        if p_init_pa is not None:
            p[:] = np.nan_to_num(p_init_pa)
        else:
            p[pt.unknown] = _initial(g, pt, fixed_nodes, fixed_p, inj)
        p[fixed_nodes] = fixed_p
        e = pt.e
        m0 = branch_flow(p[g.f[e]] - p[g.t[e]] + g.x0[e], g.a[e], g.b[e])[0]
        p, m, it, conv, res = _newton(g, pt, p, m0, inj, tol_kg_per_s, max_iter)
        mdot[pt.e] = m
        _tree_pressures(g, levels, mdot, p)
        return np.where(live, p, np.nan), mdot, active, it, conv, res

    def solve(
        self,
        out_of_service: Mapping[str, Iterable] | None = None,
        *,
        open_valves: Iterable = (),
        pumps_without_power: Iterable = (),
        sources_off: Iterable = (),
        consumer_mdot: np.ndarray | pd.Series | None = None,
        tol_kg_per_s: float = 1e-5,
        max_iter: int = 50,
    ) -> HydraulicResult:
        """Pressures and flows after outages.

        Parameters
        ----------
        out_of_service : mapping, optional
            ``{"pipe": [...], "valve": [...]}``: pipes out of service and valves closed (labels,
            as :meth:`HeatModel.solve`).
        open_valves : iterable, optional
            Normally closed valves opened.
        pumps_without_power : iterable, optional
            Booster pumps without power (their branch carries no flow, as in the heat engine).
        sources_off : iterable, optional
            Sources not running (they fix no pressure).
        consumer_mdot : numpy.ndarray or pandas.Series, optional
            Mass flow each consumer draws [kg/s]; by default the model's demand at 30 K
            (:func:`consumer_mdot_kg_per_s`).
        tol_kg_per_s : float
            Largest nodal mass imbalance accepted [kg/s] (pandapipes' ``tol_m``).
        max_iter : int
            Newton iterations at most.

        Returns
        -------
        HydraulicResult
        """
        md = self.model
        pipe_out, closed, pump_off = md.outage_masks(
            out_of_service, open_valves, pumps_without_power
        )
        source_ok = np.ones(len(md.source_ids), bool)
        source_ok[md._positions(md.source_ids, sources_off, "source")] = False
        mdot = (
            consumer_mdot_kg_per_s(md.consumer_demand_mw_th)
            if consumer_mdot is None
            else np.asarray(consumer_mdot, float)
        )
        p, m, active, it, conv, res = self.solve_arrays(
            md.branch_ok(pipe_out, closed, pump_off), source_ok, mdot, None, tol_kg_per_s, max_iter
        )
        return self._result(p, m, active, np.where(active, mdot, 0.0), it, conv, res)

    def _result(self, p, m, active, draw, it, conv, res) -> HydraulicResult:
        """Label the arrays of :meth:`solve_arrays`."""
        md, g = self.model, self._g
        n0, n_pipe = len(md.node_ids), len(md.pipe_ids)
        half = len(g.src) // 2 if g.layered else len(g.src)
        per_branch = np.zeros(len(md.branch_from))
        per_branch[g.src[:half]] = m[:half]
        ret_branch = np.zeros(len(md.branch_from))
        ret_branch[g.src[half:]] = m[half:]
        valve_m = per_branch[n_pipe:] * (md.valve_pipe < 0)
        out = np.bincount(g.f, m, g.n_node) - np.bincount(g.t, m, g.n_node)
        # a source delivers what leaves its flow junction through the branches, less the draws
        # of consumers on that junction (shared by the sources on one junction)
        share = np.bincount(g.s_sup, minlength=g.n_node)[g.s_sup]
        out += np.bincount(g.c_from, draw, g.n_node) - np.bincount(g.c_to, draw, g.n_node)
        src_m = np.where(np.isfinite(p[g.s_sup]), out[g.s_sup] / share, 0.0)
        return HydraulicResult(
            junction_p_bar=pd.Series(p[:n0] / PA_PER_BAR, index=md.node_ids),
            pipe_mdot_kg_per_s=pd.Series(per_branch[:n_pipe], index=md.pipe_ids),
            valve_mdot_kg_per_s=pd.Series(valve_m, index=md.valve_ids),
            source_mdot_kg_per_s=pd.Series(src_m, index=md.source_ids),
            return_p_bar=pd.Series(p[n0:] / PA_PER_BAR, index=md.node_ids) if g.layered else None,
            return_pipe_mdot_kg_per_s=(
                pd.Series(ret_branch[:n_pipe], index=md.pipe_ids) if g.layered else None
            ),
            consumer_drawing=pd.Series(active, index=md.consumer_ids),
            consumer_dp_bar=pd.Series(
                np.where(active, p[g.c_from] - p[g.c_to], np.nan) / PA_PER_BAR,
                index=md.consumer_ids,
            ),
            iterations=it,
            converged=conv,
            max_residual_kg_per_s=res,
        )


def solve_hydraulics(
    model: HeatModel,
    params: HydraulicParams,
    out_of_service: Mapping[str, Iterable] | None = None,
    **kw,
) -> HydraulicResult:
    """Solve once: ``HydraulicModel(model, params).solve(out_of_service, **kw)``.

    Compile a :class:`HydraulicModel` instead when solving the same network repeatedly.
    """
    return HydraulicModel(model, params).solve(out_of_service, **kw)


def _initial(
    g: _Graph, pt: _Pattern, fixed_nodes: np.ndarray, fixed_p: np.ndarray, inj: np.ndarray
) -> np.ndarray:
    """Start pressures of the unknowns: the linear network with every branch linearized at a
    typical flow (the mean consumer draw times :data:`START_FLOW_FACTOR`)."""
    nu = len(pt.unknown)
    if nu == 0:
        return np.zeros(0)
    e = pt.e
    draws = np.abs(inj[inj != 0])
    m_ref = START_FLOW_FACTOR * (float(draws.mean()) if len(draws) else 1.0)
    cond = 1.0 / (g.a[e] + 2.0 * g.b[e] * m_ref)
    p = np.zeros(g.n_node)
    p[fixed_nodes] = fixed_p
    fe, te = g.f[e], g.t[e]
    m = cond * (p[fe] - p[te] + g.x0[e])
    r = np.bincount(fe, m, g.n_node) - np.bincount(te, m, g.n_node) + inj
    data = np.bincount(pt.slot, np.concatenate([cond, cond, -cond, -cond])[pt.keep], pt.nnz)
    jac = csc_matrix((data, pt.indices, pt.indptr), shape=(nu, nu))
    return SpdFactor()(jac).solve(-r[pt.unknown])  # QDLDL (coldstart.linalg), not SuperLU
