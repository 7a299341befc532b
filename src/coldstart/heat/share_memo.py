"""Flow shares remembered per independent part of the heat network.

The consumers' flow shares in one part of the network -- the nodes joined by flowing branches
and by the consumers themselves (a substation joins its supply node to its return node) -- depend
on that part alone: its nodes, its flowing branches, the lift of its boosters and which of its
sources hold pressure (every part holds its own pressures; nothing flows between parts). A strike
or a repair in one district therefore leaves every other district's shares as they were, and a
run meets far fewer topologies of its large districts than of the whole city: in the demo week
on ``synth_city(30000)`` the pressure-driven solve met parts of over 3,000 nodes 337 times, in 29
distinct states (measured by ``benchmarks/bench_simulate.py``'s city, counting keys as below).

:class:`ShareMemo` keeps the shares of every part it solved, keyed by a digest of exactly what
decides them; :func:`memo_flow_shares` solves only the parts it has not seen
(:func:`coldstart.heat.pressure.flow_shares` on the network with every other part's branches
cut) and assembles the whole from the memo. A part solved alone converges to the same solution
as in a joint solve, within the solver's tolerance (the Newton stopping rule looks at the largest
imbalance of the nodes it solves).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from coldstart.heat.hydraulics import HydraulicModel
from coldstart.heat.pressure import CONSUMER_DP_MIN_BAR, Shares, flow_shares

MAX_VALUES = 2_000_000
"""Consumer values a memo keeps before it starts afresh (three arrays of this many: ~40 MB)."""


@dataclass
class ShareMemo:
    """Flow shares per part state, for one hydraulic model and one set of design flows.

    Attributes
    ----------
    mdot_design : numpy.ndarray
        Design flow of every consumer [kg/s] (the memo is valid for these flows only).
    dp_min_bar : float
        Differential pressure a consumer needs for its design flow [bar].
    parts : dict
        Part digest -> (share, dp_bar, active) of the part's consumers, in consumer order.
    solved, reused : int
        Parts solved and parts taken from the memo so far.
    """

    mdot_design: np.ndarray
    dp_min_bar: float = CONSUMER_DP_MIN_BAR
    parts: dict[bytes, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)
    solved: int = 0
    reused: int = 0
    _values: int = 0

    def remember(self, key: bytes, entry: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
        """Keep one part's shares (forget everything first when the memo is full)."""
        if self._values + len(entry[0]) > MAX_VALUES:
            self.parts.clear()
            self._values = 0
        self.parts[key] = entry
        self._values += len(entry[0])


def part_labels(
    hyd: HydraulicModel, branch_ok: np.ndarray, node_part: np.ndarray | None = None
) -> np.ndarray:
    """Part of every node of the hydraulic graph: components over the flowing branches and the
    consumers' supply-return links.

    ``node_part``: the parts of the model's nodes over ``branch_ok``
    (:meth:`~coldstart.heat.engine.HeatModel.components`), when the caller has them. In a city
    model the return layer mirrors the supply layer and every consumer joins a node to its
    mirror, so a part holding a consumer is its model part in both layers: the labels are the
    model's, twice (parts without consumers may then share a label; none is looked at).
    """
    g = hyd._g
    if node_part is not None and g.layered:
        return np.concatenate([node_part, node_part])
    return hyd.parts_with_consumers(branch_ok)


