"""The report's story, labels, waves, map and atomic writing, on small made-up results."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from coldstart.outputs import output_specs
from coldstart.report.labels import SUMMARY_FORMAT
from coldstart.report.narrative import story
from coldstart.report.waves import strike_waves
from coldstart.result import Result

pytest.importorskip("plotly")


def _result(people_end: int = 300, wave_name: str = "dawn raid") -> Result:
    hours = np.arange(0, 24, 0.5)
    people = np.where(hours < 2, 0, np.where(hours < 10, 1000, people_end)).astype(int)
    timeline = pd.DataFrame(
        {"time": pd.Timestamp("2026-01-09") + pd.to_timedelta(hours, unit="h"), "hours": hours,
         "temp_outdoor_c": -10 - hours / 4, "buildings_without_heat": people // 100,
         "people_without_heat": people, "buildings_without_power": people // 200,
         "people_without_power": people // 2, "people_below_12c": people // 4}
    )  # fmt: skip
    events = pd.DataFrame(
        {"time": ["2026-01-09T02:00:00"] * 3, "hours": [2.0, 2.0, 2.0],
         "kind": ["wave", "hit", "hit"], "asset_id": ["", "a_chp_1", "a_sub_1"],
         "detail": [f"{wave_name}: drone: 10 launched, 7 intercepted", "explicit: complete",
                    "drone: slight"]}
    )  # fmt: skip
    assets = pd.DataFrame(
        {"asset_id": ["a_chp_1", "a_sub_1"], "kind": ["chp_plant", "hv_substation"],
         "lon": [30.5, 30.6], "lat": [50.4, 50.5], "damage_state": ["complete", "slight"],
         "hits": [1, 1], "hit_h": [2.0, 2.0], "last_hit_h": [2.0, 2.0],
         "restored_h": [np.nan, 9.5]}
    )  # fmt: skip
    buildings = pd.DataFrame(
        {"building_id": ["b1", "b2"], "lon": [30.5, 30.6], "lat": [50.4, 50.5],
         "residents": [600, 400], "min_temp_c": [3.0, 15.0], "hours_without_heat": [22.0, 8.0]}
    )  # fmt: skip
    service = pd.DataFrame(
        {"building_id": ["b1", "b2"], "outage_queue": ["1.1", "2.1"], "address": ["", ""],
         "heat_lost_h": [2.0, 2.0], "heat_back_h": [np.nan, 10.0],
         "hours_until_heat_returned": [np.nan, 8.0]}
    )  # fmt: skip
    summary = {"buildings_total": 2, "buildings_lost_heat": 2, "buildings_lost_power": 1,
               "hours_to_restore_heat_95pct": None, "buildings_drained": 1,
               "buildings_frozen": 0}  # fmt: skip
    return Result(summary, timeline, buildings, events, assets, meta={"start": "2026-01-09"},
                  service=service)  # fmt: skip


def test_story_is_written_from_the_data():
    text = dict(story(_result()))
    assert "Fri 09 Jan 02:00" in text["What struck"] and "“dawn raid”" in text["What struck"]
    assert "hit 2 assets: 1 CHP plant, 1 HV substation" in text["What struck"]
    assert "1,000 people were without heat" in text["What was lost"]
    assert (
        "Fri 09 Jan 02:00, +2.0 h</strong> to <strong>Fri 09 Jan 10:00" in text["The worst hours"]
    )
    assert "HV substation a_sub_1 at Fri 09 Jan 09:30" in text["What came back"]
    assert "Heat did <strong>not</strong> come back for 95 %" in text["What came back"]
    assert "Heat came back for good to 1 of the 2 buildings" in text["What came back"]
    assert "<strong>300 people</strong> in 3 buildings" in text["The end"]
    assert "Still out: CHP plant a_chp_1" in text["The end"]
    assert "600 residents of 1 buildings" in text["Who is still cold"]
    # other data, other story: nothing is hard-coded
    other = dict(story(_result(people_end=700, wave_name="<b>second</b>")))
    assert "<strong>700 people</strong> in 7 buildings" in other["The end"]
    assert "&lt;b&gt;second&lt;/b&gt;" in other["What struck"]  # escaped


def test_waves_take_their_names_and_hits_from_the_events():
    waves = strike_waves(_result().events, _result().assets)
    assert [w.name for w in waves] == ["dawn raid"]
    assert [(h.asset_id, h.kind, h.damage) for h in waves[0].hits] == [
        ("a_chp_1", "chp_plant", "complete"),
        ("a_sub_1", "hv_substation", "slight"),
    ]
    assert strike_waves(pd.DataFrame()) == []


def test_every_summary_key_has_a_plain_label_and_unit():
    for field in output_specs()["summary"].fields:
        label, unit, _ = SUMMARY_FORMAT[field.name]
        assert label and "_" not in label, field.name
        assert unit or field.name == "seed", field.name


def test_timeline_marks_waves_on_every_panel_and_shows_restoration():
    from coldstart.report.charts import PANELS, timeline_figure

    r = _result()
    fig = timeline_figure(r.timeline, strike_waves(r.events, r.assets), buildings_total=20)
    lines = [s for s in fig.layout.shapes if s.type == "line" and s.line.dash == "dash"]
    assert sorted(s.yref for s in lines) == sorted(
        ["y domain"] + [f"y{i} domain" for i in range(2, len(PANELS) + 1)]
    )
    assert any(a.text == "dawn raid" for a in fig.layout.annotations)
    restored = [t for t in fig.data if t.name == "Buildings with heat (%)"][0]
    assert restored.y[0] == 100.0 and restored.y[10] == 50.0  # 10 of 20 without heat


def test_map_has_fixed_symbols_and_scale_and_lines_under_buildings():
    from coldstart.report.mapfig import ASSET_SYMBOLS, map_figure

    r = _result()
    network = pd.DataFrame(
        {"layer": ["grid_lines", "heat_pipes"], "element_id": ["0", "p1"], "asset_id": ["", ""],
         "voltage_kv": [10.0, np.nan], "dn_mm": [np.nan, 200.0],
         "state_at_end": ["in service"] * 2, "hours_out": [0.0, 0.0],
         "geometry_wkt": ["LINESTRING (30.5 50.4, 30.6 50.5)",
                          "LINESTRING (30.5 50.5, 30.6 50.4)"]}
    )  # fmt: skip
    fig = map_figure(r.buildings, r.assets, pd.DataFrame(), network, r.service, 24.0)
    names = [t.name for t in fig.data]
    assert names.index("Power lines") < names.index("Buildings")
    assert names.index("Heat mains") < names.index("Buildings")
    temps = fig.data[names.index("Buildings")].marker
    assert (temps.cmin, temps.cmax) == (-20.0, 22.0)
    chp = fig.data[names.index("Damaged CHP plant")]
    assert chp.marker.symbol == ASSET_SYMBOLS["chp_plant"] == "star"
    # the same kind keeps its symbol whatever other kinds the city has
    alone = map_figure(r.buildings, r.assets.iloc[:1], pd.DataFrame())
    assert [t.marker.symbol for t in alone.data if t.name == "Damaged CHP plant"] == ["star"]
    assert "Heat came back after (h)" in names and "Heat not back by the end" in names


def test_a_failing_writer_leaves_no_output(tmp_path, monkeypatch):
    import coldstart.report.gis as gis
    import coldstart.result

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(coldstart.result, "check_outputs", lambda result: None)  # a partial fake
    monkeypatch.setattr(gis, "write_gpkg", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        dataclasses.replace(_result()).save(tmp_path / "run")
    assert list(tmp_path.iterdir()) == []  # no half-written folder, no temporary left


def test_demo_report_names_both_seeds_and_every_section(demo_run_dir):
    page = (demo_run_dir / "report.html").read_text()
    head = page.split("<nav>", 1)[0]
    assert "Synthetic city, 2000 buildings, city seed 0" in head
    assert "run seed 20260109 (random draws of this run)" in head
    from coldstart.report.html import NAVIGATION

    for anchor, text in NAVIGATION:
        assert f'<a href="#{anchor}">{text}</a>' in page and f'id="{anchor}"' in page


def test_network_state_counts_damage_and_overload_trips(small_city):
    from coldstart.runstate import network_table

    city = small_city
    line_assets = city.assets[city.assets["ref_table"] == "grid.line"]
    damaged = line_assets.iloc[0]
    struck = pd.DataFrame(
        {"asset_id": [damaged["asset_id"]], "kind": ["power_line"], "hit_h": [2.0],
         "restored_h": [np.nan]}
    )  # fmt: skip
    tripped = [i for i in city.net.line.index if str(i) != str(damaged["ref_id"])][:2]
    events = pd.DataFrame(
        {"hours": [4.0, 4.0, 5.5], "kind": ["trip", "trip", "trip_reset"],
         "asset_id": ["900", "901", "900"],
         "detail": [f"line {tripped[0]} overloaded (DC flow)",
                    f"line {tripped[1]} overloaded (DC flow)", ""]}
    )  # fmt: skip
    net = network_table(city, struck, events, horizon_h=24.0)
    lines = net[net["layer"] == "grid_lines"].set_index("element_id")
    assert len(lines) == len(city.net.line)
    assert lines.loc[str(damaged["ref_id"]), "state_at_end"] == "out (damaged)"
    assert lines.loc[str(damaged["ref_id"]), "hours_out"] == 22.0
    assert lines.loc[str(tripped[0]), ["state_at_end", "hours_out"]].tolist() == ["in service", 1.5]
    assert lines.loc[str(tripped[1]), ["state_at_end", "hours_out"]].tolist() == [
        "out (tripped)",
        20.0,
    ]
    pipes = net[net["layer"] == "heat_pipes"]
    assert len(pipes) == len(city.heat_pipes) and (pipes["state_at_end"] == "in service").all()
    assert net["geometry_wkt"].str.startswith("LINESTRING (").all()


def test_map_hover_says_when_heat_came_back():
    from coldstart.report.mapfig import map_figure

    r = _result()
    fig = map_figure(r.buildings, r.assets, pd.DataFrame(), None, r.service, 24.0, "2026-01-09")
    temps = fig.data[[t.name for t in fig.data].index("Buildings")]
    assert list(temps.customdata[:, 4]) == [
        "not back by the end",
        "Fri 09 Jan 10:00 (8.0 h after it went)",
    ]


def test_story_counts_the_drained_homes_refilled_by_the_end():
    # b1 drained then refilled, b2 drained and still empty, b3 froze, was refilled, failed on
    # restart and needs repair; b4 only failed on restart (never drained): not counted
    r = _result()
    ev = pd.DataFrame(
        {"time": ["2026-01-09T05:00:00"] * 7, "hours": [5.0, 5.5, 6.0, 6.5, 7.0, 7.5, 8.0],
         "kind": ["drain", "drain", "freeze", "refilled", "refilled", "restart_failed",
                  "restart_failed"],
         "asset_id": ["b1", "b2", "b3", "b1", "b3", "b3", "b4"],
         "detail": ["", "", "", "after draining", "after draining", "", ""]}
    )  # fmt: skip
    r = dataclasses.replace(r, events=pd.concat([r.events, ev], ignore_index=True))
    text = dict(story(r))["Who is still cold"]
    assert "1 of them were refilled by the end, 2 still need refilling or repair" in text


def test_story_says_why_the_frozen_homes_froze():
    # b1: drain ordered, no crew came; b2: never ordered; b3: ordered, called off, froze later;
    # b4: ordered, froze, then ordered again (the order before the freeze counts); b5 drained
    r = _result()
    ev = pd.DataFrame(
        {"time": ["2026-01-09T05:00:00"] * 9,
         "hours": [4.0, 5.0, 5.0, 6.0, 8.0, 4.0, 7.0, 9.0, 4.0],
         "kind": ["drain_order", "freeze", "freeze", "drain_order", "freeze", "drain_order",
                  "freeze", "drain_order", "drain_order"],
         "asset_id": ["b1", "b1", "b2", "b3", "b3", "b4", "b4", "b4", "b5"],
         "detail": [""] * 9}
    )  # fmt: skip
    ev.loc[3:4, "kind"] = ["drain_order", "freeze"]
    ev = pd.concat(
        [ev, pd.DataFrame({"time": ["2026-01-09T07:00:00"], "hours": [7.0],
                           "kind": ["drain_cancelled"], "asset_id": ["b3"], "detail": [""]})],
        ignore_index=True,
    )  # fmt: skip
    r = dataclasses.replace(r, events=pd.concat([r.events, ev], ignore_index=True))
    text = dict(story(r))["Who is still cold"]
    assert (
        "Of the buildings that froze, 2 had a drain ordered that no plumbing crew reached in "
        "time, 1 were never ordered drained (the drain policy expected heat back first), 1 had "
        "their drain called off when circulation came back."
    ) in text
    assert "froze" not in dict(story(_result()))["Who is still cold"].split("froze", 1)[1]


@pytest.mark.parametrize(
    "extra, says",
    [
        ([], "CHP plant a_chp_1 (repair not started)"),
        ([("beyond_repair", "not repairable within the horizon")],
         "CHP plant a_chp_1 (beyond repair)"),
        ([("repair_start", "plants, 80.0 h of work")],
         "CHP plant a_chp_1 (under repair since Fri 09 Jan 05:00"),
    ],
)  # fmt: skip
def test_story_says_why_an_asset_is_still_out(extra, says):
    r = _result()
    ev = pd.DataFrame(
        {"time": ["2026-01-09T05:00:00"] * len(extra), "hours": [5.0] * len(extra),
         "kind": [k for k, _ in extra], "asset_id": ["a_chp_1"] * len(extra),
         "detail": [d for _, d in extra]}
    )  # fmt: skip
    r = dataclasses.replace(r, events=pd.concat([r.events, ev], ignore_index=True))
    end = dict(story(r))["The end"]
    assert says in end
    if extra and extra[0][0] == "repair_start":
        assert "80.0 h of work)" in end


def test_nobody_sheltered_and_no_cuts_read_as_words():
    # review: "Up to 0 people were in shelters at once" and "No data for the rotating outages
    # applied" when none were applied
    from types import SimpleNamespace

    from coldstart.report.html import EMPTY, headline_sentences

    run = SimpleNamespace(summary={"peak_people_in_shelters": 0}, buildings=None)
    _, more = headline_sentences(run)
    assert "Nobody went to a shelter." in more and not any("Up to 0" in m for m in more)
    run.summary["peak_people_in_shelters"] = 1234
    assert "Up to 1,234 people were in shelters at once." in headline_sentences(run)[1]
    assert EMPTY["outages"] == "No rotating power cuts were applied in this run."
