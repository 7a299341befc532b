"""The hydraulic solver against pandapipes: junction pressures and pipe mass flows.

Source of truth: ``pandapipes.pipeflow(net, mode="hydraulics")`` (pandapipes 0.16, default
friction model "nikuradse") on a copy of the net with the same pipes out of service and valves
closed, on ``schutterwald_heat`` (488 junctions, 482 pipes, 4 feeder valves, 44 heat consumers,
one circulation pump) and on generated meshed two-pipe networks (loops, valves with loss
coefficients, heights, two or three circulation pumps at different pressures, heat consumers at
a fixed mass flow).

Tolerances (issue 17): pressures within 0.05 bar, pipe mass flows within 3 % of the largest
flow. Both solve the same equations, so the measured differences are those of the two
convergence tolerances (pandapipes' ``tol_p``/``tol_m`` of 1e-5, ours 1e-5 kg/s) and of our
minimum linear resistance of an ideal valve (:data:`coldstart.heat.hydraulics.A_MIN_PA_PER_KG_S`);
measured maxima are written beside each test. A junction is dead (NaN) in both or in neither.
"""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest

pytest.importorskip("pandapipes")

import pandapipes  # noqa: E402

from coldstart.heat.engine import HeatModel  # noqa: E402
from coldstart.heat.hydraulics import HydraulicModel  # noqa: E402
from coldstart.heat.pandapipes_io import (  # noqa: E402
    hydraulic_consumer_mdot,
    hydraulic_params,
    load_heat_network,
)

P_TOL_BAR = 0.05
M_TOL_REL = 0.03


def _theirs(net, pipes_out, valves_closed):
    """pandapipes' pressures and pipe flows on a copy with the elements out (None: failed)."""
    net = copy.deepcopy(net)
    net.pipe.loc[list(pipes_out), "in_service"] = False
    net.valve.loc[list(valves_closed), "opened"] = False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            pandapipes.pipeflow(net, mode="hydraulics")
        except Exception as exc:  # noqa: BLE001 - PipeflowNotConverged and friends
            return None, f"{type(exc).__name__}: {exc}"
    p = net.res_junction["p_bar"].to_numpy(float)
    m = net.res_pipe["mdot_from_kg_per_s"].to_numpy(float)
    m = np.where(net.pipe["in_service"].to_numpy(bool), np.nan_to_num(m), 0.0)
    return (p, m), ""


def _deviation(net, hm: HydraulicModel, pipes_out, valves_closed):
    """Largest pressure [bar] and relative flow deviation, plus a message; None when
    pandapipes did not converge."""
    theirs, why = _theirs(net, pipes_out, valves_closed)
    case = f"pipes {list(pipes_out)} valves {list(valves_closed)}"
    if theirs is None:
        return None, f"{case}: pandapipes failed ({why})"
    p_pp, m_pp = theirs
    res = hm.solve(
        {"pipe": pipes_out, "valve": valves_closed}, consumer_mdot=hydraulic_consumer_mdot(net)
    )
    assert res.converged, f"{case}: ours did not converge ({res.max_residual_kg_per_s} kg/s)"
    p = res.junction_p_bar.to_numpy()
    dead_differs = np.flatnonzero(np.isnan(p) != np.isnan(p_pp))
    assert len(dead_differs) == 0, f"{case}: dead junctions differ at {dead_differs[:10]}"
    dp = float(np.nanmax(np.abs(p - p_pp))) if np.isfinite(p).any() else 0.0
    # a case where nothing flows (every consumer cut off) compares against 1e-3 kg/s: both
    # solvers leave rounding-level flows (measured up to 7e-6 kg/s) in the dead-end loops
    scale = max(float(np.max(np.abs(m_pp))), 1e-3)
    dm = float(np.max(np.abs(res.pipe_mdot_kg_per_s.to_numpy() - m_pp))) / scale
    return (dp, dm), f"{case}: dp {dp:.2e} bar, dm {dm:.2e} of the largest flow"


@pytest.fixture(scope="module")
def schutterwald():
    net = load_heat_network("schutterwald_heat")
    return net, HydraulicModel(HeatModel.from_pandapipes(net), hydraulic_params(net))


