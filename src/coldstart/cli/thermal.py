"""``coldstart cooldown`` and ``coldstart archetypes``: how fast buildings get cold.

Imported by :mod:`coldstart.cli` (topic "thermal"); registers its commands on :data:`app`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.table import Table

from coldstart.cli import app, out, print_notes, print_table
from coldstart.errors import InputError, Problem


class ThermalInputError(InputError):
    """Bad input to a thermal command (unknown archetype, bad temperature or weather file)."""


def _archetype_or_fail(name: str):
    from coldstart.thermal.archetypes import archetypes

    arch = archetypes()
    if name not in arch:
        raise ThermalInputError(
            Problem("--archetype", "", "archetype",
                    f"unknown archetype {name!r}; expected one of {', '.join(arch)}")
        )  # fmt: skip
    return arch[name]


def _weather_hourly(path: Path, hours: float) -> np.ndarray:
    """Hourly outdoor temperatures from hour 0 of a weather CSV (last value held) [°C]; notes
    on stderr when the file ends early or has long gaps between rows."""
    import pandas as pd

    from coldstart.scenario.weather import gap_notes, read_weather_csv

    # only differences count: times with and without a UTC offset are all read (naive as UTC)
    series = read_weather_csv(path, pd.Timestamp("2000-01-01", tz="UTC"))
    h = series.index.to_numpy(float)
    h = h - h[0]  # the file's first row is the moment heat stops
    notes: list[object] = [*gap_notes(h, str(path), hours)]
    if h[-1] < hours:
        notes.append(f"{path} covers {h[-1]:g} h; its last value is held to {hours:g} h")
    print_notes(notes)
    grid = np.arange(int(np.ceil(hours)) + 1, dtype=float)
    return np.interp(grid, h, series.to_numpy(float))


def text_chart(
    hours: np.ndarray, avg_c: np.ndarray, worst_c: np.ndarray, width: int = 60, height: int = 12
) -> str:
    """A small text chart: ``o`` building average, ``x`` worst flat, ``*`` both [°C vs h]."""
    cols = np.linspace(0, len(hours) - 1, width).round().astype(int)
    a, w = avg_c[cols], worst_c[cols]
    hi = float(np.ceil(max(a.max(), w.max())))
    lo = float(np.floor(min(a.min(), w.min())))
    span = max(hi - lo, 1.0)
    row = lambda v: np.clip(((hi - v) / span * (height - 1)).round().astype(int), 0, height - 1)  # noqa: E731
    grid = [[" "] * width for _ in range(height)]
    for c, (ra, rw) in enumerate(zip(row(a), row(w), strict=True)):
        grid[rw][c] = "x"
        grid[ra][c] = "*" if ra == rw else "o"
    lines = []
    for r in range(height):
        label = f"{hi - r * span / (height - 1):6.1f} |" if r % 3 == 0 or r == height - 1 else (
            "       |")  # fmt: skip
        lines.append(label + "".join(grid[r]))
    lines.append("       +" + "-" * width)
    end = f"{hours[-1]:g} h"
    lines.append("        0 h" + " " * max(1, width - 3 - len(end)) + end)
    lines.append("        o building average   x worst flat   * both")
    return "\n".join(lines)


@app.command()
def cooldown(
    archetype: Annotated[str, typer.Option(help="archetype name (see `coldstart archetypes`)")],
    outdoor_c: Annotated[
        float | None, typer.Option("--outdoor-c", help="constant outdoor temperature [°C]")
    ] = None,
    weather_csv: Annotated[
        Path | None,
        typer.Option(help="hourly outdoor temperatures (columns hours or time, temp_outdoor_c)"),
    ] = None,
    start_c: Annotated[float, typer.Option(help="indoor temperature when heat stops [°C]")] = 20.0,
    hours: Annotated[float, typer.Option(help="horizon [h]")] = 168.0,
    residents_home: Annotated[
        bool, typer.Option("--residents-home", help="residents stay home (body heat, no power)")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Hours until a building without heat falls to 18, 16, 12, 10, 5 and 0 °C."""
    from coldstart.thermal.cooldown import DEFAULT_DT_H
    from coldstart.thermal.cooldown import cooldown as run_cooldown

    a = _archetype_or_fail(archetype)
    problems = []
    if (outdoor_c is None) == (weather_csv is None):
        problems.append(Problem("command line", "", "--outdoor-c", "give --outdoor-c or "
                                "--weather-csv (one of them)"))  # fmt: skip
    if outdoor_c is not None and not -60.0 <= outdoor_c <= 30.0:
        problems.append(Problem("command line", "", "--outdoor-c",
                                f"expected -60..30 °C, got {outdoor_c:g}"))  # fmt: skip
    if not DEFAULT_DT_H <= hours <= 24.0 * 60:
        problems.append(
            Problem(
                "command line",
                "",
                "--hours",
                f"expected one step (10 min) to 1440 h, got {hours:g}",
            )
        )
    if not -10.0 <= start_c <= 35.0:
        problems.append(Problem("command line", "", "--start-c",
                                f"expected -10..35 °C, got {start_c:g}"))  # fmt: skip
    if problems:
        raise ThermalInputError(problems)
    temps = outdoor_c if weather_csv is None else _weather_hourly(weather_csv, hours)
    c = run_cooldown(a.name, temps, hours=hours, start_c=start_c, residents_home=residents_home)
    if as_json:
        sys.stdout.write(json.dumps(c.to_json(), indent=2) + "\n")
        return
    fmt = lambda v: "not reached" if v is None else f"{v:.1f} h"  # noqa: E731
    where = f"{outdoor_c:g} °C" if weather_csv is None else str(weather_csv)
    out.print(
        f"{a.name}: {a.description}; {a.floors} floors, {a.floor_area_m2:,.0f} m2; outdoor "
        f"{where}; from {start_c:g} °C; residents "
        f"{'home' if residents_home else 'away'}; slow time constant {c.tau_h:.1f} h",
        markup=False, highlight=False,
    )  # fmt: skip
    t = Table(show_header=True, header_style="bold")
    t.add_column("falls below")
    t.add_column("building average", justify="right")
    t.add_column("worst flat", justify="right")
    for k in c.hours_to_c:
        t.add_row(f"{k} °C", fmt(c.hours_to_c[k]), fmt(c.worst_flat_hours_to_c[k]))
    print_table(t)
    out.print(f"heating water at the +5 °C drain signal: {fmt(c.hours_to_drain_signal)}")
    out.print(f"ice in the least protected pipes:          {fmt(c.hours_to_freeze)}")
    out.print(text_chart(c.hours, c.temp_air_c, c.temp_worst_c), markup=False, highlight=False)


