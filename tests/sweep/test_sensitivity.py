"""One-at-a-time sensitivity (issue 12): variants, table checks, ranking, the command."""

import json
import re
from pathlib import Path

import pytest

from coldstart.city.synth import synth_city
from coldstart.compiled import compile_city
from coldstart.scenario import example_scenario, parse_scenario
from coldstart.sweep.sensitivity import (
    DEFAULT_METRICS,
    NO_SOURCE,
    SensitivityError,
    check_metrics,
    number_kind,
    parse_parameters,
    read_parameters,
    run_sensitivity,
    seed_list,
    variant,
)
from demo_texts import short_demo_text

ROOT = Path(__file__).resolve().parents[2]
METRICS = ("person_hours_below_12c", "peak_people_without_heat", "buildings_lost_heat")
"""Summary keys that exist today (the default list names one the lead adds)."""

HEADER = "parameter,low,high,unit,source\n"

# weather.min_temp_c: a colder snap can only mean more hours below 12 degC; crews.shift_start_h
# cannot matter while shifts last 24 h (crews work around the clock whatever the start hour)
KNOWN = HEADER + (
    "crews.shift_start_h,0,12,h,no public source: range assumed\n"
    "weather.min_temp_c,-25,-5,degC,no public source: range assumed\n"
)


def _short_text() -> str:
    """The demo scenario cut to 12 hours (second wave at 10 h) for the small city."""
    return short_demo_text(12, 10)


@pytest.fixture(scope="module")
def scenario():
    return parse_scenario(_short_text())


@pytest.fixture(scope="module")
def compiled():
    return compile_city(synth_city(120, seed=0))


def _flat(doc, prefix=""):
    """Every leaf of a dumped scenario by dotted path."""
    if isinstance(doc, dict):
        items = doc.items()
    elif isinstance(doc, list | tuple):
        items = enumerate(doc)
    else:
        return {prefix: doc}
    out = {}
    for k, v in items:
        out.update(_flat(v, f"{prefix}.{k}" if prefix else str(k)))
    return out


# --- variants ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, value",
    [
        ("people.leave_share_max", 0.3),
        ("crews.plumbing", 12),
        ("alerts.random_per_day", 4.0),
        ("strikes.0.interception.drone", 0.5),
    ],
)
def test_variant_changes_exactly_one_key_and_leaves_the_input(scenario, path, value):
    before = scenario.model_dump()
    v = variant(scenario, path, value)
    assert scenario.model_dump() == before  # the input is untouched
    old, new = _flat(before), _flat(v.model_dump())
    assert set(old) == set(new)
    changed = {k for k in old if old[k] != new[k]}
    assert changed == {path}
    assert new[path] == value and type(new[path]) is type(value)


def test_variant_is_validated_again(scenario):
    with pytest.raises(ValueError, match="less than or equal to 1"):
        variant(scenario, "people.leave_share_max", 1.5)
    with pytest.raises(ValueError, match="crews.plumbing"):
        variant(scenario, "crews.plumbing", 2.5)  # a count: strict model refuses a float
    with pytest.raises(ValueError, match="shelter_reopen_above_c"):
        variant(scenario, "people.shelter_close_below_c", 16.0)  # above reopen (15): refused
    with pytest.raises(ValueError, match="not before horizon_h"):
        variant(scenario, "strikes.0.at_h", 12.0)
    with pytest.raises(KeyError, match="not set in this scenario"):
        variant(scenario, "interceptors.stock.drone", 5)


def test_number_kind():
    assert number_kind("crews.plumbing") is int
    assert number_kind("people.leave_share_max") is float
    assert number_kind("people.refuel_every_h") is float  # optional: float | None
    assert number_kind("strikes.0.threats.drone") is int
    for bad, why in (
        ("policies.dispatch", "not a number"),
        ("people.nope", "unknown key 'nope' in people"),
        ("crews.plumbing.x", "not a table"),
        ("seed", "not a parameter"),
        ("people..x", "dotted scenario key"),
    ):
        with pytest.raises(KeyError, match=why):
            number_kind(bad)


