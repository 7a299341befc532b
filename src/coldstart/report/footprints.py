"""Building footprints on the report's map: filled polygons, a few traces for thousands.

A city imported from OpenStreetMap has each building's real footprint
(:attr:`coldstart.result.Result.footprints`). The map draws them filled by the value of the
view (lowest indoor temperature on the fixed −20..22 °C scale, or the hours until heat
returned). A plotly trace has one fill colour, so the buildings are put in colour classes
(:data:`TEMP_STEP_C` wide, or :data:`RETURN_CLASSES` over the run) and each class is one plain
``scatter`` trace with ``fill="toself"`` whose rings are separated by NaN (holes keep the
opposite winding, so courtyards stay open): a city of thousands of buildings is a few dozen
traces, their coordinates sent as typed arrays (base64 float32, about 0.2 m at these
latitudes). The hover stays on the building points, drawn transparent over the footprints.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import shapely
from plotly.colors import sample_colorscale

TEMP_STEP_C = 1.0
"""Width of a temperature colour class [K]: a footprint is filled with its class's middle."""

RETURN_CLASSES = 24
"""Colour classes of the hours until heat returned, over the run."""

FILL_OPACITY = 0.85
"""Opacity of a footprint's fill (the network stays visible under it)."""

OUTLINE = dict(color="rgba(60, 60, 60, 0.55)", width=0.4)
"""Thin outline of every footprint."""

NO_VALUE_FILL = "#9a9a9a"
"""Fill of a footprint without a value in the view (no temperature)."""


class Rings(NamedTuple):
    """Every ring of the footprints as one NaN-separated path.

    ``x``/``y`` [deg] hold each ring's coordinates followed by a NaN; ``row`` is the building
    (position in the table drawn) of each entry.
    """

    x: np.ndarray
    y: np.ndarray
    row: np.ndarray


def aligned_footprints(footprints: pd.Series | None, ids: pd.Series) -> np.ndarray | None:
    """Footprints in the order of ``ids`` (None where a building has none), or None when no
    building drawn has one."""
    if footprints is None or not len(footprints):
        return None
    from coldstart.city.footprints import aligned

    geoms = aligned(footprints, ids)
    return geoms if any(g is not None for g in geoms) else None


def footprint_rings(geoms: np.ndarray) -> Rings:
    """The rings (exteriors and holes) of ``geoms`` as one NaN-separated path.

    Parameters
    ----------
    geoms : numpy.ndarray
        Shapely Polygon/MultiPolygon (or None) per building.

    Returns
    -------
    Rings
    """
    has = np.flatnonzero([g is not None for g in geoms])
    parts, part_of = shapely.get_parts(np.asarray(geoms, dtype=object)[has], return_index=True)
    rings, ring_of = shapely.get_rings(parts, return_index=True)
    coords, coord_of = shapely.get_coordinates(rings, return_index=True)
    building = has[part_of[ring_of]]
    ends = np.cumsum(np.bincount(coord_of, minlength=len(rings)))
    return Rings(
        np.insert(coords[:, 0], ends, np.nan),
        np.insert(coords[:, 1], ends, np.nan),
        np.insert(building[coord_of], ends, building),
    )


def _class_trace(rings: Rings, chosen: np.ndarray, fill: str, name: str, group: str, visible):
    """One filled trace of the buildings ``chosen`` (a mask over buildings)."""
    sel = chosen[rings.row]
    return go.Scatter(
        x=rings.x[sel].astype(np.float32), y=rings.y[sel].astype(np.float32), mode="lines",
        fill="toself", fillcolor=fill, line=OUTLINE, opacity=FILL_OPACITY, hoverinfo="skip",
        name=name, legendgroup=group, showlegend=False, visible=visible,
    )  # fmt: skip


def class_traces(
    rings: Rings,
    classes: np.ndarray,
    colors: list[str],
    name: str,
    group: str,
    visible: bool = True,
) -> list[go.Scatter]:
    """One filled trace per colour class present.

    Parameters
    ----------
    rings : Rings
        :func:`footprint_rings` of the buildings.
    classes : numpy.ndarray
        Class of each building (index into ``colors``); -1 for a building not drawn.
    colors : list of str
        Fill of each class.
    name : str
        Trace name (the class number is appended).
    group : str
        Legend group: the footprints toggle with the building points of their view.
    visible : bool
        Shown when the map opens.

    Returns
    -------
    list of plotly.graph_objects.Scatter
    """
    present = np.unique(classes[classes >= 0])
    return [
        _class_trace(rings, classes == k, colors[k], f"{name} {k}", group, visible)
        for k in present.tolist()
    ]


def _css(colors: list[str]) -> list[str]:
    """Colours as plotly samples them, made CSS text (``rgb(…)``) where they are tuples."""
    return [c if isinstance(c, str) else "rgb({}, {}, {})".format(*c) for c in colors]


def temperature_classes(
    temps: np.ndarray, lo: float, hi: float, scale: str
) -> tuple[np.ndarray, list[str]]:
    """Class of each building's temperature on the fixed scale ``[lo, hi]``, and the fill of
    each class (the last class: no temperature)."""
    n = int(np.ceil((hi - lo) / TEMP_STEP_C))
    middles = [(k + 0.5) / n for k in range(n)]
    colors = _css(sample_colorscale(scale, middles)) + [NO_VALUE_FILL]
    t = np.clip(temps, lo, hi)
    k = np.minimum(np.floor((t - lo) / TEMP_STEP_C), n - 1)
    return np.where(np.isfinite(t), k, n).astype(int), colors


def return_classes(hours: np.ndarray, top: float, scale: str) -> tuple[np.ndarray, list[str]]:
    """Class of each building's hours until heat returned over ``[0, top]`` (-1 where not
    finite), and the fill of each class."""
    n = RETURN_CLASSES
    colors = _css(sample_colorscale(scale, [(k + 0.5) / n for k in range(n)]))
    k = np.clip(np.floor(np.nan_to_num(hours, nan=-1.0) / max(top, 1e-9) * n), 0, n - 1)
    return np.where(np.isfinite(hours), k, -1).astype(int), colors
