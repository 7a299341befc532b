"""Heat into buildings: internal gains, the heating controller and electric heaters (pure).

Moved here from the runner (``simulate.py``) so that the runner, the cooldown tool and the tests
compute heat inputs the same way. With ``mass_gain_fraction=0`` these functions reproduce the
first-version runner exactly (all heat into the air node).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coldstart.heat.model import DESIGN_OUTDOOR_C

PERSON_GAIN_W = 90.0
"""Heat from one person at home [W] ([ISO7730]: ISO 7730 sedentary adult ~100 W
metabolic, of which ~90 W sensible)."""

APPLIANCE_GAIN_W_M2 = 2.0
"""Heat from appliances and lighting while a home has power [W per m2 floor] (ISO 13790 Annex G
residential internal gains, ~2-4 W/m2 incl. people)."""

HEAT_RECOVERY_GAIN = 2.0
"""Proportional gain of the heating control on the indoor deficit [-]: delivered heat rises by
``gain x UA x (setpoint - Ta)`` so cold flats recover, capped at the design output."""

MASS_GAIN_FRACTION = 0.5
"""Share of internal gains (people, appliances) that goes to the mass node [-] (GridLAB-D
``house_e`` ``mass_internal_gain_fraction`` default 0.5: the radiant part warms surfaces)."""

RADIATOR_MASS_FRACTION = 0.3
"""Share of the heating system's output that goes to the mass node [-]: the radiant share of
cast-iron and panel radiators, 0.2-0.4 (EN 15316-2 / ASHRAE Handbook Fundamentals 2017 ch. 18,
radiant fractions of hydronic radiators ~0.3). The rest heats the air by convection."""

WITHOUT_HEAT_FRACTION = 0.5
"""A building counts as without heat when it gets less than this share of its demand [-];
electric heaters are switched on below it (runner's first-version rule)."""


def internal_gains_w(
    people_home: np.ndarray, floor_area_m2: np.ndarray, has_power: np.ndarray
) -> np.ndarray:
    """Heat from residents at home and from appliances while powered [W].

    Parameters
    ----------
    people_home : numpy.ndarray
        People at home per building [-].
    floor_area_m2 : numpy.ndarray
        Heated floor area [m2].
    has_power : numpy.ndarray of bool
        Whether the building has electricity.
    """
    return PERSON_GAIN_W * np.asarray(people_home, float) + APPLIANCE_GAIN_W_M2 * np.asarray(
        floor_area_m2, float
    ) * np.asarray(has_power, bool)


def heat_need_w(
    ua_w_k: np.ndarray,
    temp_air_c: np.ndarray,
    temp_out_c: float,
    gains_w: np.ndarray,
    setpoint_c: float,
    design_outdoor_c: float = DESIGN_OUTDOOR_C,
    recovery_gain: float = HEAT_RECOVERY_GAIN,
) -> np.ndarray:
    """Heat the building's heating system would deliver with full supply [W].

    ``clip(UA (setpoint - To) - gains + k UA (setpoint - Ta), 0, UA (setpoint - To_design))``:
    the steady loss at the setpoint less free gains, plus proportional recovery of a cold
    interior, capped at the design output of the radiators.

    Parameters
    ----------
    ua_w_k : numpy.ndarray
        Heat loss coefficient [W/K].
    temp_air_c : numpy.ndarray
        Indoor air temperature [degC].
    temp_out_c : float
        Outdoor temperature [degC].
    gains_w : numpy.ndarray
        Internal gains [W].
    setpoint_c : float
        Indoor setpoint [degC].
    design_outdoor_c : float
        Design outdoor temperature [degC].
    recovery_gain : float
        Proportional gain on the indoor deficit [-].
    """
    q_max = ua_w_k * (setpoint_c - design_outdoor_c)
    # ua (setpoint - To) - gains + (k ua) (setpoint - Ta), in that order, into fewer arrays
    need = ua_w_k * (setpoint_c - temp_out_c)
    need -= gains_w
    recovery = recovery_gain * ua_w_k
    recovery *= np.subtract(setpoint_c, temp_air_c)
    need += recovery
    return np.clip(need, 0, q_max)


def heater_power_w(
    need_w: np.ndarray,
    q_heat_w: np.ndarray,
    people_home: np.ndarray,
    heater_kw_per_resident: float,
    has_power: np.ndarray,
    electric_heating: np.ndarray,
    heat_fraction: np.ndarray,
) -> np.ndarray:
    """Electric heaters residents switch on when they have power but (almost) no heat [W].

    On in powered buildings that are not electrically heated and get less than
    :data:`WITHOUT_HEAT_FRACTION` of their heat; each person at home runs
    ``heater_kw_per_resident``; never more than the unmet need.
    """
    on = has_power & ~electric_heating & (heat_fraction < WITHOUT_HEAT_FRACTION)
    cap = heater_kw_per_resident * 1e3 * np.asarray(people_home, float)
    return np.where(on, np.minimum(cap, need_w - q_heat_w), 0.0)


@dataclass(frozen=True)
class HeatInputs:
    """Heat into the two nodes of every building over one step, and what it costs the grid.

    Attributes
    ----------
    q_air_w, q_mass_w : building average, air and mass nodes [W]
    q_air_worst_w, q_mass_worst_w : worst flat (scaled to the building) [W]
    q_heat_w : heat delivered by the heating system (district or electric heating) [W]
    q_heater_w : electric heaters [W]
    gains_w : internal gains [W]
    grid_extra_mw : extra grid load: heaters plus electric heating [MW]
    """

    q_air_w: np.ndarray
    q_mass_w: np.ndarray
    q_air_worst_w: np.ndarray
    q_mass_worst_w: np.ndarray
    q_heat_w: np.ndarray
    q_heater_w: np.ndarray
    gains_w: np.ndarray
    grid_extra_mw: np.ndarray


def heat_inputs(
    ua_w_k: np.ndarray,
    ua_worst_w_k: np.ndarray,
    temp_air_c: np.ndarray,
    temp_air_worst_c: np.ndarray,
    temp_out_c: float,
    heat_fraction: np.ndarray,
    people_home: np.ndarray,
    floor_area_m2: np.ndarray,
    has_power: np.ndarray,
    electric_heating: np.ndarray,
    setpoint_c: float,
    heater_kw_per_resident: float,
    mass_gain_fraction: float = MASS_GAIN_FRACTION,
    radiator_mass_fraction: float = RADIATOR_MASS_FRACTION,
    design_outdoor_c: float = DESIGN_OUTDOOR_C,
    need_w: np.ndarray | None = None,
    gains_w: np.ndarray | None = None,
) -> HeatInputs:
    """All heat inputs of one step: the runner's heating block as one pure function.

    Parameters
    ----------
    ua_w_k, ua_worst_w_k : numpy.ndarray
        UA of the building average and of the worst flat (scaled to the building) [W/K].
    temp_air_c, temp_air_worst_c : numpy.ndarray
        Air temperatures at the start of the step [degC].
    temp_out_c : float
        Outdoor temperature [degC].
    heat_fraction : numpy.ndarray
        Share of its need the heating system can deliver (district supply share; power for
        electric and gas-fired individual heating) [-].
    people_home : numpy.ndarray
        People at home [-].
    floor_area_m2 : numpy.ndarray
        Heated floor area [m2].
    has_power, electric_heating : numpy.ndarray of bool
        Building has electricity; building is heated electrically.
    setpoint_c : float
        Indoor setpoint [degC].
    heater_kw_per_resident : float
        Electric heater power per person at home [kW].
    mass_gain_fraction : float
        Share of internal gains into the mass node [-]; 0 (with ``radiator_mass_fraction=0``)
        reproduces the first-version runner.
    radiator_mass_fraction : float
        Share of the heating system's output into the mass node [-]; heaters heat the air.
    design_outdoor_c : float
        Design outdoor temperature capping the heating output [degC].
    need_w : numpy.ndarray, optional
        :func:`heat_need_w` of the building average when the caller has it already (the
        runner computes it once per step, for the district network) [W].
    gains_w : numpy.ndarray, optional
        :func:`internal_gains_w` of these people, areas and power when the caller has it [W].

    Returns
    -------
    HeatInputs
    """
    gains = internal_gains_w(people_home, floor_area_m2, has_power) if gains_w is None else gains_w
    if need_w is None:
        need = heat_need_w(ua_w_k, temp_air_c, temp_out_c, gains, setpoint_c, design_outdoor_c)
    else:
        need = need_w
    q_heat = heat_fraction * need
    q_heater = heater_power_w(
        need, q_heat, people_home, heater_kw_per_resident, has_power, electric_heating,
        heat_fraction,
    )  # fmt: skip
    need_w = heat_need_w(
        ua_worst_w_k, temp_air_worst_c, temp_out_c, gains, setpoint_c, design_outdoor_c
    )
    q_heat_worst = heat_fraction * need_w
    g_air = (1.0 - mass_gain_fraction) * gains
    g_mass = mass_gain_fraction * gains
    f = radiator_mass_fraction
    # (1 - f) q_heat + q_heater + g_air, f q_heat + g_mass, ..., summed in that order
    q_air = (1.0 - f) * q_heat
    q_air += q_heater
    q_air += g_air
    q_mass = f * q_heat
    q_mass += g_mass
    q_air_worst = (1.0 - f) * q_heat_worst
    q_air_worst += q_heater
    q_air_worst += g_air
    q_heat_worst *= f
    q_heat_worst += g_mass
    grid_extra = np.where(electric_heating, q_heat, 0.0)
    grid_extra += q_heater
    grid_extra /= 1e6
    return HeatInputs(
        q_air_w=q_air,
        q_mass_w=q_mass,
        q_air_worst_w=q_air_worst,
        q_mass_worst_w=q_heat_worst,
        q_heat_w=q_heat,
        q_heater_w=q_heater,
        gains_w=gains,
        grid_extra_mw=grid_extra,
    )
