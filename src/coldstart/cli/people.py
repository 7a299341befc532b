"""``coldstart plan shelters``: choose warming-point sites with HiGHS and show the gain."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from coldstart.cli import (
    AllowOutside,
    Seed,
    app,
    city_inputs,
    compile_checked,
    err,
    out,
    print_table,
    scenario_on_city,
)
from coldstart.people.plan import DESIGN_HOURS, DRAWS, MAX_SITE_DISTANCE_KM
from coldstart.report.fmt import count_text, format_number, share_with_ties

plan_app = typer.Typer(
    help="Plan the response: warming points, backup generators and the value of resources.",
    no_args_is_help=True,
)
app.add_typer(plan_app, name="plan")


def _write_sites(sites, payload: dict, page: str, out_dir: Path, inputs: tuple) -> None:
    from coldstart.outdir import owned_output
    from coldstart.sweep.stats import json_number as _finite

    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [float(r.lon), float(r.lat)]},
            "properties": {
                "site_id": str(r.site_id),
                "name": str(r.name),
                "source": str(r.source),
                "capacity_people": int(r.capacity_people),
                "model_people": float(r.model_people),
                "model_mean_walk_km": float(r.model_mean_walk_km),
                "people_within_walk": float(r.people_within_walk),
                "people_only_here": float(r.people_only_here),
                "homes_min_temp_c": _finite(r.homes_min_temp_c),
                "coldest_home_c": _finite(r.coldest_home_c),
                "also_largest": bool(r.also_largest),
                "why": str(r.why),
            },
        }
        for r in sites.itertuples()
    ]
    with owned_output(out_dir, command="coldstart plan shelters", inputs=inputs) as tmp:
        sites.to_csv(tmp / "shelters.csv", index=False)
        (tmp / "shelters.geojson").write_text(
            json.dumps({"type": "FeatureCollection", "features": features}, indent=1) + "\n"
        )
        (tmp / "plan.json").write_text(json.dumps(payload, indent=2) + "\n")
        (tmp / "plan.html").write_text(page)


@plan_app.command("shelters")
def plan_shelters_cmd(
    city_dir: Annotated[Path, typer.Argument(help="city folder (with city.toml)")],
    scenario_file: Annotated[Path, typer.Argument(help="scenario TOML file")],
    open_k: Annotated[int, typer.Option("--open", min=1, help="number of sites to open")],
    candidates: Annotated[
        Path | None,
        typer.Option(
            help="extra candidate sites: CSV or GeoJSON with lon, lat, capacity_people and "
            f"optional site_id, name; each within {MAX_SITE_DISTANCE_KM:g} km of a building of "
            "the city"
        ),
    ] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="output folder")] = Path(
        "coldstart-out/plan-shelters"
    ),
    seed: Seed = None,
    draws: Annotated[
        int,
        typer.Option(min=1, max=1000, help="damage draws (seeds) the sites must serve together"),
    ] = DRAWS,
    design_hours: Annotated[
        int,
        typer.Option(
            "--design-hours",
            min=0,
            max=30,
            help="design hours per draw the sites must serve (the days' peaks of people wanting "
            "shelter; 0: each building at its own worst hour)",
        ),
    ] = DESIGN_HOURS,
    time_limit: Annotated[
        float, typer.Option("--time-limit", min=1.0, help="HiGHS time limit per solve [s]")
    ] = 120.0,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
    allow_outside: AllowOutside = False,
) -> None:
    """Choose --open K warming-point sites (HiGHS) and compare with the K largest, simulated.

    Only the K chosen sites open (the other candidates stay closed); the city as is, with all
    its own schools and warming points, is simulated beside them for comparison. Candidates are
    the city's schools and warming points plus --candidates. Demand is, per building, damage
    draw (--draws seeds from --seed) and design hour (--design-hours: the peaks of the days
    with the most people wanting shelter), the people wanting shelter then, weighted by how
    long they want it; the sites are chosen once for all these situations (mean unmet demand)
    and every arm is judged on as many fresh draws (seeds after the choosing ones), the same
    for every arm. Writes shelters.csv,
    shelters.geojson, plan.json (also printed with --json) and plan.html to --out.
    """
    from coldstart.city import load_city
    from coldstart.outdir import check_target
    from coldstart.people.plan import (
        checked_pool,
        plan_shelters,
        read_candidates,
        shelter_payload,
        sites_table,
    )
    from coldstart.report.siting import render_siting
    from coldstart.scenario import load_scenario
    from coldstart.scenario.weather import outdoor_temperature_c

    scenario = load_scenario(scenario_file)
    weather = [scenario.weather.csv] if scenario.weather.csv else []
    inputs = (*city_inputs(city_dir, allow_outside), scenario_file, *weather)
    inputs += (candidates,) if candidates else ()
    check_target(out_dir, inputs, command="coldstart plan shelters")
    outdoor_temperature_c(scenario)
    city = load_city(city_dir, allow_outside=allow_outside)
    compile_checked(city, str(city_dir))
    extra = read_candidates(candidates, city) if candidates is not None else None
    scenario_on_city(scenario, city, str(scenario_file))
    checked_pool(city, open_k, extra)  # too few sites: refused before the work is announced
    if not as_json:
        err.print(
            f"planning {count_text(open_k, 'warming point')} over "
            f"{count_text(draws, 'damage draw')} and {count_text(design_hours, 'design hour')} "
            f"each, judged on {count_text(draws, 'fresh draw')}: "
            f"{count_text(5 * draws, 'simulation')} and 2 HiGHS solves"
        )
    outcome = plan_shelters(
        city, scenario, open_k, extra, seed=seed, time_limit_s=time_limit, draws=draws,
        design_hours=design_hours,
    )  # fmt: skip
    payload = shelter_payload(outcome)
    sites = sites_table(outcome)
    page = render_siting(payload, sites, outcome.pool, city.buildings, scenario.name)
    _write_sites(sites, payload, page, out_dir, inputs)
    if as_json:
        typer.echo(json.dumps(payload))
        return
    _print_shelters(payload, sites, open_k, len(outcome.pool), out_dir)


def _print_shelters(payload: dict, sites, open_k: int, n_pool: int, out_dir: Path) -> None:
    """The table of plan, greedy and both references, each site's reasons, and sentences."""
    n = len(payload["seeds"])
    title = (
        f"warming-point siting: {count_text(open_k, 'site')}, means over "
        f"{count_text(n, 'fresh damage draw')}"
    )
    t = Table(title=title, header_style="bold")
    t.add_column("figure")
    for col in ("plan (HiGHS)", "greedy (K largest)", "city as is", "all equipped"):
        t.add_column(col, justify="right")
    arms = [payload[k] for k in ("plan", "greedy", "baseline", "all_equipped")]
    p, g, b, e = arms
    key = "unmet_shelter_demand_person_hours"
    rows = (
        (key, "unmet shelter demand, person-h"),
        ("peak_people_in_shelters", "peak people in shelters"),
        ("shelter_failures", "shelter failures"),
        ("person_hours_below_12c", "person-hours below 12 °C"),
    )
    for k, name in rows:
        t.add_row(name, *(format_number(a[k]) for a in arms))
    walk = f"mean walk, km ({p['mean_walk_km_source']})"
    t.add_row(walk, f"{p['mean_walk_km']:.3f}", f"{g['mean_walk_km']:.3f}", "", "")
    places = "places at the chosen sites"
    t.add_row(places, f"{p['capacity_people']:,}", f"{g['capacity_people']:,}", "", "")
    print_table(t)
    for r in sites.itertuples():
        out.print(f"{r.site_id} ({r.name}): {r.why}", soft_wrap=True, markup=False)
    if set(p["sites"]) == set(g["sites"]):
        out.print(
            f"the plan is the {count_text(open_k, 'largest site')}: the siting model finds no "
            "choice that leaves fewer people without a place",
            soft_wrap=True,
        )
    fixed = payload["fixed_shelter_places"]
    kept = (
        f"; shelters that are not candidates ({format_number(fixed)} places, e.g. metro "
        "stations) stay open in every arm"
        if fixed
        else ""
    )
    others = max(n_pool - open_k, 0)
    out.print(
        f"plan and greedy open only their {count_text(open_k, 'site')}: the other "
        f"{count_text(others, 'candidate site')} {'stays' if others == 1 else 'stay'} closed "
        f"there, while the city as is keeps all its own schools and warming points open{kept}",
        soft_wrap=True,
    )
    if payload["situations"] != n * payload["design_hours"] and payload["design_hours"]:
        out.print(
            f"{count_text(payload['situations'], 'situation')} in all: the run has fewer days "
            "with people wanting shelter than --design-hours "
            f"{payload['design_hours']} in some draws",
            soft_wrap=True,
        )
    as_is = b[key] - p[key]
    out.print(
        f"the plan leaves {format_number(payload['saved_vs_largest_mean'])} fewer person-hours "
        f"of unmet shelter demand than the {count_text(open_k, 'largest site')} (less on "
        f"{share_with_ties(payload)} of the draws), and {format_number(abs(as_is))} "
        f"{'fewer' if as_is >= 0 else 'MORE'} than the city as is; chosen sites written to "
        f"{out_dir}/shelters.csv and .geojson",
        soft_wrap=True,
    )
    if as_is > 0:
        more = payload["city_as_is_candidate_places"] > p["capacity_people"]
        out.print(
            f"the city as is leaves more unmet demand than the plan"
            f"{' although it opens more places' if more else ''}: its own shelters fail "
            f"({format_number(b['shelter_failures'], 1)} failures per draw: "
            "no generator, too little fuel or district heat), while the plan's sites get a "
            "generator with fuel for the whole horizon and their own heating; with every "
            f"candidate open and equipped so, {format_number(e[key])} person-hours would be "
            "unmet",
            soft_wrap=True,
        )
