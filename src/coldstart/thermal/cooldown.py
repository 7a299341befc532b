"""Cooldown of one building after its heat stops: the physics behind ``coldstart cooldown``.

The typical building of an archetype (or any floors/floor area) starts in its heated steady state
at ``start_c``; at time 0 heat delivery stops. The building average and the worst flat then follow
the exact two-node step (:mod:`coldstart.thermal.rc`) with the outdoor series given, and with the
residents' body heat when they stay home (no power: no appliances, no heaters). The water in the
least protected pipes follows :mod:`coldstart.thermal.freezing` from the same air temperatures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coldstart.thermal.archetypes import RCParams, archetypes, rc_for
from coldstart.thermal.exposure import hours_to_below
from coldstart.thermal.freezing import hours_to_drain_signal, hours_to_freeze
from coldstart.thermal.heating import MASS_GAIN_FRACTION, PERSON_GAIN_W, RADIATOR_MASS_FRACTION
from coldstart.thermal.rc import RCStepper, slow_time_constant_h

COOLDOWN_THRESHOLDS_C = (18.0, 16.0, 12.0, 10.0, 5.0, 0.0)
"""Thresholds reported by ``coldstart cooldown`` [degC]: WHO 18, respiratory risk 16,
cardiovascular strain 12, Kyiv reports' +10, hypothermia risk 5, freezing 0 ([WHO-2018],
[COLLINS-1986], [KYIV-2026])."""

DEFAULT_DT_H = 1.0 / 6.0
"""Step of the cooldown computation [h] (the runner's default 10 minutes)."""


@dataclass(frozen=True)
class Cooldown:
    """Result of a cooldown computation.

    Attributes
    ----------
    hours : numpy.ndarray
        Time of each sample [h], starting at 0.
    temp_outdoor_c, temp_air_c, temp_mass_c, temp_worst_c : numpy.ndarray
        Outdoor, building-average air and mass, and worst-flat air temperature [degC].
    tau_h : float
        Slow time constant of the building [h].
    hours_to_c, worst_flat_hours_to_c : dict
        Hours until each threshold is first crossed, keyed "18", "16", ... (None: not reached).
    hours_to_drain_signal, hours_to_freeze : float or None
        Pipe water at +5 degC; ice in the least protected pipes (None: not reached).
    """

    hours: np.ndarray
    temp_outdoor_c: np.ndarray
    temp_air_c: np.ndarray
    temp_mass_c: np.ndarray
    temp_worst_c: np.ndarray
    tau_h: float
    hours_to_c: dict[str, float | None]
    worst_flat_hours_to_c: dict[str, float | None]
    hours_to_drain_signal: float | None
    hours_to_freeze: float | None

    def to_json(self) -> dict:
        """The JSON document of ``coldstart cooldown --json``."""
        return {
            "tau_h": round(self.tau_h, 2),
            "hours_to_c": self.hours_to_c,
            "worst_flat_hours_to_c": self.worst_flat_hours_to_c,
            "hours_to_drain_signal": self.hours_to_drain_signal,
            "hours_to_freeze": self.hours_to_freeze,
        }


def free_cooldown(
    avg: RCParams,
    worst: RCParams,
    temp_out_c: np.ndarray,
    dt_h: float,
    start_c: float = 20.0,
    gains_w: float = 0.0,
    mass_gain_fraction: float = MASS_GAIN_FRACTION,
    radiator_mass_fraction: float = RADIATOR_MASS_FRACTION,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Air (average and worst flat) and mass temperatures of one building with no heating.

    Parameters
    ----------
    avg, worst : RCParams
        One building's parameters (arrays of length 1).
    temp_out_c : numpy.ndarray
        Outdoor temperature of each step [degC], shape (steps,).
    dt_h : float
        Step [h].
    start_c : float
        Air temperature when heat stops [degC]. Before that the building was in its heated
        steady state at ``start_c`` with the first outdoor value: radiators delivering
        ``UA (start_c - To) - gains``, ``radiator_mass_fraction`` of it into the mass, which
        therefore starts warmer than the air.
    gains_w : float
        Internal gains during the cooldown (and before) [W].
    mass_gain_fraction : float
        Share of the gains into the mass node [-].
    radiator_mass_fraction : float
        Radiant share of the heating before the stop [-].

    Returns
    -------
    tuple of numpy.ndarray
        Average air, mass and worst-flat air temperatures, shape (steps + 1,), from time 0.
    """
    both = RCParams(*(np.concatenate([a, b]) for a, b in zip(
        (avg.ua_w_k, avg.hm_w_k, avg.ca_j_k, avg.cm_j_k),
        (worst.ua_w_k, worst.hm_w_k, worst.ca_j_k, worst.cm_j_k), strict=True)))  # fmt: skip
    stepper = RCStepper.build(both, dt_h * 3600.0)
    q_mass = np.full(2, mass_gain_fraction * gains_w)
    q_air = np.full(2, (1.0 - mass_gain_fraction) * gains_w)
    ta = np.full(2, float(start_c))
    q_before = np.maximum(0.0, both.ua_w_k * (start_c - float(temp_out_c[0])) - gains_w)
    # heated steady state: the mass sheds its radiant heat and gains to the air
    tm = ta + (q_mass + radiator_mass_fraction * q_before) / both.hm_w_k
    n = len(temp_out_c)
    out = np.empty((n + 1, 3))
    out[0] = ta[0], tm[0], ta[1]
    for k in range(n):
        ta, tm = stepper.step(ta, tm, float(temp_out_c[k]), q_air, q_mass)
        out[k + 1] = ta[0], tm[0], ta[1]
    return out[:, 0], out[:, 1], out[:, 2]


def cooldown(
    archetype: str,
    temp_out_c: float | np.ndarray,
    hours: float = 168.0,
    start_c: float = 20.0,
    residents_home: bool = False,
    floors: int | None = None,
    floor_area_m2: float | None = None,
    dt_h: float = DEFAULT_DT_H,
) -> Cooldown:
    """Cool the typical building of ``archetype`` from ``start_c`` with no heating.

    Parameters
    ----------
    archetype : str
        Archetype name (``coldstart archetypes``).
    temp_out_c : float or numpy.ndarray
        Constant outdoor temperature, or hourly values from hour 0 (held after the last) [degC].
    hours : float
        Horizon [h].
    start_c : float
        Indoor temperature when the heat stops [degC].
    residents_home : bool
        Residents stay home and their body heat (:data:`PERSON_GAIN_W` each) warms the building;
        no power, so no appliances or heaters.
    floors, floor_area_m2 : optional
        Override the archetype's typical building.
    dt_h : float
        Step [h].

    Returns
    -------
    Cooldown

    Raises
    ------
    KeyError
        Unknown archetype.
    """
    arch = archetypes()[archetype]
    floors = arch.floors if floors is None else floors
    area = arch.floor_area_m2 if floor_area_m2 is None else floor_area_m2
    avg, worst = rc_for(np.array([archetype]), np.array([floors]), np.array([area]))
    steps = int(round(hours / dt_h))
    t = np.arange(steps + 1) * dt_h
    if np.ndim(temp_out_c) == 0:
        outdoor = np.full(steps + 1, float(temp_out_c))
    else:
        series = np.asarray(temp_out_c, dtype=float)
        outdoor = np.interp(t, np.arange(len(series)), series)
    gains = PERSON_GAIN_W * float(arch.residents(area)) if residents_home else 0.0
    ta, tm, tw = free_cooldown(avg, worst, outdoor[:-1], dt_h, start_c, gains)
    keys = [f"{c:g}" for c in COOLDOWN_THRESHOLDS_C]
    to_c = hours_to_below(ta[None, :], np.array(COOLDOWN_THRESHOLDS_C), dt_h)[0]
    to_w = hours_to_below(tw[None, :], np.array(COOLDOWN_THRESHOLDS_C), dt_h)[0]
    rnd = lambda x: None if np.isnan(x) else round(float(x), 2)  # noqa: E731
    return Cooldown(
        hours=t,
        temp_outdoor_c=outdoor,
        temp_air_c=ta,
        temp_mass_c=tm,
        temp_worst_c=tw,
        tau_h=float(slow_time_constant_h(avg)[0]),
        hours_to_c={k: rnd(v) for k, v in zip(keys, to_c, strict=True)},
        worst_flat_hours_to_c={k: rnd(v) for k, v in zip(keys, to_w, strict=True)},
        hours_to_drain_signal=hours_to_drain_signal(outdoor[:-1], ta[:-1], dt_h),
        hours_to_freeze=hours_to_freeze(outdoor[:-1], ta[:-1], dt_h),
    )
