"""``coldstart plan value``: variants, paired savings on the same seeds, files, bad input."""

import json

import numpy as np
import pytest

from coldstart.plan.value import FIGURES, scenario_variants
from coldstart.scenario import parse_scenario
from coldstart.sweep.stats import paired_interval

CREW_CASE = """
name = "one boiler house hit, no plant crew"
start = 2026-01-09T00:00:00
horizon_h = 36.0
seed = 5

[weather]
min_temp_c = -15.0

[grid]
national_import_mw = 50.0

[[strikes]]
name = "boiler house"
at_h = 1.0
hits = [{ kind = "boiler_house", rank = 1, damage = "moderate", repair_h = 4.0 }]

[[strikes]]
name = "drones"
at_h = 30.0
threats = { drone = 20 }
interception = { drone = 0.5 }
target_weights = { hv_substation = 1.0, boiler_house = 1.0 }

[interceptors]
stock = { drone = 5 }

[crews]
plants = 0
"""
"""The largest boiler house out at 1 h with no plant crew to repair it (so one more plant crew
obviously helps), a second wave at 30 h (so that a truce of 24 h from the first cancels no wave
and one of 72 h cancels it), a finite drone stock and an import cap."""

KEYS = {
    "crews.power_lines+1", "crews.substations+1", "crews.heat_network+1", "crews.plants+1",
    "crews.plumbing+1", "crews.building_repair+1", "interceptors.drone+10",
    "truce.72h", "import+100MW", "generator+1",
}  # fmt: skip
"""Variant keys of the crew case: the truces of 72 and 168 h cancel the same wave within the
36 h horizon, so they are one variant (``truce.72h``); one of 24 h cancels none: left out."""


@pytest.fixture(scope="module")
def crew_case():
    return parse_scenario(CREW_CASE)


def test_paired_interval_is_the_student_t_interval():
    ci = paired_interval(np.array([1.0, 2.0, 3.0, np.nan]))
    # t(0.975, 2) = 4.303 (tables); std 1, n 3
    assert ci["mean"] == 2.0 and ci["std"] == 1.0 and ci["seeds"] == 3
    assert ci["ci_high"] - 2.0 == pytest.approx(4.303 / np.sqrt(3), abs=1e-3)
    assert ci["ci_low"] == pytest.approx(4.0 - ci["ci_high"])
    assert paired_interval(np.zeros(4)) == {
        "mean": 0.0, "ci_low": 0.0, "ci_high": 0.0, "std": 0.0, "seeds": 4
    }  # fmt: skip


def test_variants_are_copies_and_say_what_they_change(crew_case):
    before = crew_case.model_dump()
    variants, left_out = scenario_variants(crew_case)
    assert crew_case.model_dump() == before
    by = {v.key: v for v in variants}
    assert by["crews.plants+1"].scenario.crews.plants == 1
    assert by["interceptors.drone+10"].scenario.interceptors.stock == {"drone": 15}
    assert by["import+100MW"].scenario.grid.national_import_mw == 150.0
    t72 = by["truce.72h"].scenario.truces[-1]
    assert 1.0 < t72.start_h < 1.0 + 1e-9 and t72.end_h == 73.0
    assert "drones at 30 h" in by["truce.72h"].change
    # a truce of 24 h cancels no wave (the second comes at 30 h): not simulated, said why
    why = {x["key"]: x["why"] for x in left_out}
    assert set(why) == {"interceptors.ballistic+10", "interceptors.cruise+10", "truce.24h"}
    assert why["truce.24h"] == "cancels no wave: the next after the first comes at 30 h"


def _check_pairing(doc: dict) -> None:
    """Every variant, intervals around means, savings on the same seeds, ranked."""
    rows = {r["key"]: r for r in doc["variants"]}
    assert set(rows) == KEYS
    assert not set(doc["seeds"]) & set(doc["site_choosing_seeds"])
    for r in doc["variants"]:
        for f in FIGURES:
            s = r[f]
            assert s["ci_low"] <= s["saved_mean"] <= s["ci_high"]
            base = np.array(doc["baseline"][f]["per_seed"])
            assert s["saved_mean"] == pytest.approx(base.mean() - s["variant_mean"])
    # the boiler house is repaired only with a plant crew: fewer person-hours on every seed
    assert min(rows["crews.plants+1"]["person_hours_below_12c"]["saved_per_seed"]) > 0
    ranked = [r["person_hours_below_12c"]["saved_mean"] for r in doc["variants"]]
    assert ranked == sorted(ranked, reverse=True)
    assert [r["rank"] for r in doc["variants"]] == list(range(1, len(KEYS) + 1))
    gen = doc["generator"]
    means = gen["shortlist_means_on_site_seeds"]
    assert len(means) == 2 and means[gen["site_id"]] == min(means.values())


