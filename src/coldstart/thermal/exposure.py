"""Cold exposure metrics as pure functions [WHO-2018][COLLINS-1986].

WHO: at least 18 degC indoors in the cold season (WHO Housing and Health Guidelines, 2018).
Risk ladder: below 16 degC respiratory risk, below 12 degC cardiovascular strain, below 9 degC
core temperature falls within 2 h, 5 degC significant hypothermia risk. Exposure is counted in
person-hours below each threshold and in degree-hours below 18 degC
(``sum max(0, 18 - T) dt`` per person), with vulnerable residents counted apart.

A step's exposure is taken at the temperature the runner reports for that step (rectangle rule),
as ``coldstart.metrics.Exposure`` does.
"""

from __future__ import annotations

import numpy as np

THRESHOLDS_C = (18.0, 16.0, 12.0, 9.0, 5.0)
"""Indoor temperature thresholds of the person-hour metrics [degC]: WHO minimum 18 (WHO Housing
and Health Guidelines, 2018); respiratory risk below 16; cardiovascular strain below 12; core
temperature falls within 2 h below 9; significant hypothermia risk at 5 (Public Health England,
Cold Weather Plan for England, 2015: the health effects of indoor cold by temperature band).
The one list every module uses."""

COMFORT_C = 18.0
"""Reference of degree-hours [degC] (WHO Housing and Health Guidelines, 2018)."""

SAFETY_C = 12.0
"""Threshold of "hours of safety" [degC]: cardiovascular strain below it."""


BANDS_BY_COMPARISON = 4096
"""From this many temperatures on, :func:`threshold_bands` compares with each threshold instead
of a binary search per temperature (same bands; about 4x faster on 30,000 temperatures, slower
on 2,000)."""


def _key(thr: float) -> str:
    return f"{thr:g}c"


def threshold_bands(
    temp_c: np.ndarray, thresholds_c: tuple[float, ...] = THRESHOLDS_C
) -> np.ndarray:
    """Band of every temperature between the sorted thresholds (0: below the lowest), flat.

    Parameters
    ----------
    temp_c : numpy.ndarray
        Temperatures [degC], any shape.
    thresholds_c : tuple of float
        Thresholds [degC].

    Returns
    -------
    numpy.ndarray of int
        One band per temperature (of ``temp_c.ravel()``), for :func:`person_hours_below`.
    """
    thr = np.sort(np.asarray(thresholds_c, float))
    temp = np.asarray(temp_c, float).ravel()
    if len(temp) < BANDS_BY_COMPARISON:
        return np.searchsorted(thr, temp, side="right")
    # the same bands by one comparison per threshold (a binary search per temperature costs
    # more on long arrays); ``not below`` counts NaN above every threshold, as searchsorted
    band = np.full(len(temp), len(thr), np.intp)
    for t in thr:
        band -= temp < t
    return band


def person_hours_below(
    temp_c: np.ndarray,
    people: np.ndarray,
    dt_h: float,
    thresholds_c: tuple[float, ...] = THRESHOLDS_C,
    *,
    bands: np.ndarray | None = None,
) -> np.ndarray:
    """Person-hours spent strictly below each threshold [person h].

    Parameters
    ----------
    temp_c : numpy.ndarray
        Temperature where the people are [degC], any shape (one step: (N,); a run: (steps, N)).
    people : numpy.ndarray
        People at that temperature, broadcastable to ``temp_c`` [-].
    dt_h : float
        Step [h].
    thresholds_c : tuple of float
        Thresholds [degC].
    bands : numpy.ndarray, optional
        ``threshold_bands(temp_c, thresholds_c)`` when the caller already has it (several
        groups of people at the same temperatures).

    Returns
    -------
    numpy.ndarray
        Person-hours below each threshold, in the order of ``thresholds_c``.
    """
    temp = np.asarray(temp_c, float)
    ppl = np.broadcast_to(np.asarray(people, float), temp.shape)
    thr = np.asarray(thresholds_c, float)
    order = np.argsort(thr)
    # people per band between sorted thresholds; below threshold i = all bands under it
    band = threshold_bands(temp, thresholds_c) if bands is None else bands
    per_band = np.bincount(band, weights=ppl.ravel(), minlength=len(thr) + 1)
    below_sorted = np.cumsum(per_band)[: len(thr)]
    out = np.empty(len(thr))
    out[order] = below_sorted
    return dt_h * out


