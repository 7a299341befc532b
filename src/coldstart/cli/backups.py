"""``coldstart plan backups``: K mobile generators chosen by lazy greedy on paired seeds."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from coldstart.cli import (
    AllowOutside,
    city_inputs,
    compile_checked,
    err,
    out,
    print_table,
    scenario_on_city,
)
from coldstart.cli.people import plan_app
from coldstart.errors import Problem
from coldstart.plan.backups import KW_EACH, SHORTLIST
from coldstart.report.fmt import count_text, share_with_ties


def _geojson(table) -> str:
    """The candidate sites as a GeoJSON FeatureCollection (points, flags in properties)."""
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [float(r.lon), float(r.lat)]},
            "properties": {
                "site_id": str(r.site_id),
                "kind": str(r.kind),
                "group": str(r.group),
                "in_plan": bool(r.in_plan),
                "plan_order": int(r.plan_order),
                "in_baseline": bool(r.in_baseline),
                "screened": bool(r.screened),
                "residents_at_risk": float(r.residents_at_risk),
                "load_kw": float(r.load_kw),
            },
        }
        for r in table.itertuples()
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}, indent=1) + "\n"


def _print(doc: dict, out_dir: Path) -> None:
    """The plan, the baseline and the city as is, as a table and a sentence."""
    title = f"backup power plan: {count_text(doc['generators'], 'generator')}"
    t = Table(title=title, header_style="bold")
    for col in ("", "sites", "person-h below 12 °C, mean", "std"):
        t.add_column(col, justify="left" if col in ("", "sites") else "right")
    for key, name in (("plan", "plan"), ("baseline", "largest first"), ("city_as_is", "as is")):
        a = doc[key]
        t.add_row(
            name,
            ", ".join(a["sites"]) or "-",
            f"{a['person_hours_below_12c_mean']:,.0f}",
            f"{a['person_hours_below_12c_std']:,.0f}",
        )
    print_table(t)
    gains = zip(doc["plan"]["sites"], doc["marginal_saving_person_hours"], strict=False)
    for i, (site, gain) in enumerate(gains):
        if gain <= 0 and i == 0:  # greedy's best first pick saves nothing: neither would others
            out.print(
                f"note: the generator at {site} saves nothing on the choosing seeds, and no "
                "other site on the shortlist would (they are destroyed or never lose power in "
                "this scenario): generators do not help here",
                soft_wrap=True,
            )
            break
        if gain <= 0:
            out.print(
                f"note: the generator at {site} saves nothing on the choosing seeds beside the "
                "others (its site may be destroyed or never lose power in this scenario): "
                "fewer generators would do as well",
                soft_wrap=True,
            )
    if doc["same_sites_as_baseline"]:
        out.print("note: the plan chose the same sites as largest first", soft_wrap=True)
    saved = doc["saved_person_hours_mean"]
    out.print(
        f"on {len(doc['evaluation_seeds'])} fresh seeds the plan "
        f"{'saves' if saved >= 0 else 'costs'} {abs(saved):,.0f} "
        f"{'' if saved >= 0 else 'more '}person-hours below 12 °C compared with largest first "
        f"and wins on {share_with_ties(doc)} of them; {doc['runs_simulated']} runs "
        f"simulated, {doc['runs_from_store']} read from the store; written to {out_dir}/",
        soft_wrap=True,
    )


@plan_app.command("backups")
def plan_backups_cmd(
    city_dir: Annotated[Path, typer.Argument(help="city folder (with city.toml)")],
    scenario_file: Annotated[Path, typer.Argument(help="scenario TOML file")],
    generators: Annotated[int, typer.Option("--generators", help="mobile generators to place")],
    out_dir: Annotated[Path, typer.Option("--out", help="output folder")],
    kw_each: Annotated[
        float, typer.Option("--kw-each", help="rating of each generator [kW]")
    ] = KW_EACH,
    seeds: Annotated[
        int, typer.Option(help="choosing seeds; as many fresh seeds judge the plan")
    ] = 4,
    candidates: Annotated[
        Path | None, typer.Option(help="CSV with a site_id column: the sites to choose from")
    ] = None,
    store: Annotated[
        Path | None, typer.Option(help="run store folder: runs are stored and reused")
    ] = None,
    shortlist: Annotated[
        int, typer.Option(help="sites kept by the screening step before greedy")
    ] = SHORTLIST,
    swaps: Annotated[int, typer.Option(help="passes of swap refinement after greedy")] = 0,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=1024,
            help="worker processes of one local Dask cluster for every run (1: in this process)",
        ),
    ] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
    allow_outside: AllowOutside = False,
) -> None:
    """Choose --generators K sites for mobile generators to minimise person-hours below 12 °C.

    Candidates: heat sources (boiler houses, CHP auxiliaries), pumping stations, shelters and
    water pumps without a generator whose load fits --kw-each (or the --candidates list).
    Lazy greedy on --seeds paired seeds, judged on as many fresh seeds against the K sites whose
    loss leaves the most residents without heat. Writes plan.csv, plan.geojson, plan.json and
    plan.html to --out.
    """
    from coldstart.city import load_city
    from coldstart.outdir import check_target, owned_output
    from coldstart.plan.backups import check_k, split_seeds
    from coldstart.plan.sites import BackupPlanError, candidate_sites, read_site_list
    from coldstart.report.backups import render_backups
    from coldstart.scenario import load_scenario
    from coldstart.scenario.weather import outdoor_temperature_c
    from coldstart.sweep.store import SweepSource

    command = "coldstart plan backups"
    check_k(generators, generators, "")  # K >= 1 before anything is read
    for name, value, low in (("--kw-each", kw_each, 1e-9), ("--shortlist", shortlist, 1)):
        if not value >= low:
            raise BackupPlanError(Problem(name, "", "", f"expected a positive number, got {value}"))
    if swaps < 0:
        raise BackupPlanError(Problem("--swaps", "", "", f"expected 0 or more, got {swaps}"))
    scenario = load_scenario(scenario_file)
    split_seeds(scenario, seeds)
    weather = [scenario.weather.csv] if scenario.weather.csv else []
    inputs = (*city_inputs(city_dir, allow_outside), scenario_file, *weather)
    inputs += (candidates,) if candidates else ()
    check_target(out_dir, inputs, command=command)
    if store is not None:
        from coldstart.cli.sweep_options import check_store_target

        check_store_target(store, (*inputs, out_dir))
    outdoor_temperature_c(scenario)
    city = load_city(city_dir, allow_outside=allow_outside)
    compile_checked(city, str(city_dir))
    scenario_on_city(scenario, city, str(scenario_file), notes=False)
    sites = candidate_sites(city, kw_each)
    pool = None if candidates is None else read_site_list(candidates, sites, kw_each, city)
    check_k(generators, len(sites) if pool is None else len(pool), str(candidates or city_dir))
    scenario_on_city(scenario, city, str(scenario_file))  # every input is good: the notes
    with owned_output(out_dir, command=command, inputs=inputs) as tmp:
        result = _run(city, scenario, generators, seeds, kw_each, pool, shortlist, swaps, store,
                      SweepSource("plan backups", str(city_dir), str(scenario_file)), sites,
                      as_json, workers)  # fmt: skip
        doc = result.payload(scenario)
        table = result.table()
        table.to_csv(tmp / "plan.csv", index=False)
        (tmp / "plan.geojson").write_text(_geojson(table))
        (tmp / "plan.json").write_text(json.dumps(doc, indent=2) + "\n")
        (tmp / "plan.html").write_text(render_backups(doc, table, city.buildings, scenario.name))
    if as_json:
        typer.echo(json.dumps(doc))
    else:
        _print(doc, out_dir)


@contextlib.contextmanager
def store_and_progress(store: Path | None, label: str, quiet: bool) -> Iterator[tuple]:
    """The run store at ``store`` (None without one) and ``on_run(runs)`` moving a Rich
    progress bar of runs labelled ``label`` (hidden when ``quiet``); both closed on exit."""
    from coldstart.sweep.store import RunStore

    with contextlib.ExitStack() as stack:
        runs_store = stack.enter_context(RunStore(store)) if store is not None else None
        bar = Progress(
            TextColumn(f"[bold]{label}[/]"),
            BarColumn(),
            TextColumn("{task.completed} runs"),
            TimeElapsedColumn(),
            console=err,
            disable=quiet,
        )
        stack.enter_context(bar)
        task = bar.add_task("runs", total=None)
        yield runs_store, lambda n: bar.update(task, completed=n)


def _run(
    city, scenario, k, seeds, kw_each, pool, shortlist, swaps, store, source, sites, quiet, workers
):
    """:func:`~coldstart.plan.backups.plan_backups` with a Rich progress bar and the store
    (``source``: the :class:`~coldstart.sweep.store.SweepSource` of its sweeps);
    with ``workers`` > 1 every run goes to one local Dask cluster started here (greedy asks for
    one set of sites at a time: a cluster per set would cost more than its runs)."""
    from coldstart.plan.backups import plan_backups
    from coldstart.sweep.execute import local_cluster

    with contextlib.ExitStack() as stack:
        cluster = stack.enter_context(local_cluster(workers)) if workers > 1 else None
        runs_store, on_run = stack.enter_context(
            store_and_progress(store, "planning backups", quiet)
        )
        return plan_backups(
            city, scenario, k, n_seeds=seeds, kw_each=kw_each, candidates=pool,
            shortlist_size=shortlist, swap_passes=swaps, store=runs_store, source=source,
            on_run=on_run, sites=sites,
            scheduler=None if cluster is None else cluster.scheduler_address,
        )  # fmt: skip
