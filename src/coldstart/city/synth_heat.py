"""District heating of the synthetic city: sources, tree networks, booster pumping stations.

Works in local metric coordinates (``x`` east, ``y`` north, metres from the city centre), like
:mod:`coldstart.city.synth_grid`. Every source feeds a tree: consumers are grouped in quarters of
about six (each quarter has a branch node, the Soviet-era central heat substation, "TsTP"), a
radial tree joins the source to the quarter nodes (the mains, see :func:`radial_tree`) and a
minimum spanning tree joins each quarter node to its consumers (the quarter network). District-
heated schools and hospitals are consumers like the blocks: their node joins the quarter network
of the nearest blocks served by the same source.

Sources of the figures used below:

- Pipe sizing by specific pressure loss at the design flow (a 40 K supply/return difference,
  :data:`coldstart.heat.pressure.DESIGN_DT_K`) in steel pipes of 0.5 mm equivalent roughness:
  at most 80 Pa/m in the mains and 300 Pa/m in the branches to buildings, the values the
  design norm recommends [SNIP-2.04.07-86]; a long branch is sized by the pressure available
  for it, here at most 0.3 bar over its length (the norm: branches "by the available pressure
  difference"); a long network's mains lower, so their loss stays within 4 bar one way.
  The velocity stays under 3.5 m/s.
- Booster pumping station power ~4 kW per MW_th of the flow it pushes: flow ``Q / (c_p dT)`` at
  40 K is ~6 L/s per MW_th; a 5 bar head at 75 % efficiency gives ~4 kW.
- Heat mains: pipes of DN 400 and above (Kyiv "magistral" networks are DN 500-1400).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import (
    breadth_first_order,
    connected_components,
    dijkstra,
    minimum_spanning_tree,
)
from scipy.spatial import cKDTree

from coldstart.city.synth_grid import ROUTE_FACTOR, hilbert_order
from coldstart.heat.hydraulics import WATER_ETA_PA_S, WATER_RHO_KG_PER_M3, resistances
from coldstart.heat.pressure import DESIGN_DT_K

DN_MM = (50, 65, 80, 100, 125, 150, 200, 250, 300, 350, 400, 500, 600, 700, 800, 900, 1000, 1200)
"""Standard nominal diameters of district heating pipes [mm] (GOST 10704 / EN 253 series)."""

WATER_CP_J_KGK = 4190.0
"""Specific heat of water [J/(kg K)]."""


MAIN_R_MAX_PA_M = 80.0
"""Largest specific pressure loss of a main at design flow [Pa/m] [SNIP-2.04.07-86]."""

MAIN_DROP_MAX_PA = 4e5
"""Largest pressure loss along the mains of one network, source to its farthest node, at design
flow [Pa] (4 bar one way, 8 bar there and back: what network pumps of 10-14 bar leave for the
branches and the buildings; first estimate). A long network's mains are sized for
``min(80 Pa/m, 4 bar / its longest pipe distance)``, as large mains are in practice (some
20-40 Pa/m)."""

BRANCH_R_MAX_PA_M = 300.0
"""Largest specific pressure loss of a branch to a building at design flow [Pa/m]
[SNIP-2.04.07-86]."""

BRANCH_DROP_MAX_PA = 30e3
"""Largest pressure loss along one branch pipe at design flow [Pa] (0.3 bar; first estimate of
the pressure a quarter network leaves its branches)."""

VELOCITY_MAX_M_S = 3.5
"""Largest design velocity [m/s] (first estimate; the common upper limit for water mains)."""

PIPE_ROUGHNESS_MM = 0.5
"""Equivalent roughness of the synthetic city's steel pipes [mm] [SNIP-41-02-2003]."""

BOOSTER_HEAD_BAR = 3.0
"""Head of a booster pumping station [bar] (first estimate: booster stations on long mains add
some 20-60 m of head)."""

QUARTER_SIZE = 6
"""Consumers per quarter (branch node)."""

BOOSTER_MIN_DISTANCE_M = 2000.0
"""Booster stations sit on mains whose upstream node is this far (pipe distance) from the source
(or halfway out along a network shorter than twice this)."""

BOOSTER_SPACING_M = 1000.0
"""Booster stations of one network are at least this far apart."""

BOOSTER_KW_PER_MW_TH = 4.0
"""Booster power per MW_th of the flow it pushes [kW/MW_th]."""

LOOPS_PER_QUARTERS = 0.1
"""Loop pipes per quarter node of a network: ring connections between branch nodes of
different mains, each with a normally open sectioning valve (first estimate; Kyiv's mains are
partly ringed so that a break can be fed from the other side)."""

LOOP_MAX_M = 800.0
"""Longest loop pipe [m]."""

LINK_SHARE = 0.25
"""A link between two networks is sized for this share of the smaller network's demand."""


