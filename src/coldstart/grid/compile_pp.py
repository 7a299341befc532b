"""Compile a pandapower net into the arrays of the DC engine (once per net).

Branch parameters (series reactance, tap ratio, phase shift) are taken from pandapower's own
internal PYPOWER case (``pandapower.pd2ppc._pd2ppc`` with the options of ``rundcpp``), built
once on a copy of the net in which every bus and branch is in service, every line and trafo
switch closed and every bus-bus switch open. That copy has one PYPOWER bus per pandapower bus
(plus the star points of 3-winding trafos), so the arrays can be switched element by element
afterwards while reproducing ``rundcpp`` exactly. Bus injections of the PQ elements (loads,
sgens, storage, shunts, wards, motors ...) come from the same case (``PD`` and ``GS`` columns):
pandapower's own arithmetic, not a re-implementation.

Source of the formulas: pandapower 3.x, ``pandapower/pypower/makeBdc.py`` (``b = 1 / (x tap)``,
phase-shift injections ``-b shift``) and ``pandapower/pf/run_dc_pf.py`` (slack power).
"""

from __future__ import annotations

import copy
import logging
import warnings
from dataclasses import dataclass

import numpy as np
import pandapower as pp
import pandas as pd

BRANCH_TABLES = ("line", "trafo", "trafo3w", "impedance")
"""Element tables compiled as branches."""

UNSUPPORTED = ("dcline", "tcsc", "svc", "ssc", "vsc", "line_dc", "bus_dc")
"""Element tables the engine refuses when they hold in-service rows."""

# PYPOWER column numbers (pandapower.pypower.idx_bus / idx_brch); fixed by the format.
_PD, _GS, _BASE_KV = 2, 4, 9
_F_BUS, _T_BUS, _BR_X, _TAP, _SHIFT = 0, 1, 3, 8, 9


@dataclass(frozen=True)
class CompiledNet:
    """Arrays of one pandapower net (positions, not labels); never mutated.

    Nodes are the pandapower buses in ``bus_labels`` order, followed by the star points of
    3-winding trafos. Branches are lines, trafos, the three windings of each trafo3w and
    impedances, in that order.
    """

    base_mva: float
    bus_labels: np.ndarray  # pandapower bus index labels, node order
    n_node: int
    node_in_service: np.ndarray  # bool per node (star points: True)
    node_p_fixed_mw: np.ndarray  # -PD - GS per node [MW] (PQ elements, shunts), base state
    br_kind: np.ndarray  # index into BRANCH_TABLES
    br_label: np.ndarray  # element index label
    br_winding: np.ndarray  # 0 hv, 1 mv, 2 lv for trafo3w rows; 0 otherwise
    br_from: np.ndarray
    br_to: np.ndarray
    br_b_mw: np.ndarray  # susceptance over tap ratio, times base MVA [MW/rad]
    br_pfinj_mw: np.ndarray  # phase-shift injection at the from node [MW]
    br_base_ok: np.ndarray  # in service in the net and no open switch
    sw_label: np.ndarray  # closed zero-impedance bus-bus switches
    sw_a: np.ndarray
    sw_b: np.ndarray
    inj_table: np.ndarray  # "load", "sgen", "storage"
    inj_label: np.ndarray
    inj_node: np.ndarray
    inj_p_mw: np.ndarray  # signed contribution to the node's injection [MW]
    gen_label: np.ndarray
    gen_node: np.ndarray
    gen_p_mw: np.ndarray  # p_mw * scaling (PG set point) [MW]
    gen_ok: np.ndarray
    gen_slack: np.ndarray
    ext_label: np.ndarray
    ext_node: np.ndarray
    ext_va_rad: np.ndarray
    ext_ok: np.ndarray
    switch_et: pd.Series  # et of every switch, by label
    switch_branch: dict  # switch label -> branch positions it opens (et l, t, t3)


def _bool(s: pd.Series) -> np.ndarray:
    return s.fillna(False).to_numpy(dtype=bool)


