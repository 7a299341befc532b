"""The report's tables: headline figures, damaged assets, heat districts, run details.

Cells are built from already-escaped HTML strings; every value from the Result is escaped here.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from coldstart.report.fmt import (
    _is_missing,
    _number_or_none,
    format_number,
    format_summary_value,
    humanise_key,
)

MAX_ASSETS = 1000
"""Rows of the damaged-assets table."""


def html_table(
    header: Iterable[str], rows: Iterable[Iterable[str]], numeric: Iterable[int] = ()
) -> str:
    """An HTML table from already-escaped cell strings.

    Parameters
    ----------
    header : iterable of str
        Column titles (escaped here).
    rows : iterable of iterable of str
        Cell HTML (the caller escapes).
    numeric : iterable of int
        Indices of right-aligned columns.

    Returns
    -------
    str
        ``<table>`` HTML.
    """
    num = set(numeric)
    head = "".join(
        f'<th class="num">{html.escape(h)}</th>' if i in num else f"<th>{html.escape(h)}</th>"
        for i, h in enumerate(header)
    )
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="num">{c}</td>' if i in num else f"<td>{c}</td>" for i, c in enumerate(row)
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def summary_table(summary: Mapping[str, Any]) -> str:
    """Every summary key with a human label, its value and its unit.

    Parameters
    ----------
    summary : Mapping
        ``Result.summary``.

    Returns
    -------
    str
        ``<table>`` HTML.
    """
    rows = []
    for key, value in summary.items():
        label, unit, _ = humanise_key(str(key))
        shown = format_summary_value(str(key), value, summary)
        if shown.startswith(("not within", "n/a")) or _is_missing(value):
            unit = ""
        rows.append(
            [
                f'<span title="{html.escape(str(key))}">{html.escape(label)}</span>',
                shown,
                html.escape(unit),
            ]
        )
    if not rows:
        return '<p class="empty">No summary figures.</p>'
    return f'<div class="wide">{html_table(["Figure", "Value", "Unit"], rows, numeric=[1])}</div>'


def _text(value: Any) -> str:
    """A cell value as escaped text ("" for missing)."""
    if _is_missing(value):
        return ""
    if isinstance(value, pd.Timestamp):
        return html.escape(value.strftime("%Y-%m-%d %H:%M"))
    return html.escape(str(value))


def assets_table(assets: pd.DataFrame, horizon_h: float | None) -> str:
    """Damaged assets sorted by hit time, with restoration hour or "not restored".

    Parameters
    ----------
    assets : pandas.DataFrame
        ``Result.assets``.
    horizon_h : float or None
        Run horizon, to bound the outage of assets never restored.

    Returns
    -------
    str
        HTML (a table, or a sentence when nothing was damaged).
    """
    if assets is None or assets.empty:
        return '<p class="empty">No asset was damaged.</p>'
    a = assets.copy()
    if "hit_h" in a.columns:
        a["_hit"] = pd.to_numeric(a["hit_h"], errors="coerce")
        a = a.sort_values(["_hit"], kind="stable", na_position="last")
    total = len(a)
    a = a.head(MAX_ASSETS)
    rows = []
    for rec in a.to_dict("records"):
        hit = _number_or_none(rec.get("hit_h"))
        restored = _number_or_none(rec.get("restored_h"))
        if restored is not None:
            restored_text = format_number(restored, 1)
            outage = format_number(restored - hit, 1) if hit is not None else ""
        else:
            restored_text = "not restored"
            outage = (
                f"&gt; {format_number(horizon_h - hit, 1)}"
                if hit is not None and horizon_h is not None
                else ""
            )
        rows.append(
            [
                _text(rec.get("asset_id")),
                _text(rec.get("kind")),
                _text(rec.get("damage_state")),
                format_number(hit, 1),
                restored_text,
                outage,
            ]
        )
    note = ""
    if total > MAX_ASSETS:
        note = f'<p class="note">Showing the first {MAX_ASSETS:,} of {total:,} damaged assets.</p>'
    table = html_table(
        ["Asset", "Kind", "Damage", "Hit (h)", "Restored (h)", "Out for (h)"],
        rows,
        numeric=[3, 4, 5],
    )
    return f'{note}<div class="scroll">{table}</div>'


def _either(rec: Mapping[str, Any], old: str) -> Any:
    """``rec[old + "_th"]``, or ``rec[old]`` from a folder an older coldstart wrote (heat
    columns were named ``..._mwh`` before they said ``_mwh_th``)."""
    return rec.get(f"{old}_th", rec.get(old))


def districts_table(districts: pd.DataFrame) -> str:
    """Heat districts: blocks that lost heat, drained and frozen buildings, the heat their
    reached buildings went without because the sources were short of capacity or because the
    pressure passed too little flow (and which of the two limited the district), backup power.

    Parameters
    ----------
    districts : pandas.DataFrame
        ``Result.districts``.

    Returns
    -------
    str
        HTML (a table, or a sentence when the city has no district heating).
    """
    if districts is None or districts.empty:
        return '<p class="empty">The city has no district heating.</p>'
    rows = []
    for rec in districts.to_dict("records"):
        kw = _number_or_none(rec.get("backup_power_kw")) or 0.0
        on_h = _number_or_none(rec.get("hours_on_backup")) or 0.0
        fails = int(rec.get("backup_start_failures") or 0)
        if kw <= 0:
            backup = "none"
        elif rec.get("backup_available") is False or rec.get("backup_available") == 0:
            backup = "missing in this run"
        elif on_h > 0:
            backup = f"ran {format_number(on_h, 1)} h"
        else:
            backup = "never ran" if not fails else "failed to start"
        if fails and kw > 0 and on_h > 0:
            backup += f" ({fails} failed start{'s' if fails > 1 else ''})"
        rows.append(
            [
                _text(rec.get("source_id")),
                _text(rec.get("kind")),
                format_number(rec.get("blocks")),
                format_number(rec.get("blocks_lost_heat")),
                format_number(rec.get("buildings_drained")),
                format_number(rec.get("buildings_frozen")),
                format_number(_number_or_none(_either(rec, "heat_short_capacity_mwh")), 0),
                format_number(_number_or_none(_either(rec, "heat_short_hydraulics_mwh")), 0),
                _text(rec.get("limited_by", "")),
                html.escape(backup),
            ]
        )
    table = html_table(
        ["Source", "Kind", "Blocks", "Lost heat", "Drained", "Frozen",
         "Short of capacity [MWh_th]", "Short of pressure [MWh_th]", "Limited by",
         "Backup generator"],
        rows,
        numeric=[2, 3, 4, 5, 6, 7],
    )  # fmt: skip
    return f'<div class="scroll">{table}</div>'


def meta_table(meta: Mapping[str, Any]) -> str:
    """Run details (every ``meta`` key), escaped; long values are shortened.

    Parameters
    ----------
    meta : Mapping
        ``Result.meta``.

    Returns
    -------
    str
        ``<table>`` HTML.
    """
    if not meta:
        return '<p class="empty">No run details.</p>'
    rows = []
    for key, value in meta.items():
        text = str(value)
        if len(text) > 300:
            text = text[:300] + " …"
        rows.append([html.escape(str(key)), html.escape(text)])
    return html_table(["Key", "Value"], rows)
