"""The worker's part of a sweep: one run, returned as data (never written by the worker).

:func:`run_one` is what a Dask worker (or the coordinating process itself, with one worker)
calls for each run; it needs only the compiled city and the run's scenario and seed, so a run's
result does not depend on where or after which other runs it ran. An exception in the
simulation does not escape: it comes back as a failed outcome with its error, so one bad run
does not stop a sweep.
"""

from __future__ import annotations

import pickle
import traceback
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pandas as pd

from coldstart.compiled import CompiledCity
from coldstart.scenario.model import Scenario

ERROR_CHARS = 2000
"""Longest error text kept of a failed run [characters]."""


@dataclass(frozen=True)
class RunOutcome:
    """What one run produced, as sent back to the coordinating process.

    Parameters
    ----------
    run_id : str
        The run's id (:func:`coldstart.sweep.plan.run_id`).
    status : str
        ``"ok"`` or ``"error"``.
    started, ended : datetime
        Wall-clock start and end of the run (UTC).
    summary : dict
        The run's summary (``summary.json``); empty when it failed.
    timeline : pandas.DataFrame
        The run's timeline (``timeline.csv``), one row per step; empty when it failed.
    error : str
        ``Type: message`` and the last traceback lines of a failed run; ``""`` when ok.
    """

    run_id: str
    status: str
    started: datetime
    ended: datetime
    summary: dict = field(default_factory=dict)
    timeline: pd.DataFrame = field(default_factory=pd.DataFrame)
    error: str = ""


class ShippedCity:
    """A compiled city as sent to Dask workers: its pickle, unpickled once per worker process.

    A compiled city that has run keeps factorizations in its caches that cannot be pickled, so
    the object a worker runs on must never be the one Dask sends on: a worker that joins late
    fetches the city from a peer, which sends this object's bytes, never its runs' caches.

    Parameters
    ----------
    cc : CompiledCity
        A compiled city that has not run yet (pickled here).
    """

    def __init__(self, cc: CompiledCity):
        self.blob = pickle.dumps(cc, protocol=pickle.HIGHEST_PROTOCOL)
        self._cc: CompiledCity | None = None

    def __getstate__(self) -> dict:
        return {"blob": self.blob}

    def __setstate__(self, state: dict) -> None:
        self.blob, self._cc = state["blob"], None

    @property
    def nbytes(self) -> int:
        """Size of the pickled city [bytes]."""
        return len(self.blob)

    def compiled(self) -> CompiledCity:
        """The compiled city of this process (unpickled on first use, then reused)."""
        if self._cc is None:
            self._cc = pickle.loads(self.blob)
        return self._cc


def error_text(exc: BaseException) -> str:
    """A failed run's error as stored: ``Type: first line`` and the last traceback lines."""
    first = str(exc).splitlines()[0] if str(exc) else ""
    tail = "".join(traceback.format_exception(exc)[-3:])
    return f"{type(exc).__name__}: {first}\n{tail}"[:ERROR_CHARS]


def run_one(
    cc: CompiledCity | ShippedCity, scenario: Scenario, seed: int, run_id: str
) -> RunOutcome:
    """Simulate one run of a sweep; never raises for a failure of the simulation.

    Parameters
    ----------
    cc : CompiledCity or ShippedCity
        The compiled city (scattered once to every worker as a :class:`ShippedCity`; only
        read).
    scenario : Scenario
        The run's scenario (variant applied, policy set).
    seed : int
        Seed of every random draw.
    run_id : str
        Passed through to the outcome.

    Returns
    -------
    RunOutcome
        ``status="ok"`` with summary and timeline, or ``status="error"`` with the error.
    """
    from coldstart.simulate import simulate

    started = datetime.now(UTC)
    try:
        city = cc.compiled() if isinstance(cc, ShippedCity) else cc
        result = simulate(city, scenario, seed=seed)
    except Exception as exc:  # recorded with the run; the sweep goes on
        return RunOutcome(run_id, "error", started, datetime.now(UTC), error=error_text(exc))
    return RunOutcome(
        run_id, "ok", started, datetime.now(UTC), dict(result.summary), result.timeline
    )