def _sorted_by(labels: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions of ``labels`` sorted by label (stable) and where each of ``wanted`` (sorted)
    starts and ends in them.

    Labels that fit 16 bits are sorted as such: NumPy then sorts by radix, in linear time (a
    large city's ~26,000 consumers in ~100 parts: 0.2 ms instead of 0.8 ms), to the same
    order.
    """
    if len(labels) and labels.min() >= 0 and labels.max() < 2**16:
        order = np.argsort(labels.astype(np.uint16), kind="stable")
    else:
        order = np.argsort(labels, kind="stable")
    at = labels[order]
    return order, np.searchsorted(at, wanted, "left"), np.searchsorted(at, wanted, "right")


def part_keys(
    hyd: HydraulicModel,
    branch_ok: np.ndarray,
    source_ok: np.ndarray,
    pump_off: np.ndarray | None,
    node_part: np.ndarray | None = None,
) -> tuple[np.ndarray, list[np.ndarray], list[bytes]]:
    """The parts holding consumers, their consumers and the digest of what decides their
    shares: the flowing branches and their boosters' lift, the consumers (which with the
    branches give the part's nodes: every node of a part is an end of one of them) and the
    working sources whose supply or return node lies in it. In a city model the supply layer's
    branches stand for both layers (the return layer mirrors them). ``node_part``: as
    :func:`part_labels`.

    Returns
    -------
    labels, consumers, keys
        Part of every node; per part (ascending label): its consumers' positions (ascending)
        and its digest.
    """
    g = hyd._g
    labels = part_labels(hyd, branch_ok, node_part)
    c_lab = labels[g.c_from]
    wanted = np.unique(c_lab)
    edges = np.flatnonzero(branch_ok[g.src[: len(g.src) // 2 if g.layered else len(g.src)]])
    stop = np.zeros(len(g.f), np.uint8)
    if pump_off is not None and pump_off.any():
        off = np.zeros(len(hyd.model.branch_from), bool)
        off[hyd.model.pump_branch[pump_off]] = True
        stop = off[g.src].astype(np.uint8)
    src = np.flatnonzero(source_ok)
    # per column, its values sorted by part and each part's slice of them
    order, c_lo, c_hi = _sorted_by(c_lab, wanted)
    e_order, e_lo, e_hi = _sorted_by(labels[g.f[edges]], wanted)
    cols = [(edges[e_order], e_lo, e_hi), (order, c_lo, c_hi)]
    for end in (g.s_sup, g.s_ret):
        s_order, lo, hi = _sorted_by(labels[end[src]], wanted)
        cols.append((src[s_order], lo, hi))
    cols.append((stop[edges[e_order]], e_lo, e_hi))
    # each part's bytes of every column, joined by "|", digested: positions as 32-bit ints and
    # SHA-256 (hardware-accelerated on common CPUs), as a large part's digest reads ~100 kB
    # (blake2b of 64-bit positions took half the time of this function at 30,000 buildings);
    # slicing with Python ints
    views = []
    for v, lo, hi in cols:
        v = v.astype(np.int32) if v.dtype == np.int64 else v  # positions < 2**31
        size = v.itemsize
        views.append((memoryview(np.ascontiguousarray(v)).cast("B"), (lo * size).tolist(),
                      (hi * size).tolist()))  # fmt: skip
    keys = [
        hashlib.sha256(b"|".join([mv[a[k] : b[k]] for mv, a, b in views])).digest()
        for k in range(len(wanted))
    ]
    consumers = [order[a:b] for a, b in zip(c_lo, c_hi, strict=True)]
    return labels, consumers, keys


def memo_flow_shares(
    memo: ShareMemo,
    hyd: HydraulicModel,
    branch_ok: np.ndarray,
    source_ok: np.ndarray,
    pump_off: np.ndarray | None = None,
    share_init: np.ndarray | None = None,
    node_part: np.ndarray | None = None,
) -> Shares:
    """:func:`coldstart.heat.pressure.flow_shares`, solving only the parts the memo lacks.

    Parameters
    ----------
    memo : ShareMemo
        Updated in place with the parts solved here.
    hyd : HydraulicModel
    branch_ok, source_ok : numpy.ndarray of bool
        Branches carrying flow and working sources.
    pump_off : numpy.ndarray of bool, optional
        Boosters running without lift (bypassed).
    share_init : numpy.ndarray, optional
        Start shares for Newton (see :func:`~coldstart.heat.pressure.flow_shares`).
    node_part : numpy.ndarray, optional
        Parts of the model's nodes over ``branch_ok`` when the caller has them (see
        :func:`part_labels`).

    Returns
    -------
    Shares
        ``solves`` counts the hydraulic solves and Newton iterations spent here (0 when every
        part was remembered).
    """
    g = hyd._g
    labels, consumers, keys = part_keys(hyd, branch_ok, source_ok, pump_off, node_part)
    new = [k for k, key in enumerate(keys) if key not in memo.parts]
    solves, converged, fresh = 0, True, {}
    if new:
        part_new = np.zeros(int(labels.max()) + 1, bool)
        part_new[[labels[g.c_from[consumers[k][0]]] for k in new]] = True
        keep = np.zeros(len(branch_ok), bool)
        keep[g.src[part_new[labels[g.f]]]] = True
        sh = flow_shares(
            hyd, branch_ok & keep, source_ok, memo.mdot_design, pump_off, memo.dp_min_bar,
            share_init,
        )  # fmt: skip
        solves, converged = sh.solves, sh.converged
        for k in new:
            c = consumers[k]
            fresh[keys[k]] = (sh.share[c], sh.dp_bar[c], sh.active[c])
            memo.remember(keys[k], fresh[keys[k]])
        memo.solved += len(new)
    memo.reused += len(keys) - len(new)
    n = len(g.c_from)
    share, dp_bar, active = np.zeros(n), np.full(n, np.nan), np.zeros(n, bool)
    for c, key in zip(consumers, keys, strict=True):
        share[c], dp_bar[c], active[c] = fresh[key] if key in fresh else memo.parts[key]
    return Shares(share, dp_bar, active, solves, converged)
