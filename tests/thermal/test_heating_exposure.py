"""Heating controller, gains, exposure metrics and the cooldown computation."""

import numpy as np
import pytest

from coldstart.thermal.cooldown import COOLDOWN_THRESHOLDS_C, cooldown
from coldstart.thermal.exposure import (
    degree_hours_below,
    exposure_summary,
    hours_of_safety,
    hours_to_below,
    person_hours_below,
    step_hours_to_below,
)
from coldstart.thermal.heating import heat_inputs


def _runner_first_version(ua, ua_w, ta, ta_w, to, frac, people, area, power, electric, sp, kw):
    # Verbatim copy of the first-version runner's inline block (simulate.py, issue 2).
    gains = 90.0 * people + 2.0 * area * power
    q_max = ua * (sp - -22.0)
    need = np.clip(ua * (sp - to) - gains + 2.0 * ua * (sp - ta), 0, q_max)
    q_heat = frac * need
    heater_kw = kw * people
    heaters_on = power & ~electric & (frac < 0.5)
    q_heater = np.where(heaters_on, np.minimum(heater_kw * 1e3, need - q_heat), 0.0)
    extra_mw = (q_heater + np.where(electric, q_heat, 0.0)) / 1e6
    q_w = frac * np.clip(
        ua_w * (sp - to) - gains + 2.0 * ua_w * (sp - ta_w), 0, ua_w * (sp - -22.0)
    )
    return q_heat + q_heater + gains, q_w + q_heater + gains, extra_mw


def test_heat_inputs_reproduce_first_version_runner():
    rng = np.random.default_rng(3)
    n = 200
    ua = rng.uniform(500, 9000, n)
    args = dict(
        ua=ua, ua_w=ua * 1.5, ta=rng.uniform(5, 22, n), ta_w=rng.uniform(2, 22, n), to=-17.0,
        frac=rng.choice([0.0, 0.3, 0.7, 1.0], n), people=rng.uniform(0, 200, n),
        area=rng.uniform(100, 6000, n), power=rng.random(n) < 0.6, electric=rng.random(n) < 0.1,
        sp=20.0, kw=0.5,
    )  # fmt: skip
    qa, qw, extra = _runner_first_version(**args)
    h = heat_inputs(
        args["ua"], args["ua_w"], args["ta"], args["ta_w"], args["to"], args["frac"],
        args["people"], args["area"], args["power"], args["electric"], args["sp"], args["kw"],
        mass_gain_fraction=0.0, radiator_mass_fraction=0.0,
    )  # fmt: skip
    np.testing.assert_allclose(h.q_air_w, qa, rtol=1e-12)
    np.testing.assert_allclose(h.q_air_worst_w, qw, rtol=1e-12)
    np.testing.assert_allclose(h.grid_extra_mw, extra, rtol=1e-12)
    assert (h.q_mass_w == 0).all()
    # the default split moves heat to the mass node but conserves the total
    d = heat_inputs(
        args["ua"], args["ua_w"], args["ta"], args["ta_w"], args["to"], args["frac"],
        args["people"], args["area"], args["power"], args["electric"], args["sp"], args["kw"],
    )  # fmt: skip
    np.testing.assert_allclose(d.q_air_w + d.q_mass_w, qa, rtol=1e-12)
    assert (d.q_mass_w > 0).any()


def test_person_and_degree_hours_by_hand():
    temp = np.array([[20.0, 15.0, 8.0], [17.0, 11.0, 4.0]])  # 2 steps x 3 buildings
    ppl = np.array([10.0, 20.0, 30.0])
    ph = person_hours_below(temp, ppl, 0.5)
    # below 18: step1 20+30, step2 10+20+30 -> 110 people x 0.5 h
    assert ph[0] == 55.0 and ph[2] == 0.5 * (30 + 20 + 30) and ph[4] == 15.0  # 18, 12, 5 degC
    dh = degree_hours_below(temp, ppl, 0.5)
    assert dh == pytest.approx(0.5 * (20 * 3 + 30 * 10 + 10 * 1 + 20 * 7 + 30 * 14))
    s = exposure_summary(temp, ppl, np.array([0.5, 0.0, 0.1]), 0.5)
    assert s["vulnerable_person_hours_below_12c"] == pytest.approx(0.5 * (3 + 0 + 3))
    assert s["person_hours_below_9c"] == ph[3]


