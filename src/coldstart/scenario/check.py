"""Checks of a scenario against a city: every id it names must exist there."""

from __future__ import annotations

from coldstart.city.model import City
from coldstart.errors import Problem
from coldstart.scenario.model import Scenario


def check_against_city(scenario: Scenario, city: City, file: str) -> list[Problem]:
    """Return every problem of ``scenario`` that only the city can reveal.

    An explicit hit naming an asset the city does not have, or a kind it has fewer of than the
    hit's rank, is an error.
    """
    from coldstart.scenario.targets import hit_problems

    return hit_problems(scenario, city, file)


def notes_against_city(scenario: Scenario, city: City, file: str) -> list[Problem]:
    """Things worth knowing but not wrong: target weights on kinds the city does not have, and
    hits by kind and rank beyond what the city has.

    One scenario serves many cities, so such a weight is allowed (its share is never drawn) and
    such a hit is left out.
    """
    from coldstart.scenario.targets import hit_notes

    notes = hit_notes(scenario, city, file)
    kinds = set(city.assets["kind"])
    for i, wave in enumerate(scenario.strikes):
        for kind, w in wave.target_weights.items():
            if kind not in kinds and w > 0:
                notes.append(
                    Problem(
                        file,
                        f"key 'strikes[{i}].target_weights.{kind}'",
                        "",
                        f"the city has no asset of kind {kind!r}; this weight is never drawn",
                    )
                )
    return notes


def warnings_against_city(scenario: Scenario, city: City, file: str) -> list[Problem]:
    """Things allowed but likely a slip: a wave naming one asset twice in its hits (they combine
    as the worst damage; :func:`coldstart.scenario.targets.hit_warnings`)."""
    from coldstart.scenario.targets import hit_warnings

    return hit_warnings(scenario, city, file)
