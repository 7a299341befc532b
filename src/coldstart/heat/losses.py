"""Heat losses of district heating pipes: per pipe, by diameter, length, insulation, surroundings.

A heat pipe in the city tables is a supply-and-return pair. Buried pairs lose heat through their
insulation and the soil, with the two pipes' mutual influence (Wallenten's multipole formula
as used by EN 13941-1); pipes in air lose through their insulation and the outer air film.
Pure functions on numpy arrays; the tables of pipe dimensions and insulation conductivities are
data files with their sources (``data/heat_pipe_dimensions.csv``, ``data/heat_insulation.csv``).

References
----------
- P. Wallenten, "Steady-state heat loss from insulated pipes", Lund University, 1991; the same
  resistances appear in EN 13941-1:2019 annex (twin single pipes in the ground).
- EN 253:2019, pre-insulated bonded pipe systems: steel and casing diameters, insulation series 1.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

import numpy as np

GROUND_TEMP_WINTER_C = 2.0
"""Undisturbed soil temperature at pipe depth (0.8-1.5 m) in a Kyiv January [degC]. Soil at
0.8 m stays around +1..+3 degC through the winter in central Ukraine (regional climate normals of
soil temperature; first estimate): buried mains lose heat but do not freeze."""

SOIL_LAMBDA_W_MK = 1.5
"""Thermal conductivity of moist soil [W/(m K)] (EN 13941-1 default range 1.0-2.0)."""

BURIAL_DEPTH_M = 1.0
"""Depth of the pipe axis below the surface [m] (0.6-0.8 m cover plus the casing radius; EN 13941
and Ukrainian DBN V.2.5-39 minimum cover 0.5-0.7 m)."""

PIPE_SPACING_FACTOR = 1.0
"""Clear spacing between supply and return casings, in casing diameters (centre distance =
(1 + factor) x casing OD) [-]; installation guides give 0.15-0.25 m or about one diameter."""

AIR_FILM_W_M2K = 15.0
"""Outer heat transfer coefficient of an above-ground pipe in winter wind [W/(m2 K)]
(ISO 12241: 10-25 W/(m2 K) for outdoor surfaces)."""

DESIGN_SUPPLY_C = 110.0
"""Supply temperature at the design outdoor temperature [degC]. Ukrainian networks are designed
for 150/70 but run far lower in practice ([UA-HEAT-ENG-2026]: ~110-115 degC at best in recent
winters; first estimate)."""

DESIGN_RETURN_C = 60.0
"""Return temperature at the design outdoor temperature [degC] (first estimate, as above)."""

MIN_SUPPLY_C = 70.0
"""Supply temperature floor kept for domestic hot water (break of the heating curve) [degC]."""

MIN_RETURN_C = 45.0
"""Return temperature at the break of the heating curve [degC] (first estimate)."""


@cache
def _csv(name: str) -> list[dict[str, str]]:
    with resources.files("coldstart.data").joinpath(name).open() as f:
        return list(csv.DictReader(f))


def pipe_dimensions(dn_mm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Steel and casing outer diameters of each pipe [m] (EN 253, series 1).

    A DN between two table rows takes the next larger row; beyond the table, the largest row
    scaled by ``dn / dn_max``.

    Parameters
    ----------
    dn_mm : numpy.ndarray
        Nominal diameter [mm].

    Returns
    -------
    steel_od_m, casing_od_m : numpy.ndarray
    """
    rows = _csv("heat_pipe_dimensions.csv")
    dn_t = np.array([float(r["dn_mm"]) for r in rows])
    steel = np.array([float(r["steel_od_mm"]) for r in rows]) / 1000.0
    casing = np.array([float(r["casing_od_mm"]) for r in rows]) / 1000.0
    dn = np.asarray(dn_mm, dtype=float)
    k = np.minimum(np.searchsorted(dn_t, dn - 1e-9), len(dn_t) - 1)
    scale = np.maximum(1.0, dn / dn_t[-1])
    return steel[k] * scale, casing[k] * scale


def insulation_lambda_w_mk(insulation: str | np.ndarray) -> np.ndarray:
    """Thermal conductivity of an insulation class [W/(m K)] (``data/heat_insulation.csv``).

    Raises
    ------
    KeyError
        For an unknown class (the message lists the known ones).
    """
    table = {r["insulation"]: float(r["lambda_w_mk"]) for r in _csv("heat_insulation.csv")}
    names = np.atleast_1d(np.asarray(insulation, dtype=object))
    unknown = sorted(set(names.tolist()) - set(table))
    if unknown:
        raise KeyError(f"unknown insulation {unknown}; known: {sorted(table)}")
    return np.array([table[n] for n in names])


