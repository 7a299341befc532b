"""Plotly figures for the offline report: timeline, map, distributions.

Every function here takes plain DataFrames and returns a :class:`plotly.graph_objects.Figure`
(or ``None`` when there is nothing to draw). Nothing here loads a map tile, a web font or a
script from the network: the map is an ordinary scatter plot on longitude/latitude axes.
"""

from __future__ import annotations

import html
import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly import colors as pcolors
from plotly.subplots import make_subplots

from coldstart.report.waves import Wave

TEMPLATE = go.layout.Template(layout=pio.templates["plotly_white"].layout)
"""Plotly template of every figure: plotly_white's layout without its per-trace defaults."""

FONT = dict(family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif", size=13)
"""System fonts only: nothing is fetched."""

TEMP_COLORSCALE = "RdYlBu_r"
"""Colour scale of indoor temperatures: blue is cold, red is warm."""

ALERT_COLOR = "rgba(214, 39, 40, 0.12)"
"""Fill of the shading that marks air-raid alerts."""

PEOPLE_SERIES = (
    ("people_without_heat", "Without heat", "#d62728"),
    ("people_without_power", "Without power", "#7f7f7f"),
    ("people_below_12c", "Below 12 °C indoors", "#1f77b4"),
    ("people_in_shelters", "In shelters", "#2ca02c"),
)
"""Timeline columns of the people panel: column, legend label, colour."""


def _num(frame: pd.DataFrame, column: str) -> np.ndarray:
    """Column ``column`` of ``frame`` as float64 (NaN where missing or not numeric)."""
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=np.float64)


TEMP_RANGE_C = (-20.0, 22.0)
"""Fixed colour range of indoor temperatures [°C] in every report and diff (map, histogram)."""


def temperature_colors(values_c: np.ndarray) -> list[str]:
    """Colours of temperatures on :data:`TEMP_COLORSCALE` over :data:`TEMP_RANGE_C`, as CSS
    ``rgb()`` text (bars take colour strings: numbers there make plotly.js warn)."""
    lo, hi = TEMP_RANGE_C
    share = np.clip((np.asarray(values_c, float) - lo) / (hi - lo), 0.0, 1.0)
    share = np.nan_to_num(share, nan=0.5)
    return pcolors.sample_colorscale(TEMP_COLORSCALE, share.tolist())


def time_axis(timeline: pd.DataFrame) -> tuple[np.ndarray | pd.Series, str]:
    """The x values of the timeline: clock time when ``time`` parses, else hours since start.

    Parameters
    ----------
    timeline : pandas.DataFrame
        The timeline of a :class:`~coldstart.result.Result`.

    Returns
    -------
    x : numpy.ndarray or pandas.Series
        Naive datetimes (wall-clock time of the run) or hours.
    title : str
        Axis title.
    """
    column = timeline["time"] if "time" in timeline.columns else None
    # Numbers would parse as nanoseconds since 1970: only datetimes and text count as times.
    if column is not None and not pd.api.types.is_numeric_dtype(column):
        try:
            times = pd.to_datetime(column)
        except (ValueError, TypeError, OverflowError):
            times = None
        if times is not None and times.notna().all():
            if times.dt.tz is not None:
                times = times.dt.tz_localize(None)
            return times.reset_index(drop=True), "Time"
    if "hours" in timeline.columns:
        return _num(timeline, "hours"), "Hours since start"
    return np.arange(len(timeline), dtype=np.float64), "Step"


def alert_intervals(active: pd.Series, x: np.ndarray | pd.Series) -> list[tuple[object, object]]:
    """Contiguous runs where ``active`` is true, as ``(x_start, x_end)`` pairs.

    A run ends at the x of the first inactive row after it (or at the last row), so a shaded
    band covers the whole of every step during which an alert was active.

    Parameters
    ----------
    active : pandas.Series
        ``alert_active`` per timeline row (anything truthy counts; NaN is false).
    x : numpy.ndarray or pandas.Series
        The x value of each row.

    Returns
    -------
    list of tuple
        Start and end x of each alert.
    """
    if pd.api.types.is_bool_dtype(active) or pd.api.types.is_numeric_dtype(active):
        flags = active.fillna(False).astype(bool).to_numpy()
    else:  # text read back from a CSV: "True"/"False"
        flags = active.astype(str).str.strip().str.lower().isin(["true", "1", "yes"]).to_numpy()
    xs = list(x)
    if not flags.any():
        return []
    padded = np.concatenate([[False], flags, [False]]).astype(np.int8)
    edges = np.diff(padded)
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)  # index of first inactive row after the run
    return [(xs[s], xs[min(e, len(xs) - 1)]) for s, e in zip(starts, ends, strict=True)]


