"""Results and states of the DC engine (:mod:`coldstart.grid.dcflow`): plain data, no logic."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class State:
    """One topology and injection state as positional masks (built by :meth:`GridModel.state`)."""

    node_out: np.ndarray  # bool per node
    branch_out: np.ndarray  # bool per branch
    switch_out: np.ndarray  # bool per closed bus-bus switch (opened)
    gen_out: np.ndarray
    ext_out: np.ndarray
    inj_out: np.ndarray


@dataclass(frozen=True)
class DCArrays:
    """Positional result of one DC power flow (NaN where not energized)."""

    node_energized: np.ndarray  # bool per node
    node_va_rad: np.ndarray
    branch_p_from_mw: np.ndarray
    ext_p_mw: np.ndarray
    gen_p_mw: np.ndarray
    island: np.ndarray  # island label per node
    rank: int  # size of the low-rank update used (-1: factorized afresh)


@dataclass(frozen=True)
class DCResult:
    """Result of :meth:`GridModel.dc_power_flow`, indexed by pandapower labels.

    Attributes
    ----------
    energized_bus : pandas.Series of bool
        On ``net.bus.index``: the bus is in service and connected to a slack.
    bus_va_degree : pandas.Series
        Voltage angle [degree], NaN where not energized.
    line_p_from_mw, trafo_p_hv_mw, trafo3w_p_hv_mw, impedance_p_from_mw : pandas.Series
        Active power into the element at its from/hv side [MW]; NaN where the element is out of
        service, open, or not in an energized island.
    ext_grid_p_mw, gen_p_mw : pandas.Series
        Power of each ext_grid and gen [MW] (slacks take the balance of their island); NaN where
        out of service or not energized.
    """

    energized_bus: pd.Series
    bus_va_degree: pd.Series
    line_p_from_mw: pd.Series
    trafo_p_hv_mw: pd.Series
    trafo3w_p_hv_mw: pd.Series
    impedance_p_from_mw: pd.Series
    ext_grid_p_mw: pd.Series
    gen_p_mw: pd.Series
