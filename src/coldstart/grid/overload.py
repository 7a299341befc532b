"""Overload check on DC flows: which lines and trafos trip, and the cascade that follows.

A branch trips when its DC flow exceeds its rating; protection opens it and it stays open until
a crew resets it (the runner's repair book). Tripping changes the flows, so the check repeats on
the new topology until nothing more trips (or :data:`MAX_ROUNDS`).

Ratings (DC: 1 p.u. voltage, unity power factor, so MW = MVA):

- line: ``sqrt(3) vn_kv max_i_ka parallel df`` [MVA] (pandapower's ``max_i_ka`` thermal
  limit, derating ``df``), times ``max_loading_percent / 100`` when the column exists;
- trafo: ``sn_mva`` times ``max_loading_percent / 100`` when given;
- trafo3w windings: ``sn_hv_mva``, ``sn_mv_mva``, ``sn_lv_mva``;
- impedances: no rating (never trip).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandapower as pp

from coldstart.grid.dcflow import DCArrays, GridModel, State

MAX_ROUNDS = 20
"""Most rounds of the trip cascade."""

TRIP_MARGIN = 1.0
"""A branch trips above this multiple of its rating (1.0: at 100 % loading)."""


def branch_ratings_mw(model: GridModel, net: pp.pandapowerNet) -> np.ndarray:
    """Rating of every branch position of ``model`` [MW]; ``inf`` where none is known."""
    c = model.c
    out = np.full(len(c.br_kind), np.inf)

    def col(df, name, default):
        return df[name].fillna(default).to_numpy(float) if name in df else np.full(len(df), default)

    for k, table in enumerate(("line", "trafo", "trafo3w")):
        rows = np.flatnonzero(c.br_kind == k)
        if not len(rows):
            continue
        d = net[table].loc[c.br_label[rows]]
        ml = col(d, "max_loading_percent", 100.0) / 100.0
        if table == "line":
            vn = net.bus.vn_kv.loc[d.from_bus].to_numpy(float)
            r = np.sqrt(3) * vn * col(d, "max_i_ka", np.inf) * col(d, "parallel", 1.0)
            r *= col(d, "df", 1.0)
        elif table == "trafo":
            # parallel units share the flow (pandapower's loading_percent divides by
            # sn_mva x parallel as well)
            r = col(d, "sn_mva", np.inf) * col(d, "parallel", 1.0)
        else:
            w = c.br_winding[rows]
            r = np.choose(w, [col(d, "sn_hv_mva", np.inf), col(d, "sn_mv_mva", np.inf),
                              col(d, "sn_lv_mva", np.inf)])  # fmt: skip
        out[rows] = np.where(r > 0, r * ml, np.inf)
    return out


def overloaded(flow: DCArrays, rating_mw: np.ndarray, margin: float = TRIP_MARGIN) -> np.ndarray:
    """Branches whose flow magnitude exceeds ``margin`` times their rating (bool per branch)."""
    p = np.nan_to_num(np.abs(flow.branch_p_from_mw), nan=0.0)
    return p > margin * rating_mw + 1e-9


def trip_cascade(
    model: GridModel,
    state: State,
    rating_mw: np.ndarray,
    node_p_mw: np.ndarray | None = None,
    margin: float = TRIP_MARGIN,
) -> tuple[list[np.ndarray], State, DCArrays]:
    """Trip overloaded branches until none is left.

    Parameters
    ----------
    model : GridModel
    state : State
        Topology before the check (not changed).
    rating_mw : numpy.ndarray
        From :func:`branch_ratings_mw`.
    node_p_mw : numpy.ndarray, optional
        Injections per node [MW] (served load and dispatch); the net's own when omitted.
    margin : float
        Trip above this multiple of the rating.

    Returns
    -------
    rounds : list of numpy.ndarray
        Branch positions tripped in each round (empty list: nothing tripped).
    state : State
        The topology after the cascade.
    flow : DCArrays
        DC flow after the cascade.
    """
    rounds: list[np.ndarray] = []
    flow = model.solve(state, node_p_mw)
    for _ in range(MAX_ROUNDS):
        over = overloaded(flow, rating_mw, margin)
        if not over.any():
            break
        rounds.append(np.flatnonzero(over))
        state = replace(state, branch_out=state.branch_out | over)
        flow = model.solve(state, node_p_mw)
    return rounds, state, flow
