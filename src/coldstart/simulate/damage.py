"""Damage: strike waves, hits, repairs and trips, and the grid topology they leave.

State: outage counters per element (> 0 means out), the record of every damaged asset, the
branches tripped by overload, the interceptors left, the waves still to come, and the engine's
topology (islands, energized nodes) for what is broken now, refreshed once after each change.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from coldstart.compiled import CompiledCity
from coldstart.restore.benefit import OutageState, engine_state
from coldstart.scenario.model import Scenario
from coldstart.scenario.strikes import Damage, in_truce, resolve_wave
from coldstart.scenario.tables import DAMAGE_STATES
from coldstart.simulate.events import EventKind, EventLog


@dataclass(frozen=True)
class Topology:
    """The grid engine's view of what is out now: its state, node islands, energized nodes."""

    engine_state: object
    node_island: np.ndarray
    node_on: np.ndarray


@dataclass
class AssetRecord:
    """Everything that happened to one struck asset."""

    state: str  # worst damage state of any hit
    hits: int
    first_hit_h: float
    last_hit_h: float
    restored_h: float | None = None  # last repair done (None: out at the end)
    out: bool = True  # out of service now (counted in the outage counters)


@dataclass
class DamageState:
    """Mutable damage state of one run."""

    outage: OutageState
    damaged: dict[str, AssetRecord] = field(default_factory=dict)
    tripped: set[int] = field(default_factory=set)
    interceptors: dict[str, int] = field(default_factory=dict)
    waves: list = field(default_factory=list)  # heap of (at_h, order, "wave", Wave)
    topology: Topology | None = None
    version: int = 0
    dirty: bool = True

    @property
    def first_hit_h(self) -> float | None:
        """Hour of the first hit of the run (None before any)."""
        return min((d.first_hit_h for d in self.damaged.values()), default=None)


def worse(a: str, b: str) -> str:
    """The worse of two damage states (none < slight < moderate < extensive < complete)."""
    return a if DAMAGE_STATES.index(a) >= DAMAGE_STATES.index(b) else b


class DamageModel:
    """Applies waves, repairs and trips to a :class:`DamageState` of one compiled city."""

    def __init__(self, cc: CompiledCity, scenario: Scenario):
        self.cc = cc
        self.scenario = scenario
        self.assets = cc.city.assets
        self.ae = cc.assets
        self.engine = cc.engine

    def initial_state(self) -> DamageState:
        """Nothing damaged; every wave of the scenario queued."""
        outage = OutageState.empty(self.cc)
        waves: list = []
        for k, wave in enumerate(self.scenario.strikes):
            heapq.heappush(waves, (wave.at_h, k, "wave", wave))
        return DamageState(
            outage=outage, interceptors=dict(self.scenario.interceptors.stock), waves=waves
        )

    def apply(self, st: DamageState, asset_id: str, sign: int) -> None:
        """Take an asset out (``sign = +1``) or bring it back (``-1``) in the counters."""
        ae = self.ae
        i = ae.index[asset_id]
        st.outage.counter(ae.ref_table[i])[ae.pos[i]] += sign
        if ae.gen_pos[i] >= 0:
            st.outage.gen[ae.gen_pos[i]] += sign

    def strike(
        self,
        st: DamageState,
        t_h: float,
        dt_h: float,
        rng: np.random.Generator,
        open_repair: Callable[[Damage], object],
        log: EventLog,
    ) -> None:
        """Resolve every wave due before ``t_h + dt_h``: hits, damage records, repair tasks.

        ``open_repair(damage)`` opens (or worsens) the asset's crew task and returns it.
        """
        while st.waves and st.waves[0][0] < t_h + dt_h - 1e-9:
            at_h, _, _, wave = heapq.heappop(st.waves)
            name = wave.name or "wave"
            if in_truce(self.scenario, at_h):
                log.log(at_h, EventKind.WAVE_CANCELLED, "", f"{name}: inside a truce window")
                continue
            out = resolve_wave(
                wave,
                self.assets,
                rng,
                st.interceptors,
                self.scenario.interceptors.when_out,
                self.scenario.damage.severity_shift,
            )
            for th, n_used in (out.interceptors_used or {}).items():
                if th in st.interceptors:
                    st.interceptors[th] -= n_used
            detail = ", ".join(
                f"{th}: {out.launched[th]} launched, {out.launched[th] - out.leaked[th]} "
                f"intercepted"
                for th in out.launched
                if out.launched[th]
            )
            if out.superseded:  # (an explicit hit is what happened to its asset)
                n = out.superseded
                detail += (
                    f"; {n} leaker{'s' if n > 1 else ''} drawn onto assets the wave names "
                    "explicitly: their explicit damage stands"
                )
            log.log(at_h, EventKind.WAVE, "", f"{name}: {detail or 'explicit hits'}")
            for dmg in out.damage:
                self._hit(st, dmg, at_h, open_repair, log)

    def _hit(self, st: DamageState, dmg: Damage, at_h: float, open_repair, log: EventLog) -> None:
        """A hit: out of service unless already out; the record keeps the worst state."""
        log.log(at_h, EventKind.HIT, dmg.asset_id, f"{dmg.threat}: {dmg.state}")
        rec = st.damaged.get(dmg.asset_id)
        if rec is None:
            rec = st.damaged[dmg.asset_id] = AssetRecord(dmg.state, 0, at_h, at_h, out=False)
        if not rec.out:  # first hit, or hit again after a repair: out again
            self.apply(st, dmg.asset_id, +1)
            rec.out, rec.restored_h = True, None
        rec.hits += 1
        rec.last_hit_h = at_h
        rec.state = worse(rec.state, dmg.state)
        task = open_repair(dmg)
        if not np.isfinite(task.remaining_h):
            log.log(
                at_h, EventKind.BEYOND_REPAIR, dmg.asset_id, "not repairable within the horizon"
            )
        st.dirty = True

    def repaired(self, st: DamageState, asset_id: str, done_h: float) -> None:
        """An asset's repair is done: back in service."""
        rec = st.damaged[asset_id]
        if rec.out:
            self.apply(st, asset_id, -1)
            rec.out = False
        rec.restored_h = done_h
        st.dirty = True

    def refresh(self, st: DamageState, force: bool = False) -> None:
        """Recompute the topology when something changed (or ``force``): the engine's state of
        the elements the outage counters hold out, plus the tripped branches."""
        if not (st.dirty or force):
            return
        es = engine_state(self.engine, st.outage, sorted(st.tripped))
        label, on, _, _ = self.engine.islands(es)
        st.topology = Topology(es, label, on)
        st.dirty = False
        st.version += 1
