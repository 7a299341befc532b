"""Numbers and headline figures as the report shows them: separators, decimals, labels, units.

Shared by the report, the diff page and the tables; ``coldstart.report.html`` re-exports them.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any

import numpy as np
import pandas as pd

from coldstart.report.labels import SUMMARY_FORMAT

NOT_WITHIN_HORIZON = "not within the horizon"
"""Shown for a restoration time that the run never reached."""


def _is_missing(value: Any) -> bool:
    """True for None, NaN and pandas' missing markers."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def format_number(value: Any, decimals: int = 0, missing: str = "—") -> str:
    """A number with thousands separators and a fixed number of decimals.

    Parameters
    ----------
    value : Any
        A number (Python or numpy), a bool, None/NaN, or anything else (shown as text).
    decimals : int, default 0
        Decimals shown.
    missing : str, default "—"
        Text for None or NaN.

    Returns
    -------
    str
        E.g. ``format_number(12345.678, 1) == "12,345.7"``.

    Examples
    --------
    >>> format_number(1234567)
    '1,234,567'
    >>> format_number(None, missing="n/a")
    'n/a'
    """
    if _is_missing(value):
        return missing
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer) and decimals == 0:
        return f"{int(value):,}"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(number):
        return str(number)
    number = round_half_up(number, decimals)
    if number == 0:
        number = 0.0  # no "-0"
    return f"{number:,.{decimals}f}"


def round_half_up(value: float, decimals: int = 0) -> float:
    """``value`` rounded to ``decimals`` decimals, halves away from zero (``4120.5`` to
    ``4121``, ``-2.5`` to ``-3``), as a reader rounds, where Python's :func:`round` sends an
    exact half to the even neighbour (``4120``).

    A half is judged on the number as JSON and ``repr`` write it (its shortest decimal form):
    ``2.675`` rounds to ``2.68`` although the nearest binary float is a little below it.
    """
    number = float(value)
    if not math.isfinite(number) or abs(number) >= 2.0**52:  # no fraction at this size
        return number
    step = Decimal(1).scaleb(-decimals)
    exact = Decimal(repr(number))
    return float(exact.quantize(step, rounding=ROUND_HALF_UP, context=Context(prec=60)))


def _number_or_none(value: Any) -> float | None:
    """``value`` as a float, or None when missing or not a number."""
    if _is_missing(value) or isinstance(value, str):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def humanise_key(key: str) -> tuple[str, str, int | None]:
    """Label, unit and decimals of a summary key, known or not.

    Parameters
    ----------
    key : str
        A summary key such as ``"energy_not_served_mwh"``.

    Returns
    -------
    tuple
        ``(label, unit, decimals)``; unknown keys get a label made from the key and a unit
        guessed from its suffix.
    """
    if key in SUMMARY_FORMAT:
        return SUMMARY_FORMAT[key]
    suffixes = (
        ("_mwh_th", "MWh_th", 1),
        ("_mwh", "MWh", 1),
        ("_mw", "MW", 1),
        ("_pct", "%", 1),
        ("_h", "h", 1),
        ("_km", "km", 2),
        ("_c", "°C", 1),
    )
    for suffix, unit, decimals in suffixes:
        if key.endswith(suffix):
            stem = key[: -len(suffix)]
            return stem.replace("_", " ").capitalize(), unit, decimals
    return key.replace("_", " ").capitalize(), "", 0


def format_summary_value(key: str, value: Any, summary: Mapping[str, Any] | None = None) -> str:
    """One summary value as shown in the headline table.

    ``hours_to_restore_*`` values that are None mean the run never got there: they print
    "not within the horizon" (or "n/a (none lost …)" when nothing was lost to begin with).

    Parameters
    ----------
    key : str
        Summary key.
    value : Any
        Its value.
    summary : Mapping, optional
        The whole summary, to tell "never restored" from "never lost".

    Returns
    -------
    str
        Formatted value without the unit.
    """
    _, _, decimals = humanise_key(key)
    if key.startswith("hours_to_restore") and _is_missing(value):
        what = "heat" if "heat" in key else "power" if "power" in key else ""
        lost = (summary or {}).get(f"buildings_lost_{what}") if what else None
        if lost is not None and _number_or_none(lost) == 0:
            return f"n/a (no building lost {what})"
        return NOT_WITHIN_HORIZON
    if decimals is None:
        return "—" if _is_missing(value) else html.escape(str(value))
    if isinstance(value, str):
        return html.escape(value)
    return format_number(value, decimals)


