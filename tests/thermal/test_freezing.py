"""Pipe water cooling and freezing against the Ukrainian engineers' figures [UA-HEAT-ENG-2026]."""

import numpy as np

from coldstart.thermal.freezing import (
    CIRCULATING_WATER_C,
    FREEZE_LATENT_KH,
    space_temp_c,
    step_water,
)


def _run(hours: float, temp_out_c: float, temp_air_c: float, dt_h: float = 1 / 6):
    tw = np.array([CIRCULATING_WATER_C])
    ice = np.zeros(1)
    t_zero = t_freeze = None
    for k in range(int(hours / dt_h)):
        tw, ice = step_water(
            tw, ice, np.array([False]), space_temp_c(temp_out_c, np.array([temp_air_c])), dt_h
        )
        t = (k + 1) * dt_h
        if t_zero is None and tw[0] <= 0.0:
            t_zero = t
        if t_freeze is None and ice[0] >= FREEZE_LATENT_KH:
            t_freeze = t
    return t_zero, t_freeze


def test_water_reaches_zero_in_6_to_8_h_at_minus_20():
    # Ukrainian engineers, 2026 [UA-HEAT-ENG-2026]: at -20 degC, water in building substation pipes
    # reaches 0 degC in 6-8 h and starts freezing in low parts after 12-18 h.
    t_zero, t_freeze = _run(48, -20.0, 15.0)
    assert 6.0 <= t_zero <= 8.0
    assert 12.0 <= t_freeze <= 18.0


def test_no_freezing_above_zero_and_circulation_keeps_warm():
    t_zero, t_freeze = _run(96, 5.0, 15.0)
    assert t_zero is None and t_freeze is None
    tw, ice = step_water(
        np.array([3.0]), np.array([50.0]), np.array([True]), np.array([-15.0]), 1.0
    )
    assert tw[0] == CIRCULATING_WATER_C and ice[0] == 0.0
