"""First-version district heating: connectivity to working sources, and capacity sharing.

A consumer is heated when intact pipes connect its node to a source that works (intact, with
power for its auxiliaries or backup), and no pumping station on the way lacks power (a pipe whose
booster has no power carries no circulation). When the connected demand (plus network losses)
exceeds the available capacity, every consumer in that part gets the same fraction (lowered
supply temperature) (DESIGN.md, "District heating"). Issue 5 replaces this with the full engine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

DESIGN_OUTDOOR_C = -22.0
"""Design outdoor temperature for heating in Kyiv [degC] (DSTU-N B V.1.1-27:2010, ~ -22 degC)."""

FACILITY_HEAT_LOSS_W_M2K = 1.4
"""Heat loss of schools and hospitals per m2 of floor [W/(m2 K)] (Soviet-era public buildings,
as the 1.4-1.8 W/m2K of large-panel blocks in DESIGN.md)."""

NETWORK_LOSS_SHARE = 0.12
"""Network heat losses as a share of the heat delivered [-]; typical of Ukrainian district
heating networks, 10-20 % (first version; issue 5 computes losses per pipe)."""


@dataclass(frozen=True)
class HeatTopology:
    """Arrays of a compiled heat network (positions into the node and pipe tables)."""

    node_ids: np.ndarray
    pipe_ids: np.ndarray
    pipe_from: np.ndarray
    pipe_to: np.ndarray
    source_node: np.ndarray
    pump_pipe: np.ndarray

    @property
    def n_node(self) -> int:
        """Number of nodes."""
        return len(self.node_ids)


def compile_heat(
    nodes: pd.DataFrame, pipes: pd.DataFrame, sources: pd.DataFrame, pumps: pd.DataFrame
) -> HeatTopology:
    """Compile the city's heat tables into arrays (once per city)."""
    node_ids = nodes["node_id"].to_numpy(object)
    pos = pd.Series(np.arange(len(node_ids)), index=node_ids)
    pipe_pos = pd.Series(np.arange(len(pipes)), index=pipes["pipe_id"].to_numpy(object))
    return HeatTopology(
        node_ids=node_ids,
        pipe_ids=pipes["pipe_id"].to_numpy(object),
        pipe_from=pos.loc[pipes["from_node"]].to_numpy(np.int64),
        pipe_to=pos.loc[pipes["to_node"]].to_numpy(np.int64),
        source_node=pos.loc[sources["node_id"]].to_numpy(np.int64),
        pump_pipe=pipe_pos.loc[pumps["pipe_id"]].to_numpy(np.int64),
    )


def heat_components(topo: HeatTopology, pipe_out: np.ndarray) -> np.ndarray:
    """Label of the connected part of every node, over pipes that carry circulation.

    Parameters
    ----------
    pipe_out : numpy.ndarray of bool
        Pipes out of service or without circulation (damaged, or with an unpowered booster).
    """
    ok = ~pipe_out
    n = topo.n_node
    adj = coo_matrix((np.ones(int(ok.sum())), (topo.pipe_from[ok], topo.pipe_to[ok])), shape=(n, n))
    return connected_components(adj, directed=False)[1]


def heat_demand_mw_th(
    design_mw_th: np.ndarray, temp_out_c: float, setpoint_c: float = 20.0
) -> np.ndarray:
    """Heat demand at the current outdoor temperature, scaled from the design load [MW_th].

    Linear in the indoor-outdoor difference (degree-hour method), zero above the setpoint.
    """
    scale = max(0.0, setpoint_c - temp_out_c) / (setpoint_c - DESIGN_OUTDOOR_C)
    return design_mw_th * scale


def delivered_fraction(
    labels: np.ndarray,
    source_node: np.ndarray,
    source_avail_mw_th: np.ndarray,
    consumer_node: np.ndarray,
    consumer_demand_mw_th: np.ndarray,
) -> np.ndarray:
    """Fraction of its demand each consumer receives (0 with no working source connected).

    Parameters
    ----------
    labels : numpy.ndarray of int
        Part of each node (:func:`heat_components`).
    source_node, source_avail_mw_th : numpy.ndarray
        Node and available capacity [MW_th] of every source (0 when not working).
    consumer_node, consumer_demand_mw_th : numpy.ndarray
        Node and current demand [MW_th] of every consumer that takes water (0 when drained).
    """
    n = int(labels.max()) + 1 if len(labels) else 0
    cap = np.bincount(labels[source_node], weights=source_avail_mw_th, minlength=n).astype(float)
    need = np.bincount(
        labels[consumer_node],
        weights=consumer_demand_mw_th * (1.0 + NETWORK_LOSS_SHARE),
        minlength=n,
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(need > 0, np.minimum(1.0, cap / need), (cap > 0).astype(float))
    return frac[labels[consumer_node]]
