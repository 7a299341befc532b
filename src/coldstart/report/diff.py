"""Two result folders side by side: ``coldstart diff RUN_A RUN_B --out FILE.html``.

The page holds the headline figures of both runs with their differences, the timelines of both
overlaid (A solid, B dashed), and a map of the per-building difference in lowest indoor
temperature (B − A, matched by building id). It is self-contained and works offline, like the
report. A folder that is not a coldstart result raises :class:`~coldstart.errors.InputError`
naming the file at fault.
"""

from __future__ import annotations

import html
import io
import json
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from coldstart.errors import InputError, Problem
from coldstart.report.charts import FONT, TEMPLATE, figure_html, plotly_js
from coldstart.report.html import format_summary_value, humanise_key, page_head
from coldstart.report.mapfig import GL_THRESHOLD
from coldstart.safeio import read_bytes, read_text

BUILDING_NEEDS = ("building_id", "lon", "lat", "min_temp_c")
"""Columns of ``buildings.parquet`` the diff reads."""

TIMELINE_SERIES = (
    ("people_without_heat", "People without heat"),
    ("people_without_power", "People without power"),
    ("people_below_12c", "People below 12 °C indoors"),
    ("people_in_shelters", "People in shelters"),
)
"""Timeline columns overlaid, one panel each."""

DIFF_RANGE_K = 10.0
"""Half-width of the colour scale of temperature differences [K]: a fixed scale, so two diff
pages compare."""

MOVED_M = 10.0
"""A building matched by id lies elsewhere in the other run when its coordinates differ by more
than this [m] (coordinates are written to 1e-7 deg, about 1 cm)."""

MOVED_SHARE = 0.05
"""The runs are of different cities when more than this share of the matched buildings lie
elsewhere (a few edited buildings still compare; a re-drawn city does not)."""

GENERATOR = "coldstart diff"
"""Content of the page's generator tag: ``coldstart diff --out`` replaces only a page with it."""

TIME_TOL_H = 0.01
"""Horizons and steps closer than this [h] are the same (the timeline's hours are written to
4 decimals)."""


@dataclass(frozen=True)
class Run:
    """What the diff reads from one result folder."""

    label: str
    summary: dict
    timeline: pd.DataFrame
    buildings: pd.DataFrame
    folder: Path | None = None


def _problem(path: Path, message: str) -> InputError:
    return InputError(Problem(str(path), "", "", message))