def _check_supported(net: pp.pandapowerNet) -> None:
    for t in UNSUPPORTED:
        if t in net and len(net[t]) and _bool(net[t]["in_service"]).any():
            raise ValueError(f"the DC engine does not support in-service '{t}' elements")
    sw = net.switch
    if len(sw) and "z_ohm" in sw:
        bad = (sw.et == "b") & _bool(sw.closed) & (sw.z_ohm.fillna(0.0) > 0)
        if bad.any():
            raise ValueError(
                f"the DC engine does not support closed bus-bus switches with z_ohm > 0 "
                f"(switch {int(sw.index[bad][0])})"
            )
    if not (_bool(net.ext_grid.in_service).any() or (len(net.gen) and _bool(net.gen.slack).any())):
        raise ValueError("the net has no ext_grid and no slack gen: nothing can be energized")


def _ppc_of(net: pp.pandapowerNet) -> tuple[dict, dict]:
    """PYPOWER case of ``net`` built exactly as ``pandapower.rundcpp`` builds it."""
    from pandapower.auxiliary import _init_rundcpp_options
    from pandapower.pd2ppc import _pd2ppc

    # pandapower logs a warning that numba is missing; it only concerns its own solvers
    pp_logger = logging.getLogger("pandapower.auxiliary")
    level = pp_logger.level
    pp_logger.setLevel(logging.ERROR)
    try:
        _init_rundcpp_options(
            net,
            trafo_model="t",
            trafo_loading="current",
            recycle=None,
            check_connectivity=True,
            switch_rx_ratio=2,
            trafo3w_losses="hv",
        )
    finally:
        pp_logger.setLevel(level)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ppc, _ = _pd2ppc(net)
    return ppc, net["_pd2ppc_lookups"]


def _energized_copy(net: pp.pandapowerNet) -> pp.pandapowerNet:
    """Copy of ``net`` with every bus and branch in service, every line/trafo switch closed
    and every bus-bus switch open (one PYPOWER bus per pandapower bus)."""
    work = copy.deepcopy(net)
    work.bus["in_service"] = True
    for t in BRANCH_TABLES:
        if t in work and len(work[t]):
            work[t]["in_service"] = True
    if len(work.switch):
        is_b = (work.switch.et == "b").to_numpy()
        work.switch["closed"] = ~is_b
    work.ext_grid["in_service"] = True
    return work


def _node_map(bus_labels: np.ndarray, ppc: dict, lookups: dict) -> np.ndarray:
    """Node of every PYPOWER bus: pandapower buses first (position in ``net.bus``), then the
    auxiliary buses (trafo3w star points)."""
    node_of = np.asarray(lookups["bus"])[bus_labels]
    if len(np.unique(node_of)) != len(node_of):
        raise ValueError("internal: pandapower fused buses although no bus-bus switch is closed")
    n_ppc = ppc["bus"].shape[0]
    node_map = np.full(n_ppc, -1, np.int64)
    node_map[node_of] = np.arange(len(bus_labels))
    aux = np.flatnonzero(node_map < 0)
    node_map[aux] = len(bus_labels) + np.arange(len(aux))
    return node_map


