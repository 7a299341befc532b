"""First-version power balance: rotating queues, fairness, critical load last."""

import numpy as np

from coldstart.grid.balance import CRITICAL, OFF_WINDOW_H, QUEUES, QueueState, balance
from coldstart.grid.model import Islands


def _one_island(n_bus=1):
    return Islands(label=np.zeros(n_bus, np.int64), energized=np.ones(n_bus, bool), n=1)


def test_queues_cut_to_cover_deficit_and_rotate_fairly():
    # 12 households of 1 MW (one per sub-queue) + 2 MW critical; 10 MW import.
    queue = np.r_[np.arange(12), CRITICAL]
    demand = np.r_[np.ones(12), 2.0]
    state = QueueState()
    dt = 1 / 6
    dark = np.zeros(12)
    for k in range(int(48 / dt)):
        bal = balance(
            _one_island(), np.zeros(13, np.int64), demand, queue, np.zeros(0, np.int64),
            np.zeros(0), np.zeros(1, np.int64), 10.0, state, k * dt, dt,
        )  # fmt: skip
        assert bal.served[-1] == 1.0  # critical load is never cut while households can be
        assert bal.served_mw <= 10.0 + 1e-9
        dark += dt * (bal.served[:12] == 0)
    # 4 MW short of 14 MW: 4 of 12 sub-queues off -> each dark ~1/3 of the time (8 h a day).
    assert abs(dark.mean() - 16.0) < 1.0
    assert dark.max() - dark.min() <= OFF_WINDOW_H + 1e-9  # fairness within one window
    assert all(e - s == OFF_WINDOW_H for _, s, e in state.schedule)
    assert {q for q, _, _ in state.schedule} == set(QUEUES)


def test_dead_island_serves_nothing_and_critical_cut_whole():
    isl = Islands(label=np.array([0, 1]), energized=np.array([True, False]), n=2)
    served = balance(
        isl, np.array([0, 1, 0]), np.array([2.0, 5.0, 3.0]), np.array([CRITICAL, 0, CRITICAL]),
        np.zeros(0, np.int64), np.zeros(0), np.zeros(1, np.int64), 5.0, QueueState(), 0.0, 0.1,
    ).served  # fmt: skip
    assert served[1] == 0.0
    # 5 MW of critical load on 5 MW of import... minus nothing: all served; on 4 MW the largest
    # (3 MW) goes whole and the other keeps full power.
    assert list(served[[0, 2]]) == [1.0, 1.0]
    served = balance(
        isl, np.array([0, 1, 0]), np.array([2.0, 5.0, 3.0]), np.array([CRITICAL, 0, CRITICAL]),
        np.zeros(0, np.int64), np.zeros(0), np.zeros(1, np.int64), 4.0, QueueState(), 0.0, 0.1,
    ).served  # fmt: skip
    assert list(served[[0, 2]]) == [1.0, 0.0]
