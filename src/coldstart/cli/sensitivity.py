"""``coldstart sensitivity``: one-at-a-time sensitivity of a scenario to uncertain parameters."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from coldstart.cli import (
    AllowOutside,
    _fail,
    app,
    city_inputs,
    compile_checked,
    err,
    out,
    print_table,
    scenario_on_city,
)
from coldstart.errors import Problem
from coldstart.report.fmt import count_text
from coldstart.sweep.sensitivity import DEFAULT_METRICS, MAX_SEEDS

COMMAND = "coldstart sensitivity"
"""Name recorded in the manifest of the output folder."""

DEFAULT_SEEDS = 3
"""Seeds per value when --seeds is not given."""


@app.command()
def sensitivity(
    city_dir: Annotated[Path, typer.Argument(help="city folder (with city.toml)")],
    scenario_file: Annotated[Path, typer.Argument(help="scenario TOML file")],
    seeds: Annotated[
        int, typer.Option(help=f"runs per value: seeds scenario.seed + 0..N-1 (1 to {MAX_SEEDS})")
    ] = DEFAULT_SEEDS,
    params: Annotated[
        Path | None,
        typer.Option(
            "--params",
            help="parameter table: CSV with parameter,low,high,unit,source "
            "(default: the built-in table)",
        ),
    ] = None,
    metrics: Annotated[
        list[str] | None,
        typer.Option(
            "--metric",
            help=f"summary key to rank by, repeatable (default: {', '.join(DEFAULT_METRICS)})",
        ),
    ] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out", help="also write sensitivity.json, .csv and .html (tornado charts) here"
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    allow_outside: AllowOutside = False,
) -> None:
    """Run the scenario with each parameter at its low and high value; rank the effects.

    Every parameter of the table is set to its low and then its high value (all others at the
    scenario's own), each over the same seeds as the baseline; the effect on a metric is
    |mean at high - mean at low|. Costs (2 x parameters + 1) x seeds runs.
    """
    from coldstart.city import load_city
    from coldstart.outdir import check_target, owned_output
    from coldstart.scenario import load_scenario
    from coldstart.scenario.weather import outdoor_temperature_c
    from coldstart.sweep.sensitivity import (
        check_metrics,
        read_parameters,
        run_sensitivity,
        seed_list,
        write_sensitivity,
    )

    names = check_metrics(metrics or DEFAULT_METRICS)
    scenario = load_scenario(scenario_file)
    seed_values = seed_list(scenario, seeds)
    weather = [scenario.weather.csv] if scenario.weather.csv else []
    inputs = (*city_inputs(city_dir, allow_outside), scenario_file, *weather)
    inputs += (params,) if params is not None else ()
    if out_dir is not None:
        check_target(out_dir, inputs, command=COMMAND)  # before anything is read at length
        if importlib.util.find_spec("plotly") is None:
            _fail([Problem("--out", "", "", "sensitivity.html needs plotly: pip install plotly")])
    outdoor_temperature_c(scenario)  # weather problems before the long part
    table = read_parameters(params, scenario)  # every refused value before the long part
    city = load_city(city_dir, allow_outside=allow_outside)
    compiled = compile_checked(city, str(city_dir))  # once, for every run
    scenario_on_city(scenario, city, str(scenario_file))
    n_runs = (2 * len(table.parameters) + 1) * len(seed_values)
    err.print(f"{len(table.parameters)} parameters x 2 values + baseline, {seeds} seeds each")

    def go(bar_update) -> dict:
        return run_sensitivity(compiled, scenario, table, seed_values, names, bar_update)

    with Progress(
        TextColumn("[bold]sensitivity[/]"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} runs"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
    ) as bar:
        task = bar.add_task("sens", total=n_runs)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done)

        if out_dir is None:
            result = go(update)
        else:
            # the output folder is claimed (checked, writable) before the runs, swapped in after
            with owned_output(out_dir, command=COMMAND, inputs=inputs) as tmp:
                result = go(update)
                write_sensitivity(result, tmp)
    if as_json:
        out.print_json(json.dumps(result, allow_nan=False))
    else:
        _print_table(result)
    if out_dir is not None and not as_json:
        out.print(f"sensitivity.json, .csv and .html (tornado charts) written to {out_dir}/")


def _fmt(x: float) -> str:
    """A metric value: thousands separators, one decimal below 100."""
    return f"{x:,.1f}" if abs(x) < 100 else f"{x:,.0f}"


KEYS = ("low", "high")
"""The two ends of a parameter's range, as the result document names them."""


def _print_table(result: dict) -> None:
    """The ranked table: one row per parameter, the effect on each metric.

    Parameter names are never cut; printed to a file or pipe the table takes the width it needs.
    """
    metrics = result["metrics"]
    seeds = result["seeds"]
    # the title as a line of its own: over a narrow table Rich would wrap it
    out.print(
        f"sensitivity of '{result['scenario']}' over {count_text(len(seeds), 'seed')}, ranked "
        "by the effect |mean at high - mean at low|"
    )
    t = Table(header_style="bold")
    t.add_column("#", justify="right")
    t.add_column("parameter", no_wrap=True)
    t.add_column("low .. high", justify="right", no_wrap=True)
    for m in metrics:
        t.add_column(f"{m}\nat low → at high", justify="right")
        t.add_column("effect", justify="right")
    for p in result["parameters"]:
        unit = f" {p['unit']}" if p["unit"] not in ("", "-") else ""
        cells = [str(p["rank"]), p["parameter"], f"{p['low']:g} .. {p['high']:g}{unit}"]
        for m in metrics:
            r = p["metrics"][m]
            low, high = (("≥ " if r.get(f"{k}_censored") else "") + _fmt(r[k]) for k in KEYS)
            cells += [f"{low} → {high}", _fmt(r["effect"])]
        t.add_row(*cells)
    print_table(t)
    if any(r.get(f"{k}_censored") for p in result["parameters"] for r in p["metrics"].values()
           for k in KEYS):  # fmt: skip
        out.print(
            "≥: a time not reached within the horizon counts as the horizon in the mean, so "
            "the mean is a lower bound (--json: low_censored, high_censored runs)",
            soft_wrap=True,
        )
    for m in metrics:
        b = result["baseline"][m]
        spread = f"sd over seeds {_fmt(b['sd'])}" if len(seeds) > 1 else "one seed: no spread"
        out.print(f"baseline {m}: {_fmt(b['mean'])} ({spread})")
