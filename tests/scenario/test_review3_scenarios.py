"""Scenario inputs the third new-user review (1 Dec 2026) found read wrongly without a word:
two hits on one asset in one wave (the last one won), a horizon between two steps (rounded up),
and ``beyond_repair`` on an undamaged asset (ignored)."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from coldstart.city.synth import synth_city
from coldstart.errors import ScenarioError
from coldstart.scenario import parse_scenario
from coldstart.scenario.strikes import resolve_wave
from coldstart.scenario.targets import ranked, resolve_hits
from coldstart.simulate import simulate

WORST = '{ kind = "chp_plant", rank = 1, damage = "complete", beyond_repair = true }'
SLIGHT_BY_RANK = '{ kind = "chp_plant", rank = 1, damage = "slight" }'
SLIGHT_BY_ID = '{ asset_id = "a_chp_1", damage = "slight" }'


@cache
def _city():
    return synth_city(80, seed=0)


def _scenario(hits: list[str], horizon_h: float = 6.0, step_min: int = 10, extra: str = ""):
    """A short scenario with one wave (at 1 h) of these explicit hits and nothing drawn."""
    return parse_scenario(
        f"start = 2026-01-09T02:00:00\nhorizon_h = {horizon_h!r}\nstep_min = {step_min}\n"
        f"[alerts]\nrandom_per_day = 0.0\n"
        f'[[strikes]]\nname = "night strike"\nat_h = 1.0\nhits = [{", ".join(hits)}]\n{extra}'
    )


def _damage(hits: list[str]):
    sc = resolve_hits(_scenario(hits), _city())
    out = resolve_wave(sc.strikes[0], _city().assets, np.random.default_rng(0))
    return {d.asset_id: d for d in out.damage}


@pytest.mark.parametrize("light", [SLIGHT_BY_RANK, SLIGHT_BY_ID])
@pytest.mark.parametrize("worst_first", [True, False])
def test_two_hits_on_one_asset_in_one_wave_keep_the_worst(light, worst_first):
    # review A4: the last hit won, so "complete, beyond repair" became "slight" by line order
    assert ranked(_city(), "chp_plant")[0] == "a_chp_1"
    hits = [WORST, light] if worst_first else [light, WORST]
    damage = _damage(hits)
    assert list(damage) == ["a_chp_1"]
    assert damage["a_chp_1"].state == "complete" and damage["a_chp_1"].beyond_repair


def test_combined_hits_take_the_worst_hits_repair_time_and_any_beyond_repair():
    slight_beyond = '{ asset_id = "a_chp_1", damage = "slight", beyond_repair = true }'
    moderate = '{ asset_id = "a_chp_1", damage = "moderate", repair_h = 30.0 }'
    extensive = '{ asset_id = "a_chp_1", damage = "extensive" }'
    light_long = '{ asset_id = "a_chp_2", damage = "slight", repair_h = 90.0 }'
    worst_short = '{ asset_id = "a_chp_2", damage = "extensive", repair_h = 12.0 }'
    damage = _damage([slight_beyond, moderate, light_long, worst_short])
    assert list(damage) == ["a_chp_1", "a_chp_2"]  # in the order each is first named
    one, two = damage["a_chp_1"], damage["a_chp_2"]
    assert (one.state, one.repair_h, one.beyond_repair) == ("moderate", 30.0, True)
    assert (two.state, two.repair_h, two.beyond_repair) == ("extensive", 12.0, False)
    # the worst hit gives no repair time: its own is drawn, not the lighter hit's 30 h
    damage = _damage([moderate, extensive])
    assert (damage["a_chp_1"].state, damage["a_chp_1"].repair_h) == ("extensive", None)


@pytest.mark.parametrize("worst_first", [True, False])
def test_a_run_keeps_the_plant_beyond_repair_whatever_the_order(worst_first):
    hits = [WORST, SLIGHT_BY_ID] if worst_first else [SLIGHT_BY_ID, WORST]
    result = simulate(_city(), _scenario(hits, horizon_h=3.0))
    row = result.assets.set_index("asset_id").loc["a_chp_1"]
    assert (row["damage_state"], row["hits"], row["state_at_end"]) == (
        "complete",
        1,
        "beyond repair",
    )


def test_scenario_check_warns_of_an_asset_named_twice(cli, tmp_path, small_city_dir):
    path = tmp_path / "twice.toml"
    path.write_text(
        'start = 2026-01-09T02:00:00\nhorizon_h = 6.0\n[[strikes]]\nname = "night strike"\n'
        f"at_h = 1.0\nhits = [{WORST}, {SLIGHT_BY_ID}]\n"
    )
    code, out, err = cli("scenario", "check", path, "--city", small_city_dir)
    assert code == 0 and "ok" in out, err
    warnings = [ln for ln in err.splitlines() if ln.startswith("warning: ")]
    assert warnings == [
        f"warning: {path}, key 'strikes[0].hits[1]': wave 'night strike' (strikes[0]) names "
        "asset 'a_chp_1' again (first in hits[0]): its hits combine as the worst, complete, "
        "beyond repair"
    ]
    path.write_text(path.read_text().replace(SLIGHT_BY_ID, SLIGHT_BY_ID.replace("1", "2")))
    code, _, err = cli("scenario", "check", path, "--city", small_city_dir)
    assert code == 0 and "warning" not in err


def test_dashboard_check_lists_the_warning_with_its_notes():
    from coldstart.web.cities import CityEntry
    from coldstart.web.runner import parse_checked

    text = (
        'start = 2026-01-09T02:00:00\nhorizon_h = 6.0\n[[strikes]]\nname = "night strike"\n'
        f"at_h = 1.0\nhits = [{SLIGHT_BY_ID}, {WORST}]\n"
    )
    _, notes = parse_checked(text, CityEntry("small", "test", _city(), None, ""))
    warned = [n for n in notes if "key 'strikes[0].hits[1]'" in n]
    assert len(warned) == 1
    assert warned[0].endswith(
        "names asset 'a_chp_1' again (first in hits[0]): its hits combine as the worst, "
        "complete, beyond repair"
    )


@pytest.mark.parametrize(
    ("horizon_h", "step_min", "low", "high"),
    [(47.5, 60, "47.0", "48.0"), (47.25, 10, "47.1667", "47.3333"), (2.01, 1, "2.0", "2.0167")],
)
def test_horizon_between_two_steps_is_refused(horizon_h, step_min, low, high):
    # review A5: 47.5 h in steps of 60 min ran 48 steps; events at 48.0 h, two horizons shown
    with pytest.raises(ScenarioError) as caught:
        _scenario([SLIGHT_BY_ID], horizon_h, step_min)
    assert str(caught.value) == (
        f"<scenario>: horizon_h = {horizon_h:g} is not a whole number of {step_min}-min steps: "
        f"use {low} or {high}"
    )
    for hours in (low, high):  # the horizons suggested are taken, with their whole steps
        sc = _scenario([SLIGHT_BY_ID], float(hours), step_min)
        assert sc.steps == round(float(hours) * 60 / step_min)
        assert abs(sc.steps * sc.step_min / 60 - sc.horizon_h) < 1e-3


def test_horizon_check_on_the_command_line(cli, tmp_path):
    path = tmp_path / "step60.toml"
    path.write_text(
        "start = 2026-01-09T00:00:00\nhorizon_h = 47.5\nstep_min = 60\n[[strikes]]\nat_h = 2.0\n"
    )
    code, out, err = cli("scenario", "check", path)
    assert (code, out) == (2, "")
    assert err.strip() == (
        f"error: {path}: horizon_h = 47.5 is not a whole number of 60-min steps: use 47.0 or 48.0"
    )


def test_beyond_repair_without_damage_is_refused(cli, tmp_path):
    # review B6: damage = "none" with beyond_repair = true was accepted and ignored
    none_beyond = '{ asset_id = "a_chp_1", damage = "none", beyond_repair = true }'
    with pytest.raises(ScenarioError, match=r"key 'strikes\[0\]\.hits\[1\]\.beyond_repair'"):
        _scenario([SLIGHT_BY_ID.replace("_1", "_2"), none_beyond])
    path = tmp_path / "nonebeyond.toml"
    path.write_text(f"start = 2026-01-09T00:00:00\nhorizon_h = 6.0\n[[strikes]]\nat_h = 2.0\n"
                    f"hits = [{none_beyond}]\n")  # fmt: skip
    code, _, err = cli("scenario", "check", path)
    assert code == 2
    assert err.strip() == (
        f"error: {path}, key 'strikes[0].hits[0].beyond_repair': beyond_repair = true with "
        "damage = 'none': an undamaged asset cannot be beyond repair (give its damage state, "
        "or drop beyond_repair)"
    )
    none = _scenario(['{ asset_id = "a_chp_1", damage = "none" }']).strikes[0].hits[0]
    assert (none.damage, none.beyond_repair) == ("none", False)  # "not damaged" stays allowed


def test_leakers_onto_a_named_asset_are_said():
    # review A4 (second part): 20 leaking missiles aimed only at the city's HV substations,
    # one of them named with a slight hit: the draws on it gave way to the explicit hit and
    # the wave's event said nothing of them
    subs = ranked(_city(), "hv_substation")
    wave = (
        "threats = { ballistic = 20 }\ninterception = { ballistic = 0.0 }\n"
        "target_weights = { hv_substation = 1.0 }\n"
    )
    named = f'{{ asset_id = "{subs[0]}", damage = "slight" }}'
    sc = resolve_hits(_scenario([named], extra=wave), _city())
    out = resolve_wave(sc.strikes[0], _city().assets, np.random.default_rng(0))
    assert out.leaked["ballistic"] == 20 and out.superseded > 0
    assert {d.asset_id: d.state for d in out.damage}[subs[0]] == "slight"  # what happened
    waves = simulate(_city(), sc).events.query("kind == 'wave'")
    assert (
        f"; {out.superseded} leakers drawn onto assets the wave names explicitly"
        in (waves["detail"].iloc[0])
    )
    plain = resolve_hits(_scenario([], extra=wave), _city())
    assert resolve_wave(plain.strikes[0], _city().assets, np.random.default_rng(0)).superseded == 0
