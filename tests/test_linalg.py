"""Repeated SPD solves on one sparsity pattern: QDLDL refactorizations and the splu fallback
give the solution of a direct solve."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import csc_matrix, diags
from scipy.sparse.linalg import spsolve

import coldstart.linalg as linalg
from coldstart.linalg import SpdFactor


def _laplacian(weights: np.ndarray, f: np.ndarray, t: np.ndarray, n: int) -> csc_matrix:
    """A weighted graph Laplacian plus a grounded diagonal (SPD), full symmetric CSC."""
    rows = np.concatenate([f, t, f, t, np.arange(n)])
    cols = np.concatenate([f, t, t, f, np.arange(n)])
    vals = np.concatenate([weights, weights, -weights, -weights, np.full(n, 1e-3)])
    m = csc_matrix((vals, (rows, cols)), shape=(n, n))
    m.sum_duplicates()
    m.sort_indices()
    return m


@pytest.mark.parametrize("with_qdldl", [True, False])
def test_refactorizations_solve_like_a_direct_solve(monkeypatch, with_qdldl):
    if not with_qdldl:
        monkeypatch.setattr(linalg, "qdldl", None)
    rng = np.random.default_rng(7)
    n = 400
    # a tree plus a few loops: the shape of a heat network's Jacobian
    f = np.concatenate([np.arange(1, n), rng.integers(0, n, 40)])
    t = np.concatenate([rng.integers(0, np.arange(1, n)), rng.integers(0, n, 40)])
    keep = f != t
    f, t = f[keep], t[keep]
    factor = SpdFactor()
    for _ in range(3):  # new values, same pattern
        m = _laplacian(rng.uniform(0.1, 10.0, len(f)), f, t, n)
        rhs = rng.normal(size=n)
        got = factor(m).solve(rhs)
        # tolerance: both are direct factorizations of a matrix with condition ~1e5
        np.testing.assert_allclose(got, spsolve(m, rhs), rtol=1e-8, atol=1e-8)
    assert (factor._solver is not None) == with_qdldl


def test_a_diagonal_matrix():
    m = csc_matrix(diags([1.0, 2.0, 4.0]))
    np.testing.assert_allclose(SpdFactor()(m).solve(np.array([1.0, 1.0, 1.0])), [1, 0.5, 0.25])


def test_an_empty_system_solves_to_nothing():
    # e.g. a DC state whose every node is a slack: no unknown angle (QDLDL refuses 0 x 0)
    assert SpdFactor()(csc_matrix((0, 0))).solve(np.zeros(0)).shape == (0,)
