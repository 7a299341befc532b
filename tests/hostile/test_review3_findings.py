"""Cases found by the third new-user review (1 Dec 2026): city inputs that were read wrongly
without a word."""

import json

import pandas as pd


def _as_csv(city, edit_columns):
    """Turn ``city``'s buildings table into a CSV with its columns renamed by
    ``edit_columns(columns) -> columns`` (a hand-made table)."""
    raw = json.loads((city / "buildings.geojson").read_text())
    table = pd.DataFrame([f["properties"] for f in raw["features"]])
    table.columns = edit_columns(list(table.columns))
    table.to_csv(city / "buildings.csv", index=False)
    (city / "buildings.geojson").unlink()
    toml = (city / "city.toml").read_text()
    (city / "city.toml").write_text(
        toml.replace('buildings = "buildings.geojson"', 'buildings = "buildings.csv"')
    )


def test_misspelled_optional_column_is_named(cli, hx, city_copy):
    # review: 'vulnerable_shares' was kept as an extra column and every building got the
    # default share 0.25 instead of the table's: 8 % fewer vulnerable person-hours, "ok"
    typo = {"vulnerable_share": "vulnerable_shares", "immobile_share": "Immobile_share"}
    _as_csv(city_copy, lambda cols: [typo.get(c, c) for c in cols])
    hx.assert_exit_2(
        cli("city", "check", city_copy),
        "buildings.csv, field 'vulnerable_shares': unknown column; did you mean "
        "'vulnerable_share'? (its default 0.25 would be used for every row)",
        "field 'Immobile_share': unknown column; did you mean 'immobile_share'?",
    )


def test_extra_columns_unlike_any_field_are_kept(cli, city_copy):
    _as_csv(city_copy, lambda cols: cols)
    raw = pd.read_csv(city_copy / "buildings.csv")
    raw["address"] = "Khreshchatyk 1"  # a user's own column: not a field's misspelling
    raw.to_csv(city_copy / "buildings.csv", index=False)
    code, out, err = cli("city", "check", city_copy)
    assert code == 0, err
    assert "ok" in out


def test_point_moved_in_a_gis_is_refused(cli, hx, city_copy):
    # review: dragging a building in QGIS moves its geometry only; the loader kept the old
    # lon/lat properties without a word (and took a geometry at lon 200, lat 95)
    path = city_copy / "buildings.geojson"
    doc = json.loads(path.read_text())
    x, y = doc["features"][2]["geometry"]["coordinates"]
    doc["features"][2]["geometry"]["coordinates"] = [x + 0.05, y + 0.05]
    x4, y4 = doc["features"][4]["geometry"]["coordinates"]
    doc["features"][4]["geometry"]["coordinates"] = [x4, y4 + 0.01]
    path.write_text(json.dumps(doc))
    hx.assert_exit_2(
        cli("city", "check", city_copy),
        "buildings.geojson",
        "feature 3: its Point geometry",
        "are different places (and 1 more feature)",
    )
    # code review: a projected export (metres) was called "different places" even when the
    # properties were copied from it; it is not lon/lat, with or without properties
    doc["features"][4]["geometry"]["coordinates"] = [3397000.5, 6521000.25]
    doc["features"][4]["properties"].update(lon=3397000.5, lat=6521000.25)
    path.write_text(json.dumps(doc))
    hx.assert_exit_2(
        cli("city", "check", city_copy),
        "feature 5: Point geometry (3397000.5, 6521000.25) is not longitude/latitude",
    )
    doc["features"][2]["geometry"]["coordinates"] = [x + 1e-9, y]  # rounding: the same place
    doc["features"][4]["geometry"] = None  # no geometry: lon/lat are the place
    doc["features"][4]["properties"].update(lon=x4, lat=y4)
    path.write_text(json.dumps(doc))
    code, _, err = cli("city", "check", city_copy)
    assert code == 0, err


def test_buildings_without_residents_are_no_blocks(small_city, scenario_text):
    # review: an OSM city's offices on district heating (residents 0) were counted as
    # apartment blocks (576 of 1,625) in blocks_total and blocks_lost_heat
    import dataclasses

    from coldstart.scenario import parse_scenario
    from coldstart.simulate import simulate

    b = small_city.buildings
    blocks = (b.heat_node_id != "") & (b.archetype != "house_private")
    empty = b.index[blocks][:5]
    emptied = b.copy()
    emptied.loc[empty, "residents"] = 0
    city = dataclasses.replace(small_city, tables={**small_city.tables, "buildings": emptied})
    scenario = parse_scenario(scenario_text)
    before = simulate(small_city, scenario).summary
    after = simulate(city, scenario).summary
    assert before["blocks_total"] == int(blocks.sum())
    assert after["blocks_total"] == int(blocks.sum()) - 5
    assert after["buildings_total"] == before["buildings_total"]  # still buildings of the city


