"""The offline HTML report: one self-contained file, plotly.js inlined once, no external links.

The page reads top to bottom: a plain-language headline, the headline numbers, the timeline,
the map, distributions, and tables of damaged assets, events and run details. Text from the
Result (names, ids, event details) is HTML-escaped; figures carry their data as JSON that
plotly escapes for inclusion in a ``<script>``.
"""

from __future__ import annotations

import html
import math
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # the Result imports the report to write it; the report only reads it
    from coldstart.result import Result


MAX_EVENTS = 200
"""Rows of the events table (the first events of the run)."""

MAX_ASSETS = 1000
"""Rows of the damaged-assets table."""

NOT_WITHIN_HORIZON = "not within the horizon"
"""Shown for a restoration time that the run never reached."""

# key: (label, unit, decimals); decimals None means "no thousands separator" (ids, seeds).
SUMMARY_FORMAT: dict[str, tuple[str, str, int | None]] = {
    "buildings_total": ("Buildings in the city", "buildings", 0),
    "residents_total": ("Residents", "people", 0),
    "buildings_lost_heat": ("Buildings that lost heat", "buildings", 0),
    "buildings_lost_power": ("Buildings that lost power", "buildings", 0),
    "peak_people_without_heat": ("Peak people without heat", "people", 0),
    "peak_people_without_power": ("Peak people without power", "people", 0),
    "person_hours_below_16c": ("Time spent below 16 °C indoors", "person-hours", 0),
    "person_hours_below_12c": ("Time spent below 12 °C indoors", "person-hours", 0),
    "person_hours_below_5c": ("Time spent below 5 °C indoors", "person-hours", 0),
    "person_degree_hours_below_18c": ("Cold exposure below 18 °C", "person-°C-hours", 0),
    "energy_not_served_mwh": ("Electricity not served", "MWh", 1),
    "heat_not_served_mwh_th": ("Heat not served", "MWh_th", 1),
    "hours_to_restore_heat_95pct": ("Time until 95 % have heat again", "h", 1),
    "hours_to_restore_power_95pct": ("Time until 95 % have power again", "h", 1),
    "buildings_drained": ("Buildings whose heating had to be drained", "buildings", 0),
    "buildings_frozen": ("Buildings whose heating froze", "buildings", 0),
    "peak_people_in_shelters": ("Peak people in shelters", "people", 0),
    "seed": ("Random seed", "", None),
}
"""Label, unit and decimals of each summary key."""

CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; margin: 0; color: #1d2430; background: #f6f7f9; line-height: 1.45; }
main { max-width: 1200px; margin: 0 auto; padding: 1.2rem 1.5rem 3rem; }
h1 { font-size: 1.7rem; margin: 0.4rem 0 0.2rem; }
h2 { font-size: 1.25rem; margin: 2.2rem 0 0.6rem; border-bottom: 2px solid #d8dde5;
  padding-bottom: 0.2rem; }