def test_schutterwald_intact(schutterwald):
    # measured: dp 5.2e-8 bar (pandapipes' tolerance), dm 3e-16 of the largest flow
    # (14.35 kg/s): the net is a tree off one pump, so flows follow from mass balance alone
    net, hm = schutterwald
    (dp, dm), msg = _deviation(net, hm, [], [])
    assert dp < P_TOL_BAR and dm < M_TOL_REL, msg
    res = hm.solve(consumer_mdot=hydraulic_consumer_mdot(net))
    assert res.source_mdot_kg_per_s.iloc[0] == pytest.approx(44 * 0.35, rel=1e-4)
    # the heights matter: a flat net would be off by more than the tolerance
    assert res.junction_p_bar.max() > 9.0 + 0.01


def test_schutterwald_random_outages(schutterwald):
    net, hm = schutterwald
    rng = np.random.default_rng(17)
    pipes, valves = net.pipe.index.to_numpy(), net.valve.index.to_numpy()
    worst_p = worst_m = 0.0
    n_dead = 0
    for _ in range(25):
        out = [int(p) for p in rng.choice(pipes, size=int(rng.integers(1, 4)), replace=False)]
        closed = [int(v) for v in valves if rng.uniform() < 0.15]
        dev, msg = _deviation(net, hm, out, closed)
        assert dev is not None, msg  # pandapipes converged in every case (measured)
        assert dev[0] < P_TOL_BAR and dev[1] < M_TOL_REL, msg
        worst_p, worst_m = max(worst_p, dev[0]), max(worst_m, dev[1])
        n_dead += bool(hm.solve({"pipe": out, "valve": closed}).junction_p_bar.isna().any())
    assert n_dead > 0  # some cases do cut parts off


def meshed_net(seed: int, n_side: int = 7, n_sources: int = 2):
    """A two-pipe meshed network on an ``n_side`` x ``n_side`` street grid.

    Supply and return pipes on every grid edge (the return pipes reversed), some edges valves
    instead (junction to junction, loss coefficient 0-4, a third of them ideal), heights
    0-15 m, supply at 70 degC and return at 40 degC, ``n_sources`` circulation pumps at
    different pressures, heat consumers at a fixed mass flow on most other nodes. One source
    is a ``circ_pump_const_pressure``; several are pairs of external grids, one on the flow and
    one on the return junction (the same boundary condition: both pressures held, mass free),
    because the installed pandapipes does not converge once a circulation pump shares a network
    with any other pressure source (reproduced on a three-junction line).
    """
    rng = np.random.default_rng(seed)
    net = pandapipes.create_empty_network(fluid="water")
    n = n_side * n_side
    h = rng.uniform(0.0, 15.0, n)
    sup = np.asarray(pandapipes.create_junctions(net, n, 6.0, 343.15, height_m=h))
    ret = np.asarray(pandapipes.create_junctions(net, n, 3.0, 313.15, height_m=h))
    grid = np.arange(n).reshape(n_side, n_side)
    a = np.concatenate([grid[:, :-1].ravel(), grid[:-1, :].ravel()])
    b = np.concatenate([grid[:, 1:].ravel(), grid[1:, :].ravel()])
    is_valve = rng.uniform(size=len(a)) < 0.12
    pa, pb = a[~is_valve], b[~is_valve]
    length = rng.uniform(0.05, 0.25, len(pa))
    diam = rng.choice([80.0, 100.0, 125.0, 150.0, 200.0], len(pa))
    k = rng.uniform(0.01, 0.1, len(pa))
    pandapipes.create_pipes_from_parameters(net, sup[pa], sup[pb], length, diam, k_mm=k)
    pandapipes.create_pipes_from_parameters(net, ret[pb], ret[pa], length, diam, k_mm=k)
    for side in (sup, ret):
        for i, j in zip(a[is_valve], b[is_valve], strict=True):
            zeta = 0.0 if rng.uniform() < 0.33 else float(rng.uniform(0.5, 4.0))
            pandapipes.create_valve(net, side[i], side[j], "ju", 100.0, loss_coefficient=zeta)
    nodes = rng.permutation(n)
    for s in nodes[:n_sources]:
        p_flow, lift = float(rng.uniform(8.0, 9.0)), float(rng.uniform(4.0, 5.0))
        if n_sources == 1:
            pandapipes.create_circ_pump_const_pressure(
                net, ret[s], sup[s], p_flow, lift, t_flow_k=343.15
            )
        else:  # a plant holding the pressure on both sides (see the module notes)
            pandapipes.create_ext_grid(net, sup[s], p_flow, 343.15)
            pandapipes.create_ext_grid(net, ret[s], p_flow - lift, 313.15)
    cons = nodes[n_sources:][rng.uniform(size=n - n_sources) < 0.8]
    mdot = rng.uniform(0.2, 2.5, len(cons))
    pandapipes.create_heat_consumers(
        net, sup[cons], ret[cons], qext_w=mdot * 4190 * 30, controlled_mdot_kg_per_s=mdot
    )
    return net


