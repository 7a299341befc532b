"""``coldstart plan value``: what one more resource of each kind saves, paired over seeds.

Each *variant* is a copy of the scenario (or, for a generator, of the city) with one resource
added; the input scenario and city are never changed:

- one more repair crew of each type (``crews.<type>`` + 1);
- ten more interceptors of each threat type whose stock is finite (``interceptors.stock``; a
  threat without a stock key has an unlimited one, and ten more change nothing: left out);
- one more mobile generator of ``kw_each`` kW (:data:`coldstart.plan.backups.MOBILE_TANK_H`
  hours of fuel) at the best single site: every site of the screening shortlist of
  ``plan backups`` (:func:`coldstart.plan.sites.shortlist`) simulated on *site-choosing* seeds
  that are not the evaluation seeds, the one with the lowest mean person-hours below 12 degC
  kept, then judged on the evaluation seeds like every other variant;
- a truce of 24, 72 and 168 hours from the first wave: a truce window from just after the
  first wave's hour to that hour plus the duration, so that every later wave that starts
  inside it does not come (:func:`coldstart.scenario.strikes.in_truce`); truces that cancel
  the same waves within the horizon give the same runs and are one variant (the shortest);
- 100 MW more import from the national grid: ``grid.national_import_mw`` and every entry of
  ``grid.import_schedule`` + 100 MW (without a cap, the city imports what it needs: left out).

The baseline and every variant run on the same evaluation seeds (``scenario.seed + 0 .. N-1``,
the seeds ``coldstart sweep --seeds N`` runs; common random numbers [LAW-2015]), so each
variant's *saving* per seed (baseline minus variant) is its own doing; the mean saving gets a
paired-t confidence interval (:func:`coldstart.sweep.stats.paired_interval`). Variants are
ranked by the mean saving of person-hours below 12 degC.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from coldstart.city.model import City
from coldstart.errors import InputError, Problem
from coldstart.scenario.model import CREW_TYPES, Scenario, Window
from coldstart.scenario.strikes import THREATS
from coldstart.sweep.store import RunStore, SweepSource

FIGURES = ("person_hours_below_12c", "blocks_lost_heat", "energy_not_served_mwh")
"""Figures of the runs' summaries whose saving is reported; the first ranks the variants."""

FIGURE_LABELS = {
    "person_hours_below_12c": "person-hours below 12 °C",
    "blocks_lost_heat": "blocks without heat",
    "energy_not_served_mwh": "energy not served, MWh",
}
"""How the figures are named in tables and charts."""

MORE_INTERCEPTORS = 10
"""Interceptors added per threat type."""

TRUCE_H = (24.0, 72.0, 168.0)
"""Durations of the truce variants from the first wave [h]."""

MORE_IMPORT_MW = 100.0
"""Import capacity added by the import variant [MW]."""

SITE_SEEDS = 4
"""Default number of site-choosing seeds of the generator variant."""


class ValuePlanError(InputError):
    """A seed count or option ``plan value`` cannot use."""


@dataclass(frozen=True)
class Variant:
    """One resource added.

    Parameters
    ----------
    key : str
        Short id (``crews.plumbing+1``, ``truce.72h``, ...).
    group : str
        ``crews``, ``interceptors``, ``generator``, ``truce`` or ``import``.
    label : str
        What was added, in words.
    change : str
        What it changes in the scenario or city, in words.
    scenario : Scenario
        The scenario of its runs (the input's own for the generator).
    """

    key: str
    group: str
    label: str
    change: str
    scenario: Scenario


def _copy(scenario: Scenario, where: str, section: str, **update) -> Scenario:
    """``scenario`` with keys of one section replaced, validated again (input unchanged).

    Raises
    ------
    ValuePlanError
        The model refuses the new value (e.g. a count beyond its bound), naming ``where`` (the
        scenario file) and the key.
    """
    from pydantic import ValidationError

    doc = scenario.model_dump()
    doc[section] = {**doc[section], **update}
    try:
        return Scenario.model_validate(doc)
    except ValidationError as exc:
        e = exc.errors()[0]
        key = ".".join(str(p) for p in e["loc"])
        raise ValuePlanError(Problem(where, "", key, f"cannot add one: {e['msg']}")) from None


