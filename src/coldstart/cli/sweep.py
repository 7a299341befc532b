"""``coldstart sweep``: seeds x policies x variants on Dask, every run kept in a run store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from coldstart.cli import (
    TERMINATED,
    AllowOutside,
    _fail,
    app,
    city_inputs,
    compile_checked,
    err,
    out,
    print_notes,
    print_table,
    scenario_on_city,
)
from coldstart.cli.sweep_options import (
    Scheduler,
    Workers,
    check_store_target,
    default_workers,
    progress_bar,
)
from coldstart.errors import Problem
from coldstart.report.fmt import format_censored_quantiles


def load_inputs(city_dir: Path, scenario_file: Path, allow_outside: bool, variants: list):
    """The city (compiled once) after every variant's weather and asset ids are checked."""
    from coldstart.city import load_city
    from coldstart.scenario.check import scenario_notes
    from coldstart.scenario.weather import outdoor_temperature_c

    for _, sc in variants:
        outdoor_temperature_c(sc)  # weather problems before the long part
    city = load_city(city_dir, allow_outside=allow_outside)
    for k, (_, sc) in enumerate(variants):
        scenario_on_city(sc, city, str(scenario_file), notes=k == 0, own_notes=False)
    # every weather file a variant reads (--vary weather.csv), each note once
    print_notes(
        dict.fromkeys(str(n) for _, sc in variants for n in scenario_notes(sc, str(scenario_file)))
    )
    return city, compile_checked(city, str(city_dir))


@app.command()
def sweep(
    city_dir: Annotated[Path, typer.Argument(help="city folder (with city.toml)")],
    scenario_file: Annotated[Path, typer.Argument(help="scenario TOML file")],
    store: Annotated[Path, typer.Option(help="run store folder (made when absent)")],
    seeds: Annotated[
        int | None,
        typer.Option(help="runs per policy and variant: scenario seed + 0..N-1 (default 10)"),
    ] = None,
    seed_list: Annotated[str | None, typer.Option(help="seeds to run, e.g. 1,5,9")] = None,
    policies: Annotated[
        str | None, typer.Option(help="comma-separated dispatch policies (default: scenario's)")
    ] = None,
    vary: Annotated[
        list[str] | None,
        typer.Option(help="KEY=V1,V2: a scenario key by dotted path and its values; repeatable"),
    ] = None,
    workers: Workers = None,
    scheduler: Scheduler = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    allow_outside: AllowOutside = False,
) -> None:
    """Run seeds x policies x variants of a scenario and keep every run in a run store.

    Every variant is validated before the first run. Runs already in the store are skipped, so
    the same command started again after an interruption does only the rest.
    """
    from coldstart.scenario import load_scenario
    from coldstart.sweep.engine import run_sweep
    from coldstart.sweep.execute import check_scheduler
    from coldstart.sweep.plan import (
        build_plan,
        build_variants,
        city_digest,
        parse_vary,
        policies_from,
        seeds_from,
    )
    from coldstart.sweep.store import RunStore, SweepSource

    if workers is not None and scheduler is not None:
        _fail([Problem("--workers", "", "", "give --workers or --scheduler, not both")])
    scenario = load_scenario(scenario_file)
    seed_values = seeds_from(scenario, seeds, seed_list)
    names = policies_from(policies, scenario)
    variants = build_variants(scenario, [parse_vary(v) for v in vary or []])
    # every weather file a run reads (the scenario's and each --vary weather.csv value)
    csvs = dict.fromkeys(v.weather.csv for _, v in variants if v.weather.csv)
    weather = [Path(c) for c in csvs]
    check_store_target(store, (*city_inputs(city_dir, allow_outside), scenario_file, *weather))
    city, compiled = load_inputs(city_dir, scenario_file, allow_outside, variants)
    plan = build_plan(city_digest(city), scenario, seed_values, names, variants=variants)
    n_workers = workers or default_workers()
    if scheduler is not None:
        threads = check_scheduler(scheduler)  # reachable, before the store is made
        err.print(f"Dask scheduler {scheduler}: {threads} worker threads now")
    with RunStore(store) as runs_store:
        source = SweepSource("sweep", str(city_dir), str(scenario_file))
        runs_store.add_sweep(plan, source, scenario.name)
        todo = len(plan.runs) - len(runs_store.stored_ids(r.run_id for r in plan.runs))
        where = scheduler or (f"{n_workers} local workers" if n_workers > 1 else "this process")
        err.print(f"sweep {plan.sweep_id}: {len(plan.runs):,} runs, {todo:,} to do, on {where}")
        try:
            with progress_bar("sweeping") as bar:
                task = bar.add_task("sweep", total=todo, failed=0)
                swept = run_sweep(
                    compiled,
                    plan,
                    runs_store,
                    n_workers,
                    scheduler,
                    lambda d, f: _tick(bar, task, d, f),
                )
        except BaseException as exc:
            interrupted(runs_store, plan, exc)
    report_sweep(swept, store, as_json)


