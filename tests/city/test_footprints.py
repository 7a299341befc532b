"""Building footprints and synthetic-network marks survive load_city and save_city."""

import json
import shutil

import pytest
import shapely

from coldstart.city import load_city, save_city
from coldstart.errors import CityError


def _features(folder):
    return json.loads((folder / "buildings.geojson").read_text())["features"]


def test_imported_city_loads_its_footprints_and_save_city_keeps_them(osm_example_dir, tmp_path):
    folder = osm_example_dir / "city"
    city = load_city(folder)
    feats = _features(folder)
    b = city.buildings
    # every building has its footprint, by id, equal to the feature's geometry
    assert len(city.footprints) == len(b) == len(feats)
    assert list(city.footprints.index) == b["building_id"].tolist()
    for k in (0, len(feats) // 2, len(feats) - 1):
        g = shapely.geometry.shape(feats[k]["geometry"])
        assert city.footprints.iloc[k].equals_exact(g, 1e-12)
    assert set(shapely.get_type_id(city.footprints.to_numpy())) <= {3, 6}
    assert city.synthetic_networks == ("grid", "heat_network")
    assert "grid and heat network synthetic" in city.description
    # a command re-saving the city keeps the footprints and the marks, byte for byte
    again = save_city(city, tmp_path / "again", verify="x")
    assert (again / "buildings.geojson").read_bytes() == (folder / "buildings.geojson").read_bytes()
    toml = (again / "city.toml").read_text()
    assert 'synthetic_networks = ["grid", "heat_network"]' in toml and city.description in toml
    back = load_city(again)
    assert back.synthetic_networks == city.synthetic_networks
    assert back.footprints.index.equals(city.footprints.index)


def test_city_of_points_has_no_footprints(small_city_dir):
    city = load_city(small_city_dir)
    assert city.footprints is None and city.synthetic_networks == () and city.description == ""
    assert {f["geometry"]["type"] for f in _features(small_city_dir)} == {"Point"}


def test_some_footprints_unparseable_ones_left_as_points(small_city_dir, tmp_path):
    folder = tmp_path / "city"
    shutil.copytree(small_city_dir, folder)
    doc = json.loads((folder / "buildings.geojson").read_text())
    feats = doc["features"]
    for f in feats[:3]:
        x, y = f["geometry"]["coordinates"]
        d = 1e-4
        ring = [[x - d, y - d], [x + d, y - d], [x + d, y + d], [x - d, y + d], [x - d, y - d]]
        f["geometry"] = {"type": "Polygon", "coordinates": [ring]}
    feats[3]["geometry"] = {"type": "Polygon", "coordinates": [[[0, 0]]]}  # not a polygon
    (folder / "buildings.geojson").write_text(json.dumps(doc))
    city = load_city(folder)
    ids = [f["properties"]["building_id"] for f in feats]
    assert list(city.footprints.index) == ids[:3]
    out = save_city(city, tmp_path / "out")
    types = [f["geometry"]["type"] for f in _features(out)]
    assert types[:3] == ["Polygon"] * 3 and set(types[3:]) == {"Point"}


def test_city_toml_synthetic_networks_checked_and_old_description_read(small_city_dir, tmp_path):
    folder = tmp_path / "city"
    shutil.copytree(small_city_dir, folder)
    toml = (folder / "city.toml").read_text()
    (folder / "city.toml").write_text('synthetic_networks = ["roads"]\n' + toml)
    with pytest.raises(CityError, match="synthetic_networks"):
        load_city(folder)
    # a city imported before the key existed: its description says what is synthetic
    old = 'description = "Buildings and facilities from OpenStreetMap (x.pbf); grid synthetic."\n'
    (folder / "city.toml").write_text(old + toml)
    assert load_city(folder).synthetic_networks == ("grid",)
