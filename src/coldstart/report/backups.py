"""The page of ``coldstart plan backups``: a map of the sites and the paired comparison.

Self-contained like the run report: plotly.js inlined once, no external links, no map tiles (the
map is longitude/latitude at equal ground distance). Site ids are HTML-escaped.
"""

from __future__ import annotations

import html
import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from coldstart.report.charts import FONT, TEMPLATE, figure_html, plotly_js
from coldstart.report.fmt import count_text, share_with_ties
from coldstart.report.html import format_number, html_table, page_head


def sites_map(buildings: pd.DataFrame, layers: list[tuple]) -> go.Figure:
    """Buildings (grey dots) and layers of sites on longitude/latitude at equal ground distance.

    Parameters
    ----------
    buildings : pandas.DataFrame
        The city's buildings (``lon``, ``lat``).
    layers : list of tuple
        ``(name, lon, lat, hover texts (escaped), colour, marker symbol, marker size)``.
    """
    fig = go.Figure()
    fig.add_trace(
        go.Scattergl(
            x=buildings.lon, y=buildings.lat, mode="markers", name="buildings",
            marker={"size": 3, "color": "#c8c8c8"}, hoverinfo="skip",
        )
    )  # fmt: skip
    for name, lon, lat, text, color, symbol, size in layers:
        fig.add_trace(
            go.Scatter(
                x=lon, y=lat, mode="markers", name=name, text=text, hoverinfo="text",
                marker={"size": size, "color": color, "symbol": symbol, "line": {"width": 2}},
            )
        )  # fmt: skip
    lat0 = float(np.nanmean(buildings.lat)) if len(buildings) else 0.0
    fig.update_layout(template=TEMPLATE, font=FONT, height=560, legend={"orientation": "h"})
    fig.update_xaxes(title="longitude")
    fig.update_yaxes(
        title="latitude", scaleanchor="x", scaleratio=1 / max(math.cos(math.radians(lat0)), 0.1)
    )
    return fig


def marked_layers(table: pd.DataFrame, styles, text) -> list[tuple]:
    """Layers of :func:`sites_map` from rows of ``table`` (``lon``, ``lat``).

    ``styles`` holds ``(name, row mask, colour, marker symbol, marker size)`` per layer and
    ``text(row)`` gives a row's hover text (escaped by the caller).
    """
    out = []
    for name, mask, color, symbol, size in styles:
        t = table[np.asarray(mask, bool)]
        out.append((name, t.lon, t.lat, [text(r) for r in t.itertuples()], color, symbol, size))
    return out


def map_figure(table: pd.DataFrame, buildings: pd.DataFrame) -> go.Figure:
    """Buildings (grey dots), candidate sites, the plan's and the baseline's sites.

    Parameters
    ----------
    table : pandas.DataFrame
        :meth:`coldstart.plan.backups.BackupPlan.table`.
    buildings : pandas.DataFrame
        The city's buildings (``lon``, ``lat``).
    """
    styles = (
        ("candidate sites", ~table.in_plan & ~table.in_baseline, "#7f7f7f", "circle-open", 9),
        ("baseline (largest first)", table.in_baseline, "#1f77b4", "square-open", 18),
        ("plan", table.in_plan, "#d62728", "star", 15),
    )
    layers = marked_layers(
        table, styles,
        lambda r: f"{html.escape(str(r.site_id))} ({html.escape(str(r.kind))}): "
        f"{r.residents_at_risk:,.0f} residents at risk, load {r.load_kw:,.0f} kW",
    )  # fmt: skip
    return sites_map(buildings, layers)


def per_seed_bars(seeds: list, arms: list[tuple], x_title: str, y_title: str) -> go.Figure:
    """Grouped bars of one figure per seed: ``arms`` is ``(name, values, colour)`` each."""
    x = [str(s) for s in seeds]
    fig = go.Figure()
    for name, values, color in arms:
        fig.add_trace(go.Bar(x=x, y=values, name=name, marker_color=color))
    fig.update_layout(
        template=TEMPLATE, font=FONT, barmode="group", height=420, xaxis_title=x_title,
        yaxis_title=y_title, legend={"orientation": "h", "y": 1.12},
    )  # fmt: skip
    return fig