def read_run(folder: str | Path) -> Run:
    """Read the summary, timeline and per-building table of a result folder.

    Parameters
    ----------
    folder : str or pathlib.Path
        A folder written by ``coldstart run`` or ``coldstart demo``.

    Returns
    -------
    Run
        Its summary, timeline and buildings (``building_id, lon, lat, min_temp_c``).

    Raises
    ------
    coldstart.errors.InputError
        Naming the file that is missing, unreadable or not what a run writes.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise _problem(folder, "is not a folder (give a result folder of coldstart run)")
    path = folder / "summary.json"
    try:
        summary = json.loads(read_text(path, "parameters"))
    except ValueError as exc:
        raise _problem(path, f"is not valid JSON ({exc})") from None
    if not isinstance(summary, dict):
        raise _problem(path, "is not a JSON object of headline figures")
    _check_figures(path, summary)
    path = folder / "timeline.csv"
    try:
        timeline = pd.read_csv(io.BytesIO(read_bytes(path, "table")))
    except (ValueError, pd.errors.ParserError) as exc:
        raise _problem(path, f"is not a readable CSV table ({str(exc).splitlines()[0]})") from None
    if "hours" not in timeline.columns:
        raise _problem(path, "has no 'hours' column (not a coldstart timeline)")
    _check_timeline(path, timeline)
    path = folder / "buildings.parquet"
    try:
        buildings = pd.read_parquet(io.BytesIO(read_bytes(path, "table")))
    except (ValueError, OSError) as exc:
        raise _problem(
            path, f"is not a readable Parquet table ({str(exc).splitlines()[0]})"
        ) from None
    missing = [c for c in BUILDING_NEEDS if c not in buildings.columns]
    if missing:
        raise _problem(path, f"lacks the column(s) {missing}")
    label = folder.name or str(folder)
    return Run(label, summary, timeline, buildings[list(BUILDING_NEEDS)], folder)


def _check_figures(path: Path, summary: dict) -> None:
    """Every headline figure is a number or null (a run never left out)."""
    for key, value in summary.items():
        if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
            continue
        shown = json.dumps(value, ensure_ascii=False)
        shown = shown if len(shown) <= 40 else shown[:37] + "..."
        raise InputError(Problem(str(path), "", str(key), f"is {shown}, not a number or null"))


def _check_timeline(path: Path, timeline: pd.DataFrame) -> None:
    """Two or more rows; hours and the people series numbers; hours increasing."""
    if len(timeline) < 2:
        why = f"has {len(timeline)} row(s); a timeline has one row per step (two or more)"
        raise _problem(path, why)
    columns = ["hours", *(c for c, _ in TIMELINE_SERIES if c in timeline.columns)]
    for column in columns:
        values = pd.to_numeric(timeline[column], errors="coerce").to_numpy(float)
        bad = np.flatnonzero(~np.isfinite(values))
        if len(bad):
            raw = timeline[column].iloc[bad[0]]
            shown = "empty" if pd.isna(raw) else f"'{raw}'"
            where = f"line {bad[0] + 2}"  # line 1 is the header
            raise InputError(Problem(str(path), where, column, f"is {shown}, not a number"))
    hours = pd.to_numeric(timeline["hours"]).to_numpy(float)
    back = np.flatnonzero(np.diff(hours) <= 0)
    if len(back):
        where = f"line {back[0] + 3}"
        raise InputError(Problem(str(path), where, "hours", "does not increase"))


def tell_apart(a: Run, b: Run) -> tuple[str, str]:
    """Labels of the two runs that differ: their folder names, or when those are equal the
    shortest tails of their paths that differ (``x/run`` and ``y/run``)."""
    if a.label != b.label or a.folder is None or b.folder is None:
        return a.label, b.label
    pa, pb = Path(a.folder).absolute().parts, Path(b.folder).absolute().parts
    for k in range(2, max(len(pa), len(pb)) + 1):
        ta, tb = "/".join(pa[-k:]), "/".join(pb[-k:])
        if ta != tb:
            return ta.removeprefix("//"), tb.removeprefix("//")
    return a.label, b.label


def step_and_horizon(run: Run) -> tuple[float, float]:
    """Time step and horizon of a run [h], from its timeline (one row per step from 0)."""
    hours = pd.to_numeric(run.timeline["hours"], errors="coerce").dropna().to_numpy(float)
    if len(hours) == 0:
        return float("nan"), float("nan")
    step = float(np.median(np.diff(hours))) if len(hours) > 1 else float("nan")
    return step, float(hours[-1]) + (step if np.isfinite(step) else 0.0)


def moved_share(a: Run, b: Run) -> tuple[int, int]:
    """Buildings matched by id, and how many of them lie more than :data:`MOVED_M` apart."""
    from coldstart.geo import lonlat_to_xy_m

    m = a.buildings.merge(b.buildings[["building_id", "lon", "lat"]], on="building_id",
                          suffixes=("_a", "_b"))  # fmt: skip
    if m.empty:
        return 0, 0
    lon0, lat0 = float(np.nanmean(m["lon_a"])), float(np.nanmean(m["lat_a"]))
    xa, ya = lonlat_to_xy_m(m["lon_a"], m["lat_a"], lon0, lat0)
    xb, yb = lonlat_to_xy_m(m["lon_b"], m["lat_b"], lon0, lat0)
    far = ~(np.hypot(xb - xa, yb - ya) <= MOVED_M)  # NaN coordinates count as moved
    return len(m), int(far.sum())


def mismatches(a: Run, b: Run) -> list[str]:
    """Why the two runs do not compare: a different step, horizon or city ([] when they do).

    The city differs when the runs share no building id, or when more than
    :data:`MOVED_SHARE` of the buildings matched by id lie more than :data:`MOVED_M` apart.

    Parameters
    ----------
    a, b : Run
        The runs read by :func:`read_run`.

    Returns
    -------
    list of str
        One short phrase per difference, e.g. ``"horizon 168 h vs 48 h"``.
    """
    out = []
    (step_a, hor_a), (step_b, hor_b) = step_and_horizon(a), step_and_horizon(b)
    if not abs(step_a * 60 - step_b * 60) < TIME_TOL_H * 60:
        out.append(f"step {step_a * 60:.4g} min vs {step_b * 60:.4g} min")
    if not abs(hor_a - hor_b) < TIME_TOL_H:
        out.append(f"horizon {hor_a:.4g} h vs {hor_b:.4g} h")
    matched, moved = moved_share(a, b)
    if matched == 0 and len(a.buildings) and len(b.buildings):
        out.append("city: no building id in common")
    elif matched and moved > MOVED_SHARE * matched:
        out.append(
            f"city: {moved:,} of {matched:,} buildings matched by id lie more than "
            f"{MOVED_M:g} m apart"
        )
    return out


def headline_table(a: Run, b: Run) -> str:
    """Every numeric headline figure of both runs with B − A (keys of either run).

    Parameters
    ----------
    a, b : Run
        The two runs.

    Returns
    -------
    str
        HTML table (in a horizontally scrolling box).
    """
    rows = []
    for key in dict.fromkeys([*a.summary, *b.summary]):
        label, unit, decimals = humanise_key(str(key))
        va, vb = a.summary.get(key), b.summary.get(key)
        delta = ""
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in (va, vb)):
            delta = format_summary_value(key, vb - va) if decimals is not None else ""
            delta = ("+" if vb - va > 0 else "") + delta if delta else ""
        cells = [html.escape(label), format_summary_value(key, va, a.summary),
                 format_summary_value(key, vb, b.summary), delta, html.escape(unit)]  # fmt: skip
        rows.append("<tr>" + "".join(
            f'<td class="num">{c}</td>' if 0 < i < 4 else f"<td>{c}</td>"
            for i, c in enumerate(cells)
        ) + "</tr>")  # fmt: skip
    head = (
        f"<tr><th>Figure</th><th class='num'>A: {html.escape(a.label)}</th>"
        f"<th class='num'>B: {html.escape(b.label)}</th><th class='num'>B − A</th>"
        "<th>Unit</th></tr>"
    )
    body = "".join(rows)
    return f'<div class="wide"><table><thead>{head}</thead><tbody>{body}</tbody></table></div>'


def timeline_overlay(a: Run, b: Run) -> go.Figure:
    """The people series of both runs on shared hours (A solid, B dashed), one panel each."""
    series = [(c, t) for c, t in TIMELINE_SERIES if c in a.timeline or c in b.timeline]
    fig = make_subplots(rows=max(len(series), 1), cols=1, shared_xaxes=True,
                        vertical_spacing=0.06, subplot_titles=[t for _, t in series])  # fmt: skip
    for row, (column, title) in enumerate(series, start=1):
        for run, dash, colour in ((a, "solid", "#1f77b4"), (b, "dash", "#d62728")):
            if column not in run.timeline:
                continue
            fig.add_trace(
                go.Scatter(x=pd.to_numeric(run.timeline["hours"], errors="coerce"),
                           y=pd.to_numeric(run.timeline[column], errors="coerce").round(),
                           name=f"{'A' if run is a else 'B'}: {run.label}",
                           legendgroup="A" if run is a else "B", showlegend=row == 1,
                           line=dict(color=colour, dash=dash, width=2),
                           hovertemplate=f"{html.escape(title)}: %{{y:,.0f}}<extra></extra>"),
                row=row, col=1,
            )  # fmt: skip
    fig.update_layout(template=TEMPLATE, font=FONT, hovermode="x unified",
                      height=220 * max(len(series), 1) + 80, margin=dict(l=55, r=10, t=40, b=40),
                      legend=dict(orientation="h", yanchor="top", y=-0.06, x=0))  # fmt: skip
    fig.update_xaxes(title_text="hours since start", row=len(series), col=1)
    fig.update_yaxes(rangemode="tozero", tickformat=",d")
    return fig


def difference_map(a: Run, b: Run) -> tuple[go.Figure | None, str]:
    """Per-building B − A of the lowest indoor temperature, matched by building id.

    Returns
    -------
    figure : plotly.graph_objects.Figure or None
        None when the runs share no building.
    note : str
        How many buildings were matched and the range of the differences.
    """
    m = a.buildings.merge(b.buildings[["building_id", "min_temp_c"]], on="building_id",
                          suffixes=("_a", "_b"))  # fmt: skip
    if m.empty:
        return None, "The two runs share no building id: no map of differences."
    d = (m["min_temp_c_b"] - m["min_temp_c_a"]).to_numpy(float)
    text = [f"{i}: A {ta:.1f} °C, B {tb:.1f} °C" for i, ta, tb in
            zip(m["building_id"], m["min_temp_c_a"], m["min_temp_c_b"], strict=True)]  # fmt: skip
    scatter = go.Scattergl if len(m) > GL_THRESHOLD else go.Scatter
    fig = go.Figure(
        scatter(x=m["lon"], y=m["lat"], mode="markers", text=text,
                     marker=dict(size=5, color=np.round(d, 2), colorscale="RdBu",
                                 cmin=-DIFF_RANGE_K, cmax=DIFF_RANGE_K,
                                 colorbar=dict(title=dict(text="B − A<br>K"), thickness=10)),
                     hovertemplate="%{text}<br>B − A: %{marker.color:+.1f} K<extra></extra>")
    )  # fmt: skip
    ratio = 1 / max(np.cos(np.radians(float(np.nanmean(m["lat"])))), 0.05)
    fig.update_layout(template=TEMPLATE, font=FONT, autosize=True, plot_bgcolor="#eef1f5",
                      margin=dict(l=45, r=10, t=20, b=40),
                      xaxis=dict(showgrid=False, zeroline=False),
                      yaxis=dict(scaleanchor="x", scaleratio=ratio,
                                 showgrid=False, zeroline=False))  # fmt: skip
    only = len(a.buildings) + len(b.buildings) - 2 * len(m)
    note = (
        f"{len(m):,} buildings matched by id ({only:,} in only one run). Blue: warmer in B, "
        f"red: colder in B (fixed scale ±{DIFF_RANGE_K:g} K). B − A ranges from "
        f"{np.nanmin(d):+.1f} to {np.nanmax(d):+.1f} K."
    )
    return fig, note


CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; margin: 0;
  color: #1d2430; background: #f6f7f9; line-height: 1.45; }
* { box-sizing: border-box; }
main { max-width: 1200px; margin: 0 auto; padding: 1rem; }
section { background: #fff; border-radius: 4px; padding: 0.6rem 1rem 1rem; margin: 0.6rem 0;
  box-shadow: 0 1px 3px rgba(0,0,0,0.08); min-width: 0; }
table { border-collapse: collapse; width: 100%; font-size: 0.92rem; }
th, td { padding: 0.3rem 0.6rem; border-bottom: 1px solid #e3e7ed; text-align: left; }
.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.wide { overflow-x: auto; max-width: 100%; } .note { color: #5a6475; font-size: 0.9rem; }
.plot-map { height: min(680px, 110vw); }
.warn { background: #fff4e5; border-left: 4px solid #e67e22; padding: 0.5rem 0.8rem; }
"""
"""Style of the diff page (system fonts only)."""


