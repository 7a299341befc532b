"""First-version sheltering: cold homes send people to the nearest open shelter with room.

As a home cools below ``leave_below_c`` a growing share of the mobile residents at home leaves
(``leave_share_per_c`` per degree, at most ``leave_share_max``) for the nearest open shelter
within walking distance that has room; overflow tries the next nearest; those who find none stay
home and are counted as unmet demand (DESIGN.md, "People and shelters").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

SHELTER_KINDS = ("metro_station", "school", "warming_point")
"""Facility kinds that take people in."""

SHELTER_TEMP_C = {"metro_station": 17.0, "school": 18.0, "warming_point": 18.0}
"""Temperature people find in a working shelter [degC]. Metro: Kyiv, Jan 2026, 46 stations as
24/7 shelters at 17-18 degC (DESIGN.md). Schools and warming points: heated to the WHO minimum
of 18 degC while they have heat and power (first version; issue 7 runs their thermal model)."""

NIGHT_HOURS = (22, 7)
"""Night, when homes are fullest: from 22:00 to 07:00."""


def at_home_share(hour_of_day: float, night: float, day: float) -> float:
    """Share of residents at home at a given hour of day."""
    start, end = NIGHT_HOURS
    h = hour_of_day % 24
    return night if (h >= start or h < end) else day


def leave_share(
    temp_air_c: np.ndarray, below_c: float, per_c: float, max_share: float
) -> np.ndarray:
    """Share of the mobile people at home who want a shelter, by home temperature."""
    return np.clip((below_c - temp_air_c) * per_c, 0.0, max_share)


@dataclass(frozen=True)
class ShelterIndex:
    """For every building, the shelters within walking distance, nearest first."""

    candidates: list[np.ndarray]
    distance_km: list[np.ndarray]

    @classmethod
    def build(
        cls, building_xy_m: np.ndarray, shelter_xy_m: np.ndarray, walk_limit_km: float
    ) -> ShelterIndex:
        """Query a k-d tree of shelters once per run (shelters do not move)."""
        if len(shelter_xy_m) == 0:
            empty = [np.zeros(0, np.int64) for _ in range(len(building_xy_m))]
            return cls(empty, [np.zeros(0) for _ in range(len(building_xy_m))])
        tree = cKDTree(shelter_xy_m)
        lists = tree.query_ball_point(building_xy_m, r=walk_limit_km * 1000.0)
        cands, dists = [], []
        for b, lst in enumerate(lists):
            idx = np.asarray(lst, dtype=np.int64)
            d = np.hypot(*(shelter_xy_m[idx] - building_xy_m[b]).T) / 1000.0 if len(idx) else idx
            order = np.argsort(d, kind="stable")
            cands.append(idx[order])
            dists.append(np.asarray(d, float)[order])
        return cls(cands, dists)


def assign(
    index: ShelterIndex,
    wanting: np.ndarray,
    priority: np.ndarray,
    capacity: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Assign people who want a shelter, building by building, coldest first.

    Parameters
    ----------
    index : ShelterIndex
    wanting : numpy.ndarray of int
        People per building who want a shelter.
    priority : numpy.ndarray
        Order key per building (lower goes first; e.g. home temperature).
    capacity : numpy.ndarray of int
        Free places per shelter (0 for a closed shelter).

    Returns
    -------
    sheltered : numpy.ndarray of int
        People per building who found a place.
    occupancy : numpy.ndarray of int
        People per shelter (never above ``capacity``).
    unmet : numpy.ndarray of int
        People per building who wanted a place and found none.
    """
    sheltered = np.zeros(len(wanting), np.int64)
    occupancy = np.zeros(len(capacity), np.int64)
    free = capacity.astype(np.int64).copy()
    for b in np.flatnonzero(wanting > 0)[np.argsort(priority[wanting > 0], kind="stable")]:
        need = int(wanting[b])
        for s in index.candidates[b]:
            if need == 0:
                break
            take = min(need, int(free[s]))
            if take > 0:
                free[s] -= take
                occupancy[s] += take
                sheltered[b] += take
                need -= take
    return sheltered, occupancy, wanting - sheltered
