"""First-version heat network: connectivity to working sources and capacity sharing."""

import numpy as np
import pandas as pd
import pytest

from coldstart.heat.model import (
    NETWORK_LOSS_SHARE,
    compile_heat,
    delivered_fraction,
    heat_components,
    heat_demand_mw_th,
)


@pytest.fixture()
def line_net():
    # s0 - a - b - c, second source s1 at c; a pump on pipe a-b.
    nodes = pd.DataFrame({"node_id": ["s0", "a", "b", "c"]})
    pipes = pd.DataFrame(
        {"pipe_id": ["p0", "p1", "p2"], "from_node": ["s0", "a", "b"], "to_node": ["a", "b", "c"]}
    )
    sources = pd.DataFrame({"node_id": ["s0", "c"]})
    pumps = pd.DataFrame({"pipe_id": ["p1"]})
    return compile_heat(nodes, pipes, sources, pumps)


def test_capacity_shared_equally(line_net):
    labels = heat_components(line_net, np.zeros(3, bool))
    demand = np.array([10.0, 10.0, 20.0])
    frac = delivered_fraction(
        labels, line_net.source_node, np.array([20.0, 0.0]), [1, 2, 3], demand
    )
    expected = 20.0 / (40.0 * (1 + NETWORK_LOSS_SHARE))
    np.testing.assert_allclose(frac, expected)


def test_cut_pipe_isolates_downstream(line_net):
    labels = heat_components(line_net, np.array([False, True, False]))
    frac = delivered_fraction(
        labels, line_net.source_node, np.array([100.0, 0.0]), [1, 2, 3], np.ones(3)
    )
    np.testing.assert_array_equal(frac, [1.0, 0.0, 0.0])


def test_demand_scales_with_outdoor_temperature():
    assert heat_demand_mw_th(np.array([42.0]), -22.0)[0] == pytest.approx(42.0)
    assert heat_demand_mw_th(np.array([42.0]), -1.0)[0] == pytest.approx(21.0)
    assert heat_demand_mw_th(np.array([42.0]), 25.0)[0] == 0.0
