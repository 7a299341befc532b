"""GridModel internals: low-rank updates equal fresh factorizations, slack rules, bad input."""

from __future__ import annotations

import numpy as np
import pandapower as pp
import pandapower.networks as pn
import pytest

import coldstart.grid.dcflow as dcflow
from coldstart.grid import GridModel


@pytest.fixture(scope="module")
def pegase():
    net = pn.case1354pegase()
    return net, GridModel.from_pandapower(net)


def test_low_rank_update_equals_fresh_factorization(pegase, monkeypatch):
    net, model = pegase
    rng = np.random.default_rng(2)
    outs = []
    for _ in range(20):
        outs.append(
            {
                "line": [int(x) for x in rng.choice(net.line.index, 2, replace=False)],
                "bus": [int(rng.choice(net.bus.index))],
            }
        )
    updated = [model.solve(model.state(o)) for o in outs]
    assert all(r.rank > 0 for r in updated)  # the cached factors were used
    monkeypatch.setattr(dcflow, "MAX_RANK", 0)
    fresh = GridModel.from_pandapower(net)
    for o, a in zip(outs, updated, strict=True):
        b = fresh.solve(fresh.state(o))
        assert b.rank == -1
        assert np.array_equal(a.node_energized, b.node_energized)
        np.testing.assert_allclose(a.branch_p_from_mw, b.branch_p_from_mw, atol=1e-8)


def test_flows_balance_at_every_bus(pegase):
    # Kirchhoff: injections + slack = sum of branch flows leaving each bus (DC, lossless).
    net, model = pegase
    st = model.state({"line": [int(net.line.index[5])]})
    r = model.solve(st)
    c = model.c
    p = model._default_p(st, c.node_in_service & ~st.node_out)
    p[c.ext_node] += np.nan_to_num(r.ext_p_mw)
    flow = np.nan_to_num(r.branch_p_from_mw)
    out = np.bincount(c.br_from, flow, c.n_node) - np.bincount(c.br_to, flow, c.n_node)
    np.testing.assert_allclose(out[r.node_energized], p[r.node_energized], atol=1e-6)


def _island_net():
    net = pp.create_empty_network()
    b = pp.create_buses(net, 4, vn_kv=20.0)
    pp.create_ext_grid(net, b[0])
    pp.create_line_from_parameters(net, b[0], b[1], 1.0, 0.1, 0.3, 0.0, 0.4)
    pp.create_line_from_parameters(net, b[1], b[2], 1.0, 0.1, 0.3, 0.0, 0.4)
    pp.create_line_from_parameters(net, b[2], b[3], 1.0, 0.1, 0.3, 0.0, 0.4)
    pp.create_gen(net, b[3], p_mw=2.0)
    pp.create_load(net, b[2], p_mw=3.0)
    pp.create_load(net, b[3], p_mw=1.0)
    return net


def test_gen_only_island_needs_any_gen_rule():
    net = _island_net()
    cut = {"line": [1]}  # buses 2, 3 keep only the gen
    strict = GridModel.from_pandapower(net).dc_power_flow(cut)
    assert strict.energized_bus.tolist() == [True, True, False, False]
    loose = GridModel.from_pandapower(net, slack="any_gen").dc_power_flow(cut)
    assert loose.energized_bus.all()
    assert loose.gen_p_mw.iloc[0] == pytest.approx(4.0)  # the gen takes its island's 4 MW
    assert loose.line_p_from_mw.iloc[2] == pytest.approx(-3.0)  # 3 MW from bus 3 to bus 2
    assert loose.ext_grid_p_mw.iloc[0] == pytest.approx(0.0, abs=1e-9)


def test_node_injection_override():
    net = _island_net()
    model = GridModel.from_pandapower(net)
    p = np.array([0.0, 0.0, -1.0, -0.5])  # served load only, gen off
    r = model.solve(model.state({"gen": [0]}), node_p_mw=p)
    assert r.ext_p_mw[0] == pytest.approx(1.5)
    assert r.branch_p_from_mw[0] == pytest.approx(1.5)


