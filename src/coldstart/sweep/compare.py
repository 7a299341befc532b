"""Compare dispatch policies on the same damage, over several seeds: a sweep of policies.

For each seed every policy runs on identical strikes, damage, repair-time draws and alerts (they
come from seed streams that do not depend on the policy), so differences between policies are
the policies' own. The runs are a sweep (:mod:`coldstart.sweep.engine`): in this process or on
Dask workers, optionally kept in a run store.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from coldstart.city.model import City
from coldstart.compiled import CompiledCity, compile_city
from coldstart.restore.dispatch import POLICIES
from coldstart.scenario.model import Scenario
from coldstart.sweep.engine import SweepRun, run_sweep
from coldstart.sweep.plan import build_plan, city_digest
from coldstart.sweep.store import RunStore, SweepSource

FIGURES = (
    "person_hours_below_12c",
    "hours_to_restore_heat_95pct",
    "hours_to_restore_power_95pct",
    "energy_not_served_mwh",
)
"""Summary figures compared."""


def compare_policies(
    city: City | CompiledCity,
    scenario: Scenario,
    policies: list[str],
    seeds: list[int],
    progress: Callable[[int, int], None] | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    store: RunStore | None = None,
    source: SweepSource | None = None,
) -> dict[str, dict[str, float | None]]:
    """Run every policy for every seed and summarise.

    Parameters
    ----------
    city : City or CompiledCity
        A compiled city must not have been run on when ``workers`` > 1 (it is sent to them).
    scenario : Scenario
        Its ``policies.dispatch`` is replaced by each policy in turn.
    policies : list of str
        Names from :data:`coldstart.restore.dispatch.POLICIES`.
    seeds : list of int
        Seeds of the runs (each policy sees the same seeds).
    progress : callable, optional
        ``progress(done, total)`` after each run; ``total`` counts the runs to simulate (not
        those read back from ``store``).
    workers : int, optional
        Dask worker processes (1: in this process, no cluster).
    scheduler : str, optional
        Address of a running Dask scheduler.
    store : RunStore, optional
        Run store: runs found there are not run again, new runs are stored.
    source : SweepSource, optional
        The city folder and scenario file in the store's ``sweeps`` table (default:
        ``compare`` and the city's and scenario's names).

    Returns
    -------
    dict
        Per policy: ``<figure>_mean`` and ``<figure>_std`` for every figure in :data:`FIGURES`,
        and ``runs``. Hours to restore that are not reached within the horizon count as the
        horizon (a lower bound); ``hours_to_restore_heat_95pct_censored`` says how many runs.
        Every policy after the first also gets the paired difference of person-hours below
        12 degC against the first policy (same seeds) and the number of seeds it did better.
    """
    unknown = [p for p in policies if p not in POLICIES]
    if unknown:
        raise ValueError(f"unknown policies {unknown}; expected some of {POLICIES}")
    cc = city if isinstance(city, CompiledCity) else compile_city(city)
    plan = build_plan(city_digest(cc.city), scenario, seeds, policies)
    if store is not None:
        source = source or SweepSource("compare", cc.city.name, scenario.name)
        store.add_sweep(plan, source, scenario.name)
    total = len(plan.runs)  # the runs to simulate: those in the store are read back
    if store is not None:
        total -= len(store.stored_ids(r.run_id for r in plan.runs))
    tick = None if progress is None else (lambda done, failed: progress(done, total))
    if progress is not None:
        progress(0, total)  # (the total, even when every run is read back)
    swept = run_sweep(cc, plan, store, workers, scheduler, tick)
    return summarise_policies(swept, scenario.horizon_h)


def summarise_policies(swept: SweepRun, horizon_h: float) -> dict[str, dict[str, float | None]]:
    """The document of :func:`compare_policies` from the runs of a policy sweep (seed order)."""
    table = swept.runs[swept.runs["status"] == "ok"]
    seeds = list(swept.plan.seeds)
    policies = list(swept.plan.policies)
    values: dict[str, dict[str, list[float]]] = {p: {f: [] for f in FIGURES} for p in policies}
    censored = {p: {f: 0 for f in FIGURES} for p in policies}
    for pol in policies:
        rows = table[table["policy"] == pol].set_index("seed")
        for seed in seeds:
            if seed not in rows.index:
                continue  # a failed run
            for f in FIGURES:
                v = rows.at[seed, f]
                if v is None or np.isnan(v):
                    v = horizon_h
                    censored[pol][f] += 1
                values[pol][f].append(float(v))
    out: dict[str, dict[str, float | None]] = {}
    for pol in policies:
        row: dict[str, float | None] = {"runs": len(values[pol][FIGURES[0]])}
        for f in FIGURES:
            arr = np.asarray(values[pol][f])
            row[f"{f}_mean"] = round(float(arr.mean()), 3) if len(arr) else None
            row[f"{f}_std"] = round(float(arr.std(ddof=1)) if len(arr) > 1 else 0.0, 3)
            if f.startswith("hours_to_restore"):
                row[f"{f}_censored"] = censored[pol][f]
        out[pol] = row
    # paired against the first policy: same seeds, so the difference is the policy's own
    first = policies[0]
    ref = table[table["policy"] == first].set_index("seed")["person_hours_below_12c"]
    for pol in policies[1:]:
        mine = table[table["policy"] == pol].set_index("seed")["person_hours_below_12c"]
        common = [s for s in seeds if s in ref.index and s in mine.index]
        d = mine[common].to_numpy(float) - ref[common].to_numpy(float)
        mean = round(float(d.mean()), 3) if len(d) else None
        out[pol][f"person_hours_below_12c_paired_diff_vs_{first}_mean"] = mean
        out[pol][f"seeds_better_than_{first}"] = int((d < 0).sum())
        out[pol][f"seeds_equal_to_{first}"] = int((d == 0).sum())
    return out
