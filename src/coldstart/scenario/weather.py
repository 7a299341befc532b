"""Outdoor temperature over the horizon: a cold-snap profile or an hourly CSV."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from coldstart.city.io import read_csv_table
from coldstart.city.schema import MAX_PROBLEMS_PER_FIELD, parse_number
from coldstart.errors import Problem, WeatherError
from coldstart.safeio import read_bytes
from coldstart.scenario.model import ColdSnap, Scenario

COLDEST_HOUR = 6.0
"""Hour of day of the daily minimum in a clear-sky cold spell [h] (around sunrise)."""


def cold_snap_c(hour_of_day: np.ndarray, min_temp_c: float, amplitude_c: float) -> np.ndarray:
    """Daily cycle of a cold snap: minimum at 06:00, maximum 12 h later.

    Parameters
    ----------
    hour_of_day : numpy.ndarray
        Hour of day [h], any real values (taken modulo 24).
    min_temp_c : float
        Daily minimum [degC].
    amplitude_c : float
        Daily range, maximum minus minimum [K].

    Returns
    -------
    numpy.ndarray
        Outdoor temperature [degC].
    """
    phase = 2.0 * np.pi * (np.asarray(hour_of_day, dtype=float) - COLDEST_HOUR) / 24.0
    return min_temp_c + amplitude_c * 0.5 * (1.0 - np.cos(phase))


def read_weather_csv(path: str | Path, start: pd.Timestamp) -> pd.Series:
    """Read an hourly weather CSV.

    The file has a column ``temp_outdoor_c`` and either ``hours`` (since the scenario's start) or
    ``time`` (ISO date-time). Every value must be a finite number.

    Returns
    -------
    pandas.Series
        Temperature [degC] indexed by hours since start, sorted.

    Raises
    ------
    WeatherError
        File missing, unparsable, missing columns, NaN or non-numeric values (file, line, field).
    """
    path = Path(path)
    name = str(path)
    data = read_bytes(path, "weather", WeatherError)
    try:
        raw = read_csv_table(data)
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        msg = str(exc).splitlines()[0] if str(exc) else "empty file"
        raise WeatherError(Problem(name, "", "", f"malformed CSV: {msg}")) from None
    if "temp_outdoor_c" not in raw.columns:
        raise WeatherError(Problem(name, "", "temp_outdoor_c", "required column is missing"))
    if "hours" not in raw.columns and "time" not in raw.columns:
        raise WeatherError(Problem(name, "", "hours", "need a column 'hours' or 'time'"))
    problems = []
    temps, hours = [], []
    for i, row in enumerate(raw.to_dict(orient="records")):
        line = f"line {i + 2}"
        try:
            t = float(parse_number(row["temp_outdoor_c"]))
            if not np.isfinite(t):
                raise ValueError
            if not -80.0 <= t <= 60.0:
                problems.append(
                    Problem(name, line, "temp_outdoor_c", f"expected -80..60 degC, got {t}")
                )
        except (TypeError, ValueError):
            problems.append(
                Problem(
                    name,
                    line,
                    "temp_outdoor_c",
                    f"expected a number, got {row['temp_outdoor_c']!r}",
                )
            )
            t = np.nan
        try:
            if "hours" in raw.columns:
                h = float(parse_number(row["hours"]))
                if not np.isfinite(h):
                    raise ValueError
            else:
                h = _hours_since(row["time"], start)
        except (TypeError, ValueError, OverflowError):
            col = "hours" if "hours" in raw.columns else "time"
            problems.append(
                Problem(
                    name,
                    line,
                    col,
                    f"expected {'a number' if col == 'hours' else 'an ISO date-time like '}"
                    f"{'' if col == 'hours' else '2026-01-09T06:00 (local, as the start)'}, "
                    f"got {row[col]!r}",
                )
            )
            h = np.nan
        temps.append(t)
        hours.append(h)
    if len(problems) > MAX_PROBLEMS_PER_FIELD:
        more = len(problems) - MAX_PROBLEMS_PER_FIELD
        problems = problems[:MAX_PROBLEMS_PER_FIELD] + [
            Problem(name, "", "", f"... and {more} more problems")
        ]
    if problems:
        raise WeatherError(problems)
    if not temps:
        raise WeatherError(Problem(name, "", "", "no rows"))
    s = pd.Series(temps, index=np.asarray(hours, dtype=float)).sort_index()
    if s.index.duplicated().any():
        raise WeatherError(Problem(name, "", "hours", "duplicate hours"))
    return s


def _hours_since(text: object, start: pd.Timestamp) -> float:
    """Hours from ``start`` to an ISO date-time (``2026-01-09T06:00``); words such as ``now``
    and a UTC offset the scenario's start does not have are refused."""
    ts = pd.Timestamp(datetime.fromisoformat(str(text).strip()))
    if (ts.tzinfo is None) != (start.tzinfo is None):
        raise ValueError("UTC offset in one of the time and the scenario's start only")
    return (ts - start).total_seconds() / 3600.0


def outdoor_temperature_c(scenario: Scenario) -> np.ndarray:
    """Outdoor temperature at the start of every thermal step [degC].

    Returns
    -------
    numpy.ndarray
        Shape ``(scenario.steps,)``.

    Raises
    ------
    WeatherError
        When a CSV does not cover the horizon or holds bad values.
    """
    w: ColdSnap = scenario.weather
    hours = np.arange(scenario.steps) * scenario.step_h
    start = pd.Timestamp(scenario.start)
    if w.kind == "constant":
        return np.full(scenario.steps, w.min_temp_c)
    if w.kind == "cold_snap":
        hod = start.hour + start.minute / 60.0 + hours
        return cold_snap_c(hod, w.min_temp_c, w.daily_amplitude_c)
    series = read_weather_csv(w.csv, start)
    first, last = float(series.index[0]), float(series.index[-1])
    if first > 0.0 or last < hours[-1]:
        raise WeatherError(
            Problem(
                str(w.csv),
                "",
                "hours",
                f"covers hours {first:g}..{last:g}; the scenario needs 0..{hours[-1]:g}",
            )
        )
    return np.interp(hours, series.index.to_numpy(), series.to_numpy())
