"""``coldstart plan backups``: where to put K mobile generators, chosen on seeds, judged on others.

1. Candidate sites (:mod:`coldstart.plan.sites`): heat sources, pumping stations, shelters and
   water pumps with no generator of their own and a load a generator of ``kw_each`` can carry
   (or the sites a candidates file names). Each new generator holds :data:`MOBILE_TANK_H` hours
   of fuel; refuelling and start-up failures follow the scenario's ``backup`` section.
2. Baseline, "largest first": the K sites whose loss leaves the most residents without heat.
3. Screening: a shortlist of the best-scored sites of each kind (baseline sites always in).
4. Lazy greedy [MINOUX-1978] on the simulated mean person-hours below 12 degC over the
   *choosing* seeds, every set on the same seeds [LAW-2015], the sites of a chosen site's heat
   network re-evaluated (:mod:`coldstart.plan.greedy`); optionally swap refinement; if the
   result is still worse than the baseline on the choosing seeds, the baseline is kept (so the
   plan is never worse there).
5. Evaluation on *fresh* seeds (the next ``n_seeds`` after the choosing ones, never used for
   choosing): plan, baseline and the city as is, paired by seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from coldstart.city.model import City
from coldstart.errors import Problem
from coldstart.plan.ensemble import Ensemble, OnRun
from coldstart.plan.greedy import lazy_greedy, swap_refine
from coldstart.plan.sites import (
    BackupPlanError,
    candidate_sites,
    coupled_sites,
    largest_first,
    shortlist,
)
from coldstart.scenario.model import Scenario
from coldstart.sweep.store import RunStore, SweepSource

MOBILE_TANK_H = 24.0
"""Fuel a mobile generator holds [h]: the lower end of the one to three days of fuel the city's
own boiler-house generators carry (``data/backup_power.csv``, a first estimate after
[KCSA-2024-BACKUP])."""

KW_EACH = 2000.0
"""Default rating of a mobile generator [kW]: the top of the 0.6-2 MW units Kyivteploenergo
placed at heat sources [KTE-2025]."""

SHORTLIST = 12
"""Default size of the screening shortlist [sites]."""


@dataclass(frozen=True)
class Arm:
    """One set of sites evaluated on the fresh seeds.

    Parameters
    ----------
    sites : list of str
        Site ids (in the order chosen).
    per_seed : numpy.ndarray
        Person-hours below 12 degC per evaluation seed [person-h].
    choosing_mean : float
        Mean over the choosing seeds [person-h] (NaN when not evaluated there).
    """

    sites: list[str]
    per_seed: np.ndarray
    choosing_mean: float

    def figures(self) -> dict:
        """``sites``, mean and sample standard deviation over the evaluation seeds [person-h]."""
        v = self.per_seed
        return {
            "sites": self.sites,
            "person_hours_below_12c_mean": float(v.mean()),
            "person_hours_below_12c_std": float(v.std(ddof=1)) if len(v) > 1 else 0.0,
            "person_hours_below_12c_per_seed": [float(x) for x in v],
            "choosing_seeds_mean": self.choosing_mean,
        }


@dataclass(frozen=True)
class BackupPlan:
    """What :func:`plan_backups` found (see the module docstring)."""

    sites: pd.DataFrame
    pool: list[int]
    screened: list[int]
    plan_pos: list[int]
    baseline_pos: list[int]
    plan: Arm
    baseline: Arm
    as_is: Arm
    choosing_seeds: list[int]
    evaluation_seeds: list[int]
    swaps: int
    kept_baseline: bool
    kw_each: float
    fuel_h: float
    runs_simulated: int
    runs_reused: int
    marginal: tuple[float, ...] = ()

    def payload(self, scenario: Scenario) -> dict:
        """The JSON document of the plan (``--json`` and ``plan.json``)."""
        p, b = self.plan.per_seed, self.baseline.per_seed
        saved = b - p
        return {
            "plan": self.plan.figures(),
            "baseline": self.baseline.figures(),
            "city_as_is": self.as_is.figures(),
            "saved_person_hours_mean": float(b.mean() - p.mean()),
            "saved_person_hours_std": float(saved.std(ddof=1)) if len(saved) > 1 else 0.0,
            "plan_wins_share": float(np.mean(p < b)),
            "ties_share": float(np.mean(p == b)),
            "generators": len(self.plan_pos),
            "kw_each": self.kw_each,
            "fuel_tank_h": self.fuel_h,
            "refuel_every_h": float(scenario.backup.refuel_every_h),
            "start_failure_prob": float(scenario.backup.start_failure_prob),
            "choosing_seeds": self.choosing_seeds,
            "evaluation_seeds": self.evaluation_seeds,
            "candidates": len(self.pool),
            "shortlist": [str(s) for s in self.sites.site_id.iloc[self.screened]],
            "swaps": self.swaps,
            "kept_baseline": self.kept_baseline,
            "marginal_saving_person_hours": [float(x) for x in self.marginal],
            "same_sites_as_baseline": sorted(self.plan.sites) == sorted(self.baseline.sites),
            "runs_simulated": self.runs_simulated,
            "runs_from_store": self.runs_reused,
        }

    def table(self) -> pd.DataFrame:
        """One row per candidate site: its scores and whether plan or baseline chose it."""
        t = self.sites.iloc[self.pool].copy()
        pos = np.asarray(self.pool)
        order = {p: i + 1 for i, p in enumerate(self.plan_pos)}
        t.insert(0, "in_plan", np.isin(pos, self.plan_pos))
        t.insert(1, "plan_order", [order.get(int(p), 0) for p in pos])
        t.insert(2, "in_baseline", np.isin(pos, self.baseline_pos))
        t.insert(3, "screened", np.isin(pos, self.screened))
        gain = dict(zip(self.plan_pos, self.marginal, strict=False))
        t.insert(4, "marginal_saving_person_hours", [gain.get(int(p), np.nan) for p in pos])
        t["residents_at_risk"] = t.residents_at_risk.round(0)
        t["load_kw"] = t.load_kw.round(1)
        return t.sort_values(["in_plan", "plan_order"], ascending=[False, True]).reset_index(
            drop=True
        )


def split_seeds(scenario: Scenario, n_seeds: int) -> tuple[list[int], list[int]]:
    """Choosing seeds ``scenario.seed + 0 .. n-1`` and fresh evaluation seeds ``+ n .. 2n-1``.

    Raises
    ------
    BackupPlanError
        ``n_seeds`` below 1 or the seeds beyond 2**63 - 1.
    """
    from coldstart.sweep.plan import SweepError, seeds_from

    if n_seeds < 1:
        raise BackupPlanError(Problem("--seeds", "", "", "expected at least 1 seed"))
    try:
        seeds = seeds_from(scenario, 2 * n_seeds, None)
    except SweepError as exc:
        raise BackupPlanError(exc.problems) from None
    return seeds[:n_seeds], seeds[n_seeds:]


def check_k(k: int, n_candidates: int, where: str) -> None:
    """Raise :class:`BackupPlanError` unless ``1 <= k <= n_candidates``."""
    if k < 1:
        raise BackupPlanError(Problem("--generators", "", "", f"expected at least 1, got {k}"))
    if k > n_candidates:
        msg = f"{k} generators but only {n_candidates} candidate sites in {where}"
        raise BackupPlanError(Problem("--generators", "", "", msg))


def plan_backups(
    city: City,
    scenario: Scenario,
    k: int,
    n_seeds: int = 4,
    kw_each: float = KW_EACH,
    candidates: Sequence[int] | None = None,
    shortlist_size: int = SHORTLIST,
    swap_passes: int = 0,
    store: RunStore | None = None,
    source: SweepSource | None = None,
    on_run: OnRun | None = None,
    sites: pd.DataFrame | None = None,
    scheduler: str | None = None,
) -> BackupPlan:
    """Choose ``k`` generator sites (see the module docstring).

    Parameters
    ----------
    city : City
        Not modified.
    scenario : Scenario
    k : int
        Generators to place.
    n_seeds : int
        Choosing seeds; as many fresh seeds evaluate the result.
    kw_each : float
        Rating of each generator [kW].
    candidates : sequence of int, optional
        Positions into ``sites`` to choose from (default: every eligible site).
    shortlist_size : int
        Sites kept by the screening step (at least the baseline's ``k``).
    swap_passes : int
        Passes of swap refinement after lazy greedy (0: none).
    store : RunStore, optional
        Run store of every simulation.
    source : SweepSource, optional
        The command, city folder and scenario file in the store's ``sweeps`` table (default:
        ``plan backups`` and the city's and scenario's names).
    on_run : callable, optional
        Progress (:data:`~coldstart.plan.ensemble.OnRun`).
    sites : pandas.DataFrame, optional
        :func:`~coldstart.plan.sites.candidate_sites` of ``city`` and ``kw_each`` if made.
    scheduler : str, optional
        Dask scheduler the runs go to (:class:`~coldstart.plan.ensemble.Ensemble`).

    Returns
    -------
    BackupPlan
    """
    choose, fresh = split_seeds(scenario, n_seeds)
    if sites is None:
        sites = candidate_sites(city, kw_each)
    pool = list(range(len(sites))) if candidates is None else list(candidates)
    check_k(k, len(pool), "the city" if candidates is None else "the candidates file")
    base = [pool[i] for i in largest_first(sites.iloc[pool], k)]
    screened = [
        pool[i] for i in shortlist(sites.iloc[pool], shortlist_size, [pool.index(b) for b in base])
    ]
    ens = Ensemble(
        city, scenario, sites, kw_each, MOBILE_TANK_H, store, source, on_run, scheduler=scheduler
    )
    cost = ens.cost(choose)
    chosen = lazy_greedy(screened, k, cost, coupled_sites(sites))
    swaps = 0
    if swap_passes:
        chosen, swaps = swap_refine(screened, chosen, cost, swap_passes)
    kept = cost(tuple(sorted(base))) < cost(tuple(sorted(chosen)))
    if kept:
        chosen = list(base)
    # what each site adds to the ones before it, on the choosing seeds (greedy's prefixes are
    # memoised; after swaps or with the baseline kept, a few new prefixes are run)
    marginal = tuple(
        cost(tuple(sorted(chosen[:i]))) - cost(tuple(sorted(chosen[: i + 1])))
        for i in range(len(chosen))
    )
    ids = lambda pos: [str(s) for s in sites.site_id.iloc[list(pos)]]  # noqa: E731
    arms = {
        name: Arm(ids(pos), ens.per_seed(pos, fresh), cost(tuple(sorted(pos))))
        for name, pos in (("plan", chosen), ("baseline", base), ("as_is", []))
    }
    return BackupPlan(
        sites, pool, screened, list(chosen), base, arms["plan"], arms["baseline"],
        arms["as_is"], choose, fresh, swaps, kept, float(kw_each), MOBILE_TANK_H,
        ens.simulated, ens.reused, marginal,
    )  # fmt: skip
