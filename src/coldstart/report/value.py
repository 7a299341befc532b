"""The page of ``coldstart plan value``: ranked savings with their confidence intervals.

One horizontal bar chart per figure (the variants in the order of the ranking, the saving
against the baseline on the same seeds, error bars from the paired-t interval) and a table of
every figure. Self-contained like the run report: plotly.js inlined once, no external links.
"""

from __future__ import annotations

import html

import plotly.graph_objects as go

from coldstart.report.charts import FONT, TEMPLATE, figure_html, plotly_js
from coldstart.report.html import format_number, html_table, page_head

GROUP_COLORS = {
    "crews": "#1f77b4",
    "interceptors": "#9467bd",
    "generator": "#d62728",
    "truce": "#2ca02c",
    "import": "#ff7f0e",
}
"""Bar colour of each kind of resource."""


def value_figure(doc: dict, figure: str, label: str) -> go.Figure:
    """Saving of one figure per variant (best first, on top), with its confidence interval.

    Parameters
    ----------
    doc : dict
        :meth:`coldstart.plan.value.ValuePlan.payload`.
    figure : str
        One of ``doc["figures"]``.
    label : str
        The figure's name on the axis.
    """
    rows = doc["variants"][::-1]  # plotly draws the first category at the bottom
    mean = [r[figure]["saved_mean"] for r in rows]
    plus = [r[figure]["ci_high"] - r[figure]["saved_mean"] for r in rows]
    minus = [r[figure]["saved_mean"] - r[figure]["ci_low"] for r in rows]
    hover = [
        f"{html.escape(r['label'])}: {r[figure]['saved_mean']:,.1f} "
        f"({r[figure]['ci_low']:,.1f} .. {r[figure]['ci_high']:,.1f})"
        for r in rows
    ]
    fig = go.Figure(
        go.Bar(
            x=mean, y=[html.escape(r["label"]) for r in rows], orientation="h",
            marker_color=[GROUP_COLORS.get(r["group"], "#7f7f7f") for r in rows],
            error_x={"type": "data", "symmetric": False, "array": plus, "arrayminus": minus},
            hovertext=hover, hoverinfo="text",
        )
    )  # fmt: skip
    level = f"{doc['confidence']:.0%}"
    fig.update_layout(
        template=TEMPLATE, font=FONT, height=140 + 34 * len(rows), showlegend=False,
        xaxis_title=f"{label} saved against the scenario as given (mean, {level} interval)",
        margin={"l": 260},
    )  # fmt: skip
    fig.add_vline(x=0, line_color="#444", line_width=1)
    return fig


def _table(doc: dict, labels: dict[str, str]) -> str:
    """Every variant with its change and the saving of each figure (escaped)."""
    header = ["Rank", "Resource", "Change"]
    for f in doc["figures"]:
        header += [f"{labels[f]} saved", "interval", "seeds better"]
    rows = []
    for r in doc["variants"]:
        row = [str(r["rank"]), html.escape(r["label"]), html.escape(r["change"])]
        for f in doc["figures"]:
            s = r[f]
            row += [
                format_number(s["saved_mean"], 1),
                f"{format_number(s['ci_low'], 1)} .. {format_number(s['ci_high'], 1)}",
                f"{s['share_better']:.0%}",
            ]
        rows.append(row)
    numeric = [0, *range(3, 3 + 3 * len(doc["figures"]))]
    return html_table(header, rows, numeric=numeric)


def render_value(doc: dict, labels: dict[str, str]) -> str:
    """The value of resources as one self-contained HTML page.

    Parameters
    ----------
    doc : dict
        :meth:`coldstart.plan.value.ValuePlan.payload`.
    labels : dict
        The name of each figure (:data:`coldstart.plan.value.FIGURE_LABELS`).

    Returns
    -------
    str
        The HTML document; plotly.js inlined once, no external links.
    """
    seeds = doc["seeds"]
    title = f"Value of resources — {doc['scenario']}"
    sub = (
        f"Each resource added alone to the scenario as given, run on the same {len(seeds)} seeds "
        f"({seeds[0]}–{seeds[-1]}, policy {doc['policy']}) as the scenario itself; the saving "
        f"is the mean over seeds of (scenario as given − with the resource), with its "
        f"{doc['confidence']:.0%} paired-t interval. Ranked by person-hours below 12 °C saved."
    )
    base = doc["baseline"]
    note = "The scenario as given: " + "; ".join(
        f"{labels[f]} {format_number(base[f]['mean'], 1)} (std {format_number(base[f]['std'], 1)})"
        for f in doc["figures"]
    )
    sections = []
    for i, f in enumerate(doc["figures"]):
        body = figure_html(value_figure(doc, f, labels[f]), div_id=f"coldstart-value-{i}")
        if i == 0:
            body = f'<script type="text/javascript" id="plotlyjs">{plotly_js()}</script>' + body
        sections.append(
            f"<h2>{html.escape(labels[f])} saved</h2>"
            f'<section class="card"><div class="plot">{body}</div></section>'
        )
    left = "".join(
        f"<li><code>{html.escape(x['key'])}</code>: {html.escape(x['why'])}</li>"
        for x in doc["left_out"]
    )
    page = [
        *page_head(f"coldstart {title}"),
        "<body><main>",
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="sub">{html.escape(sub)}</p>',
        f'<section class="card"><p>{html.escape(note)}</p></section>',
        *sections,
        f'<h2>Every resource</h2><section class="card">{_table(doc, labels)}</section>',
        (f'<h2>Left out</h2><section class="card"><ul>{left}</ul></section>' if left else ""),
        "<footer>Made by coldstart. This file is self-contained and works offline.</footer>",
        "</main></body>",
        "</html>",
    ]
    return "\n".join(page) + "\n"