PANELS = (
    ("People affected", 0.30),
    ("% of buildings with heat, power", 0.18),
    ("Outdoor temperature", 0.14),
    ("Electricity and heat", 0.22),
    ("Repair crews working", 0.16),
)
"""Panels of the timeline: title and share of the height."""

WAVE_COLOR = "#8b0000"
"""Colour of the strike-wave marks."""


def _timeline_subplots() -> go.Figure:
    """The empty five-panel figure of the timeline, sharing its x axis."""
    return make_subplots(
        rows=len(PANELS),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.045,
        row_heights=[h for _, h in PANELS],
        subplot_titles=[t for t, _ in PANELS],
    )


def wave_x(wave: Wave, time_like: bool) -> object:
    """The x of a wave on an axis of clock times (naive ISO text) or of hours."""
    if time_like and wave.time is not None:
        t = wave.time.tz_localize(None) if wave.time.tzinfo is not None else wave.time
        return t.isoformat()
    return wave.hours


def wave_marks(waves: list[Wave], time_like: bool, rows: int, label_row: int = 1) -> list[dict]:
    """Dashed lines at every wave on each of ``rows`` panels, the wave's name on ``label_row``.

    Parameters
    ----------
    waves : list of Wave
        The run's strike waves (:func:`coldstart.report.waves.strike_waves`).
    time_like : bool
        True when the x axis shows clock times.
    rows : int
        Panels sharing the x axis (axes ``y``, ``y2``, ...).
    label_row : int, default 1
        Panel whose top carries the names (0: none).

    Returns
    -------
    list of dict
        Shapes (``type = "line"``) followed by annotations (``type = "annotation"``, to be
        split by the caller with :func:`split_marks`).
    """
    marks: list[dict] = []
    for w in waves:
        x = wave_x(w, time_like)
        for row in range(1, rows + 1):
            axis = "" if row == 1 else str(row)
            marks.append(
                dict(
                    type="line",
                    xref=f"x{axis}",
                    yref=f"y{axis} domain",
                    x0=x,
                    x1=x,
                    y0=0,
                    y1=1,
                    line=dict(color=WAVE_COLOR, width=1.5, dash="dash"),
                )
            )
        if label_row:
            axis = "" if label_row == 1 else str(label_row)
            marks.append(dict(type="annotation", xref=f"x{axis}", yref=f"y{axis} domain", x=x,
                              y=0.98, yanchor="top", xanchor="left", showarrow=False,
                              text=html.escape(w.name), font=dict(size=11, color=WAVE_COLOR),
                              bgcolor="rgba(255,255,255,0.75)"))  # fmt: skip
    return marks


def split_marks(marks: list[dict]) -> tuple[list[dict], list[dict]]:
    """``(shapes, annotations)`` from :func:`wave_marks`."""
    shapes = [m for m in marks if m["type"] != "annotation"]
    notes = [
        {k: v for k, v in m.items() if k != "type"} for m in marks if m["type"] == "annotation"
    ]
    return shapes, notes


def _wave_trace(waves: list[Wave], time_like: bool, y_top: float) -> go.Scatter:
    """Markers at the waves in panel 1; hover lists every hit (asset, kind, damage)."""
    text = []
    for w in waves:
        hits = "<br>".join(
            f"{html.escape(h.asset_id)} ({html.escape(h.kind)}): {html.escape(h.damage)}"
            for h in w.hits[:25]
        )
        more = f"<br>… {len(w.hits) - 25} more" if len(w.hits) > 25 else ""
        text.append(f"<b>{html.escape(w.name)}</b>: {len(w.hits)} hit(s)<br>{hits}{more}")
    return go.Scatter(
        x=[wave_x(w, time_like) for w in waves], y=[y_top] * len(waves), mode="markers",
        name="Strike wave (dashed; hover for its hits)", text=text,
        marker=dict(symbol="triangle-down", size=12, color=WAVE_COLOR),
        hovertemplate="%{text}<extra></extra>",
    )  # fmt: skip


