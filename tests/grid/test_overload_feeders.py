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
