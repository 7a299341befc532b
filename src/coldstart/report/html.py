"""The offline HTML report: one self-contained file, plotly.js inlined once, no external links.

The page reads top to bottom: a plain-language headline, the headline numbers, the timeline,
the map, distributions, and tables of damaged assets, events and run details. Text from the
Result (names, ids, event details) is HTML-escaped; figures carry their data as JSON that
plotly escapes for inclusion in a ``<script>``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from coldstart.report.events import events_table
from coldstart.report.fmt import (
    NOT_WITHIN_HORIZON,
    SUMMARY_FORMAT,
    _is_missing,
    _number_or_none,
    format_number,
    format_summary_value,
    humanise_key,
)
from coldstart.report.pagefile import generator_tag
from coldstart.report.responsive import PHONE_LAYOUT, colorbar_restyles, phone_script
from coldstart.report.tables import (
    MAX_ASSETS,
    assets_table,
    districts_table,
    html_table,
    meta_table,
    summary_table,
)

__all__ = [  # the page, and the helpers the other pages and the tests take from here
    "MAX_ASSETS",
    "NOT_WITHIN_HORIZON",
    "SUMMARY_FORMAT",
    "format_number",
    "format_summary_value",
    "headline_sentences",
    "html_table",
    "humanise_key",
    "page_head",
    "render_report",
    "synthetic_notice",
    "write_report",
]

if TYPE_CHECKING:  # the Result imports the report to write it; the report only reads it
    from coldstart.result import Result


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
.synthetic { background: #fff8e1; border-left: 6px solid #e0a100; padding: 0.6rem 1.2rem;
  border-radius: 4px; margin: 0.8rem 0 0; }
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
    if shelters == "0":
        more.append("Nobody went to a shelter.")
    elif shelters is not None:
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


def synthetic_notice(meta: Mapping[str, Any]) -> str:
    """Plain sentences saying which networks of the city are synthetic, and whether its
    positions are, as HTML (empty when the run's ``meta`` marks none: networks given, or a city
    that does not say).

    Parameters
    ----------
    meta : Mapping
        ``Result.meta``; ``synthetic_networks`` holds keys of
        :data:`coldstart.city.model.NETWORKS` joined by ", ".

    Returns
    -------
    str
        ``<p class="synthetic">…</p>`` (one for networks, one for positions) or "".
    """
    from coldstart.city.model import NETWORKS

    keys = [k.strip() for k in str(meta.get("synthetic_networks") or "").split(",")]
    names = [NETWORKS[k] for k in NETWORKS if k in keys and k != "positions"]
    out = ""
    if names:
        what = " and the ".join(names)
        plural = len(names) > 1
        verb, them = ("are", "them") if plural else ("is", "it")
        such = "such networks" if plural else "such a network"
        out += (
            f'<p class="synthetic" id="synthetic-networks"><strong>The {what} of this city '
            f"{verb} synthetic</strong>: coldstart built {them} around the real buildings because "
            f"no real network was given. Where this report shows outages and repairs of {them}, "
            f"it shows how {such} would fare, not the city's own.</p>"
        )
    if "positions" in keys:
        out += (
            '<p class="synthetic" id="synthetic-positions"><strong>The '
            f"{NETWORKS['positions']} of this city are synthetic</strong>: the grid it was built "
            "from has no geographic coordinates, so coldstart laid its buses out around the "
            "synthetic city's centre (Kyiv). The map, walk distances to shelters and crews' "
            "travel times are made up; the grid's connections and loads are its own.</p>"
        )
    return out


def hits_notice(meta: Mapping[str, Any]) -> str:
    """A sentence under the title naming the scenario's explicit hits this city could not take
    (``meta["hits_left_out"]``), as HTML; empty when every hit was struck. The scenario's title
    may promise them ("one CHP plant beyond repair")."""
    left = str(meta.get("hits_left_out") or "")
    if not left:
        return ""
    return (
        '<p class="synthetic" id="hits-left-out"><strong>Hits of the scenario left out on '
        f"this city</strong>: {html.escape(left)}. The scenario's name may describe damage "
        "this run does not have.</p>"
    )


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

EMPTY = {"outages": "No rotating power cuts were applied in this run."}
"""What a section without a chart says (the default: "No data for the ...")."""

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
                                         result.network, result.service, horizon,
                                         meta.get("start"), result.footprints),
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
            f'<p class="empty">{EMPTY.get(anchor, f"No data for the {heading.lower()}.")}</p>'
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
        synthetic_notice(meta),
        hits_notice(meta),
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


GENERATOR = "coldstart"
"""The default ``generator`` meta tag of a coldstart page. A command that replaces its own page
gives its own (``coldstart diff``, ``coldstart store report``) and replaces only a page with
that tag (:func:`coldstart.report.pagefile.check_page_out`)."""


def page_head(title: str, generator: str = GENERATOR) -> list[str]:
    """The opening lines of a self-contained coldstart page up to ``</head>`` (the
    project's CSS inlined, no external links; ``generator``: the command writing the page)."""
    return [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        generator_tag(generator),
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
