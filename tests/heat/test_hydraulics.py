"""Hydraulics on city-style models: closed-form cases, loops, boosters, dead parts, warm starts."""

import numpy as np
import pandas as pd
import pytest

from coldstart.heat.engine import HeatModel
from coldstart.heat.hydraulics import (
    PA_PER_BAR,
    HydraulicModel,
    HydraulicParams,
    branch_flow,
    resistances,
)

RHO, ETA = 977.8, 4.04e-4


def _model(pipes, sources=("s",), consumers=(("A", "a"),), pumps=None, valves=None):
    nodes = sorted({n for _, f, t in pipes for n in (f, t)})
    return HeatModel.from_tables(
        pd.DataFrame({"node_id": nodes}),
        pd.DataFrame({"pipe_id": [p for p, _, _ in pipes], "from_node": [f for _, f, _ in pipes],
                      "to_node": [t for _, _, t in pipes]}),
        pd.DataFrame({"source_id": [f"S{n}" for n in sources], "node_id": list(sources),
                      "capacity_mw_th": [100.0] * len(sources)}),
        pd.DataFrame({"consumer_id": [c for c, _ in consumers],
                      "node_id": [n for _, n in consumers],
                      "demand_mw_th": [1.0] * len(consumers)}),
        pumps, valves,
    )  # fmt: skip


def _params(n_pipe, length=200.0, d=0.1, k=0.05, **kw):
    return HydraulicParams(
        np.full(n_pipe, length), np.full(n_pipe, d), np.full(n_pipe, k),
        rho_kg_per_m3=RHO, eta_pa_s=ETA, **kw,
    )  # fmt: skip


def _drop_pa(m, length=200.0, d=0.1, k=0.05):
    a, b = resistances(
        np.array([length]), np.array([d]), np.array([k]), np.zeros(1), np.array([RHO]),
        np.array([ETA]),
    )  # fmt: skip
    return float(a[0] * m + b[0] * m * abs(m))


def test_branch_flow_inverts_the_pressure_law():
    a, b = np.array([2.0, 1e-4, 5.0]), np.array([30.0, 4.0, 0.0])
    m = np.array([-3.0, 0.5, 7.0])
    x = a * m + b * m * np.abs(m)
    got, dm = branch_flow(x, a, b)
    np.testing.assert_allclose(got, m, rtol=1e-12)
    np.testing.assert_allclose(dm, 1.0 / (a + 2 * b * np.abs(m)), rtol=1e-12)


def test_friction_factor_is_pandapipes_nikuradse():
    # lambda = 64/Re + (2 log10(3.71 d/k))^-2 -> dp = lambda L/d rho v^2/2 (Darcy-Weisbach)
    m, length, d, k = 5.0, 300.0, 0.125, 0.1
    area = np.pi * d**2 / 4
    v = m / (RHO * area)
    lam = 64 / (RHO * v * d / ETA) + 1 / (2 * np.log10(3.71 * d / (k / 1000))) ** 2
    assert _drop_pa(m, length, d, k) == pytest.approx(lam * length / d * RHO * v**2 / 2, rel=1e-12)


def test_single_pipe_supply_and_return_in_closed_form():
    model = _model([("p", "s", "a")])
    hm = HydraulicModel(model, _params(1, source_p_flow_bar=9.0, source_plift_bar=5.0))
    res = hm.solve(consumer_mdot=np.array([4.0]))
    drop = _drop_pa(4.0) / PA_PER_BAR
    assert res.converged
    assert res.junction_p_bar["a"] == pytest.approx(9.0 - drop, abs=1e-9)
    assert res.return_p_bar["a"] == pytest.approx(4.0 + drop, abs=1e-9)
    assert res.pipe_mdot_kg_per_s["p"] == pytest.approx(4.0)
    assert res.return_pipe_mdot_kg_per_s["p"] == pytest.approx(-4.0)
    assert res.source_mdot_kg_per_s["Ss"] == pytest.approx(4.0)
    assert res.consumer_dp_bar["A"] == pytest.approx(5.0 - 2 * drop, abs=1e-9)


def test_loop_splits_flow_by_resistance_and_booster_adds_its_lift():
    # s -> a over two parallel routes: p0 direct (200 m) and p1-p2 through b (2 x 200 m)
    pipes = [("p0", "s", "a"), ("p1", "s", "b"), ("p2", "b", "a")]
    model = _model(pipes)
    res = HydraulicModel(model, _params(3)).solve(consumer_mdot=np.array([10.0]))
    m = res.pipe_mdot_kg_per_s
    assert res.converged and res.iterations > 0  # the loop went through Newton
    assert m["p0"] + m["p1"] == pytest.approx(10.0, abs=1e-5)
    assert m["p1"] == pytest.approx(m["p2"], abs=1e-5)
    # equal pressure drop along both routes
    assert _drop_pa(m["p0"]) == pytest.approx(2 * _drop_pa(m["p1"]), rel=1e-5)
    assert m["p0"] > m["p1"] > 0
    # a booster on p1 pushes more water round the longer route
    pumps = pd.DataFrame({"pump_id": ["B"], "pipe_id": ["p1"]})
    boosted = HydraulicModel(_model(pipes, pumps=pumps), _params(3, pump_lift_bar=0.5))
    mb = boosted.solve(consumer_mdot=np.array([10.0])).pipe_mdot_kg_per_s
    assert mb["p1"] > m["p1"]
    assert _drop_pa(mb["p0"]) == pytest.approx(2 * _drop_pa(mb["p1"]) - 0.5e5, rel=1e-5)


