"""The ``coldstart`` command line.

Bad input never shows a traceback: every problem is printed on one line (file, row or key,
field, what was expected) and the exit code is 2.

The core commands (demo, run, city, scenario) live here; each later topic adds its commands in
its own module of this package, registered in :data:`TOPICS` at the bottom.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from coldstart.errors import InputError

app = typer.Typer(
    help="Simulate a city's power, district heating and buildings after strikes in deep winter.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        out.print(f"coldstart {version('coldstart')}")
        raise typer.Exit()


@app.callback()
def _top(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="print the version and exit"
        ),
    ] = False,
) -> None:
    """Simulate a city's power, district heating and buildings after strikes in deep winter."""


city_app = typer.Typer(help="Make and check city folders.", no_args_is_help=True)
scenario_app = typer.Typer(help="Check and print scenario files.", no_args_is_help=True)
app.add_typer(city_app, name="city")
app.add_typer(scenario_app, name="scenario")

# markup off: paths and names from users are printed literally ("[red]" stays "[red]")
out = Console(markup=False, highlight=False)
err = Console(stderr=True, markup=False, highlight=False)

TABLE_WIDTH = 200
"""Width of tables written to a file or pipe (characters): wide enough that ids and numbers are
never cut or wrapped; a terminal keeps its own width."""


def print_table(table: Table) -> None:
    """Print a Rich table to stdout: at the terminal's width, or at :data:`TABLE_WIDTH` into a
    file or pipe (``| less``, ``> table.txt``), where Rich would otherwise assume 80 columns."""
    if out.is_terminal:
        out.print(table)
    else:
        Console(markup=False, highlight=False, width=TABLE_WIDTH).print(table)


DEFAULT_BUILDINGS = 2000
DEFAULT_CITY_SEED = 0
MAX_SEED = 2**63 - 1
"""Largest seed accepted (seeds are stored as signed 64-bit integers)."""

AllowOutside = Annotated[
    bool,
    typer.Option(
        "--allow-outside-city",
        help="read tables that city.toml names outside the city folder (off: a city folder "
        "someone sent you reads only itself)",
    ),
]
Check = Annotated[
    bool,
    typer.Option(
        "--check",
        help="assert the run's invariants after every step (heat within capacity, nobody lost, "
        "served within demand, ...): slower; a violation is reported as an internal error",
    ),
]
Profile = Annotated[
    bool,
    typer.Option(
        "--profile",
        help="also write profile.json: seconds per stage (load, compile, simulate, write) and "
        "per component of the simulation (grid, overload checks, heat, homes, people, crews)",
    ),
]
Seed = Annotated[
    int | None,
    typer.Option(min=0, max=MAX_SEED, help="seed of the run (default: scenario's)"),
]


