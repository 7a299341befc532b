"""Shared fixtures: a small synthetic city saved once per test session."""

import os
import shutil
import sys
from pathlib import Path

import pytest
from hypothesis import settings

from coldstart.city import save_city
from coldstart.city.synth import synth_city
from demo_texts import short_demo_text

# Hypothesis profiles: a short, reproducible one for `make test`; HYPOTHESIS_PROFILE=long for a
# deeper search when changing the loaders.
settings.register_profile("ci", max_examples=25, derandomize=True, deadline=None)
settings.register_profile("long", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

SMALL_BUILDINGS = 80


@pytest.fixture(scope="session")
def small_city():
    """An 80-building synthetic city (seed 0)."""
    return synth_city(SMALL_BUILDINGS, seed=0)


@pytest.fixture(scope="session")
def small_city_dir(tmp_path_factory, small_city):
    """The small city saved as a folder (read-only by convention: copy before editing)."""
    return save_city(small_city, tmp_path_factory.mktemp("city") / "small")


@pytest.fixture()
def city_copy(tmp_path, small_city_dir):
    """A private copy of the small city folder that a test may break."""
    dst = tmp_path / "city"
    shutil.copytree(small_city_dir, dst)
    return dst


@pytest.fixture()
def short_scenario(tmp_path):
    """The demo scenario cut to 24 hours (writes ``scenario.toml``)."""
    p = tmp_path / "scenario.toml"
    p.write_text(short_demo_text(24, 20))
    return p


DEMO_BUILDINGS = 2000
"""The demo city: every report, GIS and diff test reads one run of it per session."""


def _demo_folder(tmp_path_factory, city, name: str, seed: int | None) -> Path:
    from coldstart.scenario import example_scenario
    from coldstart.simulate import simulate

    out = tmp_path_factory.mktemp("demo") / name
    simulate(city, example_scenario(), seed=seed).save(out, report=True)
    return out


@pytest.fixture(scope="session")
def demo_city():
    """The demo's 2,000-building synthetic city (seed 0)."""
    return synth_city(DEMO_BUILDINGS, seed=0)


@pytest.fixture(scope="session")
def demo_run_dir(tmp_path_factory, demo_city) -> Path:
    """The output folder of the demo (2,000 buildings, the built-in week, its own seed), with
    report.html, results.gpkg and the outage schedule. Read-only by convention."""
    return _demo_folder(tmp_path_factory, demo_city, "demo", None)


@pytest.fixture(scope="session")
def demo_run_b_dir(tmp_path_factory, demo_city) -> Path:
    """The demo again with run seed 5 (other strikes on the same city), for ``coldstart diff``."""
    return _demo_folder(tmp_path_factory, demo_city, "demo-seed5", 5)


def run_cli(args, monkeypatch, capsys):
    """Run the ``coldstart`` entry point in-process; return (exit code, stdout, stderr)."""
    from coldstart import cli

    monkeypatch.setattr(sys, "argv", ["coldstart", *[str(a) for a in args]])
    code = 0
    try:
        cli.main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture()
def cli(monkeypatch, capsys):
    """Call the CLI in-process: ``cli("run", city, scenario, "--out", out)``."""
    return lambda *args: run_cli(args, monkeypatch, capsys)


def read_lines(path: Path) -> list[str]:
    return Path(path).read_text().splitlines()


OSM_EXAMPLE = Path(__file__).parents[1] / "examples" / "osm" / "kharkiv-synthetic.osm.pbf"
"""The bundled OpenStreetMap example (405 buildings with footprints)."""


@pytest.fixture(scope="session")
def osm_example_dir(tmp_path_factory) -> Path:
    """The bundled OSM example imported (grid and heat network synthetic) into ``city/`` and
    run for the demo week into ``run/`` with its report. Read-only by convention."""
    from coldstart.city import load_city
    from coldstart.city.osm import city_from_osm
    from coldstart.city.osm.write import save_osm_city
    from coldstart.scenario import example_scenario
    from coldstart.simulate import simulate

    base = tmp_path_factory.mktemp("osm-example")
    save_osm_city(city_from_osm(OSM_EXAMPLE, seed=1), base / "city", source=OSM_EXAMPLE.name)
    simulate(load_city(base / "city"), example_scenario()).save(base / "run", report=True)
    return base
