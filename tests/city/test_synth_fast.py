"""The synthetic city's fast paths build exactly what the direct computations build.

``synth_city(n, seed)`` must give the same tables and net, bit for bit, whatever the speed-ups:
each vectorised step is held here to a direct (slow, obviously right) version of itself.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import breadth_first_order

from coldstart.city import synth_grid, synth_heat
from coldstart.city.synth_grid import ROUTE_FACTOR, STATION_MAX_LOAD_MW, STATION_MAX_SPAN_M
from coldstart.city.synth_heat import small_spanning_trees, spanning_tree


def _point_sets(rng: np.random.Generator, m: int, count: int) -> np.ndarray:
    pts = rng.uniform(-400.0, 400.0, (count, m, 2))
    pts[: count // 10, 1] = pts[: count // 10, 0]  # coinciding points
    pts[count // 10 : count // 5] = np.round(pts[count // 10 : count // 5] / 100.0) * 100.0  # ties
    return pts


@pytest.mark.parametrize("m", range(2, 11))
def test_small_spanning_trees_match_spanning_tree(m):
    rng = np.random.default_rng(m)
    pts = _point_sets(rng, m, 400)
    i, j, ok = small_spanning_trees(pts)
    if m > 9:
        assert not ok.any()  # beyond the complete-graph case: left to spanning_tree
        return
    assert ok.sum() > 300  # the fast path settles nearly every set
    assert not ok[:40].any()  # coinciding points are left to spanning_tree
    for r in np.flatnonzero(ok):
        ri, rj = spanning_tree(pts[r])
        np.testing.assert_array_equal(i[r], ri)
        np.testing.assert_array_equal(j[r], rj)


def test_quarter_edges_match_one_tree_per_quarter():
    rng = np.random.default_rng(7)
    consumer_xy = rng.uniform(-2000.0, 2000.0, (200, 2))
    consumer_xy[5] = consumer_xy[6]  # a quarter with coinciding buildings
    members = np.arange(200)
    quarters = np.array_split(members, 37)  # sizes 5 and 6
    quarters.append(np.array([3]))  # a quarter of one building (its node on the building)
    quarters.append(np.arange(150, 162))  # 13 points: beyond the fast path
    q_xy = np.array([consumer_xy[q].mean(axis=0) for q in quarters])
    q_nodes = 1000 + np.arange(len(quarters))
    ei, ej = synth_heat._quarter_edges(quarters, q_nodes, q_xy, consumer_xy)
    for q, quarter in enumerate(quarters):
        nodes = np.concatenate([[q_nodes[q]], quarter])
        i, j = spanning_tree(np.vstack([q_xy[q : q + 1], consumer_xy[quarter]]))
        np.testing.assert_array_equal(ei[q], nodes[i])
        np.testing.assert_array_equal(ej[q], nodes[j])
        assert ei[q].dtype == np.int64


def _orient_direct(trees, n_c: int, n_s: int):
    """The trees oriented node by node (the first version of ``_orient``)."""
    n_nodes = len(trees.node_xy)
    xy = trees.node_xy
    g = coo_matrix(
        (np.ones(len(trees.edge_i)), (trees.edge_i, trees.edge_j)), shape=(n_nodes, n_nodes)
    ).tocsr()
    pf, pt, pnet = [], [], []
    down = trees.node_demand.copy()
    dist = np.zeros(n_nodes)
    pred_all = np.full(n_nodes, -1, dtype=np.int64)
    for s in range(n_s):
        order, pred = breadth_first_order(g, n_c + s, directed=False, return_predecessors=True)
        for v in order[1:]:
            p = int(pred[v])
            pf.append(p)
            pt.append(int(v))
            pnet.append(s)
            pred_all[v] = p
            dist[v] = dist[p] + ROUTE_FACTOR * float(np.hypot(*(xy[v] - xy[p])))
        for v in order[:0:-1]:
            down[pred[v]] += down[v]
    return np.asarray(pf), np.asarray(pt), np.asarray(pnet), down, dist, pred_all


def test_orient_matches_node_by_node():
    rng = np.random.default_rng(3)
    n_c, n_s = 300, 4
    cxy = rng.uniform(-3000.0, 3000.0, (n_c, 2))
    q = rng.uniform(0.1, 2.0, n_c)
    sxy = rng.uniform(-3000.0, 3000.0, (n_s, 2))
    src_of = synth_heat.assign_consumers(cxy, q, sxy, np.full(n_s, q.sum() / 3.0))
    ids = [f"c{k}" for k in range(n_c)]
    trees = synth_heat._trees(ids, cxy, q, [f"s{k}" for k in range(n_s)], sxy, src_of)
    fast = synth_heat._orient(trees, n_c, n_s)
    pf, pt, pnet, down, dist, pred = _orient_direct(trees, n_c, n_s)
    np.testing.assert_array_equal(fast.pipe_from, pf)
    np.testing.assert_array_equal(fast.pipe_to, pt)
    np.testing.assert_array_equal(fast.pipe_network, pnet)
    assert fast.down.tobytes() == down.tobytes()
    assert fast.dist.tobytes() == dist.tobytes()
    np.testing.assert_array_equal(fast.pred, pred)


def _group_direct(xy, p_mw, weight, rng):
    """Buildings grouped into stations over numpy scalars (the first version)."""
    n = len(xy)
    order = synth_grid.hilbert_order(xy)
    targets = rng.integers(3, 7, size=n)
    station_of = np.empty(n, dtype=np.int64)
    k, count, load, first = 0, 0.0, 0.0, order[0]
    for i in order:
        far = np.hypot(*(xy[i] - xy[first])) > STATION_MAX_SPAN_M
        if count > 0 and (count >= targets[k] or load + p_mw[i] > STATION_MAX_LOAD_MW or far):
            k, count, load, first = k + 1, 0.0, 0.0, i
        station_of[i] = k
        count += weight[i]
        load += p_mw[i]
    return station_of


def test_group_buildings_matches_numpy_scalars():
    rng = np.random.default_rng(5)
    xy = rng.uniform(-5000.0, 5000.0, (3000, 2))
    p = rng.uniform(0.01, 0.6, 3000)
    weight = np.where(rng.uniform(size=3000) < 0.1, 0.1, 1.0)
    fast = synth_grid._group_buildings(xy, p, weight, np.random.default_rng(1))
    direct = _group_direct(xy, p, weight, np.random.default_rng(1))
    np.testing.assert_array_equal(fast, direct)


def _weights_direct(d, demand, target, scale):
    """The balancing iteration assigning every consumer every time (the first version)."""
    w = np.zeros(d.shape[1])
    for it in range(synth_heat.BALANCE_ITERATIONS):
        a = np.argmin(d - w, axis=1)
        ratio = np.bincount(a, demand, minlength=d.shape[1]) / target
        if ratio.max() <= 1.02:
            break
        w -= 0.05 * scale * 0.98**it * np.clip(ratio - 1.0, -1.0, 1.0)
    return w


@pytest.mark.parametrize("seed", range(4))
def test_balance_weights_match_assigning_everyone_every_time(seed):
    rng = np.random.default_rng(seed)
    n, n_s = 3000, [1, 3, 12, 40][seed]
    cxy = rng.uniform(-6000.0, 6000.0, (n, 2))
    cxy[:50] = np.round(cxy[:50] / 500.0) * 500.0  # consumers at equal distances from sources
    sxy = np.round(rng.uniform(-6000.0, 6000.0, (n_s, 2)) / 500.0) * 500.0
    d = np.hypot(*(cxy[:, None, :] - sxy[None, :, :]).transpose(2, 0, 1))
    demand = rng.uniform(0.1, 2.0, n)
    cap = rng.uniform(0.5, 1.5, n_s)  # uneven: some sources never get within 2 %
    target = cap / cap.sum() * demand.sum()
    scale = float(np.ptp(cxy, axis=0).max() + 1.0)
    fast = synth_heat.balance_weights(d, demand, target, scale)
    assert fast.tobytes() == _weights_direct(d, demand, target, scale).tobytes()