def _truces(scenario: Scenario) -> tuple[list[Variant], list[dict]]:
    """The truce variants, or why there are none.

    Truces that cancel the same waves within the horizon (a 72 h and a 168 h truce on a 48 h
    run) give the same runs: they are one variant, the shortest, simulated once and labelled
    ``truce ≥ 72 h (equal within the 48 h horizon)`` (``truce 24–72 h ...`` when a longer one
    differs). A truce that cancels no wave (none comes within it) gives the scenario's own
    runs: it is left out, with why, as an unlimited interceptor stock is.
    """
    if not scenario.strikes:
        return [], [{"key": "truce", "why": "the scenario has no strike wave"}]
    first = min(w.at_h for w in scenario.strikes)
    start = math.nextafter(first, math.inf)  # the first wave itself still comes
    same: dict[tuple[int, ...], list[float]] = {}  # waves cancelled -> truce durations
    for hours in TRUCE_H:
        # every wave comes before the horizon (the model's check): the same waves cancelled,
        # the same runs
        gone = tuple(i for i, w in enumerate(scenario.strikes) if start <= w.at_h < first + hours)
        same.setdefault(gone, []).append(hours)
    out, left_out = [], []
    if () in same:  # a truce that cancels no wave changes nothing: left out, not simulated
        later = sorted(w.at_h for w in scenario.strikes if w.at_h >= start)
        why = (
            f"cancels no wave: the next after the first comes at {later[0]:g} h"
            if later
            else "cancels no wave: every wave comes at the first one's hour"
            if len(scenario.strikes) > 1
            else "cancels no wave: the scenario has one wave"
        )
        left_out = [{"key": f"truce.{h:g}h", "why": why} for h in same.pop(())]
    for gone, durations in same.items():
        hours = durations[0]
        window = Window(start_h=start, end_h=first + hours)
        doc = scenario.model_dump()
        doc["truces"] = [*doc["truces"], window.model_dump()]
        sc = Scenario.model_validate(doc)
        waves = [scenario.strikes[i] for i in gone]
        said = ", ".join(f"{w.name or 'wave'} at {w.at_h:g} h" for w in waves) or "none"
        change = (
            f"no wave from {first:g} h (after the first) until {first + hours:g} h; "
            f"waves that do not come: {said}"
        )
        label = f"truce {hours:g} h"
        if len(durations) > 1:
            last = durations[-1]
            # "≥": every longer truce too, when the longest already runs past the horizon
            whole = last == TRUCE_H[-1] and first + last >= scenario.horizon_h
            span = f"≥ {hours:g}" if whole else f"{hours:g}–{last:g}"
            label = f"truce {span} h (equal within the {scenario.horizon_h:g} h horizon)"
            listed = ", ".join(f"{h:g}" for h in durations[:-1]) + f" and {durations[-1]:g}"
            change += (
                f"; truces of {listed} h cancel the same waves within the "
                f"{scenario.horizon_h:g} h horizon: simulated once"
            )
        out.append(Variant(f"truce.{hours:g}h", "truce", label, change, sc))
    return out, left_out


def _import(scenario: Scenario, where: str) -> tuple[list[Variant], list[dict]]:
    """The import variant, or why there is none."""
    g = scenario.grid
    if g.national_import_mw is None and not g.import_schedule:
        why = "no import cap (grid.national_import_mw): the city imports what it needs"
        return [], [{"key": "import+100MW", "why": why}]
    more = MORE_IMPORT_MW
    cap = None if g.national_import_mw is None else g.national_import_mw + more
    sched = [(h, mw + more) for h, mw in g.import_schedule]
    sc = _copy(scenario, where, "grid", national_import_mw=cap, import_schedule=sched)
    was = "none" if g.national_import_mw is None else f"{g.national_import_mw:g} MW"
    change = f"grid.national_import_mw {was} -> {'none' if cap is None else f'{cap:g} MW'}"
    if sched:
        change += f", every import_schedule entry + {more:g} MW"
    return [Variant("import+100MW", "import", f"+{more:g} MW import", change, sc)], []


