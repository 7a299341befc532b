"""Benchmark: the ``optimized`` dispatch against the exact optimum and against greatest_benefit.

1. Exact optimum: on ``--instances`` random small instances (8 tasks, 2 crews, parts arriving
   late, onsets, every other one with precedence pairs) the planner's cost
   (:func:`coldstart.restore.optimize.plan_crews`: greatest_benefit, local search, HiGHS MILP)
   against the brute-force optimum of the same objective; the gap of each, whether HiGHS proved
   optimality, its own gap and the decision time.
2. Paired runs: the demo city (2,000 buildings, the built-in week) for ``--seeds`` seeds, each
   seed run under ``greatest_benefit`` and under ``optimized`` (same strikes, damage, draws and
   alerts): person-hours below 12 degC of each, the paired saving, the seeds optimized did
   better on, the wall time of each run and the planner's figures (decisions, solver calls,
   share proved optimal, mean gap, decision time per call). The same comparison as
   ``coldstart compare CITY SCENARIO --policies greatest_benefit,optimized --seeds N``.
3. Headroom: the first ``--headroom-seeds`` seeds with ten times every crew
   (``greatest_benefit``): every ready task starts at once (a hundred times saves exactly as
   much on the demo), so no order of the real crews can do better; the saving it shows bounds
   what a dispatch policy can save, and the share of it optimized gets is printed. Then ten
   times the asset crews alone (power lines, substations, heat network, plants): what their
   order could save at most.
4. With ``--big-seeds K`` (> 0), parts 2 and 3 again on a ``--big-buildings`` city (default
   10,000), K seeds; the ratio of the optimized run's wall time to greatest_benefit's.

Every figure is measured on this machine, whose cores may be shared with other work (the load
average is printed). Run: ``.venv/bin/python benchmarks/bench_plan.py [--instances N]
[--seeds N] [--big-seeds K] [--big-buildings B] [--headroom-seeds H]``. Offline: nothing is
downloaded.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np


def exact_gaps(instances: int, n: int = 8, m: int = 2) -> None:
    """Part 1: planner and greatest_benefit against the brute-force optimum."""
    from coldstart.restore.optimize import brute_force, plan_crews, random_instance

    print(f"1. exact optimum: {instances} random instances, {n} tasks, {m} crews")
    gaps, greedy_gaps, proved, ms = [], [], 0, []
    for s in range(instances):
        inst = random_instance(s, n, m, precedence=bool(s % 2))
        _, best = brute_force(inst)
        r = plan_crews(inst, milp_max_tasks=n, max_nodes=2_000, time_limit_s=5.0)
        gaps.append(r.cost / best - 1.0)
        greedy_gaps.append(r.greedy_cost / best - 1.0)
        proved += r.proved_optimal
        ms.append(1000 * r.seconds)
        print(
            f"   instance {s:2d} (precedence {'yes' if s % 2 else 'no '}): optimum {best:9.1f}"
            f"  planner +{100 * gaps[-1]:5.2f} %  greatest_benefit +{100 * greedy_gaps[-1]:6.2f} %"
            f"  HiGHS proved optimal: {'yes' if r.proved_optimal else 'no '} (gap "
            f"{100 * r.gap:5.1f} %)  {ms[-1]:6.0f} ms"
        )
    print(
        f"   planner gap to the optimum: mean {100 * np.mean(gaps):.2f} %, max "
        f"{100 * np.max(gaps):.2f} %; greatest_benefit: mean {100 * np.mean(greedy_gaps):.2f} %,"
        f" max {100 * np.max(greedy_gaps):.2f} %; proved optimal {proved}/{instances}; decision"
        f" {np.mean(ms):.0f} ms mean, {np.max(ms):.0f} ms max"
    )


ASSET_CREWS = ("power_lines", "substations", "heat_network", "plants")
"""The crews of the power and heat assets (the others work on buildings: plumbing, fitters)."""


def _with(scenario, policy: str, crew_factor: int = 1, types: tuple[str, ...] | None = None):
    """``scenario`` under ``policy``, with ``crew_factor`` times the crews of ``types`` (every
    type when None)."""
    doc = scenario.model_dump()
    doc["policies"]["dispatch"] = policy
    for k, v in doc["crews"].items():
        if isinstance(v, int) and (types is None or k in types):
            doc["crews"][k] = v * crew_factor
    return type(scenario).model_validate(doc)


def _runs(cc, scenario, seeds, policy: str, crew_factor: int = 1, types=None):
    """Person-hours below 12 degC, wall seconds and planner figures of each seed."""
    from coldstart.simulate import simulate

    sc = _with(scenario, policy, crew_factor, types)
    ph, secs, meta = [], [], []
    for s in seeds:
        t0 = time.perf_counter()
        r = simulate(cc, sc, seed=s)
        secs.append(time.perf_counter() - t0)
        ph.append(r.summary["person_hours_below_12c"])
        meta.append(r.meta.get("dispatch_planning"))
    return np.array(ph), np.array(secs), meta


def headroom(cc, scenario, seeds, gb, op) -> None:
    """Part 3: ten times every crew, then ten times the asset crews alone (greatest_benefit),
    on ``seeds`` (the first of the paired ones; ``gb`` and ``op`` their paired runs)."""
    k = len(seeds)
    gb_sum, op_saved = gb[:k].sum(), gb[:k].sum() - op[:k].sum()
    for what, types in (("every crew", None), ("the asset crews alone", ASSET_CREWS)):
        hr, _, _ = _runs(cc, scenario, seeds, "greatest_benefit", 10, types)
        bound = gb_sum - hr.sum()
        line = (
            f"   headroom (first {k} seeds): ten times {what} saves "
            f"{100 * bound / gb_sum:.2f} % of greatest_benefit's person-hours"
        )
        if types is None:
            share = f" ({100 * op_saved / bound:.0f} % of that bound)" if bound > 0 else ""
            line += f"; optimized saves {100 * op_saved / gb_sum:.2f} % on them{share}"
        print(line)
    print(
        "   (ten times every crew starts every ready task at once: an order of the real crews"
        " can hardly save more, so the bound is about what any dispatch policy can save)"
    )


def paired(buildings: int, n_seeds: int, headroom_seeds: int) -> None:
    """Parts 2-4 on one city."""
    from coldstart.city.synth import synth_city
    from coldstart.compiled import compile_city
    from coldstart.scenario import example_scenario

    scenario = example_scenario()
    cc = compile_city(synth_city(buildings, seed=0))
    seeds = [scenario.seed + i for i in range(n_seeds)]
    print(f"\n{buildings:,}-building city, built-in week, {n_seeds} paired seeds; {_load()}")
    gb, gb_s, _ = _runs(cc, scenario, seeds, "greatest_benefit")
    op, op_s, meta = _runs(cc, scenario, seeds, "optimized")
    d = op - gb
    for s, a, b, ta, tb in zip(seeds, gb, op, gb_s, op_s, strict=True):
        print(f"   seed {s}: greatest_benefit {a:12,.0f}  optimized {b:12,.0f} person-h < 12 degC"
              f"  ({100 * (b / a - 1):+.2f} %)  {ta:5.1f} s / {tb:5.1f} s")  # fmt: skip
    print(
        f"   optimized vs greatest_benefit: mean paired difference {d.mean():+,.0f} person-h "
        f"({100 * d.sum() / gb.sum():+.2f} % of greatest_benefit's {gb.mean():,.0f}); "
        f"better on {(d < 0).sum()} of {len(d)} seeds, worse on {(d > 0).sum()}"
    )
    calls = sum(m["dispatch_solver_calls"] for m in meta)
    decisions = sum(m["dispatch_decisions"] for m in meta)
    shares = [m["dispatch_proved_optimal_share"] for m in meta if m["dispatch_solver_calls"]]
    gaps = [m["dispatch_mean_gap"] for m in meta if m["dispatch_mean_gap"] is not None]
    ms = [m["dispatch_decision_ms_mean"] for m in meta if m["dispatch_decision_ms_mean"]]
    print(
        f"   planner: {decisions / len(meta):.1f} decisions per run, {calls / len(meta):.1f} "
        f"MILP calls per run; proved optimal (mean share per run) "
        f"{'-' if not shares else f'{100 * np.mean(shares):.0f} %'}, mean gap "
        f"{'-' if not gaps else f'{100 * np.mean(gaps):.1f} %'}; decision time "
        f"{np.mean(ms):.1f} ms per call (mean of runs), max "
        f"{max(m['dispatch_decision_ms_max'] or 0 for m in meta):.0f} ms"
    )
    print(
        f"   wall time per run: greatest_benefit {gb_s.mean():.2f} s, optimized {op_s.mean():.2f}"
        f" s (ratio {op_s.sum() / gb_s.sum():.2f})"
    )
    if headroom_seeds:
        headroom(cc, scenario, seeds[: min(headroom_seeds, len(seeds))], gb, op)


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min), {os.cpu_count()} cores"


def main() -> None:
    """Measure and print (see the module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instances", type=int, default=10, help="random small instances")
    ap.add_argument("--seeds", type=int, default=20, help="paired seeds on the demo city")
    ap.add_argument("--big-seeds", type=int, default=0, help="paired seeds on the big city")
    ap.add_argument("--big-buildings", type=int, default=10_000, help="buildings of it")
    ap.add_argument(
        "--headroom-seeds", type=int, default=5, help="seeds of the ten-times-crews runs"
    )
    args = ap.parse_args()
    exact_gaps(args.instances)
    if args.seeds:
        paired(2000, args.seeds, args.headroom_seeds)
    if args.big_seeds:
        paired(args.big_buildings, args.big_seeds, args.headroom_seeds)


if __name__ == "__main__":
    main()
