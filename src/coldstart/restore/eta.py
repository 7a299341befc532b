"""When will heat be back? The operator's estimate behind a drain decision.

A heat utility decides to drain a building's system when the outage is expected to outlast the
time its water takes to freeze [UA-HEAT-ENG-2026]; the estimate comes from the repair queue as
the utility knows it. Here: every open repair task gets an expected finish (a task under way:
its travel and work left; a waiting task: the earliest free crew of its type, in the order the
tasks were opened, after its spare part arrives); then the assets are restored in that order,
and each building's heat comes back at the first finish after which a working source reaches it
again (:func:`coldstart.restore.benefit.service`). Alerts, shifts and new hits are not foreseen:
operators' estimates are optimistic, and drains that come too late are part of what happens.
"""

from __future__ import annotations

import hashlib
import heapq
import math

import numpy as np

from coldstart.restore.benefit import OutageState, service
from coldstart.restore.repairs import RepairBook, TaskKey, TaskKind

MAX_STAGES = 12
"""At most this many restoration stages are evaluated (expected finishes are grouped into
stages of equal size): the estimate costs a few network solves, not one per task."""

MEMO_SIZE = 256
"""Outage states whose service a :class:`ServiceMemo` keeps (the oldest are dropped first)."""


class ServiceMemo:
    """:func:`coldstart.restore.benefit.service` remembered by the outage state it was asked
    for (a run's estimates re-solve the same states as the expected order of repairs shifts:
    115 solves of 19 distinct states in ``synth_city(30000)``'s demo week).

    The key is a digest of what ``service`` reads: the sign of every outage counter (an element
    is out above 0, working at 0) and which pumps and sources have fuel. The arrays returned are
    read-only.
    """

    def __init__(self, size: int = MEMO_SIZE) -> None:
        self._size = size
        self._kept: dict[bytes, tuple[np.ndarray, np.ndarray]] = {}  # by digest

    def __call__(self, cc, st: OutageState, pump_backup: np.ndarray, src_backup: np.ndarray):
        parts = (st.bus, st.branch, st.gen, st.source, st.pipe, st.pump)
        digest = hashlib.sha256()
        for a in parts:
            digest.update(np.sign(a).astype(np.int8).tobytes())
            digest.update(b"|")
        digest.update(np.asarray(pump_backup, bool).tobytes() + b"|")
        digest.update(np.asarray(src_backup, bool).tobytes())
        key = digest.digest()
        got = self._kept.get(key)
        if got is None:
            got = service(cc, st, pump_backup, src_backup)
            for a in got:
                a.setflags(write=False)
            if len(self._kept) >= self._size:
                del self._kept[next(iter(self._kept))]
            self._kept[key] = got
        return got


def expected_finish_h(
    book: RepairBook, t_h: float, kinds: frozenset[TaskKind] | None = None
) -> dict[TaskKey, float]:
    """Expected finish of every open task [h since start] (``inf``: beyond repair), by key.

    Parameters
    ----------
    book : RepairBook
        The run's tasks and crews (not modified).
    t_h : float
        Now [h].
    kinds : frozenset of TaskKind, optional
        Only the tasks of these kinds are wanted: the queues of crew types with none of them
        open are skipped (a city's thousands of queued drains, when only repairs are asked
        for). The finishes returned are those of every task of the queues kept, the same as
        without ``kinds``.
    """
    types = None
    if kinds is not None:
        types = {task.crew_type for key, task in book.tasks.items() if key[0] in kinds}
    free: dict[str, list[float]] = {}
    out: dict[TaskKey, float] = {}
    for crew in book.crews:
        if types is not None and crew.crew_type not in types:
            continue
        busy = book.tasks[crew.task] if crew.task is not None else None
        at = t_h if busy is None else t_h + busy.travel_left_h + max(busy.remaining_h, 0.0)
        free.setdefault(crew.crew_type, []).append(at)
        if busy is not None:
            out[busy.key] = at
    for heap in free.values():
        heapq.heapify(heap)
    for key in book.waiting if types is None else book.waiting_of(types):
        task = book.tasks[key]
        heap = free.get(task.crew_type)
        if not heap or not math.isfinite(task.remaining_h):
            out[key] = math.inf
            continue
        start = max(heapq.heappop(heap), task.part_ready_h, t_h)
        done = start + task.remaining_h
        heapq.heappush(heap, done)
        out[key] = done
    return out