@pytest.mark.parametrize(("seed", "n_sources"), [(0, 1), (1, 1), (2, 2), (3, 2), (4, 3), (5, 3)])
def test_meshed_random_outages(seed, n_sources):
    # measured (seeds 0-5, intact and 8 outage cases each, pandapipes converged in all 54):
    # dp < 7.4e-6 bar, dm < 3.3e-5 of the largest flow, 4-6 Newton iterations; the remainder is
    # M_REG_KG_PER_S on the valves and the two solvers' 1e-5 tolerances
    net = meshed_net(seed, n_sources=n_sources)
    hm = HydraulicModel(HeatModel.from_pandapipes(net), hydraulic_params(net))
    rng = np.random.default_rng(100 + seed)
    cases = [([], [])]
    for _ in range(8):
        out = rng.choice(net.pipe.index, size=int(rng.integers(1, 5)), replace=False)
        closed = [int(v) for v in net.valve.index if rng.uniform() < 0.2]
        cases.append(([int(p) for p in out], closed))
    failed = []
    for out, closed in cases:
        dev, msg = _deviation(net, hm, out, closed)
        if dev is None:  # no answer to compare with; counted below
            failed.append(msg)
            continue
        assert dev[0] < P_TOL_BAR and dev[1] < M_TOL_REL, msg
    # pandapipes converges on the intact nets and on the outages (measured: all 54 cases)
    assert len(failed) <= 2, failed
    assert not any(msg.startswith("pipes [] valves []") for msg in failed), failed  # intact


def test_meshed_has_loops_and_two_way_flows():
    # guards the comparison: the generated nets are meshed, carry real flows, and the second
    # and third source do feed (their mass flows are not zero)
    net = meshed_net(4, n_sources=3)
    model = HeatModel.from_pandapipes(net)
    hm = HydraulicModel(model, hydraulic_params(net))
    res = hm.solve(consumer_mdot=hydraulic_consumer_mdot(net))
    n_loops = len(model.branch_from) - len(model.node_ids) + 2  # two sides, one part each
    assert n_loops > 20
    fed = res.source_mdot_kg_per_s[res.source_mdot_kg_per_s.index.str.startswith("ext_grid")]
    assert (fed.abs() > 0.5).sum() >= 4  # flow and return grid of at least two plants
    assert res.converged and res.iterations <= 10


def _city_twin(model: HeatModel, params, mdot, branch_ok):
    """A city model (supply-return pairs) as a two-pipe pandapipes net: a flow and a return
    pipe per pair in service, each source a pair of external grids (9 and 4 bar)."""
    net = pandapipes.create_empty_network(fluid="water")
    n = len(model.node_ids)
    sup = np.asarray(pandapipes.create_junctions(net, n, 9.0, 343.15))
    ret = np.asarray(pandapipes.create_junctions(net, n, 4.0, 343.15))
    n_pipe = len(model.pipe_ids)
    f, t = model.branch_from[:n_pipe], model.branch_to[:n_pipe]
    length, d_mm = params.pipe_length_m / 1000.0, params.pipe_diameter_m * 1000.0
    k = params.pipe_k_mm
    pandapipes.create_pipes_from_parameters(net, sup[f], sup[t], length, d_mm, k_mm=k)
    pandapipes.create_pipes_from_parameters(net, ret[t], ret[f], length, d_mm, k_mm=k)
    net.pipe["in_service"] = np.concatenate([branch_ok[:n_pipe]] * 2)
    for s in np.unique(model.source_supply_node):
        pandapipes.create_ext_grid(net, sup[s], 9.0, 343.15)
        pandapipes.create_ext_grid(net, ret[s], 4.0, 343.15)
    c = model.consumer_from_node
    pandapipes.create_heat_consumers(
        net, sup[c], ret[c], qext_w=mdot * 4190 * 30, controlled_mdot_kg_per_s=mdot
    )
    return net


