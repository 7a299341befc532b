"""Connected parts under edge masks: the same labels as SciPy's undirected components."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from coldstart.graph_parts import EdgeMaskGraph


@given(
    n_node=st.integers(1, 40),
    n_edge=st.integers(0, 80),
    seed=st.integers(0, 2**32 - 1),
)
def test_labels_equal_scipys_undirected_components(n_node, n_edge, seed):
    rng = np.random.default_rng(seed)
    f = rng.integers(0, n_node, n_edge)
    t = rng.integers(0, n_node, n_edge)  # self-loops and parallel edges included
    graph = EdgeMaskGraph(f, t, n_node)
    for _ in range(3):
        ok = rng.random(n_edge) < rng.random()
        adj = coo_matrix((np.ones(int(ok.sum())), (f[ok], t[ok])), shape=(n_node, n_node))
        want_n, want = connected_components(adj, directed=False)
        got_n, got = graph.components(ok)
        assert got_n == want_n
        np.testing.assert_array_equal(got, want)


def test_a_chain_cut_in_the_middle_has_two_parts_numbered_from_node_0():
    graph = EdgeMaskGraph(np.array([0, 1, 2, 3]), np.array([1, 2, 3, 4]), 6)
    n, label = graph.components(np.array([True, False, True, True]))
    assert n == 3  # {0, 1}, {2, 3, 4}, {5}
    np.testing.assert_array_equal(label, [0, 0, 1, 1, 1, 2])
    n, label = graph.components(np.zeros(4, bool))
    assert n == 6


def test_a_mask_of_the_wrong_length_is_refused():
    graph = EdgeMaskGraph(np.array([0, 1]), np.array([1, 2]), 3)
    with pytest.raises(ValueError, match="2 edges"):
        graph.components(np.ones(3, bool))
