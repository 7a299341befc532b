"""Outdoor temperature over the horizon: a cold-snap profile or an hourly CSV."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from coldstart.city.schema import MAX_PROBLEMS_PER_FIELD, parse_number
from coldstart.csvfile import csv_line_label, missing_column, read_csv_table, unreadable_hint
from coldstart.errors import Problem, WeatherError
from coldstart.safeio import read_bytes
from coldstart.scenario.model import MAX_ROW_GAP_H, ColdSnap, Scenario

COLDEST_HOUR = 6.0
"""Hour of day of the daily minimum in a clear-sky cold spell [h] (around sunrise)."""

MAX_GAP_NOTES = 3
"""Gaps named one by one in the notes on a weather CSV; the rest are counted in one more."""


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
    ``time`` (ISO date-time). Every value must be a finite number, and each hour may appear once.

    Returns
    -------
    pandas.Series
        Temperature [degC] indexed by hours since start, sorted.

    Raises
    ------
    WeatherError
        File missing, unparsable, missing columns (with a hint for a ``;``-separated file), NaN,
        non-numeric or repeated values (file, line of the file, column).
    """
    path = Path(path)
    name = str(path)
    data = read_bytes(path, "weather", WeatherError)
    try:
        raw = read_csv_table(data)
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        msg = str(exc).splitlines()[0] if str(exc) else "empty file"
        why = f"malformed CSV: {msg}{unreadable_hint(data)}"
        raise WeatherError(Problem(name, "", "", why)) from None
    if "temp_outdoor_c" not in raw.columns:
        why = missing_column(raw.columns)
        raise WeatherError(Problem(name, "", "temp_outdoor_c", why))
    if "hours" not in raw.columns and "time" not in raw.columns:
        why = missing_column(raw.columns, "need a column 'hours' or 'time'")
        raise WeatherError(Problem(name, "", "hours", why))
    col = "hours" if "hours" in raw.columns else "time"
    line = csv_line_label(data, len(raw))
    temps, hours, problems = _weather_rows(raw, col, start, name, line)
    if not problems:
        problems = _repeated_hours(hours, raw[col].tolist(), col, name, line)
    if len(problems) > MAX_PROBLEMS_PER_FIELD:
        more = len(problems) - MAX_PROBLEMS_PER_FIELD
        problems = problems[:MAX_PROBLEMS_PER_FIELD] + [
            Problem(name, "", "", f"... and {more} more problems")
        ]
    if problems:
        raise WeatherError(problems)
    if not temps:
        raise WeatherError(Problem(name, "", "", "no rows"))
    return pd.Series(temps, index=np.asarray(hours, dtype=float)).sort_index()


def _weather_rows(
    raw: pd.DataFrame, col: str, start: pd.Timestamp, name: str, line: Callable[[int], str]
) -> tuple[list[float], list[float], list[Problem]]:
    """Temperatures [degC] and hours since start [h] of every row (NaN where bad), and a
    problem per bad cell; ``col`` is ``hours`` or ``time``, ``line`` labels a row."""
    problems: list[Problem] = []
    temps, hours = [], []
    offset_named = False  # a time with a UTC offset beside a start without one: said once
    for i, row in enumerate(raw.to_dict(orient="records")):
        try:
            t = float(parse_number(row["temp_outdoor_c"]))
            if not np.isfinite(t):
                raise ValueError
            if not -80.0 <= t <= 60.0:
                problems.append(
                    Problem(name, line(i), "temp_outdoor_c", f"expected -80..60 degC, got {t}")
                )
        except (TypeError, ValueError):
            got = f"got {row['temp_outdoor_c']!r}"
            problems.append(Problem(name, line(i), "temp_outdoor_c", f"expected a number, {got}"))
            t = np.nan
        try:
            if col == "hours":
                h = float(parse_number(row["hours"]))
                if not np.isfinite(h):
                    raise ValueError
            else:
                h = _hours_since(row["time"], start)
        except _OffsetWithoutStartOffset as exc:
            if not offset_named:
                problems.append(Problem(name, line(i), col, _offset_why(row[col], exc, start)))
            offset_named = True
            h = np.nan
        except (TypeError, ValueError, OverflowError):
            problems.append(
                Problem(
                    name,
                    line(i),
                    col,
                    f"expected {'a number' if col == 'hours' else 'an ISO date-time like '}"
                    f"{'' if col == 'hours' else '2026-01-09T06:00 (local, as the start)'}, "
                    f"got {row[col]!r}",
                )
            )
            h = np.nan
        temps.append(t)
        hours.append(h)
    return temps, hours, problems


def _repeated_hours(
    hours: list[float], cells: list[object], col: str, name: str, line: Callable[[int], str]
) -> list[Problem]:
    """A problem for every row whose hour an earlier row already has, naming both lines."""
    first: dict[float, int] = {}
    problems = []
    for i, h in enumerate(hours):
        if h in first:
            why = f"{cells[i]!r} repeats the {col} of {line(first[h])}"
            problems.append(Problem(name, line(i), col, why))
        else:
            first[h] = i
    return problems


