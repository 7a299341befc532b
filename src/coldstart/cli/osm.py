"""OpenStreetMap import: ``coldstart city from-osm EXTRACT OUT_DIR``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from coldstart.cli import MAX_SEED, city_app, compile_checked, out, warn_fragile


@city_app.command("from-osm")
def city_from_osm_command(
    extract: Annotated[Path, typer.Argument(help="OpenStreetMap extract (.osm.pbf or .osm)")],
    out_dir: Annotated[Path, typer.Argument(help="folder to write the city to")],
    bbox: Annotated[
        str | None,
        typer.Option(help="W,S,E,N in degrees: import only what lies inside (default: all)"),
    ] = None,
    grid: Annotated[
        str | None,
        typer.Option(
            help="a real grid (pandapower JSON, MATPOWER case, pandapower network name or "
            "SimBench code); buildings go to its nearest buses (default: a synthetic grid)"
        ),
    ] = None,
    heat: Annotated[
        str | None,
        typer.Option(
            help="a real heat network (pandapipes JSON file, or schutterwald_heat); buildings "
            "draw at its nearest consumers (default: a synthetic network from the OSM sources)"
        ),
    ] = None,
    seed: Annotated[
        int, typer.Option(min=0, max=MAX_SEED, help="seed of the inferred and synthetic parts")
    ] = 0,
    name: Annotated[
        str | None, typer.Option(help="city name, 1-200 characters (default: the file's)")
    ] = None,
) -> None:
    """Build a city folder from OpenStreetMap: real buildings, facilities and energy assets."""
    from coldstart.city.gridcheck import check_grid
    from coldstart.city.osm import city_from_osm
    from coldstart.city.osm.geometry import parse_bbox
    from coldstart.city.osm.write import save_osm_city
    from coldstart.cli.grid import quiet_pandapower
    from coldstart.errors import CityError, Problem
    from coldstart.outdir import check_target
    from coldstart.safeio import lexists

    if name is not None and not 0 < len(name) <= 200:
        raise CityError(Problem("--name", "", "", "expected a name of 1-200 characters"))
    box = parse_bbox(bbox) if bbox is not None else None
    inputs = (extract,) + tuple(p for p in (grid, heat) if p and lexists(p, CityError))
    check_target(out_dir, inputs, command="coldstart city")
    net = None
    if grid is not None:
        from coldstart.grid.pandapower_nets import load_network

        with quiet_pandapower():
            net = load_network(grid)
    heat_net = None
    if heat is not None:
        from coldstart.city.osm.given_heat import load_heat_net

        with quiet_pandapower():
            heat_net = load_heat_net(heat)
    try:
        imp = city_from_osm(
            extract,
            name=name,
            bbox=box,
            net=net,
            seed=seed,
            heat_net=heat_net,
            heat_file=heat or "--heat",
        )
    except ValueError as exc:  # a given grid without loads
        raise CityError(Problem(grid or str(extract), "", "", str(exc))) from None
    problems = check_grid(imp.city.net, grid or str(extract))
    if problems:
        raise CityError(problems)
    compile_checked(imp.city, str(extract))
    save_osm_city(imp, out_dir, str(extract), inputs=inputs)
    d, s = imp.city.describe(), imp.summary
    out.print(
        f"wrote {out_dir}: {d['buildings']:,} buildings ({s['footprints_repaired']} footprints "
        f"repaired, {s['footprints_dropped']} dropped), {d['residents']:,} residents, "
        f"{d['facilities']:,} facilities, {d['heat_sources']:,} heat sources, grid {s['grid']}; "
        f"see {out_dir / 'osm_import.md'}"
    )
    warn_fragile(imp.city)
