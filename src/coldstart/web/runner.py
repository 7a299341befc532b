"""What the dashboard's jobs do: one run with its files, or a sweep, on the sweep executor.

Both go through :func:`coldstart.sweep.execute.execute`, the executor of ``coldstart sweep``
(in this process with one worker, else on a local or remote Dask cluster), each run stored as
it arrives. A run is the run a one-seed ``coldstart sweep`` of the same city and scenario would
do (same plan, same run id, same row in the store), done by :func:`run_with_temperatures`
instead of :func:`~coldstart.sweep.run.run_one`: in this process its progress is seen step by
step; besides the store's row and timeline it keeps an output folder like ``coldstart run``
writes (report included) plus ``temperatures.parquet``: every building's indoor air
temperature at the end of every hour, for the map's time slider.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from coldstart.compiled import CompiledCity
from coldstart.errors import Problem, ScenarioError
from coldstart.sweep.plan import RunSpec, SweepPlan
from coldstart.sweep.run import RunOutcome, ShippedCity, error_text
from coldstart.sweep.store import SweepSource
from coldstart.web.cities import CityBook, CityEntry
from coldstart.web.jobs import Job, JobFailed
from coldstart.web.storegate import StoreGate

TEMPERATURES = "temperatures.parquet"
"""Hourly indoor temperatures of a run: ``building_id`` and one column per hour ("1", ...)."""

NETWORK_FILE = "network.parquet"
"""``Result.network`` of a run (lines and mains with their state), for the map."""

SCENARIO_FILE = "scenario.toml"
"""The scenario text of a run, kept in its folder."""

WEB_FILE = "<scenario>"
"""How messages name a scenario sent to the dashboard."""

COMMAND = "coldstart serve"
"""Command recorded in the manifest of a run's output folder."""


@dataclass(frozen=True)
class Planned:
    """A checked request: the city, the scenario and the plan of its runs."""

    entry: CityEntry
    scenario: object
    plan: SweepPlan


def parse_checked(text: str, entry: CityEntry | None):
    """The scenario of ``text`` after every check of ``coldstart scenario check`` (with the
    city when given); returns it and the notes (one line each; the warnings first: a wave naming
    one asset twice).

    Raises
    ------
    coldstart.errors.InputError
        The messages the command line would print; also a weather CSV, which the dashboard
        does not read (a scenario sent over the network names no server files).
    """
    from coldstart.scenario import (
        check_against_city,
        notes_against_city,
        parse_scenario,
        warnings_against_city,
    )
    from coldstart.scenario.weather import outdoor_temperature_c

    scenario = parse_scenario(text, WEB_FILE)
    if scenario.weather.csv is not None:
        msg = "the dashboard reads no weather file; give the weather in the scenario"
        raise ScenarioError(Problem(WEB_FILE, "key 'weather.csv'", "", msg))
    outdoor_temperature_c(scenario)
    notes: list[str] = []
    if entry is not None:
        problems = check_against_city(scenario, entry.city, WEB_FILE)
        if problems:
            raise ScenarioError(problems)
        found = warnings_against_city(scenario, entry.city, WEB_FILE)
        found += notes_against_city(scenario, entry.city, WEB_FILE)
        notes = [str(n) for n in found]
    from coldstart.scenario.check import windows_after_horizon

    notes += [str(n) for n in windows_after_horizon(scenario, WEB_FILE)]  # (as the CLI says)
    return scenario, notes


def plan_request(
    book: CityBook, city: str, text: str, seeds: list[int] | None, policies: list[str] | None
) -> Planned:
    """Check a run or sweep request and plan its runs (nothing runs).

    Raises
    ------
    KeyError
        Unknown city.
    coldstart.errors.InputError
        A bad scenario, seed or policy (the command line's messages).
    """
    from coldstart.sweep.plan import build_plan, policies_from, seeds_from

    entry = book.get(city)
    scenario, _ = parse_checked(text, entry)
    seed_values = seeds if seeds else seeds_from(scenario, 1, None)
    names = (
        policies_from(",".join(policies), scenario) if policies else policies_from(None, scenario)
    )
    return Planned(entry, scenario, build_plan(entry.digest, scenario, seed_values, names))


class HourlyTemps:
    """Keeps ``run.home.ta`` (building-average indoor air [°C]) at the end of each hour."""

    def __init__(self) -> None:
        self.ids: np.ndarray | None = None
        self.hours: list[int] = []
        self.temps: list[np.ndarray] = []

    def __call__(self, run, k: int) -> None:
        end_h = (k + 1) * run.clock.dt_h
        hour = round(end_h)
        if abs(end_h - hour) < 1e-6:
            if self.ids is None:
                self.ids = np.asarray(run.homes.ids)
            self.hours.append(hour)
            self.temps.append(np.round(run.home.ta, 2).astype(np.float32))

    def frame(self) -> pd.DataFrame:
        """``building_id`` and one column per hour."""
        cols = {str(h): t for h, t in zip(self.hours, self.temps, strict=True)}
        return pd.DataFrame({"building_id": self.ids, **cols})


def _view_doc(result) -> dict:
    """The run's headline and story (HTML of the report's narrative) for the page."""
    from coldstart.report.html import headline_sentences
    from coldstart.report.narrative import story

    lead, more = headline_sentences(result)
    return {
        "lead": lead,
        "more": more,
        "story": [{"heading": h, "html": p} for h, p in story(result)],
        "meta": {k: v for k, v in (result.meta or {}).items() if isinstance(v, str | int | float)},
    }


