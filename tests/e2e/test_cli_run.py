"""End-to-end: `coldstart demo`, `coldstart run`, determinism and reproducing the demo."""

import json
import subprocess
import sys

import pandas as pd

from coldstart.result import BUILDING_COLUMNS, SUMMARY_KEYS, TIMELINE_COLUMNS
from demo_texts import short_demo_text

OUTPUT_FILES = {
    "summary.json",
    "timeline.csv",
    "buildings.parquet",
    "events.csv",
    "assets.csv",
    "shelters.csv",
    "outage_schedule.csv",
    "districts.csv",
    "report.html",
    "results.gpkg",
    "outage_schedule.html",
}


def test_demo_end_to_end_is_non_trivial(tmp_path):
    # A real process: progress bar, summary table, the output folder, no traceback.
    out = tmp_path / "demo"
    proc = subprocess.run(
        [sys.executable, "-m", "coldstart.cli", "demo", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "coldstart summary" in proc.stdout
    names = {p.name for p in out.iterdir()}
    calendars = {n for n in names if n.startswith("outage_queue_") and n.endswith(".ics")}
    assert names == OUTPUT_FILES | calendars | {".coldstart-manifest.json"}
    assert len(calendars) == 12  # every sub-queue is cut at some point in the demo week
    s = json.loads((out / "summary.json").read_text())
    assert set(SUMMARY_KEYS) <= set(s)
    assert s["buildings_total"] == 2000 and 200_000 < s["residents_total"] < 300_000
    # Issue 2, "done when": buildings lose heat and power, people fall below 12 degC,
    # crews restore service.
    assert s["buildings_lost_heat"] > 500 and s["buildings_lost_power"] > 500
    assert s["person_hours_below_12c"] > 0 and s["peak_people_in_shelters"] > 0
    ev = pd.read_csv(out / "events.csv")
    assert {"wave", "hit", "repair_start", "repair_end", "alert_start", "drain"} <= set(ev.kind)
    tl = pd.read_csv(out / "timeline.csv")
    assert tuple(tl.columns[: len(TIMELINE_COLUMNS)]) == TIMELINE_COLUMNS
    assert len(tl) == 1008
    peak = tl.buildings_without_heat.idxmax()
    assert tl.buildings_without_heat.iloc[-1] < tl.buildings_without_heat.iloc[peak]
    b = pd.read_parquet(out / "buildings.parquet")
    assert set(BUILDING_COLUMNS) <= set(b.columns) and len(b) == 2000
    assert (b.min_temp_c < 12).sum() > 100
    html = (out / "report.html").read_text()
    assert "<html" in html and "Plotly.newPlot" in html


def test_run_writes_outputs_and_is_deterministic(cli, tmp_path, small_city_dir, short_scenario):
    a, b = tmp_path / "a", tmp_path / "b"
    code, out, err = cli("run", small_city_dir, short_scenario, "--out", a, "--seed", "7")
    assert code == 0, err
    code, out, err = cli("run", small_city_dir, short_scenario, "--out", b, "--seed", "7")
    assert code == 0, err
    assert (a / "summary.json").read_bytes() == (b / "summary.json").read_bytes()
    assert (a / "timeline.csv").read_bytes() == (b / "timeline.csv").read_bytes()
    assert (a / "events.csv").read_bytes() == (b / "events.csv").read_bytes()
    assert json.loads((a / "summary.json").read_text())["seed"] == 7


def test_different_seed_changes_the_draws(cli, tmp_path, small_city_dir, short_scenario):
    outs = []
    for seed in ("1", "2", "3"):
        out = tmp_path / seed
        code, _, err = cli("run", small_city_dir, short_scenario, "--out", out, "--seed", seed)
        assert code == 0, err
        outs.append((out / "events.csv").read_text())
    assert len(set(outs)) > 1


def test_synth_plus_example_reproduces_demo(cli, tmp_path):
    # `coldstart city synth DIR` + `coldstart run DIR example.toml` == `coldstart demo`.
    code, text, _ = cli("scenario", "example")
    assert code == 0
    (tmp_path / "example.toml").write_text(text)
    assert cli("city", "synth", tmp_path / "city")[0] == 0  # the demo's 2,000 buildings
    code, _, err = cli(
        "run", tmp_path / "city", tmp_path / "example.toml", "--out", tmp_path / "run",
        "--no-report",
    )  # fmt: skip
    assert code == 0, err
    code, _, err = cli("demo", "--out", tmp_path / "demo", "--no-report")
    assert code == 0, err
    run = json.loads((tmp_path / "run" / "summary.json").read_text())
    demo = json.loads((tmp_path / "demo" / "summary.json").read_text())
    assert run == demo


def test_run_replaces_its_own_previous_output(cli, tmp_path, small_city_dir, short_scenario):
    out = tmp_path / "out"
    for seed in ("1", "2"):
        code, _, err = cli(
            "run", small_city_dir, short_scenario, "--out", out, "--no-report", "--seed", seed
        )
        assert code == 0, err
        # the second run says it replaced the first one's results; the first says nothing
        assert ("results of an earlier run" in err) == (seed == "2"), err
    assert json.loads((out / "summary.json").read_text())["seed"] == 2
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]


def test_run_never_replaces_a_folder_with_other_files(
    cli, tmp_path, small_city_dir, short_scenario
):
    out = tmp_path / "out"
    out.mkdir()
    (out / "stale.txt").write_text("mine")
    code, _, err = cli("run", small_city_dir, short_scenario, "--out", out, "--no-report")
    assert code == 2 and "holds files coldstart did not write" in err, err
    assert "simulating" not in err  # refused before the long part
    assert (out / "stale.txt").read_text() == "mine" and not (out / "summary.json").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]


def test_run_profile_writes_where_the_time_went(cli, tmp_path, small_city_dir, short_scenario):
    out = tmp_path / "out"
    code, stdout, err = cli(
        "run", small_city_dir, short_scenario, "--out", out, "--no-report", "--profile"
    )
    assert code == 0, err
    doc = json.loads((out / "profile.json").read_text())
    assert set(doc["stages_s"]) == {"load_s", "compile_s", "simulate_s", "write_s"}
    parts = doc["simulate_components_s"]
    for name in ("damage", "crews", "power", "overload", "heat", "homes", "people", "recording"):
        assert parts[name] >= 0.0, name
    # the components account for the simulation's time (the rest: progress bar, loop)
    assert sum(parts.values()) <= doc["stages_s"]["simulate_s"] * 1.05
    assert doc["us_per_building_step"] > 0 and "profile.json" in stdout


def test_a_hit_the_city_cannot_take_is_announced(cli, tmp_path):
    # the example scenario strikes the CHP plants of rank 1 and 2; the bundled OSM example has
    # one: the run says the second hit is left out instead of dropping it silently
    from pathlib import Path

    extract = Path(__file__).resolve().parents[2] / "examples" / "osm" / "kharkiv-synthetic.osm.pbf"
    city = tmp_path / "city"
    code, _, err = cli("city", "from-osm", extract, city)
    assert code == 0, err
    scenario = tmp_path / "s.toml"
    scenario.write_text(short_demo_text(6, 4))
    code, out, err = cli("run", city, scenario, "--out", tmp_path / "run", "--no-report")
    assert code == 0, err
    assert "note:" in err and "rank 2 of kind 'chp_plant'" in err and "left out" in err
