"""The offline HTML report of a sweep (``coldstart store report``): fan charts and comparisons.

Fan charts: for each of people without heat, people at home below 12 °C and people in shelters
(timeline columns ``people_without_heat``, ``people_below_12c``, ``people_in_shelters``), the
median over a group's runs at every step and the band from the 5 % to the 95 % quantile, one
colour per group (policy and variant). Comparisons: a box per group for headline figures, and a
table of median, 5-95 % range and the paired comparison with the first policy. The page is
self-contained like the run report: plotly.js inlined once, nothing loaded from the network.
"""

from __future__ import annotations

import html
import json

import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative

from coldstart.report.charts import FONT, TEMPLATE, figure_html, plotly_js
from coldstart.report.fmt import format_censored_quantiles
from coldstart.report.html import format_number, html_table, page_head

FAN_SERIES = (
    ("people_without_heat", "People without heat"),
    ("people_below_12c", "People at home below 12 °C"),
    ("people_in_shelters", "People in shelters"),
)
"""Timeline columns drawn as fan charts, with their titles [people]."""

BOX_FIGURES = (
    ("person_hours_below_12c", "Person-hours below 12 °C", "person h"),
    ("peak_people_without_heat", "Peak people without heat", "people"),
    ("hours_to_restore_heat_95pct", "Hours to restore 95 % of heat (horizon if not)", "h"),
    ("energy_not_served_mwh", "Electricity not served", "MWh"),
)
"""Summary figures compared per group: key, title, unit."""

MAX_GROUPS = 12
"""Most groups (policy x variant) drawn; the rest are listed in the table only."""

GENERATOR = "coldstart store report"
"""Content of the page's generator tag (a file with it may be replaced by a later report)."""


def _label(policy: str, variant_json: str) -> str:
    var = json.loads(variant_json)
    text = ", ".join(f"{k}={v}" for k, v in var.items()) or "scenario as given"
    return f"{policy} · {text}"


