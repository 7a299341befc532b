"""A real extract (central Helsinki, OpenStreetMap data, see tests/data/osm/README.md) through
`coldstart city from-osm`, `city check` and `run` with the report: every building area osmium
can assemble is kept with its osm_id and footprint, and the built-in scenario (hits by kind and
rank) runs on it."""

import json
from pathlib import Path

import numpy as np
import osmium
import pytest
import shapely.geometry

from demo_texts import short_demo_text

EXTRACT = Path(__file__).resolve().parents[1] / "data" / "osm" / "helsinki.osm.pbf"


def _building_areas(path: Path) -> set[str]:
    """osm ids of the building areas osmium's own multipolygon assembler builds (closed ways,
    and relations whose members are all in the extract)."""
    out = set()
    for o in osmium.FileProcessor(str(path)).with_areas():
        if o.is_area() and "building" in o.tags:
            out.add(("way/" if o.from_way() else "relation/") + str(o.orig_id()))
    return out


def test_real_extract_to_city_to_report(cli, tmp_path):
    city = tmp_path / "city"
    code, _, err = cli("city", "from-osm", EXTRACT, city)
    assert code == 0, err
    doc = json.loads((city / "buildings.geojson").read_text())
    ids = [f["properties"]["osm_id"] for f in doc["features"]]
    assert len(ids) == len(set(ids))
    assert set(ids) == _building_areas(EXTRACT)  # nothing lost, nothing invented
    for feat in doc["features"]:
        shape = shapely.geometry.shape(feat["geometry"])
        assert shape.is_valid and shape.area > 0
        assert feat["geometry"]["type"] in ("Polygon", "MultiPolygon")
    summary = json.loads((city / "osm_import.json").read_text())
    assert summary["buildings"] == len(ids)
    assert summary["buildings"] + summary["footprints_dropped"] == summary["buildings_read"]
    # real tags: floors from building:levels where tagged, the rest by the rules table
    floors = summary["floors_from"]
    assert floors["building:levels"] > 100 and sum(floors.values()) == len(ids)

    code, out, err = cli("city", "check", city)
    assert code == 0 and ": ok" in out, err
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(short_demo_text(24, 12))  # the second wave within the day
    run = tmp_path / "run"
    code, out, err = cli("run", city, scenario, "--out", run)
    assert code == 0, err
    result = json.loads((run / "summary.json").read_text())
    assert 0 < result["peak_people_without_power"] <= summary["residents"]
    assert (run / "report.html").stat().st_size > 100_000
    # the GeoPackage carries the real footprints beside the points, with the same results
    pyogrio = pytest.importorskip("pyogrio")
    layers = dict(pyogrio.list_layers(run / "results.gpkg"))
    assert layers["buildings"] == "Point"
    assert layers["building_footprints"] in ("Polygon", "MultiPolygon", "Unknown")
    polys = pyogrio.read_dataframe(run / "results.gpkg", layer="building_footprints")
    points = pyogrio.read_dataframe(run / "results.gpkg", layer="buildings")
    assert len(polys) == len(points) == len(ids)
    assert set(polys.geom_type) <= {"Polygon", "MultiPolygon"}
    merged = polys.merge(points.drop(columns="geometry"), on="building_id", suffixes=("", "_p"))
    np.testing.assert_array_equal(merged["min_temp_c"], merged["min_temp_c_p"])
    # each point (the centroid the simulation reads) lies in or beside its footprint (the
    # centroid of an L-shaped or multi-part building may fall outside it)
    utm = polys.estimate_utm_crs()
    shapes = polys.set_index("building_id").geometry.to_crs(utm)
    pts = points.set_index("building_id").geometry.to_crs(utm)
    gap_m = shapes.loc[pts.index].distance(pts)
    assert (gap_m == 0).mean() > 0.8 and gap_m.max() < 50.0, gap_m.describe()
