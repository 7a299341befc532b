"""The pieces of ``benchmarks/bench_simulate.py`` that decide what the peer loop does.

Sizes and counts only: timing belongs in the benchmark, never in the test suite.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

import pandapipes.topology as ptop

from coldstart.city.synth import synth_city
from coldstart.scenario import example_scenario

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_simulate.py"


@cache
def bench():
    spec = importlib.util.spec_from_file_location("bench_simulate", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_overload_checks_one_every_two_hours_of_the_week():
    sc = example_scenario()
    assert sc.grid.overload_trips
    # 7 days at 10-minute steps: steps 0, 12, 24, ... 1,002
    assert bench().overload_checks(sc) == 84
    assert bench().overload_checks(sc.model_copy(update={"grid": sc.grid.model_copy(
        update={"overload_trips": False})})) == 0  # fmt: skip


def test_pandapipes_net_is_the_citys_heat_network():
    city = synth_city(120, seed=0)
    net = bench().pandapipes_net(city)
    assert len(net.junction) == len(city.heat_nodes)
    assert len(net.pipe) + len(net.valve) == len(city.heat_pipes)
    assert len(net.valve) == len(city.heat_valves)
    assert int((~net.valve["opened"]).sum()) == int((~city.heat_valves["normally_open"]).sum())
    assert len(net.ext_grid) == len(city.heat_sources)
    # every node of the intact city is reached from a source (closed links join networks that
    # each have their own source)
    assert ptop.unsupplied_junctions(net) == set()
    # cutting every pipe and valve at one boiler house's node leaves its network unsupplied
    src = city.heat_sources["node_id"].iat[2]
    j = dict(zip(city.heat_nodes["node_id"], net.junction.index, strict=True))[src]
    at_pipe = net.pipe["from_junction"].eq(j) | net.pipe["to_junction"].eq(j)
    at_valve = net.valve["junction"].eq(j) | net.valve["element"].eq(j)
    touching = city.heat_pipes["from_node"].eq(src) | city.heat_pipes["to_node"].eq(src)
    assert int(at_pipe.sum() + at_valve.sum()) == int(touching.sum()) > 0
    net.pipe.loc[at_pipe, "in_service"] = False
    net.valve.loc[at_valve, "opened"] = False
    assert len(ptop.unsupplied_junctions(net)) > 1


def test_timed_calls_count_every_call_or_scale_a_sample():
    calls = []
    total, timed = bench()._timed_calls(lambda: calls.append(1), 7)
    assert (timed, len(calls)) == (7, 7) and total >= 0.0
    assert bench()._timed_calls(lambda: calls.append(1), 0) == (0.0, 0)


def test_markdown_tables_have_one_row_per_size(capsys):
    row = {
        "buildings": 2000,
        "steps": 1008,
        "stages_s": dict.fromkeys(bench().STAGES, 1.0),
        "parts_s": {**dict.fromkeys(bench().PARTS, 0.5), "checks": 0.1},
        "us_per_building_step": 1.0,
        "peak_rss_mib": 300.0,
        "rss_after_imports_mib": 200.0,
        "peer": {
            "overload_checks": 84, "rundcpp_s": 2.0, "rundcpp_timed": 84, "steps": 1008,
            "connectivity_s": 4.0, "connectivity_timed": 5, "pandapipes_build_s": 0.1,
            "junctions": 10,
        },
    }  # fmt: skip
    bench().print_markdown([row, {**row, "buildings": 10000}])
    text = capsys.readouterr().out
    assert "| 2,000 | 1.00 |" in text and "| 10,000 |" in text
    assert "5 timed, scaled" in text and "6.0x" in text and "checks 0.10" in text
