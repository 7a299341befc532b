"""Dispatch policies: which waiting task a free crew takes next.

``fifo``: the oldest damage first. ``nearest``: the task closest to the crew. ``greatest_benefit``:
the most people whose heat or power the task brings back per crew-hour (travel plus work),
estimated against what else is still broken (:mod:`coldstart.restore.benefit`); the cold-exposure
objective (people, not megawatt-hours), after PowerModelsRestoration's utilisation heuristic.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from coldstart.scenario.model import DISPATCH_POLICIES as POLICIES

__all__ = ["POLICIES", "choose"]


def choose(
    policy: str,
    created_h: Sequence[float],
    travel_h: Sequence[float],
    work_h: Sequence[float],
    benefit: Sequence[float] | None = None,
) -> int:
    """Index of the candidate task a free crew takes.

    Parameters
    ----------
    policy : str
        One of :data:`POLICIES`.
    created_h : sequence of float
        When each candidate's damage happened [h].
    travel_h : sequence of float
        Travel time of this crew to each candidate [h].
    work_h : sequence of float
        Work left on each candidate [h].
    benefit : sequence of float, optional
        People brought back by each candidate (needed by ``greatest_benefit``).

    Ties go to the earlier candidate (stable), so the choice is deterministic.
    """
    created = np.asarray(created_h, float)
    if policy == "fifo":
        return int(np.argmin(created))
    travel = np.asarray(travel_h, float)
    if policy == "nearest":
        return int(np.lexsort((created, travel))[0])
    if policy == "greatest_benefit":
        if benefit is None:
            raise ValueError("greatest_benefit needs the benefit of each candidate")
        rate = np.asarray(benefit, float) / (travel + np.asarray(work_h, float))
        return int(np.lexsort((created, -rate))[0])
    raise ValueError(f"unknown dispatch policy {policy!r}; expected one of {POLICIES}")
