"""The report's map: lines and mains under the buildings, damaged assets, shelters.

A plain scatter plot on longitude/latitude with equal-distance axes (no tiles, so the file
stays offline). Two views, switched by buttons above the map: buildings coloured by their
lowest indoor temperature on a fixed scale (−20..22 °C in every report, so two reports compare),
or by the hours until their heat returned. Every asset kind has a fixed marker symbol.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from coldstart.report import footprints as fp
from coldstart.report.charts import FONT, TEMP_COLORSCALE, TEMP_RANGE_C, TEMPLATE, _num
from coldstart.report.narrative import KIND_LABELS

RETURN_COLORSCALE = "Viridis"
"""Colour scale of the hours until heat returned (dark: soon, yellow: late)."""

NEVER_BACK_COLOR = "#d62728"
"""Buildings whose heat was not back by the end of the run."""

ASSET_SYMBOLS = {
    "chp_plant": "star",
    "boiler_house": "hexagon",
    "hv_substation": "triangle-up",
    "transformer_station": "triangle-down",
    "power_line": "x",
    "heat_main": "cross",
    "pumping_station": "diamond",
}
"""Marker symbol of each asset kind (``city/schema.toml``), the same in every city."""

OTHER_SYMBOL = "circle-x"
"""Marker of an asset kind not in :data:`ASSET_SYMBOLS`."""

NETWORK_STYLE = {
    "grid_lines": ("Power lines", "rgba(90, 100, 120, 0.45)", 1.0),
    "heat_pipes": ("Heat mains", "rgba(230, 120, 30, 0.45)", 1.2),
}
"""Legend name, colour and width of each network layer."""

GL_THRESHOLD = 3000
"""Above this many buildings the map uses WebGL (``Scattergl``); below, plain SVG."""


def _located(frame: pd.DataFrame | None) -> pd.DataFrame:
    """Rows of ``frame`` with finite ``lon``/``lat`` (empty without those columns)."""
    if frame is None or frame.empty or not {"lon", "lat"} <= set(frame.columns):
        return pd.DataFrame(columns=["lon", "lat"])
    return frame[np.isfinite(_num(frame, "lon")) & np.isfinite(_num(frame, "lat"))]


def _values(frame: pd.DataFrame, column: str, decimals: int) -> np.ndarray:
    """A column rounded, as objects (None where missing) for hover text."""
    if column not in frame.columns:
        return np.full(len(frame), None, dtype=object)
    v = np.round(_num(frame, column), decimals)
    return np.array([x if np.isfinite(x) else None for x in v], dtype=object)


def _text(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame.columns:
        return np.full(len(frame), "", dtype=object)
    return frame[column].astype(str).to_numpy(dtype=object)


def network_traces(network: pd.DataFrame | None) -> list[go.Scatter]:
    """Power lines and heat mains (in service thin; out or repaired bold), as line traces.

    Parameters
    ----------
    network : pandas.DataFrame or None
        ``Result.network`` (``layer``, ``state_at_end``, ``hours_out``, ``geometry_wkt``).

    Returns
    -------
    list of plotly.graph_objects.Scatter
        One trace per layer, plus one for the lines and mains that were out; none without data.
    """
    if network is None or network.empty:
        return []
    import shapely

    traces = []
    was_out = pd.to_numeric(network["hours_out"], errors="coerce").fillna(0) > 0
    groups = [(k, network[(network["layer"] == k) & ~was_out], *v) for k, v in
              NETWORK_STYLE.items()]  # fmt: skip
    groups.append(("out", network[was_out], "Lines and mains that were out", "#8b0000", 2.5))
    for _, part, name, colour, width in groups:
        if part.empty:
            continue
        xs: list[float | None] = []
        ys: list[float | None] = []
        for geom in shapely.from_wkt(part["geometry_wkt"].to_numpy(dtype=object)):
            if geom is None or geom.is_empty:
                continue  # a line without coordinates in the city
            coords = np.asarray(geom.coords)
            xs += [*np.round(coords[:, 0], 6).tolist(), None]
            ys += [*np.round(coords[:, 1], 6).tolist(), None]
        traces.append(
            go.Scatter(x=xs, y=ys, mode="lines", name=name, hoverinfo="skip",
                       line=dict(color=colour, width=width))
        )  # fmt: skip
    return traces


def _back_text(lost: object, back_h: object, after: object, start: pd.Timestamp | None) -> str:
    """When a building's heat came back, as the hover says it."""
    if lost is None:
        return "never lost"
    if back_h is None:
        return "not back by the end"
    when = (
        f"{back_h} h"
        if start is None
        else (start + pd.Timedelta(hours=float(back_h))).round("min").strftime("%a %d %b %H:%M")
    )
    return f"{when} ({after} h after it went)"


