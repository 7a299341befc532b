"""Grid commands: ``coldstart city from-grid NETWORK OUT_DIR``."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from coldstart.cli import city_app, compile_checked, out, print_notes, warn_fragile


@contextmanager
def quiet_pandapower() -> Iterator[None]:
    """Hold pandapower's log below ERROR (its numba notice) for the duration."""
    log = logging.getLogger("pandapower")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(level)


@city_app.command("from-grid")
def city_from_grid(
    network: Annotated[
        str,
        typer.Argument(
            help="pandapower JSON file, MATPOWER .m/.mat case, a network shipped with pandapower "
            "(mv_oberrhein, case1354pegase, ...) or a SimBench code (1-MVLV-urban-5.303-0-sw, "
            "1-LV-rural1--0-sw)"
        ),
    ],
    out_dir: Annotated[Path, typer.Argument(help="folder to write the city to")],
    seed: Annotated[int, typer.Option(min=0, max=2**63 - 1, help="seed of the derived tables")] = 0,
    max_buildings: Annotated[
        int, typer.Option(min=10, max=200_000, help="cap on buildings derived from the loads")
    ] = 20_000,
    name: Annotated[
        str | None, typer.Option(help="city name, 1-200 characters (default: the network's)")
    ] = None,
) -> None:
    """Build a city folder around a real grid: buildings and residents from its loads."""
    from coldstart.city import save_city
    from coldstart.city.gridcheck import check_grid
    from coldstart.city.importers import city_from_net, positions_note
    from coldstart.errors import CityError, Problem
    from coldstart.grid.pandapower_nets import load_network
    from coldstart.outdir import check_target
    from coldstart.safeio import lexists

    if name is not None and not 0 < len(name) <= 200:
        raise CityError(Problem("--name", "", "", "expected a name of 1-200 characters"))
    inputs = (network,) if lexists(network, CityError) else ()
    check_target(out_dir, inputs, command="coldstart city")
    with quiet_pandapower():  # its numba notice concerns its own solvers, not coldstart's
        net = load_network(network)
    try:
        city = city_from_net(
            net, name or f"City on {Path(network).stem}", seed=seed, max_buildings=max_buildings
        )
    except ValueError as exc:
        raise CityError(Problem(network, "", "", str(exc))) from None
    # never write a city that city check would refuse (a real grid may have NaN ratings or
    # negative impedances): check the grid, compile, then load the written folder back
    problems = check_grid(city.net, network)
    if problems:
        raise CityError(problems)
    compile_checked(city, network)
    save_city(city, out_dir, inputs=inputs, verify=f"city from {network}")
    d = city.describe()
    out.print(
        f"wrote {out_dir}: {d['buildings']:,} buildings, {d['residents']:,} residents, "
        f"{d['grid_buses']:,} buses, {d['heat_pipes']:,} heat pipes, {d['assets']:,} assets"
    )
    print_notes(filter(None, [positions_note(net)]))
    warn_fragile(city)