def test_bad_labels_and_unsupported_elements():
    net = _island_net()
    model = GridModel.from_pandapower(net)
    with pytest.raises(KeyError, match="line 99"):
        model.dc_power_flow({"line": [99]})
    with pytest.raises(KeyError, match="unknown element table"):
        model.dc_power_flow({"pipe": [0]})
    pp.create_dcline(net, 0, 3, p_mw=1.0, loss_percent=0, loss_mw=0, vm_from_pu=1, vm_to_pu=1)
    with pytest.raises(ValueError, match="dcline"):
        GridModel.from_pandapower(net)


def _same_arrays(a, b) -> bool:
    """Every array of two DCArrays equal bit for bit (NaN where NaN)."""
    pairs = [(getattr(a, f), getattr(b, f)) for f in ("node_energized", "node_va_rad",
             "branch_p_from_mw", "ext_p_mw", "gen_p_mw", "island")]  # fmt: skip
    return a.rank == b.rank and all(np.array_equal(x, y, equal_nan=True) for x, y in pairs)


@pytest.mark.parametrize("slack", ["pandapower", "any_gen"])
def test_prepared_state_gives_the_same_flows_as_a_fresh_model(pegase, slack, monkeypatch):
    # a state solved again (other injections) reuses its prepared update: same bits as a model
    # that prepares it for the first time; also for states factorized afresh (large updates)
    net, _ = pegase
    model = GridModel.from_pandapower(net, slack=slack)
    rng = np.random.default_rng(5)
    c = model.c
    states = []
    for n_lines in (2, 5, 80):  # 80 lines: above MAX_RANK, factorized afresh
        lines = [int(x) for x in rng.choice(net.line.index, n_lines, replace=False)]
        states.append(model.state({"line": lines, "bus": [int(rng.choice(net.bus.index))]}))
    for st in states:
        for _ in range(3):
            p = rng.normal(0.0, 5.0, c.n_node)
            cached = model.solve(st, node_p_mw=p)
            fresh = GridModel.from_pandapower(net, slack=slack).solve(st, node_p_mw=p)
            assert _same_arrays(cached, fresh)
        assert _same_arrays(model.solve(st), GridModel.from_pandapower(net, slack=slack).solve(st))
    assert model.solve(states[-1]).rank == -1 and model.solve(states[0]).rank > 0


def test_results_do_not_share_arrays_with_the_prepared_state():
    net = _island_net()
    model = GridModel.from_pandapower(net, slack="any_gen")
    st = model.state({"line": [1]})
    first = model.solve(st)
    want = model.solve(st)
    first.node_energized[:] = False  # a caller scribbles on its result
    first.island[:] = 7
    assert _same_arrays(model.solve(st), want)


def test_prepared_states_are_bounded():
    net = _island_net()
    model = GridModel.from_pandapower(net)
    for k in range(dcflow.PREPARED_SIZE + 5):
        model.solve(model.state({"line": [k % 3], "load": [k % 2]}), node_p_mw=np.full(4, -k))
    assert len(model._prepared) <= dcflow.PREPARED_SIZE


def test_update_columns_transposed_product_equals_the_dense_one(pegase):
    net, model = pegase
    rng = np.random.default_rng(9)
    c = model.c
    alive = c.node_in_service
    base = model._base(
        np.zeros(len(c.sw_label), bool),
        model._ref_nodes(model.state(), alive, np.zeros(1, np.int64)),
    )
    n = len(base.y0)
    for _ in range(5):
        lost = np.flatnonzero(base.branch_live)[rng.choice(base.branch_live.sum(), 30, False)]
        g_new = np.flatnonzero(base.col >= 0)[rng.choice(n, 4, replace=False)]
        u, _, ends = model._columns(base, lost, g_new, n)
        m = rng.normal(size=(n, 7))
        np.testing.assert_array_equal(dcflow._u_transpose_times(ends, m), u.T @ m)
        np.testing.assert_array_equal(dcflow._u_transpose_times(ends, m[:, 0]), u.T @ m[:, 0])
