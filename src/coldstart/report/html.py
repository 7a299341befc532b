"""The offline HTML report: one self-contained file, plotly.js inlined once, no external links.

The page reads top to bottom: a plain-language headline, the headline numbers, the timeline,
the map, distributions, and tables of damaged assets, events and run details. Text from the
Result (names, ids, event details) is HTML-escaped; figures carry their data as JSON that
plotly escapes for inclusion in a ``<script>``.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from coldstart.report.events import events_table
from coldstart.report.labels import SUMMARY_FORMAT as LABELS

if TYPE_CHECKING:  # the Result imports the report to write it; the report only reads it
    from coldstart.result import Result


MAX_ASSETS = 1000
"""Rows of the damaged-assets table."""

NOT_WITHIN_HORIZON = "not within the horizon"
"""Shown for a restoration time that the run never reached."""

SUMMARY_FORMAT = LABELS
"""Label, unit and decimals of each summary key (:mod:`coldstart.report.labels`)."""

CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; margin: 0; color: #1d2430; background: #f6f7f9; line-height: 1.45;
  overflow-wrap: break-word; }
main { max-width: 1200px; margin: 0 auto; padding: 1rem 1.2rem 3rem; }
h1 { font-size: 1.6rem; margin: 0.4rem 0 0.2rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 0.6rem; border-bottom: 2px solid #d8dde5;
  padding-bottom: 0.2rem; scroll-margin-top: 3.2rem; }
h3 { font-size: 1rem; margin: 0.4rem 0; }
.sub { color: #5a6475; margin: 0 0 1rem; }
.headline { background: #fff; border-left: 6px solid #c0392b; padding: 0.9rem 1.2rem;
  border-radius: 4px; box-shadow: 0 1px 3px rgba(0,0,0,0.08); }
.headline p.lead { font-size: 1.15rem; margin: 0 0 0.5rem; }
.headline ul { margin: 0.3rem 0 0; padding-left: 1.2rem; }
.story p { margin: 0.45rem 0; }
nav { position: sticky; top: 0; z-index: 10; background: #f6f7f9; padding: 0.4rem 0;
  margin: 0.8rem 0 0; font-size: 0.95rem; display: flex; gap: 0.3rem 1rem; flex-wrap: wrap;
  border-bottom: 1px solid #d8dde5; }
nav a { color: #1f5fa8; white-space: nowrap; }
@media (max-width: 700px) { nav { flex-wrap: nowrap; overflow-x: auto; } }
section.card { background: #fff; border-radius: 4px; padding: 0.6rem 1rem 1rem;
  box-shadow: 0 1px 3px rgba(0,0,0,0.08); min-width: 0; }
table { border-collapse: collapse; width: 100%; font-size: 0.92rem; background: #fff; }
th, td { padding: 0.3rem 0.6rem; border-bottom: 1px solid #e3e7ed; text-align: left;
  vertical-align: top; }
th { background: #eef1f5; position: sticky; top: 0; }
tbody tr:nth-child(even) { background: #fafbfc; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.note { color: #5a6475; font-size: 0.9rem; margin: 0.4rem 0; }
.scroll { max-height: 520px; overflow: auto; border: 1px solid #e3e7ed; max-width: 100%; }
.wide { overflow-x: auto; max-width: 100%; }
.empty { color: #5a6475; font-style: italic; }
.pair { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 1rem; }
.plot { width: 100%; min-width: 0; }
.plot-timeline { height: 1050px; }
.plot-map { height: min(720px, 85vh); }
select { font-size: 0.95rem; max-width: 100%; }
#events-table td:first-child { white-space: nowrap; }
#events-table td:last-child { min-width: 14rem; }
footer { color: #7a8494; font-size: 0.85rem; margin-top: 2.5rem; }
@media (max-width: 700px) {
  main { padding: 0.6rem 0.6rem 2rem; }
  h1 { font-size: 1.3rem; }
  .pair { grid-template-columns: minmax(0, 1fr); }
  section.card { padding: 0.5rem 0.5rem 0.8rem; }
  .plot-timeline { height: 1200px; }
  .plot-map { height: 112vw; }
  table { font-size: 0.85rem; }
}
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
    # a synthetic city is named with the seed of its layout: say which seed is whose
    city = re.sub(r", seed (\d+)$", r", city seed \1", str(city))
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
        bits.append(f"run seed {meta['seed']} (random draws of this run)")
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
        _figure_section("run", "Run details", f'<div class="wide">{meta_table(meta)}</div>'),
    ]


NAVIGATION = (
    ("story", "Story"),
    ("numbers", "Numbers"),
    ("timeline", "Timeline"),
    ("outages", "Outages"),
    ("shelters", "Shelters"),
    ("map", "Map"),
    ("distributions", "Distributions"),
    ("assets", "Damaged assets"),
    ("districts", "Heat districts"),
    ("events", "Events"),
    ("run", "Run details"),
)
"""Sections of the report in page order: anchor and link text (every one is on the page)."""

MAP_NOTE = (
    "Power lines (grey) and heat mains (orange) under the buildings; bold dark red: lines and "
    "mains that were out. Buildings coloured by their lowest indoor temperature on a fixed "
    "−20..22 °C scale, or (menu above the map) by the hours until their heat returned. Damaged "
    "assets have one symbol per kind (black: still out, grey: repaired); open green squares: "
    "shelters, sized by peak use. Axes are longitude/latitude at equal ground distance."
)


def _plot(fig: Any, anchor: str, css: str = "") -> str:
    """One figure in a responsive box (``css`` sets its height on the page)."""
    from coldstart.report import charts

    div = charts.figure_html(fig, div_id=f"coldstart-{anchor}")
    return f'<div class="plot {css}">{div}</div>'


def _figure_sections(
    result: Result, meta: Mapping[str, Any], layouts: dict[str, tuple[dict, dict, list]]
) -> list[str]:
    """Timeline, outages, shelters, map and distributions (a sentence where no data); the
    phone layouts of the figures drawn go into ``layouts`` (:func:`phone_script`)."""
    from coldstart.report import charts, mapfig
    from coldstart.report.outages import outage_figures
    from coldstart.report.shelters import shelter_figures
    from coldstart.report.waves import strike_waves

    waves = strike_waves(result.events, result.assets)
    total = _number_or_none((result.summary or {}).get("buildings_total"))
    horizon = _number_or_none(meta.get("horizon_h"))
    timeline = charts.timeline_figure(result.timeline, waves, total)
    out = [
        ("timeline", "Timeline", timeline, "plot-timeline",
         "Dashed dark red lines: strike waves, named as in the scenario (hover the triangles for "
         "what each hit). Shaded bands: air-raid alerts (repair crews stop). Second panel: the "
         "share of buildings with heat and with power, against the 95 % line. In the fourth, "
         "the red band between demanded and served electric load is the load shed."),
        *[(a, h, f, "", n) for a, h, f, n in outage_figures(result, waves)],
        *[(a, h, f, "", n) for a, h, f, n in shelter_figures(result.timeline, waves)],
        ("map", "Map", mapfig.map_figure(result.buildings, result.assets, result.shelters,
                                         result.network, result.service, horizon),
         "plot-map", MAP_NOTE),
    ]  # fmt: skip
    present = {a for a, *_ in out}
    for anchor, heading in (("outages", "Rotating outages applied"), ("shelters", "Shelters")):
        if anchor not in present:
            out.insert(-1, (anchor, heading, None, "", ""))
    sections = []
    for anchor, heading, fig, css, note in out:
        key = f"coldstart-{anchor}"
        if fig is not None and key in PHONE_LAYOUT:
            phone, desk, _ = PHONE_LAYOUT[key]
            layouts[key] = (phone, desk, colorbar_restyles(fig))
        body = (
            f'<p class="empty">No data for the {heading.lower()}.</p>'
            if fig is None
            else _plot(fig, anchor, css)
        )
        sections.append(_figure_section(anchor, heading, body, html.escape(note)))
    hists = charts.distribution_figures(result.buildings)
    body = "".join(
        f"<div><h3>{html.escape(t)}</h3>{_plot(f, f'dist-{i}')}</div>"
        for i, (t, f) in enumerate(hists)
    )
    sections.append(
        _figure_section(
            "distributions",
            "Distributions",
            f'<div class="pair">{body}</div>' if hists else '<p class="empty">No data.</p>',
            "Buildings per bin; hover for the residents in each bin.",
        )
    )
    return sections


PHONE_WIDTH_PX = 700
"""Below this window width the figures switch to their phone layout (:data:`PHONE_LAYOUT`)."""

PHONE_LAYOUT: dict[str, tuple[dict, dict, list]] = {
    "coldstart-map": (
        {"showlegend": False, "xaxis.title.text": "", "yaxis.title.text": "",
         "margin.l": 40, "margin.r": 5},
        {"showlegend": True, "xaxis.title.text": "Longitude", "yaxis.title.text": "Latitude",
         "margin.l": 50, "margin.r": 10},
        [],
    ),
    "coldstart-timeline": (
        {"legend.font.size": 11, "margin.l": 45, "margin.r": 5},
        {"legend.font.size": 13, "margin.l": 60, "margin.r": 15},
        [],
    ),
}  # fmt: skip
"""Per figure: layout on a phone, layout on a desktop, and ``[trace, phone, desktop]`` restyles
(filled in for colour bars by :func:`colorbar_restyles`)."""


def colorbar_restyles(fig: Any) -> list[list]:
    """``[trace index, phone style, desktop style]`` of every trace with a colour bar: thin with
    a one-word title on a phone, as drawn on a desktop."""
    out = []
    for i, trace in enumerate(fig.data):
        bar = getattr(getattr(trace, "marker", None), "colorbar", None)
        if bar is None or bar.title.text is None:
            continue
        short = "°C" if "°C" in bar.title.text else "h"
        out.append([i, {"marker.colorbar.thickness": 8, "marker.colorbar.title.text": short},
                    {"marker.colorbar.thickness": bar.thickness or 12,
                     "marker.colorbar.title.text": bar.title.text}])  # fmt: skip
    return out


def phone_script(layouts: Mapping[str, tuple[dict, dict, list]] = PHONE_LAYOUT) -> str:
    """JavaScript that switches the figures between phone and desktop layouts on resize.

    Parameters
    ----------
    layouts : Mapping
        By figure div id: phone layout, desktop layout, ``[trace, phone, desktop]`` restyles.

    Returns
    -------
    str
        A script (no library besides the inlined plotly.js) run once the figures are drawn.
    """
    import json

    return (
        "(function () { var L = " + json.dumps(layouts, ensure_ascii=False) + "; var last = null;"
        " function adapt() { if (!window.Plotly) return;"
        f" var phone = window.innerWidth < {PHONE_WIDTH_PX}; if (phone === last) return;"
        " last = phone; Object.keys(L).forEach(function (id) {"
        " var gd = document.getElementById(id); if (!gd || !gd.data) return;"
        " var s = L[id]; Plotly.relayout(gd, phone ? s[0] : s[1]);"
        " s[2].forEach(function (r) { Plotly.restyle(gd, phone ? r[1] : r[2], [r[0]]); }); }); }"
        " adapt(); window.addEventListener('resize', adapt); })();"
    )


def render_report(result: Result) -> str:
    """The report of a run as one self-contained HTML page.

    plotly.js is inlined once; the page has no external links (no CDN, web fonts or map
    tiles), so it opens offline in any browser. It opens with a story written from the run's
    data (:mod:`coldstart.report.narrative`), then the headline numbers, the figures and the
    tables. Empty tables and missing summary values are handled.

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
        from coldstart.report.narrative import story_html
    except ImportError as exc:  # pragma: no cover - plotly is in the dev extras
        raise ImportError("the HTML report needs plotly: pip install 'coldstart[report]'") from exc

    meta = dict(result.meta or {})
    summary = dict(result.summary or {})
    title, subtitle = _title(meta)
    lead, more = headline_sentences(result)
    layouts: dict[str, tuple[dict, dict, list]] = {}
    sections = _figure_sections(result, meta, layouts)
    if any("Plotly.newPlot" in s for s in sections):
        # plotly.js once, before the first figure (after the story, which paints first)
        lib = f'<script type="text/javascript" id="plotlyjs">{charts.plotly_js()}</script>'
        sections.insert(0, lib)
    sections += _table_sections(result, meta)
    more_html = "".join(f"<li>{m}</li>" for m in more)
    nav = "".join(f'<a href="#{a}">{t}</a>' for a, t in NAVIGATION)
    page = [
        *page_head(f"coldstart report: {title}"),
        "<body><main>",
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="sub">{subtitle}</p>' if subtitle else "",
        f'<div class="headline"><p class="lead">{lead}</p><ul>{more_html}</ul></div>',
        f"<nav>{nav}</nav>",
        f'<h2 id="story">What happened</h2>{story_html(result)}',
        _figure_section("numbers", "Headline numbers", summary_table(summary)),
        *sections,
        f"<script>{phone_script(layouts)}</script>" if layouts else "",
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
    from coldstart.outdir import write_text_atomic

    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out, render_report(result))
    return out