def _fail(problems: list) -> None:
    for p in problems:
        err.print(f"error: {p}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def print_notes(notes: Iterable[object]) -> None:
    """Print things worth knowing but not wrong on stderr, one ``note:`` line each."""
    for note in notes:
        err.print(f"note: {note}", markup=False, highlight=False, soft_wrap=True)


def scenario_on_city(scenario, city, file: str, notes: bool = True, own_notes: bool = True) -> None:
    """Stop (exit 2) on the ids a scenario names that the city lacks; print the warnings (a
    wave naming one asset twice: its hits combine) and notes (hits by kind and rank beyond the
    city's assets, weights on kinds it lacks: left out; with ``own_notes``, the scenario's
    own: long gaps between the weather file's rows, a file not read, windows after the
    horizon) on stderr, so that a run never drops or merges a hit or bridges a hole in the
    weather silently."""
    from coldstart.scenario import check_against_city, notes_against_city, warnings_against_city
    from coldstart.scenario.check import scenario_notes

    problems = check_against_city(scenario, city, file)
    if problems:
        _fail(problems)
    if notes:
        for warning in warnings_against_city(scenario, city, file):
            err.print(f"warning: {warning}", markup=False, highlight=False, soft_wrap=True)
        print_notes(scenario_notes(scenario, file) if own_notes else [])
        print_notes(notes_against_city(scenario, city, file))


def city_inputs(city_dir: Path, allow_outside: bool) -> tuple[Path, ...]:
    """The city folder and, with ``--allow-outside-city``, every table file ``city.toml`` names
    (an output may never replace an input, wherever it lies)."""
    if not allow_outside:
        return (city_dir,)
    from coldstart.city.io import read_city_toml

    try:
        files = read_city_toml(city_dir, allow_outside=True)["files"]
    except InputError:
        return (city_dir,)  # reported when the city is loaded
    return (city_dir, *(city_dir / f for f in files.values()))


def compile_checked(city, where: str):
    """Compile ``city`` for the runner; a city the checks let through but the engines refuse is
    still bad input (exit 2 naming the city), never a crash after the long part."""
    from coldstart.compiled import compile_city
    from coldstart.errors import CityError, Problem

    try:
        return compile_city(city)
    except (ValueError, ArithmeticError, KeyError, IndexError, TypeError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CityError(Problem(where, "", "", f"cannot be simulated: {first}")) from None


def _run_and_save(
    city,
    scenario,
    seed: int | None,
    out_dir: Path,
    report: bool,
    inputs=(),
    where: str = "",
    check: bool = False,
    profile: dict | None = None,
) -> None:
    """Compile, claim the output folder, simulate, write; with ``profile`` (a dict holding the
    stages timed so far), also write ``profile.json``: seconds per stage and per component."""
    from coldstart.outdir import owned_output
    from coldstart.simulate import simulate

    t0 = perf_counter()
    compiled = compile_checked(city, where or city.name)
    stages = {**(profile or {}), "compile_s": perf_counter() - t0}
    components: dict | None = {} if profile is not None else None
    # the output folder is claimed (checked, writable) before the long part, swapped in after
    earlier = out_dir.exists()  # a previous run's folder (anything else is refused below)
    with owned_output(out_dir, command="coldstart run", inputs=inputs) as tmp:
        t0 = perf_counter()
        result = _simulate_with_bar(simulate, compiled, scenario, seed, check, components)
        stages["simulate_s"] = perf_counter() - t0
        t0 = perf_counter()
        result.write_into(tmp, report=report, made_utc=datetime.now(UTC))  # calendars' DTSTAMP
        stages["write_s"] = perf_counter() - t0
        if profile is not None:
            _write_profile(tmp / "profile.json", stages, components, scenario, compiled)
    if earlier:
        err.print(f"note: the results of an earlier run in {out_dir} were replaced", soft_wrap=True)
    from coldstart.report.narrative import short_before_strike

    if short := short_before_strike(result):  # losses before the attack are not its doing
        out.print(short, soft_wrap=True, markup=False)
    _print_summary(result.summary, out_dir, report)
    if "dispatch_planning" in result.meta:
        _print_planning(result.meta["dispatch_planning"])
    if profile is not None:
        out.print(f"time per stage and per component written to {out_dir}/profile.json")


def _write_profile(path: Path, stages: dict, components: dict, scenario, compiled) -> None:
    """``profile.json``: where the time of a run went, for users with big cities."""
    import json

    steps = scenario.steps * max(compiled.n_build, 1)
    doc = {
        "stages_s": {k: round(v, 4) for k, v in stages.items()},
        "simulate_components_s": dict(sorted(components.items(), key=lambda kv: -kv[1])),
        "buildings": compiled.n_build,
        "steps": scenario.steps,
        "us_per_building_step": round(stages["simulate_s"] / steps * 1e6, 4),
    }
    path.write_text(json.dumps(doc, indent=2) + "\n")


def _simulate_with_bar(simulate, compiled, scenario, seed, check=False, profile=None):
    with Progress(
        TextColumn("[bold]simulating[/]"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} steps"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=False,
    ) as bar:
        task = bar.add_task("sim", total=scenario.steps)
        return simulate(
            compiled,
            scenario,
            seed=seed,
            progress=lambda k, n: _tick(bar, task, k),
            check=check,
            profile=profile,
        )


def _print_planning(p: dict) -> None:
    """One line on the ``optimized`` dispatch's plans (``Result.meta["dispatch_planning"]``)."""
    share, gap = p["dispatch_proved_optimal_share"], p["dispatch_mean_gap"]
    ms = p["dispatch_decision_ms_mean"]
    out.print(
        f"optimized dispatch: {p['dispatch_decisions']} plans, "
        f"{p['dispatch_solver_calls']} solved by the MILP"
        + ("" if share is None else f", {100 * share:.0f} % proved optimal")
        + ("" if gap is None else f", mean gap {100 * gap:.1f} %")
        + ("" if ms is None else f"; {ms:.1f} ms per decision"),
        soft_wrap=True,
    )


def _print_summary(summary: dict, out_dir: Path, report: bool = True) -> None:
    t = Table(title="coldstart summary", show_header=True, header_style="bold")
    t.add_column("figure")
    t.add_column("value", justify="right")
    for key in (
        "buildings_total",
        "residents_total",
        "buildings_lost_heat",
        "blocks_lost_heat",
        "blocks_without_heat_peak",
        "buildings_lost_power",
        "peak_people_without_heat",
        "peak_people_without_power",
        "person_hours_below_12c",
        "vulnerable_person_hours_below_12c",
        "person_hours_below_5c",
        "buildings_drained",
        "buildings_frozen",
        "peak_people_in_shelters",
        "unmet_shelter_demand_person_hours",
        "energy_not_served_mwh",
        "heat_not_served_mwh_th",
        "hours_to_restore_heat_95pct",
        "hours_to_restore_power_95pct",
    ):
        v = summary.get(key)
        if v is None:
            s = "not within horizon"
        elif isinstance(v, float):
            s = f"{v:,.1f}"
        else:
            s = f"{v:,}"
        t.add_row(key, s)
    print_table(t)
    hint = " (open report.html in a browser)" if report else ""
    out.print(f"results written to {out_dir}/{hint}", soft_wrap=True)


@app.command()
def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="output folder")] = Path(
        "coldstart-out/demo"
    ),
    seed: Seed = None,
    buildings: Annotated[
        int, typer.Option(min=10, max=100_000, help="buildings in the sample city")
    ] = DEFAULT_BUILDINGS,
    report: Annotated[bool, typer.Option(help="write report.html")] = True,
    check: Check = False,
    profile: Profile = False,
) -> None:
    """Run the built-in scenario (night strike at -20 °C, 7 days) on the sample city."""
    from coldstart.city.synth import synth_city
    from coldstart.outdir import check_target
    from coldstart.scenario import example_scenario

    check_target(out_dir, command="coldstart run")
    err.print(f"building the sample city ({buildings} buildings, seed {DEFAULT_CITY_SEED})")
    t0 = perf_counter()
    city = synth_city(buildings, seed=DEFAULT_CITY_SEED)
    scenario_on_city(example_scenario(), city, "the built-in scenario")
    stages = {"synth_city_s": perf_counter() - t0} if profile else None
    _run_and_save(city, example_scenario(), seed, out_dir, report, (), "sample city", check, stages)


