"""Building archetypes: envelope and mass parameters per m2 of floor, held as data.

Values and sources are in ``coldstart/data/archetypes.toml``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

H_MS_W_M2K = 9.1
"""Heat transfer coefficient between air and mass surfaces [W/(m2 K)], ISO 13790:2008 eq. 64."""


@dataclass(frozen=True)
class Archetype:
    """Envelope and mass of one building archetype, per m2 of heated floor area."""

    name: str
    description: str
    heat_loss_w_m2k: float
    mass_kj_m2k: float
    air_kj_m2k: float
    am_per_af: float
    worst_flat_factor: float
    flat_area_m2: float

    def tau_h(self) -> float:
        """Single slow time constant (Ca + Cm) / UA [h]."""
        return (self.mass_kj_m2k + self.air_kj_m2k) * 1e3 / self.heat_loss_w_m2k / 3600.0


@cache
def archetypes() -> dict[str, Archetype]:
    """All archetypes from the packaged data file, keyed by name."""
    raw = tomllib.loads(resources.files("coldstart.data").joinpath("archetypes.toml").read_text())
    return {name: Archetype(name=name, **vals) for name, vals in raw.items()}


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


def rc_params(
    archetype: np.ndarray, floor_area_m2: np.ndarray, loss_factor: float | np.ndarray = 1.0
) -> RCParams:
    """Derive RC parameters from archetype names and floor areas.

    Parameters
    ----------
    archetype : numpy.ndarray of str
        Archetype name per building.
    floor_area_m2 : numpy.ndarray
        Heated floor area per building [m2].
    loss_factor : float or numpy.ndarray
        Multiplier on the heat loss (e.g. the worst-flat factor).
    """
    arch = archetypes()
    unknown = set(np.unique(archetype)) - set(arch)
    if unknown:
        raise KeyError(f"unknown archetypes: {sorted(unknown)}")
    get = lambda attr: np.array([getattr(arch[a], attr) for a in archetype], dtype=float)  # noqa: E731
    area = np.asarray(floor_area_m2, dtype=float)
    return RCParams(
        ua_w_k=get("heat_loss_w_m2k") * area * loss_factor,
        hm_w_k=H_MS_W_M2K * get("am_per_af") * area,
        ca_j_k=get("air_kj_m2k") * 1e3 * area,
        cm_j_k=get("mass_kj_m2k") * 1e3 * area,
    )


def worst_flat_factor(archetype: np.ndarray) -> np.ndarray:
    """Heat loss of the worst (corner/top) flat relative to the building average, per building."""
    arch = archetypes()
    return np.array([arch[a].worst_flat_factor for a in archetype], dtype=float)
