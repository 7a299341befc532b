"""Repair tasks and crews (first version: first-in-first-out dispatch).

Every damaged asset becomes a task for a crew type with a duration drawn from the repair-time
table (log-normal around the median of its kind and damage state). Crews work only while no
air-raid alert is active and the security clearance after it has passed (DESIGN.md,
"Restoration"). Issue 6 adds travel, shifts, precedence, spare parts and smarter policies.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from coldstart.scenario.strikes import Damage
from coldstart.scenario.tables import pipe_norm_h, repair_times

MOBILISATION_H = 0.5
"""Time a crew needs to reach a site and make it safe before work starts [h] (first estimate)."""


@dataclass
class Task:
    """One repair task (mutable state owned by one run)."""

    asset_id: str
    crew_type: str
    work_h: float
    created_h: float
    state: str
    remaining_h: float = field(init=False)
    started_h: float | None = None
    done_h: float | None = None

    def __post_init__(self) -> None:
        self.remaining_h = self.work_h


def repair_duration_h(
    kind: str, state: str, rng: np.random.Generator, dn_mm: float | None = None
) -> tuple[float, str]:
    """Draw a repair duration [h] and the crew type for an asset kind and damage state."""
    row = repair_times().loc[(kind, state)]
    median = float(row["median"])
    if row["median_unit"] == "x_pipe_norm":
        median *= pipe_norm_h(dn_mm if dn_mm is not None else 300.0)
    if not np.isfinite(median):
        return float("inf"), str(row["crew_type"])
    return float(median * np.exp(row["log_sd"] * rng.standard_normal())), str(row["crew_type"])


class RepairBook:
    """Open repair tasks and the crews working on them, first in, first out."""

    def __init__(self, crews: dict[str, int]):
        self.crews = dict(crews)
        self.tasks: dict[str, Task] = {}
        self.queue: list[str] = []  # asset ids waiting, oldest first
        self.active: list[str] = []

    def add(self, dmg: Damage, kind: str, rng: np.random.Generator, dn_mm: float | None) -> Task:
        """Open (or worsen) the task of a damaged asset; returns the task."""
        drawn, crew = repair_duration_h(kind, dmg.state, rng, dn_mm)
        work = dmg.repair_h if dmg.repair_h is not None else drawn
        if dmg.beyond_repair:
            work = float("inf")
        work += MOBILISATION_H
        old = self.tasks.get(dmg.asset_id)
        if old is not None and old.done_h is None:
            old.remaining_h = max(old.remaining_h, work)
            old.state = dmg.state
            return old
        task = Task(dmg.asset_id, crew, work, dmg.at_h, dmg.state)
        self.tasks[dmg.asset_id] = task
        self.queue.append(dmg.asset_id)
        return task

    def busy(self, crew_type: str) -> int:
        """Crews of a type assigned to a task."""
        return sum(1 for a in self.active if self.tasks[a].crew_type == crew_type)

    def step(self, t_h: float, dt_h: float, stopped: bool) -> tuple[list[Task], list[Task], int]:
        """Assign free crews, then work one step unless crews are stopped by an alert.

        Returns
        -------
        started, finished : list of Task
        working : int
            Crews that worked this step.
        """
        started: list[Task] = []
        finished: list[Task] = []
        if stopped:
            return started, finished, 0
        for aid in list(self.queue):
            task = self.tasks[aid]
            if not np.isfinite(task.remaining_h):
                continue  # beyond repair within the horizon: no crew is tied up
            if self.busy(task.crew_type) < self.crews.get(task.crew_type, 0):
                self.queue.remove(aid)
                self.active.append(aid)
                task.started_h = t_h
                started.append(task)
        for aid in list(self.active):
            task = self.tasks[aid]
            task.remaining_h -= dt_h
            if task.remaining_h <= 1e-9:
                task.done_h = t_h + dt_h
                self.active.remove(aid)
                finished.append(task)
        return started, finished, len(self.active) + len(finished)
