"""Homes: air and mass temperatures (average and worst flat), pipe water, drains and freezes.

State: the two-node RC temperatures of every building (building average and worst flat), the
water temperature and ice in its heating system, the system's state (ok, drained, frozen) and
whether a plumbing crew has been asked to refill it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from coldstart.compiled import CompiledCity
from coldstart.scenario.model import Scenario
from coldstart.simulate.events import EventKind, EventLog
from coldstart.thermal.freezing import (
    CIRCULATING_WATER_C,
    DRAIN_SIGNAL_C,
    FREEZE_LATENT_KH,
    space_temp_c,
    step_water,
)
from coldstart.thermal.heating import HeatInputs, heat_inputs, heat_need_w, internal_gains_w
from coldstart.thermal.rc import RCStepper

REFILL_WORK_H = 2.0
"""Median crew work to refill, bleed and restart a drained building's system [h] (log-normal,
sd of log 0.3). Kyiv, Jan 2026: about 200 crews brought heat back to about 5,000 blocks in 2-3
days (city administration reports), about 2-3 crew-hours per block with travel and set-up; with
the warm-up of the flats, about two days pass before a drained building is warm again."""

FROZEN_REPAIR_WORK_H = 48.0
"""Median crew work to repair the pipes and radiators of a frozen building before refilling
[h] (first estimate: a frozen system needs pipe and radiator repair before it can be refilled)."""

REFILL_LOG_SD = 0.3
"""Spread of refill work, sd of log(duration) [-] (first estimate)."""


class System(IntEnum):
    """State of a building's heating system."""

    OK = 0
    DRAINED = 1
    FROZEN = 2


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
    refill_asked: np.ndarray  # a plumbing task is open for the building


@dataclass(frozen=True)
class Refill:
    """A building whose drained or frozen system can be refilled: its position and work [h]."""

    building: int
    median_work_h: float


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
        )

    def takes_water(self, st: HomesState) -> np.ndarray:
        """District buildings whose system is neither drained nor frozen."""
        return self.district & (st.system == System.OK)

    def heat_need_w(
        self, st: HomesState, temp_out_c: float, people_home: np.ndarray, has_power: np.ndarray
    ) -> np.ndarray:
        """Heat each building's heating system asks for this step [W]: the loss at the
        setpoint less free gains plus the recovery of a cold interior, capped at the design
        output (:func:`coldstart.thermal.heating.heat_need_w`). The district network shares its
        capacity over exactly this, so the reheating surge after a restoration is bounded by
        what the sources can give."""
        gains = internal_gains_w(people_home, self.area, has_power)
        return heat_need_w(self.cc.rc.ua_w_k, st.ta, temp_out_c, gains, self.scenario.setpoint_c)

    def step_air(
        self,
        st: HomesState,
        temp_out_c: float,
        heat_frac: np.ndarray,
        people_home: np.ndarray,
        has_power: np.ndarray,
        need_w: np.ndarray | None = None,
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
        )
        st.ta, st.tm = self.stepper.step(st.ta, st.tm, temp_out_c, h.q_air_w, h.q_mass_w)
        st.ta_w, st.tm_w = self.stepper_w.step(
            st.ta_w, st.tm_w, temp_out_c, h.q_air_worst_w, h.q_mass_worst_w
        )
        return h

    def step_water(
        self,
        st: HomesState,
        t_h: float,
        temp_out_c: float,
        heat_frac: np.ndarray,
        connected: np.ndarray,
        log: EventLog,
    ) -> list[Refill]:
        """Cool or warm the systems' water, drain at the signal (by policy), freeze; return
        the drained or frozen buildings that heat can reach again (to be refilled)."""
        policy = self.scenario.policies.drain
        ok = self.district & (st.system == System.OK)
        circulating = ok & ((heat_frac > 0) | ((policy == "keep_circulating") & connected))
        st.t_water, st.ice = step_water(
            st.t_water, st.ice, circulating, space_temp_c(temp_out_c, st.ta), self.dt_h
        )
        end = t_h + self.dt_h
        if policy == "drain_at_signal":
            drain = ok & ~circulating & (st.t_water <= DRAIN_SIGNAL_C)
            for i in np.flatnonzero(drain):
                log.log(end, EventKind.DRAIN, str(self.ids[i]), "water at the +5 degC signal")
            st.system[drain] = System.DRAINED
        freeze = ok & (st.system == System.OK) & (st.ice >= FREEZE_LATENT_KH)
        for i in np.flatnonzero(freeze):
            log.log(end, EventKind.FREEZE, str(self.ids[i]), "water froze in unheated pipes")
        st.system[freeze] = System.FROZEN
        # a drained or frozen system gets a plumbing crew once its node could get heat again
        ask = (st.system != System.OK) & ~st.refill_asked & connected
        st.refill_asked |= ask
        return [
            Refill(
                int(i),
                REFILL_WORK_H + (FROZEN_REPAIR_WORK_H if st.system[i] == System.FROZEN else 0.0),
            )
            for i in np.flatnonzero(ask)
        ]

    def refilled(self, st: HomesState, i: int) -> str:
        """A plumbing crew refilled building ``i``: its system is full and circulating again;
        returns the state it was in (``drained`` or ``frozen``)."""
        was = System(int(st.system[i])).name.lower()
        st.system[i] = System.OK
        st.refill_asked[i] = False
        st.t_water[i] = CIRCULATING_WATER_C
        st.ice[i] = 0.0
        return was