@app.command()
def run(
    city_dir: Annotated[Path, typer.Argument(help="city folder (with city.toml)")],
    scenario_file: Annotated[Path, typer.Argument(help="scenario TOML file")],
    out_dir: Annotated[Path, typer.Option("--out", help="output folder")] = Path(
        "coldstart-out/run"
    ),
    seed: Seed = None,
    report: Annotated[bool, typer.Option(help="write report.html")] = True,
    allow_outside: AllowOutside = False,
    check: Check = False,
    profile: Profile = False,
) -> None:
    """Simulate SCENARIO_FILE on the city in CITY_DIR and write results to --out."""
    from coldstart.city import load_city
    from coldstart.outdir import check_target
    from coldstart.scenario import load_scenario
    from coldstart.scenario.weather import outdoor_temperature_c

    t0 = perf_counter()
    scenario = load_scenario(scenario_file)
    weather = [scenario.weather.csv] if scenario.weather.csv else []
    inputs = (*city_inputs(city_dir, allow_outside), scenario_file, *weather)
    check_target(out_dir, inputs, command="coldstart run")  # before anything is read at length
    outdoor_temperature_c(scenario)  # weather problems before the long part
    city = load_city(city_dir, allow_outside=allow_outside)
    scenario_on_city(scenario, city, str(scenario_file))
    stages = {"load_s": perf_counter() - t0} if profile else None
    _run_and_save(city, scenario, seed, out_dir, report, inputs, str(city_dir), check, stages)


