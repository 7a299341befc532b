"""Benchmark: the cost of ``coldstart plan value`` and of reading it back from a run store.

On a synthetic city (``synth_city(B, seed=0)``) and the built-in scenario (optionally cut to
``--horizon-h`` hours, keeping the waves within it), :func:`coldstart.plan.value.plan_value`
runs with N evaluation seeds, M site-choosing seeds and a shortlist of S generator sites into a
fresh run store:

1. first call: every run simulated (scenario variants x N + S x M + N) and stored; wall time,
   runs and seconds per run are printed, with seconds per run of a plain ``simulate`` loop on
   the same city and seeds as the reference (the difference is the variants' and the store's
   overhead, or the load's changes on a shared machine);
2. second call with the same arguments: every run read back from the store (nothing
   simulated); its wall time is the cost of answering again.

Every figure is wall time on this machine, whose cores may be shared: the load average before
and after is printed. Run: ``.venv/bin/python benchmarks/bench_plan_value.py [--buildings B]
[--seeds N] [--site-seeds M] [--shortlist S] [--horizon-h H] [--workers W]``. Offline.
"""

from __future__ import annotations

import argparse
import tempfile
import time

from bench_sweep import _load, _scenario  # the load average; the demo scenario cut short


def main() -> None:
    """Parse the arguments, run both calls and the plain loop, print the figures."""
    from coldstart.city.synth import synth_city
    from coldstart.compiled import compile_city
    from coldstart.plan.value import plan_value
    from coldstart.simulate import simulate
    from coldstart.sweep.store import RunStore

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--buildings", type=int, default=300)
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--site-seeds", type=int, default=2)
    ap.add_argument("--shortlist", type=int, default=4)
    ap.add_argument("--horizon-h", type=float, default=48.0)
    ap.add_argument("--workers", type=int, default=1)
    a = ap.parse_args()
    city = synth_city(a.buildings, seed=0)
    sc = _scenario(a.horizon_h)
    print(f"{a.buildings} buildings, {sc.horizon_h:g} h, {a.seeds} seeds, {a.site_seeds} site "
          f"seeds, shortlist {a.shortlist}, {a.workers} worker(s); {_load()}")  # fmt: skip
    cc = compile_city(city)
    t0 = time.perf_counter()
    for s in range(sc.seed, sc.seed + a.seeds):
        simulate(cc, sc, seed=s)
    plain = (time.perf_counter() - t0) / a.seeds
    print(f"plain simulate: {plain:.2f} s per run")
    with tempfile.TemporaryDirectory() as tmp:
        for call in ("first call (simulated)", "second call (from the store)"):
            with RunStore(f"{tmp}/store") as store:
                t0 = time.perf_counter()
                res = plan_value(
                    city,
                    sc,
                    a.seeds,
                    site_seeds=a.site_seeds,
                    shortlist_size=a.shortlist,
                    store=store,
                    workers=a.workers,
                )
                wall = time.perf_counter() - t0
            runs = res.runs_simulated + res.runs_reused
            per = f", {wall / res.runs_simulated:.2f} s per run" if res.runs_simulated else ""
            print(f"{call}: {wall:.1f} s, {res.runs_simulated} runs simulated, "
                  f"{res.runs_reused} read back of {runs}{per}")  # fmt: skip
    print(_load())


if __name__ == "__main__":
    main()