def _restored_traces(
    timeline: pd.DataFrame, x: np.ndarray | pd.Series, buildings_total: float | None
) -> list[go.Scatter]:
    """Panel 2: % of buildings with heat and with power at each step."""
    if not buildings_total:
        return []
    traces = []
    for column, name, colour in (
        ("buildings_without_heat", "Buildings with heat (%)", "#d62728"),
        ("buildings_without_power", "Buildings with power (%)", "#7f7f7f"),
    ):
        if column in timeline.columns:
            share = 100.0 * (1.0 - _num(timeline, column) / float(buildings_total))
            traces.append(
                go.Scatter(x=x, y=np.round(share, 2), name=name, line=dict(color=colour, width=2),
                           hovertemplate=name.replace(" (%)", "") + ": %{y:.1f} %<extra></extra>")
            )  # fmt: skip
    return traces


def _add_people_traces(
    fig: go.Figure, timeline: pd.DataFrame, x: np.ndarray | pd.Series, hours: np.ndarray | None
) -> None:
    """Panel 1: one line per :data:`PEOPLE_SERIES` column present (the first shows t+h)."""
    first = True
    for column, label, color in PEOPLE_SERIES:
        if column not in timeline.columns:
            continue
        template = f"{label}: %{{y:,.0f}}"
        custom = None
        if first and hours is not None:
            template += " (t+%{customdata:.1f} h)"
            custom = np.round(hours, 2)
            first = False
        fig.add_trace(
            go.Scatter(
                x=x,
                y=np.round(_num(timeline, column)),
                name=label,
                line=dict(color=color, width=2),
                customdata=custom,
                hovertemplate=template + "<extra></extra>",
                legendgroup="people",
            ),
            row=1,
            col=1,
        )


def _add_panel_line(
    fig: go.Figure, row: int, x, y, name: str, line: dict, hovertemplate: str
) -> None:
    """One line without a legend entry in panel ``row`` (outdoor temperature, crews)."""
    fig.add_trace(
        go.Scatter(x=x, y=y, name=name, line=line, hovertemplate=hovertemplate, showlegend=False),
        row=row,
        col=1,
    )


def _energy_traces(timeline: pd.DataFrame, x: np.ndarray | pd.Series) -> list[go.Scatter]:
    """Panel 3 lines: load served, load demanded (shaded down to served), heat served."""
    cols = timeline.columns
    traces = []
    if "load_served_mw" in cols:
        traces.append(
            go.Scatter(
                x=x,
                y=np.round(_num(timeline, "load_served_mw"), 3),
                name="Electric load served (MW)",
                line=dict(color="#1f77b4", width=2),
                hovertemplate="Load served: %{y:,.1f} MW<extra></extra>",
            )
        )
    if "load_demand_mw" in cols:
        traces.append(
            go.Scatter(
                x=x,
                y=np.round(_num(timeline, "load_demand_mw"), 3),
                name="Electric load demanded (MW)",
                line=dict(color="#1f77b4", width=1.5, dash="dot"),
                # Filled down to "served": the shaded band is the load shed.
                fill="tonexty" if "load_served_mw" in cols else None,
                fillcolor="rgba(214, 39, 40, 0.18)",
                hovertemplate="Load demanded: %{y:,.1f} MW<extra></extra>",
            )
        )
    if "heat_served_mw_th" in cols:
        traces.append(
            go.Scatter(
                x=x,
                y=np.round(_num(timeline, "heat_served_mw_th"), 3),
                name="Heat served (MW_th)",
                line=dict(color="#ff7f0e", width=2),
                hovertemplate="Heat served: %{y:,.1f} MW_th<extra></extra>",
            )
        )
    return traces


def _alert_shapes(timeline: pd.DataFrame, x: np.ndarray | pd.Series) -> list[dict]:
    """Full-height shaded rectangles over the air-raid alerts (none without ``alert_active``)."""
    if "alert_active" not in timeline.columns:
        return []
    return [
        dict(
            type="rect",
            xref="x",
            yref="paper",
            x0=x0,
            x1=x1,
            y0=0,
            y1=1,
            fillcolor=ALERT_COLOR,
            line=dict(width=0),
            layer="below",
        )
        for x0, x1 in alert_intervals(timeline["alert_active"], x)
    ]


def _add_alert_legend(fig: go.Figure) -> None:
    """A legend entry for the alert shading (shapes have none of their own)."""
    fig.add_trace(
        go.Scatter(
            x=[None],
            y=[None],
            mode="markers",
            name="Air-raid alert (shaded)",
            marker=dict(symbol="square", size=14, color="rgba(214, 39, 40, 0.35)"),
            hoverinfo="skip",
        ),
        row=1,
        col=1,
    )


