"""Bad input: one line per problem naming file, row or key and field; exit 2; no traceback;
nothing written."""

import json
import subprocess
import sys

import pandas as pd
import pytest


def _edit_features(path, edit):
    doc = json.loads(path.read_text())
    edit(doc["features"])
    path.write_text(json.dumps(doc))


def _assert_rejected(result, out_dir, *needles):
    code, out, err = result
    assert code == 2, (code, out, err)
    assert "Traceback" not in err and "Traceback" not in out
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert lines and all(ln.startswith("error: ") for ln in lines), err
    for needle in needles:
        assert any(needle in ln for ln in lines), (needle, err)
    if out_dir is not None:
        assert not out_dir.exists()
        assert not [p for p in out_dir.parent.iterdir() if p.name.startswith(f".{out_dir.name}")]
    return lines


def _run(cli, city, scenario, tmp_path):
    out = tmp_path / "out"
    return cli("run", city, scenario, "--out", out), out


def test_missing_city_folder(cli, tmp_path, short_scenario):
    res, out = _run(cli, tmp_path / "nope", short_scenario, tmp_path)
    _assert_rejected(res, out, "nope", "city folder not found")


def test_a_file_given_as_the_city(cli, tmp_path, short_scenario):
    res, out = _run(cli, short_scenario, short_scenario, tmp_path)
    _assert_rejected(res, out, short_scenario.name, "is a file, not a city folder")


def test_missing_table_file(cli, tmp_path, city_copy, short_scenario):
    (city_copy / "facilities.geojson").unlink()
    res, out = _run(cli, city_copy, short_scenario, tmp_path)
    _assert_rejected(res, out, "facilities.geojson", "file not found")


def test_missing_scenario_file(cli, tmp_path, small_city_dir):
    res, out = _run(cli, small_city_dir, tmp_path / "nope.toml", tmp_path)
    _assert_rejected(res, out, "nope.toml: file not found")


def test_malformed_toml(cli, tmp_path, small_city_dir):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\nstart = \n')
    res, out = _run(cli, small_city_dir, bad, tmp_path)
    _assert_rejected(res, out, "bad.toml", "malformed TOML")


def test_malformed_city_toml(cli, tmp_path, city_copy, short_scenario):
    (city_copy / "city.toml").write_text("name = [\n")
    res, out = _run(cli, city_copy, short_scenario, tmp_path)
    _assert_rejected(res, out, "city.toml", "malformed TOML")


def test_malformed_csv_table(cli, tmp_path, city_copy, short_scenario):
    (city_copy / "buildings.csv").write_text('building_id,lon\n"b1,30.5\n"b2",x,y,z\n')
    toml = (city_copy / "city.toml").read_text()
    (city_copy / "city.toml").write_text(
        toml.replace('buildings = "buildings.geojson"', 'buildings = "buildings.csv"')
    )
    res, out = _run(cli, city_copy, short_scenario, tmp_path)
    _assert_rejected(res, out, "buildings.csv")


def test_wrong_type_in_csv_names_line_and_field(cli, tmp_path, city_copy, short_scenario):
    raw = json.loads((city_copy / "buildings.geojson").read_text())
    table = pd.DataFrame([f["properties"] for f in raw["features"]])
    table.loc[4, "floors"] = "nine"
    table.to_csv(city_copy / "buildings.csv", index=False)
    toml = (city_copy / "city.toml").read_text()
    (city_copy / "city.toml").write_text(
        toml.replace('buildings = "buildings.geojson"', 'buildings = "buildings.csv"')
    )
    res, out = _run(cli, city_copy, short_scenario, tmp_path)
    _assert_rejected(
        res, out, "buildings.csv, line 6, field 'floors': expected a whole number, got 'nine'"
    )


def test_unknown_scenario_key(cli, tmp_path, small_city_dir, short_scenario):
    short_scenario.write_text(short_scenario.read_text().replace("[crews]", "[crews]\nmedics = 3"))
    res, out = _run(cli, small_city_dir, short_scenario, tmp_path)
    _assert_rejected(res, out, "key 'crews.medics': unknown key (expected one of: power_lines")


def test_wrong_type_in_scenario(cli, tmp_path, small_city_dir, short_scenario):
    short_scenario.write_text(short_scenario.read_text().replace("plants = 2", 'plants = "two"'))
    res, out = _run(cli, small_city_dir, short_scenario, tmp_path)
    _assert_rejected(res, out, "key 'crews.plants'")


def test_negative_capacity(cli, tmp_path, city_copy, short_scenario):
    _edit_features(
        city_copy / "heat_sources.geojson",
        lambda fs: fs[1]["properties"].update(capacity_mw_th=-5.0),
    )
    res, out = _run(cli, city_copy, short_scenario, tmp_path)
    _assert_rejected(
        res, out, "heat_sources.geojson, feature 2, field 'capacity_mw_th': expected >= 0 MW_th"
    )


