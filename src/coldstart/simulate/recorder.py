"""Recorder: exposure sums, the timeline row of every step, peaks; the Result at the end."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from coldstart import __version__
from coldstart.compiled import CompiledCity
from coldstart.metrics import Exposure, build_result, iso_times
from coldstart.people.metrics import PeopleTally
from coldstart.people.model import PeopleModel, PeopleState
from coldstart.result import Result
from coldstart.scenario.model import Scenario
from coldstart.simulate.clock import Clock
from coldstart.simulate.heat import HeatStep
from coldstart.simulate.power import PowerStep
from coldstart.thermal.heating import WITHOUT_HEAT_FRACTION


@dataclass
class ResidentSum:
    """``float(residents[mask].sum())``: the residents of the buildings in ``mask`` [people].

    Residents are whole people (an integer column of the city): summed as integers by one dot
    product, they give the same float faster (a sum of whole numbers below 2**53 is exact in
    any order). Other residents (fractions, -0.0, NaN, totals from 2**53) are summed as floats.
    The integer copy is made once per residents array, which must not change in place (the
    runner's never does).
    """

    residents: np.ndarray | None = None  # the array the copy was made of
    ints: np.ndarray | None = None  # its whole numbers as int64 (None: not all whole)

    def __call__(self, residents: np.ndarray, mask: np.ndarray) -> float:
        """The residents of the buildings where ``mask`` [people]."""
        if residents is not self.residents:
            whole = (
                not np.signbit(residents).any()
                and np.array_equal(residents, np.floor(residents))
                and float(residents.sum()) < 2.0**53
            )
            self.residents = residents
            self.ints = residents.astype(np.int64) if whole else None
        if self.ints is None:
            return float(residents[mask].sum())
        return float(self.ints @ mask)


@dataclass
class Recorder:
    """Accumulates what a run produces, step by step."""

    exposure: Exposure
    tally: PeopleTally
    peak_occupancy: np.ndarray
    blocks: np.ndarray  # apartment blocks on district (central) heating
    block_ever: np.ndarray  # such blocks that were without heat at some step
    block_peak: int = 0
    times: list[str] = field(default_factory=list)  # ISO time of every step (filled once)
    people_where: ResidentSum = field(default_factory=ResidentSum)  # people per mask

    @classmethod
    def build(cls, cc: CompiledCity, people: PeopleModel, steps: int) -> Recorder:
        """Empty sums for ``steps`` steps."""
        b = cc.city.buildings
        # a block has residents: an imported city's offices and sheds on district heating
        # (residents 0) are buildings of the network, not addresses of flats
        blocks = (
            (cc.b_heat_node >= 0)
            & (b.archetype.to_numpy() != "house_private")
            & (b.residents.to_numpy() > 0)
        )
        return cls(
            Exposure(cc.n_build, steps),
            PeopleTally(people),
            np.zeros(len(cc.shelter_fac), np.int64),
            blocks,
            np.zeros(cc.n_build, bool),
        )

    def record(
        self,
        k: int,
        clock: Clock,
        residents: np.ndarray,
        need_mw: np.ndarray,
        homes,
        heat: HeatStep,
        power: PowerStep,
        b_power: np.ndarray,
        pstate: PeopleState,
        crews_working: int,
        tripped: int,
    ) -> None:
        """Add step ``k``: exposure, the timeline row, peaks, energy not served."""
        t, to, dt_h = clock.t_h(k), float(clock.temp_out_c[k]), clock.dt_h
        if not self.times:  # clock.iso of every step, formatted at once
            self.times = iso_times(clock.start, [clock.t_h(j) for j in range(clock.steps)])
        ta, frac, bal = homes.ta, heat.frac, power.balance
        occupancy = pstate.occupancy
        self.peak_occupancy = np.maximum(self.peak_occupancy, occupancy)
        prow = self.tally.add(pstate, ta, dt_h)
        ex = self.exposure
        ex.add(
            k=k,
            dt_h=dt_h,
            temp_air_c=ta,
            temp_worst_c=homes.ta_w,
            heat_frac=frac,
            has_power=b_power,
            residents=residents,
            heat_need_mw=need_mw,
        )
        cold = frac < WITHOUT_HEAT_FRACTION
        cold_blocks = cold & self.blocks
        n_blocks = int(np.count_nonzero(cold_blocks))  # (counts: a boolean sum, faster)
        self.block_ever |= cold_blocks
        self.block_peak = max(self.block_peak, n_blocks)
        people_home = pstate.people_home
        dark = ~b_power
        ex.timeline.append(
            {
                "time": self.times[k],
                "hours": round(t, 4),
                "temp_outdoor_c": round(to, 2),
                "buildings_without_heat": int(np.count_nonzero(cold)),
                "people_without_heat": self.people_where(residents, cold),
                "blocks_without_heat": n_blocks,
                "buildings_without_power": int(np.count_nonzero(dark)),
                "people_without_power": self.people_where(residents, dark),
                "people_below_12c": float(people_home[ta < 12.0].sum()),
                "people_in_shelters": prow["people_in_shelters"],  # the occupancy's sum
                "load_demand_mw": round(bal.demand_mw, 3),
                "load_served_mw": round(bal.served_mw, 3),
                "heat_served_mw_th": round(
                    float((heat.consumer_demand_mw_th * heat.consumer_frac).sum()), 3
                ),
                "crews_working": int(crews_working),
                "alert_active": bool(clock.alert_active[k]),
                "queues_off": bal.queues_off,
                "heat_loss_mw_th": round(heat.loss_mw_th, 3),
                "stage_queues": bal.stage_queues,
                "emergency_queues_off": bal.emergency_off,
                "branches_tripped": tripped,
                **prow,
            }
        )
        ex.energy_not_served_mwh += (bal.demand_mw - bal.served_mw) * dt_h

    def result(
        self,
        cc: CompiledCity,
        scenario: Scenario,
        seed: int,
        events,
        damage,
        homes,
        schedule,
        extra_summary: dict,
    ) -> Result:
        """The Result of the finished run."""
        return build_result(
            cc=cc,
            scenario=scenario,
            seed=seed,
            ex=self.exposure,
            events=events,
            damaged=damage.damaged,
            sys_state=homes.system,
            shelter_peak=self.peak_occupancy,
            schedule=schedule,
            first_hit_h=damage.first_hit_h,
            version=__version__,
            people=self.tally,
            extra_summary={
                "blocks_total": int(self.blocks.sum()),
                "blocks_lost_heat": int(self.block_ever.sum()),
                "blocks_without_heat_peak": self.block_peak,
                **extra_summary,
            },
        )