def pipe_dn_mm(q_mw_th: np.ndarray, r_max_pa_m: float | np.ndarray = MAIN_R_MAX_PA_M) -> np.ndarray:
    """Nominal diameter that carries a design heat flow within a specific pressure loss.

    Parameters
    ----------
    q_mw_th : numpy.ndarray
        Design heat flow through the pipe [MW_th] (flow at :data:`DESIGN_DT_K`).
    r_max_pa_m : float or numpy.ndarray
        Largest specific pressure loss [Pa/m] (Darcy-Weisbach with the friction law of
        :func:`coldstart.heat.hydraulics.resistances`, roughness :data:`PIPE_ROUGHNESS_MM`).

    Returns
    -------
    numpy.ndarray
        Smallest standard DN [mm] (from :data:`DN_MM`) within the loss and under
        :data:`VELOCITY_MAX_M_S`; the largest when none is.

    Examples
    --------
    >>> pipe_dn_mm(np.array([0.2, 50.0])).tolist()
    [65.0, 500.0]
    """
    m = np.asarray(q_mw_th, dtype=float)[:, None] * 1e6 / (WATER_CP_J_KGK * DESIGN_DT_K)
    d = np.asarray(DN_MM, dtype=float) / 1000.0
    one = np.ones(len(d))
    a, b = resistances(
        one, d, PIPE_ROUGHNESS_MM * one, 0 * one, WATER_RHO_KG_PER_M3 * one, WATER_ETA_PA_S * one
    )
    r_pa_m = a[None, :] * m + b[None, :] * m * m
    v = m / (WATER_RHO_KG_PER_M3 * np.pi * d[None, :] ** 2 / 4.0)
    ok = (r_pa_m <= np.asarray(r_max_pa_m, dtype=float).reshape(-1, 1)) & (v <= VELOCITY_MAX_M_S)
    pick = np.where(ok.any(axis=1), ok.argmax(axis=1), len(d) - 1)
    return np.asarray(DN_MM, dtype=float)[pick]


def _knn_graph(xy: np.ndarray, k: int, power: float) -> coo_matrix:
    """A connected k-nearest-neighbour graph with edge weights ``distance**power``.

    Stray components are joined to the rest through their closest pair of points.
    """
    n = len(xy)
    kk = min(k + 1, n)
    d, idx = cKDTree(xy).query(xy, k=kk)
    rows = [np.repeat(np.arange(n), kk - 1)]
    cols = [idx[:, 1:].ravel()]
    w = [d[:, 1:].ravel()]
    while True:
        dist = np.maximum(np.concatenate(w), 1e-3)
        g = coo_matrix(
            (dist**power, (np.concatenate(rows), np.concatenate(cols))), shape=(n, n)
        ).tocsr()
        n_comp, labels = connected_components(g, directed=False)
        if n_comp == 1:
            return g
        inside = np.flatnonzero(labels == labels[0])
        outside = np.flatnonzero(labels != labels[0])
        dd, jj = cKDTree(xy[outside]).query(xy[inside])
        a = int(np.argmin(dd))
        rows.append(np.array([inside[a]]))
        cols.append(np.array([outside[jj[a]]]))
        w.append(np.array([dd[a]]))


