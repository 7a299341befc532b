"""Benchmark: wall time of a 7-day, 10-minute-step run (the demo scenario) by city size.

Prints, for cities of 2,000 and 10,000 buildings: time to build the synthetic city, to compile
it, to simulate the week, and the time per building-step; plus the ratio against a peer measured
in the same process: pandapower's own topology search (``pandapower.topology.unsupplied_buses``)
run once per hour of the week on the same net, which is what a pandapower-based loop would need
just to know which buses are dead.

Run: ``make bench`` (or ``.venv/bin/python benchmarks/bench_simulate.py [N ...]``).
Goal (issue 2): the demo (2,000 buildings) under 30 s, a 10,000-building week under 60 s.
"""

from __future__ import annotations

import sys
import time

import pandapower.topology as top

from coldstart.city.synth import synth_city
from coldstart.compiled import compile_city
from coldstart.scenario import example_scenario
from coldstart.simulate import simulate


def bench(n_buildings: int) -> dict[str, float]:
    """Time every stage for one city size [s]."""
    sc = example_scenario()
    t0 = time.perf_counter()
    city = synth_city(n_buildings, seed=0)
    t1 = time.perf_counter()
    cc = compile_city(city)
    t2 = time.perf_counter()
    parts: dict[str, float] = {}
    simulate(cc, sc, profile=parts)
    t3 = time.perf_counter()
    hours = int(sc.horizon_h)
    t4 = time.perf_counter()
    for _ in range(hours):
        top.unsupplied_buses(city.net)
    t5 = time.perf_counter()
    return {
        "synth_s": t1 - t0,
        "compile_s": t2 - t1,
        "simulate_s": t3 - t2,
        "us_per_building_step": (t3 - t2) / (n_buildings * sc.steps) * 1e6,
        "peer_topology_hourly_s": t5 - t4,
        "parts": parts,
    }


def main(sizes: list[int]) -> None:
    """Run the benchmark for each size and print one line each."""
    print(f"{'buildings':>9} {'synth s':>8} {'compile s':>9} {'week s':>7} {'us/bldg-step':>12} "
          f"{'pp topo hourly s':>16} {'ratio':>6}")  # fmt: skip
    for n in sizes:
        r = bench(n)
        ratio = r["peer_topology_hourly_s"] / r["simulate_s"]
        print(
            f"{n:>9,} {r['synth_s']:>8.2f} {r['compile_s']:>9.2f} {r['simulate_s']:>7.2f} "
            f"{r['us_per_building_step']:>12.3f} {r['peer_topology_hourly_s']:>16.2f} "
            f"{ratio:>5.1f}x"
        )
        parts = sorted(r["parts"].items(), key=lambda kv: -kv[1])
        print("          inside the loop [s]: " + ", ".join(f"{k} {v:.2f}" for k, v in parts))
    print(
        "ratio = pandapower topology search once per simulated hour / our whole simulation "
        "(10-min steps: grid, heat, thermal, people, repairs)"
    )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [2000, 10000])