# --- the table -----------------------------------------------------------------------------


def test_int_fields_get_ints_and_floats_stay_floats():
    t = parse_parameters(HEADER + "crews.plumbing,4.0,12,crews,x\npeople.at_home_day,0,1,-,x\n")
    plumbing, home = t.parameters
    assert (plumbing.low, plumbing.high) == (4, 12) and type(plumbing.low) is int
    assert (home.low, home.high) == (0.0, 1.0) and type(home.high) is float
    assert plumbing.line == 2 and home.line == 3


@pytest.mark.parametrize(
    "row, where, field, message",
    [
        ("people.at_home_dy,0.4,0.8,-,x", "line 2", "parameter", "unknown key 'at_home_dy'"),
        ("crews.plumbing,3.5,12,crews,x", "line 2 (crews.plumbing)", "low", "whole number"),
        ("people.at_home_day,0.4,1.2,-,x", "line 2 (people.at_home_day)", "high", "1.2 is refused"),
        ("people.at_home_day,0.8,0.4,-,x", "line 2 (people.at_home_day)", "high", "below high"),
        ("people.at_home_day,x,0.4,-,x", "line 2 (people.at_home_day)", "low", "expected a number"),
        ("people.at_home_day,0.2,inf,-,x", "line 2 (people.at_home_day)", "high", "finite"),
        ("people.at_home_day,0.2,0.4,-, ", "line 2 (people.at_home_day)", "source", NO_SOURCE),
        ("policies.dispatch,1,2,,x", "line 2", "parameter", "not a number"),
        (
            "interceptors.stock.drone,1,2,,x",
            "line 2 (interceptors.stock.drone)",
            "parameter",
            "not set",
        ),
    ],
)
def test_bad_rows_name_file_line_and_field(scenario, row, where, field, message):
    with pytest.raises(SensitivityError) as exc:
        parse_parameters(HEADER + row + "\n", "t.csv", scenario)
    text = str(exc.value)
    assert text.startswith(f"t.csv, {where}, field '{field}': "), text
    assert message in text and "\n" not in text


def test_bad_tables_as_a_whole():
    for text, message in (
        ("", "empty"),
        (HEADER, "no parameters"),
        ("parameter,low,high\n", "expected the columns"),
        (HEADER + "crews.plumbing,1,2\n", "expected 5 cells"),
        (HEADER + "crews.plumbing,1,2,,x\ncrews.plumbing,1,3,,x\n", "already on line 2"),
    ):
        with pytest.raises(SensitivityError, match=message):
            parse_parameters(text, "t.csv")


def test_every_problem_of_a_table_is_listed(scenario):
    text = HEADER + "people.x,0,1,,x\ncrews.plumbing,3.5,9,,x\npeople.at_home_day,0,2,,x\n"
    with pytest.raises(SensitivityError) as exc:
        parse_parameters(text, "t.csv", scenario)
    assert [str(p).split(":")[0] for p in exc.value.problems] == [
        "t.csv, line 2, field 'parameter'",
        "t.csv, line 3 (crews.plumbing), field 'low'",
        "t.csv, line 4 (people.at_home_day), field 'high'",
    ]


def test_builtin_table_fits_the_demo_and_cites_sources():
    listed = set(re.findall(r"\*\*\[([^\]]+)\]\*\*", (ROOT / "docs/sources.md").read_text()))
    table = read_parameters(scenario=example_scenario())  # every value accepted by the model
    paths = [p.path for p in table.parameters]
    assert {"people.leave_share_max", "people.at_home_day", "people.leave_below_c"} <= set(paths)
    # the uncertain parameters of issue 12: behaviour, fragility, repair times, drain margin,
    # backup coverage and start-up, secondary failures
    assert {
        "damage.severity_shift",
        "damage.repair_time_scale",
        "policies.drain_margin_h",
        "backup.available_share",
        "backup.start_failure_prob",
        "failures.probability_scale",
    } <= set(paths)
    for p in table.parameters:
        cited = re.findall(r"\[([^\]]+)\]", p.source)
        assert p.source.startswith(NO_SOURCE) or (cited and set(cited) <= listed), p