def test_cut_part_is_dead_and_the_rest_unchanged():
    pipes = [("p0", "s", "a"), ("p1", "a", "b")]
    model = _model(pipes, consumers=(("A", "a"), ("B", "b")))
    hm = HydraulicModel(model, _params(2))
    res = hm.solve({"pipe": ["p1"]}, consumer_mdot=np.array([2.0, 3.0]))
    assert np.isnan(res.junction_p_bar["b"]) and np.isnan(res.return_p_bar["b"])
    assert res.pipe_mdot_kg_per_s.tolist() == [2.0, 0.0]
    assert res.consumer_drawing.tolist() == [True, False]
    assert np.isnan(res.consumer_dp_bar["B"])
    assert res.junction_p_bar["a"] == pytest.approx(9.0 - _drop_pa(2.0) / PA_PER_BAR)
    off = hm.solve(sources_off=["Ss"], consumer_mdot=np.array([2.0, 3.0]))
    assert off.junction_p_bar.isna().all() and (off.pipe_mdot_kg_per_s == 0).all()


def test_closed_valve_and_pump_without_power_stop_their_pipe():
    pipes = [("p0", "s", "a"), ("p1", "s", "b"), ("p2", "b", "a")]
    valves = pd.DataFrame({"valve_id": ["v"], "pipe_id": ["p0"], "normally_open": [True]})
    pumps = pd.DataFrame({"pump_id": ["B"], "pipe_id": ["p1"]})
    hm = HydraulicModel(_model(pipes, pumps=pumps, valves=valves), _params(3))
    m = hm.solve({"valve": ["v"]}, consumer_mdot=np.array([10.0])).pipe_mdot_kg_per_s
    assert m.tolist() == pytest.approx([0.0, 10.0, 10.0])
    m = hm.solve(pumps_without_power=["B"], consumer_mdot=np.array([10.0])).pipe_mdot_kg_per_s
    assert m.tolist() == pytest.approx([10.0, 0.0, 0.0])


def test_warm_start_and_no_mutation():
    pipes = [("p0", "s", "a"), ("p1", "s", "b"), ("p2", "b", "a"), ("p3", "a", "c")]
    model = _model(pipes, consumers=(("A", "a"), ("C", "c")))
    prm = _params(4)
    before = prm.pipe_length_m.copy(), model.branch_ok().copy()
    hm = HydraulicModel(model, prm)
    ok, src = model.branch_ok(), np.ones(1, bool)
    mdot = np.array([3.0, 5.0])
    p, m, active, it, conv, _ = hm.solve_arrays(ok, src, mdot)
    p2, m2, _, it2, conv2, _ = hm.solve_arrays(ok, src, mdot, p_init_pa=p)
    assert conv and conv2 and active.all()
    assert it2 <= 1 < it
    np.testing.assert_allclose(p2, p, atol=1e-3)
    np.testing.assert_allclose(m2, m, atol=1e-5)
    np.testing.assert_array_equal(prm.pipe_length_m, before[0])
    np.testing.assert_array_equal(model.branch_ok(), before[1])
    assert mdot.tolist() == [3.0, 5.0]


def test_booster_curve_lift_falls_with_the_square_of_its_flow():
    # lift = h0 - c m|m| on the booster's branch: at 4 kg/s, 0.8 bar - 0.01 * 16 bar = 0.64 bar
    pumps = pd.DataFrame({"pump_id": ["B"], "pipe_id": ["p"]})
    model = _model([("p", "s", "a")], pumps=pumps)
    prm = _params(1, pump_lift_bar=0.8, pump_curve_bar_s2_per_kg2=0.01)
    res = HydraulicModel(model, prm).solve(consumer_mdot=np.array([4.0]))
    lift = 0.8 - 0.01 * 16.0
    assert res.junction_p_bar["a"] == pytest.approx(9.0 + lift - _drop_pa(4.0) / PA_PER_BAR)
    # the return pipe has no booster
    assert res.return_p_bar["a"] == pytest.approx(4.0 + _drop_pa(4.0) / PA_PER_BAR)
    # without power the station is bypassed: neither lift nor curve
    hm = HydraulicModel(model, prm)
    branch_ok, src = model.branch_ok(), np.ones(1, bool)
    p, *_ = hm.solve_arrays(branch_ok, src, np.array([4.0]), pump_off=np.ones(1, bool))
    at = model.node_ids.get_loc("a")
    assert p[at] / PA_PER_BAR == pytest.approx(9.0 - _drop_pa(4.0) / PA_PER_BAR)
