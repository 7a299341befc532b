"""Clock and random streams of a run: the fixed thermal step, weather, alerts, and the seeds.

Every random draw of a run comes from one of the independent streams spawned from the run's
seed (``numpy.random.SeedSequence.spawn``), one per subsystem, so that a change in how often one
subsystem draws never shifts another's draws.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from coldstart.scenario.alerts import alert_windows, step_masks
from coldstart.scenario.model import Scenario
from coldstart.scenario.weather import outdoor_temperature_c


@dataclass(frozen=True)
class Streams:
    """The run's random streams: strikes, repair durations, alerts, refills, rotation, backup."""

    strike: np.random.Generator
    repair: np.random.Generator
    alert: np.random.Generator
    refill: np.random.Generator
    rotation_seed: int
    backup: np.random.Generator

    @classmethod
    def from_seed(cls, seed: int) -> Streams:
        """Spawn the six independent streams of ``seed`` (the rotating-outage schedule seeds
        its own generator from the fifth; the sixth draws backup start-up failures)."""
        seqs = np.random.SeedSequence(seed).spawn(6)
        strike, repair, alert, refill = (np.random.default_rng(s) for s in seqs[:4])
        rotation = int(seqs[4].generate_state(1)[0])
        return cls(strike, repair, alert, refill, rotation, np.random.default_rng(seqs[5]))


@dataclass(frozen=True)
class Clock:
    """Steps, outdoor temperature and alert masks of a run (all fixed before the first step).

    Attributes
    ----------
    steps : int
        Thermal steps in the horizon.
    dt_h : float
        Step [h].
    start : pandas.Timestamp
        Date-time of hour 0.
    temp_out_c : numpy.ndarray
        Outdoor temperature at the start of every step [degC].
    windows : list of (float, float)
        Air-raid alert windows [h since start].
    alert_active, crews_stopped : numpy.ndarray of bool
        Per step: an alert is on; crews stand still (alert or security clearance after it).
    """

    steps: int
    dt_h: float
    start: pd.Timestamp
    temp_out_c: np.ndarray
    windows: list[tuple[float, float]]
    alert_active: np.ndarray
    crews_stopped: np.ndarray

    @classmethod
    def build(cls, scenario: Scenario, rng_alert: np.random.Generator) -> Clock:
        """The clock of ``scenario``; alert windows drawn from ``rng_alert``."""
        steps, dt_h = scenario.steps, scenario.step_h
        temp_out = outdoor_temperature_c(scenario)
        windows = alert_windows(scenario, rng_alert)
        active, stopped = step_masks(windows, steps, dt_h, scenario.alerts.clearance_h)
        return cls(steps, dt_h, pd.Timestamp(scenario.start), temp_out, windows, active, stopped)

    @property
    def steps_per_h(self) -> int:
        """Steps per hour (at least 1)."""
        return max(1, int(round(1.0 / self.dt_h)))

    def t_h(self, k: int) -> float:
        """Hours since start at the beginning of step ``k``."""
        return k * self.dt_h

    def hour_of_day(self, k: int) -> float:
        """Local hour of day at the beginning of step ``k`` [h]."""
        return (self.start.hour + self.start.minute / 60.0 + k * self.dt_h) % 24.0

    def iso(self, t_h: float) -> str:
        """ISO date-time of ``t_h`` hours after start, to the second."""
        return (self.start + pd.Timedelta(hours=t_h)).round("s").isoformat()