def test_plan_value_two_workers_paired_savings_files_and_store(cli, plan_city_dir, tmp_path):
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(CREW_CASE)
    out, store = tmp_path / "out", tmp_path / "store"
    argv = ("plan", "value", plan_city_dir, scenario, "--seeds", "2", "--site-seeds", "1",
            "--shortlist", "2", "--out", out, "--store", store)  # fmt: skip
    code, text, err = cli(*argv, "--workers", "2", "--json")
    assert code == 0, err
    doc = json.loads(text)
    _check_pairing(doc)
    # baseline and 9 scenario variants on 2 seeds, 2 sites on 1 seed, the best on 2 seeds
    assert doc["runs_simulated"] == (1 + 9) * 2 + 2 * 1 + 2 and doc["runs_from_store"] == 0
    assert "truce.24h" in {x["key"] for x in doc["left_out"]}
    assert json.loads((out / "value.json").read_text()) == doc
    csv = (out / "value.csv").read_text().splitlines()
    assert csv[0].startswith("rank,key,group,label,change,person_hours_below_12c_saved_mean")
    assert len(csv) == 1 + len(KEYS)
    import re

    decimals = [len(m) for m in re.findall(r"(?<![\w.])-?\d+\.(\d+)(?![\w.])", "\n".join(csv))]
    assert decimals and max(decimals) <= 4  # rounded as every CSV (README: 4 decimals)
    page = (out / "value.html").read_text()
    assert "plotlyjs" in page and "https://" not in page.split("<script")[0]
    assert "+1 plants crew" in page
    # again in this process: every run read back from the store, the same answer; the
    # printed table, and under it which waves each truce cancels
    code, text, err = cli(*argv)
    assert code == 0, err
    flat = " ".join(text.split())
    assert "runs simulated" in flat and f"0 runs simulated, {doc['runs_simulated']}" in flat
    assert "truce ≥ 72 h (equal within the 36 h horizon): no wave from" in flat
    assert "drones at 30 h" in flat and "truces of 72 and 168 h" in flat
    code, text, err = cli(*argv, "--json")
    again = json.loads(text)
    assert code == 0, err
    assert again["runs_simulated"] == 0 and again["runs_from_store"] == doc["runs_simulated"]
    assert again["variants"] == doc["variants"]


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (("--seeds", "1"), "--seeds"),
        (("--site-seeds", "0"), "--site-seeds"),
        (("--kw-each", "0"), "--kw-each"),
        (("--shortlist", "0"), "--shortlist"),
        (("--seeds", "2"), "scenario.toml, field 'crews.plumbing': cannot add one"),
    ],
)
def test_bad_input_exits_2_on_one_line_writing_nothing(cli, plan_city_dir, tmp_path, extra,
                                                       expected):  # fmt: skip
    scenario = tmp_path / "scenario.toml"
    at_bound = "cannot add one" in expected  # plumbing crews at the model's bound
    scenario.write_text(CREW_CASE + ("plumbing = 100000\n" if at_bound else ""))
    out, store = tmp_path / "out", tmp_path / "store"
    argv = ("plan", "value", plan_city_dir, scenario, *extra, "--out", out, "--store", store)
    code, text, err = cli(*argv, "--json")
    assert code == 2, err
    assert expected in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and text == ""
    assert not out.exists() and not store.exists()


def _with(scenario, horizon_h, waves_at):
    """The scenario with another horizon and extra drone waves."""
    doc = scenario.model_dump()
    doc["horizon_h"] = horizon_h
    doc["strikes"] = [*doc["strikes"], *({**doc["strikes"][1], "name": f"late {h:g}",
                                          "at_h": h} for h in waves_at)]  # fmt: skip
    return type(scenario).model_validate(doc)


def _truce_labels(scenario):
    return {v.key: v.label for v in scenario_variants(scenario)[0] if v.group == "truce"}


