"""Water in a building's least protected heating pipes: cooling, drain signal, freezing.

Water freezes first in stairwells, basements, building substations and outdoor branches, not in
flats [UA-HEAT-ENG-2026]. The least protected pipe sits in a space whose
temperature lies between outdoors and the flats; with no circulation its water cools toward
that space's temperature as a single RC node, then freezes once enough latent heat is gone.
"""

from __future__ import annotations

import numpy as np

SPACE_INDOOR_WEIGHT = 0.25
"""Weight of the flats' temperature in the unheated space around the pipes [-].

Stairwell/basement temperature = To + 0.25 (Ta - To): unheated stairwells of Soviet blocks sit
much nearer outdoor than indoor temperature in frost (first estimate; issue 3 calibrates)."""

CIRCULATING_WATER_C = 40.0
"""Temperature of circulating water in the building's system [degC] (reduced-temperature
schedule return water, Kharkiv Dec 2025 practice of keeping circulation at low supply temp)."""

WATER_TAU_H = 4.6
"""Time constant of water in the least protected pipes [h]. Calibrated so that water at 40 degC
reaches 0 degC in 7 h at -20 degC outdoors with flats at ~15 degC (space at -11 degC):
40 -> 0 toward -11.25 takes 4.6 h x ln(51.25 / 11.25) = 7.0 h; Ukrainian engineers, 2026:
6-8 h [UA-HEAT-ENG-2026]."""

FREEZE_LATENT_KH = 90.0
"""Cold (K h below 0 degC of the surrounding space) the pipe water must lose after reaching
0 degC before ice blocks it [K h]. At -20 degC outdoors the space is about -11 degC, so
freezing starts ~8 h after the water reaches 0 degC, 15 h after circulation stops; Ukrainian
engineers, 2026: freezing starts in low parts after 12-18 h [UA-HEAT-ENG-2026]."""

DRAIN_SIGNAL_C = 5.0
"""Kyiv's rule: drain the system when its water falls to +5 degC with no circulation."""


def space_temp_c(temp_out_c: float, temp_air_c: np.ndarray) -> np.ndarray:
    """Temperature of the unheated space around the least protected pipes [degC]."""
    return temp_out_c + SPACE_INDOOR_WEIGHT * (temp_air_c - temp_out_c)


def step_water(
    temp_water_c: np.ndarray,
    ice_kh: np.ndarray,
    circulating: np.ndarray,
    space_c: np.ndarray,
    dt_h: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Advance the pipe water one step.

    Parameters
    ----------
    temp_water_c : numpy.ndarray
        Water temperature [degC].
    ice_kh : numpy.ndarray
        Latent cold accumulated at 0 degC [K h].
    circulating : numpy.ndarray of bool
        Whether warm water circulates (heat delivered).
    space_c : numpy.ndarray
        Temperature around the pipes [degC].
    dt_h : float
        Step [h].

    Returns
    -------
    tuple of numpy.ndarray
        New water temperature [degC] and latent cold [K h]. Inputs are not modified.
    """
    decay = np.exp(-dt_h / WATER_TAU_H)
    # in place on two new arrays (a week of a large city calls this at every step):
    # temp = space + (water - space) * decay, 0 where it reached 0 degC in a space below 0;
    # ice grows by the space's cold below 0 degC while the water sits at 0 degC, else 0
    new_temp = np.subtract(temp_water_c, space_c)
    new_temp *= decay
    new_temp += space_c
    at_zero = new_temp <= 0.0
    new_ice = np.negative(space_c)
    np.maximum(0.0, new_ice, out=new_ice)
    new_ice *= dt_h
    new_ice += ice_kh
    np.copyto(new_temp, 0.0, where=at_zero & (space_c < 0.0))
    np.copyto(new_temp, CIRCULATING_WATER_C, where=circulating)
    np.copyto(new_ice, 0.0, where=~at_zero | circulating)
    return new_temp, new_ice


def hours_to_freeze_now(
    temp_water_c: np.ndarray, ice_kh: np.ndarray, space_c: np.ndarray
) -> np.ndarray:
    """Hours until ice blocks the least protected pipes if circulation stays off and the space
    around them stays at ``space_c`` [h] (closed form of :func:`step_water`; ``inf`` when the
    space is not below 0 degC).

    Parameters
    ----------
    temp_water_c : numpy.ndarray
        Water temperature now [degC].
    ice_kh : numpy.ndarray
        Latent cold already lost at 0 degC [K h].
    space_c : numpy.ndarray
        Temperature around the pipes [degC].
    """
    s = np.minimum(np.asarray(space_c, float), -1e-9)
    tw = np.asarray(temp_water_c, float)
    to_zero = np.where(tw > 0.0, WATER_TAU_H * np.log(np.maximum(tw - s, 1e-12) / -s), 0.0)
    latent = np.maximum(FREEZE_LATENT_KH - np.asarray(ice_kh, float), 0.0) / -s
    return np.where(np.asarray(space_c, float) < 0.0, to_zero + latent, np.inf)


def water_after_stop(
    temp_out_c: np.ndarray, temp_air_c: np.ndarray, dt_h: float
) -> tuple[np.ndarray, np.ndarray]:
    """Pipe water temperature and latent cold after circulation stops at time 0.

    Parameters
    ----------
    temp_out_c : numpy.ndarray
        Outdoor temperature of each step [degC], shape (steps,).
    temp_air_c : numpy.ndarray
        Building-average air temperature of each step [degC], shape (steps,).
    dt_h : float
        Step [h].

    Returns
    -------
    tuple of numpy.ndarray
        Water temperature [degC] and latent cold [K h] at the end of each step, shape (steps,).
    """
    tw = np.array([CIRCULATING_WATER_C])
    ice = np.zeros(1)
    stop = np.array([False])
    temps = np.empty(len(temp_out_c))
    lat = np.empty(len(temp_out_c))
    for k, (to, ta) in enumerate(zip(temp_out_c, temp_air_c, strict=True)):
        tw, ice = step_water(tw, ice, stop, space_temp_c(float(to), np.array([ta])), dt_h)
        temps[k], lat[k] = tw[0], ice[0]
    return temps, lat


def hours_to_drain_signal(
    temp_out_c: np.ndarray, temp_air_c: np.ndarray, dt_h: float
) -> float | None:
    """Hours after circulation stops until the water reaches the +5 degC drain signal.

    Kyiv's rule [UA-HEAT-ENG-2026]: drain at system water +5 degC. Same model as the runner
    (:func:`step_water`). ``None`` when not reached within the series.
    """
    temps, _ = water_after_stop(temp_out_c, temp_air_c, dt_h)
    hit = np.flatnonzero(temps <= DRAIN_SIGNAL_C)
    return None if len(hit) == 0 else float((hit[0] + 1) * dt_h)


def hours_to_freeze(temp_out_c: np.ndarray, temp_air_c: np.ndarray, dt_h: float) -> float | None:
    """Hours after circulation stops until ice blocks the least protected pipes.

    Freezing starts once the water, held at 0 degC, has lost :data:`FREEZE_LATENT_KH` of cold.
    ``None`` when not reached within the series.
    """
    _, lat = water_after_stop(temp_out_c, temp_air_c, dt_h)
    hit = np.flatnonzero(lat >= FREEZE_LATENT_KH)
    return None if len(hit) == 0 else float((hit[0] + 1) * dt_h)