def pair_conductance_w_mk(
    dn_mm: np.ndarray,
    insulation: str | np.ndarray = "preinsulated_pur",
    buried: bool | np.ndarray = True,
) -> np.ndarray:
    """Heat loss of a supply-return pair per metre and per kelvin of mean excess [W/(m K)].

    The pair loses ``G * (T_supply + T_return - 2 T_surround)`` per metre, with
    ``G = 1 / (R_ins + R_out + R_mutual)`` (Wallenten 1991; EN 13941-1):

    - ``R_ins = ln(D_casing / D_steel) / (2 pi lambda_ins)``
    - buried: ``R_out = ln(4 H / D_casing) / (2 pi lambda_soil)``,
      ``R_mutual = ln(sqrt(1 + (2 H / E)^2)) / (2 pi lambda_soil)``
    - in air: ``R_out = 1 / (pi D_casing h_air)``, ``R_mutual = 0``

    Parameters
    ----------
    dn_mm : numpy.ndarray
        Nominal diameter [mm].
    insulation : str or numpy.ndarray of str
        Class in ``data/heat_insulation.csv``.
    buried : bool or numpy.ndarray of bool
        In the ground (else above ground, in air).

    Returns
    -------
    numpy.ndarray
        ``G`` [W/(m K)] per pipe (the pair, both pipes).

    Examples
    --------
    >>> round(float(pair_conductance_w_mk(np.array([100.0]))[0]), 3)
    0.264
    """
    steel, casing = pipe_dimensions(dn_mm)
    lam = insulation_lambda_w_mk(insulation)
    r_ins = np.log(casing / steel) / (2 * np.pi * lam)
    h = np.maximum(BURIAL_DEPTH_M, casing)
    e = (1.0 + PIPE_SPACING_FACTOR) * casing
    r_soil = np.log(4 * h / casing) / (2 * np.pi * SOIL_LAMBDA_W_MK)
    r_mut = np.log(np.sqrt(1 + (2 * h / e) ** 2)) / (2 * np.pi * SOIL_LAMBDA_W_MK)
    r_air = 1.0 / (np.pi * casing * AIR_FILM_W_M2K)
    buried = np.asarray(buried, dtype=bool)
    return 1.0 / (r_ins + np.where(buried, r_soil + r_mut, r_air))


def single_conductance_w_mk(
    dn_mm: np.ndarray,
    insulation: str | np.ndarray = "preinsulated_pur",
    buried: bool | np.ndarray = True,
) -> np.ndarray:
    """Heat loss of one pipe per metre and kelvin to its surroundings [W/(m K)].

    ``1 / (R_ins + R_out)`` with the resistances of :func:`pair_conductance_w_mk` (no mutual
    term): what a single pipe full of standing water loses while it cools.
    """
    steel, casing = pipe_dimensions(dn_mm)
    lam = insulation_lambda_w_mk(insulation)
    r_ins = np.log(casing / steel) / (2 * np.pi * lam)
    h = np.maximum(BURIAL_DEPTH_M, casing)
    r_soil = np.log(4 * h / casing) / (2 * np.pi * SOIL_LAMBDA_W_MK)
    r_air = 1.0 / (np.pi * casing * AIR_FILM_W_M2K)
    return 1.0 / (r_ins + np.where(np.asarray(buried, dtype=bool), r_soil, r_air))


def pipe_heat_loss_mw_th(
    length_m: np.ndarray,
    conductance_w_mk: np.ndarray,
    temp_supply_c: float | np.ndarray,
    temp_return_c: float | np.ndarray,
    temp_surround_c: float | np.ndarray,
) -> np.ndarray:
    """Heat lost by each supply-return pair [MW_th].

    ``L * G * (T_s + T_r - 2 T_surround)``, never negative.

    Parameters
    ----------
    length_m : numpy.ndarray
        Route length of each pair [m].
    conductance_w_mk : numpy.ndarray
        From :func:`pair_conductance_w_mk` [W/(m K)].
    temp_supply_c, temp_return_c : float or numpy.ndarray
        Water temperatures [degC] (:func:`heating_curve_c`).
    temp_surround_c : float or numpy.ndarray
        Soil (buried, :data:`GROUND_TEMP_WINTER_C`) or outdoor air temperature [degC].
    """
    dt = np.asarray(temp_supply_c) + np.asarray(temp_return_c) - 2 * np.asarray(temp_surround_c)
    return np.maximum(0.0, np.asarray(length_m) * conductance_w_mk * dt) / 1e6


def pipe_wall_loss_mw_th(
    length_m: np.ndarray,
    u_w_m2k: np.ndarray,
    outer_diameter_m: np.ndarray,
    temp_fluid_c: np.ndarray,
    temp_surround_c: float | np.ndarray,
) -> np.ndarray:
    """Heat lost by single pipes with a given wall heat transfer coefficient [MW_th].

    ``U * pi * D_outer * L * (T_fluid - T_surround)``: the pipe model of pandapipes
    (``u_w_per_m2k`` over the outer surface), evaluated at one fluid temperature per pipe.
    """
    dt = np.asarray(temp_fluid_c) - np.asarray(temp_surround_c)
    return np.asarray(u_w_m2k) * np.pi * outer_diameter_m * np.asarray(length_m) * dt / 1e6


def heating_curve_c(temp_out_c: float, design_outdoor_c: float = -22.0) -> tuple[float, float]:
    """Supply and return temperatures of the network at an outdoor temperature [degC].

    Linear between the design point (:data:`DESIGN_SUPPLY_C`/:data:`DESIGN_RETURN_C` at
    ``design_outdoor_c``) and +8 degC outdoors (the end of the heating season in Ukraine), floored
    at :data:`MIN_SUPPLY_C`/:data:`MIN_RETURN_C` for hot water.

    Examples
    --------
    >>> heating_curve_c(-22.0)
    (110.0, 60.0)
    """
    x = float(np.clip((8.0 - temp_out_c) / (8.0 - design_outdoor_c), 0.0, 1.0))
    return (
        max(MIN_SUPPLY_C, 20.0 + x * (DESIGN_SUPPLY_C - 20.0)),
        max(MIN_RETURN_C, 20.0 + x * (DESIGN_RETURN_C - 20.0)),
    )
