"""Warming-point siting: HiGHS against brute force; plan shelters end to end."""

import itertools
import json

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog
from scipy.sparse import coo_matrix

from coldstart.people.siting import SitingProblem, greedy_largest, solve_siting
from coldstart.report.fmt import format_number
from demo_texts import short_demo_text


def brute_force(p: SitingProblem):
    """Best (unmet, walk) over every set of k candidates, each by scipy's LP (lexicographic)."""
    best = None
    nf, na, nd = p.n_fixed, len(p.arc_km), len(p.demand)
    for combo in itertools.combinations(range(p.n_cand), min(p.k, p.n_cand)):
        cap = np.concatenate([p.fixed_capacity, np.zeros(p.n_cand)])
        cap[nf + np.array(combo, int)] = p.cand_capacity[list(combo)]
        a_eq = coo_matrix(
            (
                np.ones(na + nd),
                (np.r_[p.arc_demand, np.arange(nd)], np.r_[np.arange(na), na + np.arange(nd)]),
            ),
            shape=(nd, na + nd),
        )
        a_ub = coo_matrix((np.ones(na), (p.arc_site, np.arange(na))), shape=(len(cap), na + nd))
        c1 = np.r_[np.zeros(na), p.weight_h]
        r1 = linprog(c1, A_ub=a_ub, b_ub=cap, A_eq=a_eq, b_eq=p.demand, method="highs")
        c2 = np.r_[p.weight_h[p.arc_demand] * p.arc_km, np.zeros(nd)]
        from scipy.sparse import vstack

        r2 = linprog(
            c2,
            A_ub=vstack([a_ub, coo_matrix(c1)]),
            b_ub=np.r_[cap, r1.fun + 1e-7 * max(1, r1.fun) + 1e-6],
            A_eq=a_eq,
            b_eq=p.demand,
            method="highs",
        )
        key = (r1.fun, r2.fun)
        if (
            best is None
            or key[0] < best[0][0] - 1e-6
            or (abs(key[0] - best[0][0]) <= 1e-6 and key[1] < best[0][1] - 1e-6)
        ):
            best = (key, combo)
    return best


@pytest.mark.parametrize("seed", range(8))
def test_highs_equals_brute_force_optimum(seed):
    rng = np.random.default_rng(seed)
    nd, nc = 14, 6
    p = SitingProblem.from_points(
        rng.uniform(0, 3000, (nd, 2)),
        rng.integers(0, 80, nd),
        rng.uniform(1, 24, nd),
        rng.uniform(0, 3000, (1, 2)),
        rng.integers(20, 100, 1),
        rng.uniform(0, 3000, (nc, 2)),
        rng.integers(20, 150, nc),
        walk_limit_km=1.3,
        k=int(rng.integers(1, 4)),
    )
    sol = solve_siting(p)
    (unmet, walk), _ = brute_force(p)
    assert sol.open_cand.sum() == p.k
    assert sol.unmet_weighted == pytest.approx(unmet, rel=1e-6, abs=1e-5)
    assert sol.walk_weighted == pytest.approx(walk, rel=1e-6, abs=1e-5)
    # nobody is assigned beyond the walking limit, and capacities hold
    assert (p.arc_km[sol.flow > 1e-9] <= 1.3).all()
    load = np.bincount(p.arc_site, weights=sol.flow, minlength=p.n_fixed + p.n_cand)
    cap = np.r_[p.fixed_capacity, p.cand_capacity * sol.open_cand]
    assert (load <= cap + 1e-6).all()


def test_greedy_largest_ties_by_order():
    assert list(greedy_largest(np.array([5, 9, 9, 1]), 2)) == [False, True, True, False]
    assert greedy_largest(np.array([5.0]), 3).sum() == 1


@pytest.fixture(scope="module")
def plan_case(tmp_path_factory):
    """A 36 h night strike on a 200-building city, with two big halls far out of town."""
    from coldstart.city import save_city
    from coldstart.city.synth import synth_city

    d = tmp_path_factory.mktemp("plan")
    city = synth_city(200, seed=0)
    save_city(city, d / "city")
    (d / "s.toml").write_text(short_demo_text(36, 30))
    lon, lat = float(city.buildings.lon.mean()), float(city.buildings.lat.mean())
    pd.DataFrame(
        {
            "id": ["expo_hall", "stadium", "near_hall"],
            "lon": [lon + 0.3, lon - 0.3, lon],
            "lat": [lat, lat, lat],
            "capacity_people": [5000, 4000, 800],
        }
    ).to_csv(d / "cand.csv", index=False)
    return d


