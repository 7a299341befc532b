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
from scipy.sparse import csc_matrix
from scipy.sparse.csgraph import connected_components

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


def part_labels(hyd: HydraulicModel, branch_ok: np.ndarray) -> np.ndarray:
    """Part of every node of the hydraulic graph: components over the flowing branches and the
    consumers' supply-return links."""
    g = hyd._g
    ok = branch_ok[g.src]
    f = np.concatenate([g.f[ok], g.c_from])
    t = np.concatenate([g.t[ok], g.c_to])
    adj = csc_matrix((np.ones(len(f)), (f, t)), shape=(g.n_node, g.n_node))
    return connected_components(adj, directed=False)[1]


def _groups(labels: np.ndarray, wanted: np.ndarray) -> list[np.ndarray]:
    """Positions of ``labels`` equal to each of ``wanted`` (sorted), ascending within each."""
    order = np.argsort(labels, kind="stable")
    lo = np.searchsorted(labels[order], wanted, side="left")
    hi = np.searchsorted(labels[order], wanted, side="right")
    return [order[a:b] for a, b in zip(lo, hi, strict=True)]


def part_keys(
    hyd: HydraulicModel,
    branch_ok: np.ndarray,
    source_ok: np.ndarray,
    pump_off: np.ndarray | None,
) -> tuple[np.ndarray, list[np.ndarray], list[bytes]]:
    """The parts holding consumers, their consumers and the digest of what decides their
    shares (nodes, flowing branches and their boosters' lift, the sources holding pressure).

    Returns
    -------
    labels, consumers, keys
        Part of every node; per part (ascending label): its consumers' positions (ascending)
        and its digest.
    """
    g = hyd._g
    labels = part_labels(hyd, branch_ok)
    c_lab = labels[g.c_from]
    wanted = np.unique(c_lab)
    edges = np.flatnonzero(branch_ok[g.src])
    stop = np.zeros(len(g.f), np.uint8)
    if pump_off is not None and pump_off.any():
        off = np.zeros(len(hyd.model.branch_from), bool)
        off[hyd.model.pump_branch[pump_off]] = True
        stop = off[g.src].astype(np.uint8)
    src = np.flatnonzero(source_ok)
    by_src = _groups(labels[g.s_sup[src]], wanted)
    nodes = _groups(labels, wanted)
    branches = _groups(labels[g.f[edges]], wanted)
    keys = []
    for k in range(len(wanted)):
        e = edges[branches[k]]
        digest = hashlib.blake2b(digest_size=20)
        for part in (nodes[k], e, stop[e], src[by_src[k]]):
            digest.update(np.ascontiguousarray(part).tobytes())
            digest.update(b"|")
        keys.append(digest.digest())
    return labels, _groups(c_lab, wanted), keys


def memo_flow_shares(
    memo: ShareMemo,
    hyd: HydraulicModel,
    branch_ok: np.ndarray,
    source_ok: np.ndarray,
    pump_off: np.ndarray | None = None,
    share_init: np.ndarray | None = None,
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

    Returns
    -------
    Shares
        ``solves`` counts the hydraulic solves and Newton iterations spent here (0 when every
        part was remembered).
    """
    g = hyd._g
    labels, consumers, keys = part_keys(hyd, branch_ok, source_ok, pump_off)
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