def _building_custom(b: pd.DataFrame, start: pd.Timestamp | None = None) -> np.ndarray:
    """Hover data of buildings: id, type, residents, lowest temperature, heat back at."""
    lost, back_h = _values(b, "heat_lost_h", 1), _values(b, "heat_back_h", 2)
    after = _values(b, "hours_until_heat_returned", 1)
    back = [_back_text(*v, start) for v in zip(lost, back_h, after, strict=True)]
    return np.column_stack(
        [_text(b, "building_id"), _text(b, "archetype"), _values(b, "residents", 0),
         _values(b, "min_temp_c", 1), np.array(back, dtype=object)]
    )  # fmt: skip


HOVER = (
    "<b>%{customdata[0]}</b> (%{customdata[1]})<br>Residents: %{customdata[2]}<br>"
    "Lowest indoor temperature: %{customdata[3]} °C<br>Heat back: %{customdata[4]}<extra></extra>"
)


def building_traces(
    b: pd.DataFrame,
    horizon_h: float | None,
    start: pd.Timestamp | None = None,
    geoms: np.ndarray | None = None,
) -> list[go.Scatter]:
    """The two views of the buildings: lowest temperature (visible) and heat return (hidden).

    Parameters
    ----------
    b : pandas.DataFrame
        Located buildings, joined with ``Result.service`` when available.
    horizon_h : float or None
        Length of the run [h]: the top of the heat-return colour scale.
    start : pandas.Timestamp, optional
        Start of the run, to say at what clock time heat came back.
    geoms : numpy.ndarray, optional
        Footprint (shapely geometry or None) of each row of ``b``: those buildings are drawn
        as filled footprints (:mod:`coldstart.report.footprints`) under their points, which
        stay for the hover only (transparent).

    Returns
    -------
    list of plotly.graph_objects.Scatter
        Traces of the temperature view (shown, ``visible`` unset), then of the heat-return view
        (``visible=False``): without footprints ``[temperature, heat came back after, heat not
        back]`` (the last two may be absent); with them each view's footprints come first.
    """
    scatter = go.Scattergl if len(b) > GL_THRESHOLD else go.Scatter
    size = 6 if len(b) <= GL_THRESHOLD else 4
    custom = _building_custom(b, start)
    rings = None if geoms is None else fp.footprint_rings(geoms)
    has = np.zeros(len(b), bool) if geoms is None else np.array([g is not None for g in geoms])
    opacity = np.where(has, 0.0, 0.9) if 0 < has.sum() < len(has) else 0.0 if has.any() else 0.9
    temps = np.clip(_num(b, "min_temp_c"), *TEMP_RANGE_C) if "min_temp_c" in b else None
    traces = []
    if rings is not None:
        t = temps if temps is not None else np.full(len(b), np.nan)
        classes, colors = fp.temperature_classes(t, *TEMP_RANGE_C, TEMP_COLORSCALE)
        traces += fp.class_traces(rings, np.where(has, classes, -1), colors, "Footprints", "b")
    traces.append(
        scatter(
            x=_num(b, "lon"), y=_num(b, "lat"), mode="markers", name="Buildings",
            legendgroup="b",
            marker=dict(size=size, color=np.round(temps, 2) if temps is not None else "#777",
                        colorscale=TEMP_COLORSCALE, cmin=TEMP_RANGE_C[0], cmax=TEMP_RANGE_C[1],
                        colorbar=dict(title=dict(text="Lowest<br>indoor °C"), thickness=12,
                                      len=0.8), opacity=opacity),
            customdata=custom, hovertemplate=HOVER,
        )
    )  # fmt: skip
    if "hours_until_heat_returned" not in b.columns:
        return traces
    return traces + _return_traces(b, horizon_h, custom, rings, has, (scatter, size, opacity))