# --- metrics and seeds ---------------------------------------------------------------------


def test_metrics_checked():
    assert check_metrics(["person_hours_below_12c", "person_hours_below_12c"]) == (
        "person_hours_below_12c",
    )
    with pytest.raises(SensitivityError, match="'no_such_figure' is not a figure"):
        check_metrics(["person_hours_below_12c", "no_such_figure"])
    with pytest.raises(SensitivityError, match="no metric"):
        check_metrics([])
    assert DEFAULT_METRICS[0] == "person_hours_below_12c"


def test_seeds_checked(scenario):
    assert seed_list(scenario, 3) == [scenario.seed, scenario.seed + 1, scenario.seed + 2]
    for n in (0, -1, 1001):
        with pytest.raises(SensitivityError, match="--seeds"):
            seed_list(scenario, n)
    late = scenario.model_copy(update={"seed": 2**63 - 1})
    with pytest.raises(SensitivityError, match="largest seed"):
        seed_list(late, 2)


# --- the runs ------------------------------------------------------------------------------


def test_ranking_known_effect_above_none_and_repeatable(compiled, scenario):
    table = parse_parameters(KNOWN, "known.csv")
    seeds = seed_list(scenario, 2)
    seen = []
    res = run_sensitivity(compiled, scenario, table, seeds, METRICS, lambda d, n: seen.append(d))
    assert seen == list(range(1, 11))  # baseline + 2 parameters x 2 values, 2 seeds each
    assert res["runs"] == 10 and res["seeds"] == seeds and res["metrics"] == list(METRICS)
    first, second = res["parameters"]
    assert (first["parameter"], first["rank"]) == ("weather.min_temp_c", 1)
    assert (second["parameter"], second["rank"]) == ("crews.shift_start_h", 2)
    cold = first["metrics"]["person_hours_below_12c"]
    assert cold["low"] > cold["baseline"] > cold["high"]  # -25 degC worse than -20, -5 better
    assert cold["effect"] == pytest.approx(cold["low"] - cold["high"], abs=2e-3)
    assert cold["effect"] > 0 and cold["rank"] == 1
    for m in METRICS:  # the shift start cannot matter: exactly the baseline, effect 0
        r = second["metrics"][m]
        assert r["low"] == r["high"] == r["baseline"] == res["baseline"][m]["mean"]
        assert r["effect"] == 0.0
    assert second["scenario_value"] == 0.0 and first["scenario_value"] == -20.0
    cold_only = parse_parameters(HEADER + KNOWN.splitlines()[2] + "\n", "cold.csv")
    again = run_sensitivity(compiled, scenario, cold_only, seeds, METRICS)
    assert again["baseline"] == res["baseline"]  # same seeds, same numbers
    assert again["parameters"][0]["metrics"] == first["metrics"]


def test_missing_metric_in_summary_is_an_error(compiled, scenario):
    from coldstart.sweep import sensitivity as s

    with pytest.raises(SensitivityError, match="'blocks_without_heat_peak' is not in the summary"):
        s._values({"person_hours_below_12c": 1.0}, ("blocks_without_heat_peak",), 24.0)
    # a time not reached within the horizon counts as the horizon and is flagged (a bound)
    assert s._values(
        {"hours_to_restore_heat_95pct": None, "energy_not_served_mwh": 3.0},
        ("hours_to_restore_heat_95pct", "energy_not_served_mwh"),
        24.0,
    ) == ([24.0, 3.0], [True, False])


