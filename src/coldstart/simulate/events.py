"""Typed events of a run: an enum of kinds, one record type and the log.

Every event lands in ``events.csv`` as ``time, hours, kind, asset_id, detail``; ``asset_id`` is
the event's target (an asset, a building, a facility or a grid branch, by kind).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class EventKind(StrEnum):
    """Kinds of event, as written in ``events.csv``."""

    WAVE = "wave"
    WAVE_CANCELLED = "wave_cancelled"
    HIT = "hit"
    BEYOND_REPAIR = "beyond_repair"
    REPAIR_START = "repair_start"
    REPAIR_END = "repair_end"
    ALERT_START = "alert_start"
    ALERT_END = "alert_end"
    CREWS_PAUSED = "crews_paused"
    CREWS_RESUMED = "crews_resumed"
    TRIP = "trip"
    TRIP_RESET = "trip_reset"
    DRAIN_ORDER = "drain_order"
    DRAIN_CANCELLED = "drain_cancelled"
    DRAIN = "drain"
    FREEZE = "freeze"
    BURST = "burst"
    RESTART_FAILED = "restart_failed"
    REFILL_START = "refill_start"
    REFILLED = "refilled"
    SHELTER_OPEN = "shelter_open"
    SHELTER_FAIL = "shelter_fail"
    SHELTER_BACK = "shelter_back"
    FUEL_OUT = "fuel_out"
    BACKUP_FAILED = "backup_failed"
    REFUEL = "refuel"


@dataclass(frozen=True)
class Event:
    """One event: when [h since start], what, on which target, and a human-readable detail."""

    t_h: float
    kind: EventKind
    target: str = ""
    detail: str = ""


@dataclass
class EventLog:
    """The events of one run, in the order they happened within a step."""

    events: list[Event] = field(default_factory=list)

    def log(self, t_h: float, kind: EventKind | str, target: str = "", detail: str = "") -> None:
        """Append an event (``kind`` a member or the value of :class:`EventKind`)."""
        kind = kind if isinstance(kind, EventKind) else EventKind(kind)  # (the enum's call is slow)
        self.events.append(Event(t_h, kind, target, detail))

    def rows(self) -> list[tuple[float, str, str, str]]:
        """``(hours, kind, asset_id, detail)`` rows for the Result's events table (hours to the
        microhour: steps of 1/6 h would otherwise show float noise such as 16.999999999999996)."""
        value = {k: k.value for k in EventKind}  # one lookup per row, not the enum's descriptor
        return [(round(e.t_h, 6), value[e.kind], e.target, e.detail) for e in self.events]