def _rgba(color: str, alpha: float) -> str:
    c = color.lstrip("#")
    r, g, b = (int(c[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def _pick_sweep(con, sweep_id: str | None) -> tuple[dict | None, str]:
    """The sweep's row of ``sweeps`` (without ``sweep_id``, the latest a user asked for: a
    sweep, compare or dashboard sweep, not a planning command's candidates) or None and why."""
    from coldstart.sweep.store import latest_sweep

    if sweep_id is None:
        sweep_id = latest_sweep(con)
        if sweep_id is None:
            return None, "no sweep or compare stored (give --sweep ID for a planning command's)"
    frame = con.execute("SELECT * FROM sweeps WHERE sweep_id = ?", [sweep_id]).df()
    if frame.empty:
        return None, f"no sweep {sweep_id!r} in this store"
    return frame.iloc[0].to_dict(), str(frame.iloc[0]["sweep_id"])


def fan_quantiles(con, sweep_id: str) -> pd.DataFrame:
    """Per group and step: 5, 50 and 95 % quantiles over runs of every :data:`FAN_SERIES`.

    Returns
    -------
    pandas.DataFrame
        Columns ``policy``, ``variant``, ``hours`` and ``<column>_q05|q50|q95``; empty when
        the store has no timelines.
    """
    has_view = con.execute(
        "SELECT count(*) FROM duckdb_views() WHERE view_name = 'timelines'"
    ).fetchone()[0]
    if not has_view:
        return pd.DataFrame()
    parts = []
    for col, _ in FAN_SERIES:
        for q in (5, 50, 95):
            parts.append(f'quantile_cont(t."{col}", {q / 100}) AS "{col}_q{q:02d}"')
    sql = (
        f"SELECT r.policy, r.variant, t.hours, {', '.join(parts)} FROM timelines t "
        "JOIN runs r USING (run_id) JOIN sweep_runs s USING (run_id) "
        "WHERE s.sweep_id = ? AND r.status = 'ok' GROUP BY r.policy, r.variant, t.hours "
        "ORDER BY r.policy, r.variant, t.hours"
    )
    return con.execute(sql, [sweep_id]).df()


def fan_figure(
    q: pd.DataFrame, groups: list[tuple[str, str]], column: str, title: str
) -> go.Figure:
    """Median line and 5-95 % band over time of one timeline column, one colour per group."""
    fig = go.Figure()
    palette = qualitative.D3
    for i, (pol, var) in enumerate(groups):
        g = q[(q["policy"] == pol) & (q["variant"] == var)]
        color, name = palette[i % len(palette)], _label(pol, var)
        x = g["hours"].tolist()
        band_y = g[f"{column}_q95"].tolist() + g[f"{column}_q05"].tolist()[::-1]
        fig.add_trace(
            go.Scatter(
                x=x + x[::-1], y=band_y, fill="toself", fillcolor=_rgba(color, 0.18),
                line=dict(width=0), hoverinfo="skip", legendgroup=name, showlegend=False,
            )
        )  # fmt: skip
        fig.add_trace(
            go.Scatter(
                x=x, y=g[f"{column}_q50"], mode="lines", name=html.escape(name),
                line=dict(color=color, width=2), legendgroup=name,
                hovertemplate="%{x:.1f} h: %{y:,.0f} (median)<extra></extra>",
            )
        )  # fmt: skip
    fig.update_layout(
        template=TEMPLATE,
        font=FONT,
        height=380,
        margin=dict(l=70, r=20, t=40, b=50),
        title=dict(text=html.escape(title), font=dict(size=14), x=0, y=0.98),
        legend=dict(orientation="h", yanchor="top", y=-0.18, xanchor="left", x=0),
        xaxis=dict(title_text="hours since the scenario's start"),
        yaxis=dict(title_text="people", separatethousands=True, rangemode="tozero"),
    )
    return fig


def box_figure(
    runs: pd.DataFrame, groups: list[tuple[str, str]], key: str, title: str, unit: str
) -> go.Figure:
    """One box per group of a summary figure over its runs."""
    from coldstart.sweep.stats import figure_values

    fig = go.Figure()
    palette = qualitative.D3
    for i, (pol, var) in enumerate(groups):
        g = runs[(runs["policy"] == pol) & (runs["variant"] == var)]
        fig.add_trace(
            go.Box(
                y=figure_values(g, key), name=html.escape(_label(pol, var)),
                marker_color=palette[i % len(palette)], boxpoints="outliers",
            )
        )  # fmt: skip
    fig.update_layout(
        template=TEMPLATE,
        font=FONT,
        height=360,
        showlegend=False,
        margin=dict(l=70, r=20, t=40, b=90),
        title=dict(text=html.escape(title), font=dict(size=14), x=0, y=0.98),
        yaxis=dict(title_text=unit, separatethousands=True),
    )
    return fig


def stats_table(stats: list[dict]) -> str:
    """Median [5 % .. 95 %] of the compared figures per group, and the paired comparison."""
    header = ["Policy", "Variant", "Runs", "Failed"]
    header += [f"{title} median [5–95 %]" for _, title, _ in BOX_FIGURES]
    header += ["Paired vs first policy: person-h < 12 °C (share of seeds better)"]
    rows = []
    for g in stats:
        var = ", ".join(f"{k}={v}" for k, v in g["variant"].items()) or "scenario as given"
        row = [html.escape(g["policy"]), html.escape(var), str(g["runs"]), str(g["failed"])]
        for key, _, _ in BOX_FIGURES:
            s = g["figures"][key]
            if "censored" in s:  # unreached runs: lower bounds, "≥ 48 (3/3 not reached)"
                row.append(html.escape(format_censored_quantiles(s, g["runs"])))
                continue
            row.append(
                f"{format_number(s['q50'], 1)} [{format_number(s['q05'], 1)} .. "
                f"{format_number(s['q95'], 1)}]"
            )
        p = g.get("paired", {}).get("person_hours_below_12c")
        if p is None:  # the reference policy itself, or no seed in common
            row.append("—")
        else:
            tie = p.get("share_equal") or 0.0
            tied = f", equal on {tie:.0%}" if tie else ""
            row.append(f"{format_number(p['diff_mean'], 0)} ({p['share_better']:.0%}{tied})")
        rows.append(row)
    return html_table(header, rows, numeric=[2, 3, 4, 5, 6, 7, 8])


def _sections(con, sweep: dict, runs: pd.DataFrame, groups: list[tuple[str, str]]) -> list[str]:
    from coldstart.sweep.stats import group_stats

    q = fan_quantiles(con, sweep["sweep_id"])
    figs = []
    if not q.empty:
        for col, title in FAN_SERIES:
            figs.append((f"fan-{col}", fan_figure(q, groups[:MAX_GROUPS], col, title)))
    if not runs.empty:
        ok = runs[runs["status"] == "ok"]
        for key, title, unit in BOX_FIGURES:
            figs.append((f"box-{key}", box_figure(ok, groups[:MAX_GROUPS], key, title, unit)))
    out = []
    for i, (anchor, fig) in enumerate(figs):
        body = figure_html(fig, div_id=f"coldstart-{anchor}")
        if i == 0:
            body = f'<script type="text/javascript" id="plotlyjs">{plotly_js()}</script>' + body
        out.append(f'<section class="card">{body}</section>')
    stats = group_stats(runs, json.loads(sweep["policies"]), [v for _, v in _variant_texts(sweep)])
    out.append('<h2>Per group</h2><section class="card">' + stats_table(stats) + "</section>")
    return out


def _variant_texts(sweep: dict) -> list[tuple[dict, str]]:
    from coldstart.sweep.plan import variant_text

    return [(v, variant_text(v)) for v in json.loads(sweep["variants"])]


def render_sweep_report(con, sweep_id: str | None = None) -> tuple[str | None, str]:
    """The report of one sweep of a store as a self-contained HTML page.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        A connection to the store (:func:`coldstart.sweep.store.connect_readonly`).
    sweep_id : str, optional
        The sweep; default the latest.

    Returns
    -------
    (str or None, str)
        The page and the sweep id, or None and why there is no report.
    """
    sweep, why = _pick_sweep(con, sweep_id)
    if sweep is None:
        return None, why
    runs = con.execute(
        "SELECT r.* FROM runs r JOIN sweep_runs s USING (run_id) WHERE s.sweep_id = ?",
        [sweep["sweep_id"]],
    ).df()
    policies = json.loads(sweep["policies"])
    groups = [(p, v) for _, v in _variant_texts(sweep) for p in policies]
    n_ok = int((runs["status"] == "ok").sum()) if len(runs) else 0
    title = f"Sweep — {sweep['scenario_name']}"
    sub = (
        f"sweep {sweep['sweep_id']}: {len(runs):,} of {int(sweep['runs']):,} runs stored "
        f"({n_ok:,} finished, {len(runs) - n_ok:,} failed); city {sweep['city']}, scenario "
        f"{sweep['scenario']}; {len(json.loads(sweep['seeds'])):,} seeds, policies "
        f"{', '.join(policies)}. Bands: 5–95 % of runs; lines: median."
    )
    more = "" if len(groups) <= MAX_GROUPS else f" (first {MAX_GROUPS} of {len(groups)} drawn)"
    page = [
        *page_head(f"coldstart {title}", generator=GENERATOR),
        "<body><main>",
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="sub">{html.escape(sub + more)}</p>',
        *_sections(con, sweep, runs, groups),
        "<footer>Made by coldstart. This file is self-contained and works offline.</footer>",
        "</main></body>",
        "</html>",
    ]
    return "\n".join(page) + "\n", str(sweep["sweep_id"])
