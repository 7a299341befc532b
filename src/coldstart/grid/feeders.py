"""Feeders of a distribution grid: which buses hang on the same medium-voltage feeder.

A feeder is a connected part of the grid once the transmission level (buses at or above
:data:`HV_KV`) and the substations' MV busbars (the low-voltage side of every HV/MV trafo) are
removed: each line leaving a busbar with the stations behind it. Households on a feeder that
also feeds a hospital, a water pumping station or a heat pump escape rotating outages
(:func:`coldstart.grid.rotation.exempt_households`), because the feeder cannot be switched off
without them.
"""

from __future__ import annotations

import numpy as np
import pandapower as pp
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

HV_KV = 35.0
"""Buses at or above this voltage are transmission, not feeders [kV] (Ukraine: 35-330 kV)."""


def feeder_of_bus(net: pp.pandapowerNet) -> pd.Series:
    """Feeder label of every bus (``net.bus.index``); -1 for transmission buses and busbars.

    Lines, trafos (MV/LV), closed bus-bus switches and impedances connect buses of one feeder;
    open switches and out-of-service elements are ignored (the normal switching state).
    """
    bus = net.bus.index.to_numpy(np.int64)
    pos = pd.Series(np.arange(len(bus)), index=bus)
    vn = net.bus.vn_kv.to_numpy(float)
    cut = vn >= HV_KV
    tr = net.trafo[net.trafo.in_service.astype(bool)]
    hv_side = net.bus.vn_kv.reindex(tr.hv_bus).to_numpy(float) >= HV_KV
    cut[pos.loc[tr.lv_bus[hv_side].astype(np.int64)].to_numpy()] = True
    a, b = [], []
    open_lines = set()
    if len(net.switch):
        sw = net.switch
        open_lines = set(sw.element[(sw.et == "l") & ~sw.closed.astype(bool)].astype(int))
        bb = sw[(sw.et == "b") & sw.closed.astype(bool)]
        a.append(bb.bus.to_numpy(np.int64))
        b.append(bb.element.to_numpy(np.int64))
    ln = net.line[net.line.in_service.astype(bool) & ~net.line.index.isin(list(open_lines))]
    a.append(ln.from_bus.to_numpy(np.int64))
    b.append(ln.to_bus.to_numpy(np.int64))
    a.append(tr.hv_bus[~hv_side].to_numpy(np.int64))
    b.append(tr.lv_bus[~hv_side].to_numpy(np.int64))
    fa = pos.loc[np.concatenate(a)].to_numpy()
    fb = pos.loc[np.concatenate(b)].to_numpy()
    keep = ~cut[fa] & ~cut[fb]
    n = len(bus)
    adj = coo_matrix((np.ones(int(keep.sum())), (fa[keep], fb[keep])), shape=(n, n))
    _, label = connected_components(adj, directed=False)
    label = np.where(cut, -1, label)
    return pd.Series(label, index=net.bus.index, name="feeder")
