"""Plotly figures for the offline report: timeline, map, distributions.

Every function here takes plain DataFrames and returns a :class:`plotly.graph_objects.Figure`
(or ``None`` when there is nothing to draw). Nothing here loads a map tile, a web font or a
script from the network: the map is an ordinary scatter plot on longitude/latitude axes.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

TEMPLATE = go.layout.Template(layout=pio.templates["plotly_white"].layout)
"""Plotly template of every figure: plotly_white's layout without its per-trace defaults."""

FONT = dict(family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif", size=13)
"""System fonts only: nothing is fetched."""

TEMP_COLORSCALE = "RdYlBu_r"
"""Colour scale of indoor temperatures: blue is cold, red is warm."""

ALERT_COLOR = "rgba(214, 39, 40, 0.12)"
"""Fill of the shading that marks air-raid alerts."""

ASSET_SYMBOLS = (
    "x",
    "diamond",
    "triangle-up",
    "star",
    "cross",
    "hexagon",
    "triangle-down",
    "pentagon",
    "bowtie",
    "hourglass",
)
"""Marker symbols of damaged assets, one per asset kind (cycled)."""

GL_THRESHOLD = 3000
"""Above this many buildings the map uses WebGL (``Scattergl``); below, plain SVG."""

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


def temperature_range(values: np.ndarray) -> tuple[float, float]:
    """Colour range of indoor temperatures: at least 0–20 °C, wider if the data are.

    Parameters
    ----------
    values : numpy.ndarray
        Temperatures in °C (NaN allowed).

    Returns
    -------
    tuple of float
        ``(cmin, cmax)`` in °C.
    """
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return 0.0, 20.0
    return min(0.0, math.floor(finite.min())), max(20.0, math.ceil(finite.max()))


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


def _timeline_subplots() -> go.Figure:
    """The empty four-panel figure of the timeline, sharing its x axis."""
    return make_subplots(
        rows=4,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.05,
        row_heights=[0.37, 0.18, 0.27, 0.18],
        subplot_titles=(
            "People affected",
            "Outdoor temperature",
            "Electricity and heat",
            "Repair crews working",
        ),
    )


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


def _style_timeline(fig: go.Figure, shapes: list[dict], x_title: str) -> None:
    """Layout and axis titles of the timeline figure."""
    fig.update_layout(
        template=TEMPLATE,
        font=FONT,
        height=900,
        shapes=shapes,
        hovermode="x unified",
        margin=dict(l=70, r=20, t=100, b=50),
        legend=dict(orientation="h", yanchor="bottom", y=1.04, xanchor="left", x=0),
    )
    fig.update_yaxes(title_text="people", tickformat=",d", rangemode="tozero", row=1, col=1)
    fig.update_yaxes(title_text="°C", row=2, col=1)
    fig.update_yaxes(title_text="MW / MW_th", rangemode="tozero", row=3, col=1)
    fig.update_yaxes(title_text="crews", rangemode="tozero", tickformat="d", row=4, col=1)
    fig.update_xaxes(title_text=x_title, row=4, col=1)


def timeline_figure(timeline: pd.DataFrame) -> go.Figure | None:
    """Four stacked panels sharing the time axis, with air-raid alerts shaded.

    Panels: people without heat / without power / below 12 °C / in shelters; outdoor
    temperature; electric load demanded vs served and heat served; repair crews working.
    Missing columns are skipped; panels with no data are left empty.

    Parameters
    ----------
    timeline : pandas.DataFrame
        One row per step; see :data:`coldstart.result.TIMELINE_COLUMNS`.

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
    if "temp_outdoor_c" in timeline.columns:  # panel 2
        _add_panel_line(
            fig, 2, x, np.round(_num(timeline, "temp_outdoor_c"), 2), "Outdoor temperature",
            dict(color="#17becf", width=2), "Outdoor: %{y:.1f} °C<extra></extra>",
        )  # fmt: skip
    for trace in _energy_traces(timeline, x):
        fig.add_trace(trace, row=3, col=1)
    if "crews_working" in timeline.columns:  # panel 4, a step line
        _add_panel_line(
            fig, 4, x, _num(timeline, "crews_working"), "Crews working",
            dict(color="#9467bd", width=2, shape="hv"), "Crews working: %{y:.0f}<extra></extra>",
        )  # fmt: skip
    shapes = _alert_shapes(timeline, x)
    if shapes:
        _add_alert_legend(fig)
    _style_timeline(fig, shapes, x_title)
    return fig


def _building_hover(buildings: pd.DataFrame) -> tuple[np.ndarray, str]:
    """Customdata and hover template of the buildings on the map."""
    n = len(buildings)
    fields: list[tuple[str, np.ndarray]] = []

    def text(column: str) -> np.ndarray:
        if column in buildings.columns:
            return buildings[column].astype(str).to_numpy(dtype=object)
        return np.full(n, "?", dtype=object)

    def number(column: str, decimals: int) -> np.ndarray:
        if column in buildings.columns:
            values = np.round(_num(buildings, column), decimals)
            if decimals == 0:
                return np.array([int(v) if np.isfinite(v) else None for v in values], dtype=object)
            return np.array([v if np.isfinite(v) else None for v in values], dtype=object)
        return np.full(n, None, dtype=object)

    fields = [
        ("id", text("building_id")),
        ("archetype", text("archetype")),
        ("residents", number("residents", 0)),
        ("min", number("min_temp_c", 1)),
        ("hours", number("hours_without_heat", 1)),
    ]
    custom = np.column_stack([values for _, values in fields])
    template = (
        "<b>%{customdata[0]}</b><br>"
        "%{customdata[1]}<br>"
        "Residents: %{customdata[2]:,}<br>"
        "Minimum temperature: %{customdata[3]:.1f} °C<br>"
        "Hours without heat: %{customdata[4]:.1f} h"
        "<extra></extra>"
    )
    return custom, template


def _restored_text(values: np.ndarray) -> list[str]:
    """Restoration hour as text, or "not restored"."""
    return [f"restored at {v:.1f} h" if np.isfinite(v) else "not restored" for v in values]


def _has_xy(frame: pd.DataFrame | None) -> bool:
    """``frame`` is given, has ``lon`` and ``lat`` columns and at least one row."""
    return frame is not None and {"lon", "lat"} <= set(frame.columns) and len(frame) > 0


def _located(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``frame`` with finite ``lon`` and ``lat``."""
    return frame[np.isfinite(_num(frame, "lon")) & np.isfinite(_num(frame, "lat"))]


def _column_or(frame: pd.DataFrame, column: str, fill: float) -> np.ndarray:
    """Column ``column`` of ``frame`` as float64, or ``fill`` everywhere when it is missing."""
    return _num(frame, column) if column in frame.columns else np.full(len(frame), fill)


def _building_trace(b: pd.DataFrame) -> go.Scatter | go.Scattergl:
    """Buildings (with coordinates) coloured by minimum indoor temperature."""
    temps = _column_or(b, "min_temp_c", np.nan)
    cmin, cmax = temperature_range(temps)
    custom, template = _building_hover(b)
    scatter = go.Scattergl if len(b) > GL_THRESHOLD else go.Scatter
    return scatter(
        x=_num(b, "lon"),
        y=_num(b, "lat"),
        mode="markers",
        name="Buildings",
        marker=dict(
            size=6 if len(b) <= GL_THRESHOLD else 4,
            color=np.round(temps, 2),
            colorscale=TEMP_COLORSCALE,
            cmin=cmin,
            cmax=cmax,
            colorbar=dict(title=dict(text="Min indoor<br>°C"), thickness=14, x=1.0),
            opacity=0.85,
        ),
        customdata=custom,
        hovertemplate=template,
    )


def _asset_hover(part: pd.DataFrame, kinds: pd.Series, restored: np.ndarray) -> np.ndarray:
    """Customdata of damaged assets: id, damage state, hit time, restoration."""
    hit = _column_or(part, "hit_h", np.nan)
    ids = part["asset_id"].astype(str) if "asset_id" in part.columns else kinds[part.index]
    state = (
        part["damage_state"].astype(str)
        if "damage_state" in part.columns
        else pd.Series("damaged", index=part.index)
    )
    return np.column_stack(
        [
            ids.to_numpy(dtype=object),
            state.to_numpy(dtype=object),
            [f"{v:.1f} h" if np.isfinite(v) else "?" for v in hit],
            _restored_text(restored),
        ]
    )


def _asset_trace(part: pd.DataFrame, kinds: pd.Series, kind: str, symbol: str) -> go.Scatter:
    """Damaged assets of one kind: dark when not restored, grey once restored."""
    restored = _column_or(part, "restored_h", np.nan)
    return go.Scatter(
        x=_num(part, "lon"),
        y=_num(part, "lat"),
        mode="markers",
        name=f"Damaged {kind}",
        marker=dict(
            symbol=symbol,
            size=13,
            color=["#555555" if np.isfinite(v) else "#111111" for v in restored],
            line=dict(color="white", width=1),
        ),
        customdata=_asset_hover(part, kinds, restored),
        hovertemplate=(
            f"<b>%{{customdata[0]}}</b> ({kind})<br>"
            "Damage: %{customdata[1]}<br>"
            "Hit at %{customdata[2]}<br>"
            "%{customdata[3]}<extra></extra>"
        ),
    )


def _asset_traces(assets: pd.DataFrame) -> list[tuple[go.Scatter, np.ndarray]]:
    """One trace per asset kind (sorted), each with the latitudes it plots."""
    a = _located(assets)
    kinds = a["kind"].astype(str) if "kind" in a.columns else pd.Series("asset", index=a.index)
    traces = []
    for i, kind in enumerate(sorted(kinds.unique())):
        part = a[kinds == kind]
        symbol = ASSET_SYMBOLS[i % len(ASSET_SYMBOLS)]
        traces.append((_asset_trace(part, kinds, kind, symbol), _num(part, "lat")))
    return traces


def _shelter_trace(s: pd.DataFrame) -> go.Scatter:
    """Shelters (with coordinates) as squares sized by peak occupancy."""
    occ = (
        np.nan_to_num(_num(s, "peak_occupancy"))
        if "peak_occupancy" in s.columns
        else np.zeros(len(s))
    )
    cap = _column_or(s, "capacity_people", np.nan)
    top = occ.max() if occ.size and occ.max() > 0 else 1.0
    sizes = np.round(7 + 28 * np.sqrt(np.clip(occ, 0, None) / top), 1)
    ids = s["facility_id"].astype(str) if "facility_id" in s.columns else s.index
    kinds = s["kind"].astype(str) if "kind" in s.columns else pd.Series("", index=s.index)
    custom = np.column_stack(
        [
            np.asarray(ids, dtype=object),
            kinds.to_numpy(dtype=object),
            [f"{v:,.0f}" if np.isfinite(v) else "?" for v in cap],
            [f"{v:,.0f}" for v in occ],
        ]
    )
    return go.Scatter(
        x=_num(s, "lon"),
        y=_num(s, "lat"),
        mode="markers",
        name="Shelters (size: peak occupancy)",
        marker=dict(
            symbol="square",
            size=sizes,
            color="rgba(44, 160, 44, 0.55)",
            line=dict(color="#1a6e1a", width=1.5),
        ),
        customdata=custom,
        hovertemplate=(
            "<b>%{customdata[0]}</b> (%{customdata[1]})<br>"
            "Capacity: %{customdata[2]} people<br>"
            "Peak occupancy: %{customdata[3]} people<extra></extra>"
        ),
    )


def _map_traces(
    buildings: pd.DataFrame, assets: pd.DataFrame, shelters: pd.DataFrame
) -> list[tuple[go.Scatter | go.Scattergl, np.ndarray]]:
    """Every trace of the map in drawing order, each with the latitudes it plots."""
    traces: list[tuple[go.Scatter | go.Scattergl, np.ndarray]] = []
    if _has_xy(buildings):
        b = _located(buildings)
        if len(b):
            traces.append((_building_trace(b), _num(b, "lat")))
    if _has_xy(assets):
        traces += _asset_traces(assets)
    if _has_xy(shelters):
        s = _located(shelters)
        if len(s):
            traces.append((_shelter_trace(s), _num(s, "lat")))
    return traces


def _lat_ratio(lats: list[np.ndarray]) -> float:
    """Scale ratio of the latitude axis: 1 / cos(mean latitude), capped for the poles."""
    all_lat = np.concatenate(lats) if lats else np.array([0.0])
    lat0 = float(np.nanmean(all_lat)) if np.isfinite(all_lat).any() else 0.0
    # One degree of latitude is 1/cos(lat) times longer on the ground than one of longitude.
    return 1.0 / max(math.cos(math.radians(lat0)), 0.05)


def _style_map(fig: go.Figure, ratio: float) -> None:
    """Layout of the map: equal-distance axes, no grid, legend on top."""
    fig.update_layout(
        template=TEMPLATE,
        font=FONT,
        height=680,
        margin=dict(l=70, r=20, t=80, b=50),
        plot_bgcolor="#e9edf2",
        legend=dict(orientation="h", yanchor="bottom", y=1.01, xanchor="left", x=0),
        xaxis=dict(title="Longitude", showgrid=False, zeroline=False),
        yaxis=dict(
            title="Latitude",
            scaleanchor="x",
            scaleratio=ratio,
            showgrid=False,
            zeroline=False,
        ),
        hovermode="closest",
    )


def map_figure(
    buildings: pd.DataFrame, assets: pd.DataFrame, shelters: pd.DataFrame
) -> go.Figure | None:
    """Buildings coloured by minimum indoor temperature, damaged assets and shelters.

    A plain scatter plot on longitude/latitude with equal-distance axes (the latitude axis is
    stretched by ``1 / cos(latitude)``), so no map tiles are needed and the file stays offline.

    Parameters
    ----------
    buildings : pandas.DataFrame
        Per-building results; needs ``lon``, ``lat`` and ideally ``min_temp_c``.
    assets : pandas.DataFrame
        Damaged assets: ``asset_id, kind, lon, lat, damage_state, hit_h, restored_h``.
    shelters : pandas.DataFrame
        ``facility_id, kind, lon, lat, capacity_people, peak_occupancy``.

    Returns
    -------
    plotly.graph_objects.Figure or None
        ``None`` when nothing has coordinates.
    """
    traces = _map_traces(buildings, assets, shelters)
    if not traces:
        return None
    fig = go.Figure()
    for trace, _ in traces:
        fig.add_trace(trace)
    _style_map(fig, _lat_ratio([lat for _, lat in traces]))
    return fig


def _bars(values: np.ndarray, weights: np.ndarray, edges: np.ndarray) -> tuple[np.ndarray, ...]:
    """Counts and weighted counts per bin, bin centres and widths."""
    counts, _ = np.histogram(values, bins=edges)
    people, _ = np.histogram(values, bins=edges, weights=weights)
    centres = (edges[:-1] + edges[1:]) / 2
    return counts, np.round(people), centres, np.diff(edges)


def distribution_figure(buildings: pd.DataFrame) -> go.Figure | None:
    """Histograms of minimum indoor temperature and of hours without heat, per building.

    Bars are binned in Python (not by plotly.js), so the file holds a few dozen bars rather
    than one number per building. Hover shows buildings and residents per bin.

    Parameters
    ----------
    buildings : pandas.DataFrame
        Per-building results (``min_temp_c``, ``hours_without_heat``, ``residents``).

    Returns
    -------
    plotly.graph_objects.Figure or None
        ``None`` when neither column has data.
    """
    if buildings is None or buildings.empty:
        return None
    has_temp = "min_temp_c" in buildings.columns
    has_hours = "hours_without_heat" in buildings.columns
    if not (has_temp or has_hours):
        return None
    residents = (
        np.nan_to_num(_num(buildings, "residents"))
        if "residents" in buildings.columns
        else np.zeros(len(buildings))
    )
    fig = make_subplots(
        rows=1,
        cols=2,
        horizontal_spacing=0.1,
        subplot_titles=(
            "Minimum indoor temperature",
            "Hours without heat (buildings that lost heat)",
        ),
    )
    hover = "%{x}: %{y:,} buildings, %{customdata:,} residents<extra></extra>"
    if has_temp:
        temps = _num(buildings, "min_temp_c")
        ok = np.isfinite(temps)
        if ok.any():
            lo, hi = math.floor(temps[ok].min()), math.ceil(temps[ok].max())
            hi = max(hi, lo + 1)
            step = max(1, math.ceil((hi - lo) / 40))
            edges = np.arange(lo, hi + step, step, dtype=np.float64)
            counts, people, centres, widths = _bars(temps[ok], residents[ok], edges)
            cmin, cmax = temperature_range(temps)
            fig.add_trace(
                go.Bar(
                    x=centres,
                    y=counts,
                    width=widths,
                    customdata=people,
                    name="Minimum temperature",
                    marker=dict(color=centres, colorscale=TEMP_COLORSCALE, cmin=cmin, cmax=cmax),
                    hovertemplate="%{x:.1f} °C: %{y:,} buildings, %{customdata:,} residents"
                    "<extra></extra>",
                    showlegend=False,
                ),
                row=1,
                col=1,
            )
            for threshold in (16, 12, 5):
                if lo <= threshold <= hi:
                    fig.add_vline(
                        x=threshold,
                        line=dict(color="#444", width=1, dash="dash"),
                        annotation_text=f"{threshold} °C",
                        annotation_position="top",
                        row=1,
                        col=1,
                    )
    if has_hours:
        hours = _num(buildings, "hours_without_heat")
        ok = np.isfinite(hours) & (hours > 0)
        if ok.any():
            hi = max(float(hours[ok].max()), 1.0)
            bins = min(40, max(5, int(ok.sum())))
            edges = np.histogram_bin_edges(hours[ok], bins=bins, range=(0, hi))
            counts, people, centres, widths = _bars(hours[ok], residents[ok], edges)
            fig.add_trace(
                go.Bar(
                    x=np.round(centres, 2),
                    y=counts,
                    width=np.round(widths, 3),
                    customdata=people,
                    name="Hours without heat",
                    marker=dict(color="#d62728"),
                    hovertemplate=hover.replace("%{x}", "~%{x:.0f} h"),
                    showlegend=False,
                ),
                row=1,
                col=2,
            )
    if not fig.data:
        return None
    fig.update_layout(
        template=TEMPLATE,
        font=FONT,
        height=380,
        bargap=0.05,
        margin=dict(l=70, r=20, t=50, b=50),
    )
    fig.update_xaxes(title_text="°C", row=1, col=1)
    fig.update_xaxes(title_text="hours", row=1, col=2)
    fig.update_yaxes(title_text="buildings", row=1, col=1)
    fig.update_yaxes(title_text="buildings", row=1, col=2)
    return fig


def figure_html(fig: go.Figure, div_id: str) -> str:
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
