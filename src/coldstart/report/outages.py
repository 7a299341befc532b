"""Chart of the rotating-outage schedule actually applied (``result.outage_schedule``).

One row per sub-queue (1.1 ... 6.2), one bar per off-window, on the run's clock: a Gantt chart
that shows at a glance how many queues were off at once and whether the dark hours were spread
fairly. Offline like every figure of the report (no tiles, fonts or scripts fetched).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import plotly.graph_objects as go

from coldstart.grid.rotation import SUB_QUEUES
from coldstart.report.charts import FONT, TEMPLATE, split_marks, wave_marks
from coldstart.report.waves import Wave

if TYPE_CHECKING:  # the Result imports the report to write it; the report only reads it
    from coldstart.result import Result

QUEUE_ORDER = SUB_QUEUES
"""Sub-queues top to bottom."""

KIND_COLORS = {"scheduled": "#4c6a92", "emergency": "#c0392b"}
"""Bar colour of each window kind (``kind`` column; windows without one are scheduled)."""


def outage_figure(
    schedule: pd.DataFrame, start: str | None = None, horizon_h: float | None = None
) -> go.Figure | None:
    """Gantt chart of off-windows per sub-queue.

    Parameters
    ----------
    schedule : pandas.DataFrame
        ``queue`` and either ``start``/``end`` (ISO times) or ``start_h``/``end_h`` (hours
        since the run's start); optional ``kind`` (``scheduled`` or ``emergency``).
    start : str, optional
        Start of the run (ISO), used with hours when ``start``/``end`` are missing.
    horizon_h : float, optional
        Length of the run [h]; with ``start``, the time axis spans the whole run.

    Returns
    -------
    plotly.graph_objects.Figure or None
        None when no window was applied.
    """
    if schedule is None or len(schedule) == 0 or "queue" not in schedule:
        return None
    s = schedule.copy()
    s["queue"] = s["queue"].astype(str)
    if {"start", "end"} <= set(s.columns):
        t0 = pd.to_datetime(s["start"], errors="coerce")
        t1 = pd.to_datetime(s["end"], errors="coerce")
    else:
        base = pd.Timestamp(start) if start else pd.Timestamp(0)
        t0 = base + pd.to_timedelta(s["start_h"].astype(float), unit="h")
        t1 = base + pd.to_timedelta(s["end_h"].astype(float), unit="h")
    if getattr(t0.dt, "tz", None) is not None:
        t0, t1 = t0.dt.tz_localize(None), t1.dt.tz_localize(None)
    ok = t0.notna() & t1.notna() & (t1 > t0)
    s, t0, t1 = s[ok], t0[ok], t1[ok]
    if len(s) == 0:
        return None
    kind = s["kind"].astype(str) if "kind" in s else pd.Series("scheduled", index=s.index)
    fig = go.Figure()
    for k in sorted(kind.unique()):
        m = (kind == k).to_numpy()
        dur_ms = ((t1[m] - t0[m]).dt.total_seconds() * 1000.0).to_numpy()
        hours = dur_ms / 3.6e6
        fig.add_trace(
            go.Bar(
                orientation="h",
                y=s["queue"][m],
                x=dur_ms,
                base=t0[m].dt.strftime("%Y-%m-%d %H:%M:%S"),
                name=f"{k} off-window",
                marker_color=KIND_COLORS.get(k, "#7f7f7f"),
                customdata=list(zip(t0[m].dt.strftime("%d %b %H:%M"), hours, strict=True)),
                hovertemplate="queue %{y}<br>off from %{customdata[0]}<br>"
                "for %{customdata[1]:.1f} h<extra></extra>",
            )
        )
    xaxis = dict(type="date")
    if start and horizon_h:
        t_start = pd.Timestamp(start).tz_localize(None)
        t_end = t_start + pd.Timedelta(hours=float(horizon_h))
        xaxis["range"] = [t_start.isoformat(), t_end.isoformat()]
    present = [q for q in QUEUE_ORDER if q in set(s["queue"])]
    others = sorted(set(s["queue"]) - set(QUEUE_ORDER))
    fig.update_layout(
        template=TEMPLATE,
        font=FONT,
        barmode="overlay",
        height=120 + 26 * (len(present) + len(others)),
        margin=dict(l=60, r=20, t=30, b=40),
        xaxis=xaxis,
        yaxis=dict(
            title="Sub-queue",
            categoryorder="array",
            categoryarray=list(reversed(present + others)),
        ),
        legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0),
    )
    return fig


def outage_figures(
    result: Result, waves: list[Wave] | None = None
) -> list[tuple[str, str, go.Figure, str]]:
    """The report section of the outage schedule (empty when no window was applied).

    Parameters
    ----------
    result : Result
        The run.
    waves : list of Wave, optional
        Strike waves, marked as dashed lines across the chart.

    Returns
    -------
    list of (anchor, heading, figure, note)
        For :func:`coldstart.report.html.render_report`'s list of figures.
    """
    meta = result.meta or {}
    fig = outage_figure(result.outage_schedule, meta.get("start"), meta.get("horizon_h"))
    if fig is None:
        return []
    shapes, _ = split_marks(wave_marks(waves or [], True, 1, label_row=0))
    fig.update_layout(shapes=shapes)
    n = len(result.outage_schedule)
    note = (
        f"{n} off-window(s) applied to the 12 rotating sub-queues (Ukrainian practice: 6 queues "
        "of 2 sub-queues; critical consumers and their feeders exempt). Emergency windows, "
        "ordered without schedule when an island is short, in red."
    )
    return [("outages", "Rotating outages applied", fig, note)]
