"""Phone and desktop layouts of the report's figures, switched in the browser on resize.

CSS alone cannot move a plotly legend or thin a colour bar; a small script relayouts the
figures below :data:`PHONE_WIDTH_PX` (legend hidden on the map, axis titles dropped, colour
bars thin with one-word titles) and back above it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

PHONE_WIDTH_PX = 700
"""Below this window width the figures switch to their phone layout (:data:`PHONE_LAYOUT`)."""

PHONE_LAYOUT: dict[str, tuple[dict, dict, list]] = {
    "coldstart-map": (
        {"showlegend": False, "xaxis.title.text": "", "yaxis.title.text": "",
         "margin.l": 40, "margin.r": 5},
        {"showlegend": True, "xaxis.title.text": "Longitude", "yaxis.title.text": "Latitude",
         "margin.l": 50, "margin.r": 10},
        [],
    ),
    "coldstart-timeline": (
        {"legend.font.size": 11, "margin.l": 45, "margin.r": 5},
        {"legend.font.size": 13, "margin.l": 60, "margin.r": 15},
        [],
    ),
}  # fmt: skip
"""Per figure: layout on a phone, layout on a desktop, and ``[trace, phone, desktop]`` restyles
(filled in for colour bars by :func:`colorbar_restyles`)."""


def colorbar_restyles(fig: Any) -> list[list]:
    """``[trace index, phone style, desktop style]`` of every trace with a colour bar: thin with
    a one-word title on a phone, as drawn on a desktop."""
    out = []
    for i, trace in enumerate(fig.data):
        bar = getattr(getattr(trace, "marker", None), "colorbar", None)
        if bar is None or bar.title.text is None:
            continue
        short = "°C" if "°C" in bar.title.text else "h"
        out.append([i, {"marker.colorbar.thickness": 8, "marker.colorbar.title.text": short},
                    {"marker.colorbar.thickness": bar.thickness or 12,
                     "marker.colorbar.title.text": bar.title.text}])  # fmt: skip
    return out


def phone_script(layouts: Mapping[str, tuple[dict, dict, list]] = PHONE_LAYOUT) -> str:
    """JavaScript that switches the figures between phone and desktop layouts on resize.

    Parameters
    ----------
    layouts : Mapping
        By figure div id: phone layout, desktop layout, ``[trace, phone, desktop]`` restyles.

    Returns
    -------
    str
        A script (no library besides the inlined plotly.js) run once the figures are drawn.
    """
    return (
        "(function () { var L = " + json.dumps(layouts, ensure_ascii=False) + "; var last = null;"
        " function adapt() { if (!window.Plotly) return;"
        f" var phone = window.innerWidth < {PHONE_WIDTH_PX}; if (phone === last) return;"
        " last = phone; Object.keys(L).forEach(function (id) {"
        " var gd = document.getElementById(id); if (!gd || !gd.data) return;"
        " var s = L[id]; Plotly.relayout(gd, phone ? s[0] : s[1]);"
        " s[2].forEach(function (r) { Plotly.restyle(gd, phone ? r[1] : r[2], [r[0]]); }); }); }"
        " adapt(); window.addEventListener('resize', adapt); })();"
    )
