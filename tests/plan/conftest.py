"""Fixtures of the plan tests: a 300-building city and a one-day scenario with a second wave."""

import pytest

from coldstart.city import save_city
from coldstart.city.synth import synth_city
from coldstart.scenario import example_scenario_text, parse_scenario

PLAN_BUILDINGS = 300


def tiny_scenario_text() -> str:
    """The demo scenario cut to 24 h, its follow-up drone wave early and heavier (so that
    boiler houses lose grid power and a generator there matters)."""
    text = example_scenario_text().replace("horizon_h = 168.0", "horizon_h = 24.0")
    text = text.replace("at_h = 74.0", "at_h = 3.0")
    text = text.replace("threats = { drone = 25 }", "threats = { drone = 60 }")
    # the demo's second wave names assets of the 2,000-building city; this city has others
    return "\n".join(
        ln for ln in text.splitlines() if "a_ts_421" not in ln and "a_p_001138" not in ln
    )


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
