"""Water in the buildings' heating systems: cooling, drain decisions, freezing, refills and the
secondary failures of a restart.

State: the pipe-water fields of :class:`~coldstart.simulate.homes.HomesState` (water
temperature, latent cold, system state, hours without circulation, open drain and refill tasks,
burst branches). Each step the water cools where nothing circulates; at the +5 degC signal the
drain policy decides (``by_expected_outage`` weighs the operator's expected outage against the
time to freezing); drains, refills and repairs are crew tasks, so a drain that comes too late or
a shortage of crews lets a building freeze. A refill can fail on restart and a branch can burst
when circulation returns, with probabilities rising with the hours cold and the frost
(``data/secondary_failures.csv``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np

from coldstart.restore.repairs import TaskKind
from coldstart.scenario.model import Scenario
from coldstart.scenario.tables import secondary_failures
from coldstart.simulate.events import EventKind, EventLog
from coldstart.simulate.homes import (
    BURST_MIN_COLD_H,
    DRAIN_WORK_H,
    REFILL_WORK_H,
    RESTART_MIN_H,
    SYSTEM_FROZEN,
    SYSTEM_OK,
    BuildingTask,
    HomesState,
    System,
    WaterStep,
)
from coldstart.thermal.freezing import (
    CIRCULATING_WATER_C,
    DRAIN_SIGNAL_C,
    FREEZE_LATENT_KH,
    hours_to_freeze_now,
    space_temp_c,
    step_water,
)
from coldstart.thermal.heating import WITHOUT_HEAT_FRACTION

DECIDE_EVERY_H = 1.0
"""A building held full at the drain signal is looked at again this often [h]."""

REFILLED_AFTER = {System.DRAINED: "after draining", System.FAILED: "after a failed restart"}
"""Detail of a ``refilled`` event: what the building's system was refilled after."""


def failure_probability(failure: str, cold_h: float, temp_out_c: float, scale: float) -> float:
    """Probability of a secondary failure after ``cold_h`` hours without heat (a restart) or
    without circulation (a burst) at ``temp_out_c`` outdoors [-] (``data/secondary_failures.csv``;
    ``scale`` multiplies it, capped at the table's ``p_max``)."""
    p_base, per_day, per_c, p_max = _coefficients(failure)
    return min(p_max, scale * (p_base + per_day * cold_h / 24.0 + per_c * max(-temp_out_c, 0.0)))


@cache
def _coefficients(failure: str) -> tuple[float, float, float, float]:
    row = secondary_failures().loc[failure]
    return float(row.p_base), float(row.p_per_cold_day), float(row.p_per_c_frost), float(row.p_max)


