"""HeatModel: connectivity, capacity sharing, valves, pumps; synthetic network; losses, freezing."""

import numpy as np
import pandas as pd
import pytest

from coldstart.city.synth_heat import build_heat, heat_valve_table
from coldstart.heat.engine import HeatModel
from coldstart.heat.freeze import pipe_freeze_time_h, restart_duration_h
from coldstart.heat.losses import pair_conductance_w_mk, single_conductance_w_mk
from coldstart.heat.network import city_pipe_loss_mw_th


def _line(valves=None, pumps=None):
    # s0 - a - b - c, second source s1 at c
    return HeatModel.from_tables(
        pd.DataFrame({"node_id": ["s0", "a", "b", "c"]}),
        pd.DataFrame({"pipe_id": ["p0", "p1", "p2"], "from_node": ["s0", "a", "b"],
                      "to_node": ["a", "b", "c"]}),
        pd.DataFrame({"source_id": ["S0", "S1"], "node_id": ["s0", "c"],
                      "capacity_mw_th": [30.0, 5.0]}),
        pd.DataFrame({"consumer_id": ["A", "B", "C"], "node_id": ["a", "b", "c"],
                      "demand_mw_th": [10.0, 10.0, 20.0]}),
        pumps, valves,
    )  # fmt: skip


def test_capacity_shared_equally_and_cut_parts_get_nothing():
    m = _line()
    st = m.solve()
    assert st.delivered_fraction.round(6).tolist() == [35 / 40] * 3
    st = m.solve(out_of_service={"pipe": ["p1"]}, source_available_mw_th={"S1": 0.0})
    assert st.supplied_consumer.tolist() == [True, False, False]
    assert st.delivered_mw_th.tolist() == [10.0, 0.0, 0.0]


def test_normally_closed_valve_keeps_districts_apart_until_opened():
    valves = pd.DataFrame({"valve_id": ["v"], "pipe_id": ["p2"], "normally_open": [False]})
    m = _line(valves=valves)
    st = m.solve()  # S1 (5 MW) alone serves C (20 MW); S0 serves A and B fully
    assert st.delivered_fraction.round(6).tolist() == [1.0, 1.0, 0.25]
    st = m.solve(open_valves=["v"])
    assert st.delivered_fraction.round(6).tolist() == [35 / 40] * 3
    st = m.solve(source_available_mw_th={"S1": 0.0})
    assert not st.supplied_consumer["C"]
    assert m.solve(source_available_mw_th={"S1": 0.0}, open_valves=["v"]).supplied_consumer["C"]


def test_pumps_without_power_lose_heat_with_plants_intact():
    pumps = pd.DataFrame({"pump_id": ["ps"], "pipe_id": ["p1"]})
    m = _line(pumps=pumps)
    st = m.solve(pumps_without_power=["ps"], source_available_mw_th={"S1": 0.0})
    assert st.supplied_consumer.tolist() == [True, False, False]


def test_unknown_labels_are_refused():
    with pytest.raises(KeyError):
        _line().solve(out_of_service={"pipe": ["nope"]})
    with pytest.raises(KeyError):
        _line().solve(out_of_service={"bus": [1]})


@pytest.fixture(scope="module")
def synth_net():
    rng = np.random.default_rng(3)
    xy = rng.uniform(-3000, 3000, size=(400, 2))
    q = rng.uniform(0.2, 1.0, 400)
    sxy = np.array([[-2500.0, 0.0], [2500.0, 0.0], [0.0, 2500.0]])
    cap = np.array([q.sum() * 0.5, q.sum() * 0.4, q.sum() * 0.3])
    ids = [f"b{i}" for i in range(400)]
    h = build_heat(ids, xy, q, ["chp", "bh1", "bh2"], sxy, cap, [0], 2)
    nid = np.asarray(h.node_id, dtype=object)
    pid = [f"p_{k + 1:06d}" for k in range(len(h.pipe_from))]
    valves = heat_valve_table(h, lambda x, y: (x / 1e5, y / 1e5))
    m = HeatModel.from_tables(
        pd.DataFrame({"node_id": nid}),
        pd.DataFrame({"pipe_id": pid, "from_node": nid[h.pipe_from], "to_node": nid[h.pipe_to]}),
        pd.DataFrame({"source_id": ["chp", "bh1", "bh2"], "node_id": nid[h.source_node],
                      "capacity_mw_th": cap}),
        pd.DataFrame({"consumer_id": ids, "node_id": nid[h.consumer_node], "demand_mw_th": q}),
        pd.DataFrame({"pump_id": [f"ps{k}" for k in range(len(h.pump_pipe))],
                      "pipe_id": [pid[k] for k in h.pump_pipe]}),
        valves,
    )  # fmt: skip
    return h, m, valves


def test_synth_network_has_loops_links_and_boosters(synth_net):
    h, m, valves = synth_net
    assert valves.normally_open.any() and (~valves.normally_open).any()
    assert len(h.pump_pipe) >= 1
    # mains sized from the demand downstream: a source's first pipe is its largest
    first = h.pipe_dn_mm[np.isin(h.pipe_from, h.source_node)].max()
    assert first >= np.median(h.pipe_dn_mm)


