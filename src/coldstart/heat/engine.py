"""The district heating engine: which consumers a working source reaches, and how much heat.

A :class:`HeatModel` holds the network as arrays (compiled once): nodes; branches (pipes, then
valves; a valve is a branch that carries flow only while open); boosters (a pump without power
stops the circulation through its branch); sources with a supply node and a return node;
consumers with a from node and a to node. In the city tables a heat pipe is a supply-return pair
and a node is both sides at once (supply node = return node, from node = to node); a pandapipes
net has separate flow and return sides (:meth:`HeatModel.from_pandapipes`).

:meth:`HeatModel.solve` finds the connected parts over the branches that carry circulation
(scipy sparse connected components), then:

- a consumer is supplied when its from node lies in a part holding the supply node of a working
  source and its to node in a part holding the return node of a working source (pandapipes'
  rule: each side must reach a pressure-fixing node, the circulation pump's flow or return
  junction);
- parts linked through working sources and supplied consumers form one circuit; its sources'
  available capacity is shared over its consumers' demand plus the heat lost by its circulating
  pipes, every consumer getting the same fraction (lowered supply temperature, as Kharkiv ran
  its network [KHARKIV-2025]). A circuit without a working source gets nothing.

No hydraulics: a connected consumer is assumed to get its flow (see the validation against
pandapipes in ``tests/validation/test_heat_pandapipes.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from coldstart.graph_parts import EdgeMaskGraph


@dataclass(frozen=True)
class HeatState:
    """A solved heat state (everything on the model's own indexes).

    Attributes
    ----------
    supplied_consumer : pandas.Series of bool
        Connected to a working source, on the consumers' index.
    delivered_fraction : pandas.Series of float
        Share of its demand each consumer receives [-] (0 when not supplied).
    delivered_mw_th : pandas.Series of float
        Heat delivered to each consumer [MW_th].
    circulating_pipe : pandas.Series of bool
        Pipes in service in a circuit with a working source (water moves; no freezing), on the
        pipes' index.
    loss_mw_th : float
        Heat lost by the circulating pipes [MW_th].
    served_mw_th : float
        Heat delivered to consumers [MW_th].
    """

    supplied_consumer: pd.Series
    delivered_fraction: pd.Series
    delivered_mw_th: pd.Series
    circulating_pipe: pd.Series
    loss_mw_th: float
    served_mw_th: float


@dataclass(frozen=True)
class HeatArrays:
    """The same state as plain arrays (positions), for the runner's inner loop."""

    supplied: np.ndarray
    fraction: np.ndarray
    delivered_mw_th: np.ndarray
    circulating_pipe: np.ndarray
    node_part: np.ndarray
    loss_mw_th: float
    consumer_circuit: np.ndarray | None = None  # circuit of each consumer
    circuit_capacity_mw_th: np.ndarray | None = None  # available source capacity per circuit
    circuit_loss_mw_th: np.ndarray | None = None  # pipe losses per circuit while circulating
    capacity_fraction: np.ndarray | None = None  # per consumer: its circuit's capacity level


class Parts(tuple):
    """``(n_part, node_part)``: the connected parts of one topology (:meth:`HeatModel.components`).

    A tuple, with a memo of what :meth:`HeatModel.solve_arrays` derives from the parts and the
    working sources alone (supplied consumers, circuits, circulating pipes), so that a caller
    who keeps the parts of an unchanged topology also skips that work; at most
    :data:`MEMO_SIZE` sets of working sources are remembered.
    """

    MEMO_SIZE = 16

    def __new__(cls, n_part: int, node_part: np.ndarray) -> Parts:
        obj = super().__new__(cls, (n_part, node_part))
        obj.memo = {}
        return obj


@dataclass(frozen=True)
class _Circuits:
    """What :meth:`HeatModel.solve_arrays` derives from a topology and its working sources."""

    supplied: np.ndarray  # bool per consumer
    circuit: np.ndarray  # circuit per part
    consumer_circuit: np.ndarray  # circuit per consumer
    circulating: np.ndarray  # bool per pipe
    pipe_circuit: np.ndarray  # circuit per pipe
    source_circuit: np.ndarray  # circuit of each source's supply node
    n_circuit: int
    fill: dict = field(default_factory=dict, compare=False)  # water-filling orders, by shares
    losses: dict = field(default_factory=dict, compare=False)  # per-circuit losses, by array

    def loss_of(self, loss_mw_th: np.ndarray) -> tuple[np.ndarray, float]:
        """Each circuit's pipe loss and the whole network's [MW_th] with the per-pipe losses
        ``loss_mw_th``; remembered per array (a run keeps one per rounded outdoor temperature,
        and the topology changes far less often than the steps)."""
        got = self.losses.get(id(loss_mw_th))
        if got is None or got[0] is not loss_mw_th:
            if len(self.losses) >= 16:
                self.losses.clear()
            circ = np.where(self.circulating, loss_mw_th, 0.0)
            loss_c = np.bincount(self.pipe_circuit, circ, minlength=self.n_circuit)
            got = (loss_mw_th, loss_c, float(np.sum(loss_mw_th[self.circulating])))
            self.losses[id(loss_mw_th)] = got
        return got[1].copy(), got[2]


def _fill_levels(
    heat_mw_th: np.ndarray,
    loss_mw_th: np.ndarray,
    takes_mw_th: np.ndarray,
    smax: np.ndarray,
    circuit: np.ndarray,
    level_c: np.ndarray,
    demand_mw_th: np.ndarray,
    orders: dict | None = None,
) -> np.ndarray:
    """Water-filling level of every circuit: the largest ``L`` in [0, 1] with
    ``sum(demand * min(smax, L)) + L * loss <= heat`` (``heat``: the sources' capacity; the
    pipes lose heat in proportion to the level, as without limits, where ``L = heat / (demand +
    loss)``). A circuit whose consumers can take all they can (``sum(takes) + loss <= heat``)
    gets 1; one with no limited consumer keeps ``level_c``.

    Exact: the sum is piecewise linear in ``L`` with breaks at the consumers' ``smax``; sorted
    by circuit and ``smax``, the sum at each break is the capped consumers' ``demand * smax``
    up to it plus the break times the demand above it and the loss, and ``L`` lies on the last
    segment whose start fits.

    ``orders``: a cache, for one ``circuit`` and ``smax``, of each short circuit's consumers
    sorted by ``smax`` (stable); filled here. The topology and the shares change far less often
    than the demands, so a run sorts each circuit once per topology instead of at every step.
    """
    n_c = len(level_c)
    room = np.bincount(circuit, takes_mw_th, minlength=n_c) + loss_mw_th
    out = np.where(room <= heat_mw_th, 1.0, level_c)
    short = (room > heat_mw_th) & (np.bincount(circuit, smax < 1.0, n_c) > 0)
    if not short.any():
        return out
    ks = np.flatnonzero(short)
    if orders is None:
        orders = {}
        sel = np.flatnonzero(short[circuit])
        sel = sel[np.argsort(circuit[sel], kind="stable")]  # by circuit, ascending within each
        bounds = np.searchsorted(circuit[sel], np.append(ks, n_c))
        for j, k in enumerate(ks):
            orders[k] = _by_share(sel[bounds[j] : bounds[j + 1]], smax)
    for k in ks:
        seg = orders.get(k)
        if seg is None:
            seg = orders[k] = _by_share(np.flatnonzero(circuit == k), smax)
        mine = seg[demand_mw_th[seg] > 0]  # sorted by smax, as they were
        out[k] = _fill_sorted(heat_mw_th[k], loss_mw_th[k], demand_mw_th[mine], smax[mine])
    return out


def _by_share(members: np.ndarray, smax: np.ndarray) -> np.ndarray:
    """``members`` (ascending) sorted by ``smax``, stable: the limited ones (``smax < 1``)
    sorted, then the others (``smax <= 1``) in their order."""
    s = smax[members]
    lim = np.flatnonzero(s < 1.0)
    keep = np.flatnonzero(~(s < 1.0))
    return members[np.concatenate([lim[np.argsort(s[lim], kind="stable")], keep])]


def _fill_level(heat: float, loss: float, d: np.ndarray, s: np.ndarray) -> float:
    """:func:`_fill_levels` of one circuit (sums within the circuit only: no cancellation)."""
    order = _by_share(np.arange(len(s)), s)
    return _fill_sorted(heat, loss, d[order], s[order])


def _fill_sorted(heat: float, loss: float, d: np.ndarray, s: np.ndarray) -> float:
    """:func:`_fill_level` of consumers already sorted by ``s``."""
    below = np.cumsum(d * s)  # capped consumers' draw up to each break
    above = np.empty(len(d))  # demand after each break
    above[:-1] = np.cumsum(d[::-1])[-2::-1]
    above[-1:] = 0.0
    fits = (below + s * (above + loss) <= heat).nonzero()[0]
    if not len(fits):  # below the smallest smax: everybody at the same level
        total = d.sum() + loss
        return _unit(heat / total) if total > 0 else 1.0
    k = int(fits[-1])
    free = above[k] + loss
    return _unit((heat - below[k]) / free if free > 0 else s[k])


def _unit(x: float) -> float:
    """``float(np.clip(x, 0, 1))`` of one number, without NumPy's call (NaN stays NaN)."""
    x = float(x)
    return 0.0 if x < 0.0 else 1.0 if x > 1.0 else x


def _index(labels: Iterable) -> pd.Index:
    return pd.Index(list(labels))


@dataclass(frozen=True)
class HeatModel:
    """A district heating network compiled into arrays. Build with :meth:`from_tables`,
    :meth:`from_city` or :meth:`from_pandapipes`; never mutated.

    Attributes
    ----------
    node_ids : pandas.Index
    branch_from, branch_to : numpy.ndarray of int
        Node positions of every branch: the pipes first, then the valves (a valve sitting on a
        pipe is a self-loop that switches its pipe), then other pass-through elements.
    pipe_ids : pandas.Index
        Labels of the pipes (the first ``len(pipe_ids)`` branches).
    pipe_in_service : numpy.ndarray of bool
        Pipes in service in the intact network.
    pipe_loss_mw_th : numpy.ndarray
        Heat lost by each pipe when it circulates [MW_th] (default of :meth:`solve`).
    valve_ids : pandas.Index
        Labels of the valves (branches ``len(pipe_ids):``).
    valve_normally_open : numpy.ndarray of bool
    valve_pipe : numpy.ndarray of int
        For a valve sitting on a pipe (its flow stops when the valve closes), the pipe's
        position; -1 for a valve that is a branch of its own.
    pump_ids : pandas.Index
    pump_branch : numpy.ndarray of int
        Branch whose circulation each booster drives.
    source_ids : pandas.Index
    source_supply_node, source_return_node : numpy.ndarray of int
    source_capacity_mw_th : numpy.ndarray
    consumer_ids : pandas.Index
    consumer_from_node, consumer_to_node : numpy.ndarray of int
    consumer_demand_mw_th : numpy.ndarray
        Demand used when :meth:`solve` is not given one [MW_th].
    """

    node_ids: pd.Index
    branch_from: np.ndarray
    branch_to: np.ndarray
    pipe_ids: pd.Index
    pipe_in_service: np.ndarray
    pipe_loss_mw_th: np.ndarray
    valve_ids: pd.Index
    valve_normally_open: np.ndarray
    valve_pipe: np.ndarray
    pump_ids: pd.Index
    pump_branch: np.ndarray
    source_ids: pd.Index
    source_supply_node: np.ndarray
    source_return_node: np.ndarray
    source_capacity_mw_th: np.ndarray
    consumer_ids: pd.Index
    consumer_from_node: np.ndarray
    consumer_to_node: np.ndarray
    consumer_demand_mw_th: np.ndarray
    hydraulic_params: object = None  # HydraulicParams of a pandapipes net (for hydraulics())

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_tables(
        cls,
        nodes: pd.DataFrame,
        pipes: pd.DataFrame,
        sources: pd.DataFrame,
        consumers: pd.DataFrame,
        pumps: pd.DataFrame | None = None,
        valves: pd.DataFrame | None = None,
        pipe_loss_mw_th: np.ndarray | None = None,
    ) -> HeatModel:
        """Compile city-style tables (one node per supply-return pair).

        Parameters
        ----------
        nodes : pandas.DataFrame
            ``node_id``.
        pipes : pandas.DataFrame
            ``pipe_id``, ``from_node``, ``to_node``.
        sources : pandas.DataFrame
            ``source_id``, ``node_id``, ``capacity_mw_th``.
        consumers : pandas.DataFrame
            ``consumer_id``, ``node_id``, ``demand_mw_th``.
        pumps : pandas.DataFrame, optional
            ``pump_id``, ``pipe_id`` (the pipe whose circulation the booster drives).
        valves : pandas.DataFrame, optional
            ``valve_id``, ``pipe_id`` (the pipe it sits on), ``normally_open`` (bool). A
            normally closed valve keeps its pipe dry until :meth:`solve` opens it.
        pipe_loss_mw_th : numpy.ndarray, optional
            Heat lost by each pipe while it circulates [MW_th] (:mod:`coldstart.heat.losses`);
            zero when not given.
        """
        node_ids = _index(nodes["node_id"])
        pos = pd.Series(np.arange(len(node_ids)), index=node_ids)
        pipe_ids = _index(pipes["pipe_id"])
        pipe_pos = pd.Series(np.arange(len(pipe_ids)), index=pipe_ids)
        pumps = pumps if pumps is not None else pd.DataFrame({"pump_id": [], "pipe_id": []})
        valves = (
            valves
            if valves is not None
            else pd.DataFrame({"valve_id": [], "pipe_id": [], "normally_open": []})
        )
        n_pipe = len(pipe_ids)
        loss = (
            np.zeros(n_pipe)
            if pipe_loss_mw_th is None
            else np.asarray(pipe_loss_mw_th, dtype=float).copy()
        )
        pf = pos.loc[pipes["from_node"]].to_numpy(np.int64)
        pt = pos.loc[pipes["to_node"]].to_numpy(np.int64)
        valve_pipe = pipe_pos.loc[valves["pipe_id"]].to_numpy(np.int64)
        # every valve is also a branch; one on a pipe is a self-loop that only switches the pipe
        return cls(
            node_ids=node_ids,
            branch_from=np.concatenate([pf, pf[valve_pipe]]),
            branch_to=np.concatenate([pt, pf[valve_pipe]]),
            pipe_ids=pipe_ids,
            pipe_in_service=np.ones(n_pipe, bool),
            pipe_loss_mw_th=loss,
            valve_ids=_index(valves["valve_id"]),
            valve_normally_open=valves["normally_open"].to_numpy(bool),
            valve_pipe=valve_pipe,
            pump_ids=_index(pumps["pump_id"]),
            pump_branch=pipe_pos.loc[pumps["pipe_id"]].to_numpy(np.int64),
            source_ids=_index(sources["source_id"]),
            source_supply_node=pos.loc[sources["node_id"]].to_numpy(np.int64),
            source_return_node=pos.loc[sources["node_id"]].to_numpy(np.int64),
            source_capacity_mw_th=sources["capacity_mw_th"].to_numpy(float),
            consumer_ids=_index(consumers["consumer_id"]),
            consumer_from_node=pos.loc[consumers["node_id"]].to_numpy(np.int64),
            consumer_to_node=pos.loc[consumers["node_id"]].to_numpy(np.int64),
            consumer_demand_mw_th=consumers["demand_mw_th"].to_numpy(float),
        )

    @classmethod
    def from_city(cls, city, valves: pd.DataFrame | None = None, **loss_kw) -> HeatModel:
        """Compile a :class:`coldstart.city.model.City`'s heat tables.

        Consumers are the district-heated buildings, then the district-heated facilities (ids
        as in their tables), with their design demand. Valves come from ``valves`` or the city's
        ``heat_valves`` table when it has one. Pipe losses at design conditions use
        :func:`coldstart.heat.network.city_pipe_loss_mw_th` with ``loss_kw``.
        """
        from coldstart.heat.network import city_consumers, city_pipe_loss_mw_th

        if valves is None:
            valves = city.tables.get("heat_valves")
        return cls.from_tables(
            city.heat_nodes,
            city.heat_pipes,
            city.heat_sources,
            city_consumers(city),
            city.pumping_stations,
            valves,
            pipe_loss_mw_th=city_pipe_loss_mw_th(city.heat_pipes, **loss_kw),
        )

    @classmethod
    def from_pandapipes(
        cls, net, ambient_c: float | None = None, loss_model: str = "tree"
    ) -> HeatModel:
        """Build from a pandapipes network (see :func:`coldstart.heat.pandapipes_io.model_tables`).

        Junctions are nodes; pipes and valves branches; circulation pumps and external grids
        sources (unlimited capacity); heat consumers, heat exchangers and sinks consumers on
        ``net.heat_consumer.index`` (then the others). Pipe losses use the net's own
        ``u_w_per_m2k`` in the tree temperature model at nominal consumer flows, or at nominal
        flow and return temperatures (``loss_model="nominal"``); see
        :func:`coldstart.heat.pandapipes_io.model_arrays`.
        """
        from coldstart.heat.pandapipes_io import hydraulic_params, model_arrays

        arrays = model_arrays(net, ambient_c, loss_model)
        try:
            params = hydraulic_params(net)
        except (KeyError, ValueError, AttributeError, IndexError):  # a net it does not handle
            params = None
        return cls(**arrays, hydraulic_params=params)

    def hydraulics(
        self,
        out_of_service: Mapping[str, Iterable] | None = None,
        *,
        params=None,
        **kw,
    ):
        """Pressures and mass flows after outages (:mod:`coldstart.heat.hydraulics`).

        Parameters
        ----------
        out_of_service : mapping, optional
            ``{"pipe": [...], "valve": [...]}``, as :meth:`solve`.
        params : coldstart.heat.hydraulics.HydraulicParams, optional
            Pipe, pump and source data; by default the net's own for a model built with
            :meth:`from_pandapipes`; for a city,
            :func:`coldstart.heat.pressure.city_hydraulic_params`.
        **kw
            ``open_valves``, ``pumps_without_power``, ``sources_off``, ``consumer_mdot``, ...
            of :meth:`coldstart.heat.hydraulics.HydraulicModel.solve`.

        Returns
        -------
        coldstart.heat.hydraulics.HydraulicResult
            ``junction_p_bar`` and ``pipe_mdot_kg_per_s`` on the model's node and pipe labels
            (a pandapipes net's indices).

        Compile a :class:`coldstart.heat.hydraulics.HydraulicModel` instead to solve the same
        network repeatedly (it keeps the factorization patterns per topology).
        """
        from coldstart.heat.hydraulics import solve_hydraulics

        params = self.hydraulic_params if params is None else params
        if params is None:
            raise ValueError(
                "no hydraulic data: pass params= (coldstart.heat.pressure.city_hydraulic_params "
                "for a city)"
            )
        return solve_hydraulics(self, params, out_of_service, **kw)

    # ------------------------------------------------------------------ solving
    def _positions(self, index: pd.Index, labels: Iterable, what: str) -> np.ndarray:
        labels = list(labels)
        if not labels:
            return np.zeros(0, np.int64)
        pos = index.get_indexer(labels)
        if (pos < 0).any():
            bad = [lab for lab, p in zip(labels, pos, strict=True) if p < 0]
            raise KeyError(f"unknown {what}: {bad[:5]}")
        return pos.astype(np.int64)

    def outage_masks(
        self,
        out_of_service: Mapping | None = None,
        open_valves: Iterable = (),
        pumps_without_power: Iterable = (),
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Pipes out, valves closed and pumps off as masks, from labels.

        ``out_of_service`` is ``{"pipe": [...], "valve": [...]}`` (labels of pipes out and of
        valves closed); ``open_valves`` opens normally closed valves; ``pumps_without_power``
        are booster pumps without power. Unknown labels raise ``KeyError``.
        """
        oos = dict(out_of_service or {})
        unknown = set(oos) - {"pipe", "valve"}
        if unknown:
            raise KeyError(f"out_of_service takes 'pipe' and 'valve', not {sorted(unknown)}")
        pipe_out = np.zeros(len(self.pipe_ids), bool)
        pipe_out[self._positions(self.pipe_ids, oos.get("pipe", ()), "pipe")] = True
        closed = ~self.valve_normally_open.copy()
        closed[self._positions(self.valve_ids, open_valves, "valve")] = False
        closed[self._positions(self.valve_ids, oos.get("valve", ()), "valve")] = True
        pump_off = np.zeros(len(self.pump_ids), bool)
        pump_off[self._positions(self.pump_ids, pumps_without_power, "pump")] = True
        return pipe_out, closed, pump_off

    def branch_ok(
        self,
        pipe_out: np.ndarray | None = None,
        valve_closed: np.ndarray | None = None,
        pump_off: np.ndarray | None = None,
    ) -> np.ndarray:
        """Branches that carry circulation, from position masks (pipes, valves, pumps)."""
        n_pipe = len(self.pipe_ids)
        ok = np.ones(len(self.branch_from), bool)
        ok[:n_pipe] = self.pipe_in_service
        if pipe_out is not None:
            ok[:n_pipe] &= ~pipe_out
        closed = ~self.valve_normally_open if valve_closed is None else valve_closed
        if len(closed):
            ok[n_pipe : n_pipe + len(closed)][closed & (self.valve_pipe < 0)] = False
            on_pipe = closed & (self.valve_pipe >= 0)
            ok[self.valve_pipe[on_pipe]] = False
        if pump_off is not None and len(pump_off):
            ok[self.pump_branch[pump_off]] = False
        return ok

    def components(self, branch_ok: np.ndarray) -> tuple[int, np.ndarray]:
        """Connected parts of the network over the branches in ``branch_ok``: count and label of
        every node (sparse connected components)."""
        return Parts(*self._graph.components(branch_ok))

    @cached_property
    def _graph(self) -> EdgeMaskGraph:
        """The branches as a graph whose parts are asked for under masks."""
        return EdgeMaskGraph(self.branch_from, self.branch_to, len(self.node_ids))

    def solve_arrays(
        self,
        branch_ok: np.ndarray,
        source_avail_mw_th: np.ndarray,
        demand_mw_th: np.ndarray,
        pipe_loss_mw_th: np.ndarray | None = None,
        components: tuple[int, np.ndarray] | None = None,
        max_fraction: np.ndarray | None = None,
    ) -> HeatArrays:
        """Solve on position arrays (the runner's fast path; :meth:`solve` wraps it).

        Parameters
        ----------
        branch_ok : numpy.ndarray of bool
            Branches carrying circulation (:meth:`branch_ok`).
        source_avail_mw_th : numpy.ndarray
            Available capacity of each source [MW_th]; a source with 0 does not work.
        demand_mw_th : numpy.ndarray
            Current demand of each consumer [MW_th] (0 for one that takes no water).
        pipe_loss_mw_th : numpy.ndarray, optional
            Loss of each pipe while circulating [MW_th]; defaults to the compiled one. Its sums
            per circuit are remembered with the topology's memo, per array: pass a new array,
            not the same one changed in place.
        components : tuple, optional
            ``components(branch_ok)`` when the caller already has it (topology unchanged).
        max_fraction : numpy.ndarray, optional
            Largest share of its demand each consumer can take [-], e.g. the flow share its
            differential pressure allows (:func:`coldstart.heat.pressure.flow_shares`). A
            circuit short of capacity then shares it by water-filling: every consumer gets
            ``min(max_fraction, level)``, the level such that the circuit's sources are used up
            (what a limited consumer cannot take goes to the others). Its clipped values are
            remembered with the topology's memo, per array: pass a new array, not the same one
            changed in place.
        """
        parts = self.components(branch_ok) if components is None else components
        c = self._circuits(branch_ok, source_avail_mw_th > 0, parts)
        supplied, circulating = c.supplied, c.circulating
        loss = self.pipe_loss_mw_th if pipe_loss_mw_th is None else pipe_loss_mw_th
        n_c = c.n_circuit
        cap = np.bincount(c.source_circuit, source_avail_mw_th, minlength=n_c).astype(float)
        taken = np.where(supplied, demand_mw_th, 0.0)
        need = np.bincount(c.consumer_circuit, taken, minlength=n_c)
        loss_c, loss_total = c.loss_of(loss)
        need += loss_c
        with np.errstate(divide="ignore", invalid="ignore"):
            frac_c = np.where(need > 0, np.minimum(1.0, cap / need), (cap > 0).astype(float))
        level = frac_c[c.consumer_circuit]
        frac = np.where(supplied, level, 0.0)
        if max_fraction is not None:
            if c.fill.get("shares") is not max_fraction:  # orders and limits hold for these shares
                smax = np.where(supplied, np.clip(max_fraction, 0.0, 1.0), 0.0)
                limited = bool((smax[supplied] < 1.0).any())
                c.fill.clear()
                c.fill.update(shares=max_fraction, orders={}, smax=smax, limited=limited)
            smax = c.fill["smax"]
            if c.fill["limited"]:
                lev_c = _fill_levels(cap, loss_c, demand_mw_th * smax, smax, c.consumer_circuit,
                                     frac_c, taken, c.fill["orders"])  # fmt: skip
                level = lev_c[c.consumer_circuit]
                frac = np.minimum(smax, level)
        return HeatArrays(
            supplied=supplied.copy(),
            fraction=frac,
            delivered_mw_th=frac * demand_mw_th,
            circulating_pipe=circulating.copy(),
            node_part=parts[1],
            loss_mw_th=loss_total,
            consumer_circuit=c.consumer_circuit.copy(),
            circuit_capacity_mw_th=cap,
            circuit_loss_mw_th=loss_c,
            capacity_fraction=np.where(supplied, level, 0.0),
        )

    def _circuits(self, branch_ok: np.ndarray, working: np.ndarray, parts) -> _Circuits:
        """Supplied consumers, circuits and circulating pipes of a topology (its ``parts``)
        with the ``working`` sources; remembered in the parts' memo when they have one."""
        memo = getattr(parts, "memo", None)
        key = None
        if memo is not None:
            key = (np.packbits(working).tobytes(), np.packbits(branch_ok).tobytes())
            got = memo.get(key)
            if got is not None:
                return got
        n_part, part = parts
        has_supply = np.zeros(n_part, bool)
        has_supply[part[self.source_supply_node[working]]] = True
        has_return = np.zeros(n_part, bool)
        has_return[part[self.source_return_node[working]]] = True
        cf, ct = part[self.consumer_from_node], part[self.consumer_to_node]
        supplied = has_supply[cf] & has_return[ct]
        # circuits: parts linked by working sources and supplied consumers
        sf, sr = part[self.source_supply_node[working]], part[self.source_return_node[working]]
        if np.array_equal(sf, sr) and np.array_equal(cf[supplied], ct[supplied]):
            circuit = np.arange(n_part)
        else:
            a = np.concatenate([sf, cf[supplied]])
            b = np.concatenate([sr, ct[supplied]])
            g = coo_matrix((np.ones(len(a), np.int8), (a, b)), shape=(n_part, n_part))
            circuit = connected_components(g, directed=False)[1]
        # water moves in parts a supplied consumer touches, and around a working source whose
        # supply and return share a node (a city pipe pair)
        live = np.zeros(n_part, bool)
        live[cf[supplied]] = True
        live[ct[supplied]] = True
        live[sf[sf == sr]] = True
        n_pipe = len(self.pipe_ids)
        pipe_part = part[self.branch_from[:n_pipe]]
        out = _Circuits(
            supplied=supplied,
            circuit=circuit,
            consumer_circuit=circuit[cf],
            circulating=branch_ok[:n_pipe] & live[pipe_part],
            pipe_circuit=circuit[pipe_part],
            source_circuit=circuit[part[self.source_supply_node]],
            n_circuit=int(circuit.max()) + 1 if len(circuit) else 0,
        )
        if memo is not None:
            if len(memo) >= Parts.MEMO_SIZE:
                memo.clear()
            memo[key] = out
        return out

    def solve(
        self,
        out_of_service: Mapping[str, Iterable] | None = None,
        *,
        open_valves: Iterable = (),
        source_available_mw_th: Mapping | pd.Series | np.ndarray | None = None,
        pumps_without_power: Iterable = (),
        consumer_demand_mw_th: pd.Series | np.ndarray | None = None,
        pipe_loss_mw_th: np.ndarray | None = None,
    ) -> HeatState:
        """Heat state after outages.

        Parameters
        ----------
        out_of_service : mapping, optional
            ``{"pipe": [...], "valve": [...]}``: labels of pipes out of service and of valves
            closed (indexes of those tables; for a pandapipes net, ``net.pipe.index`` and
            ``net.valve.index``).
        open_valves : iterable, optional
            Labels of normally closed valves opened (e.g. a link to back up a failed source).
        source_available_mw_th : mapping, pandas.Series or numpy.ndarray, optional
            Available capacity of sources [MW_th]: a full array on the sources' order, or a
            mapping of the sources that differ from their compiled capacity (0 = not working).
        pumps_without_power : iterable, optional
            Labels of booster pumps without power (their branch carries no circulation).
        consumer_demand_mw_th : pandas.Series or numpy.ndarray, optional
            Current demand of each consumer [MW_th]; defaults to the compiled demand.
        pipe_loss_mw_th : numpy.ndarray, optional
            Loss of each pipe while circulating [MW_th]; defaults to the compiled one.

        Returns
        -------
        HeatState
        """
        pipe_out, closed, pump_off = self.outage_masks(
            out_of_service, open_valves, pumps_without_power
        )
        avail = self.source_capacity_mw_th.astype(float).copy()
        if isinstance(source_available_mw_th, np.ndarray):
            avail = np.asarray(source_available_mw_th, dtype=float).copy()
        elif source_available_mw_th is not None:
            items = dict(source_available_mw_th)
            avail[self._positions(self.source_ids, items.keys(), "source")] = list(items.values())
        demand = (
            self.consumer_demand_mw_th
            if consumer_demand_mw_th is None
            else np.asarray(consumer_demand_mw_th, dtype=float)
        )
        res = self.solve_arrays(
            self.branch_ok(pipe_out, closed, pump_off), avail, demand, pipe_loss_mw_th
        )
        idx = self.consumer_ids
        return HeatState(
            supplied_consumer=pd.Series(res.supplied, index=idx, name="supplied"),
            delivered_fraction=pd.Series(res.fraction, index=idx, name="delivered_fraction"),
            delivered_mw_th=pd.Series(res.delivered_mw_th, index=idx, name="delivered_mw_th"),
            circulating_pipe=pd.Series(res.circulating_pipe, index=self.pipe_ids),
            loss_mw_th=res.loss_mw_th,
            served_mw_th=float(res.delivered_mw_th.sum()),
        )
