"""Tornado charts and the offline HTML page of a sensitivity analysis (``coldstart sensitivity``).

One chart per metric: a row per parameter, sorted by its effect (largest on top), with one bar
from the baseline (the scenario as given) to the seed-mean at the parameter's low value and one
to the seed-mean at its high value. The page is self-contained like the run report: plotly.js is
inlined once, nothing is loaded from the network.
"""

from __future__ import annotations

import html
from typing import Any

import plotly.graph_objects as go

from coldstart.outputs import output_specs
from coldstart.report.charts import FONT, TEMPLATE, figure_html, plotly_js
from coldstart.report.html import format_number, html_table, page_head

LOW_COLOR = "#1f77b4"
"""Bars of the low values (blue)."""

HIGH_COLOR = "#d62728"
"""Bars of the high values (red)."""

BARS = (("low", "at low value", LOW_COLOR), ("high", "at high value", HIGH_COLOR))
"""The two bars of each row: end of the range, legend name, colour."""


def _metric_label(metric: str) -> tuple[str, str]:
    """Meaning and unit of a summary key (``data/outputs.toml``), or the key itself."""
    for f in output_specs()["summary"].fields:
        if f.name == metric:
            return f.meaning, f.unit
    return metric, ""


def _value(x: Any) -> str:
    """A parameter value as short text (``"unset"`` for None)."""
    return "unset" if x is None else f"{x:g}"


def _label(p: dict) -> str:
    """Row label: the parameter and its range (the unit escaped: plotly renders some HTML)."""
    unit = f" {html.escape(p['unit'])}" if p["unit"] not in ("", "-") else ""
    return f"{p['parameter']} ({_value(p['low'])} .. {_value(p['high'])}{unit})"


def tornado_figure(result: dict, metric: str) -> go.Figure:
    """Tornado chart of one metric: bars from the baseline to the low and high results.

    Parameters
    ----------
    result : dict
        The document of :func:`coldstart.sweep.sensitivity.run_sensitivity`.
    metric : str
        One of ``result["metrics"]``.

    Returns
    -------
    plotly.graph_objects.Figure
        Parameters sorted by their effect on ``metric``, largest on top; x in the metric's unit.
    """
    params = sorted(result["parameters"], key=lambda p: p["metrics"][metric]["rank"])
    base = result["baseline"][metric]["mean"]
    labels = [_label(p) for p in params]
    fig = go.Figure()
    for end, name, color in BARS:
        results = [p["metrics"][metric][end] for p in params]
        custom = [[_value(p[end]), r, r - base] for p, r in zip(params, results, strict=True)]
        fig.add_trace(
            go.Bar(
                y=labels,
                x=[r - base for r in results],
                base=base,
                orientation="h",
                name=name,
                marker_color=color,
                customdata=custom,
                hovertemplate=(
                    f"%{{y}}<br>{name}: %{{customdata[0]}}<br>mean: %{{customdata[1]:,.1f}} "
                    "(%{customdata[2]:+,.1f} vs baseline)<extra></extra>"
                ),
            )
        )
    meaning, unit = _metric_label(metric)
    fig.add_vline(x=base, line=dict(color="#333", width=1, dash="dot"))
    fig.update_layout(
        template=TEMPLATE,
        font=FONT,
        barmode="group",
        height=max(260, 90 + 34 * len(params)),
        margin=dict(l=20, r=20, t=40, b=50),
        legend=dict(orientation="h", yanchor="bottom", y=1.01, xanchor="left", x=0),
        yaxis=dict(autorange="reversed", automargin=True),
        xaxis=dict(title_text=f"{metric} [{unit}]" if unit else metric, separatethousands=True),
        title=dict(text=html.escape(meaning), font=dict(size=14), x=0, y=0.99),
    )
    return fig


def _parameter_table(result: dict) -> str:
    """Every parameter with its range, its effect on each metric and its source (escaped)."""
    metrics = result["metrics"]
    header = ["Rank", "Parameter", "Unit", "Scenario", "Low", "High"]
    header += [f"Effect on {m}" for m in metrics] + ["Source"]
    rows = []
    for p in result["parameters"]:
        row = [str(p["rank"]), f"<code>{html.escape(p['parameter'])}</code>"]
        row += [html.escape(p["unit"]), html.escape(_value(p["scenario_value"]))]
        row += [html.escape(_value(p["low"])), html.escape(_value(p["high"]))]
        row += [format_number(p["metrics"][m]["effect"], 1) for m in metrics]
        row.append(html.escape(p["source"]))
        rows.append(row)
    numeric = [0, 3, 4, 5, *range(6, 6 + len(metrics))]
    return html_table(header, rows, numeric=numeric)


def render_sensitivity(result: dict) -> str:
    """The sensitivity analysis as one self-contained HTML page (a tornado chart per metric).

    Parameters
    ----------
    result : dict
        The document of :func:`coldstart.sweep.sensitivity.run_sensitivity`.

    Returns
    -------
    str
        The HTML document; plotly.js inlined once, no external links.
    """
    title = f"Sensitivity — {result['scenario']}"
    seeds = result["seeds"]
    sub = (
        f"{len(result['parameters'])} parameters, each at its low and high value, every run "
        f"over seeds {seeds[0]}–{seeds[-1]} ({len(seeds)} per value, {result['runs']:,} runs); "
        f"parameters from {result['table']}"
    )
    sections = []
    for i, metric in enumerate(result["metrics"]):
        b = result["baseline"][metric]
        body = figure_html(tornado_figure(result, metric), div_id=f"coldstart-tornado-{i}")
        if i == 0:
            body = f'<script type="text/javascript" id="plotlyjs">{plotly_js()}</script>' + body
        note = (
            f"Baseline (the scenario as given): {format_number(b['mean'], 1)}, standard "
            f"deviation over seeds {format_number(b['sd'], 1)}. Bars run from the baseline to "
            "the mean at each value; parameters are sorted by |high − low|."
        )
        sections.append(
            f"<h2>{html.escape(metric)}</h2>"
            f'<section class="card"><p class="note">{note}</p>{body}</section>'
        )
    page = [
        *page_head(f"coldstart {title}"),
        "<body><main>",
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="sub">{html.escape(sub)}</p>',
        *sections,
        '<h2>Parameters</h2><section class="card">' + _parameter_table(result) + "</section>",
        "<footer>Made by coldstart. This file is self-contained and works offline.</footer>",
        "</main></body>",
        "</html>",
    ]
    return "\n".join(page) + "\n"
