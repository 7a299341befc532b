"""Building archetypes: two-node RC parameters derived from geometry, envelope and mass.

Each archetype in ``coldstart/data/archetypes.toml`` (values and sources there) describes a typical
building: storey height, section depth, window share, U-values, air changes and mass. For a building
with ``floors`` storeys and ``floor_area_m2`` of flats (the buildings table), the RC parameters are:

- conditioned area ``A_c = conditioned_per_heated x floor_area_m2`` (ISO 13790's A_f);
- footprint ``A_c / floors``; depth ``d = min(depth_m, sqrt(footprint))``; length ``footprint / d``;
  facade ``2 (length + d) x floors x storey_height_m``, of which ``window_share`` is windows;
- transmission ``H_tr = U_wall A_wall + U_win A_win + b_roof U_roof A_fp + b_floor U_floor A_fp
  + dU_tb (A_wall + A_win + 2 A_fp)`` (EN ISO 13789, simplified thermal bridges EN ISO 14683);
- ventilation ``H_ve = rho_a c_a n V / 3600`` with ``rho_a c_a = 1200 J/(m3 K)`` and
  ``V = A_c (storey_height_m - slab)`` (ISO 13790 eq. 21);
- ``UA = H_tr + H_ve``; ``Hm = h_ms Am`` with ``h_ms = 9.1 W/(m2 K)`` and ``Am`` per the ISO 13790
  mass class (Table 12); ``Cm = cm_kj_m2k x A_c`` (multi-day capacity, see the data file);
  ``Ca = 3 rho_a c_a V`` (GridLAB-D ``house_e``: air plus furniture and surface effects).

The worst flat is a top-floor corner flat: two external walls (its facade width and half the
depth), the roof over all its area, the same air changes, mass and gains per m2. Its RC parameters
are expressed for a whole building of such flats (``UA_worst = ua_flat_per_m2 x A_c``) so that the
building's gains and heaters apply unchanged.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from functools import cache
from importlib import resources
from io import StringIO

import numpy as np
import pandas as pd

H_MS_W_M2K = 9.1
"""Heat transfer coefficient between air and mass surfaces [W/(m2 K)], ISO 13790:2008 eq. 64."""

RHO_C_AIR_J_M3K = 1200.0
"""Volumetric heat capacity of air [J/(m3 K)], ISO 13790:2008 section 9.3.1."""

AIR_NODE_MULTIPLIER = 3.0
"""Air node capacity as a multiple of the air's own [-]: GridLAB-D ``house_e`` sets
``air_thermal_mass = 3 x air_heat_capacity x air_mass`` (furniture and surface effects)."""

SLAB_M = 0.22
"""Slab thickness subtracted from the storey height to get the room height [m] (Soviet hollow-core
slabs 220 mm; TABULA)."""


@dataclass(frozen=True)
class MassClass:
    """ISO 13790:2008 Table 12 mass class: effective mass area and diurnal capacity per m2 floor."""

    name: str
    am_per_af: float
    cm_kj_m2k: float
    example: str
    source: str


@cache
def mass_classes() -> dict[str, MassClass]:
    """ISO 13790 mass classes from ``data/thermal_mass_classes.csv``, keyed by name."""
    text = resources.files("coldstart.data").joinpath("thermal_mass_classes.csv").read_text()
    df = pd.read_csv(StringIO(text))
    return {
        r.mass_class: MassClass(r.mass_class, float(r.am_per_af), float(r.cm_kj_m2k), r.example,
                                r.source)
        for r in df.itertuples()
    }  # fmt: skip


@dataclass(frozen=True)
class Archetype:
    """Geometry, envelope and mass of one archetype (fields as in ``data/archetypes.toml``).

    Attributes
    ----------
    floors, floor_area_m2 : typical building [-], [m2 of flats]
    flat_area_m2 : mean flat area [m2]
    residents_per_flat : [-]
    conditioned_per_heated : conditioned floor area per m2 of flats [-]
    storey_height_m, depth_m : [m]
    window_share : windows per gross facade [-]
    u_wall_w_m2k, u_window_w_m2k, u_roof_w_m2k, u_floor_w_m2k : U-values [W/(m2 K)]
    b_roof, b_floor : temperature adjustment factors [-]
    thermal_bridge_w_m2k : surcharge on all envelope areas [W/(m2 K)]
    air_changes_h : [1/h]
    mass_class : ISO 13790 class name
    cm_kj_m2k : multi-day heat capacity per m2 conditioned floor [kJ/(m2 K)]
    """

    name: str
    description: str
    floors: int
    floor_area_m2: float
    flat_area_m2: float
    residents_per_flat: float
    conditioned_per_heated: float
    storey_height_m: float
    depth_m: float
    window_share: float
    u_wall_w_m2k: float
    u_window_w_m2k: float
    u_roof_w_m2k: float
    b_roof: float
    u_floor_w_m2k: float
    b_floor: float
    thermal_bridge_w_m2k: float
    air_changes_h: float
    mass_class: str
    cm_kj_m2k: float
    source: str

    def typical_rc(self) -> tuple[RCParams, RCParams]:
        """RC parameters of the typical building and of its worst flat (arrays of length 1)."""
        return rc_for(
            np.array([self.name]), np.array([self.floors]), np.array([self.floor_area_m2])
        )

    @property
    def heat_loss_w_m2k(self) -> float:
        """UA of the typical building per m2 of flats [W/(m2 K)] (design heat demand basis)."""
        return float(self.typical_rc()[0].ua_w_k[0] / self.floor_area_m2)

    @property
    def worst_flat_factor(self) -> float:
        """UA of the worst (top corner) flat relative to the typical building's, per m2 [-]."""
        avg, worst = self.typical_rc()
        return float(worst.ua_w_k[0] / avg.ua_w_k[0])

    def tau_h(self) -> float:
        """Slow time constant of the typical building [h]."""
        from coldstart.thermal.rc import slow_time_constant_h

        return float(slow_time_constant_h(self.typical_rc()[0])[0])

    def residents(self, floor_area_m2: float | np.ndarray) -> float | np.ndarray:
        """Expected residents of a building of this archetype with that flat area [-]."""
        return np.asarray(floor_area_m2, dtype=float) / self.flat_area_m2 * self.residents_per_flat


