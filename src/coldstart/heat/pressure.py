"""What the pumps can deliver: consumers' flow shares under pressure, and a city's pump heads.

A building's substation needs a minimum differential pressure between its supply and return
connections to pass its design flow: its control valve throttles the surplus when there is more
and is fully open when there is less, so that below the minimum the substation is a fixed
resistance and its flow falls with the square root of the pressure it gets:

``share = min(1, sqrt(max(dp, 0) / dp_min))``

(the pressure-driven demand of water distribution models, e.g. WNTR's, with the exponent of a
turbulent orifice [WAGNER-1988]). :func:`flow_shares` finds the shares consistent with the
network's hydraulics: a far end of a long main whose pressure sinks below ``dp_min`` gets less,
which raises everybody's pressure, and so on (solved together by Newton,
:mod:`coldstart.heat.pdd`; a damped fixed-point iteration on the shares does not converge for a
district behind a narrow link, whose consumers all hinge on the link's flow).

Flows are the design flows at any outdoor temperature: Ukrainian (and other post-Soviet)
networks run on quality control -- constant circulation, supply temperature following the
outdoor temperature [SNIP-41-02-2003] -- so the hydraulic state changes only with the topology
(damage, repairs, valves, pumps), and the heat a consumer can take is its flow share times its
heat demand (the supply-return difference of the temperature graph).

:func:`city_hydraulic_params` reads a city's hydraulic data (pipe roughness, the network pumps'
head at each source, the boosters' head); a source without a head (0) gets the head that lets
the intact network pass every consumer's design flow with ``dp_min`` to spare
(:func:`design_heads_bar`): the network is assumed to have worked before the strikes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from coldstart.heat.engine import HeatModel
from coldstart.heat.hydraulics import (
    PA_PER_BAR,
    HydraulicModel,
    HydraulicParams,
    consumer_mdot_kg_per_s,
)
from coldstart.heat.pdd import solve_pressure_driven

CONSUMER_DP_MIN_BAR = 1.0
"""Differential pressure a building substation needs for its design flow [bar]: a water-jet
elevator (the substation of most Soviet-era blocks) needs 10-15 m of head at its inlet
[SP-41-101-95]; a modern substation with a heat exchanger and control valve ~0.5-1 bar. The lower
end of the elevator's range, as a first estimate."""

DESIGN_DT_K = 40.0
"""Supply minus return temperature at design flow [K] (the synthetic city sizes its pipes for
it; post-Soviet networks designed for 150/70 degC run far lower supply temperatures in practice,
with design flows that give ~30-40 K)."""

RETURN_P_BAR = 3.0
"""Pressure held at the return side of every source [bar gauge]: the static pressure that keeps
the buildings filled (only pressure differences drive the flows)."""

HEAD_MARGIN_BAR = 0.5
"""Margin added to a head sized by :func:`design_heads_bar` [bar]."""

SHUTOFF_HEAD_RATIO = 1.25
"""Shut-off head of a booster over its head at the design flow [-]: a centrifugal pump's curve
falls some 20-40 % from shut-off to its duty point (first estimate; the curve is taken as a
parabola through both)."""

SIZING_HEAD_BAR = 40.0
"""Trial head of every source while sizing [bar]: high enough that no consumer runs dry."""


def pipe_roughness_mm(pipes: pd.DataFrame) -> np.ndarray:
    """Roughness of every pipe [mm]: the ``roughness_mm`` column, or 0.5 mm where it is
    missing (the equivalent roughness of steel water networks in the design norm
    [SNIP-41-02-2003])."""
    if "roughness_mm" in pipes:
        return pipes["roughness_mm"].to_numpy(float)
    return np.full(len(pipes), 0.5)


def _column(df: pd.DataFrame, name: str) -> np.ndarray:
    return df[name].to_numpy(float) if name in df else np.zeros(len(df))