def test_city_model_supply_and_return_layers_against_pandapipes():
    # The city tables hold one node per supply-return pair; the solver expands them into two
    # layers. Water properties are pandapipes' at 70 degC on both sides, so the comparison
    # isolates the hydraulics. Measured over the intact net and 6 random cuts (8-76 dead
    # junctions each): dp < 2e-10 bar, dm < 4e-11 of the largest flow, 4 Newton iterations.
    from coldstart.city.synth import synth_city
    from coldstart.heat.hydraulics import city_params, consumer_mdot_kg_per_s

    city = synth_city(800, seed=3)
    model = HeatModel.from_city(city)
    water = pandapipes.create_empty_network(fluid="water").fluid
    base = city_params(city.heat_pipes, p_flow_bar=9.0, plift_bar=5.0)
    params = type(base)(**{**base.__dict__, "rho_kg_per_m3": float(water.get_density(343.15)),
                           "eta_pa_s": float(water.get_viscosity(343.15))})  # fmt: skip
    hm = HydraulicModel(model, params)
    mdot = consumer_mdot_kg_per_s(model.consumer_demand_mw_th)
    rng = np.random.default_rng(8)
    n_pipe = len(model.pipe_ids)
    n_dead = 0
    for case in range(7):
        cut = np.zeros(n_pipe, bool)
        if case:
            cut[rng.choice(n_pipe, size=3, replace=False)] = True
        ok = model.branch_ok(cut)
        net = _city_twin(model, params, mdot, ok)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pandapipes.pipeflow(net, mode="hydraulics")
        res = hm.solve({"pipe": model.pipe_ids[cut]}, consumer_mdot=mdot)
        assert res.converged
        p_pp = net.res_junction["p_bar"].to_numpy()
        p = np.concatenate([res.junction_p_bar.to_numpy(), res.return_p_bar.to_numpy()])
        assert np.array_equal(np.isnan(p), np.isnan(p_pp)), f"case {case}: dead junctions"
        m_pp = np.nan_to_num(net.res_pipe["mdot_from_kg_per_s"].to_numpy())
        m = np.concatenate([res.pipe_mdot_kg_per_s, -res.return_pipe_mdot_kg_per_s])
        m_pp = np.where(net.pipe["in_service"], m_pp, 0.0)
        dp = np.nanmax(np.abs(p - p_pp))
        dm = np.max(np.abs(m - m_pp)) / np.max(np.abs(m_pp))
        assert dp < P_TOL_BAR and dm < M_TOL_REL, f"case {case}: dp {dp:.1e} bar, dm {dm:.1e}"
        n_dead += int(np.isnan(p).any())
    assert n_dead >= 3  # the cuts do cut parts off (measured: all 6)


def test_heat_model_hydraulics_method_on_a_pandapipes_net():
    # HeatModel.hydraulics(out_of_service=...) with the net's own hydraulic data: Series on the
    # net's junction and pipe indices, equal to pandapipes with the same pipe cut
    net = load_heat_network("schutterwald_heat")
    model = HeatModel.from_pandapipes(net)
    cut = [int(net.pipe.index[40])]
    res = model.hydraulics({"pipe": cut}, consumer_mdot=hydraulic_consumer_mdot(net))
    assert list(res.junction_p_bar.index) == list(net.junction.index)
    assert list(res.pipe_mdot_kg_per_s.index) == list(net.pipe.index)
    (p_pp, m_pp), why = _theirs(net, cut, [])
    assert not why
    # measured as in the tests above: differences of the convergence tolerances only
    p = res.junction_p_bar.to_numpy()
    assert np.nanmax(np.abs(p - p_pp)) < P_TOL_BAR
    assert np.max(np.abs(res.pipe_mdot_kg_per_s.to_numpy() - m_pp)) < M_TOL_REL * np.abs(m_pp).max()
    assert res.pipe_mdot_kg_per_s.loc[cut[0]] == 0.0