class _OffsetWithoutStartOffset(ValueError):
    """A time with a UTC offset (the argument, e.g. ``+02:00``) and a start without one."""


def _hours_since(text: object, start: pd.Timestamp) -> float:
    """Hours from ``start`` to an ISO date-time (``2026-01-09T06:00``); words such as ``now``
    are refused.

    A time without a UTC offset is on the start's clock, as every hour of day of a run is (the
    cold snap's coldest hour, the crews' shifts): with ``start`` at ``+02:00``,
    ``2026-01-09T06:00`` is ``2026-01-09T06:00+02:00``, never ambiguous as the offset is fixed.
    A time with an offset and a start without one raises :class:`_OffsetWithoutStartOffset`:
    which clock the start is on is then unknown.
    """
    ts = pd.Timestamp(datetime.fromisoformat(str(text).strip()))
    if ts.tzinfo is None and start.tzinfo is not None:
        ts = ts.tz_localize(start.tzinfo)
    elif ts.tzinfo is not None and start.tzinfo is None:
        z = ts.strftime("%z")
        raise _OffsetWithoutStartOffset(f"{z[:3]}:{z[3:5]}")
    return (ts - start).total_seconds() / 3600.0


def _offset_why(cell: object, exc: _OffsetWithoutStartOffset, start: pd.Timestamp) -> str:
    """The one message for times with a UTC offset when the scenario's start has none."""
    offset = str(exc)
    return (
        f"{cell!r} has a UTC offset ({offset}) but the scenario's start "
        f"{start.isoformat()} has none, so the hour of the file the run starts at is unknown: "
        f"give start an offset too (start = {start.isoformat()}{offset}) or drop the offsets "
        "from every time"
    )


def gap_notes(
    hours: np.ndarray, name: str, until_h: float, start: pd.Timestamp | None = None
) -> list[Problem]:
    """Notes on consecutive rows of a weather file more than :data:`MAX_ROW_GAP_H` apart.

    Parameters
    ----------
    hours : numpy.ndarray
        The rows' hours, sorted [h].
    name : str
        The file, as the notes name it.
    until_h : float
        Last hour read from the file [h]; a gap wholly outside ``0..until_h`` changes nothing
        and gets no note.
    start : pandas.Timestamp, optional
        The moment of hour 0: each hour is also given as a time on the start's clock.

    Returns
    -------
    list of Problem
        One per gap (the first :data:`MAX_GAP_NOTES`, then one counting the rest), e.g.
        ``w.csv: no rows between 9 h and 30 h, 21 h apart: ...``.
    """
    h = np.asarray(hours, dtype=float)
    gaps = [
        (a, b)
        for a, b in zip(h[:-1], h[1:], strict=True)
        if b - a > MAX_ROW_GAP_H and a < until_h and b > 0.0
    ]

    def at(x: float) -> str:
        if start is None:
            return f"{x:g} h"
        return f"{x:g} h ({(start + pd.Timedelta(hours=x)).strftime('%Y-%m-%dT%H:%M')})"

    notes = [
        Problem(
            name,
            "",
            "",
            f"no rows between {at(a)} and {at(b)}, {b - a:g} h apart: the temperatures in "
            "between are bridged by a straight line",
        )
        for a, b in gaps[:MAX_GAP_NOTES]
    ]
    if len(gaps) > MAX_GAP_NOTES:
        more = len(gaps) - MAX_GAP_NOTES
        notes.append(Problem(name, "", "", f"... and {more} more such gaps"))
    return notes


def weather_notes(scenario: Scenario, file: str = "scenario") -> list[Problem]:
    """Things worth knowing about the scenario's weather file, which is not wrong: rows more
    than :data:`MAX_ROW_GAP_H` apart within the run (a truncated or badly exported file reads
    as a straight line from the row before the hole to the row after it), and a file named
    while ``weather.kind`` is not ``csv`` (not read: a half-edited scenario). ``file``: the
    scenario file, for the latter's message.

    Raises
    ------
    WeatherError
        As :func:`read_weather_csv` (call :func:`outdoor_temperature_c` first for the coverage
        check).
    """
    w: ColdSnap = scenario.weather
    if w.kind != "csv":
        if not w.csv:
            return []
        why = f'{str(w.csv)!r} is not read: weather.kind is {w.kind!r} (kind = "csv" reads it)'
        return [Problem(file, "key 'weather.csv'", "", why)]
    start = pd.Timestamp(scenario.start)
    series = read_weather_csv(w.csv, start)
    last_h = (scenario.steps - 1) * scenario.step_h
    return gap_notes(series.index.to_numpy(float), str(w.csv), last_h, start)


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
                f"covers hours {first:g}..{last:g}; the scenario needs 0..{hours[-1]:g} (the "
                "start of its last step)",
            )
        )
    return np.interp(hours, series.index.to_numpy(), series.to_numpy())