def scenario_variants(
    scenario: Scenario, where: str = "scenario"
) -> tuple[list[Variant], list[dict]]:
    """Every variant that changes the scenario, and the ones left out with why (``where``:
    the scenario file, named by an error).

    Returns
    -------
    variants : list of Variant
        Crews, interceptors, truces, import, in that order.
    left_out : list of dict
        ``key`` and ``why`` of each resource that cannot change anything here.
    """
    out, left_out = [], []
    for crew in CREW_TYPES:
        n = getattr(scenario.crews, crew)
        sc = _copy(scenario, where, "crews", **{crew: n + 1})
        change = f"crews.{crew} {n} -> {n + 1}"
        out.append(Variant(f"crews.{crew}+1", "crews", f"+1 {crew} crew", change, sc))
    stock = scenario.interceptors.stock
    for threat in THREATS:
        key = f"interceptors.{threat}+{MORE_INTERCEPTORS}"
        if threat not in stock:
            left_out.append({"key": key, "why": f"unlimited {threat} interceptor stock"})
            continue
        more = {**stock, threat: stock[threat] + MORE_INTERCEPTORS}
        sc = _copy(scenario, where, "interceptors", stock=more)
        change = f"interceptors.stock.{threat} {stock[threat]} -> {more[threat]}"
        label = f"+{MORE_INTERCEPTORS} {threat} interceptors"
        out.append(Variant(key, "interceptors", label, change, sc))
    for part in (_truces(scenario), _import(scenario, where)):
        out += part[0]
        left_out += part[1]
    return out, left_out


def seed_split(scenario: Scenario, n_seeds: int, site_seeds: int) -> tuple[list[int], list[int]]:
    """Evaluation seeds ``scenario.seed + 0 .. N-1`` and site-choosing seeds after them.

    Raises
    ------
    ValuePlanError
        Fewer than 2 evaluation seeds (no confidence interval), fewer than 1 site-choosing
        seed, or seeds beyond 2**63 - 1.
    """
    from coldstart.sweep.plan import SweepError, seeds_from

    if n_seeds < 2:
        msg = f"expected at least 2 seeds for a confidence interval, got {n_seeds}"
        raise ValuePlanError(Problem("--seeds", "", "", msg))
    if site_seeds < 1:
        msg = f"expected at least 1, got {site_seeds}"
        raise ValuePlanError(Problem("--site-seeds", "", "", msg))
    try:
        seeds = seeds_from(scenario, n_seeds + site_seeds, None)
    except SweepError as exc:
        raise ValuePlanError(exc.problems) from None
    return seeds[:n_seeds], seeds[n_seeds:]


OnRun = Callable[[int], None]
"""``on_run(runs)`` after each run simulated or read back, with the count so far."""


@dataclass
class Counter:
    """Runs simulated and read back from the store, reported to a progress callback."""

    on_run: OnRun | None = None
    simulated: int = 0
    reused: int = 0

    def tick(self, done_now: int) -> None:
        """Report ``done_now`` runs of the current sweep on top of the earlier ones."""
        if self.on_run is not None:
            self.on_run(self.simulated + self.reused + done_now)


def run_scenario_variants(
    city: City,
    scenario: Scenario,
    variants: list[Variant],
    seeds: list[int],
    store: RunStore | None,
    workers: int,
    counter: Counter,
    source: SweepSource,
) -> dict[str, pd.DataFrame]:
    """The baseline and every scenario variant on ``seeds``: one sweep of one compiled city.

    Returns
    -------
    dict
        Per variant key (``""``: the baseline) the runs in seed order (:data:`FIGURES`).

    Raises
    ------
    RuntimeError
        A run failed (a bug of the simulation, reported with its error).
    """
    from coldstart.compiled import compile_city
    from coldstart.sweep.engine import run_sweep
    from coldstart.sweep.plan import build_plan, city_digest, variant_text

    named = [({}, scenario)] + [({"value": v.key}, v.scenario) for v in variants]
    plan = build_plan(city_digest(city), scenario, seeds, [scenario.policies.dispatch],
                      variants=named)  # fmt: skip
    if store is not None:
        store.add_sweep(plan, source, scenario.name)
    swept = run_sweep(compile_city(city), plan, store, workers,
                      progress=lambda done, failed: counter.tick(done))  # fmt: skip
    counter.simulated += swept.done_now
    counter.reused += swept.skipped
    counter.tick(0)
    runs = swept.runs
    bad = runs[runs.status != "ok"]
    if len(bad):
        raise RuntimeError(f"a run failed: {str(bad.error.iat[0]).splitlines()[0]}")
    out = {}
    for var, key in [({}, "")] + [({"value": v.key}, v.key) for v in variants]:
        rows = runs[runs.variant == variant_text(var)].set_index("seed")
        out[key] = rows.loc[list(seeds), list(FIGURES)].reset_index()
    return out


@dataclass(frozen=True)
class GeneratorChoice:
    """The best single site of one more mobile generator, and its runs.

    Parameters
    ----------
    variant : Variant
        The generator variant (its scenario is the input's own).
    site_id, kind : str
        The chosen site and its kind.
    shortlist_means : dict
        Mean person-hours below 12 degC on the site-choosing seeds, per shortlisted site id
        [person-h].
    runs : pandas.DataFrame
        ``seed`` and :data:`FIGURES` on the evaluation seeds, with the generator.
    """

    variant: Variant
    site_id: str
    kind: str
    shortlist_means: dict[str, float]
    runs: pd.DataFrame


