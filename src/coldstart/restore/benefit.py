"""What repairing one asset would bring back now, given everything else still broken.

Used by the ``greatest_benefit`` dispatch policy: for each candidate task, restore that asset
alone in a copy of the current outage state, recompute which buildings would have power
(energized islands) and heat (the heat engine: intact pipes, normally-open valves and powered
boosters to a working source), and
count the people who would regain them. Heat counts fully and power half: at -20 degC losing
heat is what drives cold exposure, while power brings back electric heaters and, through pumps
and auxiliaries, heat (a restored pump that brings heat to 300 blocks outranks a bigger feeder
of offices: the cold-exposure objective, after [PMR-2021]'s restoration ordering).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

HEAT_WEIGHT = 1.0
"""Weight of one person regaining heat [-]."""

POWER_WEIGHT = 0.5
"""Weight of one person regaining power [-] (heaters, lifts, water, light)."""


@dataclass
class OutageState:
    """Counters of damaged elements (positions into compiled arrays); > 0 means out.

    ``bus``, ``branch`` and ``gen`` are positions in the grid engine (:class:`GridModel`:
    nodes, branches, generators); ``source``, ``pipe`` and ``pump`` rows of the city's tables.
    """

    bus: np.ndarray
    branch: np.ndarray
    gen: np.ndarray
    source: np.ndarray
    pipe: np.ndarray
    pump: np.ndarray

    @classmethod
    def empty(cls, cc) -> OutageState:
        """Nothing out, sized for a compiled city."""
        c = cc.engine.c
        z = lambda n: np.zeros(n, np.int64)  # noqa: E731
        return cls(
            bus=z(c.n_node),
            branch=z(len(c.br_kind)),
            gen=z(len(c.gen_label)),
            source=z(len(cc.city.heat_sources)),
            pipe=z(len(cc.city.heat_pipes)),
            pump=z(len(cc.city.pumping_stations)),
        )

    def copy(self) -> OutageState:
        """Independent copy."""
        return OutageState(*(a.copy() for a in (self.bus, self.branch, self.gen, self.source,
                                                  self.pipe, self.pump)))  # fmt: skip

    def counter(self, ref_table: str) -> np.ndarray:
        """The counter array an asset's reference table maps to."""
        return {
            "grid.bus": self.bus,
            "grid.line": self.branch,
            "grid.trafo": self.branch,
            "grid.gen": self.gen,
            "heat_sources": self.source,
            "heat_pipes": self.pipe,
            "pumping_stations": self.pump,
        }[ref_table]


def engine_state(engine, st: OutageState, tripped=()):
    """The grid engine's state for the elements ``st`` counts as out, plus tripped branches."""
    es = engine.state()
    branch_out = st.branch > 0
    if len(tripped):
        branch_out = branch_out.copy()
        branch_out[list(tripped)] = True
    return dataclasses.replace(es, node_out=st.bus > 0, branch_out=branch_out, gen_out=st.gen > 0)


def service(cc, st: OutageState, pump_backup: np.ndarray, src_backup: np.ndarray, tripped=()):
    """Which buildings would have power and heat in outage state ``st``.

    Parameters
    ----------
    cc : CompiledCity
    st : OutageState
    pump_backup, src_backup : numpy.ndarray of bool
        Pumps and sources that still have backup fuel.
    tripped : collection of int, optional
        Engine branch positions tripped by overload (out until reset).

    Returns
    -------
    has_power, has_heat : numpy.ndarray of bool
        Per building. Heat ignores capacity shortfalls (connectivity to a working source).
    """
    _, node_on, _, _ = cc.engine.islands(engine_state(cc.engine, st, tripped))
    cons = cc.consumers
    energized = node_on[cons.node]
    has_power = energized[cons.slice("building", cc.n_build)]
    pump_ok = (st.pump == 0) & (energized[cc.pump_consumer] | pump_backup)
    chp_running = np.zeros(len(cc.src_gen_pos), bool)
    has_gen = cc.src_gen_pos >= 0
    chp_running[has_gen] = st.gen[cc.src_gen_pos[has_gen]] == 0
    src_ok = (st.source == 0) & (energized[cc.src_aux_consumer] | chp_running | src_backup)
    hm = cc.heat_model
    ok = hm.branch_ok(pipe_out=st.pipe > 0, valve_closed=~hm.valve_normally_open, pump_off=~pump_ok)
    cap = hm.source_capacity_mw_th * src_ok
    supplied = hm.solve_arrays(ok, cap, hm.consumer_demand_mw_th).supplied
    district = cc.b_heat_node >= 0
    has_heat = has_power.copy()  # individual gas and electric heating need power
    has_heat[district] = supplied[: int(district.sum())]
    return has_power, has_heat


def benefits(
    cc,
    st: OutageState,
    asset_ids: list[str],
    residents: np.ndarray,
    pump_backup: np.ndarray,
    src_backup: np.ndarray,
    tripped=(),
) -> np.ndarray:
    """Weighted people brought back by repairing each asset alone, now [people].

    Islands come from the grid engine (:class:`coldstart.grid.dcflow.GridModel`) with the
    damaged elements and the branches tripped by overload out of service.
    """
    base_power, base_heat = service(cc, st, pump_backup, src_backup, tripped)
    out = np.zeros(len(asset_ids))
    ae = cc.assets
    for k, aid in enumerate(asset_ids):
        i = ae.index[aid]
        trial = st.copy()
        trial.counter(ae.ref_table[i])[ae.pos[i]] -= 1
        if ae.gen_pos[i] >= 0:
            trial.gen[ae.gen_pos[i]] -= 1
        power, heat = service(cc, trial, pump_backup, src_backup, tripped)
        out[k] = (
            HEAT_WEIGHT * residents[heat & ~base_heat].sum()
            + POWER_WEIGHT * residents[power & ~base_power].sum()
        )
    return out