.sub { color: #5a6475; margin: 0 0 1rem; }
.headline { background: #fff; border-left: 6px solid #c0392b; padding: 0.9rem 1.2rem;
  border-radius: 4px; box-shadow: 0 1px 3px rgba(0,0,0,0.08); }
.headline p.lead { font-size: 1.2rem; margin: 0 0 0.5rem; }
.headline ul { margin: 0.3rem 0 0; padding-left: 1.2rem; }
nav { margin: 0.8rem 0 0; font-size: 0.95rem; }
nav a { margin-right: 1rem; color: #1f5fa8; }
section.card { background: #fff; border-radius: 4px; padding: 0.6rem 1rem 1rem;
  box-shadow: 0 1px 3px rgba(0,0,0,0.08); }
table { border-collapse: collapse; width: 100%; font-size: 0.92rem; background: #fff; }
th, td { padding: 0.3rem 0.6rem; border-bottom: 1px solid #e3e7ed; text-align: left;
  vertical-align: top; }
th { background: #eef1f5; position: sticky; top: 0; }
tbody tr:nth-child(even) { background: #fafbfc; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.note { color: #5a6475; font-size: 0.9rem; margin: 0.4rem 0; }
.scroll { max-height: 520px; overflow: auto; border: 1px solid #e3e7ed; }
.empty { color: #5a6475; font-style: italic; }
footer { color: #7a8494; font-size: 0.85rem; margin-top: 2.5rem; }
"""
"""Inline style sheet: system fonts only."""


# --------------------------------------------------------------------------- formatting


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
    number = round(number, decimals)
    if number == 0:
        number = 0.0  # no "-0"
    return f"{number:,.{decimals}f}"


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


# --------------------------------------------------------------------------- headline


def _residents_who_lost(buildings: pd.DataFrame, column: str) -> float | None:
    """Residents of buildings with ``column`` > 0, or None if the table cannot say."""
    if buildings is None or not {"residents", column} <= set(buildings.columns):
        return None
    hours = pd.to_numeric(buildings[column], errors="coerce").fillna(0).to_numpy()
    residents = pd.to_numeric(buildings["residents"], errors="coerce").fillna(0).to_numpy()
    return float(residents[hours > 0].sum())


def headline_sentences(result: Result) -> tuple[str, list[str]]:
    """The plain-language headline: one lead sentence and a few supporting ones.

    Parameters
    ----------
    result : Result
        The run.

    Returns
    -------
    lead : str
        HTML (escaped, with ``<strong>``) such as "1,234 of 10,000 buildings (45,600 people)
        lost heat; at the peak 40,100 people were without heat."
    more : list of str
        Further HTML sentences (exposure, restoration, drained/frozen, shelters, energy).
    """
    s = result.summary or {}

    def n(key: str, decimals: int = 0) -> str | None:
        value = _number_or_none(s.get(key))
        return None if value is None else format_number(value, decimals)

    def b(text: str) -> str:
        return f"<strong>{text}</strong>"

    lead_parts: list[str] = []
    lost_heat = n("buildings_lost_heat")
    if lost_heat is not None:
        total = n("buildings_total")
        subject = f"{lost_heat} of {total} buildings" if total else f"{lost_heat} buildings"
        people = _residents_who_lost(result.buildings, "hours_without_heat")
        if people is not None and _number_or_none(s.get("buildings_lost_heat")):
            subject += f" ({format_number(people)} people)"
        lead_parts.append(f"{b(subject)} lost heat")
    peak_heat = n("peak_people_without_heat")
    if peak_heat is not None:
        lead_parts.append(f"at the peak {b(peak_heat + ' people')} were without heat")
    ph12 = n("person_hours_below_12c")
    if ph12 is not None:
        lead_parts.append(f"{b(ph12 + ' person-hours')} were spent below 12 °C indoors")
    lead = "; ".join(lead_parts)
    lead = (lead[0].upper() + lead[1:] + ".") if lead else "No summary figures in this result."

    more: list[str] = []
    lost_power, peak_power = n("buildings_lost_power"), n("peak_people_without_power")
    if lost_power is not None or peak_power is not None:
        parts = []
        if lost_power is not None:
            parts.append(f"{lost_power} buildings lost power")
        if peak_power is not None:
            parts.append(f"at the peak {peak_power} people were without power")
        text = "; ".join(parts)
        more.append(text[0].upper() + text[1:] + ".")
    ph16, ph5 = n("person_hours_below_16c"), n("person_hours_below_5c")
    if ph16 is not None or ph5 is not None:
        bits = []
        if ph16 is not None:
            bits.append(f"{ph16} person-hours below 16 °C")
        if ph5 is not None:
            bits.append(f"{ph5} below 5 °C")
        more.append("Cold exposure: " + ", ".join(bits) + ".")
    for what in ("heat", "power"):
        key = f"hours_to_restore_{what}_95pct"
        if key not in s:
            continue
        if _number_or_none(s.get(f"buildings_lost_{what}")) == 0:
            continue
        hours = _number_or_none(s.get(key))
        if hours is None:
            more.append(f"{what.capitalize()} was {b('not restored to 95 %')} within the horizon.")
        else:
            more.append(f"{what.capitalize()} was back for 95 % after {format_number(hours, 1)} h.")
    drained, frozen = n("buildings_drained"), n("buildings_frozen")
    if drained is not None or frozen is not None:
        more.append(
            f"{drained or '0'} buildings had their heating drained to avoid freezing; "
            f"{frozen or '0'} froze."
        )
    shelters = n("peak_people_in_shelters")
    if shelters is not None:
        more.append(f"Up to {shelters} people were in shelters at once.")
    ens, hns = n("energy_not_served_mwh", 1), n("heat_not_served_mwh_th", 1)
    if ens is not None or hns is not None:
        bits = []
        if ens is not None:
            bits.append(f"{ens} MWh of electricity")
        if hns is not None:
            bits.append(f"{hns} MWh_th of heat")
        more.append("Not served: " + " and ".join(bits) + ".")
    return lead, more


# --------------------------------------------------------------------------- tables


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
                f'{html.escape(label)} <span class="note">({html.escape(str(key))})</span>',
                shown,
                html.escape(unit),
            ]
        )
    if not rows:
        return '<p class="empty">No summary figures.</p>'
    return html_table(["Figure", "Value", "Unit"], rows, numeric=[1])


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
            backup = "not needed" if not fails else "failed to start"
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
                format_number(_number_or_none(rec.get("heat_short_capacity_mwh")), 0),
                format_number(_number_or_none(rec.get("heat_short_hydraulics_mwh")), 0),
                _text(rec.get("limited_by", "")),
                html.escape(backup),
            ]
        )
    table = html_table(
        ["Source", "Kind", "Blocks", "Lost heat", "Drained", "Frozen",
         "Short of capacity [MWh]", "Short of pressure [MWh]", "Limited by",
         "Backup generator"],
        rows,
        numeric=[2, 3, 4, 5, 6, 7],
    )  # fmt: skip
    return f'<div class="scroll">{table}</div>'


def events_table(events: pd.DataFrame) -> str:
    """The first :data:`MAX_EVENTS` events, HTML-escaped.

    Parameters
    ----------
    events : pandas.DataFrame
        ``Result.events`` (``time, hours, kind, asset_id, detail``).

    Returns
    -------
    str
        HTML (a table, or a sentence when there were no events).
    """
    if events is None or events.empty:
        return '<p class="empty">No events were recorded.</p>'
    e = events
    if "hours" in e.columns:
        order = pd.to_numeric(e["hours"], errors="coerce")
        e = e.assign(_h=order).sort_values("_h", kind="stable", na_position="last")
    total = len(e)
    e = e.head(MAX_EVENTS)
    columns = [c for c in ("time", "hours", "kind", "asset_id", "detail") if c in e.columns]
    titles = {"time": "Time", "hours": "Hour", "kind": "Event", "asset_id": "Asset"}
    rows = []
    for rec in e.to_dict("records"):
        row = []
        for c in columns:
            if c == "time":
                value = rec.get(c)
                if not isinstance(value, pd.Timestamp) and not _is_missing(value):
                    try:
                        value = pd.Timestamp(value)
                    except (ValueError, TypeError):
                        pass
                row.append(_text(value))
            elif c == "hours":
                row.append(format_number(_number_or_none(rec.get(c)), 2, missing=""))
            else:
                row.append(_text(rec.get(c)))
        rows.append(row)
    note = (
        f'<p class="note">Showing the first {MAX_EVENTS:,} of {total:,} events '
        "(all are in <code>events.csv</code>).</p>"
        if total > MAX_EVENTS
        else f'<p class="note">{total:,} events.</p>'
    )
    numeric = [columns.index("hours")] if "hours" in columns else []
    table = html_table([titles.get(c, c.capitalize()) for c in columns], rows, numeric=numeric)
    return f'{note}<div class="scroll">{table}</div>'


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


# --------------------------------------------------------------------------- page


def _title(meta: Mapping[str, Any]) -> tuple[str, str]:
    """Page title and the escaped subtitle line (start, horizon, step, seed)."""
    city = meta.get("city_name") or "Unnamed city"
    scenario = meta.get("scenario_name") or "unnamed scenario"
    title = f"{city} — {scenario}"
    bits = []
    if not _is_missing(meta.get("start")):
        start = meta["start"]
        try:
            start = pd.Timestamp(start).strftime("%Y-%m-%d %H:%M")
        except (ValueError, TypeError):
            start = str(start)
        bits.append(f"start {start}")
    horizon = _number_or_none(meta.get("horizon_h"))
    if horizon is not None:
        days = f" ({format_number(horizon / 24, 1)} days)" if horizon >= 48 else ""
        bits.append(f"horizon {format_number(horizon, 0)} h{days}")
    step = _number_or_none(meta.get("step_min"))
    if step is not None:
        bits.append(f"step {format_number(step, 0)} min")
    if not _is_missing(meta.get("seed")):
        bits.append(f"seed {meta['seed']}")
    version = meta.get("coldstart_version") or meta.get("version")
    if version:
        bits.append(f"coldstart {version}")
    return title, html.escape(" · ".join(bits))


def _figure_section(anchor: str, heading: str, body: str, note: str = "") -> str:
    """A titled section of the page."""
    note_html = f'<p class="note">{note}</p>' if note else ""
    return (
        f'<h2 id="{anchor}">{html.escape(heading)}</h2>'
        f'<section class="card">{note_html}{body}</section>'
    )


def _table_sections(result: Result, meta: Mapping[str, Any]) -> list[str]:
    """The report's table sections: damaged assets, heat districts, events, run details."""
    horizon = _number_or_none(meta.get("horizon_h"))
    return [
        _figure_section("assets", "Damaged assets", assets_table(result.assets, horizon)),
        _figure_section(
            "districts",
            "Heat districts",
            districts_table(result.districts),
            "One row per heat source and the part of the network it feeds with the link valves "
            "closed: apartment blocks that lost heat, buildings drained or frozen, and whether "
            "the source ran on its backup generator.",
        ),
        _figure_section("events", "Events", events_table(result.events)),
        _figure_section("run", "Run details", meta_table(meta)),
    ]


def render_report(result: Result) -> str:
    """The report of a run as one self-contained HTML page.

    plotly.js is inlined once; the page has no external links (no CDN, web fonts or map
    tiles), so it opens offline in any browser. Empty tables (no damage, no shelters, no
    events) and missing summary values are handled.

    Parameters
    ----------
    result : Result
        The run to report.

    Returns
    -------
    str
        The HTML document.

    Raises
    ------
    ImportError
        If plotly is not installed (``pip install 'coldstart[report]'``).
    """
    try:
        from coldstart.report import charts
        from coldstart.report.outages import outage_figures
        from coldstart.report.shelters import shelter_figures
    except ImportError as exc:  # pragma: no cover - plotly is in the dev extras
        raise ImportError("the HTML report needs plotly: pip install 'coldstart[report]'") from exc

    meta = dict(result.meta or {})
    summary = dict(result.summary or {})
    title, subtitle = _title(meta)
    lead, more = headline_sentences(result)

    sections: list[str] = []
    figures = [
        (
            "timeline",
            "Timeline",
            charts.timeline_figure(result.timeline),
            "Shaded bands: air-raid alert active (repair crews stop). In the middle panel, the "
            "red band between demanded and served electric load is the load shed.",
        ),
        *outage_figures(result),
        *shelter_figures(result.timeline),
        (
            "map",
            "Map",
            charts.map_figure(result.buildings, result.assets, result.shelters),
            "Buildings coloured by their lowest indoor temperature during the run; black "
            "markers: damaged assets never restored, grey: restored; green squares: shelters, "
            "sized by peak occupancy. Axes are longitude/latitude at equal ground distance.",
        ),
        (
            "distributions",
            "Distributions",
            charts.distribution_figure(result.buildings),
            "Buildings per bin; hover for the residents in each bin.",
        ),
    ]
    first_figure = True
    for anchor, heading, fig, note in figures:
        if fig is None:
            body = f'<p class="empty">No data for the {heading.lower()}.</p>'
            sections.append(_figure_section(anchor, heading, body))
            continue
        body = charts.figure_html(fig, div_id=f"coldstart-{anchor}")
        if first_figure:
            # plotly.js once, just before the first figure, so the headline paints first.
            body = (
                '<script type="text/javascript" id="plotlyjs">'
                + charts.plotly_js()
                + "</script>"
                + body
            )
            first_figure = False
        sections.append(_figure_section(anchor, heading, body, html.escape(note)))

    sections += _table_sections(result, meta)

    more_html = "".join(f"<li>{m}</li>" for m in more)
    nav = "".join(
        f'<a href="#{a}">{t}</a>'
        for a, t in (
            ("numbers", "Numbers"),
            ("timeline", "Timeline"),
            ("map", "Map"),
            ("distributions", "Distributions"),
            ("assets", "Damaged assets"),
            ("districts", "Heat districts"),
            ("events", "Events"),
            ("run", "Run details"),
        )
    )
    page = [
        *page_head(f"coldstart report: {title}"),
        "<body><main>",
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="sub">{subtitle}</p>' if subtitle else "",
        f'<div class="headline"><p class="lead">{lead}</p><ul>{more_html}</ul></div>',
        f"<nav>{nav}</nav>",
        _figure_section("numbers", "Headline numbers", summary_table(summary)),
        *sections,
        "<footer>Made by coldstart. This file is self-contained and works offline.</footer>",
        "</main></body>",
        "</html>",
    ]
    return "\n".join(p for p in page if p) + "\n"


def page_head(title: str) -> list[str]:
    """The opening lines of a self-contained coldstart page up to ``</head>`` (the
    project's CSS inlined, no external links)."""
    return [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
    ]


def write_report(result: Result, path: str | Path) -> Path:
    """Write the report of a run to ``path`` (atomically: a reader never sees half a file).

    Parameters
    ----------
    result : Result
        The run to report.
    path : str or pathlib.Path
        Where to write the ``.html`` file; missing parent folders are created.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    text = render_report(result)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a report is meant to be shared
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out
