"""Hostile files and careless commands, each through the real CLI (issue 10).

Every case ends in exit 2 with one line per problem that names the file, key or row; no
payload runs; no user file is lost; nothing half-written stays behind.
"""

import json
import math
import os
import shutil

import pytest

# --- 1. code in grid.json never runs, whatever command reads it ---------------------------------


def _plant_payload(city, marker):
    doc = json.loads((city / "grid.json").read_text())
    payload = {"_module": "os", "_class": "system", "_object": f"touch {marker}"}
    doc["_object"]["std_types"]["line"]["evil"] = {"nested": [payload]}
    (city / "grid.json").write_text(json.dumps(doc))


@pytest.mark.parametrize(
    "command",
    [
        ["city", "check", "{city}"],
        ["run", "{city}", "{scenario}", "--out", "{out}"],
        ["scenario", "check", "{scenario}", "--city", "{city}"],
        ["compare", "{city}", "{scenario}", "--seeds", "1"],
        ["sweep", "{city}", "{scenario}", "--store", "{out}", "--seeds", "1", "--workers", "1"],
        [
            "sensitivity",
            "{city}",
            "{scenario}",
            "--seeds",
            "1",
            "--metric",
            "person_hours_below_12c",
            "--out",
            "{out}",
        ],
        ["plan", "shelters", "{city}", "{scenario}", "--open", "2", "--out", "{out}"],
        ["plan", "backups", "{city}", "{scenario}", "--generators", "1", "--out", "{out}"],
        ["plan", "value", "{city}", "{scenario}", "--seeds", "2", "--out", "{out}"],
        ["city", "from-grid", "{city}/grid.json", "{out}"],
    ],
)
def test_grid_payload_never_runs(cli, hx, tmp_path, city_copy, scenario_file, command):
    marker = tmp_path / "pwned"
    _plant_payload(city_copy, marker)
    out = tmp_path / "out"
    args = [
        a.format(city=city_copy, scenario=scenario_file, out=out) if "{" in a else a
        for a in command
    ]
    hx.assert_exit_2(cli(*args), "grid.json", "refused to decode os.system")
    assert not marker.exists() and not out.exists()


# --- 2. output folders are owned ------------------------------------------------------------


def test_out_dot_refused_and_files_kept(
    cli, hx, tmp_path, monkeypatch, small_city_dir, scenario_file
):
    work = tmp_path / "work"
    work.mkdir()
    (work / "thesis.docx").write_text("years of work")
    monkeypatch.chdir(work)
    hx.assert_exit_2(cli("run", small_city_dir, scenario_file, "--out", "."), "current folder")
    hx.assert_exit_2(cli("city", "synth", ".", "--buildings", "10"), "current folder")
    hx.assert_exit_2(cli("run", small_city_dir, scenario_file, "--out", ".."), "current folder")
    assert (work / "thesis.docx").read_text() == "years of work"


def test_out_on_the_input_city_refused(cli, hx, city_copy, scenario_file):
    before = sorted(p.name for p in city_copy.iterdir())
    hx.assert_exit_2(cli("run", city_copy, scenario_file, "--out", city_copy), "input")
    hx.assert_exit_2(cli("run", city_copy, scenario_file, "--out", city_copy.parent), "input")
    assert sorted(p.name for p in city_copy.iterdir()) == before


def test_out_refusals_name_the_reason(cli, hx, tmp_path, small_city_dir, scenario_file):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    link = tmp_path / "link"
    link.symlink_to(mine)
    afile = tmp_path / "afile.txt"
    afile.write_text("a file")
    for target, reason in (
        (mine, "holds files coldstart did not write"),
        (link, "symbolic link"),
        (afile, "is a file"),
        (afile / "sub", "parent is not a folder"),
        ("/", "root"),
    ):
        hx.assert_exit_2(cli("run", small_city_dir, scenario_file, "--out", target), reason)
        hx.assert_exit_2(cli("city", "synth", target, "--buildings", "10"), reason)
        hx.assert_exit_2(cli("city", "from-grid", "mv_oberrhein", target), reason)
    assert (mine / "notes.txt").read_text() == "keep" and afile.read_text() == "a file"
    assert link.is_symlink()


def test_plan_shelters_out_refused_before_planning(
    cli, hx, tmp_path, small_city_dir, scenario_file
):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "data.csv").write_text("x")
    res = cli("plan", "shelters", small_city_dir, scenario_file, "--open", "2", "--out", mine)
    hx.assert_exit_2(res, "holds files coldstart did not write")
    assert [p.name for p in mine.iterdir()] == ["data.csv"]


def test_home_folder_refused(cli, hx, tmp_path, monkeypatch, small_city_dir, scenario_file):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    hx.assert_exit_2(cli("run", small_city_dir, scenario_file, "--out", home), "home folder")