def test_plan_shelters_end_to_end_beats_greedy(plan_case, cli, tmp_path):
    d = plan_case
    code, out, err = cli(
        "plan", "shelters", d / "city", d / "s.toml", "--open", "3",
        "--candidates", d / "cand.csv", "--out", tmp_path / "o", "--json",
    )  # fmt: skip
    assert code == 0, err
    res = json.loads(out)
    assert {"plan", "greedy", "baseline", "all_equipped", "seeds", "plan_wins_share"} <= set(res)
    assert json.loads((tmp_path / "o" / "plan.json").read_text()) == res  # the same document
    assert len(res["seeds"]) == 3  # the default ensemble of damage draws
    assert res["design_hours"] == 3 and 3 <= res["situations"] <= 9  # 36 h: 2 days a draw
    # chosen on 3 draws, judged on 3 others (fresh seeds, the same for every arm)
    assert len(res["choosing_seeds"]) == 3 and not set(res["choosing_seeds"]) & set(res["seeds"])
    for arm in ("plan", "greedy", "baseline", "all_equipped"):
        per = res[arm]["per_draw"]["unmet_shelter_demand_person_hours"]
        assert len(per) == 3
        assert res[arm]["unmet_shelter_demand_person_hours"] == pytest.approx(np.mean(per))
    page = (tmp_path / "o" / "plan.html").read_text()
    assert "plotlyjs" in page and "https://" not in page.split("<script")[0]
    for name in ("plan", "greedy"):
        assert {"unmet_shelter_demand_person_hours", "mean_walk_km", "sites"} <= set(res[name])
        assert len(res[name]["sites"]) == 3
    # the two far halls are the largest sites but out of everyone's walking range
    assert {"expo_hall", "stadium"} <= set(res["greedy"]["sites"])
    assert "expo_hall" not in res["plan"]["sites"]
    assert (
        res["plan"]["unmet_shelter_demand_person_hours"]
        < res["greedy"]["unmet_shelter_demand_person_hours"]
    )
    sites = pd.read_csv(tmp_path / "o" / "shelters.csv")
    assert sorted(sites.site_id) == sorted(res["plan"]["sites"])
    gj = json.loads((tmp_path / "o" / "shelters.geojson").read_text())
    assert len(gj["features"]) == 3