@city_app.command("synth")
def city_synth(
    out_dir: Annotated[Path, typer.Argument(help="folder to write the city to")],
    buildings: Annotated[
        int, typer.Option(min=10, max=100_000, help="number of residential buildings")
    ] = DEFAULT_BUILDINGS,
    seed: Annotated[
        int, typer.Option(min=0, max=MAX_SEED, help="seed of the city's random layout")
    ] = DEFAULT_CITY_SEED,
) -> None:
    """Write a deterministic synthetic sample city.

    Small cities are degenerate for strike scenarios: below about 400 buildings one HV
    substation feeds everything (a single hit blacks out the whole city), and heat mains
    (kind heat_main) appear only from about 850-950 buildings, not for every seed. A warning
    says so; the default 2,000 buildings has several of each.
    """
    from coldstart.city import save_city
    from coldstart.city.synth import synth_city
    from coldstart.outdir import check_target

    check_target(out_dir, command="coldstart city")
    city = synth_city(buildings, seed=seed)
    save_city(city, out_dir)
    d = city.describe()
    out.print(
        f"wrote {out_dir}: {d['buildings']:,} buildings, {d['residents']:,} residents, "
        f"{d['grid_buses']:,} buses, {d['heat_pipes']:,} heat pipes, {d['assets']:,} assets"
    )
    warn_fragile(city)


def warn_fragile(city) -> None:
    """One warning line (stderr) per single point of failure of the city's assets."""
    from coldstart.city.validate import fragility_warnings

    for text in fragility_warnings(city):
        err.print(f"warning: {text}", markup=False, highlight=False, soft_wrap=True)


@city_app.command("check")
def city_check(
    city_dir: Annotated[Path, typer.Argument(help="city folder")],
    allow_outside: AllowOutside = False,
) -> None:
    """Validate a city folder and list every problem (everything a run would fail on)."""
    from coldstart.city import load_city

    city = load_city(city_dir, allow_outside=allow_outside)
    compile_checked(city, str(city_dir))
    d = city.describe()
    out.print(f"{city_dir}: ok")
    for k, v in d.items():
        out.print(f"  {k}: {v:,.1f}" if isinstance(v, float) else f"  {k}: {v:,}")
    warn_fragile(city)


@scenario_app.command("check")
def scenario_check(
    scenario_file: Annotated[Path, typer.Argument(help="scenario TOML file")],
    city_dir: Annotated[
        Path | None, typer.Option("--city", help="check ids against this city")
    ] = None,
    allow_outside: AllowOutside = False,
) -> None:
    """Validate a scenario file (and, with --city, the ids it names) and list every problem."""
    from coldstart.city import load_city
    from coldstart.scenario import load_scenario
    from coldstart.scenario.check import scenario_notes
    from coldstart.scenario.weather import outdoor_temperature_c

    scenario = load_scenario(scenario_file)
    temps = outdoor_temperature_c(scenario)
    if city_dir is not None:
        city = load_city(city_dir, allow_outside=allow_outside)
        scenario_on_city(scenario, city, str(scenario_file))
    else:
        print_notes(scenario_notes(scenario, str(scenario_file)))
    out.print(
        f"{scenario_file}: ok - {scenario.name!r}, {scenario.horizon_h:g} h in "
        f"{scenario.steps} steps of {scenario.step_min} min, {len(scenario.strikes)} wave(s), "
        f"outdoor {temps.min():.1f}..{temps.max():.1f} °C"
    )


@scenario_app.command("example")
def scenario_example() -> None:
    """Print the built-in demo scenario as TOML (start your own from it)."""
    from coldstart.scenario import example_scenario_text

    sys.stdout.write(example_scenario_text())


TERMINATED = threading.Event()
"""Set by SIGTERM. A signal is delivered to the whole process, so this is process-wide state:
the exception the handler raises is lost when it lands inside a finalizer or a weakref
callback (Python prints "Exception ignored" and goes on), so the simulation also checks this
flag after every step."""


def _terminated(signum, frame) -> None:
    """SIGTERM: unwind like Ctrl-C so that temporary output folders are removed."""
    TERMINATED.set()
    raise SystemExit(143)


def _tick(bar, task, k: int) -> None:
    """Progress after step ``k``; stop here if a SIGTERM's exception was swallowed."""
    if TERMINATED.is_set():
        raise SystemExit(143)
    bar.update(task, completed=k)