@dataclass(frozen=True)
class WebOutcome(RunOutcome):
    """A run's outcome with what the dashboard keeps besides the store's row: the Result
    (files, story) and the hourly indoor temperatures (None when the run failed)."""

    result: object = None
    temperatures: pd.DataFrame | None = None


def run_with_temperatures(
    cc: CompiledCity | ShippedCity, scenario, seed: int, run_id: str, progress=None
) -> WebOutcome:
    """The dashboard's task for :func:`coldstart.sweep.execute.execute` (what
    :func:`~coldstart.sweep.run.run_one` is to a sweep): one run, its Result and its hourly
    indoor temperatures; a failure comes back as an outcome, never raised. ``progress(k, n)``
    after each step when it runs in this process."""
    from coldstart.simulate import simulate

    started = datetime.now(UTC)
    temps = HourlyTemps()
    try:
        city = cc.compiled() if isinstance(cc, ShippedCity) else cc
        result = simulate(city, scenario, seed=seed, progress=progress, observe=temps)
    except Exception as exc:  # stored as a failed run, like a sweep's
        return WebOutcome(run_id, "error", started, datetime.now(UTC), error=error_text(exc))
    return WebOutcome(
        run_id, "ok", started, datetime.now(UTC), dict(result.summary), result.timeline,
        result=result, temperatures=temps.frame(),
    )  # fmt: skip


def in_process(workers: int, scheduler: str | None) -> bool:
    """True when the executor runs in this process (one worker, no scheduler)."""
    return workers == 1 and scheduler is None


def executor_city(book: CityBook, entry: CityEntry, workers: int, scheduler):
    """The compiled city to hand the executor: the server's in this process, a fresh copy
    (never run on, so that it pickles) for Dask."""
    return entry.compiled if in_process(workers, scheduler) else book.fresh_compiled(entry.name)


def run_job(
    job: Job, book: CityBook, gate: StoreGate, runs_dir: Path, workers: int = 1, scheduler=None
) -> None:
    """Do a run job on the executor of ``coldstart sweep`` (step progress when it runs in
    this process), then write its folder and store it."""
    from functools import partial

    from coldstart.sweep.execute import execute

    req = job.request
    planned = plan_request(book, req["city"], req["scenario"], [req["seed"]], None)
    spec = planned.plan.runs[0]
    job.total = planned.scenario.steps

    def progress(k: int, n: int) -> None:
        job.done, job.total = k, n

    here = in_process(workers, scheduler)
    task = partial(run_with_temperatures, progress=progress) if here else run_with_temperatures
    outcomes: list[WebOutcome] = []
    cc = executor_city(book, planned.entry, workers, scheduler)
    execute(cc, [spec], lambda _, o: outcomes.append(o), workers, scheduler, task=task)
    outcome = outcomes[0]
    if outcome.status == "ok":
        _write_folder(runs_dir / spec.run_id, outcome, req["scenario"])
    _store(gate, planned, spec, outcome, runs_dir)
    if outcome.status != "ok":
        raise JobFailed(outcome.error.splitlines()[0])


def _write_folder(folder: Path, outcome: WebOutcome, scenario_text: str) -> None:
    """The run's output folder: what ``coldstart run`` writes plus the dashboard's files."""
    from coldstart.outdir import owned_output

    result = outcome.result
    with owned_output(folder, command=COMMAND) as tmp:
        result.write_into(tmp, report=True, made_utc=datetime.now(UTC))
        outcome.temperatures.to_parquet(tmp / TEMPERATURES, index=False)
        result.network.to_parquet(tmp / NETWORK_FILE, index=False)
        (tmp / SCENARIO_FILE).write_text(scenario_text)
        (tmp / "view.json").write_text(json.dumps(_view_doc(result)))


def _store(gate: StoreGate, planned: Planned, spec: RunSpec, outcome: RunOutcome, runs_dir):
    with gate.open() as store:
        where = str(runs_dir / spec.run_id / SCENARIO_FILE)
        source = SweepSource("dashboard run", planned.entry.name, where)
        store.add_sweep(planned.plan, source, planned.scenario.name)
        store.add(spec, outcome, planned.plan.sweep_id)


def sweep_job(job: Job, book: CityBook, gate: StoreGate, workers: int, scheduler) -> None:
    """Do a sweep job: every run not stored yet on the executor of ``coldstart sweep``."""
    from coldstart.sweep.execute import execute

    req = job.request
    planned = plan_request(book, req["city"], req["scenario"], req["seeds"], req["policies"])
    plan = planned.plan
    with gate.open() as store:
        source = SweepSource("dashboard sweep", planned.entry.name, "dashboard")
        store.add_sweep(plan, source, planned.scenario.name)
        stored = store.stored_ids(r.run_id for r in plan.runs)
    todo = [r for r in plan.runs if r.run_id not in stored]
    job.total, job.done = len(plan.runs), len(stored)

    def arrived(spec: RunSpec, outcome: RunOutcome) -> None:
        with gate.open() as store:
            store.add(spec, outcome, plan.sweep_id)
        job.done += 1

    cc = executor_city(book, planned.entry, workers, scheduler)
    execute(cc, todo, arrived, workers=workers, scheduler=scheduler)
