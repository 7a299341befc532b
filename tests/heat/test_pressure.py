"""Pressure-driven delivery: flow shares, water-filling, pump heads of the synthetic city, and
the hydraulics inside the simulation (narrow links, boosters, the link-valve policy)."""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq

from coldstart.city.model import City
from coldstart.city.synth import synth_city
from coldstart.compiled import compile_city
from coldstart.heat.engine import HeatModel, _fill_levels
from coldstart.heat.hydraulics import PA_PER_BAR, HydraulicModel, HydraulicParams, resistances
from coldstart.heat.pressure import (
    CONSUMER_DP_MIN_BAR,
    RETURN_P_BAR,
    city_hydraulic_params,
    design_mdot_kg_per_s,
    flow_shares,
)
from coldstart.scenario import example_scenario
from coldstart.simulate.heat import USEFUL_LINK_SHARE
from coldstart.simulate.heat import HeatModel as HeatStepper

RHO, ETA = 977.8, 4.04e-4


def _line_model(dn_mm: tuple[float, ...], length_m: float = 1000.0, demand_mw_th: float = 2.0):
    """A source at ``s`` feeding one consumer per pipe, each pipe ``s -> c<k>`` of its own DN."""
    n = len(dn_mm)
    model = HeatModel.from_tables(
        pd.DataFrame({"node_id": ["s"] + [f"c{k}" for k in range(n)]}),
        pd.DataFrame({"pipe_id": [f"p{k}" for k in range(n)], "from_node": ["s"] * n,
                      "to_node": [f"c{k}" for k in range(n)]}),
        pd.DataFrame({"source_id": ["S"], "node_id": ["s"], "capacity_mw_th": [100.0]}),
        pd.DataFrame({"consumer_id": [f"C{k}" for k in range(n)],
                      "node_id": [f"c{k}" for k in range(n)],
                      "demand_mw_th": [demand_mw_th] * n}),
    )  # fmt: skip
    return model


def _params(dn_mm, head_bar: float, length_m: float = 1000.0) -> HydraulicParams:
    n = len(dn_mm)
    return HydraulicParams(
        np.full(n, length_m), np.asarray(dn_mm, float) / 1000, np.full(n, 0.5),
        rho_kg_per_m3=RHO, eta_pa_s=ETA, source_p_flow_bar=RETURN_P_BAR + head_bar,
        source_plift_bar=head_bar,
    )  # fmt: skip


def test_share_of_one_consumer_in_closed_form():
    # one pipe there and back: dp = H - 2 (a m + b m^2), m = share * m_design, and below the
    # minimum the substation is a fixed resistance: share = sqrt(dp / dp_min)
    dn, head, length = (100.0,), 2.5, 1000.0
    model = _line_model(dn)
    hyd = HydraulicModel(model, _params(dn, head, length))
    m_des = float(design_mdot_kg_per_s(model)[0])
    a, b = resistances(np.array([length]), np.array([0.1]), np.array([0.5]), np.zeros(1),
                       np.array([RHO]), np.array([ETA]))  # fmt: skip
    dp_min = CONSUMER_DP_MIN_BAR * PA_PER_BAR

    def gap(s):
        m = s * m_des
        return head * PA_PER_BAR - 2 * (a[0] * m + b[0] * m * m) - dp_min * s * s

    want = brentq(gap, 1e-9, 1.0)
    got = flow_shares(hyd, model.branch_ok(), np.ones(1, bool), design_mdot_kg_per_s(model))
    assert got.converged
    assert 0.3 < want < 0.99  # the case binds
    # tolerance: the consumer law is regularized below 0.5 % of the design flow (pdd.M_REG_SHARE)
    assert got.share[0] == pytest.approx(want, abs=5e-3)


