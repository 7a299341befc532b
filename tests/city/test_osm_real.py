"""A real extract (central Helsinki, OpenStreetMap data, see tests/data/osm/README.md) through
`coldstart city from-osm`, `city check` and `run` with the report: every building area osmium
can assemble is kept with its osm_id and footprint, and the built-in scenario (hits by kind and
rank) runs on it."""

import json
from pathlib import Path

import osmium
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
