"""Air-raid alert windows: around every wave, at random, and explicit ones."""

from __future__ import annotations

import numpy as np

from coldstart.scenario.model import Scenario

MIN_ALERT_H = 0.25
"""Shortest random alert [h]."""


def alert_windows(scenario: Scenario, rng: np.random.Generator) -> list[tuple[float, float]]:
    """Merged alert windows ``(start_h, end_h)`` over the horizon.

    Random alerts follow a Poisson process of ``random_per_day`` with exponential durations of
    mean ``mean_duration_h`` (at least :data:`MIN_ALERT_H`). Waves in a truce raise no alert.
    """
    a = scenario.alerts
    wins: list[tuple[float, float]] = [(w.start_h, w.end_h) for w in a.windows]
    if a.with_waves:
        for w in scenario.strikes:
            if not any(t.start_h <= w.at_h < t.end_h for t in scenario.truces):
                wins.append((max(0.0, w.at_h - a.before_wave_h), w.at_h + a.after_wave_h))
    if a.random_per_day > 0:
        n = int(rng.poisson(a.random_per_day * scenario.horizon_h / 24.0))
        starts = np.sort(rng.uniform(0.0, scenario.horizon_h, size=n))
        durs = np.maximum(MIN_ALERT_H, rng.exponential(a.mean_duration_h, size=n))
        wins += [(float(s), float(s + d)) for s, d in zip(starts, durs, strict=True)]
    wins.sort()
    merged: list[tuple[float, float]] = []
    for s, e in wins:
        e = min(e, scenario.horizon_h)
        if s >= scenario.horizon_h:
            continue
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def step_masks(
    windows: list[tuple[float, float]], steps: int, step_h: float, clearance_h: float
) -> tuple[np.ndarray, np.ndarray]:
    """Per step: whether an alert is active, and whether crews are stopped.

    Crews stop during an alert and until ``clearance_h`` after it ends (security clearance).
    """
    t = np.arange(steps) * step_h
    active = np.zeros(steps, bool)
    stopped = np.zeros(steps, bool)
    for s, e in windows:
        active |= (t + step_h > s) & (t < e)
        stopped |= (t + step_h > s) & (t < e + clearance_h)
    return active, stopped