def _style_timeline(fig: go.Figure, shapes: list[dict], notes: list[dict], x_title: str) -> None:
    """Layout and axis titles of the timeline figure (legend below, out of the panels' way)."""
    fig.update_layout(
        template=TEMPLATE,
        font=FONT,
        height=1050,
        shapes=shapes,
        hovermode="x unified",
        margin=dict(l=60, r=15, t=40, b=40),
        legend=dict(orientation="h", yanchor="top", y=-0.06, xanchor="left", x=0),
    )
    for note in notes:
        fig.add_annotation(note)
    fig.update_yaxes(title_text="people", tickformat=",d", rangemode="tozero", row=1, col=1)
    fig.update_yaxes(title_text="%", range=[0, 101], row=2, col=1)
    fig.update_yaxes(title_text="°C", row=3, col=1)
    fig.update_yaxes(title_text="MW / MW_th", rangemode="tozero", row=4, col=1)
    fig.update_yaxes(title_text="crews", rangemode="tozero", tickformat="d", row=5, col=1)
    if x_title != "Time":  # clock times need no title (and it would sit under the legend)
        fig.update_xaxes(title_text=x_title, row=5, col=1)


def timeline_figure(
    timeline: pd.DataFrame,
    waves: list[Wave] | None = None,
    buildings_total: float | None = None,
) -> go.Figure | None:
    """Five stacked panels sharing the time axis, strike waves marked, air-raid alerts shaded.

    Panels: people without heat / without power / below 12 °C / in shelters; % of buildings
    with heat and with power (the restoration curve, 95 % dotted); outdoor temperature;
    electric load demanded vs served and heat served; repair crews working. Every panel carries
    a dashed line at each strike wave, named as in the scenario on the first panel.

    Parameters
    ----------
    timeline : pandas.DataFrame
        One row per step; see :data:`coldstart.result.TIMELINE_COLUMNS`.
    waves : list of Wave, optional
        The run's strike waves.
    buildings_total : float, optional
        Buildings in the city (for the % panel; without it the panel stays empty).

    Returns
    -------
    plotly.graph_objects.Figure or None
        ``None`` when the timeline is empty.
    """
    if timeline is None or timeline.empty:
        return None
    x, x_title = time_axis(timeline)
    hours = _num(timeline, "hours") if "hours" in timeline.columns else None
    fig = _timeline_subplots()
    _add_people_traces(fig, timeline, x, hours)
    for trace in _restored_traces(timeline, x, buildings_total):
        fig.add_trace(trace, row=2, col=1)
    if buildings_total:
        fig.add_hline(y=95, line=dict(color="#555", width=1, dash="dot"), row=2, col=1)
    if "temp_outdoor_c" in timeline.columns:
        _add_panel_line(
            fig, 3, x, np.round(_num(timeline, "temp_outdoor_c"), 2), "Outdoor temperature",
            dict(color="#17becf", width=2), "Outdoor: %{y:.1f} °C<extra></extra>",
        )  # fmt: skip
    for trace in _energy_traces(timeline, x):
        fig.add_trace(trace, row=4, col=1)
    if "crews_working" in timeline.columns:  # a step line
        _add_panel_line(
            fig, 5, x, _num(timeline, "crews_working"), "Crews working",
            dict(color="#9467bd", width=2, shape="hv"), "Crews working: %{y:.0f}<extra></extra>",
        )  # fmt: skip
    time_like = x_title == "Time"
    if waves:
        people = [_num(timeline, c) for c, _, _ in PEOPLE_SERIES if c in timeline.columns]
        top = float(np.nanmax(np.concatenate(people))) if people else 1.0
        fig.add_trace(_wave_trace(waves, time_like, top if np.isfinite(top) else 1.0), 1, 1)
    alerts = _alert_shapes(timeline, x)
    if alerts:
        _add_alert_legend(fig)
    shapes, notes = split_marks(wave_marks(waves or [], time_like, len(PANELS)))
    _style_timeline(fig, list(fig.layout.shapes) + alerts + shapes, notes, x_title)
    return fig


def _bars(values: np.ndarray, weights: np.ndarray, edges: np.ndarray) -> tuple[np.ndarray, ...]:
    """Counts and weighted counts per bin, bin centres and widths."""
    counts, _ = np.histogram(values, bins=edges)
    people, _ = np.histogram(values, bins=edges, weights=weights)
    centres = (edges[:-1] + edges[1:]) / 2
    return counts, np.round(people), centres, np.diff(edges)


