"""Benchmark: one heat-state solve of coldstart against one pandapipes ``pipeflow``.

Measured in the same process:

- coldstart ``HeatModel.solve`` (and the runner's array path ``solve_arrays``) on a generated
  city network of about 10,000 pipes (supply-return pairs; ``synth_heat.build_heat`` over
  ~9,000 consumers and 6 sources), with one pipe out of service. It computes which consumers a
  working source reaches (sparse connected components), the equal capacity share per circuit,
  and the network losses of the circulating pipes: connectivity and a heat balance, no
  hydraulics, no temperatures.
- pandapipes ``pipeflow(mode="sequential")``: a full Newton-Raphson hydraulic solution
  (pressures, mass flows) then the heat transfer (temperatures along every pipe), on
  ``schutterwald_heat`` (482 pipes) and on the same generated network built as a pandapipes net
  (a flow and a return pipe per pair, so twice the pipes; one circulation pump per source).

Prints the times and the ratios. Goal (issue 5): a heat state for a 10,000-building city under
5 ms. Run: ``.venv/bin/python benchmarks/bench_heat.py [N_CONSUMERS]``.

Hydraulics (issue 17): :class:`coldstart.heat.hydraulics.HydraulicModel` (pressures and mass
flows) against ``pandapipes.pipeflow(mode="hydraulics")`` on the same nets in the same run:
``schutterwald_heat``, and the heat network of ``synth_city(10000, seed=0)`` (supply-return
pairs; as a pandapipes net a flow and a return pipe per pair, each source a pair of external
grids holding 9 bar on the flow and 4 bar on the return side -- the installed pandapipes does not
converge with several circulation pumps in one net -- and each consumer a heat consumer at its
design mass flow; water at 70 degC on both sides). Goal: under 30 ms per solve for the 10k city,
also on a new topology (a pipe cut: peeling and sparsity pattern compiled anew). Run only this
part with ``.venv/bin/python benchmarks/bench_heat.py --hydraulics``.

Hydraulics in the run: the flow shares of a 10,000-building city where pressure binds (every
booster bypassed; a CHP off with every link open), and the demo week simulated with
``policies.heat_hydraulics`` = connectivity and = pressure in the same process (goal: pressure
within 30 % of connectivity).

Refactorization (issue 13): the flow shares of the 30,000-building city with chp_1 off and every
link open (the Newton system of its largest linked district) with QDLDL refactorizing one
pattern (:class:`coldstart.linalg.SpdFactor`) against ``scipy.sparse.linalg.splu`` ordering
and factorizing anew at every iteration (the fallback without ``qdldl``), in the same process.
Run only this part with ``.venv/bin/python benchmarks/bench_heat.py --refactor``.
"""

from __future__ import annotations

import dataclasses
import sys
import time
import warnings

import numpy as np
import pandas as pd

from coldstart.city.synth_heat import build_heat
from coldstart.heat.engine import HeatModel
from coldstart.heat.pandapipes_io import load_heat_network


def generated(n_consumers: int, seed: int = 0):
    """A city-like heat network: consumers in a disc, 6 sources, trees with loops and links."""
    rng = np.random.default_rng(seed)
    r = 5000.0 * np.sqrt(rng.uniform(0, 1, n_consumers))
    a = rng.uniform(0, 2 * np.pi, n_consumers)
    xy = np.stack([r * np.cos(a), r * np.sin(a)], axis=1)
    q = rng.uniform(0.2, 1.5, n_consumers)
    ang = np.linspace(0, 2 * np.pi, 7)[:-1]
    sxy = np.stack([3000 * np.cos(ang), 3000 * np.sin(ang)], axis=1)
    cap = np.full(6, q.sum() * 1.2 / 6)
    ids = [f"b{i}" for i in range(n_consumers)]
    h = build_heat(ids, xy, q, [f"s{k}" for k in range(6)], sxy, cap, [0, 1], 3)
    return h, ids, q, cap


