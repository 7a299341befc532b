"""Benchmark: the run's topology kernels against the SciPy calls they replace (issue 13).

Measured in the same process on ``synth_city(N)`` (default 30,000 buildings):

- connected parts under an edge mask: :class:`coldstart.graph_parts.EdgeMaskGraph` against a
  COO matrix of the live edges given to ``scipy.sparse.csgraph.connected_components``
  (undirected), on the heat network's branches and on the grid's branches and switches, each
  with 1 % of the edges cut at random (20 masks), labels checked equal;
- a fresh factorization of a DC grid matrix (the grid Laplacian with one grounding) and one
  solve: QDLDL through :class:`coldstart.linalg.SpdFactor` against SuperLU
  (``coldstart.grid.dcflow._factorize``), solutions checked equal to round-off.

Prints the times (best of 5 rounds, CPU) and the ratios. Run:
``.venv/bin/python benchmarks/bench_parts.py [N_BUILDINGS]``.
"""

from __future__ import annotations

import sys
import time

import numpy as np
from scipy.sparse import coo_matrix, csc_matrix
from scipy.sparse.csgraph import connected_components

from coldstart.city.synth import synth_city
from coldstart.compiled import compile_city
from coldstart.graph_parts import EdgeMaskGraph
from coldstart.grid.dcflow import _factorize
from coldstart.linalg import SpdFactor

ROUNDS = 5


def _best_cpu_s(fn, reps: int) -> float:
    """Best of :data:`ROUNDS` rounds of ``reps`` calls, CPU seconds per call."""
    best = np.inf
    for _ in range(ROUNDS):
        t = time.process_time()
        for _ in range(reps):
            fn()
        best = min(best, (time.process_time() - t) / reps)
    return best


def _scipy_parts(f: np.ndarray, t: np.ndarray, n: int, ok: np.ndarray, dtype):
    adj = coo_matrix((np.ones(int(ok.sum()), dtype), (f[ok], t[ok])), shape=(n, n))
    return connected_components(adj, directed=False)


def parts_case(name: str, f: np.ndarray, t: np.ndarray, n: int, rng, dtype) -> None:
    """Time both ways on 20 random masks of one graph (the COO values of ``dtype``, as the
    replaced code had them); check the labels agree."""
    masks = [rng.random(len(f)) > 0.01 for _ in range(20)]
    graph = EdgeMaskGraph(f, t, n)
    for ok in masks:
        want, got = _scipy_parts(f, t, n, ok, dtype), graph.components(ok)
        assert want[0] == got[0] and np.array_equal(want[1], got[1]), name
    ours = _best_cpu_s(lambda: [graph.components(ok) for ok in masks], 3) / len(masks)
    peer = _best_cpu_s(lambda: [_scipy_parts(f, t, n, ok, dtype) for ok in masks], 3)
    peer /= len(masks)
    print(f"  {name} ({n:,} nodes, {len(f):,} edges): EdgeMaskGraph {ours * 1e3:.2f} ms, "
          f"SciPy COO {peer * 1e3:.2f} ms, ratio {peer / ours:.1f}x, labels equal")  # fmt: skip


def grid_matrix(cc) -> csc_matrix:
    """The grid's DC Laplacian over its live branches, grounded at node 0 (SPD)."""
    c = cc.engine.c
    ok = c.br_base_ok & c.node_in_service[c.br_from] & c.node_in_service[c.br_to]
    f, t, b = c.br_from[ok], c.br_to[ok], np.abs(c.br_b_mw[ok])
    n = c.n_node
    rows = np.concatenate([f, t, f, t, np.arange(n)])
    cols = np.concatenate([f, t, t, f, np.arange(n)])
    vals = np.concatenate([b, b, -b, -b, np.full(n, 1e-3)])  # every node lightly grounded
    m = coo_matrix((vals, (rows, cols)), shape=(n, n)).tocsc()
    m.sum_duplicates()
    return m


def main() -> None:
    n_build = int(sys.argv[1]) if len(sys.argv) > 1 else 30_000
    rng = np.random.default_rng(0)
    cc = compile_city(synth_city(n_build, seed=0))
    print(f"synth_city({n_build:,}); best of {ROUNDS} rounds, CPU time per call")
    print("connected parts under an edge mask (1 % of the edges cut):")
    hm = cc.heat_model
    # the heat model's parts were found on int8 values, the grid's islands on floats
    parts_case("heat network", hm.branch_from, hm.branch_to, len(hm.node_ids), rng, np.int8)
    c = cc.engine.c
    f = np.concatenate([c.br_from, c.sw_a])
    t = np.concatenate([c.br_to, c.sw_b])
    parts_case("grid (branches and switches)", f, t, c.n_node, rng, float)
    m = grid_matrix(cc)
    rhs = rng.random(m.shape[0])
    x_lu, x_ld = _factorize(m).solve(rhs), SpdFactor()(m).solve(rhs)
    err = float(np.abs(x_lu - x_ld).max() / np.abs(x_lu).max())
    ours = _best_cpu_s(lambda: SpdFactor()(m).solve(rhs), 5)
    peer = _best_cpu_s(lambda: _factorize(m).solve(rhs), 5)
    print(f"fresh DC matrix factorization and solve ({m.shape[0]:,} unknowns, {m.nnz:,} "
          f"entries): QDLDL {ours * 1e3:.2f} ms, SuperLU {peer * 1e3:.2f} ms, ratio "
          f"{peer / ours:.1f}x, largest relative difference {err:.1e}")  # fmt: skip


if __name__ == "__main__":
    main()
