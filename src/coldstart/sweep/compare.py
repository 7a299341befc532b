"""Compare dispatch policies on the same damage, over several seeds.

For each seed every policy runs on identical strikes, damage, repair-time draws and alerts (they
come from seed streams that do not depend on the policy), so differences between policies are
the policies' own.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from coldstart.city.model import City
from coldstart.compiled import CompiledCity, compile_city
from coldstart.restore.dispatch import POLICIES
from coldstart.scenario.model import Scenario
from coldstart.simulate import simulate

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
) -> dict[str, dict[str, float | None]]:
    """Run every policy for every seed and summarise.

    Parameters
    ----------
    city : City or CompiledCity
    scenario : Scenario
        Its ``policies.dispatch`` is replaced by each policy in turn.
    policies : list of str
        Names from :data:`coldstart.restore.dispatch.POLICIES`.
    seeds : list of int
        Seeds of the runs (each policy sees the same seeds).
    progress : callable, optional
        ``progress(done, total)`` after each run.

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
    values: dict[str, dict[str, list[float]]] = {p: {f: [] for f in FIGURES} for p in policies}
    censored = {p: {f: 0 for f in FIGURES} for p in policies}
    total, done = len(policies) * len(seeds), 0
    for seed in seeds:
        for pol in policies:
            sc = scenario.model_copy(
                update={"policies": scenario.policies.model_copy(update={"dispatch": pol})}
            )
            summary = simulate(cc, sc, seed=seed).summary
            for f in FIGURES:
                v = summary[f]
                if v is None:
                    v = scenario.horizon_h
                    censored[pol][f] += 1
                values[pol][f].append(float(v))
            done += 1
            if progress is not None:
                progress(done, total)
    out: dict[str, dict[str, float | None]] = {}
    for pol in policies:
        row: dict[str, float | None] = {"runs": len(seeds)}
        for f in FIGURES:
            arr = np.asarray(values[pol][f])
            row[f"{f}_mean"] = round(float(arr.mean()), 3)
            row[f"{f}_std"] = round(float(arr.std(ddof=1)) if len(arr) > 1 else 0.0, 3)
            if f.startswith("hours_to_restore"):
                row[f"{f}_censored"] = censored[pol][f]
        out[pol] = row
    # paired against the first policy: same seeds, so the difference is the policy's own
    ref = np.asarray(values[policies[0]]["person_hours_below_12c"])
    for pol in policies[1:]:
        d = np.asarray(values[pol]["person_hours_below_12c"]) - ref
        out[pol][f"person_hours_below_12c_paired_diff_vs_{policies[0]}_mean"] = round(
            float(d.mean()), 3
        )
        out[pol][f"seeds_better_than_{policies[0]}"] = int((d < 0).sum())
    return out
