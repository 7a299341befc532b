"""Fixtures of the plan tests: a 300-building city and a one-day scenario with a second wave."""

import pytest

from coldstart.city import save_city
from coldstart.city.synth import synth_city
from coldstart.scenario import parse_scenario
from demo_texts import short_demo_text

PLAN_BUILDINGS = 300


def tiny_scenario_text() -> str:
    """The demo scenario cut to 24 h, its follow-up drone wave early and heavier (so that
    boiler houses lose grid power and a generator there matters)."""
    text = short_demo_text(24, 3)
    assert "threats = { drone = 25 }" in text
    return text.replace("threats = { drone = 25 }", "threats = { drone = 60 }")


@pytest.fixture(scope="session")
def plan_city():
    """A 300-building synthetic city (seed 0)."""
    return synth_city(PLAN_BUILDINGS, seed=0)


@pytest.fixture(scope="session")
def plan_city_dir(tmp_path_factory, plan_city):
    """The 300-building city saved as a folder (read-only by convention)."""
    return save_city(plan_city, tmp_path_factory.mktemp("plan-city") / "city300")


@pytest.fixture(scope="session")
def tiny_scenario():
    """:func:`tiny_scenario_text` parsed."""
    return parse_scenario(tiny_scenario_text())


@pytest.fixture()
def tiny_scenario_file(tmp_path):
    """:func:`tiny_scenario_text` written to ``scenario.toml``."""
    p = tmp_path / "scenario.toml"
    p.write_text(tiny_scenario_text())
    return p
