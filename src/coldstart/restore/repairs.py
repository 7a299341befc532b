"""Repair tasks and crews.

Every damaged asset becomes a task for a crew type with a duration drawn from the repair-time
table (log-normal around the median of its kind and damage state). Extensive or complete damage
of an asset with a spare class needs a part: from stock, or after the lead time of a new one.
Crews start at the depot, travel to each site, work in shifts, stop during every air-raid alert
and until the security clearance after it [UA-REPAIR-2022-26], and take the next task by
the dispatch policy. A task may start only when its site has power if it needs it (precedence:
a substation before the stations it feeds; a source's power before the source).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from coldstart.restore.dispatch import choose
from coldstart.scenario.strikes import Damage
from coldstart.scenario.tables import DAMAGE_STATES, pipe_norm_h, repair_times

MOBILISATION_H = 0.5
"""Making a site safe and setting up before work starts [h] (first estimate)."""

PART_STATES = ("extensive", "complete")
"""Damage states that need a spare part when the asset has a spare class."""


class TaskKind(StrEnum):
    """What a crew task does."""

    REPAIR = "repair"
    """Repair a damaged asset (target: the asset id)."""
    REFILL = "refill"
    """Refill and restart a drained or frozen building system (target: the building id)."""
    RESET = "reset"
    """Reset a branch tripped by overload (target: the engine branch position)."""
    DRAIN = "drain"
    """Drain a building's heating system before it freezes (target: the building id)."""
    SYSTEM_REPAIR = "system_repair"
    """Repair a building's risers and radiators after a freeze or a failed restart (target:
    the building id)."""
    BRANCH_REPAIR = "branch_repair"
    """Repair a building's branch pipe that burst when circulation returned (target: the
    building id)."""


TaskKey = tuple[TaskKind, str]
"""A task's identity: its kind and its target."""

Planner = Callable[..., dict[int, int] | None]
"""``optimized`` dispatch: ``(book, t_h, free_crews, candidates, gains) -> {crew: candidate}``,
or None to dispatch that crew type as ``greatest_benefit``."""


@dataclass
class Task:
    """One crew task (mutable state owned by one run).

    ``asset_id`` is the task's target: the asset of a repair, the building of a refill, the
    engine branch position of a reset; ``kind`` says which.
    """

    asset_id: str
    crew_type: str
    work_h: float
    created_h: float
    state: str
    x_m: float = 0.0
    y_m: float = 0.0
    part_ready_h: float = 0.0
    remaining_h: float = field(init=False)
    travel_left_h: float = 0.0
    site_ready: bool = False  # no precedence to check (e.g. a building refill)
    started_h: float | None = None
    done_h: float | None = None
    crew: int | None = None
    kind: TaskKind = TaskKind.REPAIR

    def __post_init__(self) -> None:
        self.remaining_h = self.work_h

    @property
    def key(self) -> TaskKey:
        """The task's identity in its book."""
        return (self.kind, self.asset_id)


@dataclass
class Crew:
    """One crew: its type, where it is, and its task."""

    crew_type: str
    x_m: float
    y_m: float
    task: TaskKey | None = None


def repair_duration_h(
    kind: str, state: str, rng: np.random.Generator, dn_mm: float | None = None
) -> tuple[float, str]:
    """Draw a repair duration [h] and the crew type for an asset kind and damage state."""
    row = repair_times().loc[(kind, state)]
    median = float(row["median"])
    if row["median_unit"] == "x_pipe_norm":
        median *= pipe_norm_h(dn_mm if dn_mm is not None and np.isfinite(dn_mm) else 300.0)
    if not np.isfinite(median):
        return float("inf"), str(row["crew_type"])
    return float(median * np.exp(row["log_sd"] * rng.standard_normal())), str(row["crew_type"])


