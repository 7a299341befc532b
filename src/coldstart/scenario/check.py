"""Checks of a scenario against a city: every id it names must exist there."""

from __future__ import annotations

from coldstart.city.model import City
from coldstart.errors import Problem
from coldstart.scenario.model import Scenario


def check_against_city(scenario: Scenario, city: City, file: str) -> list[Problem]:
    """Return every problem of ``scenario`` that only the city can reveal.

    Explicit hits naming unknown assets; target weights on asset kinds the city does not have
    (a weight on a missing kind would silently never be drawn).
    """
    problems = []
    ids = set(city.assets["asset_id"])
    kinds = set(city.assets["kind"])
    for i, wave in enumerate(scenario.strikes):
        for j, hit in enumerate(wave.hits):
            if hit.asset_id not in ids:
                problems.append(
                    Problem(
                        file,
                        f"key 'strikes[{i}].hits[{j}].asset_id'",
                        "",
                        f"unknown asset {hit.asset_id!r} (not in the city's assets table)",
                    )
                )
        for kind in wave.target_weights:
            if kind not in kinds and wave.target_weights[kind] > 0:
                problems.append(
                    Problem(
                        file,
                        f"key 'strikes[{i}].target_weights.{kind}'",
                        "",
                        f"the city has no asset of kind {kind!r}",
                    )
                )
    return problems
