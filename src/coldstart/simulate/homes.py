"""Homes: air and mass temperatures (average and worst flat), pipe water, drains and freezes.

State: the two-node RC temperatures of every building (building average and worst flat), the
water temperature and ice in its heating system, the system's state (ok, drained, frozen) and
whether a plumbing crew has been asked to refill it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np

from coldstart.compiled import CompiledCity
from coldstart.restore.repairs import TaskKind
from coldstart.scenario.model import Scenario
from coldstart.thermal.freezing import CIRCULATING_WATER_C
from coldstart.thermal.heating import HeatInputs, heat_inputs, heat_need_w, internal_gains_w
from coldstart.thermal.rc import RCStepper

REFILL_WORK_H = 2.0
"""Median crew work to refill, bleed and restart a drained building's system [h] (log-normal,
sd of log 0.3). Kyiv, Jan 2026: about 200 crews brought heat back to about 5,000 blocks in 2-3
days [KYIV-2026], about 2-3 crew-hours per block with travel and set-up; with
the warm-up of the flats, about two days pass before a drained building is warm again."""

DRAIN_WORK_H = 1.0
"""Median crew work to drain a building's system at its heat substation [h] (log-normal, sd of
log 0.3; first estimate: opening the drain valves of the substation and the risers' low points
and checking them; no public source)."""

REFILL_LOG_SD = 0.3
"""Spread of refill and drain work, sd of log(duration) [-] (first estimate)."""

RESTART_MIN_H = 24.0
"""A system that got less than half its heat for at least this long can fail when full heat
returns [h]: air locks, stuck valves and leaks show when full flow and temperature come back
after days at reduced temperature (first estimate; no public source)."""

BURST_MIN_COLD_H = 6.0
"""A branch can burst when circulation returns after at least this long without it [h]: the
water in it has reached 0 degC (about 6-8 h at -20 degC [UA-HEAT-ENG-2026])."""


class System(IntEnum):
    """State of a building's heating system."""

    OK = 0
    DRAINED = 1
    FROZEN = 2
    FAILED = 3  # refilled, but the restart failed: leaks, valves, air locks (needs repair)


SYSTEM_OK = int(System.OK)
"""``System.OK`` as a plain int, for the per-step array comparisons (looking an enum member up
costs more than comparing a small array)."""

SYSTEM_FROZEN = int(System.FROZEN)
"""``System.FROZEN`` as a plain int (see :data:`SYSTEM_OK`)."""


@dataclass
class HomesState:
    """Mutable state of every building's air, mass and heating water."""

    ta: np.ndarray  # air, building average [degC]
    tm: np.ndarray  # mass, building average [degC]
    ta_w: np.ndarray  # air, worst flat [degC]
    tm_w: np.ndarray  # mass, worst flat [degC]
    t_water: np.ndarray  # water in the building's heating system [degC]
    ice: np.ndarray  # latent heat removed from that water [K h]
    system: np.ndarray  # System per building
    refill_asked: np.ndarray  # a refill or system-repair task is open for the building
    cold_h: np.ndarray  # hours without circulation in the current episode
    unheated_h: np.ndarray  # hours with less than half its heat (or drained) in this episode
    drain_asked: np.ndarray  # a drain task is open for the building
    decide_h: np.ndarray  # when by_expected_outage looks at the building again [h]
    burst: np.ndarray  # its branch burst on restart: no water until repaired


@dataclass(frozen=True)
class BuildingTask:
    """A crew task for one building: its position, the task kind, crew type and median work."""

    building: int
    kind: TaskKind
    crew_type: str
    median_work_h: float
    log_sd: float = REFILL_LOG_SD


@dataclass
class WaterStep:
    """What the water of the buildings asks of the crews after one step."""

    tasks: list[BuildingTask] = field(default_factory=list)
    cancel: list[tuple[TaskKind, int]] = field(default_factory=list)


class Homes:
    """Steps the buildings of one compiled city under one scenario."""

    def __init__(self, cc: CompiledCity, scenario: Scenario, dt_h: float):
        self.cc = cc
        self.scenario = scenario
        self.dt_h = dt_h
        b = cc.city.buildings
        self.ids = b.building_id.to_numpy()
        self.area = b.floor_area_m2.to_numpy(float)
        self.district = cc.b_heat_node >= 0
        self.electric = cc.b_heat_supply == "electric"
        self.stepper = RCStepper.build(cc.rc, dt_h * 3600.0)
        self.stepper_w = RCStepper.build(cc.rc_worst, dt_h * 3600.0)

    def initial_state(self) -> HomesState:
        """Every flat at the setpoint, every system full and circulating."""
        nb = self.cc.n_build
        ta = np.full(nb, self.scenario.setpoint_c)
        return HomesState(
            ta,
            ta.copy(),
            ta.copy(),
            ta.copy(),
            np.full(nb, CIRCULATING_WATER_C),
            np.zeros(nb),
            np.full(nb, int(System.OK)),
            np.zeros(nb, bool),
            np.zeros(nb),
            np.zeros(nb),
            np.zeros(nb, bool),
            np.zeros(nb),
            np.zeros(nb, bool),
        )

    def takes_water(self, st: HomesState) -> np.ndarray:
        """District buildings whose system is full and working and whose branch is intact."""
        return self.district & (st.system == SYSTEM_OK) & ~st.burst

    def gains_w(self, people_home: np.ndarray, has_power: np.ndarray) -> np.ndarray:
        """Internal gains of every building this step [W]
        (:func:`coldstart.thermal.heating.internal_gains_w`)."""
        return internal_gains_w(people_home, self.area, has_power)

    def heat_need_w(
        self,
        st: HomesState,
        temp_out_c: float,
        people_home: np.ndarray,
        has_power: np.ndarray,
        gains_w: np.ndarray | None = None,
    ) -> np.ndarray:
        """Heat each building's heating system asks for this step [W]: the loss at the
        setpoint less free gains plus the recovery of a cold interior, capped at the design
        output (:func:`coldstart.thermal.heating.heat_need_w`). The district network shares its
        capacity over exactly this, so the reheating surge after a restoration is bounded by
        what the sources can give. ``gains_w``: :meth:`gains_w` when the caller has it."""
        gains = self.gains_w(people_home, has_power) if gains_w is None else gains_w
        return heat_need_w(self.cc.rc.ua_w_k, st.ta, temp_out_c, gains, self.scenario.setpoint_c)

    def step_air(
        self,
        st: HomesState,
        temp_out_c: float,
        heat_frac: np.ndarray,
        people_home: np.ndarray,
        has_power: np.ndarray,
        need_w: np.ndarray | None = None,
        gains_w: np.ndarray | None = None,
    ) -> HeatInputs:
        """Advance air and mass temperatures one step; return the heat put into every building
        (its ``grid_extra_mw``, heaters and electric heating, is what the grid sees in the next
        step)."""
        h = heat_inputs(
            self.cc.rc.ua_w_k,
            self.cc.rc_worst.ua_w_k,
            st.ta,
            st.ta_w,
            temp_out_c,
            heat_frac,
            people_home,
            self.area,
            has_power,
            self.electric,
            self.scenario.setpoint_c,
            self.scenario.grid.heater_kw_per_resident,
            need_w=need_w,
            gains_w=gains_w,
        )
        st.ta, st.tm = self.stepper.step(st.ta, st.tm, temp_out_c, h.q_air_w, h.q_mass_w)
        st.ta_w, st.tm_w = self.stepper_w.step(
            st.ta_w, st.tm_w, temp_out_c, h.q_air_worst_w, h.q_mass_worst_w
        )
        return h
