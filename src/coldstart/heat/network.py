"""Network-level heat functions: the city's consumers and pipe losses, and water temperatures
along a tree network.

:func:`tree_pipe_loss_w` is the steady temperature model of a radial network at given mass
flows: along a pipe with conductance ``k = U pi D L`` [W/K] and mass flow ``m``, water cools
exponentially toward the surroundings, ``T_out = T_a + (T_in - T_a) exp(-k / (m c_p))``; flows
mix at junctions. It is exact for a tree with known consumer flows (what pandapipes solves for
temperatures once the hydraulics are known) and needs no iteration.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import breadth_first_order

from coldstart.heat.losses import (
    GROUND_TEMP_WINTER_C,
    heating_curve_c,
    pair_conductance_w_mk,
    pipe_heat_loss_mw_th,
)
from coldstart.heat.model import DESIGN_OUTDOOR_C, FACILITY_HEAT_LOSS_W_M2K

WATER_CP_J_KGK = 4190.0
"""Specific heat of water at 60-80 degC [J/(kg K)] (IAPWS)."""

CITY_INSULATION = "degraded_mineral_wool"
"""Insulation class of the synthetic city's pipes: Soviet channel networks with aged mineral
wool (``data/heat_insulation.csv``)."""


def city_consumers(city, setpoint_c: float = 20.0) -> pd.DataFrame:
    """The city's heat consumers: district-heated buildings, then facilities, at design.

    Returns
    -------
    pandas.DataFrame
        ``consumer_id``, ``node_id``, ``demand_mw_th`` (design demand; facilities from their floor
        area and :data:`coldstart.heat.model.FACILITY_HEAT_LOSS_W_M2K`).
    """
    b, f = city.buildings, city.facilities
    bd = b[b.heat_supply == "district"]
    fd = f[f.heat_supply == "district"]
    f_mw = FACILITY_HEAT_LOSS_W_M2K * fd.floor_area_m2 * (setpoint_c - DESIGN_OUTDOOR_C) / 1e6
    return pd.DataFrame(
        {
            "consumer_id": list(bd.building_id) + list(fd.facility_id),
            "node_id": list(bd.heat_node_id) + list(fd.heat_node_id),
            "demand_mw_th": np.concatenate([bd.heat_demand_mw_th.to_numpy(float), f_mw]),
        }
    )


def city_pipe_loss_mw_th(
    pipes: pd.DataFrame,
    temp_out_c: float = DESIGN_OUTDOOR_C,
    insulation: str = CITY_INSULATION,
    buried: bool = True,
) -> np.ndarray:
    """Heat lost by each of the city's pipe pairs while circulating [MW_th].

    Supply and return temperatures from :func:`coldstart.heat.losses.heating_curve_c` at
    ``temp_out_c``; buried pipes lose to the soil at
    :data:`coldstart.heat.losses.GROUND_TEMP_WINTER_C`, others to the outdoor air.
    """
    t_s, t_r = heating_curve_c(temp_out_c)
    g = pair_conductance_w_mk(pipes["dn_mm"].to_numpy(float), insulation, buried)
    surround = GROUND_TEMP_WINTER_C if buried else temp_out_c
    return pipe_heat_loss_mw_th(pipes["length_m"].to_numpy(float), g, t_s, t_r, surround)


def _tree(n: int, bf: np.ndarray, bt: np.ndarray, ok: np.ndarray, roots: np.ndarray):
    """Breadth-first order from a virtual root joined to ``roots``; predecessor branch of each
    node (-1 for roots and unreached nodes)."""
    idx = np.flatnonzero(ok)
    f = np.concatenate([bf[idx], np.full(len(roots), n)])
    t = np.concatenate([bt[idx], roots])
    g = coo_matrix((np.ones(len(f)), (f, t)), shape=(n + 1, n + 1)).tocsr()
    order, pred = breadth_first_order(g, n, directed=False, return_predecessors=True)
    order = order[1:]
    pred_node = pred[order]
    # the branch joining each node to its predecessor
    key = {}
    for b in idx:
        key[(int(bf[b]), int(bt[b]))] = b
        key[(int(bt[b]), int(bf[b]))] = b
    pbranch = np.full(n, -1, np.int64)
    for v, p in zip(order, pred_node, strict=True):
        if p != n:
            pbranch[v] = key[(int(p), int(v))]
    pnode = np.full(n, -1, np.int64)
    pnode[order] = np.where(pred_node == n, -1, pred_node)
    return order, pnode, pbranch


def tree_pipe_loss_w(
    n_node: int,
    branch_from: np.ndarray,
    branch_to: np.ndarray,
    branch_ok: np.ndarray,
    branch_k_w_k: np.ndarray,
    temp_surround_c: np.ndarray,
    supply_node: np.ndarray,
    supply_temp_c: float,
    draw_node: np.ndarray,
    draw_kg_s: np.ndarray,
    return_root: np.ndarray | None = None,
    inject_node: np.ndarray | None = None,
    inject_drop_k: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Heat lost by each branch of a radial network at given consumer flows [W].

    Parameters
    ----------
    n_node : int
    branch_from, branch_to : numpy.ndarray of int
    branch_ok : numpy.ndarray of bool
        Branches carrying water.
    branch_k_w_k : numpy.ndarray
        ``U pi D L`` of each branch [W/K] (0 for valves).
    temp_surround_c : numpy.ndarray
        Temperature around each branch [degC].
    supply_node : numpy.ndarray of int
        Nodes where the source delivers water at ``supply_temp_c`` [degC].
    draw_node, draw_kg_s : numpy.ndarray
        Where each consumer takes water from the flow side, and its mass flow [kg/s].
    return_root, inject_node, inject_drop_k : numpy.ndarray, optional
        For a two-pipe network: the source's return nodes, where each consumer puts its water
        back and how much cooler than it took it [K].

    Returns
    -------
    loss_w : numpy.ndarray
        Per branch [W] (a branch carrying no flow loses nothing: stagnant water; NaN for a
        branch closing a loop, which the tree model does not carry).
    temp_node_c : numpy.ndarray
        Water temperature at each node (NaN where no water passes) [degC].
    """
    cp = WATER_CP_J_KGK
    loss = np.zeros(len(branch_from))
    temp = np.full(n_node, np.nan)
    order, pnode, pbranch = _tree(n_node, branch_from, branch_to, branch_ok, supply_node)
    in_tree = np.zeros(len(branch_from), bool)
    in_tree[pbranch[pbranch >= 0]] = True
    flow = np.bincount(draw_node, draw_kg_s, minlength=n_node)
    for v in order[::-1]:
        if pnode[v] >= 0:
            flow[pnode[v]] += flow[v]
    temp[supply_node] = supply_temp_c
    for v in order:
        p, b = pnode[v], pbranch[v]
        if p < 0:
            continue
        m = flow[v]
        if m <= 0:
            continue
        ta = temp_surround_c[b]
        temp[v] = ta + (temp[p] - ta) * np.exp(-branch_k_w_k[b] / (m * cp))
        loss[b] = m * cp * (temp[p] - temp[v])
    if return_root is None or inject_node is None:
        return np.where(in_tree | ~branch_ok, loss, np.nan), temp
    t_in = temp[draw_node] - inject_drop_k
    order, pnode, pbranch = _tree(n_node, branch_from, branch_to, branch_ok, return_root)
    in_tree[pbranch[pbranch >= 0]] = True
    m_in = np.bincount(inject_node, draw_kg_s, minlength=n_node).astype(float)
    h_in = np.bincount(inject_node, draw_kg_s * np.nan_to_num(t_in), minlength=n_node)
    for v in order[::-1]:  # leaves first: mix, then cool along the branch toward the root
        p, b = pnode[v], pbranch[v]
        if m_in[v] <= 0:
            continue
        temp[v] = h_in[v] / m_in[v]
        if p < 0:
            continue
        ta = temp_surround_c[b]
        t_out = ta + (temp[v] - ta) * np.exp(-branch_k_w_k[b] / (m_in[v] * cp))
        loss[b] += m_in[v] * cp * (temp[v] - t_out)
        m_in[p] += m_in[v]
        h_in[p] += m_in[v] * t_out
    return np.where(in_tree | ~branch_ok, loss, np.nan), temp