@cache
def archetypes() -> dict[str, Archetype]:
    """All archetypes from the packaged data file, keyed by name."""
    raw = tomllib.loads(resources.files("coldstart.data").joinpath("archetypes.toml").read_text())
    names = {f.name for f in fields(Archetype)}
    out = {}
    for name, vals in raw.items():
        extra = set(vals) - names
        if extra:
            raise ValueError(f"archetypes.toml [{name}]: unknown keys {sorted(extra)}")
        if vals["mass_class"] not in mass_classes():
            raise ValueError(f"archetypes.toml [{name}]: unknown mass_class {vals['mass_class']}")
        out[name] = Archetype(name=name, **vals)
    return out


@dataclass(frozen=True)
class RCParams:
    """Two-node RC parameters of N buildings (arrays of shape (N,)).

    Attributes
    ----------
    ua_w_k : heat loss coefficient air-outdoor [W/K]
    hm_w_k : coupling air-mass [W/K]
    ca_j_k : air node capacity [J/K]
    cm_j_k : mass node capacity [J/K]
    """

    ua_w_k: np.ndarray
    hm_w_k: np.ndarray
    ca_j_k: np.ndarray
    cm_j_k: np.ndarray


def envelope_ua_w_k(
    floors: np.ndarray,
    conditioned_m2: np.ndarray,
    storey_height_m: np.ndarray,
    depth_m: np.ndarray,
    window_share: np.ndarray,
    u_wall_w_m2k: np.ndarray,
    u_window_w_m2k: np.ndarray,
    u_roof_w_m2k: np.ndarray,
    b_roof: np.ndarray,
    u_floor_w_m2k: np.ndarray,
    b_floor: np.ndarray,
    thermal_bridge_w_m2k: np.ndarray,
    air_changes_h: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Heat loss coefficient and heated air volume of box-shaped buildings.

    Parameters
    ----------
    floors : numpy.ndarray
        Storeys [-].
    conditioned_m2 : numpy.ndarray
        Conditioned floor area [m2].
    storey_height_m, depth_m : numpy.ndarray
        Floor-to-floor height and building depth [m].
    window_share : numpy.ndarray
        Windows per gross facade [-].
    u_wall_w_m2k, u_window_w_m2k, u_roof_w_m2k, u_floor_w_m2k : numpy.ndarray
        U-values [W/(m2 K)].
    b_roof, b_floor : numpy.ndarray
        Temperature adjustment factors of roof and ground floor (EN ISO 13789) [-].
    thermal_bridge_w_m2k : numpy.ndarray
        Thermal-bridge surcharge on all envelope areas (EN ISO 14683 simplified) [W/(m2 K)].
    air_changes_h : numpy.ndarray
        Air changes per hour [1/h].

    Returns
    -------
    tuple of numpy.ndarray
        ``UA = H_tr + H_ve`` [W/K] and heated air volume [m3].
    """
    floors = np.maximum(np.asarray(floors, dtype=float), 1.0)
    area = np.asarray(conditioned_m2, dtype=float)
    footprint = area / floors
    depth = np.minimum(depth_m, np.sqrt(footprint))
    length = footprint / depth
    facade = 2.0 * (length + depth) * floors * storey_height_m
    a_win = window_share * facade
    a_wall = facade - a_win
    h_tr = (
        u_wall_w_m2k * a_wall
        + u_window_w_m2k * a_win
        + b_roof * u_roof_w_m2k * footprint
        + b_floor * u_floor_w_m2k * footprint
        + thermal_bridge_w_m2k * (facade + 2.0 * footprint)
    )
    volume = area * (storey_height_m - SLAB_M)
    h_ve = RHO_C_AIR_J_M3K * air_changes_h * volume / 3600.0
    return h_tr + h_ve, volume


def corner_flat_ua_w_m2k(
    flat_m2: np.ndarray,
    storey_height_m: np.ndarray,
    depth_m: np.ndarray,
    window_share: np.ndarray,
    u_wall_w_m2k: np.ndarray,
    u_window_w_m2k: np.ndarray,
    u_roof_w_m2k: np.ndarray,
    b_roof: np.ndarray,
    thermal_bridge_w_m2k: np.ndarray,
    air_changes_h: np.ndarray,
) -> np.ndarray:
    """Heat loss per m2 of a top-floor corner flat [W/(m2 K)].

    The flat spans half the depth; its external walls are its facade width
    ``flat_m2 / (depth / 2)`` plus the gable ``depth / 2``; the roof lies over its whole area.
    Heat exchange with warmer neighbouring flats is neglected (a conservative worst flat).
    """
    half = np.asarray(depth_m, dtype=float) / 2.0
    walls = (np.asarray(flat_m2, dtype=float) / half + half) * storey_height_m
    h_tr = (
        walls * ((1.0 - window_share) * u_wall_w_m2k + window_share * u_window_w_m2k)
        + b_roof * u_roof_w_m2k * flat_m2
        + thermal_bridge_w_m2k * (walls + flat_m2)
    )
    h_ve = RHO_C_AIR_J_M3K * air_changes_h * flat_m2 * (storey_height_m - SLAB_M) / 3600.0
    return (h_tr + h_ve) / flat_m2


_NUMERIC = (
    "conditioned_per_heated storey_height_m depth_m window_share u_wall_w_m2k u_window_w_m2k "
    "u_roof_w_m2k b_roof u_floor_w_m2k b_floor thermal_bridge_w_m2k air_changes_h cm_kj_m2k "
    "flat_area_m2 floors"
).split()


def _table(archetype: np.ndarray) -> dict[str, np.ndarray]:
    """Per-building arrays of every archetype field (one lookup per distinct name)."""
    arch = archetypes()
    names, inverse = np.unique(np.asarray(archetype, dtype=str), return_inverse=True)
    unknown = sorted(set(names) - set(arch))
    if unknown:
        raise KeyError(f"unknown archetypes: {unknown}")
    out = {k: np.array([float(getattr(arch[n], k)) for n in names])[inverse] for k in _NUMERIC}
    mc = mass_classes()
    out["am_per_af"] = np.array([mc[arch[n].mass_class].am_per_af for n in names])[inverse]
    out["single_dwelling"] = np.array([arch[n].floor_area_m2 == arch[n].flat_area_m2
                                       for n in names])[inverse]  # fmt: skip
    return out


def rc_for(
    archetype: np.ndarray, floors: np.ndarray, floor_area_m2: np.ndarray
) -> tuple[RCParams, RCParams]:
    """RC parameters of buildings (building average) and of their worst flats.

    Parameters
    ----------
    archetype : numpy.ndarray of str
        Archetype name per building.
    floors : numpy.ndarray
        Storeys per building [-].
    floor_area_m2 : numpy.ndarray
        Heated flat area per building [m2] (the buildings table's ``floor_area_m2``).

    Returns
    -------
    tuple of RCParams
        Building average, and worst flat scaled to the whole building (same capacities and
        coupling, UA = worst flat's UA per m2 x conditioned area).

    Raises
    ------
    KeyError
        Unknown archetype name.
    """
    t = _table(archetype)
    area = t["conditioned_per_heated"] * np.asarray(floor_area_m2, dtype=float)
    ua, volume = envelope_ua_w_k(
        floors, area, t["storey_height_m"], t["depth_m"], t["window_share"], t["u_wall_w_m2k"],
        t["u_window_w_m2k"], t["u_roof_w_m2k"], t["b_roof"], t["u_floor_w_m2k"], t["b_floor"],
        t["thermal_bridge_w_m2k"], t["air_changes_h"],
    )  # fmt: skip
    flat_m2 = t["flat_area_m2"] * t["conditioned_per_heated"]
    corner = corner_flat_ua_w_m2k(
        flat_m2, t["storey_height_m"], t["depth_m"], t["window_share"], t["u_wall_w_m2k"],
        t["u_window_w_m2k"], t["u_roof_w_m2k"], t["b_roof"], t["thermal_bridge_w_m2k"],
        t["air_changes_h"],
    )  # fmt: skip
    # a detached house is one dwelling: its worst "flat" is the house itself
    ua_worst = np.where(t["single_dwelling"], ua, np.maximum(corner * area, ua))
    hm = H_MS_W_M2K * t["am_per_af"] * area
    ca = AIR_NODE_MULTIPLIER * RHO_C_AIR_J_M3K * volume
    cm = t["cm_kj_m2k"] * 1e3 * area
    return RCParams(ua, hm, ca, cm), RCParams(ua_worst, hm, ca, cm)


def building_rc(buildings: pd.DataFrame) -> tuple[RCParams, RCParams]:
    """Building-average and worst-flat RC parameters from a buildings table.

    Parameters
    ----------
    buildings : pandas.DataFrame
        Columns ``archetype``, ``floors``, ``floor_area_m2`` (the city's buildings table).

    Returns
    -------
    tuple of RCParams
        See :func:`rc_for`.
    """
    return rc_for(
        buildings["archetype"].to_numpy(object),
        buildings["floors"].to_numpy(float),
        buildings["floor_area_m2"].to_numpy(float),
    )


def rc_params(
    archetype: np.ndarray,
    floor_area_m2: np.ndarray,
    loss_factor: float | np.ndarray = 1.0,
    floors: np.ndarray | None = None,
) -> RCParams:
    """RC parameters of buildings, UA scaled by ``loss_factor`` (first-version API, kept).

    Parameters
    ----------
    archetype : numpy.ndarray of str
        Archetype name per building.
    floor_area_m2 : numpy.ndarray
        Heated flat area per building [m2].
    loss_factor : float or numpy.ndarray
        Multiplier on UA (e.g. :func:`worst_flat_factor`).
    floors : numpy.ndarray, optional
        Storeys per building; the archetype's typical count when omitted.
    """
    archetype = np.asarray(archetype)
    if floors is None:
        floors = _table(archetype)["floors"]
    p, _ = rc_for(archetype, floors, floor_area_m2)
    return RCParams(p.ua_w_k * loss_factor, p.hm_w_k, p.ca_j_k, p.cm_j_k)


def worst_flat_factor(
    archetype: np.ndarray,
    floors: np.ndarray | None = None,
    floor_area_m2: np.ndarray | None = None,
) -> np.ndarray:
    """UA of the worst (top corner) flat relative to the building average, per building [-].

    Without ``floors``/``floor_area_m2`` the archetype's typical building is used.
    """
    archetype = np.asarray(archetype)
    t = _table(archetype)
    floors = t["floors"] if floors is None else floors
    area = t["floors"] * 0 + (
        np.array([archetypes()[a].floor_area_m2 for a in archetype])
        if floor_area_m2 is None
        else np.asarray(floor_area_m2, dtype=float)
    )
    avg, worst = rc_for(archetype, floors, area)
    return worst.ua_w_k / avg.ua_w_k