def test_truces_equal_within_the_horizon_are_one_variant(crew_case):
    # 36 h: 72 and 168 h cancel the wave at 30 h and nothing else within the horizon
    variants = {v.key: v for v in scenario_variants(crew_case)[0] if v.group == "truce"}
    assert list(variants) == ["truce.72h"]  # (24 h cancels nothing: left out)
    merged = variants["truce.72h"]
    assert merged.label == "truce ≥ 72 h (equal within the 36 h horizon)"
    assert merged.scenario.truces[-1].end_h == 73.0  # the shortest of the equal truces is run
    assert "truces of 72 and 168 h cancel the same waves" in merged.change
    # a long run where each truce cancels other waves: three variants, as before
    long = _with(crew_case, horizon_h=200.0, waves_at=(20.0, 100.0))
    assert _truce_labels(long) == {
        "truce.24h": "truce 24 h", "truce.72h": "truce 72 h", "truce.168h": "truce 168 h"
    }  # fmt: skip
    # the review's case: the second wave within a day of the first, a short run: all three equal
    doc = crew_case.model_dump()
    doc["strikes"][1]["at_h"] = 20.0
    (one,) = [v for v in scenario_variants(type(crew_case).model_validate(doc))[0]
              if v.group == "truce"]  # fmt: skip
    assert one.key == "truce.24h" and one.label.startswith("truce ≥ 24 h (equal within the 36 h")
    assert "truces of 24, 72 and 168 h" in one.change and "drones at 20 h" in one.change
    # the demo's case: waves at 2 and 74 h; 24 and 72 h cancel nothing (left out, said why),
    # 168 h the second wave
    doc["horizon_h"], doc["strikes"][1]["at_h"] = 168.0, 74.0
    variants, left_out = scenario_variants(type(crew_case).model_validate(doc))
    assert {v.key: v.label for v in variants if v.group == "truce"} == {
        "truce.168h": "truce 168 h"}  # fmt: skip
    why = {x["key"]: x["why"] for x in left_out if x["key"].startswith("truce")}
    gone = "cancels no wave: the next after the first comes at 74 h"
    assert why == dict.fromkeys(("truce.24h", "truce.72h"), gone)
    # one wave only: every truce left out
    doc["strikes"] = doc["strikes"][:1]
    variants, left_out = scenario_variants(type(crew_case).model_validate(doc))
    assert not [v for v in variants if v.group == "truce"]
    assert {x["why"] for x in left_out if x["key"].startswith("truce")} == {
        "cancels no wave: the scenario has one wave"}  # fmt: skip


def test_left_out_and_schedules_say_why(crew_case):
    from coldstart.plan.value import ValuePlanError, seed_split

    doc = crew_case.model_dump()
    doc["strikes"] = []
    doc["grid"] = {**doc["grid"], "national_import_mw": None, "import_schedule": [(0.0, 40.0)]}
    variants, left_out = scenario_variants(type(crew_case).model_validate(doc))
    by = {v.key: v for v in variants}
    assert not any(k.startswith("truce") for k in by)
    assert {"key": "truce", "why": "the scenario has no strike wave"} in left_out
    grid = by["import+100MW"].scenario.grid
    assert grid.national_import_mw is None and grid.import_schedule == [(0.0, 140.0)]
    doc["grid"] = {**doc["grid"], "import_schedule": []}
    _, left_out = scenario_variants(type(crew_case).model_validate(doc))
    assert any(x["key"] == "import+100MW" and "no import cap" in x["why"] for x in left_out)
    doc["crews"] = {**doc["crews"], "plumbing": 100_000}  # at its bound: one more is refused
    with pytest.raises(ValuePlanError, match="plumbing"):
        scenario_variants(type(crew_case).model_validate(doc))
    seeds, site = seed_split(crew_case, 3, 2)
    assert seeds == [5, 6, 7] and site == [8, 9]


def test_merged_truce_label_claims_only_what_holds(crew_case):
    # code review: waves at 1, 30 and 180 h over 200 h: truces of 72 and 168 h cancel the same
    # wave, but one of 180 h would cancel the next: "72–168 h", not "≥ 72 h"
    late = _with(crew_case, horizon_h=200.0, waves_at=(180.0,))
    assert _truce_labels(late) == {"truce.72h": "truce 72–168 h (equal within the 200 h horizon)"}
    # two waves at the first hour and no other: said as such, not "one wave"
    doc = crew_case.model_dump()
    doc["strikes"][1]["at_h"] = doc["strikes"][0]["at_h"]
    _, left_out = scenario_variants(type(crew_case).model_validate(doc))
    assert {x["why"] for x in left_out if x["key"].startswith("truce")} == {
        "cancels no wave: every wave comes at the first one's hour"}  # fmt: skip
