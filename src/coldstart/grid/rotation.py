"""Rotating outages as Ukrainian distribution companies run them [UA-GPV].

Households not on critical lists are split into 6 queues of 2 sub-queues (1.1 ... 6.2). The
dispatcher orders a *stage*: how many queues are off at once, in half-queue steps (stage 1.5 =
three sub-queues off). Each sub-queue's off-window lasts 2.5-3.5 h, and switching back on takes
up to 30 minutes more; it then stays on at least 3.5 h, unless a rising stage needs more
sub-queues than have rested (the rested ones go first); the next sub-queue to go off is the one
with the fewest dark hours over the past week (fairness over the week). Critical infrastructure
is exempt, and so are the households on the same feeders. When an island is short even so,
*emergency* outages (ordered within 15 minutes, no schedule) cut more sub-queues there at once;
they override the schedule and end as soon as the island can carry its load again.

Sources: DTEK and Ukrenergo published schedules (2022-2026): "queues" (cherhy) 1-6 with
sub-queues, 4 h off per queue-stage per day, windows of 2.5-4 h; GAV (emergency outage
schedules) override GPV (hourly outage schedules). Figures from [UA-GPV] (docs/sources.md).

Everything here is a pure function of arrays or a small state object owned by one run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

N_SUB = 12
"""Sub-queues (6 queues x 2)."""

SUB_QUEUES = tuple(f"{q}.{s}" for q in range(1, 7) for s in (1, 2))
"""Sub-queue names in order."""

OFF_MIN_H, OFF_MAX_H = 2.5, 3.5
"""Shortest and longest scheduled off-window [h] [UA-GPV]."""

OFF_TYPICAL_H = 3.0
"""Usual off-window [h] (the published schedules' 3-hour blocks)."""

MIN_ON_H = 3.5
"""Least time on between two off-windows of one sub-queue [h] [UA-GPV]."""

SWITCH_DELAY_MAX_H = 0.5
"""Switching a sub-queue back on takes up to this long [h] ([UA-GPV]: up to 30 minutes)."""

FAIRNESS_WINDOW_H = 168.0
"""Dark hours are balanced over this trailing window [h] (a week)."""

EMERGENCY = "emergency"
SCHEDULED = "scheduled"


def stage_for_deficit(deficit_mw: float, household_mw: float) -> float:
    """Queues off needed to cover a deficit, in half-queue steps.

    Parameters
    ----------
    deficit_mw : float
        Demand minus supply [MW] (<= 0: none).
    household_mw : float
        Load of all sheddable households [MW].

    Returns
    -------
    float
        0, 0.5, 1, ..., 6 queues (each 0.5 is one sub-queue).

    Examples
    --------
    >>> stage_for_deficit(25.0, 100.0)  # a quarter of 12 sub-queues -> 3 sub-queues
    1.5
    """
    if deficit_mw <= 0 or household_mw <= 0:
        return 0.0
    sub = math.ceil(min(1.0, deficit_mw / household_mw) * N_SUB - 1e-9)
    return sub / 2.0


def window_h(stage: float) -> float:
    """Off-window length for a stage [h].

    With ``n`` of 12 sub-queues off at a time, each is on ``L (12 - n) / n`` between windows of
    length ``L``. The window is :data:`OFF_TYPICAL_H`, lengthened (up to 3.5 h) when the
    3.5 h minimum on-time needs it; beyond 3 queues (6 sub-queues) no window in 2.5-3.5 h keeps
    the minimum on-time, and the longest is used.

    Examples
    --------
    >>> window_h(2.0), window_h(3.0)
    (3.0, 3.5)
    """
    n = int(round(stage * 2))
    if n <= 0:
        return OFF_TYPICAL_H
    need = MIN_ON_H * n / (N_SUB - n) if n < N_SUB else np.inf
    return float(np.clip(max(OFF_TYPICAL_H, need), OFF_MIN_H, OFF_MAX_H))


@dataclass
class Rotation:
    """Rotating-outage state of one run (the run owns it; nothing else mutates it).

    Parameters
    ----------
    seed : int
        Seed of the switching delays.
    """

    seed: int = 0
    off_until_h: np.ndarray = field(default_factory=lambda: np.full(N_SUB, -np.inf))
    on_since_h: np.ndarray = field(default_factory=lambda: np.full(N_SUB, -np.inf))
    emergency: np.ndarray = field(default_factory=lambda: np.zeros(N_SUB, bool))
    dark_log: list[tuple[int, float, float]] = field(default_factory=list)
    schedule: list[tuple[str, float, float, str]] = field(default_factory=list)
    rng: np.random.Generator = field(init=False)
    _dark: np.ndarray = field(init=False, repr=False, compare=False)  # dark_log as rows

    def __post_init__(self) -> None:
        self.rng = np.random.default_rng(self.seed)
        self._dark = np.zeros((0, 3))

    def _dark_rows(self) -> np.ndarray:
        """:attr:`dark_log` as an array of rows ``(queue, start, end)`` (new rows appended)."""
        n = len(self._dark)
        if n > len(self.dark_log):  # the log was cut outside: start over
            n, self._dark = 0, np.zeros((0, 3))
        if n < len(self.dark_log):
            new = np.array(self.dark_log[n:], float).reshape(-1, 3)
            self._dark = np.concatenate([self._dark, new])
        return self._dark

    def dark_hours(self, t_h: float) -> np.ndarray:
        """Dark hours of each sub-queue over the trailing week up to ``t_h``.

        Sums the windows of :attr:`dark_log` per sub-queue in log order (``numpy.bincount``
        adds its weights in order, as a loop over the log would).
        """
        if not self.dark_log:
            return np.zeros(N_SUB)
        log = self._dark_rows()
        q, s, e = log[:, 0].astype(np.int64), log[:, 1], log[:, 2]
        lo = t_h - FAIRNESS_WINDOW_H
        span = np.maximum(0.0, np.minimum(e, t_h) - np.maximum(s, lo))
        return np.bincount(q, weights=span, minlength=N_SUB)

    def off(self, t_h: float) -> np.ndarray:
        """Sub-queues dark at ``t_h`` (scheduled window or switching delay, or emergency)."""
        return (self.off_until_h > t_h + 1e-9) | self.emergency

    def step(self, t_h: float, stage: float) -> np.ndarray:
        """Apply a stage ordered at ``t_h``; return the sub-queues off now.

        Sub-queues whose window ended come back on (after their switching delay, already added
        to the window). If fewer sub-queues are off than the stage asks, the rested ones (on for
        at least :data:`MIN_ON_H`) with the fewest dark hours this week go off for
        :func:`window_h`; a lighter stage lets running windows finish.
        """
        need = int(round(stage * 2))
        off = self.off_until_h > t_h + 1e-9
        ended = ~off & np.isfinite(self.off_until_h) & (self.on_since_h < self.off_until_h)
        self.on_since_h[ended] = self.off_until_h[ended]
        if off.sum() < need:
            dark = self.dark_hours(t_h)
            rested = (t_h - self.on_since_h) >= MIN_ON_H - 1e-9
            order = np.lexsort((np.arange(N_SUB), dark, ~rested, self.emergency))
            length = window_h(stage)
            for q in order:
                if off.sum() >= need:
                    break
                if off[q] or self.emergency[q]:
                    continue
                delay = float(self.rng.uniform(0.0, SWITCH_DELAY_MAX_H))
                end = t_h + length + delay
                off[q] = True
                self.off_until_h[q] = end
                self.dark_log.append((int(q), t_h, end))
                self.schedule.append((SUB_QUEUES[q], t_h, end, SCHEDULED))
        return off | self.emergency

    def set_emergency(self, t_h: float, queues: np.ndarray) -> None:
        """Hold ``queues`` (bool per sub-queue) off as emergency outages from ``t_h``; release
        the others (their emergency window ends at ``t_h``)."""
        queues = np.asarray(queues, bool)
        for q in (queues & ~self.emergency).nonzero()[0]:
            self.schedule.append((SUB_QUEUES[q], t_h, np.inf, EMERGENCY))
            self.dark_log.append((int(q), t_h, np.inf))
        for q in (~queues & self.emergency).nonzero()[0]:
            for k in range(len(self.schedule) - 1, -1, -1):
                name, s, e, kind = self.schedule[k]
                if name == SUB_QUEUES[q] and kind == EMERGENCY and np.isinf(e):
                    self.schedule[k] = (name, s, t_h, kind)
                    break
            for k in range(len(self.dark_log) - 1, -1, -1):
                qq, s, e = self.dark_log[k]
                if qq == q and np.isinf(e):
                    self.dark_log[k] = (qq, s, t_h)
                    if k < len(self._dark):
                        self._dark[k, 2] = t_h
                    break
            self.on_since_h[q] = t_h
        self.emergency = queues.copy()

    def closed_schedule(self, end_h: float) -> list[tuple[str, float, float, str]]:
        """The schedule with open emergency windows closed at ``end_h`` (for saving)."""
        return [(q, s, min(e, end_h), k) for q, s, e, k in self.schedule]


def emergency_queues(
    short_mw: np.ndarray,
    island_of_consumer: np.ndarray,
    queue: np.ndarray,
    load_mw: np.ndarray,
    dark: np.ndarray,
    already_off: np.ndarray,
    per_queue: np.ndarray | None = None,
) -> np.ndarray:
    """Sub-queues to cut at once so that every island carries its load.

    Parameters
    ----------
    short_mw : numpy.ndarray
        Shortfall of each island after the scheduled cuts [MW] (<= 0: none).
    island_of_consumer, queue, load_mw : numpy.ndarray
        Island, sub-queue (-1: exempt) and current served load [MW] of every consumer.
    dark : numpy.ndarray
        Dark hours of each sub-queue this week (fewest go first).
    already_off : numpy.ndarray of bool
        Sub-queues off already (scheduled or emergency).
    per_queue : numpy.ndarray, optional
        Shape (islands, N_SUB): the households' ``load_mw`` per island and sub-queue, summed
        in consumer order, when the caller has it [MW] (the same sums as found here).

    Returns
    -------
    numpy.ndarray of bool
        Sub-queues to hold off as emergency outages (a sub-queue is cut city-wide, as the
        dispatcher orders it by queue, not by island).
    """
    cut = np.zeros(N_SUB, bool)
    order = np.lexsort((np.arange(N_SUB), dark))
    for i in (short_mw > 1e-9).nonzero()[0]:
        need = float(short_mw[i])
        if per_queue is None:
            in_i = (island_of_consumer == i) & (queue >= 0)
            per_q = np.bincount(queue[in_i], weights=load_mw[in_i], minlength=N_SUB)
        else:
            per_q = per_queue[i].copy()
        per_q[already_off] = 0.0
        for q in order:
            if need <= 1e-9:
                break
            if cut[q] or per_q[q] <= 0:
                continue
            cut[q] = True
            need -= per_q[q]
    return cut


def exempt_households(
    consumer_feeder: np.ndarray, is_critical: np.ndarray, is_household: np.ndarray
) -> np.ndarray:
    """Households that escape rotation because a critical consumer shares their feeder.

    Parameters
    ----------
    consumer_feeder : numpy.ndarray of int
        Feeder of every consumer (:func:`coldstart.grid.feeders.feeder_of_bus` of its bus).
    is_critical, is_household : numpy.ndarray of bool

    Returns
    -------
    numpy.ndarray of bool
        Per consumer: a household on a feeder that also feeds a critical consumer ([UA-GPV]:
        "households on the same feeders escape too, so everyone else is cut longer").
    """
    crit_feeders = np.unique(consumer_feeder[is_critical])
    return is_household & np.isin(consumer_feeder, crit_feeders)