def test_narrow_pipe_gets_less_heat_than_a_wide_main():
    # same source, same demand: the consumer behind DN 80 gets a share of its design flow,
    # the one behind DN 500 all of it; with the source short of capacity, water-filling gives
    # the narrow one what it can pass and the wide one the rest (capacity used up)
    dn = (500.0, 80.0)
    model = _line_model(dn, demand_mw_th=4.0)
    hyd = HydraulicModel(model, _params(dn, head_bar=3.0))
    mdot = design_mdot_kg_per_s(model)
    sh = flow_shares(hyd, model.branch_ok(), np.ones(1, bool), mdot)
    assert sh.share[0] == 1.0 and 0.05 < sh.share[1] < 0.9
    assert sh.dp_bar[0] > sh.dp_bar[1]
    ok, dem = model.branch_ok(), model.consumer_demand_mw_th
    plenty = model.solve_arrays(ok, np.array([100.0]), dem, np.zeros(2), None, sh.share)
    np.testing.assert_allclose(plenty.fraction, sh.share)
    short = model.solve_arrays(ok, np.array([4.5]), dem, np.zeros(2), None, sh.share)
    assert short.fraction[1] == pytest.approx(sh.share[1])
    assert short.fraction[0] == pytest.approx((4.5 - 4.0 * sh.share[1]) / 4.0)
    assert short.delivered_mw_th.sum() == pytest.approx(4.5)
    # without hydraulics both get the same fraction of the capacity
    eq = model.solve_arrays(ok, np.array([4.5]), dem, np.zeros(2))
    assert eq.fraction[0] == eq.fraction[1] == pytest.approx(4.5 / 8.0)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 3),
            st.one_of(st.just(0.0), st.floats(1e-6, 3.0)),  # MW_th: no denormal demands
            st.one_of(st.just(1.0), st.floats(0.0, 1.0)),
        ),
        min_size=1,
        max_size=25,
    ),
    st.lists(st.floats(0.0, 12.0), min_size=4, max_size=4),
    st.lists(st.floats(0.0, 1.5), min_size=4, max_size=4),
)
def test_water_filling_level_is_the_largest_that_fits(rows, heat, loss):
    c = np.array([r[0] for r in rows])
    d = np.array([r[1] for r in rows])
    s = np.array([r[2] for r in rows])
    heat, loss = np.array(heat), np.array(loss)
    need = np.bincount(c, d, 4) + loss
    with np.errstate(over="ignore"):
        level_c = np.minimum(1.0, heat / np.where(need > 0, need, np.inf))
    level_c[need <= 0] = 1.0
    got = _fill_levels(heat, loss, d * s, s, c, level_c, d)
    for k in range(4):
        m = c == k

        def use(lev, m=m, k=k):
            return float((d[m] * np.minimum(s[m], lev)).sum() + lev * loss[k])

        if use(1.0) <= heat[k]:
            assert got[k] == 1.0
        elif not (s[m] < 1).any():
            assert got[k] == level_c[k]
        else:  # the largest level that fits, to rounding (bisection as the reference)
            lo, hi = 0.0, 1.0
            for _ in range(60):
                mid = 0.5 * (lo + hi)
                lo, hi = (lo, mid) if use(mid) > heat[k] else (mid, hi)
            assert got[k] == pytest.approx(lo, abs=1e-9)
            assert use(got[k]) <= heat[k] * (1 + 1e-12) + 1e-12


def test_water_filling_orders_kept_per_topology_give_the_same_levels():
    # the runner keeps each circuit's consumers sorted by share between steps; a new demand
    # (some consumers drained, others taking more) gives the levels of a fresh sort
    rng = np.random.default_rng(3)
    n, n_c = 400, 5
    circuit = rng.integers(0, n_c, n)
    smax = np.where(rng.random(n) < 0.4, rng.random(n), 1.0)
    heat, loss = rng.uniform(0.5, 3.0, n_c), rng.uniform(0.0, 0.3, n_c)
    orders: dict = {}
    for _ in range(4):
        d = np.where(rng.random(n) < 0.2, 0.0, rng.uniform(0.0, 0.05, n))
        level_c = np.full(n_c, 0.5)
        args = (heat, loss, d * smax, smax, circuit, level_c, d)
        np.testing.assert_array_equal(_fill_levels(*args, orders), _fill_levels(*args))
    assert orders  # the cache was filled and reused


@cache
def _city(n: int, seed: int) -> City:
    return synth_city(n, seed=seed)