def best_generator(
    city: City,
    scenario: Scenario,
    seeds: list[int],
    site_seeds: list[int],
    kw_each: float,
    shortlist_size: int,
    store: RunStore | None,
    counter: Counter,
    source: SweepSource,
) -> GeneratorChoice | None:
    """One more generator at the best single site (see the module docstring).

    Returns
    -------
    GeneratorChoice or None
        None when no site can take a generator of ``kw_each`` kW.
    """
    from coldstart.plan.backups import MOBILE_TANK_H
    from coldstart.plan.ensemble import Ensemble
    from coldstart.plan.sites import candidate_sites, largest_first, shortlist

    sites = candidate_sites(city, kw_each)
    if not len(sites):
        return None
    screened = shortlist(sites, shortlist_size, largest_first(sites, 1))
    before = counter.simulated + counter.reused
    tick = None if counter.on_run is None else (lambda n: counter.on_run(before + n))
    # a site's few runs go in this process: a cluster per site would cost more than they do
    ens = Ensemble(city, scenario, sites, kw_each, MOBILE_TANK_H, store, source, tick)
    means = {p: float(ens.per_seed([p], site_seeds).mean()) for p in screened}
    best = min(screened, key=lambda p: (means[p], p))
    runs = pd.DataFrame({"seed": seeds})
    for f in FIGURES:
        runs[f] = ens.figure([best], seeds, f)
    counter.simulated += ens.simulated
    counter.reused += ens.reused
    sid, kind = str(sites.site_id.iat[best]), str(sites.kind.iat[best])
    change = (
        f"a {kw_each:,.0f} kW mobile generator with {MOBILE_TANK_H:g} h of fuel at {sid} "
        f"({kind}), the best of {len(screened)} shortlisted sites on {len(site_seeds)} "
        "other seeds"
    )
    variant = Variant("generator+1", "generator", f"+1 generator at {sid}", change,
                      scenario)  # fmt: skip
    ids = {p: str(sites.site_id.iat[p]) for p in screened}
    return GeneratorChoice(variant, sid, kind, {ids[p]: m for p, m in means.items()}, runs)


def saving(base: pd.DataFrame, runs: pd.DataFrame) -> dict[str, dict]:
    """Per figure of :data:`FIGURES`: the saving (baseline minus variant) on the same seeds.

    Parameters
    ----------
    base, runs : pandas.DataFrame
        ``seed`` and the figures of the baseline and the variant, in the same seed order.

    Returns
    -------
    dict
        Per figure: ``saved_mean``, ``ci_low``, ``ci_high`` (paired-t, 95 %), ``saved_std``,
        ``share_better`` (seeds where the variant is lower), ``variant_mean`` and
        ``saved_per_seed``, in the figure's unit.
    """
    from coldstart.sweep.stats import json_number, paired_interval

    if list(base.seed) != list(runs.seed):
        raise ValueError("baseline and variant must be run on the same seeds, in order")
    out = {}
    for f in FIGURES:
        d = base[f].to_numpy(float) - runs[f].to_numpy(float)
        ci = paired_interval(d)
        out[f] = {
            "saved_mean": json_number(ci["mean"]),
            "ci_low": json_number(ci["ci_low"]),
            "ci_high": json_number(ci["ci_high"]),
            "saved_std": json_number(ci["std"]),
            "share_better": float(np.mean(d > 0)),
            "variant_mean": float(runs[f].mean()),
            "saved_per_seed": [float(x) for x in d],
        }
    return out


