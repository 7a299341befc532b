"""Scenarios: what happens to the city (weather, strikes, alerts, crews, policies, people)."""

from coldstart.scenario.check import (
    check_against_city,
    notes_against_city,
    warnings_against_city,
)
from coldstart.scenario.io import (
    example_scenario,
    example_scenario_text,
    load_scenario,
    parse_scenario,
)
from coldstart.scenario.model import Scenario

__all__ = [
    "Scenario",
    "check_against_city",
    "example_scenario",
    "example_scenario_text",
    "load_scenario",
    "notes_against_city",
    "parse_scenario",
    "warnings_against_city",
]
