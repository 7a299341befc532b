"""The people model: capacity, walking limit, failing shelters, fuel, vulnerable people."""

import numpy as np
import pytest

from coldstart.people.config import People
from coldstart.people.metrics import PeopleTally
from coldstart.thermal.exposure import degree_hours_below, person_hours_below


def run(model, hours, temp_home_c, grid=True, heat=1.0, temp_out_c=-15.0, alert=False):
    """Step the model; ``grid`` and ``heat`` may be callables of (t_h) -> per-shelter arrays."""
    n = model.n_shelters
    state = model.initial_state()
    states = []
    for k in range(int(round(hours / model.dt_h))):
        t = k * model.dt_h
        g = grid(t) if callable(grid) else np.full(n, grid, bool)
        h = heat(t) if callable(heat) else np.full(n, heat, float)
        temp = temp_home_c(t) if callable(temp_home_c) else temp_home_c
        state = model.step(state, t, temp_out_c, temp, g, h, alert)
        states.append(state)
    return states


def test_capacity_never_exceeded_and_nobody_beyond_walk_limit(town):
    model = town()
    rng = np.random.default_rng(1)
    temps = [rng.uniform(-2, 20, model.n_buildings) for _ in range(48)]
    states = run(model, 48, lambda t: temps[int(t)])
    assert max(s.people_in_shelters for s in states) > 0
    cap = model.stock.capacity_people
    for s in states:
        assert (s.occupancy <= cap).all()
        assert (s.occupancy[~s.works] == 0).all()
        on = s.held > 0
        assert (model.ent_km[on] <= model.cfg.walk_limit_km).all()
        assert (s.unmet >= 0).all() and (s.sheltered + s.unmet == s.want).all()
    # brute force: every building with someone in a shelter is within the limit of it
    s = states[-1]
    b = model.ent_agent[s.held > 0] % model.n_buildings
    assert len(b) > 0


def test_unmet_when_shelters_full_and_nobody_moves_in_warm_homes(town):
    model = town(capacity=(10, 10, 10))
    warm = run(model, 4, np.full(model.n_buildings, 19.0))
    assert all(s.want.sum() == 0 and s.people_in_shelters == 0 for s in warm)
    cold = run(model, 4, np.full(model.n_buildings, 2.0))
    last = cold[-1]
    assert last.want.sum() > 30
    assert last.people_in_shelters <= 30
    assert last.unmet.sum() == last.want.sum() - last.sheltered.sum() > 0


def test_shelters_without_heat_and_power_empty(town):
    model = town(fuel_h=(0.0, 0.0, 0.0), gen_kw=(0.0, 0.0, 0.0))
    n = model.n_shelters

    def grid(t):  # the grid goes at hour 5
        return np.full(n, t < 5.0)

    def heat(t):  # district heat too
        return np.full(n, 1.0 if t < 5.0 else 0.0)

    states = run(model, 8, np.full(model.n_buildings, 3.0), grid=grid, heat=heat)
    before, after = states[int(4.5 * 6)], states[-1]
    assert before.people_in_shelters > 0 and before.works.all()
    assert not after.works.any() and after.people_in_shelters == 0
    fails = [e for s in states for e in s.events if e[1] == "shelter_fail"]
    assert {e[2] for e in fails} == {"s0", "s1", "s2"}


def test_school_with_power_but_no_heat_cools_and_closes(town):
    model = town()
    states = run(model, 72, np.full(model.n_buildings, 4.0), heat=0.0, temp_out_c=-20.0)
    school = 1
    temps = np.array([s.temp_air_c[school] for s in states])
    assert temps[0] > 15.0 and temps.min() < model.cfg.shelter_close_below_c
    closed = [s for s in states if not s.works[school]]
    assert closed and all(s.occupancy[school] == 0 for s in closed)
    # the metro keeps its 17 degC on its own heating (ground at 10 degC)
    assert all(abs(s.temp_air_c[0] - 17.0) < 1.5 for s in states[6:])


def test_generator_fuel_runs_out_unless_refuelled(town):
    off = lambda t: np.zeros(3, bool)  # noqa: E731
    dry = run(town(), 12, np.full(60, 3.0), grid=off, heat=0.0)
    wp = 2  # warming point: 6 h of fuel
    assert dry[6 * 5].works[wp] and not dry[-1].works[wp]
    assert any(e[1] == "fuel_out" and e[2] == "s2" for s in dry for e in s.events)
    assert dry[-1].fuel_h[wp] == 0.0
    fed = run(town(People(walk_limit_km=1.2, refuel_every_h=4.0)), 12, np.full(60, 3.0), grid=off)
    assert all(s.works[wp] for s in fed[1:])
    assert any(e[1] == "refuel" for s in fed for e in s.events)
    # no deliveries during an alert unless allowed
    held = run(
        town(People(walk_limit_km=1.2, refuel_every_h=4.0)),
        12,
        np.full(60, 3.0),
        grid=off,
        alert=True,
    )
    assert not held[-1].works[wp]


