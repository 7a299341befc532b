"""Who goes to which shelter: a spatial index of shelters within walking distance, and assignment.

As a home cools below ``leave_below_c`` a growing share of the mobile residents present leaves
(``leave_share_per_c`` per degree, at most ``leave_share_max``) for the nearest open shelter
within walking distance that has room; overflow tries the next nearest; those who find none stay
home and are counted as unmet demand [KYIV-2026].

The index is a compressed sparse row (CSR) table built once per run with a k-d tree
(:class:`scipy.spatial.cKDTree`): for every building, the shelters within the walking limit,
nearest first. :func:`assign` fills shelters coldest home first with a vectorised deferred
acceptance (every shelter ranks applicants by one city-wide priority, so the stable outcome is
exactly the sequential coldest-first greedy of :func:`assign_sequential`, at numpy speed).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

SHELTER_KINDS = ("metro_station", "school", "warming_point")
"""Facility kinds that take people in."""

SHELTER_TEMP_C = {"metro_station": 17.0, "school": 18.0, "warming_point": 18.0}
"""Temperature people find in a working shelter [degC]. Metro: Kyiv, Jan 2026, 46 stations as
24/7 shelters at 17-18 degC [KYIV-2026]. Schools and warming points: heated to the WHO minimum
of 18 degC. Used by the first-version runner; :class:`coldstart.people.model.PeopleModel` runs
each shelter's own thermal model instead."""

NIGHT_HOURS = (22, 7)
"""Night, when homes are fullest: from 22:00 to 07:00."""


def at_home_share(hour_of_day: float, night: float, day: float) -> float:
    """Share of residents at home at a given hour of day (night 22:00-07:00, else day)."""
    start, end = NIGHT_HOURS
    h = hour_of_day % 24
    return night if (h >= start or h < end) else day


def leave_share(
    temp_air_c: np.ndarray, below_c: float, per_c: float, max_share: float
) -> np.ndarray:
    """Share of the mobile people present who want a shelter, by home temperature.

    ``clip((below_c - temp_air_c) * per_c, 0, max_share)`` [-].
    """
    return np.clip((below_c - np.asarray(temp_air_c, float)) * per_c, 0.0, max_share)


@dataclass(frozen=True)
class ShelterIndex:
    """For every building, the shelters within walking distance, nearest first (CSR).

    Attributes
    ----------
    indptr : numpy.ndarray of int, shape (n_buildings + 1,)
        Entries of building ``b`` are ``indptr[b]:indptr[b + 1]``.
    shelter : numpy.ndarray of int, shape (nnz,)
        Shelter position of each entry.
    entry_km : numpy.ndarray, shape (nnz,)
        Straight-line distance of each entry [km] (local metric projection, ``coldstart.geo``).
    walk_limit_km : float
        The walking limit the index was built with [km].
    """

    indptr: np.ndarray
    shelter: np.ndarray
    entry_km: np.ndarray
    walk_limit_km: float

    @property
    def n_buildings(self) -> int:
        """Number of buildings indexed."""
        return len(self.indptr) - 1

    @property
    def building(self) -> np.ndarray:
        """Building position of each entry, shape (nnz,)."""
        return np.repeat(np.arange(self.n_buildings), np.diff(self.indptr))

    @property
    def candidates(self) -> list[np.ndarray]:
        """Shelter positions per building, nearest first (a list view of the CSR table)."""
        return np.split(self.shelter, self.indptr[1:-1])

    @property
    def distance_km(self) -> list[np.ndarray]:
        """Distances per building [km], nearest first (a list view of the CSR table)."""
        return np.split(self.entry_km, self.indptr[1:-1])

    @classmethod
    def build(
        cls, building_xy_m: np.ndarray, shelter_xy_m: np.ndarray, walk_limit_km: float
    ) -> ShelterIndex:
        """Pairs within the walking limit from two k-d trees, once per run (shelters do not move).

        Parameters
        ----------
        building_xy_m, shelter_xy_m : numpy.ndarray, shape (n, 2)
            Positions in a local metric projection [m].
        walk_limit_km : float
            Longest walk to a shelter [km] (scenario ``people.walk_limit_km``).
        """
        b_xy = np.asarray(building_xy_m, float).reshape(-1, 2)
        s_xy = np.asarray(shelter_xy_m, float).reshape(-1, 2)
        nb = len(b_xy)
        if len(s_xy) == 0 or nb == 0:
            z = np.zeros(0, np.int64)
            return cls(np.zeros(nb + 1, np.int64), z, np.zeros(0), float(walk_limit_km))
        pairs = cKDTree(b_xy).sparse_distance_matrix(
            cKDTree(s_xy), walk_limit_km * 1000.0, output_type="ndarray"
        )
        bi = pairs["i"].astype(np.int64)
        si = pairs["j"].astype(np.int64)
        # sparse_distance_matrix drops exact zeros (a shelter on a building's spot): add them
        hits = cKDTree(s_xy).query_ball_point(b_xy, r=1e-9)
        zb = np.repeat(np.arange(nb), [len(h) for h in hits])
        if len(zb):
            bi = np.concatenate([bi, zb])
            si = np.concatenate([si, np.concatenate([np.asarray(h, np.int64) for h in hits])])
        # recompute distances exactly as the reference (np.hypot) and keep unique pairs
        key = np.sort(bi * len(s_xy) + si)  # np.unique's result; sorting costs less than
        new = np.ones(len(key), bool)  # its hash table on 500,000 pairs
        new[1:] = key[1:] != key[:-1]
        key = key[new]
        bi, si = key // len(s_xy), key % len(s_xy)
        d_km = np.hypot(*(s_xy[si] - b_xy[bi]).T) / 1000.0
        keep = d_km <= walk_limit_km
        bi, si, d_km = bi[keep], si[keep], d_km[keep]
        order = np.lexsort((si, d_km, bi))
        indptr = np.zeros(nb + 1, np.int64)
        np.cumsum(np.bincount(bi, minlength=nb), out=indptr[1:])
        return cls(indptr, si[order], d_km[order], float(walk_limit_km))


