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

import heapq
import math

import numpy as np

from coldstart.restore.benefit import OutageState, service
from coldstart.restore.repairs import RepairBook, TaskKey, TaskKind

MAX_STAGES = 12
"""At most this many restoration stages are evaluated (expected finishes are grouped into
stages of equal size): the estimate costs a few network solves, not one per task."""


def expected_finish_h(book: RepairBook, t_h: float) -> dict[TaskKey, float]:
    """Expected finish of every open task [h since start] (``inf``: beyond repair), by key.

    Parameters
    ----------
    book : RepairBook
        The run's tasks and crews (not modified).
    t_h : float
        Now [h].
    """
    free: dict[str, list[float]] = {}
    for crew in book.crews:
        busy = book.tasks[crew.task] if crew.task is not None else None
        at = t_h if busy is None else t_h + busy.travel_left_h + max(busy.remaining_h, 0.0)
        free.setdefault(crew.crew_type, []).append(at)
    for heap in free.values():
        heapq.heapify(heap)
    out: dict[TaskKey, float] = {}
    for crew in book.crews:
        task = book.tasks.get(crew.task) if crew.task is not None else None
        if task is not None:
            out[task.key] = t_h + task.travel_left_h + max(task.remaining_h, 0.0)
    for key in book.waiting:
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


def heat_back_h(
    cc,
    outage: OutageState,
    finish_h: dict[str, float],
    t_h: float,
    pump_backup: np.ndarray,
    src_backup: np.ndarray,
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

    Returns
    -------
    numpy.ndarray
        Per building: 0 where heat reaches it now, ``inf`` where no expected repair brings it
        back (district buildings only are meaningful).
    """
    ae = cc.assets
    out_now = [a for a in finish_h if a in ae.index]
    order = sorted(out_now, key=lambda a: finish_h[a])
    eta = np.full(cc.n_build, np.inf)
    _, heat = service(cc, outage, pump_backup, src_backup)
    eta[heat] = 0.0
    finite = [a for a in order if math.isfinite(finish_h[a])]
    if not finite:
        return eta
    trial = outage.copy()
    stages = np.array_split(np.arange(len(finite)), min(MAX_STAGES, len(finite)))
    for stage in stages:
        for j in stage:
            i = ae.index[finite[j]]
            counter = trial.counter(ae.ref_table[i])
            counter[ae.pos[i]] = max(counter[ae.pos[i]] - 1, 0)
            if ae.gen_pos[i] >= 0:
                trial.gen[ae.gen_pos[i]] = max(trial.gen[ae.gen_pos[i]] - 1, 0)
        _, heat = service(cc, trial, pump_backup, src_backup)
        back = heat & ~np.isfinite(eta)
        eta[back] = max(finish_h[finite[stage[-1]]] - t_h, 0.0)
    return eta
