"""DC power flow and energized buses against pandapower (issue 4, item 4).

Reference: for every contingency, ``pandapower.rundcpp`` and
``pandapower.topology.unsupplied_buses`` on the same net with the same elements out of service
(pandapower 3.x, run in the same process). Tolerances: the set of dead buses must be identical;
flows, ext_grid powers and angles within 1e-6 (MW, degrees). Where our result is NaN (element
out, open or not energized) pandapower's must be 0 or NaN.

300 random contingencies per network (1/3 N-1, 2/3 N-2 over lines,
trafos and buses), seeds fixed; ``benchmarks/bench_grid.py`` checks 1,000 N-2 cases per case
file for identical answers as well.
"""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pandapower as pp
import pandapower.networks as pn
import pandapower.topology as top
import pytest

from coldstart.grid import GridModel
from coldstart.grid.pandapower_nets import load_network

TOL_MW = 1e-6
N_CASES = 300


def _reference(net, out):
    """pandapower's answer with ``out`` taken out of service (the net is restored after)."""
    saved = {t: net[t].loc[labels, "in_service"].copy() for t, labels in out.items()}
    try:
        for t, labels in out.items():
            net[t].loc[labels, "in_service"] = False
        dead = set(top.unsupplied_buses(net)) | set(net.bus.index[~net.bus.in_service])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                pp.rundcpp(net)
                res = {
                    "line": net.res_line.p_from_mw.copy(),
                    "trafo": net.res_trafo.p_hv_mw.copy(),
                    "trafo3w": net.res_trafo3w.p_hv_mw.copy() if len(net.trafo3w) else None,
                    "ext_grid": net.res_ext_grid.p_mw.copy(),
                    "gen": net.res_gen.p_mw.copy() if len(net.gen) else None,
                    "va": net.res_bus.va_degree.copy(),
                }
            except UserWarning:  # "No reference bus is available": nothing is energized
                res = None
    finally:
        for t, s in saved.items():
            net[t].loc[s.index, "in_service"] = s
    return dead, res


def _assert_same(ours, theirs, what):
    theirs = theirs.reindex(ours.index)
    fin = ours.notna().to_numpy()
    diff = np.abs(ours.to_numpy()[fin] - theirs.to_numpy()[fin])
    assert np.all(diff <= TOL_MW), f"{what}: max difference {diff.max():.3g}"  # 1e-6 MW
    rest = theirs.to_numpy()[~fin]
    assert np.all(np.nan_to_num(np.abs(rest)) <= 1e-9), f"{what}: flow where we see none"


def _check(net, model, out):
    dead, res = _reference(net, out)
    r = model.dc_power_flow(out)
    ours_dead = set(r.energized_bus.index[~r.energized_bus.to_numpy()])
    assert ours_dead == dead, f"dead buses differ for {out}"  # exact
    if res is None:
        assert not r.energized_bus.any()
        return
    _assert_same(r.line_p_from_mw, res["line"], f"line p_from_mw {out}")
    _assert_same(r.trafo_p_hv_mw, res["trafo"], f"trafo p_hv_mw {out}")
    if res["trafo3w"] is not None:
        _assert_same(r.trafo3w_p_hv_mw, res["trafo3w"], f"trafo3w p_hv_mw {out}")
    _assert_same(r.ext_grid_p_mw, res["ext_grid"], f"ext_grid p_mw {out}")
    if res["gen"] is not None:
        _assert_same(r.gen_p_mw, res["gen"], f"gen p_mw {out}")
    _assert_same(r.bus_va_degree, res["va"], f"va_degree {out}")


def _contingencies(net, n, seed):
    rng = np.random.default_rng(seed)
    pools = [("line", net.line.index), ("trafo", net.trafo.index), ("bus", net.bus.index)]
    pools = [(t, idx) for t, idx in pools if len(idx)]
    weights = np.array([0.6, 0.2, 0.2][: len(pools)])
    out_list = []
    for k in range(n):
        size = 1 if k % 3 == 0 else 2
        out: dict[str, list[int]] = {}
        for _ in range(size):
            t, idx = pools[rng.choice(len(pools), p=weights / weights.sum())]
            pick = int(rng.choice(idx))
            if pick not in out.setdefault(t, []):
                out[t].append(pick)
        out_list.append(out)
    return out_list


NETWORKS = ("mv_oberrhein", "case1354pegase", "1-MVLV-urban-5.303-0-sw")


_NETS: dict = {}


def _net(name):
    """Each network loaded once per test module (SimBench's loader takes seconds)."""
    if name not in _NETS:
        _NETS[name] = load_network(name)
    return _NETS[name]


@pytest.fixture(scope="module", params=NETWORKS)
def net_and_model(request):
    net = _net(request.param)
    return request.param, net, GridModel.from_pandapower(net)


def test_intact_net_matches_rundcpp(net_and_model):
    _, net, model = net_and_model
    _check(net, model, {})


def test_random_n1_n2_match_pandapower(net_and_model):
    name, net, model = net_and_model
    for out in _contingencies(net, N_CASES, seed=sum(map(ord, name))):
        _check(net, model, out)


def test_multivoltage_elements_match_pandapower():
    # trafo3w, impedance, xward, shunt, gen, bus-bus and line switches: every table the engine
    # models. Outages of gens, switches, loads and the impedance included.
    net = pn.example_multivoltage()
    model = GridModel.from_pandapower(net)
    rng = np.random.default_rng(3)
    _check(net, model, {})
    for _ in range(40):
        out = {"line": [int(x) for x in rng.choice(net.line.index, 2, replace=False)]}
        if rng.random() < 0.4:
            out["trafo3w"] = [int(net.trafo3w.index[0])]
        if rng.random() < 0.4:
            out["bus"] = [int(rng.choice(net.bus.index))]
        if rng.random() < 0.4:
            out["gen"] = [int(net.gen.index[0])]
        if rng.random() < 0.3:
            out["impedance"] = [int(net.impedance.index[0])]
        if rng.random() < 0.3:
            out["load"] = [int(x) for x in rng.choice(net.load.index, 3, replace=False)]
        _check(net, model, out)


def test_opened_switches_match_pandapower():
    net = _net("1-MVLV-urban-5.303-0-sw")
    model = GridModel.from_pandapower(net)
    closed = net.switch.index[net.switch.closed.astype(bool)]
    rng = np.random.default_rng(4)
    for _ in range(15):
        sw = [int(x) for x in rng.choice(closed, 2, replace=False)]
        n = copy.deepcopy(net)
        n.switch.loc[sw, "closed"] = False
        dead = set(top.unsupplied_buses(n)) | set(n.bus.index[~n.bus.in_service])
        r = model.dc_power_flow({"switch": sw})
        assert set(r.energized_bus.index[~r.energized_bus.to_numpy()]) == dead
        if dead != set(n.bus.index):
            pp.rundcpp(n)
            _assert_same(r.line_p_from_mw, n.res_line.p_from_mw, f"switch {sw}")
            _assert_same(r.ext_grid_p_mw, n.res_ext_grid.p_mw, f"switch {sw}")