def test_linked_boiler_house_does_not_share_with_chp_until_valve_opens(synth_net):
    h, m, valves = synth_net
    st = m.solve(source_available_mw_th={"bh1": 0.0})
    lost = ~st.supplied_consumer
    assert lost.sum() > 0  # bh1's district is dark, the closed links keep it apart
    links = valves.valve_id[~valves.normally_open].tolist()
    st2 = m.solve(source_available_mw_th={"bh1": 0.0}, open_valves=links)
    assert st2.supplied_consumer[lost].all()  # backed up through the opened links


def test_synth_pumps_without_power_cut_heat_with_plants_intact(synth_net):
    h, m, valves = synth_net
    st = m.solve(pumps_without_power=list(m.pump_ids))
    assert (~st.supplied_consumer).sum() > 0
    assert m.solve().supplied_consumer.all()


def test_losses_grow_with_diameter_and_poor_insulation():
    dn = np.array([100.0, 500.0])
    g = pair_conductance_w_mk(dn)
    assert g[1] > g[0]
    assert (pair_conductance_w_mk(dn, "degraded_mineral_wool") > g).all()
    loss = city_pipe_loss_mw_th(pd.DataFrame({"dn_mm": dn, "length_m": [1000.0, 1000.0]}))
    assert (loss > 0).all()


def test_freeze_time_small_air_pipes_first_buried_never():
    dn = np.array([50.0, 300.0])
    k_air = single_conductance_w_mk(dn, "degraded_mineral_wool", buried=False)
    t_air = pipe_freeze_time_h(dn, k_air, 60.0, -20.0)
    assert np.isfinite(t_air).all() and t_air[0] < t_air[1]
    # [UA-HEAT-ENG-2026]: small exposed pipes freeze within about half a day at -20 degC
    assert 6.0 < t_air[0] < 24.0
    k_soil = single_conductance_w_mk(dn, "degraded_mineral_wool", buried=True)
    assert np.isinf(pipe_freeze_time_h(dn, k_soil, 60.0, 2.0)).all()


def test_restart_after_freeze_far_longer_than_after_drain():
    drained = restart_duration_h("drained", 50.0, 5000.0)
    frozen = restart_duration_h("frozen", 50.0, 5000.0, breaks_dn_mm=np.array([100.0, 300.0]))
    assert frozen > 5 * drained


def _same(a, b) -> bool:
    fields = ("supplied", "fraction", "delivered_mw_th", "circulating_pipe", "node_part",
              "consumer_circuit", "circuit_capacity_mw_th", "circuit_loss_mw_th")  # fmt: skip
    return a.loss_mw_th == b.loss_mw_th and all(
        getattr(a, f).tobytes() == getattr(b, f).tobytes() for f in fields
    )


def test_parts_memo_gives_the_same_solution_as_solving_afresh(synth_net):
    # the runner keeps the parts of a topology and solves them every step with new demand and
    # sources: what the memo remembers must not change a bit of the answer
    h, m, valves = synth_net
    rng = np.random.default_rng(8)
    n_pipe, n_src, n_cons = len(m.pipe_ids), len(m.source_ids), len(m.consumer_ids)
    for _ in range(4):
        pipe_out = rng.random(n_pipe) < 0.03
        closed = ~m.valve_normally_open & (rng.random(len(m.valve_ids)) < 0.7)
        ok = m.branch_ok(pipe_out, closed)
        parts = m.components(ok)
        # the per-pipe losses of two outdoor temperatures, taken in turn (remembered per array)
        losses = [rng.uniform(0.0, 0.01, n_pipe) for _ in range(2)]
        shares = [np.where(rng.random(n_cons) < 0.3, rng.uniform(0.0, 1.2, n_cons), 1.0),
                  np.ones(n_cons)]  # fmt: skip
        for j in range(6):
            avail = m.source_capacity_mw_th * (rng.random(n_src) < 0.7)
            demand = rng.uniform(0.0, 1.0, n_cons)
            loss = losses[j % 2]
            kept = m.solve_arrays(ok, avail, demand, loss, parts)
            fresh = m.solve_arrays(ok, avail, demand, loss.copy())
            assert _same(kept, fresh)
            kept.supplied[:] = False  # a caller scribbling on its result changes nothing
            kept.circuit_loss_mw_th[:] = -1.0
            # flow shares of two topologies' hydraulics, in turn (limits remembered per array)
            share = shares[j % 2]
            kept = m.solve_arrays(ok, avail, demand, loss, parts, share)
            assert _same(kept, m.solve_arrays(ok, avail, demand, loss.copy(), None, share.copy()))
            assert _same(m.solve_arrays(ok, avail, demand, loss, parts), fresh)
        assert 0 < len(parts.memo) <= parts.MEMO_SIZE
