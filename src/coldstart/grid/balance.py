"""First-version power balance: supply against demand per island, shedding by priority.

Households are cut by rotating queues (DESIGN.md, "Rotating outages"): 6 queues of 2 sub-queues
(1.1 ... 6.2); the number of sub-queues off follows the city-wide deficit, each off-window lasts
:data:`OFF_WINDOW_H`, a sub-queue stays on at least :data:`MIN_ON_H` between windows when it can,
and the sub-queue with the fewest dark hours so far goes next (fairness). Critical consumers
(critical facilities, heat-network pumps, heat sources' auxiliaries) are cut last, only when an
island cannot even carry them, whole consumers, largest first.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from coldstart.grid.model import Islands

QUEUES = tuple(f"{q}.{s}" for q in range(1, 7) for s in (1, 2))
"""Sub-queue names, in order."""

OFF_WINDOW_H = 3.0
"""Length of one scheduled off-window [h]; Ukrainian practice 2.5-3.5 h (DESIGN.md)."""

MIN_ON_H = 3.5
"""Minimum time on between two off-windows of one sub-queue [h] (DESIGN.md)."""

CRITICAL = -1
"""Queue code of a consumer exempt from rotating outages."""


@dataclass
class QueueState:
    """Rotating-outage state of the 12 sub-queues (owned by one run; never shared)."""

    off_until_h: np.ndarray = field(default_factory=lambda: np.full(len(QUEUES), -np.inf))
    on_since_h: np.ndarray = field(default_factory=lambda: np.full(len(QUEUES), -np.inf))
    off_hours: np.ndarray = field(default_factory=lambda: np.zeros(len(QUEUES)))
    schedule: list[tuple[str, float, float]] = field(default_factory=list)

    def off_mask(self, t_h: float) -> np.ndarray:
        """Sub-queues scheduled off at time ``t_h``."""
        return self.off_until_h > t_h + 1e-9


@dataclass(frozen=True)
class Balance:
    """Outcome of one power balance."""

    served: np.ndarray  # fraction of each consumer's demand served, 0..1
    energized: np.ndarray  # bool per consumer: its bus is in an energized island
    demand_mw: float
    served_mw: float
    queues_off: int


def _island_sums(labels: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(labels, weights=weights, minlength=n).astype(float)


def balance(
    islands: Islands,
    consumer_bus: np.ndarray,
    demand_mw: np.ndarray,
    queue: np.ndarray,
    gen_bus: np.ndarray,
    gen_avail_mw: np.ndarray,
    ext_bus: np.ndarray,
    import_cap_mw: float,
    state: QueueState,
    t_h: float,
    dt_h: float,
) -> Balance:
    """Balance supply and demand in every island for one step; update the queue state.

    Parameters
    ----------
    islands : Islands
        Current topology.
    consumer_bus : numpy.ndarray of int
        Bus position of each consumer.
    demand_mw : numpy.ndarray
        Demand of each consumer this step [MW].
    queue : numpy.ndarray of int
        Sub-queue position (0..11) of each consumer, or :data:`CRITICAL`.
    gen_bus, gen_avail_mw : numpy.ndarray
        Bus position and available power [MW] of each generator (0 when damaged).
    ext_bus : numpy.ndarray of int
        Bus positions of the connections to the national grid.
    import_cap_mw : float
        Import available from the national grid [MW] (``inf`` for no cap), split evenly over the
        energized connections.
    state : QueueState
        Rotating-outage state; updated in place (it belongs to the run, not to the inputs).
    t_h, dt_h : float
        Time since start and step [h].
    """
    n = islands.n
    lab = islands.label
    energized = islands.energized[consumer_bus]
    ext_ok = islands.energized[ext_bus]
    supply = _island_sums(lab[gen_bus], gen_avail_mw * islands.energized[gen_bus], n)
    if ext_ok.any():
        share = import_cap_mw / ext_ok.sum() if np.isfinite(import_cap_mw) else 1e12
        supply += _island_sums(lab[ext_bus[ext_ok]], np.full(ext_ok.sum(), share), n)
    d = demand_mw * energized
    cl = lab[consumer_bus]
    is_hh = queue >= 0
    demand_isl = _island_sums(cl, d, n)
    deficit = np.maximum(0.0, demand_isl - supply).sum()
    hh_total = d[is_hh].sum()
    need = int(np.ceil(min(1.0, deficit / hh_total) * len(QUEUES) - 1e-9)) if hh_total > 0 else 0

    off = state.off_mask(t_h)
    ended = (~off) & np.isfinite(state.off_until_h) & (state.on_since_h < state.off_until_h)
    state.on_since_h[ended] = state.off_until_h[ended]
    if off.sum() < need:
        rested = (t_h - state.on_since_h) >= MIN_ON_H - 1e-9
        order = np.lexsort((np.arange(len(QUEUES)), state.off_hours, ~rested))
        for q in order:
            if off.sum() >= need:
                break
            if off[q]:
                continue
            off[q] = True
            state.off_until_h[q] = t_h + OFF_WINDOW_H
            state.schedule.append((QUEUES[q], t_h, t_h + OFF_WINDOW_H))
    state.off_hours[off] += dt_h

    served = energized.astype(float)
    served[is_hh & off[np.maximum(queue, 0)]] = 0.0
    # Emergency shedding where an island still cannot carry its load: more sub-queues in that
    # island (fewest dark hours first), then critical consumers.
    load_isl = _island_sums(cl, d * served, n)
    short = np.flatnonzero(load_isl > supply + 1e-9)
    for i in short:
        in_i = cl == i
        excess = load_isl[i] - supply[i]
        for q in np.argsort(state.off_hours, kind="stable"):
            if excess <= 1e-9:
                break
            m = in_i & (queue == q) & (served > 0)
            cut = (d * served)[m].sum()
            if cut > 0:
                served[m] = 0.0
                excess -= cut
        if excess > 1e-9:
            # critical consumers go whole (largest first), so the rest keep full power
            crit = np.flatnonzero(in_i & (queue == CRITICAL) & (served > 0))
            for j in crit[np.argsort(-d[crit], kind="stable")]:
                if excess <= 1e-9:
                    break
                served[j] = 0.0
                excess -= d[j]
    return Balance(
        served=served,
        energized=energized,
        demand_mw=float(demand_mw.sum()),
        served_mw=float((demand_mw * served).sum()),
        queues_off=int(off.sum()),
    )