def test_vulnerable_counted_apart_and_immobile_stay_home(town):
    model = town()
    temp = np.full(model.n_buildings, 6.0)
    states = run(model, 6, temp)
    tally = PeopleTally(model)
    for s in states:
        tally.add(s, temp, model.dt_h)
    s = states[-1]
    imm = model.residents.immobile
    assert (s.vulnerable_home >= imm - 1e-9).all()  # the immobile never leave
    assert s.occupancy_vulnerable.sum() > 0
    assert s.occupancy_vulnerable.sum() <= s.occupancy.sum()
    # by hand: vulnerable person-hours below 12 degC = vulnerable at home (all homes at 6 degC)
    expected = sum(x.vulnerable_home.sum() for x in states) * model.dt_h
    got = tally.summary()["vulnerable_person_hours_below_12c"]
    assert got == pytest.approx(expected, rel=1e-9)
    assert tally.summary()["person_hours_below_12c"] > got
    summ = tally.summary()
    assert (
        summ["vulnerable_unmet_shelter_demand_person_hours"]
        <= (summ["unmet_shelter_demand_person_hours"])
    )


def test_night_homes_fuller_than_day(town):
    model = town()
    # start at midnight: hour 3 is night, hour 13 day
    states = run(model, 14, np.full(model.n_buildings, 20.0))
    night, day = states[3 * 6].people_home.sum(), states[13 * 6].people_home.sum()
    assert night > day > 0
    assert night == pytest.approx(
        (model.residents.total * 0.95).sum() + (model.residents.immobile * 0.05).sum() - 0.0,
        rel=0.05,
    )


def test_nearby_cold_opening_rule(town):
    cfg = People(walk_limit_km=1.2, open_when="nearby_cold", open_below_c=16.0)
    model = town(cfg)
    warm = run(model, 2, np.full(model.n_buildings, 19.0))
    assert not warm[-1].opened.any()
    cold = run(model, 2, np.full(model.n_buildings, 10.0))
    assert cold[-1].opened.any()


def test_step_does_not_modify_inputs(town):
    model = town()
    state = model.initial_state()
    temp = np.full(model.n_buildings, 5.0)
    grid = np.ones(3, bool)
    heat = np.ones(3)
    copies = [a.copy() for a in (state.held, state.temp_air_c, state.fuel_h, temp, grid, heat)]
    model.step(state, 0.0, -15.0, temp, grid, heat)
    for a, b in zip(
        (state.held, state.temp_air_c, state.fuel_h, temp, grid, heat), copies, strict=True
    ):
        np.testing.assert_array_equal(a, b)


def test_metric_functions():
    t = np.array([20.0, 15.0, 11.0, 4.0])
    p = np.array([10.0, 20.0, 30.0, 40.0])
    ph = person_hours_below(t, p, 0.5, (18.0, 16.0, 12.0, 9.0, 5.0))
    np.testing.assert_allclose(ph, [45.0, 45.0, 35.0, 20.0, 20.0])
    assert degree_hours_below(t, p, 2.0, 18.0) == pytest.approx(2 * (20 * 3 + 30 * 7 + 40 * 14))


def test_kept_entries_of_the_places_change_nothing(town):
    # the state keeps which entries hold someone; a state without them (None) must step the
    # same: shelters failing on and off, homes cooling and warming, decisions every hour
    import dataclasses

    model = town(capacity=(60, 40, 20))
    rng = np.random.default_rng(11)
    n = model.n_shelters
    kept = plain = model.initial_state()
    most = stops = 0
    for k in range(200):
        t = k * model.dt_h
        g = rng.random(n) < 0.7
        h = rng.random(n) * (rng.random(n) < 0.6)
        temp = 14.0 - 4.0 * np.sin(k / 17.0) + rng.normal(0.0, 1.0, 60)
        kept = model.step(kept, t, -15.0, temp, g, h)
        plain = model.step(dataclasses.replace(plain, held_nz=None), t, -15.0, temp, g, h)
        for f in dataclasses.fields(kept):
            a, b = getattr(kept, f.name), getattr(plain, f.name)
            if f.name != "held_nz":
                assert np.array_equal(a, b) if isinstance(a, np.ndarray) else a == b, f.name
        if kept.held_nz is not None:
            assert np.array_equal(kept.held_nz, np.flatnonzero(kept.held))
        # the counts moved step by step equal counting the places again
        half = len(kept.held) // 2
        for got, ent, w in (
            (kept.sheltered, model.ent_agent, kept.held),
            (kept.occupancy, model.ent_shelter, kept.held),
            (kept.occupancy_vulnerable, model.ent_shelter[half:], kept.held[half:]),
        ):
            np.testing.assert_array_equal(got, np.bincount(ent, weights=w, minlength=len(got)))
        most = max(most, int(kept.sheltered.sum()))
        stops += sum(e[1] == "shelter_fail" for e in kept.events)
    assert most > 50 and stops > 3  # people came, and shelters failed under them