def degree_hours_below(
    temp_c: np.ndarray, people: np.ndarray, dt_h: float, reference_c: float = COMFORT_C
) -> float:
    """Person-degree-hours below ``reference_c``: ``sum people max(0, ref - T) dt`` [K person h]."""
    deficit = np.maximum(0.0, reference_c - np.asarray(temp_c, float))
    return dt_h * float((np.asarray(people, float) * deficit).sum())


def exposure_summary(
    temp_c: np.ndarray,
    people: np.ndarray,
    vulnerable_share: np.ndarray,
    dt_h: float,
) -> dict[str, float]:
    """Every exposure figure of the summary, with vulnerable residents counted apart.

    Parameters
    ----------
    temp_c : numpy.ndarray
        Temperatures [degC], shape (steps, N) or (N,).
    people : numpy.ndarray
        People at those temperatures [-], same shape.
    vulnerable_share : numpy.ndarray
        Share of vulnerable people per building [-], shape (N,).
    dt_h : float
        Step [h].

    Returns
    -------
    dict
        ``person_hours_below_{18,16,12,9,5}c``, ``vulnerable_person_hours_below_{...}c``,
        ``person_degree_hours_below_18c``, ``vulnerable_person_degree_hours_below_18c``.
    """
    people = np.asarray(people, dtype=float)
    vuln = people * np.asarray(vulnerable_share, dtype=float)
    out: dict[str, float] = {}
    for thr, v in zip(THRESHOLDS_C, person_hours_below(temp_c, people, dt_h), strict=True):
        out[f"person_hours_below_{_key(thr)}"] = float(v)
    for thr, v in zip(THRESHOLDS_C, person_hours_below(temp_c, vuln, dt_h), strict=True):
        out[f"vulnerable_person_hours_below_{_key(thr)}"] = float(v)
    out["person_degree_hours_below_18c"] = degree_hours_below(temp_c, people, dt_h)
    out["vulnerable_person_degree_hours_below_18c"] = degree_hours_below(temp_c, vuln, dt_h)
    return out


def hours_to_below(temp_c: np.ndarray, thresholds_c: np.ndarray, dt_h: float) -> np.ndarray:
    """Hours until each series first falls below each threshold, interpolated within the step.

    Parameters
    ----------
    temp_c : numpy.ndarray
        Shape (N, steps + 1): temperatures at times ``0, dt, 2 dt, ...`` [degC].
    thresholds_c : numpy.ndarray
        Shape (M,) [degC].
    dt_h : float
        Step [h].

    Returns
    -------
    numpy.ndarray
        Shape (N, M): hours [h]; 0 when already below at time 0; NaN when never reached.
    """
    temp = np.asarray(temp_c, dtype=float)
    thr = np.asarray(thresholds_c, dtype=float)
    below = temp[:, None, :] < thr[None, :, None]  # (N, M, T)
    any_below = below.any(axis=2)
    k = np.argmax(below, axis=2)  # first sample below
    n_idx, m_idx = np.nonzero(np.ones(k.shape, bool))
    kk = k[n_idx, m_idx]
    after = temp[n_idx, kk]
    before = temp[n_idx, np.maximum(kk - 1, 0)]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(before > after, (before - thr[m_idx]) / (before - after), 1.0)
    hours = np.where(kk == 0, 0.0, (kk - 1 + np.clip(frac, 0.0, 1.0)) * dt_h)
    out = hours.reshape(k.shape)
    return np.where(any_below, out, np.nan)


def hours_of_safety(temp_c: np.ndarray, dt_h: float, safety_c: float = SAFETY_C) -> np.ndarray:
    """Hours until each building's air first falls below ``safety_c`` (12 degC) [h], NaN if never.

    Parameters
    ----------
    temp_c : numpy.ndarray
        Shape (N, steps + 1), from time 0 [degC].
    dt_h : float
        Step [h].
    """
    return hours_to_below(temp_c, np.array([safety_c]), dt_h)[:, 0]


def step_hours_to_below(
    previous_h: np.ndarray, temp_end_c: np.ndarray, step_end_h: float, threshold_c: float
) -> np.ndarray:
    """Running form for a step loop: first step end at which ``temp_end_c < threshold_c`` [h].

    Keeps ``previous_h`` where already set (not NaN); returns a new array. This is what the
    runner's ``hours_to_12c`` accumulates (step resolution, no interpolation).
    """
    first = (np.asarray(temp_end_c) < threshold_c) & np.isnan(previous_h)
    return np.where(first, step_end_h, previous_h)
