"""Spatial index and fast assignment against brute force and the first-version loop."""

import numpy as np
import pytest

from coldstart.people.shelter import ShelterIndex, assign, assign_sequential


@pytest.mark.parametrize("seed", range(6))
def test_index_equals_brute_force_distance_matrix(seed):
    rng = np.random.default_rng(seed)
    b_xy = rng.uniform(0, 4000, (120, 2))
    s_xy = rng.uniform(0, 4000, (15, 2))
    s_xy[0] = b_xy[3]  # a shelter exactly on a building: distance 0 must be kept
    limit = 1.1
    idx = ShelterIndex.build(b_xy, s_xy, limit)
    d = np.hypot(*(b_xy[:, None, :] - s_xy[None, :, :]).transpose(2, 0, 1)) / 1000.0
    for b in range(len(b_xy)):
        expect = np.flatnonzero(d[b] <= limit)
        expect = expect[np.argsort(d[b, expect], kind="stable")]
        np.testing.assert_array_equal(idx.candidates[b], expect)
        np.testing.assert_allclose(idx.distance_km[b], d[b, expect])
    assert 0 in idx.candidates[3]


@pytest.mark.parametrize("seed", range(40))
def test_vectorised_assignment_equals_sequential_greedy(seed):
    rng = np.random.default_rng(seed)
    nb, ns = int(rng.integers(1, 80)), int(rng.integers(0, 12))
    idx = ShelterIndex.build(
        rng.uniform(0, 3000, (nb, 2)), rng.uniform(0, 3000, (ns, 2)), rng.uniform(0.3, 2.0)
    )
    want = rng.integers(0, 60, nb)
    priority = rng.integers(0, 4, nb).astype(float)  # many ties: broken by building order
    cap = rng.integers(0, 150, ns)
    fast = assign(idx, want, priority, cap)
    slow = assign_sequential(idx, want, priority, cap)
    for a, b in zip(fast, slow, strict=True):
        np.testing.assert_array_equal(a, b)
    sheltered, occ, unmet = fast
    assert (occ <= cap).all() and (unmet >= 0).all()


def test_no_shelters_everyone_unmet():
    idx = ShelterIndex.build(np.zeros((3, 2)), np.zeros((0, 2)), 1.0)
    sheltered, occ, unmet = assign(idx, np.array([5, 0, 2]), np.zeros(3), np.zeros(0, int))
    assert sheltered.sum() == 0 and list(unmet) == [5, 0, 2] and len(occ) == 0