class _WaitingArrays:
    """The dispatch fields of the waiting tasks as arrays, row ``i`` for ``waiting[i]``.

    Columns of :attr:`num`: ``x_m``, ``y_m`` [m], ``created_h``, ``part_ready_h``,
    ``remaining_h`` [h]; :attr:`crew` holds a code per crew type (:attr:`codes`) and
    :attr:`site_ready` the task's flag. Rows are appended and deleted in step with the book's
    ``waiting`` list, so that dispatch reads arrays instead of looping over the tasks.
    """

    X, Y, CREATED, PART, REMAINING = range(5)

    def __init__(self) -> None:
        self.n = 0
        self._num = np.zeros((16, 5))
        self._crew = np.zeros(16, np.int64)
        self._site = np.zeros(16, bool)
        self.codes: dict[str, int] = {}

    @property
    def num(self) -> np.ndarray:
        """Float columns of the waiting tasks, shape ``(n, 5)`` (a view)."""
        return self._num[: self.n]

    @property
    def crew(self) -> np.ndarray:
        """Crew-type code of each waiting task (a view)."""
        return self._crew[: self.n]

    @property
    def site_ready(self) -> np.ndarray:
        """``Task.site_ready`` of each waiting task (a view)."""
        return self._site[: self.n]

    def code(self, crew_type: str) -> int:
        """The code of a crew type (new types get the next code)."""
        return self.codes.setdefault(crew_type, len(self.codes))

    def set_row(self, i: int, task: Task) -> None:
        """Copy ``task``'s dispatch fields into row ``i``."""
        self._num[i] = (task.x_m, task.y_m, task.created_h, task.part_ready_h, task.remaining_h)
        self._crew[i] = self.code(task.crew_type)
        self._site[i] = task.site_ready

    def append(self, task: Task) -> None:
        """Add a row for ``task`` at the end."""
        if self.n == len(self._crew):
            grow = len(self._crew)
            self._num = np.concatenate([self._num, np.zeros((grow, 5))])
            self._crew = np.concatenate([self._crew, np.zeros(grow, np.int64)])
            self._site = np.concatenate([self._site, np.zeros(grow, bool)])
        self.set_row(self.n, task)
        self.n += 1

    def delete(self, rows: np.ndarray) -> None:
        """Drop ``rows`` (the others keep their order)."""
        keep = np.ones(self.n, bool)
        keep[rows] = False
        m = int(keep.sum())
        self._num[:m] = self._num[: self.n][keep]
        self._crew[:m] = self._crew[: self.n][keep]
        self._site[:m] = self._site[: self.n][keep]
        self.n = m