def _return_traces(b, horizon_h, custom, rings, has, style) -> list[go.Scatter]:
    """The heat-return view (hidden when the map opens): footprints by class when there are
    some, then the points of buildings whose heat came back and of those where it did not."""
    scatter, size, opacity = style
    ret = _num(b, "hours_until_heat_returned")
    lost = np.isfinite(_num(b, "heat_lost_h"))
    top = float(horizon_h) if horizon_h else float(np.nanmax(ret, initial=1.0))
    back, never = lost & np.isfinite(ret), lost & ~np.isfinite(ret)
    op = opacity if np.isscalar(opacity) else np.asarray(opacity)
    traces = []
    if rings is not None:
        classes, colors = fp.return_classes(np.where(back & has, ret, np.nan), top,
                                            RETURN_COLORSCALE)  # fmt: skip
        traces += fp.class_traces(rings, classes, colors, "Footprints back", "back", False)
        traces += fp.class_traces(rings, np.where(never & has, 0, -1), [NEVER_BACK_COLOR],
                                  "Footprints not back", "never", False)  # fmt: skip
        kept = fp.class_traces(rings, np.where(~lost & has, 0, -1), [fp.NO_VALUE_FILL],
                               "Heat never lost", "kept", False)  # fmt: skip
        traces += [k.update(showlegend=True) for k in kept]
    traces.append(
        scatter(
            x=_num(b, "lon")[back], y=_num(b, "lat")[back], mode="markers", visible=False,
            name="Heat came back after (h)", legendgroup="back",
            marker=dict(size=size, color=np.round(ret[back], 2), colorscale=RETURN_COLORSCALE,
                        cmin=0.0, cmax=top, opacity=op if np.isscalar(op) else op[back],
                        colorbar=dict(title=dict(text="Hours until<br>heat returned"),
                                      thickness=12, len=0.8)),
            customdata=custom[back], hovertemplate=HOVER,
        )
    )  # fmt: skip
    traces.append(
        scatter(
            x=_num(b, "lon")[never], y=_num(b, "lat")[never], mode="markers", visible=False,
            name="Heat not back by the end", legendgroup="never",
            marker=dict(size=size, color=NEVER_BACK_COLOR,
                        symbol="x-thin-open" if size > 4 else "x",
                        opacity=op if np.isscalar(op) else op[never]),
            customdata=custom[never], hovertemplate=HOVER,
        )
    )  # fmt: skip
    return traces


def asset_traces(assets: pd.DataFrame) -> list[go.Scatter]:
    """Damaged assets, one trace per kind with its fixed symbol; dark when still out."""
    a = _located(assets)
    if a.empty:
        return []
    kinds = a["kind"].astype(str) if "kind" in a.columns else pd.Series("asset", index=a.index)
    traces = []
    for kind in sorted(kinds.unique()):
        part = a[kinds == kind]
        restored = _num(part, "restored_h") if "restored_h" in part else np.full(len(part), np.nan)
        state = [f"back at {v:.1f} h" if np.isfinite(v) else "still out" for v in restored]
        custom = np.column_stack(
            [
                _text(part, "asset_id"),
                _text(part, "damage_state"),
                _values(part, "hit_h", 1),
                np.array(state, dtype=object),
            ]
        )
        traces.append(
            go.Scatter(
                x=_num(part, "lon"), y=_num(part, "lat"), mode="markers",
                name=f"Damaged {KIND_LABELS.get(kind, kind)}",
                marker=dict(symbol=ASSET_SYMBOLS.get(kind, OTHER_SYMBOL), size=13,
                            color=["#777777" if np.isfinite(v) else "#111111" for v in restored],
                            line=dict(color="#ffffff", width=1)),
                customdata=custom,
                hovertemplate="<b>%{customdata[0]}</b><br>Damage: %{customdata[1]}<br>"
                "Hit at %{customdata[2]} h, %{customdata[3]}<extra></extra>",
            )
        )  # fmt: skip
    return traces


def shelter_trace(shelters: pd.DataFrame) -> go.Scatter | None:
    """Shelters as small open squares sized by peak occupancy (they never hide the city)."""
    s = _located(shelters)
    if s.empty:
        return None
    occ = np.nan_to_num(_num(s, "peak_occupancy")) if "peak_occupancy" in s else np.zeros(len(s))
    top = occ.max() if occ.size and occ.max() > 0 else 1.0
    custom = np.column_stack(
        [
            _text(s, "facility_id"),
            _text(s, "kind"),
            _values(s, "capacity_people", 0),
            np.round(occ).astype(int),
        ]
    )
    return go.Scatter(
        x=_num(s, "lon"), y=_num(s, "lat"), mode="markers", name="Shelters (size: peak use)",
        marker=dict(symbol="square-open", size=np.round(5 + 9 * np.sqrt(occ / top), 1),
                    color="#1a6e1a", line=dict(width=1.5)),
        customdata=custom,
        hovertemplate="<b>%{customdata[0]}</b> (%{customdata[1]})<br>Places: %{customdata[2]}"
        "<br>Peak occupancy: %{customdata[3]} people<extra></extra>",
    )  # fmt: skip


