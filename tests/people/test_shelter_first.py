"""First-version sheltering: capacity, walking limit, nearest first."""

import numpy as np

from coldstart.people.shelter import ShelterIndex, assign, at_home_share, leave_share


def test_capacity_never_exceeded_and_walk_limit_respected():
    rng = np.random.default_rng(3)
    b_xy = rng.uniform(0, 5000, (300, 2))
    s_xy = rng.uniform(0, 5000, (12, 2))
    idx = ShelterIndex.build(b_xy, s_xy, walk_limit_km=1.0)
    want = rng.integers(0, 80, 300)
    cap = rng.integers(0, 300, 12)
    sheltered, occ, unmet = assign(idx, want, rng.uniform(0, 15, 300), cap)
    assert (occ <= cap).all()
    assert (sheltered + unmet == want).all()
    assert occ.sum() == sheltered.sum()
    for b in np.flatnonzero(sheltered):
        d = np.hypot(*(s_xy - b_xy[b]).T)
        assert d[idx.candidates[b]].max() <= 1000.0


def test_nearest_first_then_overflow():
    b_xy = np.array([[0.0, 0.0]])
    s_xy = np.array([[900.0, 0.0], [100.0, 0.0], [5000.0, 0.0]])
    idx = ShelterIndex.build(b_xy, s_xy, walk_limit_km=1.0)
    sheltered, occ, unmet = assign(idx, np.array([150]), np.zeros(1), np.array([100, 100, 100]))
    assert list(occ) == [50, 100, 0] and unmet[0] == 0
    sheltered, occ, unmet = assign(idx, np.array([250]), np.zeros(1), np.array([100, 100, 100]))
    assert unmet[0] == 50  # the third shelter is beyond walking distance


def test_leave_share_and_time_of_day():
    s = leave_share(np.array([20.0, 12.0, 0.0]), 14.0, 0.06, 0.6)
    np.testing.assert_allclose(s, [0.0, 0.12, 0.6])
    assert at_home_share(3.0, 0.95, 0.6) == 0.95
    assert at_home_share(12.0, 0.95, 0.6) == 0.6