def _params(
    city,
    heads_bar: np.ndarray,
    booster_head_bar: np.ndarray,
    model: HeatModel,
    booster_mdot: np.ndarray | None = None,
) -> HydraulicParams:
    """Parameters with the given source heads; boosters lift ``booster_head_bar`` at their
    design flow ``booster_mdot`` on a parabolic curve (a fixed lift when no flow is given)."""
    pipes = city.heat_pipes
    head = np.zeros(len(model.pump_ids))
    pos = pd.Index(city.pumping_stations["pump_id"]).get_indexer(model.pump_ids)
    head[pos >= 0] = booster_head_bar[pos[pos >= 0]]
    lift, curve = head, np.zeros(len(head))
    if booster_mdot is not None:
        flowing = np.abs(booster_mdot) > 1e-9
        lift = np.where(flowing, SHUTOFF_HEAD_RATIO * head, head)
        curve = np.where(flowing, (lift - head) / np.where(flowing, booster_mdot, 1.0) ** 2, 0.0)
    return HydraulicParams(
        pipe_length_m=pipes["length_m"].to_numpy(float),
        pipe_diameter_m=pipes["dn_mm"].to_numpy(float) / 1000.0,
        pipe_k_mm=pipe_roughness_mm(pipes),
        source_p_flow_bar=RETURN_P_BAR + heads_bar,
        source_plift_bar=heads_bar,
        pump_lift_bar=lift,
        pump_curve_bar_s2_per_kg2=curve,
    )


def _with_heads(params: HydraulicParams, head_bar: float | np.ndarray) -> HydraulicParams:
    return HydraulicParams(
        **{
            **params.__dict__,
            "source_p_flow_bar": RETURN_P_BAR + np.asarray(head_bar, float),
            "source_plift_bar": np.asarray(head_bar, float),
        }
    )


def _design_solve(model: HeatModel, params: HydraulicParams):
    """The intact network at design draws with every source at :data:`SIZING_HEAD_BAR`:
    the hydraulic model and its solution."""
    hyd = HydraulicModel(model, _with_heads(params, SIZING_HEAD_BAR))
    src_ok = np.ones(len(model.source_ids), bool)
    return hyd, hyd.solve_arrays(model.branch_ok(), src_ok, design_mdot_kg_per_s(model))


def booster_design_mdot(model: HeatModel, params: HydraulicParams) -> np.ndarray:
    """Flow through every booster's branch at design draws, intact network [kg/s]."""
    hyd, (_, mdot, *_) = _design_solve(model, params)
    g = hyd._g
    half = len(g.src) // 2 if g.layered else len(g.src)
    of_branch = np.full(len(model.branch_from), -1)
    of_branch[g.src[:half]] = np.arange(half)
    at = of_branch[model.pump_branch]
    return np.where(at >= 0, mdot[np.maximum(at, 0)], 0.0)


def design_mdot_kg_per_s(model: HeatModel) -> np.ndarray:
    """Design flow of every consumer [kg/s]: its design demand at :data:`DESIGN_DT_K`."""
    return consumer_mdot_kg_per_s(model.consumer_demand_mw_th, DESIGN_DT_K)


def design_heads_bar(
    model: HeatModel,
    params: HydraulicParams,
    dp_min_bar: float = CONSUMER_DP_MIN_BAR,
    margin_bar: float = HEAD_MARGIN_BAR,
) -> np.ndarray:
    """Head each source's network pumps need [bar] so that the intact network (normally closed
    valves closed, boosters running) passes every consumer's design flow with ``dp_min_bar``.

    The network is solved once with every source at :data:`SIZING_HEAD_BAR`; a source then needs
    that head less the smallest spare differential pressure of the consumers in its part, plus
    ``margin_bar``, rounded up to 0.1 bar (sources sharing a part get the same head).
    """
    hyd, (p, _, active, *_) = _design_solve(model, params)
    g = hyd._g
    dp_bar = (p[g.c_from] - p[g.c_to]) / PA_PER_BAR
    ok = model.branch_ok()
    _, part = model.components(ok)
    c_part = part[model.consumer_from_node]
    heads = np.zeros(len(model.source_ids))
    for k, node in enumerate(model.source_supply_node):
        mine = active & (c_part == part[node])
        spare = float(np.min(dp_bar[mine])) if mine.any() else SIZING_HEAD_BAR
        heads[k] = SIZING_HEAD_BAR - spare + dp_min_bar + margin_bar
    return np.ceil(np.maximum(heads, dp_min_bar + margin_bar) * 10.0 - 1e-9) / 10.0


