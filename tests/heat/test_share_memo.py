"""Flow shares remembered per part of the network: the same shares as a whole-network solve,
and a change in one district leaves the others' shares to the memo."""

from __future__ import annotations

from functools import cache

import numpy as np

from coldstart.city.synth import synth_city
from coldstart.compiled import compile_city
from coldstart.heat.pressure import design_mdot_kg_per_s, flow_shares
from coldstart.heat.share_memo import ShareMemo, memo_flow_shares, part_keys


@cache
def _compiled():
    return compile_city(synth_city(2000, seed=0))


def _pressure_case():
    """Boosters bypassed (the far ends run short of pressure) and one main cut."""
    cc = _compiled()
    model, hyd = cc.heat_model, cc.hydraulics
    pump_off = np.ones(len(model.pump_ids), bool)
    pipe_out = np.zeros(len(model.pipe_ids), bool)
    pipe_out[np.argmax(cc.city.heat_pipes.dn_mm.to_numpy())] = True
    ok = model.branch_ok(pipe_out=pipe_out, valve_closed=~model.valve_normally_open)
    return cc, model, hyd, ok, np.ones(len(model.source_ids), bool), pump_off


def test_memo_gives_the_whole_network_solution():
    cc, model, hyd, ok, src, pump_off = _pressure_case()
    mdot = design_mdot_kg_per_s(model)
    whole = flow_shares(hyd, ok, src, mdot, pump_off)
    assert (whole.share[whole.active] < 1.0).any()  # pressure binds somewhere
    memo = ShareMemo(mdot)
    got = memo_flow_shares(memo, hyd, ok, src, pump_off)
    np.testing.assert_array_equal(got.active, whole.active)
    # tolerance: each solve stops at 0.01 kg/s nodal imbalance (pdd tol_kg_per_s), which
    # settles the shares to ~0.1 %; parts solved apart stop at their own largest imbalance
    np.testing.assert_allclose(got.share, whole.share, atol=5e-3)
    assert memo.solved >= 2 and memo.reused == 0 and got.solves > 0
    again = memo_flow_shares(memo, hyd, ok, src, pump_off)  # every part remembered
    assert again.solves == 0 and memo.reused == memo.solved
    np.testing.assert_array_equal(again.share, got.share)


def test_a_change_in_one_part_solves_only_that_part():
    cc, model, hyd, ok, src, pump_off = _pressure_case()
    mdot = design_mdot_kg_per_s(model)
    memo = ShareMemo(mdot)
    memo_flow_shares(memo, hyd, ok, src, pump_off)
    labels, consumers, keys = part_keys(hyd, ok, src, pump_off)
    assert len(keys) >= 3
    # turn off the source of the part holding most consumers: only that part changes
    big = int(np.argmax([len(c) for c in consumers]))
    node = labels[hyd._g.c_from[consumers[big][0]]]
    src2 = src & (labels[hyd._g.s_sup] != node)
    solved = memo.solved
    got = memo_flow_shares(memo, hyd, ok, src2, pump_off)
    assert memo.solved == solved + 1
    fresh = flow_shares(hyd, ok, src2, mdot, pump_off)
    np.testing.assert_array_equal(got.active, fresh.active)
    np.testing.assert_allclose(got.share, fresh.share, atol=5e-3)
    assert not got.active[consumers[big]].any()  # that district has no source left
