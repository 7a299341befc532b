"""Damage and repair tables held as data (``coldstart/data/*.csv``), loaded and checked."""

from __future__ import annotations

from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

DAMAGE_STATES = ("none", "slight", "moderate", "extensive", "complete")
"""Damage states, from none to complete (HAZUS-style ordinal states)."""


def _read(name: str) -> pd.DataFrame:
    with resources.files("coldstart.data").joinpath(name).open() as f:
        return pd.read_csv(f)


@cache
def fragility() -> pd.DataFrame:
    """Damage-state probabilities by threat type and protection level.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``(threat, protection_level)``, columns ``p_none`` ... ``p_complete`` (rows
        sum to 1) and ``source``.
    """
    t = _read("fragility.csv")
    p = t[[f"p_{s}" for s in DAMAGE_STATES]].to_numpy(float)
    if (p < 0).any() or not np.allclose(p.sum(axis=1), 1.0):
        raise ValueError("fragility.csv: probabilities must be >= 0 and sum to 1 per row")
    return t.set_index(["threat", "protection_level"])


@cache
def repair_times() -> pd.DataFrame:
    """Repair-time medians and log-normal spreads by asset kind and damage state.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``(asset_kind, damage_state)``; ``median`` is hours (``median_unit = "h"``) or
        a multiple of the pipe's break-repair norm (``"x_pipe_norm"``); ``log_sd`` is the sd of
        log(duration); ``crew_type``; ``source``.
    """
    t = _read("repair_times.csv")
    if (t["median"] <= 0).any() or (t["log_sd"] < 0).any():
        raise ValueError("repair_times.csv: medians must be > 0 and log_sd >= 0")
    return t.set_index(["asset_kind", "damage_state"])


@cache
def pipe_repair_norms() -> pd.DataFrame:
    """Pipe-break repair norm [h] by diameter band [UA-PIPE-NORMS]."""
    return _read("pipe_repair_norms.csv")


def pipe_norm_h(dn_mm: float) -> float:
    """Repair norm of a pipe break for a pipe of diameter ``dn_mm`` [h]."""
    t = pipe_repair_norms()
    row = t[(t.dn_min_mm <= dn_mm) & (dn_mm < t.dn_max_mm)]
    return float(row.repair_h.iloc[0] if len(row) else t.repair_h.iloc[-1])


@cache
def secondary_failures() -> pd.DataFrame:
    """Secondary failures of buildings' heating after an outage: probability model and work.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``failure`` (``restart_failure``, ``frozen_system``, ``branch_burst``);
        ``crew_type``; ``median_h`` and ``log_sd`` of the work (log-normal); the probability
        ``min(p_max, p_base + p_per_cold_day x days without circulation + p_per_c_frost x
        degrees of frost outdoors)``; ``source``.
    """
    t = _read("secondary_failures.csv")
    p = t[["p_base", "p_per_cold_day", "p_per_c_frost", "p_max"]].to_numpy(float)
    if (t["median_h"] <= 0).any() or (t["log_sd"] < 0).any() or (p < 0).any() or (p > 1).any():
        raise ValueError(
            "secondary_failures.csv: median_h must be > 0, log_sd >= 0, probabilities in [0, 1]"
        )
    return t.set_index("failure")