def _forced_note(forced: list[str] | None) -> str:
    """A warning that the runs do not compare (compared with ``--force``), or ''."""
    if not forced:
        return ""
    why = "; ".join(forced)
    return (
        f"<p class='warn' id='not-comparable'><strong>These runs do not compare</strong> "
        f"({html.escape(why)}); compared anyway: their differences mix the two setups.</p>"
    )


def render_diff(a: Run, b: Run, forced: list[str] | None = None) -> str:
    """The diff page of two runs.

    Parameters
    ----------
    a, b : Run
        The runs (:func:`read_run`).
    forced : list of str, optional
        The differences (:func:`mismatches`) the page compares across anyway (``--force``, or
        the dashboard): said at the top of the page.

    Returns
    -------
    str
        A self-contained HTML document (plotly.js inlined once, nothing fetched).
    """
    fig_map, note = difference_map(a, b)
    map_html = (
        f'<div class="plot-map">{figure_html(fig_map, "diff-map")}</div>'
        if fig_map is not None
        else ""
    )
    label_a, label_b = tell_apart(a, b)
    a, b = replace(a, label=label_a), replace(b, label=label_b)
    title = f"coldstart diff: {a.label} vs {b.label}"
    return "\n".join(
        [
            *page_head(title, generator=GENERATOR)[:-2],
            f"<style>{CSS}</style></head><body><main>",
            f"<h1>{html.escape(title)}</h1>",
            f"<p class='note'>A: {html.escape(a.label)} · B: {html.escape(b.label)}</p>",
            _forced_note(forced),
            f'<script type="text/javascript" id="plotlyjs">{plotly_js()}</script>',
            f"<h2>Headline figures</h2><section>{headline_table(a, b)}</section>",
            "<h2>Timelines (A solid, B dashed)</h2>",
            f"<section>{figure_html(timeline_overlay(a, b), 'diff-timeline')}</section>",
            "<h2>Lowest indoor temperature, B − A</h2>",
            f"<section><p class='note'>{html.escape(note)}</p>{map_html}</section>",
            "</main></body></html>",
            "",
        ]
    )
