"""Overload trips and their cascade; feeders of the synthetic city; outage chart."""

from __future__ import annotations

import numpy as np
import pandapower as pp
import pandas as pd

from coldstart.grid import GridModel
from coldstart.grid.feeders import feeder_of_bus
from coldstart.grid.overload import branch_ratings_mw, overloaded, trip_cascade
from coldstart.report.outages import outage_figure


def _parallel_net():
    # ext_grid -> two parallel 20 kV lines (rating sqrt(3)*20*0.2 = 6.93 MW each) -> 9 MW load
    net = pp.create_empty_network()
    b0, b1 = pp.create_buses(net, 2, vn_kv=20.0)
    pp.create_ext_grid(net, b0)
    for _ in range(2):
        pp.create_line_from_parameters(net, b0, b1, 2.0, 0.1, 0.3, 0.0, 0.2)
    pp.create_load(net, b1, p_mw=9.0)
    return net


def test_ratings_and_no_trip_when_within_rating():
    net = _parallel_net()
    model = GridModel.from_pandapower(net)
    rating = branch_ratings_mw(model, net)
    np.testing.assert_allclose(rating, np.sqrt(3) * 20.0 * 0.2)
    rounds, _, flow = trip_cascade(model, model.state(), rating)
    assert rounds == []
    np.testing.assert_allclose(flow.branch_p_from_mw, 4.5)


def test_losing_one_line_overloads_and_trips_the_other():
    net = _parallel_net()
    model = GridModel.from_pandapower(net)
    rating = branch_ratings_mw(model, net)
    st = model.state({"line": [0]})
    assert overloaded(model.solve(st), rating).tolist() == [False, True]
    rounds, after, flow = trip_cascade(model, st, rating)
    assert [r.tolist() for r in rounds] == [[1]]
    assert after.branch_out.all()
    assert not flow.node_energized[1]  # the load's bus is dead until a crew resets the line


def test_feeders_of_synthetic_city(small_city):
    net = small_city.net
    feeder = feeder_of_bus(net)
    hv = net.bus.vn_kv >= 35.0
    assert (feeder[hv] == -1).all()
    lv = net.bus.index[net.bus.vn_kv < 1.0]
    assert (feeder[lv] >= 0).all()  # every 0.4 kV station bus hangs on some feeder
    # a station and its MV bus share a feeder
    tr = net.trafo[net.bus.vn_kv.reindex(net.trafo.hv_bus).to_numpy() < 35.0]
    assert (feeder[tr.hv_bus].to_numpy() == feeder[tr.lv_bus].to_numpy()).all()
    assert feeder[feeder >= 0].nunique() > 1


def test_outage_chart_one_bar_per_window():
    sched = pd.DataFrame(
        {
            "queue": ["1.1", "2.2", "1.1"],
            "start_h": [0.0, 0.0, 7.0],
            "end_h": [3.0, 3.5, 10.0],
            "kind": ["scheduled", "emergency", "scheduled"],
        }
    )
    fig = outage_figure(sched, start="2026-01-09T00:00:00")
    assert sum(len(t.y) for t in fig.data) == 3
    assert {t.name for t in fig.data} == {"scheduled off-window", "emergency off-window"}
    assert list(fig.layout.yaxis.categoryarray) == ["2.2", "1.1"]
    html = fig.to_html(include_plotlyjs=False, full_html=False)
    assert "http://" not in html.replace("http://www.w3.org", "")  # nothing fetched
    assert outage_figure(sched.iloc[0:0]) is None


def test_a_trafo_of_parallel_units_is_rated_for_all_of_them():
    """pandapower rates a trafo of ``parallel`` units at sn_mva x parallel (its loading_percent
    divides by both); the synthetic city builds MV/LV stations of two units where one is too
    small, and before this they tripped at no load beyond their design."""
    net = pp.create_empty_network()
    hv, lv = pp.create_bus(net, 10.0), pp.create_bus(net, 0.4)
    pp.create_ext_grid(net, hv)
    pp.create_transformer_from_parameters(
        net, hv, lv, 1.6, 10.0, 0.4, 0.96, 6.0, 2.7, 0.7, parallel=2
    )
    pp.create_load(net, lv, p_mw=2.5)
    model = GridModel.from_pandapower(net)
    rating = branch_ratings_mw(model, net)
    np.testing.assert_allclose(rating, 3.2)
    pp.runpp(net)
    assert abs(net.res_trafo.loading_percent.iloc[0] - 100 * 2.5 / 3.2) < 10  # AC, with losses
    rounds, _, _ = trip_cascade(model, model.state(), rating, 1.0)
    assert rounds == []


def test_a_calm_winter_day_trips_nothing_in_the_synthetic_city():
    from coldstart.city.synth import synth_city
    from coldstart.scenario import parse_scenario
    from coldstart.simulate import simulate

    sc = parse_scenario(
        'name = "calm"\nstart = 2026-01-09T00:00:00\nhorizon_h = 6.0\n'
        '[weather]\nkind = "constant"\nmin_temp_c = -20.0\n[alerts]\nrandom_per_day = 0.0\n'
    )
    r = simulate(synth_city(300, seed=0), sc)
    assert (r.events.kind == "trip").sum() == 0
    assert r.summary["buildings_lost_power"] == 0