def priority_rank(*keys: np.ndarray) -> np.ndarray:
    """Rank of each agent (0 goes first) by ``keys`` (first key most significant), ties by index."""
    n = len(keys[0])
    order = np.lexsort((np.arange(n), *reversed(keys)))
    rank = np.empty(n, np.int64)
    rank[order] = np.arange(n)
    return rank


def deferred_acceptance(
    indptr: np.ndarray,
    shelter: np.ndarray,
    agent_building: np.ndarray,
    need: np.ndarray,
    rank: np.ndarray,
    free: np.ndarray,
    entries: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """Vectorised deferred acceptance of agents (groups of identical people) into shelters.

    Every agent proposes its unplaced people to the nearest shelter on its building's list that
    has not yet turned it down; every shelter keeps the best-ranked people up to its free places
    and turns the rest down. With one city-wide ranking the result equals the sequential greedy
    (agents in rank order, each filling its shelters nearest first): the unique stable outcome.

    Parameters
    ----------
    indptr, shelter : numpy.ndarray
        CSR lists of shelters per building, nearest first (:class:`ShelterIndex`).
    agent_building : numpy.ndarray of int, shape (n_agents,)
        Building of each agent.
    need : numpy.ndarray of int, shape (n_agents,)
        People of each agent to place.
    rank : numpy.ndarray of int, shape (n_agents,)
        Priority (0 first, never negative), all different.
    free : numpy.ndarray of int, shape (n_shelters,)
        Free places per shelter.
    entries : tuple of numpy.ndarray, optional
        ``(start, end, entry_shelter, entry_agent)`` of these agents when the caller keeps
        them (:func:`agent_entries`, and the agent of every entry); not modified.

    Returns
    -------
    numpy.ndarray of int
        People placed per agent entry: agent ``a`` holds ``held[start[a]:end[a]]`` in the
        shelters of its building's list, with ``start, end`` from :func:`agent_entries`.
    """
    if entries is None:
        ptr, end, ent_shelter = agent_entries(indptr, shelter, agent_building)
        ent_agent = np.repeat(np.arange(len(need)), end - ptr)
    else:
        ptr, end, ent_shelter, ent_agent = entries
        ptr = ptr.copy()  # advanced below
    held = np.zeros(len(ent_shelter), np.int64)
    need = np.asarray(need, np.int64).copy()
    free = np.asarray(free, np.int64)
    rank = np.asarray(rank, np.int64)
    # worst rank a shelter holds once it is full (no one ranked after it can get in)
    cutoff = np.where(free > 0, np.iinfo(np.int64).max, -1)
    span = int(rank.max()) + 1 if len(rank) else 1  # (shelter, rank) as one integer key
    while True:
        active = ((need > 0) & (ptr < end)).nonzero()[0]
        active = _skip_full(active, ptr, end, cutoff, ent_shelter, rank)
        if len(active) == 0:
            break
        touched = np.zeros(len(free), bool)
        touched[ent_shelter[ptr[active]]] = True
        held[ptr[active]] += need[active]
        need[active] = 0
        live = (held > 0).nonzero()[0]
        live = live[touched[ent_shelter[live]]]
        # by shelter, then rank: one stable sort of an integer key (as lexsort, faster)
        order = live[np.argsort(ent_shelter[live] * span + rank[ent_agent[live]], kind="stable")]
        s = ent_shelter[order]
        amt = held[order]
        cum = np.cumsum(amt)
        first = np.r_[True, s[1:] != s[:-1]]
        group = np.cumsum(first) - 1
        before = cum - amt - (cum - amt)[first][group]  # people ahead in the same shelter
        acc = np.clip(free[s] - before, 0, amt)
        rej = amt - acc
        # a full shelter's cutoff is the worst rank it accepted (-1 if it accepted no one)
        last = (np.r_[s[1:] != s[:-1], True]).nonzero()[0]
        full = before[last] + amt[last] >= free[s[last]]
        worst = np.maximum.reduceat(
            np.where(acc > 0, rank[ent_agent[order]], -1), first.nonzero()[0]
        )
        cutoff[s[last][full]] = worst[full]
        if not rej.any():
            continue
        held[order] = acc
        bad = order[rej > 0]
        need += np.bincount(ent_agent[bad], weights=rej[rej > 0], minlength=len(need)).astype(
            np.int64
        )
        front = bad[bad == ptr[ent_agent[bad]]]  # turned down at its nearest untried shelter
        ptr[ent_agent[front]] += 1
    return held


def _skip_full(
    active: np.ndarray,
    ptr: np.ndarray,
    end: np.ndarray,
    cutoff: np.ndarray,
    ent_shelter: np.ndarray,
    rank: np.ndarray,
) -> np.ndarray:
    """Move each active agent's pointer past the shelters already full of better-ranked people
    (``cutoff`` below its rank): to its first entry from ``ptr`` that can take it, or to
    ``end``. ``ptr`` is advanced in place; returns the active agents with entries left, in
    their order."""
    blocked = cutoff[ent_shelter[ptr[active]]] < rank[active]
    if not blocked.any():
        return active
    a = active[blocked]
    lens = end[a] - ptr[a]  # > 0 for an active agent
    off = np.cumsum(lens) - lens
    entry = np.repeat(ptr[a] - off, lens) + np.arange(int(lens.sum()))
    takes = cutoff[ent_shelter[entry]] >= np.repeat(rank[a], lens)
    ptr[a] = np.minimum.reduceat(np.where(takes, entry, np.repeat(end[a], lens)), off)
    return active[ptr[active] < end[active]]


def agent_entries(
    indptr: np.ndarray, shelter: np.ndarray, agent_building: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each agent's slice of a flat entry table copied from its building's CSR list.

    Returns
    -------
    start, end : numpy.ndarray of int, shape (n_agents,)
        Entries of agent ``a`` are ``start[a]:end[a]``.
    entry_shelter : numpy.ndarray of int
        Shelter of each entry.
    """
    agent_building = np.asarray(agent_building, np.int64)
    lens = indptr[agent_building + 1] - indptr[agent_building]
    end = np.cumsum(lens)
    start = end - lens
    src = np.repeat(indptr[agent_building] - start, lens) + np.arange(int(lens.sum()))
    return start, end, shelter[src]


def assign(
    index: ShelterIndex,
    wanting: np.ndarray,
    priority: np.ndarray,
    capacity: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Assign people who want a shelter, coldest building first, nearest shelter first.

    Parameters
    ----------
    index : ShelterIndex
    wanting : numpy.ndarray of int
        People per building who want a shelter.
    priority : numpy.ndarray
        Order key per building (lower goes first; e.g. home temperature [degC]).
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
    wanting = np.asarray(wanting, np.int64)
    nb = len(wanting)
    held = deferred_acceptance(
        index.indptr,
        index.shelter,
        np.arange(nb),
        wanting,
        priority_rank(np.asarray(priority, float)),
        np.asarray(capacity, np.int64),
    )
    sheltered = np.bincount(index.building, weights=held, minlength=nb).astype(np.int64)
    occupancy = np.bincount(index.shelter, weights=held, minlength=len(capacity)).astype(np.int64)
    return sheltered, occupancy, wanting - sheltered


def assign_sequential(
    index: ShelterIndex,
    wanting: np.ndarray,
    priority: np.ndarray,
    capacity: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reference of :func:`assign`: a plain loop over buildings in priority order (slow).

    This is the first-version algorithm; tests check that :func:`assign` gives the same answer
    and ``benchmarks/bench_people.py`` measures both.
    """
    wanting = np.asarray(wanting, np.int64)
    sheltered = np.zeros(len(wanting), np.int64)
    occupancy = np.zeros(len(capacity), np.int64)
    free = np.asarray(capacity, np.int64).copy()
    order = np.lexsort((np.arange(len(wanting)), np.asarray(priority, float)))
    cands = index.candidates
    for b in order[wanting[order] > 0]:
        need = int(wanting[b])
        for s in cands[b]:
            if need == 0:
                break
            take = min(need, int(free[s]))
            if take > 0:
                free[s] -= take
                occupancy[s] += take
                sheltered[b] += take
                need -= take
    return sheltered, occupancy, wanting - sheltered
