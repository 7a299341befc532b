"""``coldstart compare``: dispatch policies on the same damage over several seeds."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from coldstart.cli import (
    AllowOutside,
    app,
    city_inputs,
    compile_checked,
    out,
    print_table,
    scenario_on_city,
)
from coldstart.cli.sweep_options import MAX_WORKERS, Scheduler, check_store_target, progress_bar
from coldstart.report.fmt import count_text, format_censored_mean

HOURS_KEYS = ("hours_to_restore_heat_95pct", "hours_to_restore_power_95pct")
"""Times to restore: a run that did not get there within the horizon is a lower bound."""


@app.command()
def compare(
    city_dir: Annotated[Path, typer.Argument(help="city folder")],
    scenario_file: Annotated[Path, typer.Argument(help="scenario TOML file")],
    policies: Annotated[str, typer.Option(help="comma-separated dispatch policies")] = (
        "fifo,nearest,greatest_benefit"
    ),
    seeds: Annotated[int, typer.Option(min=1, max=1000, help="runs per policy")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    workers: Annotated[
        int,
        typer.Option(
            min=1, max=MAX_WORKERS, help="Dask worker processes (1: in this process, no cluster)"
        ),
    ] = 1,
    scheduler: Scheduler = None,
    store: Annotated[
        Path | None,
        typer.Option(help="also keep every run in this run store (runs found there are reused)"),
    ] = None,
    allow_outside: AllowOutside = False,
) -> None:
    """Run each dispatch policy on the same damage for SEEDS seeds; print mean and spread.

    The runs are a sweep (see `coldstart sweep`): --workers or --scheduler spread them over
    Dask workers, --store keeps them in a run store.
    """
    from coldstart.city import load_city
    from coldstart.scenario import load_scenario
    from coldstart.scenario.weather import outdoor_temperature_c
    from coldstart.sweep.compare import compare_policies
    from coldstart.sweep.execute import check_scheduler
    from coldstart.sweep.plan import consecutive_seeds, policies_from
    from coldstart.sweep.store import RunStore, SweepSource

    names = policies_from(policies, None)  # unknown ones: exit 2 with a suggestion
    scenario = load_scenario(scenario_file)
    if store is not None:
        weather = [Path(scenario.weather.csv)] if scenario.weather.csv else []
        check_store_target(store, (*city_inputs(city_dir, allow_outside), scenario_file, *weather))
    outdoor_temperature_c(scenario)  # weather problems before the store is made
    city = load_city(city_dir, allow_outside=allow_outside)
    compiled = compile_checked(city, str(city_dir))  # once, for every run
    scenario_on_city(scenario, city, str(scenario_file))
    seed_list = consecutive_seeds(scenario.seed, seeds)  # none past 2**63 - 1
    if scheduler is not None:
        check_scheduler(scheduler)  # reachable, before the store is made
    with contextlib.ExitStack() as stack:
        runs_store = None if store is None else stack.enter_context(RunStore(store))
        bar = stack.enter_context(progress_bar("comparing"))
        task = bar.add_task("cmp", total=len(names) * seeds, failed=0)
        res = compare_policies(
            compiled,
            scenario,
            names,
            seed_list,
            lambda d, n: bar.update(task, completed=d, total=n),  # n: runs not in the store
            workers=workers,
            scheduler=scheduler,
            store=runs_store,
            source=SweepSource("compare", str(city_dir), str(scenario_file)),
        )
    if as_json:
        out.print_json(json.dumps(res))
        return
    t = Table(title=f"dispatch policies over {count_text(seeds, 'seed')} (mean ± sd)")
    t.add_column("policy")
    for col in ("person-h < 12 °C", "h to 95 % heat", "h to 95 % power", "energy not served MWh"):
        t.add_column(col, justify="right")

    def ms(r: dict, key: str, fmt: str) -> str:
        return f"{r[key + '_mean']:{fmt}} ± {r[key + '_std']:{fmt}}"

    def hours(r: dict, key: str) -> str:  # unreached: a lower bound, "≥ 48 (3/3 not reached)"
        return format_censored_mean(r[key + "_mean"], r[key + "_std"], r[key + "_censored"],
                                    r["runs"])  # fmt: skip

    for pol, r in res.items():
        t.add_row(
            pol,
            ms(r, "person_hours_below_12c", ",.0f"),
            hours(r, "hours_to_restore_heat_95pct"),
            hours(r, "hours_to_restore_power_95pct"),
            ms(r, "energy_not_served_mwh", ",.1f"),
        )
    print_table(t)
    first = names[0]
    for pol in names[1:]:
        d = res[pol][f"person_hours_below_12c_paired_diff_vs_{first}_mean"]
        wins = res[pol][f"seeds_better_than_{first}"]
        ties = res[pol][f"seeds_equal_to_{first}"]
        tied = f", equal on {ties}" if ties else ""
        out.print(
            f"{pol} vs {first}, same damage: {d:+,.0f} person-hours below 12 °C on average; "
            f"better on {wins}{tied} of {count_text(seeds, 'seed')}"
        )
    if any(r[f"{k}_censored"] for r in res.values() for k in HOURS_KEYS):
        out.print(
            "≥: some runs did not get there within the horizon; they count as the horizon, so "
            "the figure is a lower bound",
            soft_wrap=True,
        )