def city_hydraulic_params(city, model: HeatModel | None = None) -> HydraulicParams:
    """:class:`HydraulicParams` of a city: pipe lengths, bores (``dn_mm``) and roughness, the
    pumps' head at every source (``heat_sources.pump_head_bar``; sized by
    :func:`design_heads_bar` where 0) and the boosters' head (``pumping_stations.head_bar``).

    Parameters
    ----------
    city : coldstart.city.model.City
    model : HeatModel, optional
        ``HeatModel.from_city(city)`` when the caller has it.
    """
    model = HeatModel.from_city(city) if model is None else model
    heads = _column(city.heat_sources, "pump_head_bar")
    booster = _column(city.pumping_stations, "head_bar")
    params = _params(city, heads, booster, model)
    if (booster > 0).any():
        duty = booster_design_mdot(model, params)
        params = _params(city, heads, booster, model, duty)
    if (heads <= 0).any():
        sized = design_heads_bar(model, params)
        params = _with_heads(params, np.where(heads > 0, heads, sized))
    return params


@dataclass(frozen=True)
class Shares:
    """Consumers' flow shares in one topology.

    Attributes
    ----------
    share : numpy.ndarray
        Flow each consumer passes as a share of its design flow [-] (0 when not drawing).
    dp_bar : numpy.ndarray
        Differential pressure across each consumer [bar] (NaN when not drawing).
    active : numpy.ndarray of bool
        Both sides of the consumer reach a working source.
    solves : int
        Hydraulic solves and Newton iterations spent.
    converged : bool
        The last solve converged.
    """

    share: np.ndarray
    dp_bar: np.ndarray
    active: np.ndarray
    solves: int
    converged: bool


def flow_shares(
    hyd: HydraulicModel,
    branch_ok: np.ndarray,
    source_ok: np.ndarray,
    mdot_design: np.ndarray,
    pump_off: np.ndarray | None = None,
    dp_min_bar: float = CONSUMER_DP_MIN_BAR,
    share_init: np.ndarray | None = None,
) -> Shares:
    """Flow shares of the consumers consistent with the network's hydraulics.

    One solve with every drawing consumer at its design flow; when every consumer then has at
    least ``dp_min_bar``, all shares are 1. Otherwise the consumers become pressure-driven
    branches and the network is solved with them by Newton
    (:func:`coldstart.heat.pdd.solve_pressure_driven`).

    Parameters
    ----------
    hyd : HydraulicModel
    branch_ok, source_ok : numpy.ndarray of bool
        Branches carrying flow and working sources.
    mdot_design : numpy.ndarray
        Design flow of every consumer [kg/s].
    pump_off : numpy.ndarray of bool, optional
        Boosters running without lift (bypassed).
    dp_min_bar : float
        Differential pressure a consumer needs for its design flow [bar].
    share_init : numpy.ndarray, optional
        Start shares for Newton (a neighbouring topology's; changes the result only within the
        solver's tolerance).

    Returns
    -------
    Shares
    """
    g = hyd._g
    p, _, active, _, converged, _ = hyd.solve_arrays(
        branch_ok, source_ok, mdot_design, None, pump_off=pump_off
    )
    dp = np.where(active, p[g.c_from] - p[g.c_to], np.nan)
    short = active & ~(np.nan_to_num(dp, nan=-np.inf) >= dp_min_bar * PA_PER_BAR)
    if not short.any():
        return Shares(np.where(active, 1.0, 0.0), dp / PA_PER_BAR, active, 1, converged)
    m, p_pdd, active, it, converged = solve_pressure_driven(
        hyd,
        branch_ok,
        source_ok,
        mdot_design,
        dp_min_bar * PA_PER_BAR,
        pump_off,
        share_init,
        focus=short,
    )
    p = np.where(np.isnan(p_pdd), p, p_pdd)
    dp = np.where(active, p[g.c_from] - p[g.c_to], np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(active & (mdot_design > 0), m / mdot_design, 0.0)
    return Shares(share, dp / PA_PER_BAR, active, 1 + it, converged)