@dataclass(frozen=True)
class ValuePlan:
    """What :func:`plan_value` found (see the module docstring)."""

    scenario: Scenario
    seeds: list[int]
    site_seeds: list[int]
    baseline: pd.DataFrame
    variants: list[Variant]
    runs: dict[str, pd.DataFrame]
    left_out: list[dict]
    generator: GeneratorChoice | None
    kw_each: float
    runs_simulated: int
    runs_reused: int

    def ranked(self) -> list[dict]:
        """Every variant with its savings (:func:`saving`), best first by the first figure
        (ties: crews, interceptors, truces, import, generator)."""
        rows = [
            {"key": v.key, "group": v.group, "label": v.label, "change": v.change,
             **saving(self.baseline, self.runs[v.key])}
            for v in self.variants
        ]  # fmt: skip
        first = FIGURES[0]
        rows.sort(key=lambda r: -(r[first]["saved_mean"] or 0.0))
        return [{"rank": i + 1, **r} for i, r in enumerate(rows)]

    def payload(self) -> dict:
        """The JSON document (``--json`` and ``value.json``)."""
        from coldstart.sweep.stats import CONFIDENCE

        base = {
            f: {
                "mean": float(self.baseline[f].mean()),
                "std": float(self.baseline[f].std(ddof=1)),
                "per_seed": [float(x) for x in self.baseline[f]],
            }
            for f in FIGURES
        }
        g = self.generator
        gen = None
        if g is not None:
            gen = {"site_id": g.site_id, "kind": g.kind, "kw_each": self.kw_each,
                   "shortlist_means_on_site_seeds": g.shortlist_means}  # fmt: skip
        return {
            "scenario": self.scenario.name,
            "policy": self.scenario.policies.dispatch,
            "seeds": self.seeds,
            "site_choosing_seeds": self.site_seeds,
            "confidence": CONFIDENCE,
            "figures": list(FIGURES),
            "baseline": base,
            "variants": self.ranked(),
            "left_out": self.left_out,
            "generator": gen,
            "runs_simulated": self.runs_simulated,
            "runs_from_store": self.runs_reused,
        }


def table(doc: dict) -> pd.DataFrame:
    """One row per variant of a :meth:`ValuePlan.payload`, ranked (``value.csv``)."""
    rows = []
    for v in doc["variants"]:
        row = {k: v[k] for k in ("rank", "key", "group", "label", "change")}
        for f in doc["figures"]:
            for k in ("saved_mean", "ci_low", "ci_high", "share_better", "variant_mean"):
                row[f"{f}_{k}"] = v[f][k]
        rows.append(row)
    return pd.DataFrame(rows)


def plan_value(
    city: City,
    scenario: Scenario,
    n_seeds: int,
    site_seeds: int = SITE_SEEDS,
    kw_each: float | None = None,
    shortlist_size: int | None = None,
    store: RunStore | None = None,
    workers: int = 1,
    source: SweepSource | None = None,
    on_run: OnRun | None = None,
) -> ValuePlan:
    """The baseline and every variant on the same seeds (see the module docstring).

    Parameters
    ----------
    city : City
        Not modified.
    scenario : Scenario
        Not modified; its dispatch policy is the runs' policy.
    n_seeds : int
        Evaluation seeds (at least 2).
    site_seeds : int
        Seeds choosing the generator's site (after the evaluation seeds).
    kw_each : float, optional
        Rating of the generator [kW] (default :data:`coldstart.plan.backups.KW_EACH`).
    shortlist_size : int, optional
        Sites simulated for the generator (default :data:`coldstart.plan.backups.SHORTLIST`).
    store : RunStore, optional
        Run store of every simulation (runs stored before are read back).
    workers : int
        Worker processes of the scenario variants' sweep (1: in this process); the generator's
        runs, a few per site, always run in this process.
    source : SweepSource, optional
        The command, city folder and scenario file in the store's ``sweeps`` table (default:
        ``plan value`` and the city's and scenario's names).
    on_run : callable, optional
        Progress: ``on_run(runs)`` with the runs done or read back so far.

    Returns
    -------
    ValuePlan
    """
    from coldstart.plan.backups import KW_EACH, SHORTLIST

    kw_each = KW_EACH if kw_each is None else float(kw_each)
    shortlist_size = SHORTLIST if shortlist_size is None else shortlist_size
    seeds, choose = seed_split(scenario, n_seeds, site_seeds)
    variants, left_out = scenario_variants(scenario)
    counter = Counter(on_run)
    source = source or SweepSource("plan value", city.name, scenario.name)
    runs = run_scenario_variants(city, scenario, variants, seeds, store, workers, counter, source)
    base = runs.pop("")
    gen = best_generator(city, scenario, seeds, choose, kw_each, shortlist_size, store, counter,
                         source)  # fmt: skip
    if gen is None:
        why = f"no site without a generator of its own has a load within {kw_each:,.0f} kW"
        left_out.append({"key": "generator+1", "why": why})
    else:
        variants.append(gen.variant)
        runs[gen.variant.key] = gen.runs
    return ValuePlan(scenario, seeds, choose, base, variants, runs, left_out, gen, kw_each,
                     counter.simulated, counter.reused)  # fmt: skip