def test_unreached_times_are_shown_as_bounds(capsys):
    # review: `--metric hours_to_restore_heat_95pct` printed "12.0 → 12.0" when no run got
    # there within 12 h: now "≥ 12.0 → ≥ 12.0" with the number of such runs, and --json counts
    import numpy as np

    from coldstart.cli.sensitivity import _print_table
    from coldstart.scenario import example_scenario
    from coldstart.sweep import sensitivity as s

    table = s.read_parameters(None)
    scenario = example_scenario()
    variants = s.build_variants(table, scenario)[:1]
    runs, seeds = 1 + 2 * len(variants), [0, 1]
    values = np.full((runs, 2, 1), 12.0)
    censored = np.ones(values.shape, bool)
    censored[2, 0, 0] = False  # one run at high got there, at 12 h exactly
    doc = s._summarise(scenario, table, variants, seeds, ("hours_to_restore_heat_95pct",),
                       values, censored)  # fmt: skip
    m = doc["parameters"][0]["metrics"]["hours_to_restore_heat_95pct"]
    assert (m["low_censored"], m["high_censored"]) == (2, 1)
    assert doc["baseline"]["hours_to_restore_heat_95pct"]["censored"] == 2
    _print_table(doc)
    text = " ".join(capsys.readouterr().out.split())
    assert "≥ 12.0 → ≥ 12.0" in text
    assert "≥: a time not reached within the horizon counts as the horizon" in text


# --- the command ---------------------------------------------------------------------------


def _metric_args(metrics=METRICS[:2]):
    return [a for m in metrics for a in ("--metric", m)]


def _assert_offline(page: str) -> None:
    m = re.search(r'<script type="text/javascript" id="plotlyjs">.*?</script>', page, re.S)
    assert m is not None, "plotly.js is not inlined"
    rest = (page[: m.start()] + page[m.end() :]).lower()
    assert "http://" not in rest and "https://" not in rest and "cdn.plot.ly" not in rest
    assert re.search(r"<script[^>]*\bsrc=", page) is None and "<link" not in rest
    assert page.count("plotly.js v") == 1


def test_cli_writes_json_csv_and_tornado_html(cli, tmp_path, small_city_dir, short_scenario):
    params = tmp_path / "params.csv"
    params.write_text(KNOWN)
    out = tmp_path / "sens"
    args = ["sensitivity", small_city_dir, short_scenario, "--seeds", "2", "--params", params]
    code, stdout, err = cli(*args, *_metric_args(), "--out", out)
    assert code == 0, err
    assert "weather.min_temp_c" in stdout and "crews.shift_start_h" in stdout
    assert stdout.index("weather.min_temp_c") < stdout.index("crews.shift_start_h")  # ranked
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        ".coldstart-manifest.json",
        "sensitivity.csv",
        "sensitivity.html",
        "sensitivity.json",
    ]
    doc = json.loads((out / "sensitivity.json").read_text())
    assert [p["parameter"] for p in doc["parameters"]] == [
        "weather.min_temp_c",
        "crews.shift_start_h",
    ]
    manifest = json.loads((out / ".coldstart-manifest.json").read_text())
    assert manifest["command"] == "coldstart sensitivity"
    rows = (out / "sensitivity.csv").read_text().splitlines()
    assert rows[0].startswith("rank,parameter,unit,scenario_value,low,high,metric,")
    assert len(rows) == 1 + 2 * 2  # two parameters x two metrics
    page = (out / "sensitivity.html").read_text()
    assert page.count("Plotly.newPlot(") == 2  # one tornado chart per metric
    assert 'id="coldstart-tornado-0"' in page and 'id="coldstart-tornado-1"' in page
    assert '"orientation":"h"' in page and '"base":' in page  # bars from the baseline
    assert "weather.min_temp_c (-25 .. -5 degC)" in page
    _assert_offline(page)
    # the same command may replace its own output; a run's output folder is refused
    rerun = ["sensitivity", small_city_dir, short_scenario, "--seeds", "1", "--params", params]
    assert cli(*rerun, *_metric_args(), "--out", out)[0] == 0
    assert json.loads((out / "sensitivity.json").read_text())["seeds"] == doc["seeds"][:1]
    run_out = tmp_path / "run"
    assert cli("run", small_city_dir, short_scenario, "--out", run_out, "--no-report")[0] == 0
    code, _, err = cli(*rerun, *_metric_args(), "--out", run_out)
    assert code == 2 and "coldstart run" in err