def repair_finish_h(finish_h: dict[TaskKey, float]) -> dict[str, float]:
    """The expected finishes of asset repairs only, by asset id."""
    return {k[1]: v for k, v in finish_h.items() if k[0] == TaskKind.REPAIR}


def restoring_repair(
    cc,
    outage: OutageState,
    order: list[str],
    pump_backup: np.ndarray,
    src_backup: np.ndarray,
    memo: ServiceMemo | None = None,
) -> np.ndarray:
    """Which repair brings heat back to each building when the assets in ``order`` are
    restored one after the other (in at most :data:`MAX_STAGES` stages).

    ``memo``, when given, answers the network solves of states it has seen (a run keeps one).

    Returns
    -------
    numpy.ndarray of int
        Per building: -1 where a working source reaches it now, the position in ``order`` of
        the last repair of the stage after which it is reached, or ``len(order)`` where none
        of them brings it back.
    """
    ae = cc.assets
    n = len(order)
    out = np.full(cc.n_build, n)
    solve = service if memo is None else memo
    _, heat = solve(cc, outage, pump_backup, src_backup)
    out[heat] = -1
    if not n:
        return out
    trial = outage.copy()
    for stage in np.array_split(np.arange(n), min(MAX_STAGES, n)):
        for j in stage:
            i = ae.index[order[j]]
            counter = trial.counter(ae.ref_table[i])
            counter[ae.pos[i]] = max(counter[ae.pos[i]] - 1, 0)
            if ae.gen_pos[i] >= 0:
                trial.gen[ae.gen_pos[i]] = max(trial.gen[ae.gen_pos[i]] - 1, 0)
        _, heat = solve(cc, trial, pump_backup, src_backup)
        out[heat & (out == n)] = int(stage[-1])
    return out


def repair_order(cc, finish_h: dict[str, float]) -> list[str]:
    """Assets of the city with a finite expected finish, in the order they are expected back."""
    ae = cc.assets
    done = [a for a, f in finish_h.items() if a in ae.index and math.isfinite(f)]
    return sorted(done, key=lambda a: finish_h[a])


def heat_back_h(
    cc,
    outage: OutageState,
    finish_h: dict[str, float],
    t_h: float,
    pump_backup: np.ndarray,
    src_backup: np.ndarray,
    stages: np.ndarray | None = None,
) -> np.ndarray:
    """Expected hours from now until a working source reaches each building again [h].

    Parameters
    ----------
    cc : CompiledCity
    outage : OutageState
        What is out now (not modified).
    finish_h : dict of str to float
        Expected finish of each open asset repair [h since start] (:func:`repair_finish_h`).
    t_h : float
        Now [h].
    pump_backup, src_backup : numpy.ndarray of bool
        Pumps and sources that still have backup fuel.
    stages : numpy.ndarray of int, optional
        :func:`restoring_repair` of the same outage and :func:`repair_order` (a caller that
        keeps it while the order holds saves the network solves).

    Returns
    -------
    numpy.ndarray
        Per building: 0 where heat reaches it now, ``inf`` where no expected repair brings it
        back (district buildings only are meaningful).
    """
    order = repair_order(cc, finish_h)
    if stages is None:
        stages = restoring_repair(cc, outage, order, pump_backup, src_backup)
    done = np.array([finish_h[a] - t_h for a in order] + [np.inf])
    return np.where(stages < 0, 0.0, np.maximum(done[stages], 0.0))