class Water:
    """Steps the heating-system water of every district building of one city."""

    def __init__(self, ids: np.ndarray, district: np.ndarray, scenario: Scenario, dt_h: float):
        self.ids = ids
        self.district = district
        self.outside = ~district  # not on district heating
        self.scenario = scenario
        self.dt_h = dt_h
        t = secondary_failures()
        self.work = {
            f: (str(r.crew_type), float(r.median_h), float(r.log_sd)) for f, r in t.iterrows()
        }

    def _task(self, i: int, failure: str, kind: TaskKind) -> BuildingTask:
        crew, median_h, log_sd = self.work[failure]
        return BuildingTask(i, kind, crew, median_h * self.scenario.failures.work_scale, log_sd)

    def step(
        self,
        st: HomesState,
        t_h: float,
        temp_out_c: float,
        heat_frac: np.ndarray,
        connected: np.ndarray,
        log: EventLog,
        expected_outage_h: Callable[[], np.ndarray],
        rng: np.random.Generator,
    ) -> WaterStep:
        """Cool or warm the water, decide drains, freeze, burst, and ask for refills.

        ``expected_outage_h()`` returns each building's expected hours until a source reaches
        it again; it is called only when a decision needs it (it costs network solves).
        """
        out = WaterStep()
        policy = self.scenario.policies.drain
        ok = self.district & (st.system == SYSTEM_OK)
        flowing = heat_frac > 0
        circulating = ok & ((flowing | connected) if policy == "keep_circulating" else flowing)
        end = t_h + self.dt_h
        self._bursts(st, circulating, temp_out_c, end, log, rng, out)
        intact = ~st.burst  # (the bursts of this step included; nothing below bursts)
        circulating &= intact
        self._restarts(st, ok & intact, heat_frac, temp_out_c, end, log, rng)
        space_c = space_temp_c(temp_out_c, st.ta)
        st.t_water, st.ice = step_water(st.t_water, st.ice, circulating, space_c, self.dt_h)
        st.cold_h = np.where(circulating | self.outside, 0.0, st.cold_h + self.dt_h)
        stalled = ok & ~circulating
        self._drains(st, stalled, t_h, end, space_c, log, expected_outage_h, out)
        # a drain no longer needed (circulation back) is called off
        for i in (st.drain_asked & circulating).nonzero()[0]:
            st.drain_asked[i] = False
            out.cancel.append((TaskKind.DRAIN, int(i)))
            log.log(end, EventKind.DRAIN_CANCELLED, str(self.ids[i]), "circulation is back")
        freeze = stalled & (st.ice >= FREEZE_LATENT_KH)
        for i in freeze.nonzero()[0]:
            log.log(end, EventKind.FREEZE, str(self.ids[i]), "water froze in unheated pipes")
            if st.drain_asked[i]:
                st.drain_asked[i] = False
                out.cancel.append((TaskKind.DRAIN, int(i)))
        st.system[freeze] = SYSTEM_FROZEN
        self._ask_repairs(st, connected & intact, out)
        return out

    def _drains(self, st, stalled, t_h, end, space_c, log, expected_outage_h, out) -> None:
        """Order drains of stalled buildings at the signal, by policy."""
        policy = self.scenario.policies.drain
        if policy not in ("drain_at_signal", "by_expected_outage"):
            return
        due = stalled & ~st.drain_asked & (st.t_water <= DRAIN_SIGNAL_C)
        if policy == "by_expected_outage":
            due &= st.decide_h <= t_h + 1e-9
        if not due.any():
            return
        if policy == "drain_at_signal":
            order = due
        else:
            eta_h = expected_outage_h()
            freeze_h = hours_to_freeze_now(st.t_water, st.ice, space_c)
            order = due & (eta_h > freeze_h - self.scenario.policies.drain_margin_h)
            st.decide_h[due & ~order] = t_h + DECIDE_EVERY_H
        # the buildings that will freeze soonest first (the order crews see the tasks in)
        idx = order.nonzero()[0]
        freeze_all = hours_to_freeze_now(st.t_water[idx], st.ice[idx], space_c[idx])
        for j in np.argsort(freeze_all, kind="stable"):
            i, fz = idx[j], freeze_all[j]
            why = "water at the +5 degC signal"
            if policy == "by_expected_outage":
                back = (
                    f"heat expected back in {eta_h[i]:.0f} h"
                    if np.isfinite(eta_h[i])
                    else "heat not expected back (beyond repair)"
                )
                why += f"; {back}, freezing in {fz:.0f} h"
            log.log(end, EventKind.DRAIN_ORDER, str(self.ids[i]), why)
            out.tasks.append(BuildingTask(int(i), TaskKind.DRAIN, "plumbing", DRAIN_WORK_H))
        st.drain_asked |= order

    def _restarts(self, st, ok, heat_frac, temp_out_c, end, log, rng) -> None:
        """Systems held full through a long under-heated spell may fail as full heat returns
        (the same failure, and probability, as a refill after draining)."""
        heated = heat_frac >= WITHOUT_HEAT_FRACTION
        back = ok & heated & (st.unheated_h >= RESTART_MIN_H)
        scale = self.scenario.failures.probability_scale
        for i in back.nonzero()[0]:
            p = failure_probability("restart_failure", float(st.unheated_h[i]), temp_out_c, scale)
            if rng.random() < p:
                st.system[i] = System.FAILED
                log.log(end, EventKind.RESTART_FAILED, str(self.ids[i]), "failed as heat returned")
        st.unheated_h = np.where(
            self.district & (~heated | (st.system != SYSTEM_OK)), st.unheated_h + self.dt_h, 0.0
        )

    def _bursts(self, st, circulating, temp_out_c, end, log, rng, out) -> None:
        """Branches that burst as circulation returns after hours in the cold."""
        back = circulating & ~st.burst & (st.cold_h >= BURST_MIN_COLD_H)
        if not back.any():
            return
        scale = self.scenario.failures.probability_scale
        for i in back.nonzero()[0]:
            p = failure_probability("branch_burst", float(st.cold_h[i]), temp_out_c, scale)
            if rng.random() < p:
                st.burst[i] = True
                log.log(end, EventKind.BURST, str(self.ids[i]), "branch burst on restart")
                out.tasks.append(self._task(int(i), "branch_burst", TaskKind.BRANCH_REPAIR))

    def _ask_repairs(self, st: HomesState, reached: np.ndarray, out: WaterStep) -> None:
        """A refill (drained) or system repair (frozen, failed) once heat can reach the node
        (``reached``: connected, and its branch not burst)."""
        ask = (st.system != SYSTEM_OK) & ~st.refill_asked & reached
        st.refill_asked |= ask
        for i in ask.nonzero()[0]:
            state = System(int(st.system[i]))
            if state == System.DRAINED:
                out.tasks.append(BuildingTask(int(i), TaskKind.REFILL, "plumbing", REFILL_WORK_H))
            else:
                failure = "frozen_system" if state == System.FROZEN else "restart_failure"
                out.tasks.append(self._task(int(i), failure, TaskKind.SYSTEM_REPAIR))

    def finished(
        self,
        st: HomesState,
        kind: TaskKind,
        i: int,
        t_h: float,
        temp_out_c: float,
        log: EventLog,
        rng: np.random.Generator,
    ) -> None:
        """A crew finished a building task at ``t_h``: apply it and log what happened."""
        bid = str(self.ids[i])
        if kind == TaskKind.DRAIN:
            st.drain_asked[i] = False
            if st.system[i] == System.OK:
                st.system[i] = System.DRAINED
                log.log(t_h, EventKind.DRAIN, bid, "system drained by a plumbing crew")
            return
        if kind == TaskKind.BRANCH_REPAIR:
            st.burst[i] = False
            st.cold_h[i] = 0.0  # the branch is refilled with the repair: no second burst draw
            log.log(t_h, EventKind.REPAIR_END, bid, "branch repaired")
            return
        st.refill_asked[i] = False
        was = System(int(st.system[i]))
        if kind == TaskKind.SYSTEM_REPAIR and was == System.FROZEN:
            st.system[i] = System.DRAINED  # repaired and empty: a refill comes next
            log.log(t_h, EventKind.REPAIR_END, bid, "frozen risers and radiators repaired")
            return
        if kind == TaskKind.REFILL:
            scale = self.scenario.failures.probability_scale
            p = failure_probability("restart_failure", float(st.unheated_h[i]), temp_out_c, scale)
            if rng.random() < p:
                st.system[i] = System.FAILED
                log.log(t_h, EventKind.RESTART_FAILED, bid, "leaks or failed valves on restart")
                return
        st.system[i] = System.OK
        st.t_water[i] = CIRCULATING_WATER_C
        st.ice[i] = 0.0
        st.cold_h[i] = 0.0  # restarted: its restart risk is drawn, not a branch burst too
        st.unheated_h[i] = 0.0
        st.decide_h[i] = 0.0
        log.log(t_h, EventKind.REFILLED, bid, REFILLED_AFTER.get(was, was.name.lower()))