def _histogram(
    centres: np.ndarray, counts: np.ndarray, widths: np.ndarray, people: np.ndarray,
    colors: list[str] | str, x_title: str, hover: str,
) -> go.Figure:  # fmt: skip
    """One histogram of buildings (hover: buildings and residents per bin)."""
    fig = go.Figure(
        go.Bar(x=np.round(centres, 2), y=counts, width=np.round(widths, 3), customdata=people,
               marker=dict(color=colors), hovertemplate=hover, showlegend=False)
    )  # fmt: skip
    fig.update_layout(
        template=TEMPLATE, font=FONT, height=340, bargap=0.05,
        margin=dict(l=55, r=10, t=30, b=45), xaxis_title=x_title, yaxis_title="buildings",
    )  # fmt: skip
    return fig


def distribution_figures(buildings: pd.DataFrame) -> list[tuple[str, go.Figure]]:
    """Histograms of the lowest indoor temperature and of hours without heat, per building.

    Two figures (not subplots), so the page can set them side by side on a desktop and stack
    them on a phone. Bars are binned in Python; bar colours are CSS colour strings on the fixed
    temperature scale. The 16, 12 and 5 °C thresholds are dashed lines labelled inside the plot.

    Parameters
    ----------
    buildings : pandas.DataFrame
        Per-building results (``min_temp_c``, ``hours_without_heat``, ``residents``).

    Returns
    -------
    list of (str, plotly.graph_objects.Figure)
        ``(title, figure)`` for each histogram with data.
    """
    if buildings is None or buildings.empty:
        return []
    residents = (
        np.nan_to_num(_num(buildings, "residents"))
        if "residents" in buildings.columns
        else np.zeros(len(buildings))
    )
    out = []
    temps = _num(buildings, "min_temp_c") if "min_temp_c" in buildings else np.array([])
    ok = np.isfinite(temps)
    if ok.any():
        lo, hi = (
            math.floor(temps[ok].min()),
            max(math.ceil(temps[ok].max()), math.floor(temps[ok].min()) + 1),
        )
        step = max(1, math.ceil((hi - lo) / 40))
        edges = np.arange(lo, hi + step, step, dtype=np.float64)
        counts, people, centres, widths = _bars(temps[ok], residents[ok], edges)
        fig = _histogram(
            centres,
            counts,
            widths,
            people,
            temperature_colors(centres),
            "°C",
            "%{x:.1f} °C: %{y:,} buildings, %{customdata:,} residents<extra></extra>",
        )
        for threshold, y in ((16, 0.98), (12, 0.9), (5, 0.82)):  # staggered: never overprinted
            if lo <= threshold <= hi:
                fig.add_vline(x=threshold, line=dict(color="#444", width=1, dash="dash"))
                fig.add_annotation(
                    x=threshold, y=y, yref="paper", text=f"{threshold} °C", showarrow=False,
                    xanchor="left", font=dict(size=11), bgcolor="rgba(255,255,255,0.8)",
                )  # fmt: skip
        out.append(("Lowest indoor temperature", fig))
    hours = (
        _num(buildings, "hours_without_heat") if "hours_without_heat" in buildings else temps[:0]
    )
    ok = np.isfinite(hours) & (hours > 0)
    if ok.any():
        hi = max(float(hours[ok].max()), 1.0)
        edges = np.histogram_bin_edges(
            hours[ok], bins=min(40, max(5, int(ok.sum()))), range=(0, hi)
        )
        counts, people, centres, widths = _bars(hours[ok], residents[ok], edges)
        fig = _histogram(
            centres,
            counts,
            widths,
            people,
            "#d62728",
            "hours",
            "~%{x:.0f} h: %{y:,} buildings, %{customdata:,} residents<extra></extra>",
        )
        out.append(("Hours without heat (buildings that lost heat)", fig))
    return out


def figure_html(fig: go.Figure, div_id: str, height: str | None = None) -> str:
    """A figure as an HTML fragment that relies on plotly.js being already on the page.

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
        The figure.
    div_id : str
        The id of its ``<div>`` (fixed, so the report is reproducible).

    Returns
    -------
    str
        ``<div>`` plus the ``<script>`` that draws it; no plotly.js, no external links.
    """
    return fig.to_html(
        full_html=False,
        include_plotlyjs=False,
        include_mathjax=False,
        div_id=div_id,
        default_height=height or "100%",
        config={"displaylogo": False, "responsive": True, "scrollZoom": False},
    )


def plotly_js() -> str:
    """The full plotly.js library, to be inlined once in the page.

    Returns
    -------
    str
        The minified JavaScript bundled with the installed ``plotly`` package.
    """
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()