def test_hours_to_below_interpolates_and_flags_never():
    temp = np.array([[20.0, 16.0, 12.0, 8.0], [20.0, 20.0, 20.0, 20.0], [10.0, 9.0, 8.0, 7.0]])
    h = hours_to_below(temp, np.array([18.0, 12.0, 11.0]), 1.0)
    assert h[0, 0] == pytest.approx(0.5) and h[0, 1] == pytest.approx(2.0)
    assert h[0, 2] == pytest.approx(2.25) and np.isnan(h[1]).all() and (h[2] == 0).all()
    assert hours_of_safety(temp, 2.0)[0] == pytest.approx(4.0)
    prev = np.array([np.nan, 3.0, np.nan])
    out = step_hours_to_below(prev, np.array([11.0, 11.0, 13.0]), 5.0, 12.0)
    assert out[0] == 5.0 and out[1] == 3.0 and np.isnan(out[2]) and np.isnan(prev[0])


def test_cooldown_is_monotone_ordered_and_keyed():
    c = cooldown("panel_9", -20.0, hours=96)
    assert list(c.hours_to_c) == [f"{t:g}" for t in COOLDOWN_THRESHOLDS_C]
    assert (np.diff(c.temp_air_c) < 0).all() and (c.temp_worst_c <= c.temp_air_c + 1e-9).all()
    reached = [v for v in c.hours_to_c.values() if v is not None]
    assert reached == sorted(reached)
    for k, v in c.worst_flat_hours_to_c.items():
        assert c.hours_to_c[k] is None or v <= c.hours_to_c[k]
    warm = cooldown("panel_9", 5.0, hours=48)
    assert warm.hours_to_c["0"] is None and warm.hours_to_drain_signal is None
    # residents' body heat slows the cooldown
    home = cooldown("panel_9", -20.0, hours=96, residents_home=True)
    assert home.hours_to_c["12"] > c.hours_to_c["12"]
    # an hourly series equal to a constant gives the constant's answer
    series = cooldown("panel_9", np.full(97, -20.0), hours=96)
    assert series.hours_to_c == c.hours_to_c


def test_person_hours_with_bands_kept_equal_the_plain_call():
    from coldstart.thermal.exposure import THRESHOLDS_C, person_hours_below, threshold_bands

    rng = np.random.default_rng(5)
    temp = np.round(rng.normal(13.0, 5.0, 3000), 1)
    temp[:20] = np.array(THRESHOLDS_C).repeat(4)  # on the thresholds: not below them
    for people in (rng.uniform(0, 300, 3000), rng.integers(0, 50, 3000)):
        bands = threshold_bands(temp)
        got = person_hours_below(temp, people, 1 / 6, bands=bands)
        assert got.tobytes() == person_hours_below(temp, people, 1 / 6).tobytes()


def test_threshold_bands_by_comparison_equal_the_binary_search():
    # long arrays take the comparison path; NaN, infinities and values on a threshold included
    from coldstart.thermal.exposure import BANDS_BY_COMPARISON, THRESHOLDS_C, threshold_bands

    rng = np.random.default_rng(0)
    temp = rng.normal(10.0, 8.0, BANDS_BY_COMPARISON + 5)
    temp[:9] = [np.nan, np.inf, -np.inf, 18.0, 16.0, 12.0, 9.0, 5.0, -0.0]
    thr = np.sort(np.asarray(THRESHOLDS_C))
    want = np.searchsorted(thr, temp, side="right")
    np.testing.assert_array_equal(threshold_bands(temp), want)
    np.testing.assert_array_equal(threshold_bands(temp.reshape(-1, 1)), want)
