"""Energized buses against pandapower's own topology search (pandapower.topology)."""

import copy

import numpy as np
import pandapower.networks as pn
import pandapower.topology as top
import pytest

from coldstart.grid.model import compile_grid, find_islands


@pytest.fixture(scope="module")
def oberrhein():
    return pn.mv_oberrhein()


def _ours(net, lines, trafos, buses):
    topo = compile_grid(net)
    branch_out = np.zeros(len(topo.branch_from), bool)
    for kind, labels in (("line", lines), ("trafo", trafos)):
        branch_out |= (topo.branch_kind == kind) & np.isin(topo.branch_label, labels)
    bus_out = np.isin(topo.bus_ids, buses)
    isl = find_islands(topo, bus_out, branch_out, np.zeros(len(topo.gen_label), bool))
    return set(topo.bus_ids[~isl.energized].tolist())


def _pandapower(net, lines, trafos, buses):
    n = copy.deepcopy(net)
    n.line.loc[lines, "in_service"] = False
    n.trafo.loc[trafos, "in_service"] = False
    n.bus.loc[buses, "in_service"] = False
    dead = set(top.unsupplied_buses(n)) | set(buses)
    return dead | set(n.bus.index[~n.bus.in_service])


def test_intact_oberrhein_all_energized(oberrhein):
    assert _ours(oberrhein, [], [], []) == _pandapower(oberrhein, [], [], [])


def test_random_outages_match_pandapower(oberrhein):
    # Reference: pandapower.topology.unsupplied_buses on a copy with the same elements out of
    # service; exact agreement of the set of dead buses is required (tolerance: none).
    rng = np.random.default_rng(1)
    net = oberrhein
    for _ in range(40):
        lines = list(rng.choice(net.line.index, size=rng.integers(1, 4), replace=False))
        trafos = list(rng.choice(net.trafo.index, size=rng.integers(0, 2), replace=False))
        buses = list(rng.choice(net.bus.index, size=rng.integers(0, 2), replace=False))
        assert _ours(net, lines, trafos, buses) == _pandapower(net, lines, trafos, buses)