@app.command("archetypes")
def archetypes_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """List building archetypes with their RC parameters and slow time constant."""
    from dataclasses import asdict

    from coldstart.thermal.archetypes import archetypes

    rows = []
    for a in archetypes().values():
        avg, _ = a.typical_rc()
        rows.append(
            {
                **asdict(a),
                "heat_loss_w_m2k": round(a.heat_loss_w_m2k, 3),
                "worst_flat_factor": round(a.worst_flat_factor, 3),
                "ua_w_k": round(float(avg.ua_w_k[0]), 1),
                "hm_w_k": round(float(avg.hm_w_k[0]), 1),
                "ca_j_k": round(float(avg.ca_j_k[0]), 0),
                "cm_j_k": round(float(avg.cm_j_k[0]), 0),
                "tau_h": round(a.tau_h(), 2),
            }
        )
    if as_json:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return
    t = Table(title="building archetypes (typical building)", header_style="bold")
    for col in ("name", "floors", "m2", "UA W/K", "W/m2K", "Cm MJ/K", "worst", "tau h"):
        t.add_column(col, justify="left" if col == "name" else "right", no_wrap=True)
    for r in rows:
        t.add_row(
            r["name"], str(r["floors"]), f"{r['floor_area_m2']:.0f}", f"{r['ua_w_k']:.0f}",
            f"{r['heat_loss_w_m2k']:.2f}", f"{r['cm_j_k'] / 1e6:.0f}",
            f"{r['worst_flat_factor']:.2f}", f"{r['tau_h']:.1f}",
        )  # fmt: skip
    print_table(t)
    out.print(
        "sources and every envelope value: coldstart/data/archetypes.toml (--json lists them)"
    )
