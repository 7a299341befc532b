"""coldstart city from-osm through the real CLI: a generated extract becomes a city folder that
QGIS reads, `city check` passes and `run` simulates; bad input ends in one line and exit 2."""

import json
import os

import pytest
import shapely.geometry

from coldstart.city.osm.extract import write_extract
from demo_texts import short_demo_text


@pytest.fixture(scope="module")
def pbf(tmp_path_factory):
    return write_extract(tmp_path_factory.mktemp("osm") / "kharkiv.osm.pbf", 60, seed=2).path


def _scenario(tmp_path):
    """The demo scenario cut to 12 hours, its named hits removed (this city has one CHP)."""
    text = short_demo_text(12, 8)
    lines, skip = [], False
    for ln in text.splitlines():
        skip = skip or ln.startswith("hits = [")
        if not skip:
            lines.append(ln)
        skip = skip and ln.strip() != "]"
    p = tmp_path / "scenario.toml"
    p.write_text("\n".join(lines))
    return p


def test_extract_to_city_to_run(cli, tmp_path, pbf):
    city = tmp_path / "city"
    code, out, err = cli("city", "from-osm", pbf, city, "--seed", "4")
    assert code == 0, err
    assert out.startswith(f"wrote {city}: ") and "osm_import.md" in out
    code, out, err = cli("city", "check", city)
    assert code == 0 and ": ok" in out, err
    # QGIS-readable: GeoJSON in lon/lat, buildings as their footprints
    doc = json.loads((city / "buildings.geojson").read_text())
    types = {f["geometry"]["type"] for f in doc["features"]}
    assert types <= {"Polygon", "MultiPolygon"} and "MultiPolygon" in types  # the repaired bow tie
    ring = doc["features"][0]["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1] and all(-180 <= x <= 180 and -90 <= y <= 90 for x, y in ring)
    for feat in doc["features"]:  # RFC 7946: exterior rings counterclockwise
        g = shapely.geometry.shape(feat["geometry"])
        polys = getattr(g, "geoms", [g])
        assert all(p.exterior.is_ccw for p in polys)
    props = doc["features"][0]["properties"]
    assert {"osm_id", "floors_from", "archetype_rule", "residents_from", "lon", "lat"} <= set(props)
    summary = json.loads((city / "osm_import.json").read_text())
    assert summary["buildings"] == len(doc["features"]) and summary["grid"] == "synthetic"
    assert "grid and heat network synthetic" in (city / "city.toml").read_text()
    note = (city / "osm_import.md").read_text()
    assert "from rules" in note
    # review: the note said "N mains" while no pipe was a heat_main asset a strike could hit
    assets = json.loads((city / "assets.geojson").read_text())["features"]
    n_main = sum(a["properties"]["kind"] == "heat_main" for a in assets)
    assert summary["heat_main_assets"] == n_main
    assert ("no pipe is large enough" in note) == (n_main == 0)
    run = tmp_path / "run"
    code, out, err = cli("run", city, _scenario(tmp_path), "--out", run, "--no-report")
    assert code == 0, err
    s = json.loads((run / "summary.json").read_text())
    assert s["buildings_total"] == summary["buildings"]
    assert s["residents_total"] == summary["residents"]


def test_osm_xml_reads_like_pbf(tmp_path):
    from coldstart.city.osm import city_from_osm

    xml = write_extract(tmp_path / "small.osm", 12, seed=1).path
    pbf = write_extract(tmp_path / "small.osm.pbf", 12, seed=1).path
    a, b = city_from_osm(xml), city_from_osm(pbf)
    assert list(a.city.buildings.osm_id) == list(b.city.buildings.osm_id)
    assert (a.city.buildings.footprint_m2 == b.city.buildings.footprint_m2).all()


def _corrupt(tmp_path, pbf):
    bad = tmp_path / "corrupt.osm.pbf"
    bad.write_bytes(b"\x00\x00\x00\x0dOSMHeader" + os.urandom(64))
    return bad


def _truncated(tmp_path, pbf):
    bad = tmp_path / "truncated.osm.pbf"
    bad.write_bytes(pbf.read_bytes()[:1500])
    return bad


def _no_buildings(tmp_path, pbf):
    empty = tmp_path / "empty.osm"
    empty.write_text(
        '<?xml version="1.0"?><osm version="0.6"><node id="1" lat="50" lon="36"/></osm>'
    )
    return empty


def _folder(tmp_path, pbf):
    d = tmp_path / "folder.osm.pbf"
    d.mkdir()
    return d


@pytest.mark.parametrize(
    "make, extra, names",
    [
        (_corrupt, [], ["corrupt.osm.pbf", "cannot be read as OSM data"]),
        (_truncated, [], ["truncated.osm.pbf", "cannot be read as OSM data"]),
        (_no_buildings, [], ["empty.osm", "field 'building'", "no building with a footprint"]),
        (_folder, [], ["folder.osm.pbf", "expected a file"]),
        (lambda t, p: t / "missing.osm.pbf", [], ["missing.osm.pbf", "not found"]),
        (lambda t, p: t / "city.geojson", [], ["city.geojson", "expected an .osm.pbf or .osm"]),
        (lambda t, p: p, ["--bbox", "36,50,35"], ["--bbox", "W,S,E,N"]),
        (lambda t, p: p, ["--bbox", "37,49,36,50"], ["--bbox", "W < E"]),
        (lambda t, p: p, ["--bbox", "a,b,c,d"], ["--bbox"]),
        (lambda t, p: p, ["--bbox", "10,50,11,51"], ["kharkiv.osm.pbf", "inside --bbox"]),
        (lambda t, p: p, ["--grid", "no_such_grid"], ["no_such_grid"]),
        (lambda t, p: p, ["--heat", "no_such_heat"], ["no_such_heat", "pandapipes"]),
    ],
)
def test_bad_input_is_one_line_and_exit_2(cli, tmp_path, pbf, make, extra, names):
    src = make(tmp_path, pbf)
    if src.suffix == ".geojson":
        src.write_text("{}")
    out = tmp_path / "out"
    code, stdout, err = cli("city", "from-osm", src, out, *extra)
    assert code == 2, (stdout, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert all(n in lines[0] for n in names), lines[0]
    assert "Traceback" not in err
    # nothing half-written: no output folder, no temporary sibling
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if "coldstart-tmp" in p.name]


def test_bundled_example_is_the_scripts_output_and_imports(capsys):
    import importlib.util
    from pathlib import Path

    from coldstart.city.osm import city_from_osm

    script = Path(__file__).resolve().parents[2] / "scripts" / "make_osm_example.py"
    spec = importlib.util.spec_from_file_location("make_osm_example", script)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.main(check=True) == 0, capsys.readouterr().out
    assert mod.EXAMPLE.stat().st_size < 300_000
    imp = city_from_osm(mod.EXAMPLE)
    assert len(imp.city.buildings) == mod.BUILDINGS + 5