class RepairBook:
    """Open repair tasks, crews and spare parts of one run.

    Parameters
    ----------
    crews : dict of str to int
        Crews by type.
    policy : str
        Dispatch policy (:data:`coldstart.restore.dispatch.POLICIES`).
    depot_xy_m : tuple of float
        Where crews start [m, local metric frame].
    speed_kmh, road_factor : float
        Travel speed [km/h] and road distance over straight distance [-].
    spares : dict, optional
        Spare class to ``(stock, lead_time_h)``.
    """

    def __init__(
        self,
        crews: dict[str, int],
        policy: str = "fifo",
        depot_xy_m: tuple[float, float] = (0.0, 0.0),
        speed_kmh: float = 25.0,
        road_factor: float = 1.3,
        spares: dict[str, tuple[int, float]] | None = None,
    ):
        self.policy = policy
        self.crews = [
            Crew(ctype, *depot_xy_m) for ctype, n in sorted(crews.items()) for _ in range(n)
        ]
        self.speed_m_h = speed_kmh * 1000.0 / road_factor
        self.stock = {k: int(v[0]) for k, v in (spares or {}).items()}
        self.lead_h = {k: float(v[1]) for k, v in (spares or {}).items()}
        self.tasks: dict[TaskKey, Task] = {}
        self.waiting: list[TaskKey] = []
        self._w = _WaitingArrays()  # the dispatch fields of ``waiting``, row for row

    def add(
        self,
        dmg: Damage,
        kind: str,
        rng: np.random.Generator,
        dn_mm: float | None = None,
        xy_m: tuple[float, float] = (0.0, 0.0),
        spare_class: str = "",
        work_scale: float = 1.0,
    ) -> Task:
        """Open (or worsen) the task of a damaged asset; returns the task.

        ``work_scale`` multiplies a drawn repair time (not one the scenario gives).

        A hit on an asset whose task is still open merges into it: the worse state, the longer
        remaining work, and a spare part only if the worse state newly needs one (a task that
        already needs a part does not take a second). A merge that makes the asset beyond
        repair frees the crew working on it.
        """
        drawn, crew = repair_duration_h(kind, dmg.state, rng, dn_mm)
        work = dmg.repair_h if dmg.repair_h is not None else drawn * work_scale
        if dmg.beyond_repair:
            work = float("inf")
        work += MOBILISATION_H
        key = (TaskKind.REPAIR, dmg.asset_id)
        old = self.tasks.get(key)
        if old is not None and old.done_h is None:
            self._merge(old, dmg, work, spare_class)
            return old
        part_ready = self._part_ready(dmg, spare_class)
        task = Task(dmg.asset_id, crew, work, dmg.at_h, dmg.state, xy_m[0], xy_m[1], part_ready)
        self._enqueue(task)
        return task

    def _enqueue(self, task: Task) -> None:
        """Book ``task`` under its key and append it to the waiting tasks."""
        key = task.key
        self._sync()
        old = self.tasks.get(key)
        self.tasks[key] = task
        self.waiting.append(key)
        self._w.append(task)
        if old is not None and old.started_h is None:
            self._refresh_rows(key)  # a key waiting twice: every row reads the newest task

    def waiting_of(self, crew_types: set[str]) -> list[TaskKey]:
        """The waiting tasks of ``crew_types``, in queue order (read from the waiting arrays,
        not task by task; as :meth:`ready`, it sees ``waiting`` changed outside the book only
        when it grew or shrank: change the queue through the book)."""
        self._sync()
        codes = [self._w.codes[c] for c in crew_types if c in self._w.codes]
        return [self.waiting[i] for i in np.isin(self._w.crew, codes).nonzero()[0]]

    def _sync(self) -> None:
        """Rebuild the waiting arrays if ``waiting`` grew or shrank outside the book (a reorder
        or a swap in place is not seen)."""
        if self._w.n != len(self.waiting):
            self._w = _WaitingArrays()
            for key in self.waiting:
                self._w.append(self.tasks[key])

    def _refresh_rows(self, key: TaskKey) -> None:
        """Copy the task of ``key`` into every waiting row of that key (after a change)."""
        task = self.tasks[key]
        if task.started_h is not None:
            return  # dispatched: not waiting
        for i, k in enumerate(self.waiting):
            if k == key:
                self._w.set_row(i, task)

    def _part_ready(self, dmg: Damage, spare_class: str) -> float:
        """When the spare part a damage needs is at hand [h] (from stock now, or after the lead
        time of a new one); the damage time when it needs none."""
        if spare_class and dmg.state in PART_STATES and spare_class in self.stock:
            if self.stock[spare_class] > 0:
                self.stock[spare_class] -= 1
            else:
                return dmg.at_h + self.lead_h[spare_class]
        return dmg.at_h

    def _merge(self, old: Task, dmg: Damage, work: float, spare_class: str) -> None:
        """A hit on an asset under repair: the worse state, the longer remaining work."""
        if old.state not in PART_STATES:
            old.part_ready_h = max(old.part_ready_h, self._part_ready(dmg, spare_class))
        old.remaining_h = max(old.remaining_h, work)
        if DAMAGE_STATES.index(dmg.state) > DAMAGE_STATES.index(old.state):
            old.state = dmg.state
        if not math.isfinite(old.remaining_h) and old.crew is not None:
            self.crews[old.crew].task = None  # beyond repair now: the crew moves on
            old.crew = None
        self._sync()
        self._refresh_rows(old.key)

    def add_task(
        self,
        kind: TaskKind,
        target: str,
        crew_type: str,
        work_h: float,
        created_h: float,
        xy_m: tuple[float, float] = (0.0, 0.0),
    ) -> Task:
        """Open a task that is not an asset's damage (refilling a building, resetting a trip)."""
        task = Task(target, crew_type, work_h, created_h, "", xy_m[0], xy_m[1], created_h)
        task.kind = kind
        task.site_ready = True
        self._enqueue(task)
        return task

    def cancel(self, key: TaskKey) -> bool:
        """Call off an open task (waiting or under way; its crew is freed). Returns whether
        there was one."""
        return self.cancel_many([key]) == 1

    def cancel_many(self, keys: list[TaskKey]) -> int:
        """:meth:`cancel` every key (one pass over the waiting tasks). Returns how many open
        tasks were called off."""
        drop: set[TaskKey] = set()
        n = 0
        for key in keys:
            task = self.tasks.get(key)
            if task is None or task.done_h is not None:
                continue
            if task.crew is not None:
                self.crews[task.crew].task = None
            else:
                drop.add(key)
            del self.tasks[key]
            n += 1
        if drop:
            self._sync()
            rows = [i for i, k in enumerate(self.waiting) if k in drop]
            self.waiting[:] = [k for k in self.waiting if k not in drop]
            self._w.delete(np.asarray(rows, np.int64))
        return n

    def ready(
        self,
        t_h: float,
        can_start: Callable[[Task], bool] | None = None,
        crew_types: set[str] | None = None,
    ) -> list[Task]:
        """Waiting tasks a crew could take now (repairable, part in hand, site ready), in the
        order they were opened; only those of ``crew_types`` when given."""
        return [self.tasks[self.waiting[i]] for i in self._ready_rows(t_h, can_start, crew_types)]

    def _ready_rows(
        self,
        t_h: float,
        can_start: Callable[[Task], bool] | None,
        crew_types: set[str] | None,
    ) -> np.ndarray:
        """Rows of ``waiting`` that :meth:`ready` returns, in order (``can_start`` is asked only
        about the tasks that pass the other tests, as a loop over the tasks would)."""
        self._sync()
        w = self._w
        num = w.num
        ok = (num[:, w.PART] <= t_h + 1e-9) & np.isfinite(num[:, w.REMAINING])
        if crew_types is not None:
            wanted = np.zeros(len(w.codes) + 1, bool)  # by code (np.isin's answer, by lookup)
            wanted[[w.codes[c] for c in crew_types if c in w.codes]] = True
            ok &= wanted[w.crew]
        if can_start is not None:
            for i in (ok & ~w.site_ready).nonzero()[0]:
                ok[i] = bool(can_start(self.tasks[self.waiting[i]]))
        return ok.nonzero()[0]

    def _dispatch(
        self,
        t_h: float,
        free: list[int],
        can_start: Callable[[Task], bool] | None,
        benefit: Callable[[list[Task]], np.ndarray] | None,
        planner: Planner | None = None,
    ) -> list[Task]:
        """Give each free crew (positions ``free``) a ready task of its type by the policy;
        returns the tasks started, in dispatch order."""
        started: list[Task] = []
        policy = self.policy
        if policy == "optimized" and planner is None:
            policy = "greatest_benefit"  # no planner (a book used alone): its warm start
        free_types = {self.crews[i].crew_type for i in free}
        rows = self._ready_rows(t_h, can_start, free_types)
        w = self._w
        num, codes = w.num[rows], w.crew[rows]
        gone = []
        for ctype in sorted(free_types):
            sel = (codes == w.codes[ctype]).nonzero()[0] if ctype in w.codes else rows[:0]
            if not len(sel):
                continue
            xy = num[sel][:, [w.X, w.Y]]
            created = num[sel, w.CREATED]
            work = num[sel, w.REMAINING]
            gains = None
            if policy in ("greatest_benefit", "optimized"):
                cands = [self.tasks[self.waiting[r]] for r in rows[sel]]
                gains = np.asarray(benefit(cands), float)
            if policy == "optimized":
                mine = [i for i in free if self.crews[i].crew_type == ctype]
                picks = planner(self, t_h, mine, cands, gains)
                if picks is not None:  # None: this type by the ratio rule (greatest_benefit)
                    for i, j in picks.items():
                        d = np.hypot(*(xy[j] - (self.crews[i].x_m, self.crews[i].y_m)))
                        started.append(self._start(cands[j], i, float(d / self.speed_m_h), t_h))
                        gone.append(rows[sel[j]])
                    continue
            taken = np.zeros(len(sel), bool)
            # fifo: the k-th free crew takes the k-th oldest (ties: the earlier opened), as the
            # repeated choice among the untaken would; travel is then needed for it alone
            oldest = np.argsort(created, kind="stable") if policy == "fifo" else None
            for n_taken, i in enumerate(i for i in free if self.crews[i].crew_type == ctype):
                if n_taken == len(sel):
                    break
                crew = self.crews[i]
                if oldest is not None:
                    j = oldest[n_taken]
                    travel_h = np.hypot(*(xy[[j]] - (crew.x_m, crew.y_m)).T)[0] / self.speed_m_h
                else:
                    idx = (~taken).nonzero()[0]
                    travel = np.hypot(*(xy[idx] - (crew.x_m, crew.y_m)).T) / self.speed_m_h
                    pick = choose(
                        "greatest_benefit" if policy == "optimized" else policy,
                        created[idx],
                        travel,
                        work[idx],
                        None if gains is None else gains[idx],
                    )
                    j, travel_h = idx[pick], travel[pick]
                taken[j] = True
                task = self.tasks[self.waiting[rows[sel[j]]]]
                started.append(self._start(task, i, float(travel_h), t_h))
                gone.append(rows[sel[j]])
        if gone:
            for r in sorted(gone, reverse=True):
                del self.waiting[r]
            w.delete(np.asarray(gone, np.int64))
        return started

    def _start(self, task: Task, i: int, travel_h: float, t_h: float) -> Task:
        """Crew ``i`` sets off for ``task`` now (``travel_h`` away); returns the task."""
        task.crew = i
        task.travel_left_h = travel_h
        task.started_h = t_h
        self.crews[i].task = task.key
        return task

    def step(
        self,
        t_h: float,
        dt_h: float,
        stopped: bool,
        can_start: Callable[[Task], bool] | None = None,
        benefit: Callable[[list[Task]], np.ndarray] | None = None,
        planner: Planner | None = None,
    ) -> tuple[list[Task], list[Task], int]:
        """Dispatch free crews, then travel and work one step unless crews are stopped.

        Parameters
        ----------
        t_h, dt_h : float
            Time since start and step [h].
        stopped : bool
            Crews stand still (air-raid alert, security clearance, off shift).
        can_start : callable, optional
            Whether a task's precedence is met (e.g. its site has power).
        benefit : callable, optional
            People each candidate task brings back (``greatest_benefit``, ``optimized``).
        planner : callable, optional
            ``optimized``: ``planner(book, t_h, free_crews, candidates, gains)`` returns the
            candidate (index) each free crew (position) takes, or None for the ratio rule of
            ``greatest_benefit``; without a planner ``optimized`` dispatches as
            ``greatest_benefit``.

        Returns
        -------
        started, finished : list of Task
        working : int
            Crews that travelled or worked this step.
        """
        started: list[Task] = []
        finished: list[Task] = []
        if stopped:
            return started, finished, 0
        free = [i for i, c in enumerate(self.crews) if c.task is None]
        if free and self.waiting:
            extra = {} if planner is None else {"planner": planner}
            started = self._dispatch(t_h, free, can_start, benefit, **extra)
        working = 0
        for crew in self.crews:
            if crew.task is None:
                continue
            working += 1
            task = self.tasks[crew.task]
            left = dt_h
            if task.travel_left_h > 0:
                used = min(left, task.travel_left_h)
                task.travel_left_h -= used
                left -= used
                if task.travel_left_h <= 1e-9:
                    crew.x_m, crew.y_m = task.x_m, task.y_m
            task.remaining_h -= left
            if task.remaining_h <= 1e-9 and task.travel_left_h <= 1e-9:
                task.done_h = t_h + dt_h
                crew.task = None
                finished.append(task)
        return started, finished, working
