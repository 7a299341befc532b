"""DC power flow over islands, with factorizations cached per topology and low-rank updates.

:class:`GridModel` compiles a pandapower net once (:mod:`coldstart.grid.compile_pp`) and then
answers contingencies: ``model.dc_power_flow({"line": [3, 7], "bus": [12]})`` gives the buses
still energized (as ``pandapower.topology.unsupplied_buses`` would say) and the DC flows, ext_grid
and slack-gen powers (as ``pandapower.rundcpp`` on a copy with those elements out of service).

Method
------
Islands are the connected components (``scipy.sparse.csgraph``) of the graph of live buses,
live branches and closed bus-bus switches; an island is energized when it holds an in-service
ext_grid or slack gen (pandapower's rule) or, with ``slack="any_gen"``, any in-service gen.

Closed bus-bus switches fuse their buses into one node group. The unknowns are the angles of the
node groups that hold no slack. A *base* system (the net as given, plus any fusion or slack change
of the contingency) is factorized once with ``scipy.sparse.linalg.splu`` and cached by its key
(open bus-bus switches, slack nodes). Every other change -- lines, trafos, trafo3w windings,
impedances and buses going out -- is a low-rank modification ``M' = M + U S U^T`` of that
matrix, solved with the Sherman-Morrison-Woodbury identity using the cached factors: one column
per branch lost (``-b`` on its incidence vector) and one per island that dies without already
holding a grounding (``+g`` on one of its nodes, which makes the dead island's block regular
without touching the live ones). Only when the rank exceeds :data:`MAX_RANK` is the changed
matrix factorized afresh. The answer is the same as solving every energized island on its own,
which is what pandapower does.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandapower as pp
import pandas as pd
from scipy.sparse import coo_matrix, csc_matrix
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import splu

from coldstart.graph_parts import EdgeMaskGraph
from coldstart.grid.compile_pp import BRANCH_TABLES, CompiledNet, compile_net
from coldstart.grid.dcresult import DCArrays, DCResult, State
from coldstart.linalg import SpdFactor

MAX_RANK = 60
"""Largest low-rank update solved with the cached factors; beyond it, factorize afresh."""

CACHE_SIZE = 16
"""Base factorizations kept (least recently used dropped first)."""

PREPARED_SIZE = 8
"""Prepared states kept (:class:`_Prepared`; least recently used dropped first)."""

OUTAGE_TABLES = ("bus", "line", "trafo", "trafo3w", "impedance", "switch", "gen", "ext_grid",
                 "load", "sgen", "storage")  # fmt: skip
"""Element tables that ``out_of_service`` may name."""

SlackRule = Literal["pandapower", "any_gen"]


@dataclass
class _Base:
    """A factorized base system (one key: open bus-bus switches and slack nodes)."""

    group: np.ndarray  # node -> group
    n_group: int
    ref_group: np.ndarray  # bool per group
    ref_va: np.ndarray  # angle per group (refs only)
    col: np.ndarray  # group -> unknown position, -1 for refs
    branch_live: np.ndarray  # bool per branch in the base
    ground: np.ndarray  # bool per group: grounded in the base
    ground_mw: float
    lu: object
    label: np.ndarray  # island per node in the base
    energized: np.ndarray  # bool per node in the base
    y0: np.ndarray  # solution of the base with the net's own injections


@dataclass
class _Prepared:
    """Everything :meth:`GridModel.solve` needs of one state that does not depend on the
    injections: the base, the update columns and their capacitance matrix (or the factors of
    the changed matrix when the update was too large), the islands."""

    base: _Base
    alive: np.ndarray  # bool per node
    br_live: np.ndarray  # bool per branch
    label: np.ndarray | None  # island per node (None: the base's)
    energized: np.ndarray  # bool per node
    lost: np.ndarray  # branches lost against the base
    z: np.ndarray  # base.lu.solve(U) of the update columns U (n_unknown x rank)
    cap: np.ndarray  # capacitance matrix S^-1 + U^T M^-1 U
    rank: int  # len(s_inv); -1 when factorized afresh
    fresh_lu: object = None  # factors of the changed matrix (rank above MAX_RANK)
    ends: tuple = ()  # rows of the +1 and -1 of every column of U (-1: none), for U^T x


def _u_transpose_times(ends: tuple[np.ndarray, np.ndarray], m: np.ndarray) -> np.ndarray:
    """``U^T m`` for update columns holding +1 at row ``plus[j]`` and -1 at row ``minus[j]``
    (-1: no such entry): ``m[plus] - m[minus]``, the same sums a dense product makes (every
    other term is an exact zero) without a BLAS call over the whole of ``m``."""
    plus, minus = ends
    shape = (-1,) + (1,) * (m.ndim - 1)
    a = np.where((plus >= 0).reshape(shape), m[plus], 0.0)
    b = np.where((minus >= 0).reshape(shape), m[minus], 0.0)
    return a - b


def _state_key(st: State) -> bytes:
    """The bytes of every mask of a state (a cache key)."""
    masks = (st.node_out, st.branch_out, st.switch_out, st.gen_out, st.ext_out, st.inj_out)
    return b"|".join(np.ascontiguousarray(m, bool).tobytes() for m in masks)


def _factorize(m: csc_matrix):
    """Sparse LU of a symmetric positive definite matrix (symmetric ordering, no pivoting)."""
    return splu(
        m, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0, options={"SymmetricMode": True}
    )


def _first_group(g_label: np.ndarray, islands: np.ndarray, n_group: int) -> np.ndarray:
    """Lowest node group of each of ``islands``."""
    if len(islands) == 0:
        return np.zeros(0, np.int64)
    first = np.full(int(g_label.max()) + 1, -1, np.int64)
    order = np.arange(n_group)[::-1]
    first[g_label[order]] = order
    return first[islands]


SINGULAR_TOL = 1e-7
"""Smallest scaled eigenvalue of the update's capacitance matrix below which the update is
suspected of cutting off an island without a slack (then the islands are searched)."""


def _near_singular(cap: np.ndarray, s_inv: np.ndarray) -> bool:
    """True when the capacitance matrix ``S^-1 + U^T M^-1 U`` is (nearly) singular."""
    if len(s_inv) == 0:
        return False
    d = 1.0 / np.sqrt(np.abs(s_inv))
    scaled = cap * d[:, None] * d[None, :]
    return bool(np.min(np.abs(np.linalg.eigvalsh(scaled))) < SINGULAR_TOL)


class GridModel:
    """A pandapower net compiled for fast islands and DC power flow.

    Build with :meth:`from_pandapower`; the model never changes the net and holds no state
    between calls except its cache of factorizations.

    Examples
    --------
    >>> import pandapower.networks as pn
    >>> model = GridModel.from_pandapower(pn.mv_oberrhein())
    >>> res = model.dc_power_flow({"line": [10]})
    >>> bool(res.energized_bus.all())
    True
    """

    def __init__(self, c: CompiledNet, slack: SlackRule = "pandapower"):
        self.c = c
        self.slack: SlackRule = slack
        nb = len(c.bus_labels)
        self.n_bus = nb
        self._bus_index = pd.Index(c.bus_labels)
        self._idx = {
            "line": self._labels_of(0),
            "trafo": self._labels_of(1),
            "trafo3w": self._labels_of(2),
            "impedance": self._labels_of(3),
        }
        self._gen_index = pd.Index(c.gen_label)
        self._ext_index = pd.Index(c.ext_label)
        self._sw_index = pd.Index(c.sw_label)
        self._inj_index = {
            t: pd.Index(c.inj_label[c.inj_table == t]) for t in ("load", "sgen", "storage")
        }
        self._inj_pos = {t: np.flatnonzero(c.inj_table == t) for t in ("load", "sgen", "storage")}
        self._br_by_kind = {
            t: [np.flatnonzero((c.br_kind == k) & (c.br_winding == w)) for w in range(3)]
            for k, t in enumerate(BRANCH_TABLES)
        }
        self._edges_from = np.concatenate([c.br_from, c.sw_a])
        self._edges_to = np.concatenate([c.br_to, c.sw_b])
        self._edges = EdgeMaskGraph(self._edges_from, self._edges_to, c.n_node)
        self._cache: OrderedDict = OrderedDict()
        self._prepared: OrderedDict = OrderedDict()  # state key -> _Prepared
        self._out_index = {t: pd.Index(c.br_label[self._br_by_kind[t][0]]) for t in BRANCH_TABLES}

    def _labels_of(self, k: int) -> pd.Index:
        c = self.c
        return pd.Index(c.br_label[(c.br_kind == k) & (c.br_winding == 0)])

    @classmethod
    def from_pandapower(cls, net: pp.pandapowerNet, slack: SlackRule = "pandapower") -> GridModel:
        """Compile ``net`` (not modified).

        Parameters
        ----------
        net : pandapower.pandapowerNet
            Buses, lines, trafos (2- and 3-winding), impedances, switches, ext_grids, gens,
            sgens, loads, storage, shunts, wards.
        slack : {"pandapower", "any_gen"}
            Which islands are energized: those with an ext_grid or a ``slack=True`` gen
            (pandapower's rule, default), or also those with any in-service gen (a CHP plant
            running in island mode; its largest gen becomes the island's slack).
        """
        return cls(compile_net(net), slack=slack)

    # ------------------------------------------------------------------ states

    def state(self, out_of_service: dict | None = None) -> State:
        """Positional masks of an ``out_of_service`` dict (table name -> index labels).

        Raises
        ------
        KeyError
            For an unknown table or label.
        """
        c = self.c
        node_out = np.zeros(c.n_node, bool)
        branch_out = np.zeros(len(c.br_kind), bool)
        sw_out = np.zeros(len(c.sw_label), bool)
        gen_out = np.zeros(len(c.gen_label), bool)
        ext_out = np.zeros(len(c.ext_label), bool)
        inj_out = np.zeros(len(c.inj_label), bool)
        for table, labels in (out_of_service or {}).items():
            labels = np.asarray(list(labels), dtype=np.int64)
            if len(labels) == 0:
                continue
            if table not in OUTAGE_TABLES:
                raise KeyError(f"unknown element table {table!r} (expected {OUTAGE_TABLES})")
            if table == "bus":
                node_out[self._pos(self._bus_index, labels, table)] = True
            elif table in self._idx:
                p = self._pos(self._idx[table], labels, table)
                for w in self._br_by_kind[table]:
                    if len(w):
                        branch_out[w[p]] = True
            elif table == "switch":
                for lab in labels:
                    if int(lab) in c.switch_branch:
                        branch_out[c.switch_branch[int(lab)]] = True
                    elif lab in self._sw_index:
                        sw_out[self._sw_index.get_loc(lab)] = True
                    elif lab not in c.switch_et.index:
                        raise KeyError(f"switch {int(lab)} is not in the net")
            elif table == "gen":
                gen_out[self._pos(self._gen_index, labels, table)] = True
            elif table == "ext_grid":
                ext_out[self._pos(self._ext_index, labels, table)] = True
            else:
                inj_out[self._inj_pos[table][self._pos(self._inj_index[table], labels, table)]] = (
                    True
                )
        return State(node_out, branch_out, sw_out, gen_out, ext_out, inj_out)

    @staticmethod
    def _pos(index: pd.Index, labels: np.ndarray, table: str) -> np.ndarray:
        p = index.get_indexer(labels)
        if (p < 0).any():
            raise KeyError(f"{table} {int(labels[p < 0][0])} is not in the net")
        return p

    # ------------------------------------------------------------------ islands

    def islands(self, st: State) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Islands of a state.

        Returns
        -------
        label : numpy.ndarray of int
            Island per node.
        energized : numpy.ndarray of bool
            Per node.
        branch_live, sw_live : numpy.ndarray of bool
            Branches and bus-bus switches that connect live nodes.
        """
        c = self.c
        alive = c.node_in_service & ~st.node_out
        br_live = c.br_base_ok & ~st.branch_out & alive[c.br_from] & alive[c.br_to]
        sw_live = ~st.switch_out & alive[c.sw_a] & alive[c.sw_b]
        live = np.concatenate([br_live, sw_live])
        n_comp, label = self._edges.components(live)
        src = np.zeros(n_comp, bool)
        src[label[self._slack_nodes(st, alive)]] = True
        return label, src[label] & alive, br_live, sw_live

    def _slack_nodes(self, st: State, alive: np.ndarray) -> np.ndarray:
        c = self.c
        ext = c.ext_node[c.ext_ok & ~st.ext_out & alive[c.ext_node]]
        g_ok = c.gen_ok & ~st.gen_out & alive[c.gen_node]
        gen = c.gen_node[g_ok & c.gen_slack]
        if self.slack == "any_gen":
            gen = c.gen_node[g_ok]
        return np.concatenate([ext, gen])

    # ------------------------------------------------------------------ base systems

    def _ref_nodes(self, st: State, alive: np.ndarray, label: np.ndarray) -> np.ndarray:
        """Slack nodes of the state: ext_grids and slack gens; with ``any_gen``, the largest gen
        of every island that has neither."""
        c = self.c
        ext = c.ext_node[c.ext_ok & ~st.ext_out & alive[c.ext_node]]
        g_ok = c.gen_ok & ~st.gen_out & alive[c.gen_node]
        refs = [ext, c.gen_node[g_ok & c.gen_slack]]
        if self.slack == "any_gen" and g_ok.any():
            has = np.zeros(label.max() + 1, bool)
            has[label[np.concatenate(refs)]] = True
            cand = np.flatnonzero(g_ok & ~c.gen_slack & ~has[label[c.gen_node]])
            if len(cand):
                order = cand[np.lexsort((cand, -c.gen_p_mw[cand]))]
                isl = label[c.gen_node[order]]
                _, first = np.unique(isl, return_index=True)
                refs.append(c.gen_node[order[first]])
        return np.unique(np.concatenate(refs)).astype(np.int64)

    def _group(self, sw_open: np.ndarray) -> tuple[np.ndarray, int]:
        c = self.c
        keep = ~sw_open
        n = c.n_node
        adj = coo_matrix((np.ones(int(keep.sum())), (c.sw_a[keep], c.sw_b[keep])), shape=(n, n))
        return connected_components(adj, directed=False)[::-1]

    def _base(self, sw_open: np.ndarray, ref_nodes: np.ndarray) -> _Base:
        key = (sw_open.tobytes(), ref_nodes.tobytes())
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        c = self.c
        group, n_group = self._group(sw_open)
        st = self.state()
        st = State(st.node_out, st.branch_out, sw_open, st.gen_out, st.ext_out, st.inj_out)
        alive = c.node_in_service
        br_live = c.br_base_ok & alive[c.br_from] & alive[c.br_to]
        ref_group = np.zeros(n_group, bool)
        ref_group[group[ref_nodes]] = True
        ref_va = np.zeros(n_group)
        self._set_ref_va(ref_va, group, ref_nodes)
        label, _, _, _ = self.islands(st)
        isl_ref = np.zeros(label.max() + 1, bool)
        isl_ref[label[ref_nodes]] = True
        energized = isl_ref[label] & alive
        g_label = np.zeros(n_group, np.int64)
        g_label[group] = label
        ground = np.zeros(n_group, bool)
        ground[_first_group(g_label, np.flatnonzero(~isl_ref), n_group)] = True
        col = np.full(n_group, -1, np.int64)
        col[~ref_group] = np.arange(int((~ref_group).sum()))
        ground_mw = float(np.median(np.abs(c.br_b_mw))) if len(c.br_b_mw) else 1.0
        lu = _factorize(self._matrix(group, col, br_live, ground, ground_mw))
        base = _Base(
            group=group,
            n_group=n_group,
            ref_group=ref_group,
            ref_va=ref_va,
            col=col,
            branch_live=br_live,
            ground=ground,
            ground_mw=ground_mw,
            lu=lu,
            label=label,
            energized=energized,
            y0=np.zeros(0),
        )
        base.y0 = lu.solve(self._rhs(base, energized, br_live, self._default_p(st, alive)))
        self._cache[key] = base
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return base

    def _set_ref_va(self, ref_va: np.ndarray, group: np.ndarray, ref_nodes: np.ndarray) -> None:
        c = self.c
        # gens first, ext_grids last: pandapower takes the ext_grid's va_degree at its bus
        for nodes, va in (
            (c.gen_node, np.zeros(len(c.gen_node))),
            (c.ext_node, c.ext_va_rad),
        ):
            m = np.isin(nodes, ref_nodes)
            ref_va[group[nodes[m]]] = va[m]

    def _matrix(
        self,
        group: np.ndarray,
        col: np.ndarray,
        br_live: np.ndarray,
        ground: np.ndarray,
        ground_mw: float,
    ) -> csc_matrix:
        c = self.c
        gf, gt = group[c.br_from[br_live]], group[c.br_to[br_live]]
        b = c.br_b_mw[br_live]
        cf, ct = col[gf], col[gt]
        rows = np.concatenate([cf, ct, cf, ct])
        cols = np.concatenate([cf, ct, ct, cf])
        vals = np.concatenate([b, b, -b, -b])
        keep = (rows >= 0) & (cols >= 0)
        gcol = col[np.flatnonzero(ground)]
        gcol = gcol[gcol >= 0]
        n = int((col >= 0).sum())
        rows = np.concatenate([rows[keep], gcol])
        cols = np.concatenate([cols[keep], gcol])
        vals = np.concatenate([vals[keep], np.full(len(gcol), ground_mw)])
        return coo_matrix((vals, (rows, cols)), shape=(n, n)).tocsc()

    def _default_p(self, st: State, alive: np.ndarray) -> np.ndarray:
        """Net injection per node [MW] of the net's own elements in state ``st``."""
        c = self.c
        p_node = c.node_p_fixed_mw.copy()
        if st.inj_out.any():
            np.subtract.at(p_node, c.inj_node[st.inj_out], c.inj_p_mw[st.inj_out])
        g_ok = c.gen_ok & ~st.gen_out & alive[c.gen_node]
        np.add.at(p_node, c.gen_node[g_ok], c.gen_p_mw[g_ok])
        return p_node

    def _rhs(
        self, base: _Base, energized: np.ndarray, br_live: np.ndarray, p_node: np.ndarray
    ) -> np.ndarray:
        """Right-hand side of the unknown angles: injections less phase-shift injections, plus
        the coupling to fixed slack angles."""
        c = self.c
        group, n_group = base.group, base.n_group
        p_group = np.bincount(group, weights=np.where(energized, p_node, 0.0), minlength=n_group)
        pf = c.br_pfinj_mw * br_live
        rhs_g = (
            p_group
            - np.bincount(group[c.br_from], weights=pf, minlength=n_group)
            + np.bincount(group[c.br_to], weights=pf, minlength=n_group)
        )
        if np.any(base.ref_va != 0.0):
            gf, gt = group[c.br_from], group[c.br_to]
            b = c.br_b_mw * br_live
            rf, rt = base.ref_group[gf], base.ref_group[gt]
            m = rt & ~rf
            np.add.at(rhs_g, gf[m], b[m] * base.ref_va[gt[m]])
            m = rf & ~rt
            np.add.at(rhs_g, gt[m], b[m] * base.ref_va[gf[m]])
        unknown = base.col >= 0
        rhs = np.zeros(int(unknown.sum()))
        rhs[base.col[unknown]] = rhs_g[unknown]
        return rhs

    # ------------------------------------------------------------------ solve

    def solve(self, st: State, node_p_mw: np.ndarray | None = None) -> DCArrays:
        """DC power flow of a state, on positions.

        What does not depend on the injections (islands, the base, the low-rank update and
        its capacitance matrix, or the factors of a changed matrix) is prepared once per state
        and kept for the next solve of the same state (:data:`PREPARED_SIZE` states); the
        result is the same as preparing it afresh.

        Parameters
        ----------
        st : State
            From :meth:`state`.
        node_p_mw : numpy.ndarray, optional
            Net injection of every node [MW] (generation positive) to use instead of the net's
            loads, sgens, storage, shunts and non-slack gens (for a simulation's served load and
            dispatch). Slacks still take the balance of their island.
        """
        c = self.c
        pr = self._prepare(st)
        base, alive, br_live = pr.base, pr.alive, pr.br_live
        # the result's own arrays (the prepared state stays as it is)
        energized = pr.energized.copy()
        label = None if pr.label is None else pr.label.copy()
        if pr.fresh_lu is not None:
            p = self._default_p(st, alive) if node_p_mw is None else np.asarray(node_p_mw, float)
            x = pr.fresh_lu.solve(self._rhs(base, energized, br_live, p))
            return self._finish(st, base, alive, br_live, energized, label, x, -1, node_p_mw)
        lost, z, cap = pr.lost, pr.z, pr.cap
        default_p = node_p_mw is None and not st.inj_out.any() and not st.gen_out.any()
        if default_p:
            coef = c.br_pfinj_mw[lost].copy()
            if np.any(base.ref_va != 0.0):
                gf, gt = base.group[c.br_from[lost]], base.group[c.br_to[lost]]
                va = np.where(base.ref_group, base.ref_va, 0.0)
                coef += c.br_b_mw[lost] * (va[gf] - va[gt])
            y = base.y0 + z[:, : len(lost)] @ coef
        else:
            p = self._default_p(st, alive) if node_p_mw is None else np.asarray(node_p_mw, float)
            y = base.lu.solve(self._rhs(base, energized, br_live, p))
        x = y - z @ np.linalg.solve(cap, _u_transpose_times(pr.ends, y)) if z.shape[1] else y
        return self._finish(st, base, alive, br_live, energized, label, x, pr.rank, node_p_mw)

    def _prepare(self, st: State) -> _Prepared:
        """The injection-free part of :meth:`solve` for ``st`` (cached by the state's masks)."""
        key = _state_key(st)
        if key in self._prepared:
            self._prepared.move_to_end(key)
            return self._prepared[key]
        pr = self._prepare_new(st)
        self._prepared[key] = pr
        if len(self._prepared) > PREPARED_SIZE:
            self._prepared.popitem(last=False)
        return pr

    def _prepare_new(self, st: State) -> _Prepared:
        """Islands, base and low-rank update of ``st`` (see the module doc)."""
        c = self.c
        alive = c.node_in_service & ~st.node_out
        br_live = c.br_base_ok & ~st.branch_out & alive[c.br_from] & alive[c.br_to]
        sw_live = ~st.switch_out & alive[c.sw_a] & alive[c.sw_b]
        label = None
        if self.slack == "any_gen":
            label, energized, _, _ = self.islands(st)
            ref_nodes = self._ref_nodes(st, alive, label)
        else:
            ref_nodes = self._ref_nodes(st, alive, np.zeros(1, np.int64))
        base = self._base(~sw_live, ref_nodes)
        col = base.col
        lost = np.flatnonzero(base.branch_live & ~br_live)
        # newly out nodes are dead: ground them (a dead block may hold several groundings)
        newly = np.flatnonzero(c.node_in_service & st.node_out)
        g_new = np.unique(base.group[newly])
        g_new = g_new[(col[g_new] >= 0) & ~base.ground[g_new]]
        n_unknown = len(base.y0)

        if len(lost) + len(g_new) > MAX_RANK:
            return self._prepare_fresh(st, base, alive, br_live, label)
        if label is None:
            u, s_inv, ends = self._columns(base, lost, g_new, n_unknown)
            z = base.lu.solve(u) if u.shape[1] else np.zeros((n_unknown, 0))
            cap = np.diag(s_inv) + _u_transpose_times(ends, z)
            if not _near_singular(cap, s_inv):
                energized = base.energized & alive
                return _Prepared(
                    base, alive, br_live, label, energized, lost, z, cap, len(s_inv), None, ends
                )  # fmt: skip
            label, energized, _, _ = self.islands(st)
        # ground every dead island that holds no grounding yet (known before any solve, so an
        # update that would grow past MAX_RANK goes fresh without solving for it first)
        g_new = np.concatenate([g_new, self._extra_grounds(base, label, energized, g_new)])
        if len(lost) + len(g_new) > MAX_RANK:
            return self._prepare_fresh(st, base, alive, br_live, label)
        u, s_inv, ends = self._columns(base, lost, g_new, n_unknown)
        z = base.lu.solve(u) if u.shape[1] else np.zeros((n_unknown, 0))
        cap = np.diag(s_inv) + _u_transpose_times(ends, z)
        return _Prepared(
            base, alive, br_live, label, energized, lost, z, cap, len(s_inv), None, ends
        )

    @staticmethod
    def _extra_grounds(
        base: _Base, label: np.ndarray, energized: np.ndarray, g_new: np.ndarray
    ) -> np.ndarray:
        """Lowest unknown node group of every dead island holding no grounding (neither the
        base's nor one of ``g_new``)."""
        n_isl = label.max() + 1
        g_label = np.zeros(base.n_group, np.int64)
        g_label[base.group] = label
        isl_on = np.zeros(n_isl, bool)
        isl_on[label[energized]] = True
        has = np.zeros(n_isl, bool)
        has[g_label[base.ground]] = True
        has[g_label[g_new]] = True
        extra = _first_group(g_label, np.flatnonzero(~isl_on & ~has), base.n_group)
        return extra[base.col[extra] >= 0]

    def _columns(
        self, base: _Base, lost: np.ndarray, g_new: np.ndarray, n: int
    ) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]:
        """Update columns ``U``, the inverse of the diagonal ``S`` (see the module doc), and the
        rows of the +1 and -1 of every column (-1: none; a branch inside one node group has
        neither)."""
        c = self.c
        k = len(lost) + len(g_new)
        u = np.zeros((n, k))
        cf = base.col[base.group[c.br_from[lost]]]
        ct = base.col[base.group[c.br_to[lost]]]
        j = np.arange(len(lost))
        m = cf >= 0
        u[cf[m], j[m]] += 1.0
        m = ct >= 0
        u[ct[m], j[m]] -= 1.0
        u[base.col[g_new], len(lost) + np.arange(len(g_new))] = 1.0
        s_inv = np.concatenate([-1.0 / c.br_b_mw[lost], np.full(len(g_new), 1.0 / base.ground_mw)])
        same = cf == ct  # +1 and -1 on one row: a zero column
        plus = np.concatenate([np.where(same, -1, cf), base.col[g_new]])
        minus = np.concatenate([np.where(same, -1, ct), np.full(len(g_new), -1)])
        return u, s_inv, (plus, minus)

    def _prepare_fresh(self, st, base, alive, br_live, label) -> _Prepared:
        """Factorize the changed matrix afresh (updates of rank above :data:`MAX_RANK`)."""
        if label is None:
            label, energized, _, _ = self.islands(st)
        else:
            energized = self.islands(st)[1]
        g_label = np.zeros(base.n_group, np.int64)
        g_label[base.group] = label
        n_isl = label.max() + 1
        isl_on = np.zeros(n_isl, bool)
        isl_on[label[energized]] = True
        ground = np.zeros(base.n_group, bool)
        ground[_first_group(g_label, np.flatnonzero(~isl_on), base.n_group)] = True
        # one solve with it: QDLDL's LDL^T (linalg.SpdFactor), 4.3 ms against SuperLU's 8.0 ms
        # with the solve on the 17,529-node grid of synth_city(30000), the same angles to
        # ~1e-12 relative (benchmarks/bench_parts.py)
        m = self._matrix(base.group, base.col, br_live, ground, base.ground_mw)
        m.sum_duplicates()  # canonical: sorted indices, one entry per position
        lu = SpdFactor()(m)
        none = np.zeros((len(base.y0), 0))
        return _Prepared(
            base, alive, br_live, label, energized, np.zeros(0, np.int64), none,
            np.zeros((0, 0)), -1, lu,
        )  # fmt: skip

    def _finish(self, st, base, alive, br_live, energized, label, x, rank, node_p_mw) -> DCArrays:
        """Angles, branch flows and slack powers from the solved unknowns."""
        c = self.c
        group, n_group = base.group, base.n_group
        unknown = base.col >= 0
        va_g = base.ref_va.copy()
        va_g[unknown] = x[base.col[unknown]]
        va = va_g[group]
        va[~energized] = np.nan
        on = br_live & energized[c.br_from]
        p_from = np.full(len(c.br_kind), np.nan)
        f, t = c.br_from[on], c.br_to[on]
        p_from[on] = c.br_b_mw[on] * (va[f] - va[t]) + c.br_pfinj_mw[on]
        # slack powers as pandapower's run_dc_pf: PG = PG0 + (B va - Pbus)_ref / count
        out_g = np.bincount(group[f], weights=p_from[on], minlength=n_group) - np.bincount(
            group[t], weights=p_from[on], minlength=n_group
        )
        p = self._default_p(st, alive) if node_p_mw is None else np.asarray(node_p_mw, float)
        p_group = np.bincount(group, weights=np.where(energized, p, 0.0), minlength=n_group)
        g_ok = c.gen_ok & ~st.gen_out & alive[c.gen_node]
        e_ok = c.ext_ok & ~st.ext_out & alive[c.ext_node]
        gen_ref = g_ok & base.ref_group[group[c.gen_node]]
        if self.slack == "pandapower":
            gen_ref &= c.gen_slack
        ref_g = np.concatenate([group[c.ext_node[e_ok]], group[c.gen_node[gen_ref]]])
        count = np.maximum(np.bincount(ref_g, minlength=n_group), 1)
        mismatch = out_g - p_group
        ext_p = np.full(len(c.ext_label), np.nan)
        gext = group[c.ext_node[e_ok]]
        ext_p[e_ok] = mismatch[gext] / count[gext]
        gen_p = np.where(g_ok & energized[c.gen_node], c.gen_p_mw, np.nan)
        ggen = group[c.gen_node[gen_ref]]
        gen_p[gen_ref] = c.gen_p_mw[gen_ref] + mismatch[ggen] / count[ggen]
        if label is None:
            label = base.label
        return DCArrays(energized, va, p_from, ext_p, gen_p, label, rank)

    # ------------------------------------------------------------------ labelled API

    def dc_power_flow(self, out_of_service: dict | None = None) -> DCResult:
        """DC power flow with the given elements out of service.

        Parameters
        ----------
        out_of_service : dict of str to list of int, optional
            Element table (``"bus"``, ``"line"``, ``"trafo"``, ``"trafo3w"``, ``"impedance"``,
            ``"switch"`` (opened), ``"gen"``, ``"ext_grid"``, ``"load"``, ``"sgen"``,
            ``"storage"``) to the index labels taken out.

        Returns
        -------
        DCResult
            Equal to ``pandapower.rundcpp`` on a copy of the net with those elements out of
            service (``tests/validation/test_grid_dcflow.py``: within 1e-6 MW).
        """
        return self.to_result(self.solve(self.state(out_of_service)))

    def to_result(self, r: DCArrays) -> DCResult:
        """Label a :class:`DCArrays` with the net's indices."""
        nb = self.n_bus
        series = {}
        for t in BRANCH_TABLES:
            pos = self._br_by_kind[t][0]
            series[t] = pd.Series(r.branch_p_from_mw[pos], index=self._out_index[t], dtype=float)
        return DCResult(
            energized_bus=pd.Series(r.node_energized[:nb], index=self._bus_index),
            bus_va_degree=pd.Series(np.degrees(r.node_va_rad[:nb]), index=self._bus_index),
            line_p_from_mw=series["line"],
            trafo_p_hv_mw=series["trafo"],
            trafo3w_p_hv_mw=series["trafo3w"],
            impedance_p_from_mw=series["impedance"],
            ext_grid_p_mw=pd.Series(r.ext_p_mw, index=self._ext_index),
            gen_p_mw=pd.Series(r.gen_p_mw, index=self._gen_index),
        )
