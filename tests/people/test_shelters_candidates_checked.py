"""Review of ``plan shelters``: candidate sites checked against the city, the reasons' two
counts told apart, singular counts, halves rounded up in the figures shown."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from coldstart.people.plan import CandidatesError, read_candidates
from coldstart.report.fmt import format_number


def _plan(cli, city_dir, scenario, out, *extra):
    """Run ``plan shelters --open 1 --draws 1``: exit code, stdout, the error lines."""
    code, stdout, stderr = cli("plan", "shelters", city_dir, scenario, "--open", "1",
                               "--draws", "1", "--out", out, *extra)  # fmt: skip
    assert "Traceback" not in stderr
    return code, stdout, [ln for ln in stderr.splitlines() if ln.startswith("error:")]


def _centre(city):
    return float(city.buildings.lon.mean()), float(city.buildings.lat.mean())


def _problems(path, city):
    with pytest.raises(CandidatesError) as e:
        read_candidates(path, city)
    return [(p.where, p.field, p.message) for p in e.value.problems]


def _refused(cli, city, city_dir, scenario, cand: Path, second_row: str) -> str:
    """Run ``plan shelters`` with a candidates file of a good site (the centre of ``city``) and
    ``second_row`` (line 3): it must be refused (exit 2, nothing written, one error line),
    which is returned."""
    lon, lat = _centre(city)
    cand.write_text(f"site_id,lon,lat,capacity_people\nnew_hall,{lon},{lat},300\n{second_row}\n")
    out = cand.with_name("o")
    code, _, errors = _plan(cli, city_dir, scenario, out, "--candidates", cand)
    assert code == 2 and not out.exists() and len(errors) == 1
    return errors[0]


def test_site_far_from_every_building_is_refused(cli, small_city, small_city_dir,
                                                 short_scenario, tmp_path):  # fmt: skip
    lon, lat = _centre(small_city)
    error = _refused(cli, small_city, small_city_dir, short_scenario, tmp_path / "far.csv",
                     f"far1,{lon + 100},{lat},5000")  # fmt: skip
    assert "far.csv, line 3, field 'lon'" in error and "20 km" in error


def test_far_site_names_lat_when_it_is_off_north_south(small_city, tmp_path):
    lon, lat = _centre(small_city)
    # 0.25 deg of latitude is about 28 km beyond the centre, 0.05 deg about 5.6 km
    path = tmp_path / "c.csv"
    pd.DataFrame({"site_id": ["ok", "north"], "lon": [lon, lon], "lat": [lat + 0.05, lat + 0.25],
                  "capacity_people": [100, 100]}).to_csv(path, index=False)  # fmt: skip
    assert [p[:2] for p in _problems(path, small_city)] == [("line 3", "lat")]
    assert len(read_candidates(path)) == 2  # without the city, nothing to measure against


def test_candidate_id_of_a_city_facility_is_a_duplicate(cli, small_city, small_city_dir,
                                                        short_scenario, tmp_path):  # fmt: skip
    lon, lat = _centre(small_city)
    taken = str(small_city.facilities.facility_id.iloc[0])
    error = _refused(cli, small_city, small_city_dir, short_scenario, tmp_path / "dup.csv",
                     f"{taken},{lon},{lat},5000")  # fmt: skip
    assert "dup.csv, line 3, field 'site_id'" in error and f"duplicate id {taken!r}" in error


def test_site_id_column_is_the_id_and_repeats_are_refused(small_city, tmp_path):
    lon, lat = _centre(small_city)
    path = tmp_path / "c.csv"
    path.write_text(f"site_id,lon,lat,capacity_people\nhall,{lon},{lat},300\n")
    assert list(read_candidates(path, small_city).site_id) == ["hall"]  # not "candidate_1"
    path.write_text(f"site_id,lon,lat,capacity_people\nhall,{lon},{lat},300\n"
                    f"hall,{lon},{lat},200\n")  # fmt: skip
    assert _problems(path, small_city) == [("line 3", "site_id", "duplicate id 'hall'")]
    path.write_text(f"site_id,id,lon,lat,capacity_people\nhall,h,{lon},{lat},300\n")
    assert [p[1] for p in _problems(path, small_city)] == ["id"]  # which one is meant?


def test_why_tells_the_model_share_from_the_capacity():
    from coldstart.people.plan import PlanOutcome, sites_table
    from coldstart.people.siting import SitingProblem, SitingSolution

    # one building of 30 people wanting shelter; site c0 (40 places) takes 20, c1 (1 place) 1
    problem = SitingProblem(
        demand=np.array([30.0]), weight_h=np.ones(1), fixed_capacity=np.zeros(0),
        cand_capacity=np.array([40.0, 1.0]), arc_demand=np.array([0, 0]),
        arc_site=np.array([0, 1]), arc_km=np.full(2, 0.5), k=2,
    )  # fmt: skip
    sol = SitingSolution(np.array([True, True]), 0.0, 0.0, 9.0, 21.0, 0.5,
                         np.array([20.0, 1.0]), "Optimal")  # fmt: skip
    pool = pd.DataFrame(
        {
            "site_id": ["c0", "c1"],
            "name": ["a", "b"],
            "source": ["city"] * 2,
            "lon": [30.0] * 2,
            "lat": [50.0] * 2,
            "capacity_people": [40, 1],
        }
    )
    why = sites_table(PlanOutcome(pool, problem, sol, sol, {}, {}, 30.0)).set_index("site_id").why
    assert why["c0"].startswith("would take 20 of the 30 people wanting a shelter within")
    assert "; capacity 40 places;" in why["c0"] and "; 40 places" not in why["c0"]
    assert "; capacity 1 place;" in why["c1"]


def test_one_site_one_draw_is_told_in_the_singular(cli, small_city_dir, short_scenario,
                                                   tmp_path):  # fmt: skip
    out = tmp_path / "o"
    code, stdout, errors = _plan(cli, small_city_dir, short_scenario, out)
    assert code == 0, errors
    text = " ".join(stdout.split())
    page = (out / "plan.html").read_text()
    assert "open only their 1 site:" in text and "than the 1 largest site (" in text
    for plural in (
        "1 sites",
        "1 situations",
        "1 largest sites",
        "1 fresh damage draws",
        "1 warming points",
        "1 damage draws",
        "1 fresh draws",
        "1 candidate sites",
    ):
        assert plural not in text and plural not in page, plural
    doc = json.loads((out / "plan.json").read_text())
    unmet = "unmet_shelter_demand_person_hours"
    arms = ("plan", "greedy", "baseline", "all_equipped")
    row = " │ ".join(format_number(doc[a][unmet]) for a in arms)
    assert f"unmet shelter demand, person-h │ {row} │" in text  # the shared formatter's figures


def test_halves_round_away_from_zero_in_figures_shown():
    from coldstart.report.fmt import round_half_up

    assert format_number(4120.5) == "4,121"  # round() would give the even 4,120
    assert format_number(-2.5) == "-3" and format_number(0.5) == "1"
    assert format_number(2.675, 2) == "2.68"  # as written in JSON, not its binary neighbour
    assert format_number(4120.49, 0) == "4,120" and format_number(-0.04, 1) == "0.0"
    assert round_half_up(1e300) == 1e300 and round_half_up(float("inf")) == float("inf")