def paired_figure(doc: dict) -> go.Figure:
    """Person-hours below 12 degC per evaluation seed: plan, baseline and the city as is."""
    arms = [
        (name, doc[key]["person_hours_below_12c_per_seed"], color)
        for key, name, color in (
            ("city_as_is", "no new generators", "#bbbbbb"),
            ("baseline", "baseline (largest first)", "#1f77b4"),
            ("plan", "plan", "#d62728"),
        )
    ]
    return per_seed_bars(doc["evaluation_seeds"], arms,
                         "evaluation seed (not used for choosing)",
                         "person-hours below 12 °C")  # fmt: skip


def _sites_table(table: pd.DataFrame) -> str:
    """Every candidate site with its scores (escaped)."""
    header = ["Site", "Kind", "Plan (order)", "Baseline", "Screened", "Residents at risk",
              "Load, kW"]  # fmt: skip
    rows = [
        [
            html.escape(str(r.site_id)), html.escape(str(r.kind)),
            str(r.plan_order) if r.in_plan else "", "yes" if r.in_baseline else "",
            "yes" if r.screened else "", format_number(r.residents_at_risk, 0),
            format_number(r.load_kw, 0),
        ]
        for r in table.itertuples()
    ]  # fmt: skip
    return html_table(header, rows, numeric=[5, 6])


def render_backups(doc: dict, table: pd.DataFrame, buildings: pd.DataFrame, title: str) -> str:
    """The plan as one self-contained HTML page.

    Parameters
    ----------
    doc : dict
        :meth:`coldstart.plan.backups.BackupPlan.payload`.
    table : pandas.DataFrame
        :meth:`coldstart.plan.backups.BackupPlan.table`.
    buildings : pandas.DataFrame
        The city's buildings (for the map).
    title : str
        The scenario's name.

    Returns
    -------
    str
        The HTML document.
    """
    p, b = doc["plan"], doc["baseline"]
    n = len(doc["evaluation_seeds"])
    sub = (
        f"{count_text(doc['generators'], 'mobile generator')} of {doc['kw_each']:,.0f} kW with "
        f"{doc['fuel_tank_h']:g} h of fuel (refuelled every {doc['refuel_every_h']:g} h), chosen "
        f"by lazy greedy on {len(doc['choosing_seeds'])} seeds among {len(doc['shortlist'])} "
        f"screened of {doc['candidates']} candidate sites, judged on {n} fresh seeds."
    )
    saved = doc["saved_person_hours_mean"]
    headline = (
        f"The plan ({', '.join(p['sites'])}) "
        f"{'saves' if saved >= 0 else 'costs'} {format_number(abs(saved), 0)} "
        f"{'' if saved >= 0 else 'more '}person-hours below 12 °C on "
        f"average against the largest-first baseline ({', '.join(b['sites'])}), better on "
        f"{share_with_ties(doc)} of the evaluation seeds (paired standard deviation "
        f"{format_number(doc['saved_person_hours_std'], 0)})."
    )
    if doc["kept_baseline"]:
        headline += (
            " Greedy ended worse than the baseline on the choosing seeds: kept the baseline."
        )
    paired = figure_html(paired_figure(doc), div_id="coldstart-backups-paired")
    mapped = figure_html(map_figure(table, buildings), div_id="coldstart-backups-map")
    page = [
        *page_head(f"coldstart backup plan — {title}"),
        "<body><main>",
        f"<h1>{html.escape('Backup power plan — ' + title)}</h1>",
        f'<p class="sub">{html.escape(sub)}</p>',
        f'<section class="card"><p>{html.escape(headline)}</p></section>',
        f'<script type="text/javascript" id="plotlyjs">{plotly_js()}</script>',
        f'<h2>Sites</h2><section class="card"><div class="plot">{mapped}</div></section>',
        f'<h2>Paired comparison</h2><section class="card"><div class="plot">{paired}</div>'
        '<p class="note">Every bar of one seed has the same strike draws, repair times and '
        "start-up failures (common random numbers).</p></section>",
        f'<h2>Candidate sites</h2><section class="card">{_sites_table(table)}</section>',
        "<footer>Made by coldstart. This file is self-contained and works offline.</footer>",
        "</main></body>",
        "</html>",
    ]
    return "\n".join(page) + "\n"