def _bound(value: float, decimals: int) -> str:
    """A lower bound: ``"≥ 48"`` (a whole number without its ".0")."""
    text = format_number(value, decimals)
    return "≥ " + (text[: -decimals - 1] if decimals and float(value).is_integer() else text)


def censored_note(censored: int, runs: int) -> str:
    """``" (2/3 not reached)"``: how many runs did not get there within the horizon, or ''."""
    return f" ({censored}/{runs} not reached)" if censored else ""


def format_censored_mean(
    mean: float | None, std: float | None, censored: int, runs: int, decimals: int = 1
) -> str:
    """Mean ± sd of a time to restore whose unreached runs count as the horizon.

    A run that did not get there within the horizon is a lower bound, not a measured time: when
    every run is censored the text is the bound alone (``"≥ 48 (3/3 not reached)"``); when some
    are, the mean is a lower bound too (``"≥ 40.5 ± 6.1 (1/3 not reached)"``).

    Parameters
    ----------
    mean, std : float or None
        Over the runs, unreached ones counted as the horizon [h].
    censored : int
        Runs that did not get there within the horizon.
    runs : int
        Runs described.
    decimals : int
        Decimals shown.

    Returns
    -------
    str
        Plain text (no HTML).
    """
    if mean is None:
        return "—"
    if runs and censored >= runs:
        return _bound(mean, decimals) + censored_note(censored, runs)
    text = f"{format_number(mean, decimals)} ± {format_number(std, decimals)}"
    return ("≥ " + text if censored else text) + censored_note(censored, runs)


def quantile_is_bound(q: float, censored: int, runs: int) -> bool:
    """Whether the ``q`` quantile (linear interpolation) of ``runs`` values touches one of the
    ``censored`` largest ones, the runs counted as the horizon: it is then a lower bound."""
    return censored > 0 and math.ceil(q * (runs - 1) - 1e-9) >= runs - censored


def format_censored_quantiles(stats: Mapping[str, Any], runs: int, decimals: int = 1) -> str:
    """Median [5 % .. 95 %] of a time to restore whose unreached runs count as the horizon.

    Each quantile that rests on an unreached run is shown as a lower bound (``≥``); when every
    run is censored the text is the bound alone: ``"≥ 48 (3/3 not reached)"``.

    Parameters
    ----------
    stats : Mapping
        ``q05``, ``q50``, ``q95`` [h] and ``censored`` (runs not reached) of
        :func:`coldstart.sweep.stats.group_stats`.
    runs, decimals : int
        Runs described; decimals shown.

    Returns
    -------
    str
        Plain text, e.g. ``"20.0 [11.0 .. ≥ 45.2] (1/3 not reached)"``.
    """
    if stats.get("q50") is None:
        return "—"
    censored = int(stats.get("censored") or 0)
    if runs and censored >= runs:
        return _bound(stats["q50"], decimals) + censored_note(censored, runs)
    q05, q50, q95 = (
        _bound(stats[k], decimals) if quantile_is_bound(q, censored, runs)
        else format_number(stats[k], decimals)
        for k, q in (("q05", 0.05), ("q50", 0.5), ("q95", 0.95))
    )  # fmt: skip
    return f"{q50} [{q05} .. {q95}]" + censored_note(censored, runs)


def count_text(n: int, noun: str) -> str:
    """``"1 generator"``, ``"2 generators"``: a count with its noun, singular for one."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def share_with_ties(doc: Mapping[str, Any]) -> str:
    """A plan's share of winning paired draws, ``doc["plan_wins_share"]``: ``"25%"``, or
    ``"0% (equal on 100%)"`` when some draws tie (``doc["ties_share"]``)."""
    wins, ties = doc["plan_wins_share"], doc.get("ties_share", 0.0)
    return f"{wins:.0%}" + (f" (equal on {ties:.0%})" if ties > 0 else "")
