"""Shelter occupancy over time for the offline report.

Reads the timeline columns of the people model (``coldstart.people.metrics.TIMELINE_COLUMNS``):
people in metro stations, schools and warming points (stacked), the places in working shelters,
and the people who wanted a shelter and found none. Nothing is fetched from the network.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from coldstart.report.charts import FONT, TEMPLATE, split_marks, time_axis, wave_marks
from coldstart.report.waves import Wave

KIND_SERIES = (
    ("people_in_metro_stations", "Metro stations", "#1f77b4"),
    ("people_in_schools", "Schools", "#ff7f0e"),
    ("people_in_warming_points", "Warming points", "#2ca02c"),
)
"""Stacked occupancy by shelter kind: column, legend label, colour."""

LINE_SERIES = (
    ("shelter_places_working", "Places in working shelters", "#555555", "dash"),
    ("people_unmet_shelter", "Wanted a shelter, found none", "#d62728", "solid"),
    ("vulnerable_unmet_shelter", "… of them vulnerable", "#9467bd", "dot"),
)
"""Lines over the stack: column, legend label, colour, dash."""

NOTE = (
    "People in shelters by kind (stacked), the places of the shelters that were working (open, "
    "with heat or power, warm enough), and the people who wanted a shelter within walking "
    "distance and found no room (they stayed in their cold homes)."
)
"""Caption of the chart."""


def shelter_figure(timeline: pd.DataFrame) -> go.Figure | None:
    """Shelter occupancy by kind over time, with working places and unmet demand.

    Parameters
    ----------
    timeline : pandas.DataFrame
        ``Result.timeline``; needs the people model's ``people_in_<kind>`` columns.

    Returns
    -------
    plotly.graph_objects.Figure or None
        None when the timeline has none of the occupancy-by-kind columns.
    """
    if timeline is None or timeline.empty:
        return None
    if not any(c in timeline.columns for c, _, _ in KIND_SERIES):
        return None
    x, x_title = time_axis(timeline)
    fig = go.Figure()
    for col, label, colour in KIND_SERIES:
        if col not in timeline.columns:
            continue
        y = pd.to_numeric(timeline[col], errors="coerce").to_numpy(np.float64)
        fig.add_trace(
            go.Scatter(
                x=x,
                y=y,
                name=label,
                mode="lines",
                stackgroup="occupancy",
                line=dict(width=0.5, color=colour),
                hovertemplate="%{y:,.0f} people<extra>" + label + "</extra>",
            )
        )
    for col, label, colour, dash in LINE_SERIES:
        if col not in timeline.columns:
            continue
        y = pd.to_numeric(timeline[col], errors="coerce").to_numpy(np.float64)
        fig.add_trace(
            go.Scatter(
                x=x,
                y=y,
                name=label,
                mode="lines",
                line=dict(width=2, color=colour, dash=dash),
                hovertemplate="%{y:,.0f}<extra>" + label + "</extra>",
            )
        )
    fig.update_layout(
        template=TEMPLATE,
        font=FONT,
        height=380,
        margin=dict(l=60, r=20, t=30, b=50),
        legend=dict(orientation="h", yanchor="top", y=-0.18, x=0),
        hovermode="x unified",
        xaxis_title=None if x_title == "Time" else x_title,  # dates need no title
        yaxis_title="people",
    )
    return fig


def shelter_figures(
    timeline: pd.DataFrame, waves: list[Wave] | None = None
) -> list[tuple[str, str, go.Figure, str]]:
    """The report's shelter section as ``(anchor, heading, figure, note)``; empty when the
    timeline has no occupancy by kind (a Result from the first-version runner). Strike
    ``waves`` are marked as dashed lines."""
    fig = shelter_figure(timeline)
    if fig is None:
        return []
    _, x_title = time_axis(timeline)
    shapes, _ = split_marks(wave_marks(waves or [], x_title == "Time", 1, label_row=0))
    fig.update_layout(shapes=shapes)
    return [("shelters", "Shelters", fig, NOTE)]
