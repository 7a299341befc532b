"""The story says when power was cut before the first wave (review item 5): in the demo, the
intact city's demand exceeds CHP and the import cap at 00:20, 1 h 40 min before the strike."""

from __future__ import annotations

import numpy as np
import pytest

from coldstart.report.narrative import short_before_strike, story
from coldstart.report.waves import strike_waves


@pytest.fixture(scope="module")
def demo_four_hours(demo_city):
    """The demo (its city and scenario) cut to 4 h: the first wave at 2 h."""
    from coldstart.scenario import example_scenario
    from coldstart.simulate import simulate

    return simulate(demo_city, example_scenario().model_copy(update={"horizon_h": 4.0}))


def test_demo_story_says_supply_was_short_before_the_wave(demo_four_hours):
    r = demo_four_hours
    tl = r.timeline
    first = min(w.hours for w in strike_waves(r.events, r.assets))
    before = tl[(tl["hours"] < first) & (tl["people_without_power"] > 0)]
    assert len(before)  # the case of the review: cut before the strike
    start = before["hours"].iloc[0]
    people = f"{before['people_without_power'].max():,.0f}"
    text = short_before_strike(r)
    assert text.startswith("Supply was already short before the first wave: rotating outages")
    clock = np.datetime64("2026-01-09T00:00") + np.timedelta64(int(round(start * 60)), "m")
    assert str(clock)[11:16] in text and f"({people} people)" in text
    lost = dict(story(r))["What was lost"]
    assert lost.startswith("<strong>Supply was already short")


def test_no_sentence_when_nothing_was_cut_before(demo_four_hours):
    r = demo_four_hours
    tl = r.timeline.copy()
    first = min(w.hours for w in strike_waves(r.events, r.assets))
    tl.loc[tl["hours"] < first, "people_without_power"] = 0
    calm = type(r)(**{**r.__dict__, "timeline": tl})
    assert short_before_strike(calm) == ""
    assert "already short" not in dict(story(calm))["What was lost"]


def test_run_prints_the_shortage_line_before_the_summary(cli, tmp_path, demo_city):
    # `coldstart run` says it too, above the summary table: the first thing a user reads
    from coldstart.city import save_city
    from demo_texts import short_demo_text

    city_dir = save_city(demo_city, tmp_path / "city")
    scenario = tmp_path / "s.toml"
    scenario.write_text(short_demo_text(4, 3))
    code, out, err = cli("run", city_dir, scenario, "--out", tmp_path / "out", "--no-report")
    assert code == 0, err
    line = next(x for x in out.splitlines() if "already short" in x)
    assert line.startswith("Supply was already short before the first wave: rotating outages")
    assert out.index("already short") < out.index("coldstart summary")
