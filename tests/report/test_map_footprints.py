"""The report's map draws footprints when the city has them, and the report says when the
city's networks are synthetic."""

import base64
import json

import numpy as np
import pandas as pd
import shapely
from plotly.colors import sample_colorscale

from coldstart.city import load_city
from coldstart.report.html import synthetic_notice


def map_traces(report_html: str) -> list[dict]:
    """The map's traces as the page hands them to plotly.js (typed arrays decoded)."""
    start = report_html.index('Plotly.newPlot(                        "coldstart-map"')
    data_at = report_html.index("[", start)
    traces, _ = json.JSONDecoder().raw_decode(report_html, data_at)
    for t in traces:
        for axis in ("x", "y"):
            v = t.get(axis)
            if isinstance(v, dict) and "bdata" in v:
                t[axis] = np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"])
    return traces


def rings(traces: list[dict], shown: bool) -> int:
    """Rings drawn by the filled traces shown (or hidden) when the map opens: each ring of a
    footprint ends with a NaN."""
    fills = [t for t in traces if t.get("fill") == "toself" and (t.get("visible", True) == shown)]
    return sum(int(np.isnan(np.asarray(t["x"], dtype=float)).sum()) for t in fills)


def n_rings(geoms: np.ndarray) -> int:
    parts = shapely.get_parts(geoms)
    return len(parts) + int(shapely.get_num_interior_rings(parts).sum())


def test_imported_report_draws_every_footprint_in_both_views(osm_example_dir):
    city = load_city(osm_example_dir / "city")
    page = (osm_example_dir / "run" / "report.html").read_text()
    traces = map_traces(page)
    want = n_rings(city.footprints.to_numpy())
    assert want >= len(city.buildings)  # every building has one (one with a courtyard or more)
    # temperature view: every footprint once; heat-return view: every footprint once (came
    # back, not back, or never lost)
    assert rings(traces, shown=True) == want
    assert rings(traces, shown=False) == want
    fills = [t for t in traces if t.get("fill") == "toself"]
    assert 1 < len(fills) <= 43 + 24 + 2  # a few traces by colour class, not one per building
    # the fills take the colours of the fixed scale, the points stay only for the hover
    points = next(t for t in traces if t["name"] == "Buildings")
    assert (points["marker"]["cmin"], points["marker"]["cmax"]) == (-20.0, 22.0)
    assert points["marker"]["opacity"] == 0.0
    # the coordinates are the footprints' (float32: within 1e-5 deg)
    first = [t for t in fills if t.get("visible", True)][0]
    xs = np.asarray(first["x"], dtype=float)
    ring_x = xs[: int(np.argmax(np.isnan(xs)))]
    coords = shapely.get_coordinates(city.footprints.to_numpy())[:, 0]
    assert np.abs(coords[:, None] - ring_x[None, :]).min(axis=0).max() < 1e-5


def test_city_without_footprints_keeps_points(demo_run_dir):
    traces = map_traces((demo_run_dir / "report.html").read_text())
    assert not [t for t in traces if t.get("fill") == "toself"]
    points = next(t for t in traces if t["name"] == "Buildings")
    assert points["marker"]["opacity"] == 0.9


def test_mixed_city_draws_footprints_where_it_has_them():
    from coldstart.report.mapfig import map_figure

    b = pd.DataFrame({"building_id": ["a", "b", "c"], "lon": [30.0, 30.01, 30.02],
                      "lat": [50.0, 50.0, 50.0], "archetype": ["panel_9"] * 3,
                      "residents": [10, 20, 30], "min_temp_c": [-25.0, 5.0, np.nan]})  # fmt: skip
    boxes = [shapely.box(30.0, 50.0, 30.001, 50.001), shapely.box(30.02, 50.0, 30.021, 50.001)]
    fp = pd.Series(boxes, index=pd.Index(["a", "c"], name="building_id"), dtype=object)
    fig = map_figure(b, pd.DataFrame(), pd.DataFrame(), footprints=fp)
    fills = [t for t in fig.data if t.fill == "toself"]
    # "a" below the scale takes its coldest class; "c" without a temperature is grey
    coldest = sample_colorscale("RdYlBu_r", [0.5 / 42])[0]
    assert sorted(t.fillcolor for t in fills) == sorted([coldest, "#9a9a9a"])
    points = next(t for t in fig.data if t.name == "Buildings")
    assert list(points.marker.opacity) == [0.0, 0.9, 0.0]  # "b" stays a point


def test_synthetic_notice_only_where_the_city_marks_networks(osm_example_dir, demo_run_dir):
    page = (osm_example_dir / "run" / "report.html").read_text()
    head = page.split("<nav>", 1)[0]
    assert 'id="synthetic-networks"' in head
    assert "The power grid and the district heating network of this city are synthetic" in head
    assert "synthetic_networks" in page and "grid, heat_network" in page  # run details
    assert "synthetic-networks" not in (demo_run_dir / "report.html").read_text()
    heat_only = synthetic_notice({"synthetic_networks": "heat_network"})
    assert "The district heating network of this city is synthetic" in heat_only
    assert "power grid" not in heat_only
    assert synthetic_notice({}) == "" and synthetic_notice({"city_name": "x"}) == ""
    assert "synthetic-positions" not in heat_only and "synthetic-positions" not in head
    # a city built around a grid without geographic coordinates: its positions are invented
    both = synthetic_notice({"synthetic_networks": "heat_network, positions"})
    assert both.count('<p class="synthetic"') == 2
    assert "The district heating network of this city is synthetic" in both
    assert "The positions of buses, buildings and facilities of this city are synthetic" in both
    assert "walk distances" in both and "positions of" not in heat_only
