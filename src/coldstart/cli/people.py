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
    scenario_on_city,
)

plan_app = typer.Typer(
    help="Plan the response: warming points and backup generators.", no_args_is_help=True
)
app.add_typer(plan_app, name="plan")


def _write_sites(sites, payload: dict, out_dir: Path, inputs: tuple) -> None:
    from coldstart.outdir import owned_output

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


@plan_app.command("shelters")
def plan_shelters_cmd(
    city_dir: Annotated[Path, typer.Argument(help="city folder (with city.toml)")],
    scenario_file: Annotated[Path, typer.Argument(help="scenario TOML file")],
    open_k: Annotated[int, typer.Option("--open", min=1, help="number of sites to open")],
    candidates: Annotated[
        Path | None,
        typer.Option(help="extra candidate sites: CSV or GeoJSON with lon, lat, capacity_people"),
    ] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="output folder")] = Path(
        "coldstart-out/plan-shelters"
    ),
    seed: Seed = None,
    time_limit: Annotated[
        float, typer.Option("--time-limit", min=1.0, help="HiGHS time limit per solve [s]")
    ] = 120.0,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
    allow_outside: AllowOutside = False,
) -> None:
    """Choose --open K warming-point sites (HiGHS) and compare with the K largest, simulated.

    Only the K chosen sites open (the other candidates stay closed); the city as is, with all
    its own schools and warming points, is simulated beside them for comparison. Candidates are
    the city's schools and warming points plus --candidates. Demand is, per
    building, the people wanting shelter on the worst night, weighted by how long they want it.
    Writes shelters.csv, shelters.geojson and plan.json to --out.
    """
    from coldstart.city import load_city
    from coldstart.outdir import check_target
    from coldstart.people.plan import plan_shelters, read_candidates, sites_table
    from coldstart.scenario import load_scenario
    from coldstart.scenario.weather import outdoor_temperature_c

    scenario = load_scenario(scenario_file)
    weather = [scenario.weather.csv] if scenario.weather.csv else []
    inputs = (*city_inputs(city_dir, allow_outside), scenario_file, *weather)
    inputs += (candidates,) if candidates else ()
    check_target(out_dir, inputs, command="coldstart plan shelters")
    outdoor_temperature_c(scenario)
    extra = read_candidates(candidates) if candidates is not None else None
    city = load_city(city_dir, allow_outside=allow_outside)
    compile_checked(city, str(city_dir))
    scenario_on_city(scenario, city, str(scenario_file))
    if not as_json:
        err.print(f"planning {open_k} warming points: 3 simulations and 2 HiGHS solves")
    outcome = plan_shelters(city, scenario, open_k, extra, seed=seed, time_limit_s=time_limit)
    keys = ("unmet_shelter_demand_person_hours", "mean_walk_km", "sites")
    payload = {
        name: {
            **{k: outcome.figures[name][k] for k in keys},
            **{k: v for k, v in outcome.figures[name].items() if k not in keys},
        }
        for name in ("plan", "greedy")
    }
    sites = sites_table(outcome)
    _write_sites(sites, {**payload, "baseline": outcome.baseline}, out_dir, inputs)
    if as_json:
        typer.echo(json.dumps(payload))
        return
    t = Table(title=f"warming-point siting: {open_k} sites", header_style="bold")
    t.add_column("figure")
    for col in ("plan (HiGHS)", "greedy (K largest)", "city as is"):
        t.add_column(col, justify="right")
    p, g, b = payload["plan"], payload["greedy"], outcome.baseline
    t.add_row(
        "unmet shelter demand, person-h",
        f"{p['unmet_shelter_demand_person_hours']:,.0f}",
        f"{g['unmet_shelter_demand_person_hours']:,.0f}",
        f"{b['unmet_shelter_demand_person_hours']:,.0f}",
    )
    t.add_row(
        f"mean walk, km ({p['mean_walk_km_source']})",
        f"{p['mean_walk_km']:.3f}",
        f"{g['mean_walk_km']:.3f}",
        "",
    )
    t.add_row(
        "peak people in shelters",
        f"{p['peak_people_in_shelters']:,}",
        f"{g['peak_people_in_shelters']:,}",
        f"{b['peak_people_in_shelters']:,}",
    )
    t.add_row(
        "person-hours below 12 °C",
        f"{p['person_hours_below_12c']:,.0f}",
        f"{g['person_hours_below_12c']:,.0f}",
        f"{b['person_hours_below_12c']:,.0f}",
    )
    t.add_row(
        "places at the chosen sites", f"{p['capacity_people']:,}", f"{g['capacity_people']:,}", ""
    )
    out.print(t)
    for r in sites.itertuples():
        out.print(f"{r.site_id} ({r.name}): {r.why}", soft_wrap=True, markup=False)
    if set(p["sites"]) == set(g["sites"]):
        out.print(
            f"the plan is the {open_k} largest sites: the siting model finds no choice that "
            "leaves fewer people without a place",
            soft_wrap=True,
        )
    gain = g["unmet_shelter_demand_person_hours"] - p["unmet_shelter_demand_person_hours"]
    key = "unmet_shelter_demand_person_hours"
    as_is = b[key] - p[key]
    out.print(
        f"plan and greedy open only their {open_k} sites: the other "
        f"{max(len(outcome.pool) - open_k, 0):,} candidate sites stay closed there, while the "
        "city as is keeps all its own schools and warming points open",
        soft_wrap=True,
    )
    out.print(
        f"the plan leaves {gain:,.0f} fewer person-hours of unmet shelter demand than the "
        f"{open_k} largest sites, and {abs(as_is):,.0f} "
        f"{'fewer' if as_is >= 0 else 'MORE'} than the city as is; chosen sites written to "
        f"{out_dir}/shelters.csv and .geojson",
        soft_wrap=True,
    )
