"""Benchmark: runs per minute of a sweep of the demo city on 1 and 2 Dask workers (issue 14).

On the demo city (``synth_city(2000, seed=0)``, the built-in 7-day scenario) the same N seeds
(policy ``fifo``) are run

1. in a plain loop in this process: ``simulate(compiled, scenario, seed=s)``, nothing kept;
2. as a sweep in this process (``run_sweep(..., workers=1)``): plan, run ids, every run stored
   in a fresh DuckDB run store with its timeline as Parquet; the difference from (1) per run is
   the overhead of the sweep machinery. On a shared machine that difference also holds the
   load's changes between (1) and (2), so the overhead is also printed as measured within the
   sweep: its wall time less the time its runs spent inside ``simulate`` (``duration_s``);
3. as a sweep on a ``LocalCluster`` of each worker count asked for (default 1 and 2), reached
   through its scheduler address (``run_sweep(..., scheduler=...)``): the compiled city is
   scattered once, runs come back to this process and are stored. The startup (the cluster,
   the workers' imports and a first run per worker, on other seeds) is timed apart and
   printed; runs per minute count the measured runs only.

The scaling ratio is runs per minute on 2 workers over runs per minute on 1; the projected time
of 1,000 demo runs uses the best rate measured plus one cluster startup. Every figure is wall
time on this machine, whose cores may be shared with other work: the load average before and
after is printed with the figures.

Run: ``.venv/bin/python benchmarks/bench_sweep.py [--runs N] [--workers 1,2] [--buildings B]
[--horizon-h H]``. Offline: nothing is downloaded.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min)"


def _scenario(horizon_h: float | None):
    from coldstart.scenario import example_scenario

    sc = example_scenario()
    if horizon_h is not None:
        doc = sc.model_dump()
        doc["strikes"] = [w for w in doc["strikes"] if w["at_h"] < horizon_h]  # waves within
        sc = sc.model_validate({**doc, "horizon_h": horizon_h})
    return sc


def _plain(city, scenario, seeds: list[int]) -> float:
    """Seconds of the plain loop (compile not counted)."""
    from coldstart.compiled import compile_city
    from coldstart.simulate import simulate

    cc = compile_city(city)
    t0 = time.perf_counter()
    for s in seeds:
        simulate(cc, scenario, seed=s)
    return time.perf_counter() - t0


def _swept(city, scenario, seeds: list[int], folder: Path, **where) -> tuple[float, float]:
    """Seconds of a stored sweep of ``seeds`` into a fresh store in ``folder``, and the sum of
    its runs' own durations (``duration_s``: the time inside ``simulate``) [s]."""
    from coldstart.compiled import compile_city
    from coldstart.sweep.engine import run_sweep
    from coldstart.sweep.plan import build_plan, city_digest
    from coldstart.sweep.store import RunStore

    plan = build_plan(city_digest(city), scenario, seeds, ["fifo"])
    cc = compile_city(city)
    with RunStore(folder) as store:
        t0 = time.perf_counter()
        swept = run_sweep(cc, plan, store, **where)
        seconds = time.perf_counter() - t0
        inside = store.con.execute("SELECT sum(duration_s) FROM runs").fetchone()[0]
    assert swept.done_now == len(seeds) and swept.failed_now == 0, swept
    return seconds, inside


def main() -> None:
    """Measure and print (see the module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=8, help="runs per measurement")
    ap.add_argument("--workers", default="1,2", help="worker counts of the local cluster")
    ap.add_argument("--buildings", type=int, default=2000, help="buildings of the demo city")
    ap.add_argument("--horizon-h", type=float, default=None, help="shorter scenario [h]")
    args = ap.parse_args()
    from coldstart.city.synth import synth_city
    from coldstart.sweep.execute import local_cluster

    counts = [int(w) for w in args.workers.split(",")]
    city = synth_city(args.buildings, seed=0)
    scenario = _scenario(args.horizon_h)
    seeds = [scenario.seed + i for i in range(args.runs)]
    print(
        f"demo city {args.buildings:,} buildings, {scenario.horizon_h:g} h at "
        f"{scenario.step_min} min; {args.runs} runs per measurement; "
        f"{os.cpu_count()} cores; {_load()} (shared machine: timings vary)"
    )
    plain = _plain(city, scenario, seeds)
    print(
        f"plain loop, this process:   {plain / args.runs:7.2f} s/run  "
        f"{60 * args.runs / plain:6.2f} runs/min"
    )
    rates = {}
    startup = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        inproc, inside = _swept(city, scenario, seeds, Path(tmp) / "inproc", workers=1)
        print(
            f"sweep, this process+store: {inproc / args.runs:7.2f} s/run  "
            f"{60 * args.runs / inproc:6.2f} runs/min  overhead "
            f"{(inproc - plain) / args.runs * 1000:+.0f} ms/run against the plain loop; "
            f"{(inproc - inside) / args.runs * 1000:.0f} ms/run outside simulate "
            "(plan, store, timeline)"
        )
        for n in counts:
            t0 = time.perf_counter()
            with local_cluster(n) as cluster:
                where = {"scheduler": cluster.scheduler_address}
                warm = [seeds[-1] + 1 + i for i in range(n)]  # one run per worker: imports
                _swept(city, scenario, warm, Path(tmp) / f"warm{n}", **where)
                startup = time.perf_counter() - t0
                seconds, inside = _swept(city, scenario, seeds, Path(tmp) / f"dask{n}", **where)
            rates[n] = 60 * args.runs / seconds
            print(
                f"sweep, {n} Dask worker(s):    {seconds / args.runs:7.2f} s/run  "
                f"{rates[n]:6.2f} runs/min  {inside / args.runs:.2f} s/run inside simulate "
                f"(startup {startup:.1f} s, not counted: cluster, worker imports, a first run "
                "per worker)"
            )
    if 1 in rates and 2 in rates:
        print(f"scaling 1 -> 2 workers: x{rates[2] / rates[1]:.2f} runs/min")
    best_n = max(rates, key=rates.get)
    minutes = 1000 / rates[best_n] + startup / 60
    print(
        f"projected time of 1,000 demo runs on {best_n} worker(s): {minutes:.0f} min "
        f"({minutes / 60:.1f} h)"
    )
    print(f"after: {_load()}")


if __name__ == "__main__":
    main()
