"""The page of ``coldstart plan shelters``: where the sites are, why, and what they leave unmet.

A map of the chosen sites, the K largest and the other candidates; the unmet shelter demand of
plan, K largest, the city as is and every candidate equipped, per damage draw; and a table of
the chosen sites with their reasons. Self-contained like the run report: plotly.js inlined
once, no external links, site names HTML-escaped.
"""

from __future__ import annotations

import html

import pandas as pd

from coldstart.report.backups import marked_layers, per_seed_bars, sites_map
from coldstart.report.charts import figure_html, plotly_js
from coldstart.report.fmt import count_text, share_with_ties
from coldstart.report.html import format_number, html_table, page_head

ARMS = (
    ("plan", "plan (HiGHS)", "#d62728"),
    ("greedy", "K largest", "#1f77b4"),
    ("baseline", "city as is", "#bbbbbb"),
    ("all_equipped", "every candidate equipped", "#2ca02c"),
)
"""The arms of the per-draw chart: payload key, name, colour."""


def _layers(doc: dict, pool: pd.DataFrame) -> list[tuple]:
    """Map layers: other candidates, the K largest, the plan."""
    plan, greedy = set(doc["plan"]["sites"]), set(doc["greedy"]["sites"])
    ids = pool.site_id.astype(str)
    styles = (
        ("other candidate sites", ~ids.isin(plan | greedy), "#7f7f7f", "circle-open", 9),
        ("K largest", ids.isin(greedy), "#1f77b4", "square-open", 18),
        ("plan", ids.isin(plan), "#d62728", "star", 15),
    )
    return marked_layers(
        pool, styles,
        lambda r: f"{html.escape(str(r.site_id))} ({html.escape(str(r.name))}): "
        f"{count_text(int(r.capacity_people), 'place')}",
    )  # fmt: skip


def _sites_table(sites: pd.DataFrame) -> str:
    """The chosen sites with their reasons (escaped)."""
    header = ["Site", "Name", "Places", "People within walk", "Only here", "Homes fell to, °C",
              "Coldest home, °C", "Among the K largest", "Why"]  # fmt: skip
    rows = [
        [
            html.escape(str(r.site_id)), html.escape(str(r.name)),
            format_number(r.capacity_people, 0), format_number(r.people_within_walk, 0),
            format_number(r.people_only_here, 0), format_number(r.homes_min_temp_c, 1),
            format_number(r.coldest_home_c, 1), "yes" if r.also_largest else "no",
            html.escape(str(r.why)),
        ]
        for r in sites.itertuples()
    ]  # fmt: skip
    return html_table(header, rows, numeric=[2, 3, 4, 5, 6])


def render_siting(
    doc: dict, sites: pd.DataFrame, pool: pd.DataFrame, buildings: pd.DataFrame, title: str
) -> str:
    """The shelter plan as one self-contained HTML page.

    Parameters
    ----------
    doc : dict
        :func:`coldstart.people.plan.shelter_payload`.
    sites : pandas.DataFrame
        :func:`coldstart.people.plan.sites_table`.
    pool : pandas.DataFrame
        The candidate sites (``site_id``, ``name``, ``lon``, ``lat``, ``capacity_people``).
    buildings : pandas.DataFrame
        The city's buildings (for the map).
    title : str
        The scenario's name.

    Returns
    -------
    str
        The HTML document.
    """
    unmet = "unmet_shelter_demand_person_hours"
    n, k = len(doc["seeds"]), len(doc["plan"]["sites"])
    chosen = doc.get("choosing_seeds") or doc["seeds"]
    sub = (
        f"{count_text(k, 'warming point')} chosen by HiGHS to leave the least shelter demand "
        f"unmet over {count_text(n, 'damage draw')} (seeds {chosen[0]}–{chosen[-1]})"
        + (
            f" and the busiest design hours of each (up to {doc['design_hours']}; "
            f"{count_text(doc['situations'], 'situation')} in all)"
            if doc.get("design_hours")
            else ", each building at its own worst hour"
        )
        + f", against the {count_text(k, 'largest candidate site')}; every arm then simulated "
        f"on {count_text(n, 'fresh draw')} (seeds {doc['seeds'][0]}–{doc['seeds'][-1]}), the "
        "same for every arm."
    )
    p, g, b, e = (doc[a][unmet] for a, _, _ in ARMS)
    headline = (
        f"Unmet shelter demand, mean over the draws: plan {format_number(p, 0)} person-hours, "
        f"{count_text(k, 'largest site')} {format_number(g, 0)} (the plan leaves less on "
        f"{share_with_ties(doc)} of the draws), city as is {format_number(b, 0)}, every "
        f"candidate open and equipped like the plan's sites {format_number(e, 0)}. The plan's "
        "sites get a generator with fuel for the whole horizon and their own heating; the "
        f"city's own shelters can fail ({format_number(doc['baseline']['shelter_failures'], 1)} "
        "failures per draw as is)."
    )
    arms = [(name, doc[a]["per_draw"][unmet], color) for a, name, color in ARMS]
    bars = per_seed_bars(doc["seeds"], arms, "damage draw (seed)", "unmet shelter demand, "
                         "person-hours")  # fmt: skip
    mapped = sites_map(buildings, _layers(doc, pool))
    page = [
        *page_head(f"coldstart shelter plan — {title}"),
        "<body><main>",
        f"<h1>{html.escape('Warming-point plan — ' + title)}</h1>",
        f'<p class="sub">{html.escape(sub)}</p>',
        f'<section class="card"><p>{html.escape(headline)}</p></section>',
        f'<script type="text/javascript" id="plotlyjs">{plotly_js()}</script>',
        '<h2>Sites</h2><section class="card"><div class="plot">'
        f"{figure_html(mapped, div_id='coldstart-siting-map')}</div></section>",
        '<h2>Unmet demand per draw</h2><section class="card"><div class="plot">'
        f"{figure_html(bars, div_id='coldstart-siting-draws')}</div></section>",
        f'<h2>Why these sites</h2><section class="card">{_sites_table(sites)}</section>',
        "<footer>Made by coldstart. This file is self-contained and works offline.</footer>",
        "</main></body>",
        "</html>",
    ]
    return "\n".join(page) + "\n"