def test_cli_json(cli, tmp_path, small_city_dir, short_scenario):
    params = tmp_path / "params.csv"
    params.write_text(KNOWN)
    args = ["sensitivity", small_city_dir, short_scenario, "--seeds", "1", "--params", params]
    code, stdout, err = cli(*args, *_metric_args(METRICS[:1]), "--json")
    assert code == 0, err
    doc = json.loads(stdout)
    top = doc["parameters"][0]
    assert set(top) == {
        "parameter",
        "unit",
        "source",
        "scenario_value",
        "low",
        "high",
        "rank",
        "metrics",
    }
    assert set(top["metrics"]["person_hours_below_12c"]) == {
        "low",
        "high",
        "baseline",
        "effect",
        "rank",
        "low_censored",
        "high_censored",
    }


def _rejected(result, *needles):
    code, out, err = result
    assert code == 2, (code, out, err)
    assert "Traceback" not in err + out
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert lines and all(ln.startswith("error: ") for ln in lines), err
    for needle in needles:
        assert any(needle in ln for ln in lines), (needle, err)


@pytest.mark.parametrize(
    "table, needles",
    [
        (HEADER + "people.at_home_dy,0.4,0.8,-,x\n", ["line 2, field 'parameter'", "at_home_dy"]),
        (HEADER + "crews.plumbing,4,12.5,crews,x\n", ["line 2 (crews.plumbing), field 'high'"]),
        (HEADER + "people.leave_share_max,0.3,1.5,-,x\n", ["field 'high'", "less than or equal"]),
        ("parameter,low\npeople.at_home_day,1\n", ["line 1", "expected the columns"]),
    ],
)
def test_cli_bad_tables_exit_2(cli, tmp_path, small_city_dir, short_scenario, table, needles):
    params = tmp_path / "bad.csv"
    params.write_text(table)
    out = tmp_path / "out"
    res = cli(
        "sensitivity",
        small_city_dir,
        short_scenario,
        "--params",
        params,
        *_metric_args(),
        "--out",
        out,
    )
    _rejected(res, str(params), *needles)
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_cli_bad_arguments_exit_2(cli, tmp_path, small_city_dir, short_scenario):
    base = ["sensitivity", small_city_dir, short_scenario]
    _rejected(cli(*base, "--seeds", "0", *_metric_args()), "--seeds", "expected 1 to 1,000")
    _rejected(cli(*base, "--seeds", "99999999", *_metric_args()), "--seeds")
    _rejected(cli(*base, "--metric", "no_such_figure"), "--metric", "no_such_figure")
    _rejected(cli(*base, "--params", tmp_path / "nope.csv", *_metric_args()), "file not found")
    _rejected(cli(*base, "--params", tmp_path, *_metric_args()), "not a regular file")
    _rejected(cli("sensitivity", tmp_path / "nocity", short_scenario, *_metric_args()), "nocity")


def test_default_metrics_are_in_the_runs_summary(cli, tmp_path, small_city_dir, short_scenario):
    """Without --metric the command ranks by person-hours below 12 degC and the peak of
    apartment blocks without heat (issue 12): both are figures of a run's summary."""
    params = tmp_path / "params.csv"
    params.write_text(HEADER + "weather.min_temp_c,-25,-5,degC,no public source: range assumed\n")
    code, stdout, err = cli(
        "sensitivity", small_city_dir, short_scenario, "--seeds", "1", "--params", params, "--json"
    )
    assert code == 0, err
    doc = json.loads(stdout)
    assert set(doc["parameters"][0]["metrics"]) == set(DEFAULT_METRICS)
    assert set(DEFAULT_METRICS) == {"person_hours_below_12c", "blocks_without_heat_peak"}