def _plain_help(command) -> None:
    """Plain (click) help and usage errors for ``command`` and every subcommand: Typer's rich
    help reads square brackets as markup and drops units such as ``[h]``, and adds ``<bool>``
    after every flag; arguments are named in capitals in usage lines, as in descriptions."""
    command.rich_markup_mode = None
    for param in getattr(command, "params", []):
        if param.param_type_name == "argument" and param.metavar is None:
            param.metavar = param.name.upper()  # CITY_DIR, as the descriptions name it
    for sub in getattr(command, "commands", {}).values():
        _plain_help(sub)


def _is_click_error(exc: BaseException, name: str = "ClickException") -> bool:
    """Whether ``exc`` is click's ``name`` exception (Typer vendors its own copy of click, so
    the class is matched by name, whichever click raised it)."""
    return any(c.__name__ == name for c in type(exc).__mro__)


def _click_exit(exc: Exception) -> None:
    """Exit as click would for its own errors, in one line for a usage error (click prints the
    usage, a hint and the error over three lines); return for any other exception."""
    if not _is_click_error(exc):
        return
    if _is_click_error(exc, "NoArgsIsHelpError"):  # `coldstart plan`: its help, as click does
        exc.show()
        sys.exit(exc.exit_code)
    say = exc.format_message()
    if _is_click_error(exc, "UsageError"):  # a bad or missing option or argument, no command
        ctx = getattr(exc, "ctx", None)
        say += f" (see {ctx.command_path if ctx is not None else 'coldstart'} --help)"
    err.print(f"error: {say}", soft_wrap=True)
    sys.exit(exc.exit_code)


def main() -> None:
    """Entry point: run the app; bad input exits 2 with one line per problem, no traceback."""
    import signal

    previous = signal.signal(signal.SIGTERM, _terminated)
    # into a file or pipe a sentence stays one line (Rich would break it at 80 columns);
    # a terminal wraps at its own width
    out.soft_wrap = not out.is_terminal
    err.soft_wrap = not err.is_terminal  # (an error line piped to a log stays one line)
    try:
        command = typer.main.get_command(app)
        _plain_help(command)
        # not standalone: a usage error comes here, to be said in one line (click prints the
        # usage, a hint and the error over three); commands return None, an exit returns its code
        code = command.main(prog_name="coldstart", standalone_mode=False)
        if code == 130:  # Ctrl-C inside a command (click's Exit(130))
            raise KeyboardInterrupt
        if isinstance(code, int) and not isinstance(code, bool) and code:
            sys.exit(code)
    except typer.Abort:
        err.print("aborted; nothing was written")
        sys.exit(1)
    except InputError as exc:
        for p in exc.problems:
            err.print(f"error: {p}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("interrupted; nothing was written")
        sys.exit(130)
    except SystemExit as exc:
        # Typer turns Ctrl-C into a silent exit 130; a command that keeps what it did (a sweep)
        # says so itself and marks the exit as reported
        if exc.code == 130 and not getattr(exc, "reported", False):
            err.print("interrupted; nothing was written")
        raise
    except RecursionError:
        err.print("error: input nested too deeply to be read")
        sys.exit(2)
    except MemoryError:
        err.print("error: out of memory; try fewer buildings or a shorter horizon")
        sys.exit(1)
    except Exception as exc:  # a bug, not bad input: still no traceback for the user
        _click_exit(exc)  # (unless it is click's: a bad option, a missing argument)
        first = str(exc).splitlines()[0] if str(exc) else ""
        err.print(
            f"internal error: {type(exc).__name__}: {first} (set COLDSTART_DEBUG=1 for details)",
            markup=False,
        )
        import os

        if os.environ.get("COLDSTART_DEBUG"):
            raise
        sys.exit(1)
    finally:
        signal.signal(signal.SIGTERM, previous)


TOPICS: tuple[str, ...] = (
    "compare",
    "thermal",
    "grid",
    "people",
    "backups",
    "value",
    "sensitivity",
    "sweep",
    "store",
    "reference",
    "diff",
    "osm",
    "serve",
)
"""Modules of this package that add commands to :data:`app` when imported."""

for _topic in TOPICS:
    if importlib.util.find_spec(f"coldstart.cli.{_topic}") is not None:
        importlib.import_module(f"coldstart.cli.{_topic}")
