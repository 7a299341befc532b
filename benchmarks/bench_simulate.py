"""Benchmark: a whole coldstart run by city size, stage by stage, against a pandapower/pandapipes
peer loop on the same city (issue 13, "A Kyiv-size week in seconds").

For each size (2,000, 10,000 and 30,000 buildings by default) a fresh Python process:

1. builds the synthetic city (``synth_city(n, seed=0)``), writes its folder (``save_city``, as
   ``coldstart city synth`` does), loads it back (``load_city``, as ``coldstart run`` does),
   compiles the loaded city, simulates the built-in scenario (a 7-day week at 10-minute steps,
   ``simulate(..., profile=parts)``) and writes the results (``Result.write_into`` with the
   report, as ``coldstart run`` does), all in a temporary folder; wall time per stage [s];
2. reads its peak memory, ``resource.getrusage(RUSAGE_SELF).ru_maxrss``, right after those
   stages (before the peer loop): the operating system's high-water mark of the process's
   resident memory, which counts everything (numpy and pandas buffers, pandapower's tables, the
   interpreter) at no cost to the timings; ``tracemalloc`` would slow every Python allocation
   and miss memory not allocated through Python's allocators. A fresh process per size keeps one
   size's peak from hiding the next one's;
3. times a peer loop on the same city: pandapower ``rundcpp`` on the city's net once per
   overload check the run made (the runner checks DC flows every ``TRIP_CHECK_H`` hours,
   :mod:`coldstart.simulate.power`), plus a pandapipes connectivity check
   (``pandapipes.topology.unsupplied_junctions``: which junctions no source reaches, respecting
   valves) of the city's heat network, built as a pandapipes net, once per step. When all those
   calls would take long, a fixed sample of calls is timed and scaled to the full count; the
   output says so.

Each size is run ``--repeat`` times (3 by default), each time in a fresh process, the peer loop
in the first only. This machine is shared and one run's time varies by 10-30 % from the next;
the tables show the run whose simulation took the median time, and a line gives every run's
simulation time, so the targets are judged on the median of fresh runs, not on a lucky one.

Run: ``make bench`` or ``.venv/bin/python benchmarks/bench_simulate.py [N ...] [--quick]
[--markdown] [--no-peer] [--repeat R]``. ``--quick``: 2,000 buildings only. ``--markdown``:
also print the tables as Markdown (the README's "Performance" section). Offline: nothing is
downloaded.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

SIZES = (2000, 10000, 30000)
"""City sizes measured by default [buildings]."""

STAGES = ("synth", "write_city", "load_city", "compile", "simulate", "write_results")
"""Stages of a run, in order."""

PARTS = (
    "damage", "crews", "power", "overload", "heat", "homes", "people", "recording", "setup",
    "result",
)  # fmt: skip
"""Subsystems timed inside the loop by ``simulate(..., profile=parts)``."""

PEER_BUDGET_S = 20.0
"""Time one kind of peer call may take in full; beyond it a sample is timed and scaled [s]."""

PEER_SAMPLE = 5
"""Calls timed when the full count would exceed :data:`PEER_BUDGET_S`."""


def pandapipes_net(city):
    """The city's district heating as a pandapipes net: a junction per heat node, a pipe per
    heat pipe (a closed valve where the pipe has a normally closed one, an open valve where it
    has a normally open one), an external grid at every heat source, a sink at every consumer.

    Parameters
    ----------
    city : coldstart.city.model.City

    Returns
    -------
    pandapipes.pandapipesNet
    """
    import pandapipes as ppi

    net = ppi.create_empty_network(fluid="water")
    nodes = city.heat_nodes["node_id"].tolist()
    junction = dict(
        zip(nodes, ppi.create_junctions(net, len(nodes), pn_bar=6.0, tfluid_k=353.15), strict=True)
    )
    pipes = city.heat_pipes
    valves = city.heat_valves
    valve_open = dict(zip(valves["pipe_id"], valves["normally_open"].astype(bool), strict=True))
    has_valve = pipes["pipe_id"].isin(valve_open).to_numpy()
    f = pipes["from_node"].map(junction).to_numpy()
    t = pipes["to_node"].map(junction).to_numpy()
    plain = ~has_valve
    ppi.create_pipes_from_parameters(
        net,
        f[plain],
        t[plain],
        pipes["length_m"].to_numpy()[plain] / 1000.0,  # [km]
        pipes["dn_mm"].to_numpy()[plain],  # [mm]
        k_mm=0.1,
    )
    valved = np.flatnonzero(has_valve)
    if len(valved):
        ppi.create_valves(
            net,
            f[valved],
            t[valved],
            "ju",  # junction to junction
            pipes["dn_mm"].to_numpy()[valved],
            opened=[bool(valve_open[p]) for p in pipes["pipe_id"].to_numpy()[valved]],
        )
    for node in city.heat_sources["node_id"]:
        ppi.create_ext_grid(net, junction[node], p_bar=6.0, t_k=363.15)
    consumers = [n for n in city.buildings["heat_node_id"].tolist() if n] + [
        n for n in city.facilities["heat_node_id"].tolist() if n
    ]
    ppi.create_sinks(net, [junction[n] for n in consumers], mdot_kg_per_s=1.0)
    return net


def _timed_calls(fn, count: int) -> tuple[float, int]:
    """Total time of ``count`` calls of ``fn`` [s], measured in full or from a sample.

    Returns
    -------
    total_s : float
        Measured, or the sample's mean times ``count``.
    timed : int
        Calls actually timed (``count`` when measured in full).
    """
    if count == 0:
        return 0.0, 0
    t0 = time.perf_counter()
    fn()
    first = time.perf_counter() - t0
    if first * count <= PEER_BUDGET_S:
        for _ in range(count - 1):
            fn()
        return time.perf_counter() - t0, count
    sample = [first]
    for _ in range(min(PEER_SAMPLE, count) - 1):
        t1 = time.perf_counter()
        fn()
        sample.append(time.perf_counter() - t1)
    return float(np.mean(sample)) * count, len(sample)


def overload_checks(scenario) -> int:
    """DC-flow overload checks a run of ``scenario`` makes: one every ``TRIP_CHECK_H`` hours,
    at the steps where :meth:`coldstart.simulate.power.PowerModel.step` runs them."""
    from coldstart.simulate.power import TRIP_CHECK_H

    if not scenario.grid.overload_trips:
        return 0
    steps_per_h = max(1, int(round(1.0 / scenario.step_h)))  # as Clock.steps_per_h
    every = TRIP_CHECK_H * steps_per_h
    return sum(1 for k in range(scenario.steps) if k % every == 0)


def peer(city, scenario) -> dict:
    """The peer loop's time on ``city``: ``rundcpp`` per overload check, a pandapipes
    connectivity check per step [s]."""
    import pandapipes.topology as ptop
    import pandapower as pp

    warnings.simplefilter("ignore")
    n_checks = overload_checks(scenario)
    net = copy.deepcopy(city.net)  # rundcpp writes result tables into the net
    dc_s, dc_timed = _timed_calls(lambda: pp.rundcpp(net, numba=False), n_checks)
    t0 = time.perf_counter()
    pnet = pandapipes_net(city)
    build_s = time.perf_counter() - t0
    conn_s, conn_timed = _timed_calls(lambda: ptop.unsupplied_junctions(pnet), scenario.steps)
    return {
        "overload_checks": n_checks,
        "rundcpp_s": dc_s,
        "rundcpp_timed": dc_timed,
        "steps": scenario.steps,
        "connectivity_s": conn_s,
        "connectivity_timed": conn_timed,
        "pandapipes_build_s": build_s,
        "junctions": len(pnet.junction),
    }


def run_one(n_buildings: int, with_peer: bool) -> dict:
    """Every stage of a run on a city of ``n_buildings``, in this process (see the module
    notes); wall times [s], subsystem times [s], peak memory [MiB]."""
    from coldstart.city import load_city, save_city
    from coldstart.city.synth import synth_city
    from coldstart.compiled import compile_city
    from coldstart.scenario import example_scenario
    from coldstart.simulate import simulate

    scenario = example_scenario()
    rss_start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    stages: dict[str, float] = {}
    parts: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="coldstart-bench-") as tmp:
        t0 = time.perf_counter()
        city = synth_city(n_buildings, seed=0)
        stages["synth"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        save_city(city, Path(tmp) / "city")
        stages["write_city"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        loaded = load_city(Path(tmp) / "city")
        stages["load_city"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        cc = compile_city(loaded)
        stages["compile"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        result = simulate(cc, scenario, profile=parts)
        stages["simulate"] = time.perf_counter() - t0
        out = Path(tmp) / "out"
        out.mkdir()
        t0 = time.perf_counter()
        result.write_into(out, report=True)
        stages["write_results"] = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    row = {
        "buildings": n_buildings,
        "steps": scenario.steps,
        "stages_s": stages,
        "parts_s": parts,
        "us_per_building_step": stages["simulate"] / (n_buildings * scenario.steps) * 1e6,
        "peak_rss_mib": peak,
        "rss_after_imports_mib": rss_start,
    }
    if with_peer:
        row["peer"] = peer(loaded, scenario)
    return row


def run_fresh(n_buildings: int, with_peer: bool) -> dict:
    """:func:`run_one` in a fresh Python process (its own peak memory); its JSON line."""
    cmd = [sys.executable, __file__, "--one", str(n_buildings)] + (
        [] if with_peer else ["--no-peer"]
    )
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"benchmark of {n_buildings} buildings failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_median(n_buildings: int, with_peer: bool, repeat: int) -> dict:
    """``repeat`` runs of :func:`run_fresh` (the peer loop in the first only); the run whose
    simulation took the median time, with every run's simulation time [s] and the peer."""
    runs = [run_fresh(n_buildings, with_peer and i == 0) for i in range(repeat)]
    times = [r["stages_s"]["simulate"] for r in runs]
    row = runs[int(np.argsort(times)[(len(runs) - 1) // 2])]
    if with_peer:
        row["peer"] = runs[0]["peer"]
    row["simulate_runs_s"] = sorted(times)
    return row


def _ratio(r: dict) -> float | None:
    p = r.get("peer")
    if not p:
        return None
    return (p["rundcpp_s"] + p["connectivity_s"]) / r["stages_s"]["simulate"]


def tables(rows: list[dict]) -> list[tuple[str, list[str], list[list[str]]]]:
    """The results as (title, header, rows of cells) tables."""
    stage_rows = []
    for r in rows:
        s = r["stages_s"]
        stage_rows.append(
            [f"{r['buildings']:,}"]
            + [f"{s[k]:.2f}" for k in STAGES]
            + [f"{sum(s.values()):.2f}", f"{r['us_per_building_step']:.2f}"]
            + [f"{r['peak_rss_mib']:,.0f}"]
        )
    part_rows = []
    for r in rows:
        p = r["parts_s"]
        extra = sorted(set(p) - set(PARTS))
        part_rows.append(
            [f"{r['buildings']:,}"]
            + [f"{p.get(k, 0.0):.2f}" for k in PARTS]
            + [", ".join(f"{k} {p[k]:.2f}" for k in extra) or "-"]
        )
    peer_rows = []
    for r in rows:
        p = r.get("peer")
        if not p:
            continue

        def how(timed: int, count: int) -> str:
            return "all" if timed == count else f"{timed} timed, scaled"

        peer_rows.append(
            [
                f"{r['buildings']:,}",
                f"{p['overload_checks']}",
                f"{p['rundcpp_s']:.2f} ({how(p['rundcpp_timed'], p['overload_checks'])})",
                f"{p['steps']}",
                f"{p['connectivity_s']:.2f} ({how(p['connectivity_timed'], p['steps'])})",
                f"{r['stages_s']['simulate']:.2f}",
                f"{_ratio(r):.1f}x",
            ]
        )
    out = [
        (
            "Wall time per stage [s], time per building-step [µs], peak memory [MiB]",
            ["buildings", *STAGES, "total", "µs/bldg-step", "peak RSS MiB"],
            stage_rows,
        ),
        (
            "Inside the simulation loop, per subsystem [s]",
            ["buildings", *PARTS, "other"],
            part_rows,
        ),
    ]
    if peer_rows:
        out.append(
            (
                "Peer loop on the same city [s]: pandapower rundcpp per overload check, "
                "pandapipes unsupplied_junctions per step",
                [
                    "buildings",
                    "checks",
                    "rundcpp s",
                    "steps",
                    "pandapipes s",
                    "coldstart s",
                    "peer/coldstart",
                ],
                peer_rows,
            )  # fmt: skip
        )
    return out


TARGETS = (
    # (what, buildings, value of the row, limit) -- issue 13's goals
    ("simulate, 2,000 buildings [s]", 2000, lambda r: r["stages_s"]["simulate"], 1.5),
    ("simulate, 10,000 buildings [s]", 10000, lambda r: r["stages_s"]["simulate"], 5.0),
    ("simulate, 30,000 buildings [s]", 30000, lambda r: r["stages_s"]["simulate"], 15.0),
    ("peak memory, 30,000 buildings [MiB]", 30000, lambda r: r["peak_rss_mib"], 2048.0),
    ("city synth, 30,000 buildings [s]", 30000, lambda r: r["stages_s"]["synth"], 5.0),
    ("load the city folder, 30,000 buildings [s]", 30000,
     lambda r: r["stages_s"]["load_city"], 3.0),
)  # fmt: skip
"""Issue 13's targets: what, city size, how to read it from a row, the limit."""

FLAT_TOLERANCE = 0.20
"""Cost per building-step within this share of the sizes' mean (issue 13: "flat ±20 %")."""


def verdicts(rows: list[dict]) -> list[str]:
    """Each of issue 13's targets the sizes measured can judge: value, limit, met or not."""
    by_n = {r["buildings"]: r for r in rows}
    out = []
    for what, n, value, limit in TARGETS:
        if n in by_n:
            v = value(by_n[n])
            out.append(
                f"{what}: {v:,.2f} (goal < {limit:,.1f}) -> {'met' if v < limit else 'NOT met'}"
            )
    for r in rows:
        if len(r.get("simulate_runs_s", ())) > 1:
            runs = ", ".join(f"{t:.2f}" for t in r["simulate_runs_s"])
            out.append(f"simulate, {r['buildings']:,} buildings, every fresh run [s]: {runs}")
    if len(rows) > 1:
        us = np.array([r["us_per_building_step"] for r in rows])
        dev = float(np.max(np.abs(us / us.mean() - 1.0)))
        verdict = "met" if dev <= FLAT_TOLERANCE else "NOT met"
        out.append(
            "µs per building-step "
            + " / ".join(f"{u:.2f}" for u in us)
            + f": largest deviation from their mean {dev:.0%} "
            + f"(goal <= {FLAT_TOLERANCE:.0%}) -> {verdict}"
        )
    return out


def machine() -> str:
    """This machine: cores, load averages, date, Python and numpy."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} cores, load average {load} (1, 5, 15 min), "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python {platform.python_version()}, "
        f"numpy {np.__version__}"
    )


def print_text(rows: list[dict]) -> None:
    """The tables as aligned text."""
    for title, header, body in tables(rows):
        print(title)
        widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(header)]
        print("  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True)))
        for b in body:
            print("  ".join(c.rjust(w) for c, w in zip(b, widths, strict=True)))
        print()
    print(
        "peak RSS: resource.getrusage(RUSAGE_SELF).ru_maxrss of a fresh process per size, read "
        "after writing the results (before the peer loop); "
        + ", ".join(f"{r['rss_after_imports_mib']:,.0f}" for r in rows)
        + " MiB of it are the interpreter and libraries at start"
    )
    if any("peer" in r for r in rows):
        print(
            "ratio = peer loop / coldstart's whole simulation (grid, heat, thermal, people, "
            "repairs); 'timed, scaled': a sample of calls timed and scaled to the full count"
        )
    print(f"machine: {machine()}")
    print()
    print("issue 13 targets:")
    for line in verdicts(rows):
        print(f"  {line}")


def print_markdown(rows: list[dict]) -> None:
    """The tables as Markdown, with the machine they were measured on."""
    print(f"Measured on: {machine()}.\n")
    for title, header, body in tables(rows):
        print(f"{title}:\n")
        print("| " + " | ".join(header) + " |")
        print("|" + "|".join("---:" for _ in header) + "|")
        for b in body:
            print("| " + " | ".join(b) + " |")
        print()
    for line in verdicts(rows):
        print(f"- {line}")


def main(argv: list[str] | None = None) -> None:
    """Parse the command line, run each size in a fresh process, print the tables."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sizes", nargs="*", type=int, help="buildings per city (default 2k 10k 30k)")
    ap.add_argument("--quick", action="store_true", help="2,000 buildings only")
    ap.add_argument("--markdown", action="store_true", help="also print Markdown tables")
    ap.add_argument("--no-peer", action="store_true", help="skip the pandapower/pandapipes loop")
    ap.add_argument(
        "--repeat", type=int, default=3, help="fresh runs per size; the median is shown (3)"
    )
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a child process: one size
    args = ap.parse_args(argv)
    if args.one is not None:
        warnings.simplefilter("ignore")
        print(json.dumps(run_one(args.one, not args.no_peer)))
        return
    sizes = [2000] if args.quick else (args.sizes or list(SIZES))
    rows = []
    for n in sizes:
        print(f"{n:,} buildings ...", file=sys.stderr, flush=True)
        rows.append(run_median(n, not args.no_peer, max(1, args.repeat)))
    print_text(rows)
    if args.markdown:
        print()
        print_markdown(rows)


if __name__ == "__main__":
    main()