def _tick(bar, task, done: int, failed: int) -> None:
    """Progress after each run; stop here if a SIGTERM's exception was swallowed."""
    if TERMINATED.is_set():
        raise SystemExit(143)
    bar.update(task, completed=done, failed=failed)


def interrupted(runs_store, plan, exc: BaseException) -> None:
    """After ``exc`` stopped a sweep: on Ctrl-C or SIGTERM say what is kept and exit 130 or
    143 (the runs stored so far stay stored; the same command again does the rest); re-raise
    anything else."""
    if isinstance(exc, KeyboardInterrupt):
        code = 130
    elif TERMINATED.is_set():  # also when the signal surfaced as another exception (DuckDB's)
        code = 143
    else:
        raise exc
    try:
        kept = f"{len(runs_store.stored_ids(r.run_id for r in plan.runs)):,} of "
    except Exception:  # the database is interrupted too: what it committed stays
        kept = "the finished ones among the "
    err.print(
        f"interrupted: {kept}{len(plan.runs):,} runs of this sweep are stored; "
        "the same command again does the rest"
    )
    stop = SystemExit(code)
    stop.reported = True
    raise stop from None


def sweep_document(swept, store: Path) -> dict:
    """The ``--json`` document: counts and the statistics of every group."""
    from coldstart.sweep.plan import variant_text
    from coldstart.sweep.stats import group_stats

    runs = swept.runs
    variants = [variant_text(v) for v in swept.plan.variants]
    return {
        "sweep_id": swept.plan.sweep_id,
        "store": str(store),
        "runs_total": len(swept.plan.runs),
        "runs_done_now": swept.done_now,
        "runs_skipped": swept.skipped,
        "runs_failed": int((runs["status"] != "ok").sum()),
        "seeds": list(swept.plan.seeds),
        "policies": list(swept.plan.policies),
        "variants": list(swept.plan.variants),
        "groups": group_stats(runs, list(swept.plan.policies), variants),
    }


SHOWN = (
    ("person_hours_below_12c", "person-h < 12 °C", ",.0f"),
    ("hours_to_restore_heat_95pct", "h to 95 % heat", ".1f"),
    ("energy_not_served_mwh", "MWh not served", ",.1f"),
)
"""Figures in the printed table: key, heading, format."""


def report_sweep(swept, store: Path, as_json: bool) -> None:
    """Print the sweep's statistics (``--json``: one document)."""
    doc = sweep_document(swept, store)
    if as_json:
        out.print_json(json.dumps(doc, allow_nan=False))
        return
    t = Table(title="median [5 % .. 95 %] over seeds", header_style="bold")
    t.add_column("variant")
    t.add_column("policy")
    t.add_column("runs", justify="right")
    for _, head, _ in SHOWN:
        t.add_column(head, justify="right")
    for g in doc["groups"]:
        var = ", ".join(f"{k}={v}" for k, v in g["variant"].items()) or "as given"
        cells = [var, g["policy"], str(g["runs"])]
        for key, _, fmt in SHOWN:
            s = g["figures"][key]
            if "censored" in s:  # unreached runs: lower bounds, "≥ 48 (3/3 not reached)"
                cells.append(format_censored_quantiles(s, g["runs"]))
            elif s["q50"] is None:
                cells.append("-")
            else:
                cells.append(f"{s['q50']:{fmt}} [{s['q05']:{fmt}} .. {s['q95']:{fmt}}]")
        t.add_row(*cells)
    print_table(t)
    # the shown columns only (the store and --json also keep the power restore times)
    censored = sum(g["figures"][k].get("censored", 0) for g in doc["groups"] for k, *_ in SHOWN)
    runs = sum(g["runs"] for g in doc["groups"])
    if censored:
        out.print(
            f"≥: {censored:,} of {runs:,} runs did not get 95 % of buildings heated again within "
            "the horizon; they count as the horizon, so those figures are lower bounds",
            soft_wrap=True,
        )
    out.print(
        f"{doc['runs_done_now']:,} runs done now, {doc['runs_skipped']:,} found in the store, "
        f"{doc['runs_failed']:,} failed; store: {store}/runs.duckdb (coldstart store query "
        f'{store} "SELECT ..."; coldstart store report {store} --out FILE.html)',
        soft_wrap=True,
    )