def test_plan_shelters_bad_candidates(plan_case, cli, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("lon,lat,capacity_people\n30.5,50.4,-5\n30.5,abc,10\n")
    code, out, err = cli(
        "plan", "shelters", plan_case / "city", plan_case / "s.toml", "--open", "2",
        "--candidates", bad, "--out", tmp_path / "o",
    )  # fmt: skip
    assert code == 2
    # lines of the file (the header is line 1), as for city and weather CSVs
    assert "bad.csv, line 2, field 'capacity_people'" in err and "line 3, field 'lat'" in err
    assert not (tmp_path / "o").exists()


def test_plan_shelters_refuses_more_sites_than_candidates(plan_case, cli, tmp_path):
    code, out, err = cli(
        "plan", "shelters", plan_case / "city", plan_case / "s.toml", "--open", "500",
        "--out", tmp_path / "o",
    )  # fmt: skip
    assert code == 2 and "--open" in err and "only" in err and "candidate sites" in err
    errors = [ln for ln in err.splitlines() if ln.startswith("error: ")]
    assert len(errors) == 1 and "Traceback" not in err  # (notes on the scenario come first)
    assert not (tmp_path / "o").exists()


def test_plan_shelters_text_says_the_others_close_and_compares_with_the_city_as_is(
    plan_case, cli, tmp_path
):
    d = plan_case
    code, out, err = cli(
        "plan", "shelters", d / "city", d / "s.toml", "--open", "3",
        "--candidates", d / "cand.csv", "--out", tmp_path / "o",
    )  # fmt: skip
    assert code == 0, err
    text = " ".join(out.split())
    assert "plan and greedy open only their 3 sites" in text and "stay closed there" in text
    doc = json.loads((tmp_path / "o" / "plan.json").read_text())
    # shelters that are not candidates (the metro) stay open in every arm, and the text says so
    if doc["fixed_shelter_places"]:
        fixed = format_number(doc["fixed_shelter_places"])
        assert f"({fixed} places, e.g. metro stations)" in text
    key = "unmet_shelter_demand_person_hours"
    diff = doc["baseline"][key] - doc["plan"][key]
    word = "fewer" if diff >= 0 else "MORE"
    assert f"and {format_number(abs(diff))} {word} than the city as is" in text
    # why each chosen site: its reach, its own coverage, its places, whether greedy has it
    sites = pd.read_csv(tmp_path / "o" / "shelters.csv")
    assert (sites.people_only_here <= sites.people_within_walk + 1e-6).all()
    assert (sites.model_people <= sites.people_within_walk + 1e-6).all()
    assert set(sites.site_id[sites.also_largest]) == set(doc["plan"]["sites"]) & set(
        doc["greedy"]["sites"]
    )
    for r in sites.itertuples():
        taken = format_number(r.model_people)
        assert f"{r.site_id} ({r.name}): would take {taken} of the" in text
        assert f"; capacity {r.capacity_people:,} places;" in text
    assert "not among the largest sites" in text  # the plan leaves the far halls out


def test_why_a_site_counts_its_reach_and_its_own_coverage():
    # b0 reaches the fixed shelter and c0; b1 only c0; b2 only c1; c2 (closed) reaches b2 too
    from coldstart.people.plan import PlanOutcome, sites_table
    from coldstart.people.siting import SitingSolution

    problem = SitingProblem(
        demand=np.array([10.0, 20.0, 30.0]), weight_h=np.ones(3), fixed_capacity=np.array([50]),
        cand_capacity=np.array([40, 40, 100]), arc_demand=np.array([0, 0, 1, 2, 2]),
        arc_site=np.array([0, 1, 1, 2, 3]), arc_km=np.full(5, 0.5), k=2,
    )  # fmt: skip
    flow = np.array([10.0, 0.0, 20.0, 30.0, 0.0])

    def solution(open_cand):
        return SitingSolution(np.array(open_cand), 0.0, 0.0, 0.0, 60.0, 0.5, flow, "Optimal")

    pool = pd.DataFrame({"site_id": ["c0", "c1", "c2"], "name": ["a", "b", "c"],
                         "source": ["school"] * 3, "lon": [30.0] * 3, "lat": [50.0] * 3,
                         "capacity_people": [40, 40, 100]})  # fmt: skip
    outcome = PlanOutcome(pool, problem, solution([True, True, False]),
                          solution([False, True, True]), {}, {}, 60.0)  # fmt: skip
    t = sites_table(outcome).set_index("site_id")
    assert t.loc["c0", "people_within_walk"] == 30 and t.loc["c0", "people_only_here"] == 20
    assert t.loc["c1", "people_within_walk"] == 30 and t.loc["c1", "people_only_here"] == 30
    assert t.loc["c0", "model_people"] == 20 and t.loc["c1", "model_people"] == 30
    assert not t.loc["c0", "also_largest"] and t.loc["c1", "also_largest"]
    assert "(20 of them reach no other open shelter)" in t.loc["c0", "why"]


def test_ensemble_sites_serve_every_draw_with_their_places_in_full():
    # two draws; in each, 50 people at b0 want a shelter. c0 (50 places) reaches b0, c1 (40)
    # too: with per-draw capacity c0 places everybody in both draws (shared capacity could not)
    xy = np.array([[0.0, 0.0], [0.0, 0.0]])
    p = SitingProblem.from_points(
        xy, np.array([50.0, 50.0]), np.array([1.0, 1.0]) / 2, np.zeros((0, 2)), np.zeros(0),
        np.array([[300.0, 0.0], [0.0, 300.0]]), np.array([50.0, 40.0]), 1.0, 1,
        draw=np.array([0, 1]),
    )  # fmt: skip
    assert p.n_draws == 2
    sol = solve_siting(p)
    assert list(sol.open_cand) == [True, False]
    # means over draws (stage 2 may leave the unmet within HiGHS' tolerance of stage 1)
    assert sol.unmet_people == pytest.approx(0.0, abs=1e-5)
    assert sol.placed_people == pytest.approx(50.0, abs=1e-5)
    # draw 1 wants 90 people far from c0: the ensemble chooses the site that serves both draws
    xy = np.array([[0.0, 0.0], [0.0, 600.0]])
    p = SitingProblem.from_points(
        xy, np.array([50.0, 90.0]), np.array([1.0, 1.0]) / 2, np.zeros((0, 2)), np.zeros(0),
        np.array([[0.0, -500.0], [0.0, 300.0]]), np.array([100.0, 100.0]), 0.6, 1,
        draw=np.array([0, 1]),
    )  # fmt: skip
    sol = solve_siting(p)  # c0 serves draw 0 only (45 h unmet), c1 both draws (0 unmet)
    assert list(sol.open_cand) == [False, True]
    assert sol.unmet_weighted == pytest.approx(0.0, abs=1e-5)


def test_plan_shelters_explains_a_city_as_is_worse_than_two_sites(plan_case, cli, tmp_path):
    d = plan_case
    code, out, err = cli(
        "plan", "shelters", d / "city", d / "s.toml", "--open", "2", "--draws", "2",
        "--out", tmp_path / "o",
    )  # fmt: skip
    assert code == 0, err
    doc = json.loads((tmp_path / "o" / "plan.json").read_text())
    key = "unmet_shelter_demand_person_hours"
    text = " ".join(out.split())
    # the city's own shelters fail, the plan's (and every equipped candidate) do not
    assert doc["baseline"]["shelter_failures"] > 0 == doc["plan"]["shelter_failures"]
    assert doc["all_equipped"]["shelter_failures"] == 0
    assert doc["all_equipped"][key] < doc["baseline"][key]
    assert doc["baseline"][key] > doc["plan"][key]
    assert "its own shelters fail" in text and "every candidate open and equipped" in text
    sites = pd.read_csv(tmp_path / "o" / "shelters.csv")
    assert (sites.coldest_home_c <= sites.homes_min_temp_c).all()
    for r in sites.itertuples():
        assert f"their homes fell to {r.homes_min_temp_c:.1f} °C" in text


def test_design_hours_are_the_days_peaks_of_people_wanting_shelter(plan_case):
    from coldstart.city import load_city
    from coldstart.people.plan import (
        candidate_pool,
        design_demands,
        ensemble_problem,
        shelter_demand,
    )
    from coldstart.scenario import load_scenario
    from coldstart.simulate import simulate

    d = plan_case
    city, scenario = load_city(d / "city"), load_scenario(d / "s.toml")
    r = simulate(city, scenario, seed=1)
    want = r.shelter_design_want
    tl = r.timeline
    assert len(want) == len(city.buildings) and want.shape[1] >= 1
    for hour in want.columns:
        # the column is the day's step with the most people wanting shelter (first such step)
        day = tl[(tl.hours >= 24 * (hour // 24)) & (tl.hours < 24 * (hour // 24 + 1))]
        peak = day.people_wanting_shelter.max()
        assert want[hour].sum() == peak > 0
        assert hour == pytest.approx(day.hours[day.people_wanting_shelter == peak].iloc[0])
        # no building wants more at its design hour than at its own worst hour
        assert (want[hour] <= r.buildings.shelter_want_peak_people).all()
    one = design_demands(r, city, scenario, 1)
    assert len(one) == 1 and one[0].sum() == want.sum(axis=0).max()
    envelope = design_demands(r, city, scenario, 0)[0]  # each building at its own worst hour
    np.testing.assert_array_equal(envelope, r.buildings.shelter_want_peak_people)
    pool = candidate_pool(city)
    hours = min(2, want.shape[1])
    problem, temps = ensemble_problem(city, scenario, [r, r], pool, 2, design_hours=hours)
    assert problem.n_draws == 2 * hours and len(temps) == len(problem.demand)
    assert problem.demand.sum() == pytest.approx(2 * sum(x.sum() for x in design_demands(
        r, city, scenario, hours)))  # fmt: skip
    # the weights still add up to the draw's hours of wanting per person, over the situations
    w = shelter_demand(r.buildings, city, scenario)[1]
    np.testing.assert_allclose(problem.weight_h.reshape(2 * hours, -1).sum(axis=0), w)