def model_of(h, ids, q, cap) -> HeatModel:
    nid = np.asarray(h.node_id, dtype=object)
    pid = [f"p{k}" for k in range(len(h.pipe_from))]
    return HeatModel.from_tables(
        pd.DataFrame({"node_id": nid}),
        pd.DataFrame({"pipe_id": pid, "from_node": nid[h.pipe_from], "to_node": nid[h.pipe_to]}),
        pd.DataFrame(
            {"source_id": nid[h.source_node], "node_id": nid[h.source_node], "capacity_mw_th": cap}
        ),
        pd.DataFrame({"consumer_id": ids, "node_id": nid[h.consumer_node], "demand_mw_th": q}),
        pd.DataFrame({"pump_id": [f"ps{k}" for k in range(len(h.pump_pipe))],
                      "pipe_id": [pid[k] for k in h.pump_pipe]}),
        pd.DataFrame({"valve_id": [f"v{k}" for k in range(len(h.valve_pipe))],
                      "pipe_id": [pid[k] for k in h.valve_pipe],
                      "normally_open": h.valve_normally_open}),
        pipe_loss_mw_th=np.full(len(pid), 1e-3),
    )  # fmt: skip


def pandapipes_of(h, q):
    """The same network as a two-pipe pandapipes net."""
    import pandapipes as pp

    net = pp.create_empty_network(fluid="water")
    n = len(h.node_id)
    sup = pp.create_junctions(net, n, pn_bar=5.0, tfluid_k=353.15)
    ret = pp.create_junctions(net, n, pn_bar=5.0, tfluid_k=323.15)
    sup, ret = np.asarray(sup), np.asarray(ret)
    normally_closed = set(h.valve_pipe[~h.valve_normally_open].tolist())
    keep = np.array([k not in normally_closed for k in range(len(h.pipe_from))])
    f, t = h.pipe_from[keep], h.pipe_to[keep]
    L = h.pipe_length_m[keep] / 1000.0
    d = h.pipe_dn_mm[keep]
    for side in (sup, ret):
        pp.create_pipes_from_parameters(
            net, side[f], side[t], L, d, k_mm=0.1, u_w_per_m2k=0.5, text_k=275.15
        )
    for s in h.source_node:
        pp.create_circ_pump_const_pressure(
            net, ret[s], sup[s], p_flow_bar=8.0, plift_bar=4.0, t_flow_k=363.15
        )
    c = h.consumer_node
    pp.create_heat_consumers(
        net, sup[c], ret[c], qext_w=q * 1e5, controlled_mdot_kg_per_s=q * 1e5 / (4190 * 30)
    )
    return net


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main(n_consumers: int = 9000) -> None:
    import pandapipes as pp

    warnings.simplefilter("ignore")
    h, ids, q, cap = generated(n_consumers)
    t0 = time.perf_counter()
    model = model_of(h, ids, q, cap)
    t_compile = time.perf_counter() - t0
    n_pipe = len(model.pipe_ids)
    cut = [model.pipe_ids[n_pipe // 3]]
    ok = model.branch_ok(np.isin(np.arange(n_pipe), [n_pipe // 3]))
    avail = model.source_capacity_mw_th
    t_solve = best_of(lambda: model.solve(out_of_service={"pipe": cut}), 20)
    t_arr = best_of(lambda: model.solve_arrays(ok, avail, model.consumer_demand_mw_th), 50)
    st = model.solve(out_of_service={"pipe": cut})
    print(f"generated network: {len(model.consumer_ids)} consumers, {n_pipe} pipes, "
          f"{len(model.valve_ids)} valves, {len(model.pump_ids)} boosters, "
          f"{len(model.source_ids)} sources (compile {t_compile * 1e3:.0f} ms)")  # fmt: skip
    print(f"  coldstart solve (labelled Series): {t_solve * 1e3:8.2f} ms   "
          f"supplied {int(st.supplied_consumer.sum())}/{len(st.supplied_consumer)}")  # fmt: skip
    print(f"  coldstart solve_arrays (runner):   {t_arr * 1e3:8.2f} ms")
    sw = load_heat_network("schutterwald_heat")
    t_sw = best_of(lambda: pp.pipeflow(sw, mode="sequential"), 3)
    print(f"pandapipes pipeflow schutterwald_heat ({len(sw.pipe)} pipes): {t_sw * 1e3:8.1f} ms"
          f"   ratio to coldstart solve on {n_pipe} pipes: {t_sw / t_solve:6.1f}x")  # fmt: skip
    big = pandapipes_of(h, q)
    t0 = time.perf_counter()
    try:
        pp.pipeflow(big, mode="sequential")
        status = "converged"
    except Exception as exc:  # noqa: BLE001 - report, do not hide
        status = f"raised {type(exc).__name__}"
    t_big = time.perf_counter() - t0
    print(f"pandapipes pipeflow generated net ({len(big.pipe)} pipes, {status}): "
          f"{t_big * 1e3:8.1f} ms   ratio: {t_big / t_solve:8.1f}x (solve), "
          f"{t_big / t_arr:8.1f}x (solve_arrays)")  # fmt: skip
    print(
        "coldstart: connectivity + equal capacity share + losses of circulating pipes; "
        "pandapipes: Newton-Raphson hydraulics, then temperatures along every pipe."
    )
    print(
        f"goal: heat state under 5 ms for ~10,000 buildings -> "
        f"{'met' if t_arr < 5e-3 else 'NOT met'} ({t_arr * 1e3:.2f} ms, array path)"
    )


def city_pandapipes(model: HeatModel, params, mdot: np.ndarray):
    """A city heat model (supply-return pairs) as a two-pipe pandapipes net."""
    import pandapipes as pp

    net = pp.create_empty_network(fluid="water")
    n = len(model.node_ids)
    sup = np.asarray(pp.create_junctions(net, n, 9.0, 343.15))
    ret = np.asarray(pp.create_junctions(net, n, 4.0, 343.15))
    n_pipe = len(model.pipe_ids)
    keep = model.branch_ok()[:n_pipe]  # normally closed valves: their pipes out
    f, t = model.branch_from[:n_pipe][keep], model.branch_to[:n_pipe][keep]
    length = params.pipe_length_m[keep] / 1000.0
    d_mm = params.pipe_diameter_m[keep] * 1000.0
    k = params.pipe_k_mm[keep]
    pp.create_pipes_from_parameters(net, sup[f], sup[t], length, d_mm, k_mm=k)
    pp.create_pipes_from_parameters(net, ret[t], ret[f], length, d_mm, k_mm=k)
    for s in np.unique(model.source_supply_node):
        pp.create_ext_grid(net, sup[s], 9.0, 343.15)
        pp.create_ext_grid(net, ret[s], 4.0, 343.15)
    c = model.consumer_from_node
    pp.create_heat_consumers(
        net, sup[c], ret[c], qext_w=mdot * 4190 * 30, controlled_mdot_kg_per_s=mdot
    )
    return net, keep


def hydraulics() -> None:
    """Time hydraulic solves against pandapipes' hydraulic pipeflow (see the module notes)."""
    import pandapipes as pp

    from coldstart.city.synth import synth_city
    from coldstart.heat.hydraulics import HydraulicModel, city_params, consumer_mdot_kg_per_s
    from coldstart.heat.pandapipes_io import hydraulic_consumer_mdot, hydraulic_params

    warnings.simplefilter("ignore")
    sw = load_heat_network("schutterwald_heat")
    hm = HydraulicModel(HeatModel.from_pandapipes(sw), hydraulic_params(sw))
    m_sw = hydraulic_consumer_mdot(sw)
    t_ours = best_of(lambda: hm.solve(consumer_mdot=m_sw), 20)
    t_pp = best_of(lambda: pp.pipeflow(sw, mode="hydraulics"), 5)
    res = hm.solve(consumer_mdot=m_sw)
    dp = float(np.nanmax(np.abs(res.junction_p_bar.to_numpy() - sw.res_junction.p_bar)))
    print(f"hydraulics schutterwald_heat ({len(sw.pipe)} pipes): coldstart {t_ours * 1e3:7.2f} ms "
          f"({res.iterations} it), pandapipes {t_pp * 1e3:7.1f} ms, ratio {t_pp / t_ours:6.1f}x, "
          f"max |dp| {dp:.1e} bar")  # fmt: skip
    city = synth_city(10000, seed=0)
    model = HeatModel.from_city(city)
    water = pp.create_empty_network(fluid="water").fluid  # pandapipes' water at 70 degC
    params = dataclasses.replace(
        city_params(city.heat_pipes),
        rho_kg_per_m3=float(water.get_density(343.15)),
        eta_pa_s=float(water.get_viscosity(343.15)),
    )
    t0 = time.perf_counter()
    hm = HydraulicModel(model, params)
    t_compile = time.perf_counter() - t0
    mdot = consumer_mdot_kg_per_s(model.consumer_demand_mw_th)
    ok, src = model.branch_ok(), np.ones(len(model.source_ids), bool)
    t_arr = best_of(lambda: hm.solve_arrays(ok, src, mdot), 10)
    # a new topology each time (one more pipe cut): peeling and sparsity pattern compiled anew
    cuts = iter(range(0, len(model.pipe_ids), 97))

    def cold():
        cut = np.zeros(len(model.pipe_ids), bool)
        cut[next(cuts)] = True
        hm.solve_arrays(model.branch_ok(cut), src, mdot)

    t_cold = best_of(cold, 10)
    t_lab = best_of(lambda: hm.solve(consumer_mdot=mdot), 5)
    res = hm.solve(consumer_mdot=mdot)
    net, keep = city_pandapipes(model, params, mdot)
    t0 = time.perf_counter()
    try:
        pp.pipeflow(net, mode="hydraulics")
        status = "converged"
    except Exception as exc:  # noqa: BLE001 - report, do not hide
        status = f"raised {type(exc).__name__}"
    t_big = time.perf_counter() - t0
    dev = ""
    if status == "converged":
        n = len(model.node_ids)
        dp = np.nanmax(np.abs(res.junction_p_bar.to_numpy() - net.res_junction.p_bar[:n]))
        m_pp = net.res_pipe.mdot_from_kg_per_s.to_numpy()[: int(keep.sum())]
        dm = np.max(np.abs(res.pipe_mdot_kg_per_s.to_numpy()[keep] - m_pp)) / np.abs(m_pp).max()
        dev = f", max |dp| {dp:.1e} bar, max |dm| {dm:.1e} of the largest flow"
    print(f"hydraulics synth_city(10000) ({len(model.pipe_ids)} pipe pairs, "
          f"{len(model.consumer_ids)} consumers, {len(model.source_ids)} sources; compile "
          f"{t_compile * 1e3:.1f} ms): coldstart solve_arrays {t_arr * 1e3:7.2f} ms "
          f"({t_cold * 1e3:.2f} ms on a new topology), solve "
          f"{t_lab * 1e3:7.2f} ms ({res.iterations} it); pandapipes ({len(net.pipe)} pipes, "
          f"{status}) {t_big * 1e3:8.1f} ms, ratio {t_big / t_arr:6.1f}x{dev}")  # fmt: skip
    verdict = "met" if max(t_arr, t_cold) < 30e-3 else "NOT met"
    print(f"goal: hydraulic solve under 30 ms for the 10k city -> {verdict} "
          f"({t_arr * 1e3:.2f} ms, {t_cold * 1e3:.2f} ms on a new topology)")  # fmt: skip


def hydraulics_in_run(n_buildings: int = 10000) -> None:
    """Pressure-driven delivery inside the run: the flow shares of a topology where pressure
    binds (Newton with the consumers as branches), and a simulated week of the demo scenario
    with ``policies.heat_hydraulics`` = connectivity and = pressure, in this process."""
    from coldstart.city.synth import synth_city
    from coldstart.compiled import compile_city
    from coldstart.heat.pressure import design_mdot_kg_per_s, flow_shares
    from coldstart.scenario import example_scenario
    from coldstart.simulate import simulate

    cc = compile_city(synth_city(n_buildings, seed=0))
    hm, hyd = cc.heat_model, cc.hydraulics
    mdot = design_mdot_kg_per_s(hm)
    src = np.ones(len(hm.source_ids), bool)
    src[0] = False
    cases = {
        "every booster bypassed": (
            hm.branch_ok(), ~np.zeros_like(src), np.ones(len(hm.pump_ids), bool)),
        "chp_1 off, every link open": (
            hm.branch_ok(valve_closed=np.zeros(len(hm.valve_ids), bool)), src, None),
    }  # fmt: skip
    for name, (ok, s_ok, off) in cases.items():
        sh = flow_shares(hyd, ok, s_ok, mdot, off)
        t = best_of(lambda ok=ok, s_ok=s_ok, off=off: flow_shares(hyd, ok, s_ok, mdot, off), 3)
        print(f"flow shares, {n_buildings} buildings, {name}: {t * 1e3:7.1f} ms "
              f"({sh.solves} solves/iterations, {int((sh.share < 0.999).sum())} consumers "
              f"limited, converged {sh.converged})")  # fmt: skip
    sc = example_scenario()
    times = {}
    for mode in ("connectivity", "pressure"):
        pol = sc.policies.model_copy(update={"heat_hydraulics": mode})
        run = sc.model_copy(update={"policies": pol})
        t0 = time.perf_counter()
        simulate(cc, run, seed=1)
        times[mode] = time.perf_counter() - t0
    ratio = times["pressure"] / times["connectivity"]
    print(f"simulated week, {n_buildings} buildings: connectivity {times['connectivity']:.2f} s, "
          f"pressure {times['pressure']:.2f} s (x{ratio:.2f}); goal: within the speed "
          f"target plus 30 % -> {'met' if ratio <= 1.3 else 'NOT met'} as a ratio")  # fmt: skip


def refactorization(n_buildings: int = 30000) -> None:
    """Flow shares of a large linked district: QDLDL refactorizations against ``splu``."""
    import coldstart.linalg as linalg
    from coldstart.city.synth import synth_city
    from coldstart.compiled import compile_city
    from coldstart.heat.pressure import design_mdot_kg_per_s, flow_shares

    cc = compile_city(synth_city(n_buildings, seed=0))
    hm, hyd = cc.heat_model, cc.hydraulics
    mdot = design_mdot_kg_per_s(hm)
    src = np.ones(len(hm.source_ids), bool)
    src[0] = False
    ok = hm.branch_ok(valve_closed=np.zeros(len(hm.valve_ids), bool))
    have = linalg.qdldl
    times, shares = {}, {}
    for name, lib in (("qdldl", have), ("splu", None)):
        linalg.qdldl = lib
        try:
            shares[name] = flow_shares(hyd, ok, src, mdot)
            times[name] = best_of(lambda: flow_shares(hyd, ok, src, mdot), 3)
        finally:
            linalg.qdldl = have
    dev = float(np.max(np.abs(shares["qdldl"].share - shares["splu"].share)))
    print(f"flow shares, {n_buildings} buildings, chp_1 off, every link open "
          f"({shares['qdldl'].solves} solves/iterations): QDLDL refactorizing "
          f"{times['qdldl'] * 1e3:.1f} ms, splu anew {times['splu'] * 1e3:.1f} ms, ratio "
          f"{times['splu'] / times['qdldl']:.2f}x; largest share difference {dev:.1e}")  # fmt: skip


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if "--refactor" in sys.argv:
        refactorization()
        sys.exit(0)
    if "--hydraulics" not in sys.argv:
        main(int(args[0]) if args else 9000)
    hydraulics()
    hydraulics_in_run()
    refactorization()