def test_markup_in_output_path_printed_literally(cli, tmp_path, small_city_dir, scenario_file):
    out = tmp_path / "[red]x[/red]"
    code, stdout, err = cli("run", small_city_dir, scenario_file, "--out", out, "--no-report")
    assert code == 0, err
    assert f"results written to {out}/" in stdout and "open report.html" not in stdout
    assert (out / "summary.json").exists()


# --- 3. killed runs leave nothing half-written ---------------------------------------------------


def _leftovers(parent, name):
    return [p.name for p in parent.iterdir() if p.name.startswith(f".{name}.")]


def test_sigkill_then_rerun_cleans_up(hx, tmp_path, small_city_dir, scenario_file):
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "out"
    text = scenario_file.read_text().replace("horizon_h = 6.0", "horizon_h = 1440.0")
    long = tmp_path / "long.toml"
    long.write_text(text)
    proc = subprocess.Popen(
        [sys.executable, "-m", "coldstart.cli", "run", small_city_dir, long, "--out", out],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while not _leftovers(tmp_path, "out") and time.monotonic() < deadline:
        time.sleep(0.1)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert _leftovers(tmp_path, "out") and not out.exists()  # killed while simulating
    res = hx.run_process(["run", small_city_dir, scenario_file, "--out", out, "--no-report"])
    assert res.returncode == 0, res.stderr
    assert (out / "summary.json").exists() and not _leftovers(tmp_path, "out")


def test_sigterm_leaves_nothing(tmp_path, small_city_dir, scenario_file):
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "out"
    long = tmp_path / "long.toml"
    long.write_text(scenario_file.read_text().replace("horizon_h = 6.0", "horizon_h = 1440.0"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "coldstart.cli", "run", small_city_dir, long, "--out", out],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not _leftovers(tmp_path, "out") and time.monotonic() < deadline:
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143 and "Traceback" not in err
    assert not out.exists() and not _leftovers(tmp_path, "out")


def test_ctrl_c_says_nothing_was_written(cli, monkeypatch, tmp_path, small_city_dir, scenario_file):
    import coldstart.simulate

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(coldstart.simulate, "simulate", interrupted)
    out = tmp_path / "out"
    code, _, err = cli("run", small_city_dir, scenario_file, "--out", out)
    assert code == 130 and "interrupted; nothing was written" in err
    assert not out.exists() and not _leftovers(tmp_path, "out")


# --- 4. one-line edits that used to crash --------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "field", "value", "needle"),
    [
        ("buildings", "residents", 2**63, "field 'residents'"),
        ("buildings", "residents", 10**30, "field 'residents'"),
        ("facilities", "capacity_people", 2**64, "field 'capacity_people'"),
        ("buildings", "p_mw", "inf", "field 'p_mw': expected a finite number"),
        ("buildings", "floor_area_m2", 1e308 * 10, "field 'floor_area_m2'"),
        ("heat_sources", "capacity_mw_th", float("inf"), "field 'capacity_mw_th'"),
        ("heat_pipes", "length_m", float("inf"), "field 'length_m'"),
        ("heat_pipes", "dn_mm", float("nan"), "field 'dn_mm'"),
        ("buildings", "floors", True, "field 'floors'"),
        ("buildings", "building_id", {"nested": 1}, "field 'building_id'"),
        ("assets", "spare_class", "hv_transfomer", "field 'spare_class'"),
    ],
)
def test_bad_table_values(cli, hx, city_copy, table, field, value, needle):
    hx.set_property(city_copy / f"{table}.geojson", field, value)
    hx.assert_exit_2(cli("city", "check", city_copy), f"{table}.geojson, feature 1", needle)


def test_empty_buildings_table_fails_check(cli, hx, city_copy):
    hx.edit_features(city_copy / "buildings.geojson", lambda f: f.clear())
    hx.assert_exit_2(cli("city", "check", city_copy), "buildings.geojson", "at least 1")


@pytest.mark.parametrize(
    ("table", "column", "value", "needle"),
    [
        ("line", "x_ohm_per_km", 0.0, "table 'line', index 0, field 'x_ohm_per_km'"),
        ("line", "x_ohm_per_km", float("nan"), "table 'line', index 0, field 'x_ohm_per_km'"),
        ("line", "length_km", float("inf"), "table 'line', index 0, field 'length_km'"),
        ("trafo", "vk_percent", 0.0, "table 'trafo', index 0, field 'vk_percent'"),
        ("trafo", "sn_mva", float("inf"), "table 'trafo', index 0, field 'sn_mva'"),
        ("line", "from_bus", 999_999, "table 'line', index 0, field 'from_bus': refers to a bus"),
        ("trafo", "lv_bus", 999_999, "table 'trafo', index 0, field 'lv_bus'"),
        ("gen", "bus", 999_999, "table 'gen', index 0, field 'bus'"),
        ("load", "p_mw", float("-inf"), "table 'load', index 0, field 'p_mw'"),
    ],
)
def test_bad_grid_values_fail_check(cli, hx, city_copy, table, column, value, needle):
    hx.set_grid_value(city_copy, table, column, value)
    hx.assert_exit_2(cli("city", "check", city_copy), "grid.json", needle)


def test_grid_without_supply_fails_check(cli, hx, city_copy):
    def drop(frame):
        frame["index"], frame["data"] = [], []

    hx.edit_grid_table(city_copy, "ext_grid", drop)
    hx.edit_grid_table(
        city_copy,
        "gen",
        lambda f: [r.__setitem__(f["columns"].index("slack"), False) for r in f["data"]],
    )
    hx.assert_exit_2(cli("city", "check", city_copy), "nothing can be energized")


@pytest.mark.parametrize(
    ("edit", "needle"),
    [
        (("horizon_h = 6.0", "horizon_h = 0.01"), "shorter than one step"),
        (("start = 2026-01-09T00:00:00", "start = 9999-01-01T00:00:00"), "1900-2200"),
        (("start = 2026-01-09T00:00:00", "start = 0001-01-01T00:00:00"), "1900-2200"),
        (("start = 2026-01-09T00:00:00", 'start = "tomorrow"'), "ISO date-time"),
        (("chp_plant = 2.0", "chp_plant = inf"), "finite"),
        (("chp_plant = 2.0", "chp_plant = nan"), "finite"),
        (("chp_plant = 2.0", "chp_plant = 1e309"), "finite"),
        (("drone = 40", "drone = 100000000"), "less than or equal to 10000"),
        (("drone = 40", 'drone = "40"'), "valid integer"),
        (("plumbing = 100", "plumbing = true"), "crews.plumbing"),
        (("plumbing = 100", 'plumbing = "12"'), "crews.plumbing"),
        (("plumbing = 100", "plumbing = 1e30"), "crews.plumbing"),
        (("plumbing = 100", "plumbing = 12.0"), "crews.plumbing"),
        (("seed = 20260109", "seed = 99999999999999999999"), "seed"),
        (("seed = 20260109", "seed = -1"), "seed"),
        (("min_temp_c = -20.0", "min_temp_c = nan"), "weather.min_temp_c"),
        (("min_temp_c = -20.0", "min_temp_c = -20.0\nmin_temp_c = -10.0"), "malformed TOML"),
    ],
)
def test_bad_scenario_values(cli, hx, tmp_path, scenario_text, edit, needle):
    old, new = edit
    assert old in scenario_text
    p = tmp_path / "bad.toml"
    p.write_text(scenario_text.replace(old, new, 1))
    hx.assert_exit_2(cli("scenario", "check", p), "bad.toml", needle)


def test_misspelled_spare_class(cli, hx, tmp_path, scenario_text):
    p = tmp_path / "bad.toml"
    p.write_text(scenario_text + "\n[spares.hv_transfomer]\nstock = 2\nlead_time_h = 10.0\n")
    hx.assert_exit_2(cli("scenario", "check", p), "spares.hv_transfomer")


def test_deep_nesting(cli, hx, tmp_path, city_copy):
    deep = tmp_path / "deep.toml"
    deep.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    hx.assert_exit_2(cli("scenario", "check", deep), "deep.toml", "nested")
    (city_copy / "city.toml").write_text("name = " + "[" * 5000 + "]" * 5000 + "\n")
    hx.assert_exit_2(cli("city", "check", city_copy), "city.toml")


def test_deep_nesting_in_a_geojson_table(cli, hx, city_copy):
    text = (city_copy / "heat_nodes.geojson").read_text()
    deep = '{"x": ' + "[" * 5000 + "]" * 5000 + "}"
    (city_copy / "heat_nodes.geojson").write_text(text[:-1] + ', "extra": ' + deep + "}")
    hx.assert_exit_2(cli("city", "check", city_copy), "heat_nodes.geojson", "nested")


def test_weather_csv_that_is_a_folder(cli, hx, tmp_path, scenario_text):
    (tmp_path / "weather").mkdir()
    text = scenario_text.replace('kind = "cold_snap"', 'kind = "csv"\ncsv = "weather"')
    p = tmp_path / "s.toml"
    p.write_text(text)
    hx.assert_exit_2(cli("scenario", "check", p), "weather", "is a folder, not a regular file")


def test_city_toml_that_is_a_folder(cli, hx, city_copy):
    (city_copy / "city.toml").unlink()
    (city_copy / "city.toml").mkdir()
    hx.assert_exit_2(cli("city", "check", city_copy), "city.toml", "is a folder")


def test_negative_seed(cli, small_city_dir, scenario_file, tmp_path):
    code, _, err = cli(
        "run", small_city_dir, scenario_file, "--out", tmp_path / "o", "--seed", "-1"
    )
    assert code == 2 and "Traceback" not in err and not (tmp_path / "o").exists()


# --- 5. hangs: FIFOs, devices, huge threat counts ------------------------------------------------


def _fifo(path):
    if path.exists():
        path.unlink()
    os.mkfifo(path)


@pytest.mark.parametrize("target", ["city.toml", "buildings.geojson", "grid.json"])
def test_fifo_in_city_is_refused_not_waited_on(hx, city_copy, target):
    _fifo(city_copy / target)
    res = hx.run_process(["city", "check", city_copy], timeout=60)
    hx.assert_exit_2((res.returncode, res.stdout, res.stderr), target, "named pipe")


def test_fifo_scenario_and_weather(hx, tmp_path, scenario_text):
    scen = tmp_path / "fifo.toml"
    _fifo(scen)
    res = hx.run_process(["scenario", "check", scen], timeout=60)
    hx.assert_exit_2((res.returncode, res.stdout, res.stderr), "fifo.toml", "named pipe")
    _fifo(tmp_path / "w.csv")
    p = tmp_path / "s.toml"
    p.write_text(scenario_text.replace('kind = "cold_snap"', 'kind = "csv"\ncsv = "w.csv"'))
    res = hx.run_process(["scenario", "check", p], timeout=60)
    hx.assert_exit_2((res.returncode, res.stdout, res.stderr), "w.csv", "named pipe")


def test_table_symlinked_to_dev_zero(cli, hx, city_copy):
    (city_copy / "facilities.geojson").unlink()
    (city_copy / "facilities.geojson").symlink_to("/dev/zero")
    hx.assert_exit_2(cli("city", "check", city_copy), "facilities.geojson", "outside")
    res = cli("city", "check", city_copy, "--allow-outside-city")
    hx.assert_exit_2(res, "facilities.geojson", "character device")


def test_oversized_table(cli, hx, city_copy, monkeypatch):
    from coldstart import safeio

    monkeypatch.setitem(safeio.LIMITS, "table", 1000)
    hx.assert_exit_2(cli("city", "check", city_copy), "buildings.geojson", "larger than")


# --- 6. values that corrupted results, paths that escaped the city -----------------------------


def test_tables_outside_the_city_folder(cli, hx, tmp_path, city_copy):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.move(city_copy / "facilities.geojson", elsewhere / "facilities.geojson")
    toml = (city_copy / "city.toml").read_text()
    for ref in (str(elsewhere / "facilities.geojson"), "../elsewhere/facilities.geojson"):
        (city_copy / "city.toml").write_text(
            toml.replace('facilities = "facilities.geojson"', f'facilities = "{ref}"')
        )
        hx.assert_exit_2(cli("city", "check", city_copy), "facilities.geojson", "outside")
        code, _, err = cli("city", "check", city_copy, "--allow-outside-city")
        assert code == 0, err


def test_from_grid_name_with_quotes_round_trips(cli, tmp_path):
    out = tmp_path / "city"
    name = 'X" \\ [files]\ngrid = "/etc/passwd'
    code, _, err = cli("city", "from-grid", "mv_oberrhein", out, "--name", name)
    assert code == 0, err
    from coldstart.city import load_city

    assert load_city(out).name == name


def test_huge_value_is_shortened(cli, hx, city_copy):
    hx.set_property(city_copy / "buildings.geojson", "floors", "9" * 10_000_000)
    lines = hx.assert_exit_2(cli("city", "check", city_copy), "field 'floors'")
    assert max(len(ln) for ln in lines) < 1500


def test_summary_json_is_strict():
    from coldstart.result import strict_json

    doc = strict_json({"a": math.nan, "b": [math.inf, 1.0], "c": {"d": -math.inf}, "e": 2})
    assert json.loads(json.dumps(doc, allow_nan=False)) == {
        "a": None,
        "b": [None, 1.0],
        "c": {"d": None},
        "e": 2,
    }


def test_run_writes_strict_json(cli, tmp_path, small_city_dir, scenario_file):
    out = tmp_path / "out"
    code, _, err = cli("run", small_city_dir, scenario_file, "--out", out, "--no-report")
    assert code == 0, err

    def refuse(token):
        raise ValueError(token)

    json.loads((out / "summary.json").read_text(), parse_constant=refuse)