def _lat_ratio(lat: np.ndarray) -> float:
    """Scale ratio of the latitude axis: 1 / cos(mean latitude), capped near the poles."""
    lat0 = float(np.nanmean(lat)) if np.isfinite(lat).any() else 0.0
    return 1.0 / max(math.cos(math.radians(lat0)), 0.05)


def _view_buttons(n_before: int, views: list, n_after: int) -> list[dict]:
    """Buttons switching the building view (temperature: the traces of ``views`` shown when
    the map opens / heat return: the hidden ones)."""
    first = [v.visible is not False for v in views]
    temp = [True] * n_before + first + [True] * n_after
    ret = [True] * n_before + [not v for v in first] + [True] * n_after
    return [
        dict(label="Lowest temperature", method="restyle", args=[{"visible": temp}]),
        dict(label="Hours until heat back", method="restyle", args=[{"visible": ret}]),
    ]


def map_figure(
    buildings: pd.DataFrame,
    assets: pd.DataFrame,
    shelters: pd.DataFrame,
    network: pd.DataFrame | None = None,
    service: pd.DataFrame | None = None,
    horizon_h: float | None = None,
    start: object = None,
    footprints: pd.Series | None = None,
) -> go.Figure | None:
    """The map: network under the buildings, buildings in two views, assets and shelters.

    Parameters
    ----------
    buildings : pandas.DataFrame
        Per-building results (``lon``, ``lat``, ``min_temp_c``, ...).
    assets : pandas.DataFrame
        Damaged assets (``asset_id, kind, lon, lat, damage_state, hit_h, restored_h``).
    shelters : pandas.DataFrame
        Shelters (``facility_id, kind, lon, lat, capacity_people, peak_occupancy``).
    network : pandas.DataFrame, optional
        ``Result.network``: power lines and heat mains, drawn first (under the buildings).
    service : pandas.DataFrame, optional
        ``Result.service``: when each building's heat came back (the second view).
    horizon_h : float, optional
        Length of the run [h].
    start : str or pandas.Timestamp, optional
        Start of the run (local clock), for the "heat back at" of each building.
    footprints : pandas.Series, optional
        ``Result.footprints`` (shapely geometries by ``building_id``): buildings that have one
        are drawn as filled footprints, the others as points.

    Returns
    -------
    plotly.graph_objects.Figure or None
        None when nothing has coordinates. Height is left to the page (responsive).
    """
    b = _located(buildings)
    if service is not None and len(service) and "building_id" in b.columns:
        b = b.join(service.drop_duplicates("building_id").set_index("building_id"),
                   on="building_id", rsuffix="_service")  # fmt: skip
    under = network_traces(network)
    try:
        t0 = None if start is None else pd.Timestamp(start)
    except (ValueError, TypeError):
        t0 = None
    geoms = None
    if len(b) and "building_id" in b.columns:
        geoms = fp.aligned_footprints(footprints, b["building_id"])
    t0 = None if t0 is None or pd.isna(t0) else t0
    views = building_traces(b, horizon_h, t0, geoms) if len(b) else []
    over = asset_traces(assets)
    shelter = shelter_trace(shelters)
    over += [shelter] if shelter is not None else []
    if not (under or views or over):
        return None
    fig = go.Figure(data=[*under, *views, *over])
    lats = [_num(b, "lat")] if len(b) else [np.array([t.y[0] for t in over if len(t.y)])]
    menus = []
    if len(views) > 1:
        buttons = _view_buttons(len(under), views, len(over))
        menus = [
            dict(type="dropdown", direction="down", x=0, y=1.0, xanchor="left", yanchor="bottom",
                 pad=dict(t=4, b=4), buttons=buttons, showactive=True, active=0)
        ]  # fmt: skip
    fig.update_layout(
        template=TEMPLATE, font=FONT, autosize=True, updatemenus=menus,
        margin=dict(l=50, r=10, t=50, b=40), plot_bgcolor="#eef1f5", hovermode="closest",
        legend=dict(orientation="h", yanchor="top", y=-0.08, xanchor="left", x=0),
        xaxis=dict(title="Longitude", showgrid=False, zeroline=False),
        yaxis=dict(title="Latitude", scaleanchor="x", scaleratio=_lat_ratio(np.concatenate(lats)),
                   showgrid=False, zeroline=False),
    )  # fmt: skip
    return fig