def spanning_tree(xy: np.ndarray, k: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Edges of a Euclidean minimum spanning tree over points (connected by construction).

    A k-nearest-neighbour graph (``cKDTree``), made connected, reduced with
    ``scipy.sparse.csgraph.minimum_spanning_tree``.

    Parameters
    ----------
    xy : numpy.ndarray, shape (n, 2)
        Points [m].
    k : int
        Neighbours per point in the candidate graph.

    Returns
    -------
    i, j : numpy.ndarray of int
        The ``n - 1`` edges.
    """
    if len(xy) < 2:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    t = minimum_spanning_tree(_knn_graph(xy, k, 1.0)).tocoo()
    return t.row.astype(np.int64), t.col.astype(np.int64)


def radial_tree(xy: np.ndarray, root: int = 0, k: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Edges of a radial tree: shortest paths from ``root`` with squared-distance edge costs.

    A minimum spanning tree over a whole service area snakes (pipe distance 2-4x the straight
    distance to the source); heat mains instead run radially from the plant and branch. Shortest
    paths over a k-nearest-neighbour graph with costs ``d**2`` hop through near neighbours along
    an almost straight route, so nearby points share mains and the pipe distance stays within
    ~1.1-1.3x the straight distance.

    Parameters
    ----------
    xy : numpy.ndarray, shape (n, 2)
        Points [m].
    root : int
        Index of the source.
    k : int
        Neighbours per point in the candidate graph.

    Returns
    -------
    parent, child : numpy.ndarray of int
        The ``n - 1`` edges, oriented away from the root.
    """
    n = len(xy)
    if n < 2:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    _, pred = dijkstra(
        _knn_graph(xy, k, 2.0), directed=False, indices=root, return_predecessors=True
    )
    child = np.flatnonzero(pred >= 0)
    return pred[child].astype(np.int64), child.astype(np.int64)


def place_boiler_houses(
    consumer_xy: np.ndarray,
    demand_mw_th: np.ndarray,
    chp_xy: np.ndarray,
    chp_cap_mw_th: np.ndarray,
    n_bh: int,
    margin: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Place boiler houses among the consumers farthest from the CHP plants and size them.

    The consumers nearest to a CHP plant, up to the CHP plants' share of the total capacity, are
    left to the CHPs; the rest are cut along a Hilbert curve into ``n_bh`` chunks of random
    weight, each with a boiler house at its demand-weighted centre sized for ``margin`` times its
    demand, clipped to 15-60 MW_th when the city is big enough.

    Returns
    -------
    xy : numpy.ndarray, shape (n_bh, 2)
        Positions [m].
    capacity_mw_th : numpy.ndarray, shape (n_bh,)
    """
    total = float(demand_mw_th.sum())
    need = max(margin * total - float(chp_cap_mw_th.sum()), 0.2 * margin * total, 1.0)
    d_chp = np.min(np.hypot(*(consumer_xy[:, None, :] - chp_xy[None, :, :]).transpose(2, 0, 1)), 1)
    order = np.argsort(d_chp, kind="stable")
    cum = np.cumsum(demand_mw_th[order])
    chp_share = 1.0 - need / (need + float(chp_cap_mw_th.sum()))
    far = order[cum > chp_share * total]
    if len(far) < n_bh:
        far = order[-max(n_bh, 1) :]
    far = far[hilbert_order(consumer_xy[far])]
    weights = rng.uniform(0.5, 1.5, size=n_bh)
    bounds = np.concatenate([[0.0], np.cumsum(weights) / weights.sum()])
    dem = demand_mw_th[far] + 1e-9
    pos = (np.cumsum(dem) - dem / 2) / dem.sum()
    chunk = np.clip(np.searchsorted(bounds, pos, side="right") - 1, 0, n_bh - 1)
    xy = np.zeros((n_bh, 2))
    for b in range(n_bh):
        sel = far[chunk == b]
        if len(sel) == 0:
            sel = far[[min(int(b * len(far) / n_bh), len(far) - 1)]]
        xy[b] = np.average(consumer_xy[sel], axis=0, weights=demand_mw_th[sel] + 1e-9)
    cap = need * weights / weights.sum()
    if need / n_bh >= 15.0:
        cap = np.clip(cap, 15.0, 60.0)
        cap *= max(1.0, need / cap.sum())
    # a little jitter so that a boiler house is not exactly on a building
    xy += rng.uniform(-30.0, 30.0, size=xy.shape)
    return xy, np.round(cap, 1)


BALANCE_ITERATIONS = 300
"""Most weight adjustments of :func:`balance_weights`."""


def balance_weights(
    d: np.ndarray, demand_mw_th: np.ndarray, target_mw_th: np.ndarray, scale_m: float
) -> np.ndarray:
    """Additive weights of a capacity-balanced partition (the iteration of
    :func:`assign_consumers`).

    Each iteration assigns every consumer to ``argmin_j (d[i, j] - w[j])`` (the first ``j`` on
    ties, as ``numpy.argmin``) and lowers the weight of every source loaded above its target,
    until all are within 2 % or after :data:`BALANCE_ITERATIONS` iterations.

    Only consumers whose choice may have changed are assigned again: a consumer's lead of its
    best source over the second best, at its last assignment, is compared with how much the
    weights have since moved against that source (the rise of its value minus the smallest rise
    of any source's, accumulated per iteration of last assignment). Where the lead is larger by
    more than a margin far above rounding, no source can have overtaken the best one, so the
    choice, and hence every weight, is exactly that of assigning every consumer every time.

    Parameters
    ----------
    d : numpy.ndarray, shape (m, s)
        Distance of each consumer to each source [m].
    demand_mw_th : numpy.ndarray, shape (m,)
    target_mw_th : numpy.ndarray, shape (s,)
        Load each source should carry [MW_th].
    scale_m : float
        Extent of the consumers [m] (sets the step of the weights).

    Returns
    -------
    numpy.ndarray, shape (s,)
        The weights after the last iteration [m].
    """
    n, n_s = d.shape
    w = np.zeros(n_s)
    a = np.zeros(n, dtype=np.int64)
    lead = np.full(n, -np.inf)  # second best minus best value at the last assignment [m]
    when = np.zeros(n, dtype=np.int64)  # iteration of each consumer's last assignment
    rise = np.zeros(n_s)  # how far each source's value d - w has risen since the start [m]
    rise_at = np.zeros((BALANCE_ITERATIONS, n_s))  # ``rise`` at each iteration
    margin = 1e-9 * scale_m
    for it in range(BALANCE_ITERATIONS):
        rise_at[it] = rise
        least = (rise[None, :] - rise_at[: it + 1]).min(axis=1)  # per iteration of assignment
        behind = rise[a] - rise_at[when, a] - least[when]
        again = np.flatnonzero(lead <= behind + margin)
        if len(again):
            v = d[again] - w
            k = v.argmin(axis=1)
            rows = np.arange(len(again))
            best = v[rows, k]
            v[rows, k] = np.inf
            lead[again] = v.min(axis=1) - best
            when[again] = it
            a[again] = k
        load = np.bincount(a, demand_mw_th, minlength=n_s)
        ratio = load / target_mw_th
        if ratio.max() <= 1.02:
            break
        step = 0.05 * scale_m * 0.98**it * np.clip(ratio - 1.0, -1.0, 1.0)
        w -= step
        rise += step
    return w


def assign_consumers(
    consumer_xy: np.ndarray,
    demand_mw_th: np.ndarray,
    source_xy: np.ndarray,
    capacity_mw_th: np.ndarray,
) -> np.ndarray:
    """Assign each consumer to a source: nearest in an additively weighted distance.

    Weights are adjusted until every source carries about the same share of its capacity
    (a capacity-balanced Voronoi partition, so service areas stay contiguous); a final greedy pass
    moves the farthest consumers of any source still over capacity to the nearest source with room.

    Returns
    -------
    numpy.ndarray of int
        Source index of each consumer.
    """
    n_s = len(source_xy)
    d = np.hypot(*(consumer_xy[:, None, :] - source_xy[None, :, :]).transpose(2, 0, 1))
    if len(consumer_xy) == 0:
        return np.zeros(0, dtype=np.int64)
    target = capacity_mw_th / capacity_mw_th.sum() * demand_mw_th.sum()
    scale = float(np.ptp(consumer_xy, axis=0).max() + 1.0)
    w = balance_weights(d, demand_mw_th, target, scale)
    a = np.argmin(d - w, axis=1)
    load = np.bincount(a, demand_mw_th, minlength=n_s)
    for j in np.flatnonzero(load > capacity_mw_th):
        members = np.flatnonzero(a == j)
        for i in members[np.argsort(-(d[members, j] - w[j]), kind="stable")]:
            if load[j] <= capacity_mw_th[j]:
                break
            room = load + demand_mw_th[i] <= capacity_mw_th
            room[j] = False
            if not room.any():
                break
            k = int(np.flatnonzero(room)[np.argmin((d[i] - w)[room])])
            a[i] = k
            load[j] -= demand_mw_th[i]
            load[k] += demand_mw_th[i]
    return a


@dataclass(frozen=True)
class HeatBuild:
    """The district heating network of the synthetic city.

    Attributes
    ----------
    node_id : list of str
    node_xy : numpy.ndarray, shape (N, 2)
        Node positions [m].
    pipe_from, pipe_to : numpy.ndarray of int
        Node indices; pipes of a tree point away from their source.
    pipe_length_m, pipe_dn_mm : numpy.ndarray
    pipe_downstream_mw_th : numpy.ndarray
        Design heat demand downstream of each pipe [MW_th] (the link pipe: what it is sized for).
    pipe_network : numpy.ndarray of int
        Source whose tree holds each pipe (-1 for the link pipe).
    consumer_node, source_node : numpy.ndarray of int
    consumer_source : numpy.ndarray of int
        Source serving each consumer.
    pump_pipe : numpy.ndarray of int
        Pipes carrying a booster pumping station.
    pump_p_mw : numpy.ndarray
        Electric power of each booster station [MW].
    valve_pipe : numpy.ndarray of int
        Pipe each valve sits on: loop pipes (normally open sectioning valves) and links between
        networks (normally closed: one source backs another up only once the valve is opened).
    valve_normally_open : numpy.ndarray of bool
    """

    node_id: list[str]
    node_xy: np.ndarray
    pipe_from: np.ndarray
    pipe_to: np.ndarray
    pipe_length_m: np.ndarray
    pipe_dn_mm: np.ndarray
    pipe_downstream_mw_th: np.ndarray
    pipe_network: np.ndarray
    consumer_node: np.ndarray
    source_node: np.ndarray
    consumer_source: np.ndarray
    pump_pipe: np.ndarray
    pump_p_mw: np.ndarray
    valve_pipe: np.ndarray
    valve_normally_open: np.ndarray


def _loops(
    trunk: list[np.ndarray],
    node_xy: np.ndarray,
    pred_all: np.ndarray,
    down: np.ndarray,
) -> tuple[list[int], list[int], list[float]]:
    """Loop pipes inside each network between nearby branch nodes on different mains.

    Candidates join a branch node to its nearest branch node of the same network that is neither
    its parent nor its child, within :data:`LOOP_MAX_M`; the ``LOOPS_PER_QUARTERS`` share of the
    quarters gets one, the shortest first, sized for the smaller end's downstream demand.
    """
    lf: list[int] = []
    lt: list[int] = []
    ld: list[float] = []
    for nodes in trunk:
        q = nodes[1:]
        n_loop = int(LOOPS_PER_QUARTERS * len(q))
        if n_loop == 0 or len(q) < 4:
            continue
        d, j = cKDTree(node_xy[q]).query(node_xy[q], k=min(4, len(q)))
        cand = []
        for a in range(len(q)):
            for dd, b in zip(d[a, 1:], j[a, 1:], strict=True):
                u, v = int(q[a]), int(q[b])
                if dd <= LOOP_MAX_M and pred_all[u] != v and pred_all[v] != u and u < v:
                    cand.append((float(dd), u, v))
        seen: set[tuple[int, int]] = set()
        for _, u, v in sorted(cand):
            if len(seen) >= n_loop:
                break
            if (u, v) in seen:
                continue
            seen.add((u, v))
            lf.append(u)
            lt.append(v)
            ld.append(float(min(down[u], down[v])))
    return lf, lt, ld


@dataclass(frozen=True)
class _Trees:
    """Nodes and undirected edges of the per-source trees, before orientation.

    ``trunk`` holds, per non-empty network, its source node followed by its quarter nodes.
    """

    node_id: list[str]
    node_xy: np.ndarray
    node_demand: np.ndarray
    edge_i: np.ndarray
    edge_j: np.ndarray
    trunk: list[np.ndarray]


@dataclass(frozen=True)
class _Oriented:
    """The trees oriented away from their sources, with figures per node."""

    pipe_from: np.ndarray
    pipe_to: np.ndarray
    pipe_network: np.ndarray
    down: np.ndarray
    """Design demand at and downstream of each node [MW_th]."""
    dist: np.ndarray
    """Pipe distance of each node from its source [m]."""
    pred: np.ndarray
    """Upstream node of each node (-1 for sources and unserved nodes)."""


def _quarter_edges(
    quarters: list[np.ndarray], q_nodes: np.ndarray, q_xy: np.ndarray, consumer_xy: np.ndarray
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Quarter networks: a spanning tree joining each quarter node to its consumers.

    Exactly :func:`spanning_tree` of each quarter (the node first, then its consumers), computed
    for all quarters of one size at once by :func:`small_spanning_trees`; a quarter that function
    cannot settle (coinciding points, equal distances, more than 9 points) takes
    :func:`spanning_tree` itself.

    Returns
    -------
    ei, ej : list of numpy.ndarray of int
        Node indices of each quarter's edges, quarter by quarter.
    """
    ei: list[np.ndarray] = [np.zeros(0, dtype=np.int64)] * len(quarters)
    ej: list[np.ndarray] = [np.zeros(0, dtype=np.int64)] * len(quarters)
    sizes = np.array([len(q) + 1 for q in quarters], dtype=np.int64)
    for m in np.unique(sizes):
        idx = np.flatnonzero(sizes == m)
        nodes = np.column_stack([q_nodes[idx], np.vstack([quarters[q] for q in idx])])
        pts = np.concatenate([q_xy[idx][:, None, :], consumer_xy[nodes[:, 1:]]], axis=1)
        i, j, ok = small_spanning_trees(pts)
        for r, q in enumerate(idx):
            if not ok[r]:
                i_q, j_q = spanning_tree(pts[r])
                ei[q], ej[q] = nodes[r][i_q], nodes[r][j_q]
            else:
                ei[q], ej[q] = nodes[r][i[r]], nodes[r][j[r]]
    return ei, ej


def small_spanning_trees(pts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`spanning_tree` of many small point sets of one size at once (Prim's algorithm).

    With at most 9 points the candidate graph of :func:`spanning_tree` is complete; when every
    distance is distinct (and above the 1 mm floor) the minimum spanning tree is unique, and it
    is returned as :func:`spanning_tree` returns it: edges ``(i, j)`` with ``i < j``, sorted.

    Parameters
    ----------
    pts : numpy.ndarray, shape (Q, m, 2)
        Q sets of m points [m].

    Returns
    -------
    i, j : numpy.ndarray of int, shape (Q, m - 1)
        Edges of each tree.
    ok : numpy.ndarray of bool, shape (Q,)
        False where the tree is not settled here (points closer than 1 mm, two equal
        distances, or m outside 2-9): take :func:`spanning_tree` for those.
    """
    n_q, m = pts.shape[0], pts.shape[1]
    if not 2 <= m <= 9:
        empty = np.zeros((n_q, max(m - 1, 0)), dtype=np.int64)
        return empty, empty.copy(), np.zeros(n_q, dtype=bool)
    dx = pts[:, :, None, 0] - pts[:, None, :, 0]
    dy = pts[:, :, None, 1] - pts[:, None, :, 1]
    w = np.sqrt(dx * dx + dy * dy)  # as cKDTree computes the Euclidean distance
    iu, ju = np.triu_indices(m, k=1)
    upper = np.sort(w[:, iu, ju], axis=1)
    ok = (upper[:, 0] > 1e-3) & (np.diff(upper, axis=1) > 0).all(axis=1)
    rows = np.arange(n_q)
    in_tree = np.zeros((n_q, m), dtype=bool)
    in_tree[:, 0] = True
    best = w[:, 0, :].copy()
    parent = np.zeros((n_q, m), dtype=np.int64)
    ei = np.empty((n_q, m - 1), dtype=np.int64)
    ej = np.empty((n_q, m - 1), dtype=np.int64)
    for e in range(m - 1):
        v = np.argmin(np.where(in_tree, np.inf, best), axis=1)
        ei[:, e], ej[:, e] = parent[rows, v], v
        in_tree[rows, v] = True
        closer = w[rows, v, :] < best
        best = np.where(closer, w[rows, v, :], best)
        parent = np.where(closer, v[:, None], parent)
    lo, hi = np.minimum(ei, ej), np.maximum(ei, ej)
    order = np.lexsort((hi, lo), axis=1)
    return np.take_along_axis(lo, order, 1), np.take_along_axis(hi, order, 1), ok


def _trees(
    consumer_ids: list[str],
    consumer_xy: np.ndarray,
    demand_mw_th: np.ndarray,
    source_ids: list[str],
    source_xy: np.ndarray,
    src_of: np.ndarray,
) -> _Trees:
    """Quarter nodes, mains (radial tree from each source) and quarter networks of every source."""
    n_c, n_s = len(consumer_xy), len(source_xy)
    ids = [f"n_{c}" for c in consumer_ids] + [f"n_{s}" for s in source_ids]
    xy = [consumer_xy, source_xy]
    demand = [demand_mw_th, np.zeros(n_s)]
    ei: list[np.ndarray] = []
    ej: list[np.ndarray] = []
    n_nodes = n_c + n_s
    branch = 0
    trunk: list[np.ndarray] = []
    for s in range(n_s):
        members = np.flatnonzero(src_of == s)
        if len(members) == 0:
            continue
        members = members[hilbert_order(consumer_xy[members])]
        n_q = int(np.ceil(len(members) / QUARTER_SIZE))
        quarters = np.array_split(members, n_q)
        q_xy = np.array([consumer_xy[q].mean(axis=0) for q in quarters])
        q_nodes = n_nodes + np.arange(n_q)
        ids += [f"n_{branch + q + 1:06d}" for q in range(n_q)]
        branch += n_q
        xy.append(q_xy)
        demand.append(np.zeros(n_q))
        n_nodes += n_q
        trunk_nodes = np.concatenate([[n_c + s], q_nodes])
        trunk.append(trunk_nodes)
        i, j = radial_tree(np.vstack([source_xy[s : s + 1], q_xy]), root=0)
        ei.append(trunk_nodes[i])
        ej.append(trunk_nodes[j])
        qi, qj = _quarter_edges(quarters, q_nodes, q_xy, consumer_xy)
        ei += qi
        ej += qj
    return _Trees(
        node_id=ids,
        node_xy=np.vstack(xy),
        node_demand=np.concatenate(demand),
        edge_i=np.concatenate(ei) if ei else np.zeros(0, dtype=np.int64),
        edge_j=np.concatenate(ej) if ej else np.zeros(0, dtype=np.int64),
        trunk=trunk,
    )


def _orient(trees: _Trees, n_c: int, n_s: int) -> _Oriented:
    """Orient every tree away from its source (breadth first), accumulate downstream demand."""
    n_nodes = len(trees.node_xy)
    node_xy = trees.node_xy
    ei_a, ej_a = trees.edge_i, trees.edge_j
    g = coo_matrix((np.ones(len(ei_a)), (ei_a, ej_a)), shape=(n_nodes, n_nodes)).tocsr()
    pf: list[np.ndarray] = []
    pt: list[np.ndarray] = []
    pnet: list[np.ndarray] = []
    # running sums as Python floats: the same additions, in the same order, as on the arrays
    down = trees.node_demand.tolist()
    dist = [0.0] * n_nodes
    pred_all = np.full(n_nodes, -1, dtype=np.int64)
    for s in range(n_s):
        root = n_c + s
        order, pred = breadth_first_order(g, root, directed=False, return_predecessors=True)
        child = order[1:].astype(np.int64)
        parent = pred[child].astype(np.int64)
        pf.append(parent)
        pt.append(child)
        pnet.append(np.full(len(child), s, dtype=np.int64))
        pred_all[child] = parent
        d = node_xy[child] - node_xy[parent]
        seg = (ROUTE_FACTOR * np.hypot(d[:, 0], d[:, 1])).tolist()
        for v, p, length in zip(child.tolist(), parent.tolist(), seg, strict=True):
            dist[v] = dist[p] + length  # breadth first: the parent's distance is final
        for v, p in zip(child[::-1].tolist(), parent[::-1].tolist(), strict=True):
            down[p] += down[v]
    cat = np.concatenate
    return _Oriented(
        pipe_from=cat(pf) if pf else np.zeros(0, dtype=np.int64),
        pipe_to=cat(pt) if pt else np.zeros(0, dtype=np.int64),
        pipe_network=cat(pnet) if pnet else np.zeros(0, dtype=np.int64),
        down=np.asarray(down, dtype=float),
        dist=np.asarray(dist, dtype=float),
        pred=pred_all,
    )


def _upstream_pipes(node: int, pipe_of_to: np.ndarray, pred: np.ndarray) -> set[int]:
    """Pipes on the path from ``node`` up to its source."""
    v, upstream = node, set()
    while v >= 0 and pipe_of_to[v] >= 0:
        upstream.add(int(pipe_of_to[v]))
        v = int(pred[v])
    return upstream


def _network_boosters(
    tree: _Oriented,
    s: int,
    total: float,
    node_xy: np.ndarray,
    pipe_of_to: np.ndarray,
    boosters_per_source: int,
) -> list[int]:
    """Booster pipes of network ``s``: the biggest mains beyond 2 km (or halfway out in a small
    city), on different branches, 1 km apart."""
    pipe_from, pipe_to, pipe_down = tree.pipe_from, tree.pipe_to, tree.down[tree.pipe_to]
    mine = tree.pipe_network == s
    if not mine.any():
        return []
    reach = min(BOOSTER_MIN_DISTANCE_M, 0.5 * float(tree.dist[pipe_to[mine]].max()))
    cand = np.flatnonzero(mine & (tree.dist[pipe_from] >= reach))
    chosen: list[int] = []
    for c in cand[np.argsort(-pipe_down[cand], kind="stable")]:
        if len(chosen) >= boosters_per_source or (chosen and pipe_down[c] < 0.05 * total):
            break
        upstream = _upstream_pipes(int(pipe_from[c]), pipe_of_to, tree.pred)
        spaced = all(
            np.hypot(*(node_xy[pipe_from[c]] - node_xy[pipe_from[o]])) >= BOOSTER_SPACING_M
            for o in chosen
        )
        if spaced and upstream.isdisjoint(chosen):
            chosen.append(int(c))
    return chosen


def _boosters(
    tree: _Oriented,
    node_xy: np.ndarray,
    n_c: int,
    boosted_sources: list[int],
    boosters_per_source: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Pipes carrying booster stations on the boosted networks, and their power [MW]."""
    pipe_of_to = np.full(len(node_xy), -1, dtype=np.int64)
    pipe_of_to[tree.pipe_to] = np.arange(len(tree.pipe_to))
    pump_pipe: list[int] = []
    for s in boosted_sources:
        total = float(tree.down[n_c + s])
        pump_pipe += _network_boosters(tree, s, total, node_xy, pipe_of_to, boosters_per_source)
    pump_pipe_a = np.asarray(pump_pipe, dtype=np.int64)
    pipe_down = tree.down[tree.pipe_to]
    pump_p = np.clip(BOOSTER_KW_PER_MW_TH * pipe_down[pump_pipe_a] / 1000.0, 0.2, 1.0)
    return pump_pipe_a, pump_p


def _links(
    trunk: list[np.ndarray],
    node_xy: np.ndarray,
    owner: np.ndarray,
    net_demand: np.ndarray,
    n_c: int,
) -> tuple[list[int], list[int], list[float]]:
    """Link pipes between neighbouring networks (normally closed valves): each network to its
    nearest other network (closest pair of branch or source nodes), once per pair, sized for
    :data:`LINK_SHARE` of the smaller network's demand."""
    links: dict[tuple[int, int], tuple[float, int, int]] = {}
    for nodes in trunk:
        s = int(nodes[0] - n_c)
        other = np.flatnonzero((owner >= 0) & (owner != s))
        if len(other) == 0 or net_demand[s] <= 0:
            continue
        dd, jj = cKDTree(node_xy[other]).query(node_xy[nodes])
        k = int(np.argmin(dd))
        u, v = int(nodes[k]), int(other[jj[k]])
        key = (min(s, int(owner[v])), max(s, int(owner[v])))
        if key not in links or dd[k] < links[key][0]:
            links[key] = (float(dd[k]), u, v)
    kf = [links[key][1] for key in sorted(links)]
    kt = [links[key][2] for key in sorted(links)]
    kd = [LINK_SHARE * float(min(net_demand[a], net_demand[b])) for a, b in sorted(links)]
    return kf, kt, kd


def build_heat(
    consumer_ids: list[str],
    consumer_xy: np.ndarray,
    demand_mw_th: np.ndarray,
    source_ids: list[str],
    source_xy: np.ndarray,
    capacity_mw_th: np.ndarray,
    boosted_sources: list[int],
    boosters_per_source: int,
) -> HeatBuild:
    """Build one network per source (a tree of mains and branches sized from the demand
    downstream, with a few loops through normally open valves), booster stations on the long
    mains of the boosted networks, and links between neighbouring networks through normally
    closed valves (one source can back up another once its valve is opened).

    Parameters
    ----------
    consumer_ids : list of str
        Ids of district-heated buildings and facilities (their nodes are ``n_<id>``).
    consumer_xy : numpy.ndarray, shape (m, 2)
        Consumer positions [m].
    demand_mw_th : numpy.ndarray, shape (m,)
        Design heat demand [MW_th].
    source_ids : list of str
        Ids of the sources (their nodes are ``n_<id>``).
    source_xy : numpy.ndarray, shape (s, 2)
    capacity_mw_th : numpy.ndarray, shape (s,)
    boosted_sources : list of int
        Sources whose networks get booster stations (the CHP plants).
    boosters_per_source : int
        At most this many booster stations per boosted network.

    Returns
    -------
    HeatBuild
    """
    n_c, n_s = len(consumer_xy), len(source_xy)
    src_of = assign_consumers(consumer_xy, demand_mw_th, source_xy, capacity_mw_th)
    trees = _trees(consumer_ids, consumer_xy, demand_mw_th, source_ids, source_xy, src_of)
    node_xy = trees.node_xy
    tree = _orient(trees, n_c, n_s)
    down = tree.down
    pump_pipe, pump_p = _boosters(tree, node_xy, n_c, boosted_sources, boosters_per_source)
    # loop pipes with normally open valves inside networks, links through closed ones between
    lf, lt, ld = _loops(trees.trunk, node_xy, tree.pred, down)
    owner = np.full(len(node_xy), -1, dtype=np.int64)
    for nodes in trees.trunk:
        owner[nodes] = int(nodes[0] - n_c)
    net_demand = np.array([down[n_c + s] for s in range(n_s)])
    kf, kt, kd = _links(trees.trunk, node_xy, owner, net_demand, n_c)
    n_tree = len(tree.pipe_from)
    pipe_from = np.concatenate([tree.pipe_from, np.asarray(lf + kf, dtype=np.int64)])
    pipe_to = np.concatenate([tree.pipe_to, np.asarray(lt + kt, dtype=np.int64)])
    pipe_net = np.concatenate(
        [
            tree.pipe_network,
            owner[np.asarray(lf, dtype=np.int64)],
            np.full(len(kf), -1, dtype=np.int64),
        ]
    )
    pipe_down = np.concatenate([down[tree.pipe_to], np.asarray(ld + kd, dtype=float)])
    length = np.maximum(ROUTE_FACTOR * np.hypot(*(node_xy[pipe_from] - node_xy[pipe_to]).T), 1.0)
    length = np.round(length, 1)
    # a tree pipe ending at a consumer is a branch; the rest (mains, loops, links) are mains
    branch = np.arange(len(pipe_from)) < n_tree
    branch &= pipe_to < n_c
    reach = np.zeros(n_s)  # longest pipe distance from each source [m]
    np.maximum.at(reach, tree.pipe_network, tree.dist[tree.pipe_to])
    main_r = np.minimum(MAIN_R_MAX_PA_M, MAIN_DROP_MAX_PA / np.maximum(reach, 1.0))
    r_main = np.where(pipe_net >= 0, main_r[np.maximum(pipe_net, 0)], MAIN_R_MAX_PA_M)
    r_branch = np.minimum(BRANCH_R_MAX_PA_M, BRANCH_DROP_MAX_PA / length)
    r_max = np.where(branch, r_branch, r_main)
    return HeatBuild(
        node_id=trees.node_id,
        node_xy=node_xy,
        pipe_from=pipe_from,
        pipe_to=pipe_to,
        pipe_length_m=length,
        pipe_dn_mm=pipe_dn_mm(pipe_down, r_max),
        pipe_downstream_mw_th=pipe_down,
        pipe_network=pipe_net,
        consumer_node=np.arange(n_c, dtype=np.int64),
        source_node=n_c + np.arange(n_s, dtype=np.int64),
        consumer_source=src_of,
        pump_pipe=pump_pipe,
        pump_p_mw=np.round(pump_p, 3),
        valve_pipe=n_tree + np.arange(len(lf) + len(kf), dtype=np.int64),
        valve_normally_open=np.concatenate([np.ones(len(lf), bool), np.zeros(len(kf), bool)]),
    )


def heat_valve_table(heat: HeatBuild, to_lonlat) -> pd.DataFrame:
    """The ``heat_valves`` table: ``valve_id``, ``pipe_id`` (named ``p_<position + 1:06d>`` as
    the synthetic city names its pipes), ``lon``, ``lat`` (the pipe's upstream end),
    ``normally_open``.

    Parameters
    ----------
    heat : HeatBuild
    to_lonlat : callable
        ``(x_m, y_m) -> (lon, lat)`` of the city's projection.
    """
    xy = heat.node_xy[heat.pipe_from[heat.valve_pipe]]
    lon, lat = to_lonlat(xy[:, 0], xy[:, 1])
    return pd.DataFrame(
        {
            "valve_id": [f"v_{k + 1:05d}" for k in range(len(heat.valve_pipe))],
            "pipe_id": [f"p_{k + 1:06d}" for k in heat.valve_pipe],
            "lon": np.round(lon, 7),
            "lat": np.round(lat, 7),
            "normally_open": heat.valve_normally_open.astype(bool),
        }
    )
