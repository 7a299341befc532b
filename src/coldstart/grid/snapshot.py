"""A pandapower net of one moment of a simulation, for AC checks with pandapower's ``runpp``."""

from __future__ import annotations

import copy

import numpy as np
import pandapower as pp
import pandas as pd

SWITCHABLE = ("bus", "line", "trafo", "trafo3w", "impedance", "gen", "sgen", "ext_grid",
              "load", "storage")  # fmt: skip
"""Tables whose rows ``out_of_service`` may name (plus ``switch``: opened)."""


def snapshot_net(
    net: pp.pandapowerNet,
    out_of_service: dict | None = None,
    served_load_mw: pd.Series | None = None,
    gen_p_mw: pd.Series | None = None,
) -> pp.pandapowerNet:
    """Copy ``net`` in the state of one simulation step (the net is not changed).

    Parameters
    ----------
    net : pandapower.pandapowerNet
    out_of_service : dict of str to list of int, optional
        Elements out (damaged, tripped): table name to index labels; ``"switch"`` opens switches.
    served_load_mw : pandas.Series, optional
        Served active power of loads [MW], by ``net.load`` index (loads missing from it keep their
        power). Reactive power is scaled with it (constant power factor); a load served 0 is
        switched out of service.
    gen_p_mw : pandas.Series, optional
        Dispatch of gens [MW], by ``net.gen`` index.

    Returns
    -------
    pandapower.pandapowerNet
        A copy ready for ``pandapower.runpp`` (isolated parts are left to pandapower, which sets
        unsupplied buses out of service itself).
    """
    snap = copy.deepcopy(net)
    for table, labels in (out_of_service or {}).items():
        labels = list(labels)
        if not labels:
            continue
        if table == "switch":
            snap.switch.loc[labels, "closed"] = False
        elif table in SWITCHABLE:
            snap[table].loc[labels, "in_service"] = False
        else:
            raise KeyError(f"unknown element table {table!r}")
    if served_load_mw is not None and len(served_load_mw):
        idx = served_load_mw.index
        base = snap.load.loc[idx, "p_mw"].to_numpy(float) * snap.load.loc[idx, "scaling"].fillna(
            1.0
        ).to_numpy(float)
        served = served_load_mw.to_numpy(float)
        ratio = np.divide(served, base, out=np.zeros_like(served), where=base > 0)
        snap.load.loc[idx, "p_mw"] = snap.load.loc[idx, "p_mw"].to_numpy(float) * ratio
        snap.load.loc[idx, "q_mvar"] = snap.load.loc[idx, "q_mvar"].to_numpy(float) * ratio
        snap.load.loc[idx[served <= 0], "in_service"] = False
    if gen_p_mw is not None and len(gen_p_mw):
        snap.gen.loc[gen_p_mw.index, "p_mw"] = gen_p_mw.to_numpy(float)
    return snap
