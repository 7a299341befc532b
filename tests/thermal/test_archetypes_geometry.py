"""Archetype RC parameters derived from geometry and envelope."""

import numpy as np
import pandas as pd
import pytest

from coldstart.thermal.archetypes import (
    H_MS_W_M2K,
    archetypes,
    building_rc,
    envelope_ua_w_k,
    mass_classes,
    rc_params,
    worst_flat_factor,
)
from coldstart.thermal.rc import RCStepper, fast_time_constant_h, slow_time_constant_h


def test_box_ua_by_hand():
    # A 10 m x 10 m, 2-storey box, 3 m storeys, 20 % windows: walls 40 m x 6 m = 240 m2
    # (48 windows, 192 wall), roof and floor 100 m2 each, 1 air change of 200 m2 x 2.78 m.
    ua, vol = envelope_ua_w_k(
        np.array([2]), np.array([200.0]), 3.0, 12.0, 0.2, 1.0, 2.0, 0.5, 1.0, 0.5, 0.5,
        0.1, 1.0,
    )  # fmt: skip
    h_tr = 192 * 1.0 + 48 * 2.0 + 100 * 0.5 + 0.5 * 0.5 * 100 + 0.1 * (240 + 200)
    h_ve = 1200.0 * 200 * (3.0 - 0.22) / 3600.0
    assert ua[0] == pytest.approx(h_tr + h_ve)
    assert vol[0] == pytest.approx(200 * 2.78)


def test_every_archetype_is_complete_and_plausible():
    arch = archetypes()
    assert set(arch) == {
        "panel_5", "panel_9", "panel_16", "brick_soviet", "monolith_modern", "house_private"
    }  # fmt: skip
    for a in arch.values():
        assert a.mass_class in mass_classes()
        assert a.source
    # [TABULA]: Soviet blocks lose 1.4-1.8 W/m2K per m2 of floor; our figure is per m2 of flats
    # (1.2-1.25x smaller than the conditioned floor); per conditioned floor it must be 1.4-2.2.
    for n in ("panel_5", "panel_9", "panel_16", "brick_soviet"):
        per_conditioned = arch[n].heat_loss_w_m2k / arch[n].conditioned_per_heated
        assert 1.4 <= per_conditioned <= 2.2, (n, per_conditioned)
    # an insulated modern block loses at most 2/3 of a Soviet panel block's heat per m2
    assert arch["monolith_modern"].heat_loss_w_m2k < 0.67 * arch["panel_9"].heat_loss_w_m2k


def test_building_rc_uses_floors_and_area_and_matches_rc_params():
    b = pd.DataFrame(
        {
            "archetype": ["panel_9", "panel_9", "panel_9", "house_private"],
            "floors": [9, 9, 12, 1],
            "floor_area_m2": [3300.0, 6600.0, 3300.0, 120.0],
        }
    )
    avg, worst = building_rc(b)
    # twice the area, same floors: capacities and coupling exactly double, UA a bit less
    assert avg.cm_j_k[1] == pytest.approx(2 * avg.cm_j_k[0])
    assert avg.hm_w_k[1] == pytest.approx(2 * avg.hm_w_k[0])
    assert 1.6 * avg.ua_w_k[0] < avg.ua_w_k[1] < 2 * avg.ua_w_k[0]
    # more floors on the same area: less roof, more facade -> a different UA
    assert avg.ua_w_k[2] != pytest.approx(avg.ua_w_k[0])
    assert worst.ua_w_k[0] > avg.ua_w_k[0] and worst.ua_w_k[3] == avg.ua_w_k[3]
    np.testing.assert_array_equal(worst.cm_j_k, avg.cm_j_k)
    old = rc_params(np.array(["panel_9"]), np.array([3300.0]))
    assert old.ua_w_k[0] == pytest.approx(avg.ua_w_k[0])
    f = worst_flat_factor(np.array(["panel_9"]))
    scaled = rc_params(np.array(["panel_9"]), np.array([3300.0]), f)
    assert scaled.ua_w_k[0] == pytest.approx(worst.ua_w_k[0])
    assert avg.hm_w_k[0] == pytest.approx(H_MS_W_M2K * 3.5 * 1.2 * 3300.0)
    with pytest.raises(KeyError):
        building_rc(b.assign(archetype=["nope", "panel_9", "panel_9", "panel_9"]))


def test_worst_flat_factor_in_engineering_range():
    # Corner/top flats of Soviet blocks need ~1.3-1.8x the heat per m2 of an average flat
    # (SNiP 2.04.05: corner rooms get +2 K design margin; two outer walls plus the roof).
    for n in ("panel_5", "panel_9", "panel_16", "brick_soviet", "monolith_modern"):
        assert 1.25 <= archetypes()[n].worst_flat_factor <= 1.9, n
    assert archetypes()["house_private"].worst_flat_factor == 1.0


def test_fast_mode_is_minutes_and_stepper_is_stable_for_long_steps():
    names = np.array(list(archetypes()))
    p = rc_params(names, np.full(len(names), 3000.0))
    fast = fast_time_constant_h(p)
    assert (fast < 0.5).all() and (slow_time_constant_h(p) > 20 * fast).all()
    # an hour-long step (longer than the fast mode) must not overshoot: exact, not explicit Euler
    s = RCStepper.build(p, 3600.0)
    a, m = s.step(np.full(len(names), 20.0), np.full(len(names), 20.0), -20.0, np.zeros(len(names)))
    assert ((a < 20.0) & (a > -20.0) & (m <= 20.0) & (m > a)).all()