def test_report_says_which_hits_were_left_out(small_city, scenario_text):
    # review: on a city without CHP plants the report was titled "one CHP plant beyond
    # repair" and nowhere said the scenario's two explicit hits were dropped
    from coldstart.report.html import render_report
    from coldstart.scenario import parse_scenario
    from coldstart.simulate import simulate

    text = scenario_text.replace('kind = "chp_plant", rank = 2', 'kind = "chp_plant", rank = 9')
    assert text != scenario_text
    result = simulate(small_city, parse_scenario(text))
    left = result.meta["hits_left_out"]
    assert left == "strikes[0].hits[1]: rank 9 of kind 'chp_plant', but the city has 2"
    page = render_report(result)
    assert 'id="hits-left-out"' in page and "rank 9 of kind" in page
    plain = simulate(small_city, parse_scenario(scenario_text))
    assert "hits_left_out" not in plain.meta
    assert 'id="hits-left-out"' not in render_report(plain)


def test_scenario_notes_on_parts_that_change_nothing(cli, tmp_path, scenario_text):
    # review 3: a truce after the horizon and a weather file beside kind = "cold_snap"
    # passed `scenario check` without a word (a half-edited scenario)
    assert "truces = []" in scenario_text and 'kind = "cold_snap"' in scenario_text
    text = scenario_text.replace("truces = []", "truces = [{ start_h = 100.0, end_h = 200.0 }]")
    text = text.replace('kind = "cold_snap"', 'kind = "cold_snap"\ncsv = "w.csv"')
    scen = tmp_path / "late.toml"
    scen.write_text(text)
    code, out, err = cli("scenario", "check", scen)
    assert code == 0 and "ok" in out, err
    notes = [ln for ln in err.splitlines() if ln.startswith("note:")]
    assert any("key 'truces[0]': starts at 100 h, at or after the horizon" in n for n in notes)
    assert any("key 'weather.csv'" in n and "is not read: weather.kind is 'cold_snap'" in n
               for n in notes)  # fmt: skip
    plain = tmp_path / "plain.toml"
    plain.write_text(scenario_text)
    code, _, err = cli("scenario", "check", plain)
    assert code == 0 and "note:" not in err


def test_scenario_check_notes_crews_set_to_zero(cli, tmp_path, small_city_dir, scenario_text):
    # review 3: no power-line and no substation crews, whatever is struck stays out: "ok"
    import re

    text = re.sub(r"(?m)^power_lines = \d+", "power_lines = 0", scenario_text)
    text = re.sub(r"(?m)^substations = \d+", "substations = 0", text)
    assert text.count("= 0\n") >= scenario_text.count("= 0\n") + 2
    scen = tmp_path / "nocrew.toml"
    scen.write_text(text)
    code, out, err = cli("scenario", "check", scen, "--city", small_city_dir)
    assert code == 0 and "ok" in out, err
    assert "key 'crews.power_lines': no crew of this type: damaged assets of kind power_line" in err
    assert "key 'crews.substations': no crew of this type" in err
    plain = tmp_path / "plain.toml"
    plain.write_text(scenario_text)
    code, _, err = cli("scenario", "check", plain, "--city", small_city_dir)
    assert code == 0 and "crews." not in err


def test_osm_note_says_when_no_building_has_both_tags():
    # review 3: osm_import.md printed "within 1 of building:levels for n/a of 0"
    from coldstart.city.osm.write import _agreement

    nan = float("nan")
    text = _agreement({
        "height_within_1_floor_share": nan, "height_and_levels_tagged": 0,
        "archetype_same_without_year_share": 0.9, "levels_and_year_tagged": 10,
        "flats_within_25pct_share": 0.5, "flats_tagged": 4, "flats_median_ratio": 1.1,
    })  # fmt: skip
    assert "building:levels: no building has both tags" in text
    assert "for 90% of 10" in text and "for 50% of 4 (median ratio 1.10)" in text
    assert "n/a" not in text and "nan" not in text


def test_dashboard_check_notes_windows_after_the_horizon(scenario_text):
    # code review: the dashboard's check missed the CLI's note on a truce after the horizon
    from coldstart.web.runner import parse_checked

    text = scenario_text.replace("truces = []", "truces = [{ start_h = 100.0, end_h = 200.0 }]")
    _, notes = parse_checked(text, None)
    assert any("key 'truces[0]': starts at 100 h, at or after the horizon" in n for n in notes)
    assert parse_checked(scenario_text, None)[1] == []
