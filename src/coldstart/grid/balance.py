"""Power balance of one step: supply against demand per island, shedding by priority.

Households are cut by rotating queues (:mod:`coldstart.grid.rotation`): the dispatcher orders a
stage from the city-wide deficit, in half-queue steps; where an island is still short after the
scheduled cuts, emergency outages cut more sub-queues at once and end as soon as the island can
carry its load. Critical consumers (critical facilities, heat-network pumps, heat sources'
auxiliaries, and households on their feeders) are cut last, only when an island cannot even carry
them: whole consumers, largest first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from coldstart.grid.rotation import N_SUB, Rotation, emergency_queues, stage_for_deficit
from coldstart.grid.rotation import SUB_QUEUES as QUEUES  # noqa: F401 (re-exported)

EMERGENCY_MARGIN = 0.05
"""Share of an island's supply left free before an emergency sub-queue is switched back on [-]
(a dispatcher's reserve against demand drifting back up; first estimate)."""

CRITICAL = -1
"""Queue code of a consumer exempt from rotating outages."""


@dataclass(frozen=True)
class Balance:
    """Outcome of one power balance."""

    served: np.ndarray  # fraction of each consumer's demand served, 0..1
    energized: np.ndarray  # bool per consumer: its node is in an energized island
    demand_mw: float
    served_mw: float
    stage_queues: float  # queues ordered off (half-queue steps)
    queues_off: int  # sub-queues dark (scheduled and emergency)
    emergency_off: int  # sub-queues dark by emergency order


@dataclass(frozen=True)
class BalanceFrame:
    """What a balance needs of the topology and the consumers, the same at every step until
    the islands change (:func:`balance_frame`)."""

    n: int  # islands
    energized: np.ndarray  # bool per consumer: its node is energized
    island: np.ndarray  # island of each consumer
    is_hh: np.ndarray  # bool per consumer: a household (in a sub-queue)
    q: np.ndarray  # sub-queue of each consumer (0 for critical ones)
    hh: np.ndarray  # the households' positions
    members: tuple  # the households of each sub-queue (positions)
    island_queue: np.ndarray  # island x N_SUB + sub-queue of each household
    critical: np.ndarray  # the critical consumers' positions
    critical_island: np.ndarray  # their islands


def balance_frame(
    island: np.ndarray,
    energized_node: np.ndarray,
    consumer_node: np.ndarray,
    queue: np.ndarray,
    previous: BalanceFrame | None = None,
) -> BalanceFrame:
    """The :class:`BalanceFrame` of a topology (see :func:`balance` for the parameters); the
    sub-queues' parts are taken from ``previous`` (the frame of the same consumers under
    another topology) when given."""
    if previous is None:
        is_hh = queue >= 0
        q = np.maximum(queue, 0)
        hh = is_hh.nonzero()[0]
        members = tuple(hh[queue[hh] == k] for k in range(N_SUB))
        critical = (queue == CRITICAL).nonzero()[0]
    else:
        is_hh, q, hh, members = previous.is_hh, previous.q, previous.hh, previous.members
        critical = previous.critical
    cl = island[consumer_node]
    return BalanceFrame(
        n=int(island.max()) + 1 if len(island) else 0,
        energized=energized_node[consumer_node],
        island=cl,
        is_hh=is_hh,
        q=q,
        hh=hh,
        members=members,
        island_queue=cl[hh] * N_SUB + q[hh],
        critical=critical,
        critical_island=cl[critical],
    )


def _switch_off(served: np.ndarray, frame: BalanceFrame, off: np.ndarray) -> None:
    """Set to 0 the served share of the households of the sub-queues ``off`` (in place): what
    ``served[is_hh & off[q]] = 0`` does, through each sub-queue's households."""
    for k in off.nonzero()[0]:
        served[frame.members[k]] = 0.0


def _sums(labels: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(labels, weights=weights, minlength=n).astype(float)


def cuts_needed(excess_mw: float, load_mw: np.ndarray) -> int:
    """How many of the consumers ``load_mw`` (in cutting order) to cut for ``excess_mw``.

    Cuts go on while the excess left is above 1e-9 MW; the excess left before each cut is
    ``excess_mw`` less the loads already cut, subtracted one after the other (as a loop would).

    Parameters
    ----------
    excess_mw : float
        Load above supply [MW].
    load_mw : numpy.ndarray
        Load of each candidate, in the order they are cut [MW].

    Returns
    -------
    int
        The first ``n`` candidates are cut.
    """
    left = np.subtract.accumulate(np.concatenate([[excess_mw], load_mw]))
    done = (left[: len(load_mw)] <= 1e-9).nonzero()[0]
    return int(done[0]) if len(done) else len(load_mw)


def largest_first(load_mw: np.ndarray) -> np.ndarray:
    """Positions of ``load_mw`` from the largest to the smallest, equal loads in position order:
    ``argsort(-load_mw, kind="stable")``.

    Sorts with NumPy's default (unstable, faster) sort and then puts each run of equal loads
    back in position order, so the result is that of the stable sort (a short island of a
    large city sorts thousands of critical consumers at every step).

    Parameters
    ----------
    load_mw : numpy.ndarray
        Loads [MW].

    Returns
    -------
    numpy.ndarray of int
    """
    key = -np.asarray(load_mw, float)
    if np.isnan(key).any():  # NaN are not equal to each other: leave them to the stable sort
        return np.argsort(key, kind="stable")
    order = np.argsort(key)
    v = key[order]
    tie = v[1:] == v[:-1]
    if tie.any():
        in_run = np.zeros(len(v), bool)
        in_run[:-1] |= tie
        in_run[1:] |= tie
        pos = in_run.nonzero()[0]
        run = np.cumsum(np.r_[True, ~tie])[pos]  # each run of equal loads, in sorted order
        sub = order[pos]
        order[pos] = sub[np.lexsort((sub, run))]
    return order


def balance(
    island: np.ndarray,
    energized_node: np.ndarray,
    consumer_node: np.ndarray,
    demand_mw: np.ndarray,
    queue: np.ndarray,
    gen_node: np.ndarray,
    gen_avail_mw: np.ndarray,
    ext_node: np.ndarray,
    import_cap_mw: float,
    rotation: Rotation,
    t_h: float,
    frame: BalanceFrame | None = None,
) -> Balance:
    """Balance supply and demand in every island for one step; advance the rotation.

    Parameters
    ----------
    island : numpy.ndarray of int
        Island label of every node.
    energized_node : numpy.ndarray of bool
        Whether each node is energized.
    consumer_node : numpy.ndarray of int
        Node of each consumer.
    demand_mw : numpy.ndarray
        Demand of each consumer this step [MW].
    queue : numpy.ndarray of int
        Sub-queue (0..11) of each consumer, or :data:`CRITICAL`.
    gen_node, gen_avail_mw : numpy.ndarray
        Node and available power [MW] of each generator (0 when damaged).
    ext_node : numpy.ndarray of int
        Nodes of the connections to the national grid.
    import_cap_mw : float
        Import available from the national grid [MW] (``inf``: no cap), split evenly over the
        energized connections.
    rotation : Rotation
        The run's rotating-outage state (advanced here; owned by the run).
    t_h : float
        Time since start [h].
    frame : BalanceFrame, optional
        :func:`balance_frame` of these islands and consumers when the caller keeps it (it
        changes only with the topology); computed here otherwise.
    """
    if frame is None:
        frame = balance_frame(island, energized_node, consumer_node, queue)
    n, energized, cl, is_hh, q = frame.n, frame.energized, frame.island, frame.is_hh, frame.q
    supply = _sums(island[gen_node], gen_avail_mw * energized_node[gen_node], n)
    ext_ok = energized_node[ext_node]
    n_ext = int(ext_ok.sum())
    if n_ext:
        share = import_cap_mw / n_ext if math.isfinite(import_cap_mw) else 1e12
        supply += _sums(island[ext_node[ext_ok]], np.full(n_ext, share), n)
    d = demand_mw * energized
    deficit = np.maximum(0.0, _sums(cl, d, n) - supply).sum()
    stage = stage_for_deficit(deficit, d[frame.hh].sum())
    scheduled = rotation.step(t_h, stage) & ~rotation.emergency
    served = energized.astype(float)
    _switch_off(served, frame, scheduled)
    d_served = d * served
    short = _sums(cl, d_served, n) - supply
    if (short > 1e-9).any():
        # sub-queues already in emergency stay first in line, so the cut does not hop between
        # them; the households' load per island and sub-queue is summed in consumer order
        dark = np.where(rotation.emergency, -1.0, rotation.dark_hours(t_h))
        w = d_served[frame.hh]
        per_queue = np.bincount(frame.island_queue, weights=w, minlength=n * N_SUB)
        per_queue = per_queue.reshape(n, N_SUB)
        cut = emergency_queues(short, cl, queue, d_served, dark, scheduled, per_queue)
    else:  # no island short: no emergency cut
        cut = np.zeros(N_SUB, bool)
    # hysteresis: a sub-queue already in emergency comes back only if its island then keeps a
    # margin, so emergency windows do not flicker with every small change of demand
    for qq in (rotation.emergency & ~cut & ~scheduled).nonzero()[0]:
        back_on = served.copy()
        back_on[is_hh & (scheduled | cut)[q]] = 0.0
        if (_sums(cl, d * back_on, n) > (1.0 - EMERGENCY_MARGIN) * supply + 1e-9).any():
            cut[qq] = True
    rotation.set_emergency(t_h, cut)
    off = scheduled | cut
    _switch_off(served, frame, off)
    load = _sums(cl, d * served, n)
    for i in (load > supply + 1e-9).nonzero()[0]:
        # only critical load is left: cut whole consumers, largest first, while an excess is
        # left; the excess before each cut is the running difference, subtracted in order
        crit = frame.critical  # (increasing: the same positions as a mask over all)
        crit = crit[(frame.critical_island == i) & (served[crit] > 0)]
        order = crit[largest_first(d[crit])]
        served[order[: cuts_needed(load[i] - supply[i], d[order])]] = 0.0
    return Balance(
        served=served,
        energized=energized,
        demand_mw=float(demand_mw.sum()),
        served_mw=float((demand_mw * served).sum()),
        stage_queues=float(stage),
        queues_off=int(off.sum()),
        emergency_off=int(cut.sum()),
    )
