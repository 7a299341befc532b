"""The shelter stock: metro stations, schools and warming points, with their own thermal model.

Each shelter is a two-node RC building like the homes (:mod:`coldstart.thermal.rc`, parameters
from :func:`coldstart.thermal.archetypes.rc_params`), with the archetype, heat-loss factor,
ground temperature and target temperature of its kind held as data in ``shelter_kinds.csv``
(sources in the file). Underground shelters (metro) exchange heat with the ground instead of the
outdoor air. A shelter's heating works while it has power (grid or generator with fuel) and, if
district-heated, in proportion to the heat delivered; the people inside add 90 W each.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

from coldstart.heat.model import DESIGN_OUTDOOR_C
from coldstart.thermal.archetypes import rc_params
from coldstart.thermal.heating import HEAT_RECOVERY_GAIN, PERSON_GAIN_W
from coldstart.thermal.rc import RCStepper

CONTROL_GAIN = HEAT_RECOVERY_GAIN
"""Proportional gain of a shelter's heating control on its deficit [-], the same as homes':
heat rises by ``gain x UA x (target - Ta)``."""


@cache
def shelter_kinds() -> pd.DataFrame:
    """Thermal data of each shelter kind, indexed by kind (``shelter_kinds.csv``)."""
    path = resources.files("coldstart.people").joinpath("shelter_kinds.csv")
    with path.open() as fh:
        return pd.read_csv(fh).set_index("kind")


@dataclass(frozen=True)
class ShelterStock:
    """Arrays of the city's shelters (facilities of a shelter kind with ``capacity_people > 0``).

    Attributes
    ----------
    facility_id, kind : numpy.ndarray of str
    capacity_people : numpy.ndarray of int
    district : numpy.ndarray of bool
        Heated by the district network (heat in proportion to what is delivered).
    tank_h : numpy.ndarray
        Generator fuel at full tank [h of running]; 0 without a generator.
    ground_c : numpy.ndarray
        Temperature of the ground around underground shelters [degC]; NaN above ground.
    target_c : numpy.ndarray
        Temperature the heating holds [degC].
    q_max_w : numpy.ndarray
        Heating capacity [W]: ``UA x (target - design exterior)``, design exterior -22 degC
        (``coldstart.heat.model.DESIGN_OUTDOOR_C``) or the ground.
    stepper : RCStepper
        Exact RC step of every shelter.
    """

    facility_id: np.ndarray
    kind: np.ndarray
    capacity_people: np.ndarray
    district: np.ndarray
    tank_h: np.ndarray
    ground_c: np.ndarray
    target_c: np.ndarray
    q_max_w: np.ndarray
    stepper: RCStepper

    @property
    def n(self) -> int:
        """Number of shelters."""
        return len(self.facility_id)

    @property
    def ua_w_k(self) -> np.ndarray:
        """Heat loss coefficient of each shelter [W/K]."""
        return self.stepper.ua_w_k

    @classmethod
    def build(cls, facilities: pd.DataFrame, dt_h: float) -> ShelterStock:
        """Compile the shelter rows of a facilities table (see ``city/schema.toml``).

        Parameters
        ----------
        facilities : pandas.DataFrame
            Only the shelters, in the order the people model indexes them.
        dt_h : float
            Thermal step [h].
        """
        kinds = shelter_kinds()
        kind = facilities.kind.to_numpy(object)
        k = kinds.loc[kind] if len(kind) else kinds.iloc[:0]
        area = facilities.floor_area_m2.to_numpy(float)
        rc = (
            rc_params(k.archetype.to_numpy(object), area, k.loss_factor.to_numpy(float))
            if len(kind)
            else rc_params(np.array([], object), np.zeros(0))
        )
        ground = k.ground_temp_c.to_numpy(float)
        target = k.target_temp_c.to_numpy(float)
        design_ext = np.where(np.isnan(ground), DESIGN_OUTDOOR_C, ground)
        has_gen = facilities.backup_power_kw.to_numpy(float) > 0
        return cls(
            facility_id=facilities.facility_id.to_numpy(object),
            kind=kind,
            capacity_people=facilities.capacity_people.to_numpy(np.int64),
            district=(facilities.heat_supply == "district").to_numpy(bool),
            tank_h=np.where(has_gen, facilities.backup_fuel_h.to_numpy(float), 0.0),
            ground_c=ground,
            target_c=target,
            q_max_w=rc.ua_w_k * np.maximum(0.0, target - design_ext),
            stepper=RCStepper.build(rc, dt_h * 3600.0),
        )


def shelter_heat_w(
    stock: ShelterStock,
    temp_air_c: np.ndarray,
    exterior_c: np.ndarray,
    people: np.ndarray,
    heat_available: np.ndarray,
    powered: np.ndarray,
) -> np.ndarray:
    """Heat into each shelter's air node over a step [W]: heating (or ventilation) plus people.

    The heating covers the loss to the exterior at the target temperature, less the people's
    heat, plus a recovery term, capped at ``q_max_w x heat_available``. With power, ventilation
    can remove up to the people's heat when it is too warm (a crowded metro station); without
    power there is neither heating nor ventilation.

    Parameters
    ----------
    stock : ShelterStock
    temp_air_c, exterior_c : numpy.ndarray
        Air temperature and exterior (outdoor air or ground) temperature [degC].
    people : numpy.ndarray
        People inside.
    heat_available : numpy.ndarray
        Share of the heating capacity available [-] (0 to 1).
    powered : numpy.ndarray of bool
        Power from the grid or a running generator.
    """
    ua = stock.ua_w_k
    gains = PERSON_GAIN_W * np.asarray(people, float)
    want = (
        ua * (stock.target_c - exterior_c)
        - gains
        + CONTROL_GAIN * ua * (stock.target_c - temp_air_c)
    )
    lower = np.where(powered, -gains, 0.0)
    return np.clip(want, lower, np.maximum(lower, stock.q_max_w * heat_available)) + gains


def step_shelter_temps(
    stock: ShelterStock,
    temp_air_c: np.ndarray,
    temp_mass_c: np.ndarray,
    temp_out_c: float,
    people: np.ndarray,
    heat_available: np.ndarray,
    powered: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Advance every shelter's air and mass temperature by one exact RC step [degC].

    Underground shelters see the ground: the RC step takes one scalar outdoor temperature, so
    the ground's difference enters as the equivalent heat ``UA x (ground - outdoor)``.
    """
    exterior = np.where(np.isnan(stock.ground_c), temp_out_c, stock.ground_c)
    q = shelter_heat_w(stock, temp_air_c, exterior, people, heat_available, powered)
    q_ext = stock.ua_w_k * (exterior - temp_out_c)
    return stock.stepper.step(temp_air_c, temp_mass_c, float(temp_out_c), q + q_ext)
