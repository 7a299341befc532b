"""Freezing of network pipes without circulation, and the time to restart a part.

Pure functions. A network part whose water stops moving cools toward its surroundings; buried
mains sit in soil above 0 degC (:data:`coldstart.heat.losses.GROUND_TEMP_WINTER_C`) and do not
freeze, pipes in air (overhead crossings, building inlets, unheated basements) do. The water of a
pipe is one thermal node (water and steel) losing heat through the pipe's insulation and
surroundings (:func:`coldstart.heat.losses.single_conductance_w_mk`); at 0 degC it must give up
the latent heat of the ice that blocks it.
"""

from __future__ import annotations

import numpy as np

from coldstart.heat.losses import pipe_dimensions

WATER_RHO_KG_M3 = 1000.0
"""Density of cold water [kg/m3]."""

WATER_CP_J_KGK = 4190.0
"""Specific heat of water [J/(kg K)]."""

STEEL_RHO_CP_J_M3K = 3.6e6
"""Volumetric heat capacity of steel [J/(m3 K)] (7850 kg/m3 x 460 J/(kg K))."""

ICE_LATENT_J_KG = 334e3
"""Latent heat of fusion of water [J/kg]."""

BLOCK_ICE_FRACTION = 0.5
"""Share of the water that must freeze before ice blocks the pipe and bursts it [-] (first
estimate; an ice plug forms long before the whole bore is frozen)."""

WALL_MM_PER_DN = 0.02
"""Steel wall thickness as a share of the outer diameter [-] (EN 10217 district heating pipes,
2-3 %)."""

EMERGENCY_MAKEUP_SHARE_PER_H = 0.02
"""Emergency make-up water: 2 % of the network's water volume per hour (SNiP 41-02-2003, 6.17:
emergency make-up of untreated water at 2 % of the volume of the heating network and the
connected systems). A drained part refills in volume / (0.02 x network volume) hours."""

WARMUP_K_PER_H = 30.0
"""Maximum heating rate of a network being brought back into service [K/h] (Russian/Ukrainian
operating rules for heat networks limit the warm-up to about 30 degC per hour)."""

THAW_H_PER_DN_M = 24.0
"""Hours to thaw a frozen pipe per metre of nominal diameter, with steam or heating cable
(first estimate: a DN 100 building inlet thaws in a few hours, a DN 500 main in about half a
day)."""


def water_volume_m3(dn_mm: np.ndarray, length_m: np.ndarray, pair: bool = True) -> np.ndarray:
    """Water held by pipes [m3] (the supply and return pair by default)."""
    steel, _ = pipe_dimensions(dn_mm)
    bore = steel * (1 - 2 * WALL_MM_PER_DN)
    return (2.0 if pair else 1.0) * np.pi / 4 * bore**2 * np.asarray(length_m, float)


def pipe_freeze_time_h(
    dn_mm: np.ndarray,
    conductance_w_mk: np.ndarray,
    temp_water_c: float | np.ndarray,
    temp_surround_c: float | np.ndarray,
) -> np.ndarray:
    """Hours from the stop of circulation until ice blocks each pipe (inf when it cannot).

    ``tau = C' / K'`` with ``C'`` the heat capacity of water and steel per metre and ``K'`` the
    conductance per metre; the water reaches 0 degC after ``tau ln((T0 - Ts) / (0 - Ts))``, then
    freezes :data:`BLOCK_ICE_FRACTION` of itself at the rate ``K' (0 - Ts)``.

    Parameters
    ----------
    dn_mm : numpy.ndarray
        Nominal diameter [mm].
    conductance_w_mk : numpy.ndarray
        One pipe to its surroundings [W/(m K)]
        (:func:`coldstart.heat.losses.single_conductance_w_mk`).
    temp_water_c : float or numpy.ndarray
        Water temperature when circulation stops [degC].
    temp_surround_c : float or numpy.ndarray
        Soil or air around the pipe [degC]; at or above 0 the pipe never freezes.

    Returns
    -------
    numpy.ndarray
        Freeze time [h].
    """
    steel, _ = pipe_dimensions(dn_mm)
    bore = steel * (1 - 2 * WALL_MM_PER_DN)
    a_water = np.pi / 4 * bore**2
    a_steel = np.pi / 4 * (steel**2 - bore**2)
    c = WATER_RHO_KG_M3 * WATER_CP_J_KGK * a_water + STEEL_RHO_CP_J_M3K * a_steel
    k = np.asarray(conductance_w_mk, float)
    ts = np.broadcast_to(np.asarray(temp_surround_c, float), k.shape)
    t0 = np.broadcast_to(np.asarray(temp_water_c, float), k.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        to_zero_s = c / k * np.log(np.maximum(t0 - ts, 1e-9) / np.maximum(-ts, 1e-9))
        ice_s = BLOCK_ICE_FRACTION * WATER_RHO_KG_M3 * ICE_LATENT_J_KG * a_water / (k * -ts)
    out = (np.maximum(to_zero_s, 0.0) + ice_s) / 3600.0
    return np.where(ts < 0.0, out, np.inf)


def part_freeze_time_h(pipe_part: np.ndarray, pipe_freeze_h: np.ndarray, n_part: int) -> np.ndarray:
    """Freeze time of each network part: its first pipe to freeze [h] (inf for none)."""
    out = np.full(n_part, np.inf)
    np.minimum.at(out, pipe_part, pipe_freeze_h)
    return out


def restart_duration_h(
    state: str,
    part_volume_m3: float,
    network_volume_m3: float,
    supply_temp_c: float = 70.0,
    start_temp_c: float = 5.0,
    breaks_dn_mm: np.ndarray | None = None,
    crews: int = 1,
) -> float:
    """Hours to bring a drained or frozen network part back to circulation at supply temperature.

    - ``"drained"``: refill at the emergency make-up rate
      (:data:`EMERGENCY_MAKEUP_SHARE_PER_H` of the whole network's volume per hour), then warm
      up at :data:`WARMUP_K_PER_H`;
    - ``"frozen"``: first thaw (:data:`THAW_H_PER_DN_M` x the largest DN broken) and repair
      every break (pipe-break repair norms by DN, ``data/pipe_repair_norms.csv``, shared by
      ``crews`` crews), then as drained.

    Parameters
    ----------
    state : {"drained", "frozen"}
    part_volume_m3, network_volume_m3 : float
        Water of the part, and of the whole network whose make-up plant refills it [m3].
    supply_temp_c, start_temp_c : float
        Target and starting water temperatures [degC].
    breaks_dn_mm : numpy.ndarray, optional
        Nominal diameter of every burst pipe in a frozen part.
    crews : int
        Repair crews working on the part.

    Returns
    -------
    float
        Duration [h].
    """
    if state not in ("drained", "frozen"):
        raise ValueError(f"state must be 'drained' or 'frozen', not {state!r}")
    refill = part_volume_m3 / (EMERGENCY_MAKEUP_SHARE_PER_H * max(network_volume_m3, 1e-9))
    warm = max(0.0, supply_temp_c - start_temp_c) / WARMUP_K_PER_H
    if state == "drained":
        return float(refill + warm)
    from coldstart.scenario.tables import pipe_norm_h

    dn = np.atleast_1d(np.asarray(breaks_dn_mm if breaks_dn_mm is not None else [], float))
    thaw = THAW_H_PER_DN_M * float(dn.max()) / 1000.0 if len(dn) else 0.0
    repair = sum(pipe_norm_h(float(d)) for d in dn) / max(crews, 1)
    return float(thaw + repair + refill + warm)
