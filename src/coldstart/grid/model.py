"""First-version grid engine: compile a pandapower net into arrays, find energized islands.

Islands come from sparse connected components over in-service branches (lines, trafos, 3-winding
trafos) and closed bus-bus switches. An island is energized when it holds an in-service
ext_grid or generator. Issue 4 adds DC power flow and line ratings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandapower as pp
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


@dataclass(frozen=True)
class GridTopology:
    """Arrays of a compiled net (positions, not pandapower labels)."""

    bus_ids: np.ndarray
    branch_from: np.ndarray
    branch_to: np.ndarray
    branch_kind: np.ndarray  # "line", "trafo", "trafo3w", "switch"
    branch_label: np.ndarray  # pandapower index label of the element
    branch_in_service: np.ndarray
    gen_bus: np.ndarray
    gen_label: np.ndarray
    gen_p_max_mw: np.ndarray
    gen_in_service: np.ndarray
    ext_bus: np.ndarray
    ext_in_service: np.ndarray
    bus_in_service: np.ndarray

    @property
    def n_bus(self) -> int:
        """Number of buses."""
        return len(self.bus_ids)

    def bus_pos(self, labels: Iterable[int]) -> np.ndarray:
        """Positions of bus labels."""
        return np.searchsorted(self.bus_ids, np.asarray(list(labels), dtype=np.int64))


def compile_grid(net: pp.pandapowerNet) -> GridTopology:
    """Compile the net's topology and sources into arrays (once per city).

    Open switches at lines or trafos take those elements out of service; closed bus-bus switches
    join their buses.
    """
    bus_ids = np.sort(net.bus.index.to_numpy(dtype=np.int64))
    pos = lambda s: np.searchsorted(bus_ids, np.asarray(s, dtype=np.int64))  # noqa: E731
    frm, to, kind, label, ins = [], [], [], [], []
    open_line, open_trafo = set(), set()
    if len(net.switch):
        sw = net.switch
        for et, store in (("l", open_line), ("t", open_trafo)):
            s = sw[(sw.et == et) & (~sw.closed.astype(bool))]
            store.update(s.element.astype(int).tolist())
    for tname, a, b in (("line", "from_bus", "to_bus"), ("trafo", "hv_bus", "lv_bus")):
        t = net[tname]
        if len(t) == 0:
            continue
        frm.append(pos(t[a]))
        to.append(pos(t[b]))
        kind.append(np.full(len(t), tname))
        label.append(t.index.to_numpy())
        closed = ~t.index.isin(list(open_line if tname == "line" else open_trafo))
        ins.append(t.in_service.to_numpy(bool) & closed)
    if "trafo3w" in net and len(net.trafo3w):
        t = net.trafo3w
        for b in ("mv_bus", "lv_bus"):
            frm.append(pos(t.hv_bus))
            to.append(pos(t[b]))
            kind.append(np.full(len(t), "trafo3w"))
            label.append(t.index.to_numpy())
            ins.append(t.in_service.to_numpy(bool))
    if len(net.switch):
        s = net.switch[(net.switch.et == "b") & net.switch.closed.astype(bool)]
        frm.append(pos(s.bus))
        to.append(pos(s.element))
        kind.append(np.full(len(s), "switch"))
        label.append(s.index.to_numpy())
        ins.append(np.ones(len(s), bool))
    cat = lambda xs, dt: np.concatenate(xs).astype(dt) if xs else np.zeros(0, dt)  # noqa: E731
    gen = net.gen
    gen_cap = gen["max_p_mw"] if "max_p_mw" in gen else gen["p_mw"]
    gen_cap = gen_cap.fillna(gen["p_mw"]).to_numpy(float) if len(gen) else np.zeros(0)
    return GridTopology(
        bus_ids=bus_ids,
        branch_from=cat(frm, np.int64),
        branch_to=cat(to, np.int64),
        branch_kind=cat(kind, object),
        branch_label=cat(label, np.int64),
        branch_in_service=cat(ins, bool),
        gen_bus=pos(gen.bus) if len(gen) else np.zeros(0, np.int64),
        gen_label=gen.index.to_numpy(np.int64),
        gen_p_max_mw=gen_cap,
        gen_in_service=gen.in_service.to_numpy(bool),
        ext_bus=pos(net.ext_grid.bus),
        ext_in_service=net.ext_grid.in_service.to_numpy(bool),
        bus_in_service=net.bus.loc[bus_ids, "in_service"].to_numpy(bool),
    )


@dataclass(frozen=True)
class Islands:
    """Connected islands of the grid in one topology state."""

    label: np.ndarray  # island label per bus position
    energized: np.ndarray  # bool per bus position
    n: int


def find_islands(
    topo: GridTopology,
    bus_out: np.ndarray,
    branch_out: np.ndarray,
    gen_out: np.ndarray,
) -> Islands:
    """Islands over in-service branches, and which buses are energized.

    Parameters
    ----------
    topo : GridTopology
    bus_out : numpy.ndarray of bool
        Buses out of service (damaged substations), per bus position.
    branch_out : numpy.ndarray of bool
        Branches out of service (damaged lines, trafos), per branch position.
    gen_out : numpy.ndarray of bool
        Generators unavailable, per gen position.
    """
    bus_ok = topo.bus_in_service & ~bus_out
    ok = topo.branch_in_service & ~branch_out
    ok &= bus_ok[topo.branch_from] & bus_ok[topo.branch_to]
    n = topo.n_bus
    adj = coo_matrix(
        (np.ones(int(ok.sum())), (topo.branch_from[ok], topo.branch_to[ok])), shape=(n, n)
    )
    n_comp, label = connected_components(adj, directed=False)
    has_source = np.zeros(n_comp, bool)
    ext = topo.ext_bus[topo.ext_in_service & bus_ok[topo.ext_bus]]
    has_source[label[ext]] = True
    g_ok = topo.gen_in_service & ~gen_out & bus_ok[topo.gen_bus] & (topo.gen_p_max_mw > 0)
    has_source[label[topo.gen_bus[g_ok]]] = True
    return Islands(label=label, energized=has_source[label] & bus_ok, n=n_comp)