def _branch_rows(
    net: pp.pandapowerNet, lookups: dict
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """PYPOWER branch rows of the branch tables, with kind, element label and winding each."""
    kinds, labels, winding, rows = [], [], [], []
    for k, t in enumerate(BRANCH_TABLES):
        rng = lookups["branch"].get(t)
        if rng is None or t not in net or len(net[t]) == 0:
            continue
        s, e = rng
        idx = net[t].index.to_numpy(np.int64)
        n_el = len(idx)
        reps = (e - s) // n_el
        kinds.append(np.full(e - s, k))
        labels.append(np.tile(idx, reps))
        winding.append(np.repeat(np.arange(reps), n_el))
        rows.append(np.arange(s, e))
    rows_a = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    br_kind = np.concatenate(kinds) if kinds else np.zeros(0, np.int64)
    br_label = np.concatenate(labels) if labels else np.zeros(0, np.int64)
    br_winding = np.concatenate(winding) if winding else np.zeros(0, np.int64)
    return rows_a, br_kind, br_label, br_winding


def _branch_params(
    sub: np.ndarray, node_map: np.ndarray, base_mva: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """From node, to node, ``b`` [MW/rad] and phase-shift injection [MW] of PYPOWER rows."""
    f = node_map[np.real(sub[:, _F_BUS]).astype(np.int64)]
    t_ = node_map[np.real(sub[:, _T_BUS]).astype(np.int64)]
    x = np.real(sub[:, _BR_X]).astype(float)
    tap = np.real(sub[:, _TAP]).astype(float)
    tap = np.where(tap != 0.0, tap, 1.0)
    with np.errstate(divide="ignore"):
        b_mw = base_mva / (x * tap)
    shift = np.real(sub[:, _SHIFT]).astype(float) * np.pi / 180.0
    pfinj = -b_mw * shift
    return f, t_, b_mw, pfinj


def _check_reactance(b_mw: np.ndarray, br_kind: np.ndarray, br_label: np.ndarray) -> None:
    """Refuse branches of zero reactance (infinite ``b``)."""
    if not np.all(np.isfinite(b_mw)):
        bad = np.flatnonzero(~np.isfinite(b_mw))[0]
        raise ValueError(
            f"{BRANCH_TABLES[br_kind[bad]]} {int(br_label[bad])} has zero reactance; "
            "the DC power flow needs x > 0"
        )


def _switch_hit(net: pp.pandapowerNet, pos_of: dict, et: str, el, bus) -> list[int]:
    """Branch positions a switch opens (its line, trafo or trafo3w winding; none for et b)."""
    if et == "l":
        return [pos_of[(0, int(el), 0)]]
    if et == "t":
        return [pos_of[(1, int(el), 0)]]
    if et == "t3":
        t3 = net.trafo3w.loc[int(el)]
        w = [int(t3.hv_bus), int(t3.mv_bus), int(t3.lv_bus)].index(int(bus))
        return [pos_of[(2, int(el), w)]]
    return []


def _branch_status(
    net: pp.pandapowerNet, br_kind: np.ndarray, br_label: np.ndarray, br_winding: np.ndarray
) -> tuple[np.ndarray, dict]:
    """Base status of each branch (element in service, no open switch on it) and the branch
    positions of every line/trafo/trafo3w switch."""
    ok = np.ones(len(br_kind), bool)
    switch_branch: dict = {}
    sw = net.switch
    pos_of = {
        (int(k), int(lab), int(w)): i
        for i, (k, lab, w) in enumerate(zip(br_kind, br_label, br_winding, strict=True))
    }
    for i in range(len(br_kind)):
        ok[i] = bool(net[BRANCH_TABLES[br_kind[i]]].at[br_label[i], "in_service"])
    if len(sw):
        for lab, et, el, bus, closed in zip(
            sw.index, sw.et, sw.element, sw.bus, _bool(sw.closed), strict=True
        ):
            hit = _switch_hit(net, pos_of, et, el, bus)
            if hit:
                switch_branch[int(lab)] = np.asarray(hit, np.int64)
                if not closed:
                    ok[hit] = False
    return ok, switch_branch


def _bus_switches(
    net: pp.pandapowerNet, bpos: pd.Series
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels and end nodes of the closed bus-bus switches."""
    sw = net.switch
    if not len(sw):
        sw_label = sw_a = sw_b = np.zeros(0, np.int64)
        return sw_label, sw_a, sw_b
    bsw = sw[(sw.et == "b") & _bool(sw.closed)]
    sw_label = bsw.index.to_numpy(np.int64)
    sw_a = bpos.loc[bsw.bus.astype(np.int64)].to_numpy(np.int64)
    sw_b = bpos.loc[bsw.element.astype(np.int64)].to_numpy(np.int64)
    return sw_label, sw_a, sw_b


def _node_arrays(
    net: pp.pandapowerNet, ppc: dict, node_map: np.ndarray, n_bus: int
) -> tuple[np.ndarray, np.ndarray]:
    """In-service flag and fixed injection ``-PD - GS`` [MW] of every node."""
    n_node = ppc["bus"].shape[0]
    node_in = np.ones(n_node, bool)
    node_in[:n_bus] = _bool(net.bus.in_service)
    p_fixed = np.zeros(n_node)
    pb = ppc["bus"]
    p_fixed[node_map[np.arange(n_node)]] = -np.real(pb[:, _PD]) - np.real(pb[:, _GS])
    return node_in, p_fixed


def _cat(xs: list[np.ndarray], dt) -> np.ndarray:
    """Concatenate ``xs`` as dtype ``dt`` (empty when there is nothing)."""
    return np.concatenate(xs).astype(dt) if xs else np.zeros(0, dt)


def _injections(net: pp.pandapowerNet, bpos: pd.Series) -> dict[str, np.ndarray]:
    """The ``inj_*`` arrays: loads, sgens and storage with their signed contribution [MW]."""
    inj_t, inj_l, inj_n, inj_p = [], [], [], []
    for table, sign in (("load", -1.0), ("sgen", 1.0), ("storage", -1.0)):
        d = net[table] if table in net else None
        if d is None or len(d) == 0:
            continue
        live = _bool(d.in_service) & _bool(net.bus.in_service.reindex(d.bus))
        scaling = d["scaling"].fillna(1.0).to_numpy(float) if "scaling" in d else 1.0
        inj_t.append(np.full(len(d), table, dtype=object))
        inj_l.append(d.index.to_numpy(np.int64))
        inj_n.append(bpos.loc[d.bus.astype(np.int64)].to_numpy(np.int64))
        inj_p.append(sign * d.p_mw.to_numpy(float) * scaling * live)
    return dict(
        inj_table=_cat(inj_t, object),
        inj_label=_cat(inj_l, np.int64),
        inj_node=_cat(inj_n, np.int64),
        inj_p_mw=_cat(inj_p, float),
    )


def _gens(net: pp.pandapowerNet, bpos: pd.Series) -> dict[str, np.ndarray]:
    """The ``gen_*`` arrays: node, set point ``p_mw * scaling`` [MW], status, slack flag."""
    g = net.gen
    gen_scaling = g["scaling"].fillna(1.0).to_numpy(float) if len(g) and "scaling" in g else 1.0
    return dict(
        gen_label=g.index.to_numpy(np.int64),
        gen_node=bpos.loc[g.bus.astype(np.int64)].to_numpy(np.int64)
        if len(g)
        else np.zeros(0, np.int64),
        gen_p_mw=(g.p_mw.to_numpy(float) * gen_scaling) if len(g) else np.zeros(0),
        gen_ok=_bool(g.in_service) if len(g) else np.zeros(0, bool),
        gen_slack=_bool(g.slack) if len(g) and "slack" in g else np.zeros(len(g), bool),
    )


def _ext_grids(net: pp.pandapowerNet, bpos: pd.Series) -> dict[str, np.ndarray]:
    """The ``ext_*`` arrays: node, voltage angle [rad] and status of every external grid."""
    e = net.ext_grid
    return dict(
        ext_label=e.index.to_numpy(np.int64),
        ext_node=bpos.loc[e.bus.astype(np.int64)].to_numpy(np.int64),
        ext_va_rad=np.radians(e.va_degree.fillna(0.0).to_numpy(float)),
        ext_ok=_bool(e.in_service),
    )


def compile_net(net: pp.pandapowerNet) -> CompiledNet:
    """Compile ``net`` into :class:`CompiledNet` arrays (the net is not changed).

    Raises
    ------
    ValueError
        When the net holds elements the engine does not model (see :data:`UNSUPPORTED`, closed
        bus-bus switches with impedance), or has no slack at all.
    """
    _check_supported(net)
    ppc, lookups = _ppc_of(_energized_copy(net))
    bus_labels = net.bus.index.to_numpy(np.int64)
    node_map = _node_map(bus_labels, ppc, lookups)
    base_mva = float(ppc["baseMVA"])
    rows, br_kind, br_label, br_winding = _branch_rows(net, lookups)
    f, t_, b_mw, pfinj = _branch_params(ppc["branch"][rows], node_map, base_mva)
    _check_reactance(b_mw, br_kind, br_label)
    ok, switch_branch = _branch_status(net, br_kind, br_label, br_winding)
    bpos = pd.Series(np.arange(len(bus_labels)), index=bus_labels)
    sw_label, sw_a, sw_b = _bus_switches(net, bpos)
    node_in, p_fixed = _node_arrays(net, ppc, node_map, len(bus_labels))
    sw = net.switch
    return CompiledNet(
        base_mva=base_mva,
        bus_labels=bus_labels,
        n_node=ppc["bus"].shape[0],
        node_in_service=node_in,
        node_p_fixed_mw=p_fixed,
        br_kind=br_kind.astype(np.int64),
        br_label=br_label.astype(np.int64),
        br_winding=br_winding.astype(np.int64),
        br_from=f,
        br_to=t_,
        br_b_mw=b_mw,
        br_pfinj_mw=pfinj,
        br_base_ok=ok,
        sw_label=sw_label,
        sw_a=sw_a,
        sw_b=sw_b,
        **_injections(net, bpos),
        **_gens(net, bpos),
        **_ext_grids(net, bpos),
        switch_et=sw.et.copy() if len(sw) else pd.Series(dtype=object),
        switch_branch=switch_branch,
    )
