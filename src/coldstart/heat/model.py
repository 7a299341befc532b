"""District heating basics shared by the engine and the runner: design figures, demand by
outdoor temperature, and the compiled node/pipe positions of a city's network.

The heat state itself (circuits, capacity sharing, losses) comes from
:class:`coldstart.heat.engine.HeatModel`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

DESIGN_OUTDOOR_C = -22.0
"""Design outdoor temperature for heating in Kyiv [degC] (DSTU-N B V.1.1-27:2010, ~ -22 degC)."""

FACILITY_HEAT_LOSS_W_M2K = 1.4
"""Heat loss of schools and hospitals per m2 of floor [W/(m2 K)] (Soviet-era public buildings,
as the 1.4-1.8 W/m2K of large-panel blocks in DESIGN.md)."""


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


def heat_demand_mw_th(
    design_mw_th: np.ndarray, temp_out_c: float, setpoint_c: float = 20.0
) -> np.ndarray:
    """Heat demand at the current outdoor temperature, scaled from the design load [MW_th].

    Linear in the indoor-outdoor difference (degree-hour method), zero above the setpoint.
    """
    scale = max(0.0, setpoint_c - temp_out_c) / (setpoint_c - DESIGN_OUTDOOR_C)
    return design_mw_th * scale