@pytest.mark.parametrize("n, seed", [(2000, 0), (300, 3), (120, 0)])
def test_synthetic_network_passes_every_design_flow(n, seed):
    # issue 17: the intact synthetic network gives every consumer its design flow with the
    # minimum differential pressure; the pump heads are in the range of real networks
    city = _city(n, seed)
    model = HeatModel.from_city(city)
    params = city_hydraulic_params(city, model)
    heads = city.heat_sources["pump_head_bar"].to_numpy()
    np.testing.assert_allclose(params.source_plift_bar, heads)  # written, not re-sized
    assert (heads >= CONSUMER_DP_MIN_BAR).all() and (heads <= 14.0).all()
    hyd = HydraulicModel(model, params)
    sh = flow_shares(hyd, model.branch_ok(), np.ones(len(heads), bool), design_mdot_kg_per_s(model))
    assert sh.converged and sh.solves == 1 and sh.active.all()
    assert (sh.share == 1.0).all()
    assert np.nanmin(sh.dp_bar) >= CONSUMER_DP_MIN_BAR


def test_boosters_without_power_lower_the_far_ends():
    city = _city(2000, 0)
    cc = compile_city(city)
    model, hyd = cc.heat_model, cc.hydraulics
    mdot = design_mdot_kg_per_s(model)
    src = np.ones(len(model.source_ids), bool)
    intact = flow_shares(hyd, model.branch_ok(), src, mdot)
    off = np.ones(len(model.pump_ids), bool)
    bypassed = flow_shares(hyd, model.branch_ok(), src, mdot, pump_off=off)
    assert bypassed.converged
    hit = bypassed.share < 1.0
    assert hit.any() and bypassed.active.all()  # less flow, but the water still moves
    assert (bypassed.dp_bar[hit] < intact.dp_bar[hit]).all()


def _link_city(link_dn_mm: float, link_length_m: float) -> tuple[City, str]:
    """The 120-building city with every link pipe of the given size."""
    city = _city(120, 0)
    links = city.heat_valves.loc[~city.heat_valves.normally_open, "pipe_id"]
    pipes = city.heat_pipes.copy()
    at = pipes.pipe_id.isin(links)
    pipes.loc[at, "dn_mm"] = link_dn_mm
    pipes.loc[at, "length_m"] = link_length_m
    return City(city.name, city.net, {**city.tables, "heat_pipes": pipes}), links.iloc[0]


def _cut_off_district(policy: str, link_dn_mm: float, link_length_m: float):
    """Turn off the source on the far side of the first link; heat shares of that district."""
    city, link = _link_city(link_dn_mm, link_length_m)
    cc = compile_city(city)
    sc = example_scenario()
    sc = sc.model_copy(update={"policies": sc.policies.model_copy(update={"link_valves": policy})})
    heat = HeatStepper(cc, sc, 1 / 6)
    hm = heat.hm
    pos = hm.pipe_ids.get_indexer([link])[0]
    _, part = hm.components(hm.branch_ok())
    far = part[hm.branch_to[pos]]
    src = np.flatnonzero(part[hm.source_supply_node] == far)
    avail = heat.src_cap.copy()
    avail[src] = 0.0
    dem = hm.consumer_demand_mw_th
    res, share = heat._solve(
        heat.initial_state(), np.zeros(len(hm.pipe_ids), bool), np.ones(len(hm.pump_ids), bool),
        avail, dem, np.zeros(len(hm.pipe_ids)),
    )  # fmt: skip
    inside = part[hm.consumer_from_node] == far
    return res, share, inside, dem


def test_link_policy_opens_only_links_that_carry_useful_heat():
    # a long narrow link: opened on source loss, it moves water but little heat; the
    # open_if_useful policy leaves it closed; a wide short link is opened by both
    res, share, inside, dem = _cut_off_district("open_on_source_loss", 50.0, 4000.0)
    assert res.supplied[inside].all()
    weighted = float(share[inside] @ dem[inside]) / float(dem[inside].sum())
    assert weighted < USEFUL_LINK_SHARE
    res, share, inside, dem = _cut_off_district("open_if_useful", 50.0, 4000.0)
    assert not res.supplied[inside].any()
    res, share, inside, dem = _cut_off_district("open_if_useful", 400.0, 300.0)
    assert res.supplied[inside].all()
    assert float(share[inside] @ dem[inside]) >= USEFUL_LINK_SHARE * float(dem[inside].sum())
