"""``coldstart plan value``: what one more crew, interceptor, generator, truce or import saves."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from coldstart.cli import (
    AllowOutside,
    city_inputs,
    compile_checked,
    out,
    print_table,
    scenario_on_city,
)
from coldstart.cli.people import plan_app
from coldstart.errors import Problem
from coldstart.plan.backups import KW_EACH, SHORTLIST
from coldstart.plan.value import SITE_SEEDS

DEFAULT_SEEDS = 8
"""Evaluation seeds of ``plan value`` by default."""


DECIMALS = {"person_hours_below_12c": 0, "blocks_lost_heat": 1, "energy_not_served_mwh": 1}
"""Decimals printed of each figure's saving."""


def _print(doc: dict, labels: dict[str, str], out_dir: Path) -> None:
    """The ranked table (mean saving +- half the paired-t interval) and a sentence."""
    n = len(doc["seeds"])
    level = f"{doc['confidence']:.0%}"
    title = f"value of resources: saved on {n} paired seeds, mean ± {level} interval"
    t = Table(title=title, header_style="bold")
    t.add_column("#", justify="right")
    t.add_column("resource")
    for f in doc["figures"]:
        t.add_column(f"{labels[f]} saved", justify="right")
    for r in doc["variants"]:
        cells = []
        for f in doc["figures"]:
            s, dec = r[f], DECIMALS.get(f, 1)
            half = (s["ci_high"] - s["ci_low"]) / 2
            mean = s["saved_mean"] + 0.0  # -0.0 prints as 0
            mean = 0.0 if round(mean, dec) == 0 else mean
            cells.append(f"{mean:,.{dec}f} ± {half:,.{dec}f}")
        t.add_row(str(r["rank"]), r["label"], *cells)
    print_table(t)
    for r in doc["variants"]:  # which waves each truce cancels (the table has no room)
        if r.get("group") == "truce":
            out.print(f"{r['label']}: {r['change']}", soft_wrap=True, markup=False)
    base = doc["baseline"][doc["figures"][0]]["mean"]
    left = ", ".join(f"{x['key']} ({x['why']})" for x in doc["left_out"]) or "none"
    out.print(
        f"the scenario as given: {base:,.0f} {labels[doc['figures'][0]]} on average; left out: "
        f"{left}; {doc['runs_simulated']} runs simulated, {doc['runs_from_store']} read from "
        f"the store; written to {out_dir}/",
        soft_wrap=True,
        markup=False,
    )


@plan_app.command("value")
def plan_value_cmd(
    city_dir: Annotated[Path, typer.Argument(help="city folder (with city.toml)")],
    scenario_file: Annotated[Path, typer.Argument(help="scenario TOML file")],
    out_dir: Annotated[Path, typer.Option("--out", help="output folder")],
    seeds: Annotated[
        int, typer.Option(help="seeds every variant and the scenario itself run on")
    ] = DEFAULT_SEEDS,
    site_seeds: Annotated[
        int, typer.Option(help="other seeds on which the generator's best site is chosen")
    ] = SITE_SEEDS,
    kw_each: Annotated[
        float, typer.Option("--kw-each", help="rating of the extra generator [kW]")
    ] = KW_EACH,
    shortlist: Annotated[int, typer.Option(help="sites tried for the extra generator")] = SHORTLIST,
    store: Annotated[
        Path | None, typer.Option(help="run store folder: runs are stored and reused")
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=1024,
            help="worker processes of the variants' runs (1: in this process, no cluster)",
        ),
    ] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
    allow_outside: AllowOutside = False,
) -> None:
    """What one more crew of each type, ten more interceptors of each threat type, one more
    generator at the best site, a truce of 24/72/168 h from the first wave (truces equal within
    the horizon merged) and 100 MW more import each save: person-hours below 12 °C, blocks
    without heat and energy not served, paired over the same --seeds, with 95 % intervals,
    ranked. Writes value.csv, value.json and value.html to --out.
    """
    from coldstart.city import load_city
    from coldstart.outdir import check_target, owned_output
    from coldstart.plan.value import (
        FIGURE_LABELS,
        ValuePlanError,
        scenario_variants,
        seed_split,
        table,
    )
    from coldstart.report.value import render_value
    from coldstart.result import rounded
    from coldstart.scenario import load_scenario
    from coldstart.scenario.weather import outdoor_temperature_c
    from coldstart.sweep.store import SweepSource

    command = "coldstart plan value"
    for name, value, low in (("--kw-each", kw_each, 1e-9), ("--shortlist", shortlist, 1)):
        if not value >= low:
            raise ValuePlanError(Problem(name, "", "", f"expected a positive number, got {value}"))
    scenario = load_scenario(scenario_file)
    seed_split(scenario, seeds, site_seeds)
    scenario_variants(scenario, str(scenario_file))  # every variant valid before any run
    weather = [scenario.weather.csv] if scenario.weather.csv else []
    inputs = (*city_inputs(city_dir, allow_outside), scenario_file, *weather)
    check_target(out_dir, inputs, command=command)
    if store is not None:
        from coldstart.cli.sweep_options import check_store_target

        check_store_target(store, (*inputs, out_dir))
    outdoor_temperature_c(scenario)
    city = load_city(city_dir, allow_outside=allow_outside)
    compile_checked(city, str(city_dir))
    scenario_on_city(scenario, city, str(scenario_file))
    with owned_output(out_dir, command=command, inputs=inputs) as tmp:
        result = _run(city, scenario, seeds, site_seeds, kw_each, shortlist, store, workers,
                      SweepSource("plan value", str(city_dir), str(scenario_file)),
                      as_json)  # fmt: skip
        doc = result.payload()
        rounded(table(doc)).to_csv(tmp / "value.csv", index=False)  # 4 decimals, as every CSV
        (tmp / "value.json").write_text(json.dumps(doc, indent=2) + "\n")
        (tmp / "value.html").write_text(render_value(doc, FIGURE_LABELS))
    if as_json:
        typer.echo(json.dumps(doc))
    else:
        _print(doc, FIGURE_LABELS, out_dir)


def _run(city, scenario, seeds, site_seeds, kw_each, shortlist, store, workers, source, quiet):
    """:func:`~coldstart.plan.value.plan_value` with a Rich progress bar and the store
    (``source``: the :class:`~coldstart.sweep.store.SweepSource` of its sweeps)."""
    from coldstart.cli.backups import store_and_progress
    from coldstart.plan.value import plan_value

    with store_and_progress(store, "valuing resources", quiet) as (runs_store, on_run):
        return plan_value(
            city, scenario, seeds, site_seeds=site_seeds, kw_each=kw_each,
            shortlist_size=shortlist, store=runs_store, workers=workers, source=source,
            on_run=on_run,
        )  # fmt: skip
