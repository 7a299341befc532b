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
    return notes + idle_crews(scenario, city, file)


def idle_crews(scenario: Scenario, city: City, file: str) -> list[Problem]:
    """Crew types set to 0 that the scenario's waves would need: what they repair stays out
    to the end (allowed: a what-if without crews of a kind)."""
    from coldstart.scenario.tables import repair_times
    from coldstart.scenario.targets import hit_target

    a = city.assets.set_index("asset_id")["kind"]
    struck, cache = set(), {}
    for wave in scenario.strikes:
        struck |= {k for k, w in wave.target_weights.items() if w > 0 and k in set(a)}
        named = (hit_target(h, city, cache) for h in wave.hits if h.damage != "none")
        struck |= {a[t] for t in named if t is not None and t in a.index}
    table = repair_times().reset_index()
    out = []
    for crew in sorted(set(table.loc[table["asset_kind"].isin(struck), "crew_type"])):
        if getattr(scenario.crews, crew, 1) == 0:
            what = sorted(set(table.loc[table["crew_type"] == crew, "asset_kind"]) & struck)
            kinds = f"kind{'s' if len(what) > 1 else ''} {', '.join(what)}"
            why = f"no crew of this type: damaged assets of {kinds} are never repaired"
            out.append(Problem(file, f"key 'crews.{crew}'", "", why))
    return out


def warnings_against_city(scenario: Scenario, city: City, file: str) -> list[Problem]:
    """Things allowed but likely a slip: a wave naming one asset twice in its hits (they combine
    as the worst damage; :func:`coldstart.scenario.targets.hit_warnings`)."""
    from coldstart.scenario.targets import hit_warnings

    return hit_warnings(scenario, city, file)


def windows_after_horizon(scenario: Scenario, file: str) -> list[Problem]:
    """Alert windows and truces that begin at or after the horizon: allowed (a scenario may
    outlast its horizon), but they change nothing in this run, which a shortened horizon
    makes easy to miss."""
    out = []
    for name, windows in (("alerts.windows", scenario.alerts.windows), ("truces", scenario.truces)):
        for i, w in enumerate(windows):
            if w.start_h >= scenario.horizon_h:
                why = (
                    f"starts at {w.start_h:g} h, at or after the horizon "
                    f"({scenario.horizon_h:g} h): it changes nothing in this run"
                )
                out.append(Problem(file, f"key '{name}[{i}]'", "", why))
    return out


def scenario_notes(scenario: Scenario, file: str) -> list[Problem]:
    """Things worth knowing about a scenario alone, which are not wrong: windows after the
    horizon (:func:`windows_after_horizon`) and its weather file's
    (:func:`coldstart.scenario.weather.weather_notes`)."""
    from coldstart.scenario.weather import weather_notes

    return [*windows_after_horizon(scenario, file), *weather_notes(scenario, file)]