def test_negative_grid_rating(cli, tmp_path, city_copy, short_scenario):
    doc = json.loads((city_copy / "grid.json").read_text())
    tables = doc["_object"]
    trafo = json.loads(tables["trafo"]["_object"])
    trafo["data"][0][trafo["columns"].index("sn_mva")] = -1.0
    tables["trafo"]["_object"] = json.dumps(trafo)
    (city_copy / "grid.json").write_text(json.dumps(doc))
    res, out = _run(cli, city_copy, short_scenario, tmp_path)
    _assert_rejected(
        res, out, "grid.json, table 'trafo', index 0, field 'sn_mva': expected a finite number > 0"
    )


def test_duplicate_ids(cli, tmp_path, city_copy, short_scenario):
    def dup(fs):
        fs[3]["properties"]["building_id"] = fs[0]["properties"]["building_id"]

    _edit_features(city_copy / "buildings.geojson", dup)
    res, out = _run(cli, city_copy, short_scenario, tmp_path)
    _assert_rejected(res, out, "buildings.geojson, feature 4, field 'building_id': duplicate id")


def test_duplicate_ids_are_listed_with_field_problems(cli, tmp_path, city_copy, short_scenario):
    # one round of fixes: a bad value and a duplicate id in one table come out together
    def both(fs):
        fs[3]["properties"]["building_id"] = fs[0]["properties"]["building_id"]
        fs[5]["properties"]["floors"] = -2

    _edit_features(city_copy / "buildings.geojson", both)
    res, out = _run(cli, city_copy, short_scenario, tmp_path)
    lines = _assert_rejected(res, out, "feature 4, field 'building_id': duplicate id")
    assert any("feature 6, field 'floors'" in ln for ln in lines), lines


def test_unknown_bus_and_node(cli, tmp_path, city_copy, short_scenario):
    def bad_refs(fs):
        fs[0]["properties"]["bus"] = 999_999
        district = [f for f in fs if f["properties"]["heat_supply"] == "district"]
        district[0]["properties"]["heat_node_id"] = "n_nowhere"

    _edit_features(city_copy / "buildings.geojson", bad_refs)
    res, out = _run(cli, city_copy, short_scenario, tmp_path)
    lines = _assert_rejected(res, out, "field 'bus': refers to 999999", "'n_nowhere'")
    assert len(lines) == 2  # every problem, one line each


def test_nan_in_weather(cli, tmp_path, small_city_dir, short_scenario):
    rows = "\n".join(f"{h},{'nan' if h == 5 else -15}" for h in range(25))
    (tmp_path / "w.csv").write_text("hours,temp_outdoor_c\n" + rows + "\n")
    text = short_scenario.read_text().replace('kind = "cold_snap"', 'kind = "csv"\ncsv = "w.csv"')
    short_scenario.write_text(text)
    res, out = _run(cli, small_city_dir, short_scenario, tmp_path)
    _assert_rejected(res, out, "w.csv, line 7, field 'temp_outdoor_c': expected a number")


def test_unknown_asset_in_explicit_damage(cli, tmp_path, small_city_dir, short_scenario):
    text = short_scenario.read_text()
    text = text.replace('kind = "chp_plant", rank = 2', 'asset_id = "a_chp_9"')
    assert "a_chp_9" in text
    short_scenario.write_text(text)
    res, out = _run(cli, small_city_dir, short_scenario, tmp_path)
    _assert_rejected(res, out, "key 'strikes[0].hits[1].asset_id': unknown asset 'a_chp_9'")
    res = cli("scenario", "check", short_scenario, "--city", small_city_dir)
    _assert_rejected(res, None, "a_chp_9")


def test_city_check_lists_every_problem(cli, city_copy):
    def break_many(fs):
        fs[0]["properties"]["residents"] = -3
        fs[1]["properties"]["archetype"] = "igloo"
        fs[2]["properties"]["vulnerable_share"] = 1.5

    _edit_features(city_copy / "buildings.geojson", break_many)
    lines = _assert_rejected(
        cli("city", "check", city_copy), None, "residents", "archetype", "vulnerable_share"
    )
    assert len(lines) == 3


@pytest.mark.parametrize("args", [["city", "check", "/nonexistent/city"]])
def test_real_process_exit_code_and_no_traceback(args):
    proc = subprocess.run(
        [sys.executable, "-m", "coldstart.cli", *args], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "Traceback" not in proc.stderr


def test_good_inputs_pass_checks(cli, small_city_dir, short_scenario):
    code, out, err = cli("city", "check", small_city_dir)
    assert code == 0 and "ok" in out, err
    code, out, err = cli("scenario", "check", short_scenario, "--city", small_city_dir)
    assert code == 0 and "ok" in out, err


@pytest.mark.parametrize(
    "argv, words",
    [
        (("run", "c", "s.toml", "--seed", "-1"), "Invalid value for '--seed'"),
        (("run", "c", "s.toml", "--buildings", "3"), "No such option: --buildings"),
        (("plan", "shelters"), "Missing argument 'CITY_DIR'"),
        (("frobnicate",), "No such command 'frobnicate'"),
    ],
)
def test_usage_errors_are_one_line(cli, argv, words):
    # review: click printed usage, a hint and the error over three lines; one line now, with
    # where to look, exit 2 as before
    code, out, err = cli(*argv)
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0], err
    assert lines[0].endswith("--help)")
