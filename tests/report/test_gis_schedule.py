"""results.gpkg, the resident's outage schedule and its calendars, read back from the demo run."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from coldstart.outputs import is_described, output_files

pyogrio = pytest.importorskip("pyogrio")

LAYERS = {"buildings", "assets", "shelters", "grid_lines", "heat_pipes"}


def test_gpkg_layers_read_back_with_crs(demo_run_dir, demo_city):
    path = demo_run_dir / "results.gpkg"
    layers = dict(pyogrio.list_layers(path))
    assert set(layers) == LAYERS  # a synthetic city has no footprints: no footprint layer
    assert layers["buildings"] == "Point" and layers["grid_lines"] == "LineString"
    assert layers["heat_pipes"] == "LineString"
    for name in LAYERS:
        assert pyogrio.read_info(path, layer=name)["crs"] == "EPSG:4326", name
    b = pyogrio.read_dataframe(path, layer="buildings")
    parquet = pd.read_parquet(demo_run_dir / "buildings.parquet")
    assert len(b) == len(parquet) == 2000
    # every per-building result is in the layer, with the heat-return times
    assert set(parquet.columns) <= set(b.columns)
    assert {"outage_queue", "heat_lost_h", "heat_back_h", "hours_until_heat_returned"} <= set(
        b.columns
    )
    np.testing.assert_allclose(b["min_temp_c"], parquet["min_temp_c"])
    np.testing.assert_allclose(b.geometry.x, parquet["lon"])
    assets = pyogrio.read_dataframe(path, layer="assets")
    csv = pd.read_csv(demo_run_dir / "assets.csv")
    assert list(assets["asset_id"]) == list(csv["asset_id"])
    assert {"damage_state", "hits", "restored_h"} <= set(assets.columns)
    shelters = pyogrio.read_dataframe(path, layer="shelters")
    assert (
        shelters["peak_occupancy"].sum()
        == pd.read_csv(demo_run_dir / "shelters.csv")["peak_occupancy"].sum()
    )
    lines = pyogrio.read_dataframe(path, layer="grid_lines")
    pipes = pyogrio.read_dataframe(path, layer="heat_pipes")
    assert len(lines) == len(demo_city.net.line) and len(pipes) == len(demo_city.heat_pipes)
    # a struck heat main is not "in service" and was out for hours; untouched pipes were not
    struck = set(csv.loc[csv["kind"] == "heat_main", "asset_id"])
    hit = pipes[pipes["asset_id"].isin(struck)]
    assert len(hit) == len(struck) > 0
    assert (hit["state_at_end"] != "in service").all() and (hit["hours_out"] > 0).all()
    assert (pipes.loc[pipes["asset_id"] == "", "hours_out"] == 0).all()
    assert set(lines["state_at_end"]) <= {
        "in service",
        "repaired",
        "out (damaged)",
        "out (tripped)",
    }


def test_heat_return_times_agree_with_hours_without_heat(demo_run_dir):
    b = pyogrio.read_dataframe(demo_run_dir / "results.gpkg", layer="buildings")
    summary = json.loads((demo_run_dir / "summary.json").read_text())
    lost = b["heat_lost_h"].notna()
    assert lost.sum() == summary["buildings_lost_heat"]
    assert (b.loc[~lost, "hours_without_heat"] == 0).all()
    back = b["heat_back_h"].notna()
    assert 0 < back.sum() < lost.sum()  # some came back, some did not within the week
    span = b["heat_back_h"] - b["heat_lost_h"]
    np.testing.assert_allclose(b.loc[back, "hours_until_heat_returned"], span[back], atol=1e-3)
    # the hours without heat all fall between the first loss and the return
    assert (b.loc[back, "hours_without_heat"] <= span[back] + 1e-3).all()  # 4 decimals kept
    assert (b.loc[lost & ~back, "hours_without_heat"] > 0).all()


def test_every_file_of_a_run_is_described(demo_run_dir):
    files = [p.name for p in demo_run_dir.iterdir() if not p.name.startswith(".")]
    assert [f for f in files if not is_described(f)] == []
    for spec in output_files().values():
        if "<queue>" not in spec.file:
            assert (demo_run_dir / spec.file).is_file(), spec.file
    assert not is_described("outage_queue_.ics") and not is_described("stray.csv")


def test_outage_schedule_csv_has_clock_times_and_hours(demo_run_dir):
    s = pd.read_csv(demo_run_dir / "outage_schedule.csv")
    assert len(s) > 0
    start = pd.Timestamp("2026-01-09T00:00:00")  # the demo's start
    for column, hours in (("start", "start_h"), ("end", "end_h")):
        assert s[column].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d").all()
        offset = (pd.to_datetime(s[column]) - start).dt.total_seconds() / 3600
        np.testing.assert_allclose(offset, s[hours], atol=1 / 3600 + 1e-4)


def _unfold(text: str) -> list[str]:
    return re.sub(r"\r\n[ \t]", "", text).split("\r\n")


def test_one_calendar_per_queue_matches_the_schedule(demo_run_dir):
    s = pd.read_csv(demo_run_dir / "outage_schedule.csv", dtype={"queue": str})
    calendars = sorted(demo_run_dir.glob("outage_queue_*.ics"))
    assert {c.name[len("outage_queue_") : -4] for c in calendars} == set(s["queue"])
    for cal in calendars:
        raw = cal.read_bytes()
        assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and raw.endswith(b"END:VCALENDAR\r\n")
        assert b"\n" not in raw.replace(b"\r\n", b"")  # CRLF only
        assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
        lines = _unfold(raw.decode())
        queue = cal.name[len("outage_queue_") : -4]
        mine = s[s["queue"] == queue]
        starts = [ln.split(":", 1)[1] for ln in lines if ln.startswith("DTSTART:")]
        ends = [ln.split(":", 1)[1] for ln in lines if ln.startswith("DTEND:")]
        # the schedule's windows, those less than 15 min apart joined (as on the page)
        t0, t1 = pd.to_datetime(mine["start"]), pd.to_datetime(mine["end"])
        new = (t0 - t1.cummax().shift()) >= pd.Timedelta(minutes=15)
        new.iloc[0] = True
        assert lines.count("BEGIN:VEVENT") == lines.count("END:VEVENT") == int(new.sum())
        assert starts == t0[new].dt.strftime("%Y%m%dT%H%M%S").tolist()
        assert all(e > b for b, e in zip(starts, ends, strict=True))
        uids = [ln for ln in lines if ln.startswith("UID:")]
        assert len(set(uids)) == len(uids)
        assert any(ln.startswith("SUMMARY:Power off - queue " + queue) for ln in lines)


def test_schedule_page_lists_windows_and_buildings_per_queue(demo_run_dir):
    page = (demo_run_dir / "outage_schedule.html").read_text()
    b = pyogrio.read_dataframe(demo_run_dir / "results.gpkg", layer="buildings")
    s = pd.read_csv(demo_run_dir / "outage_schedule.csv", dtype={"queue": str})
    for queue in ("1.1", "6.2"):
        section = page.split(f'<section id="q{queue}">', 1)[1].split("</section>", 1)[0]
        ids = b.loc[b["outage_queue"] == queue, "building_id"]
        assert f"{len(ids):,} building(s) in queue {queue}" in section
        assert all(i in section for i in ids)
        first = pd.Timestamp(s.loc[s["queue"] == queue, "start"].iloc[0])
        assert first.strftime("%a %d %b") in section and first.strftime("%H:%M") in section
        assert f'href="outage_queue_{queue}.ics"' in section
    assert "Times are local clock time" in page
    seed = json.loads((demo_run_dir / "summary.json").read_text())["seed"]
    assert f"one run (run seed {seed}), one possible course of the scenario" in page
    assert "http" not in page.lower()


def test_windows_open_at_the_end_are_marked(demo_run_dir):
    s = pd.read_csv(demo_run_dir / "outage_schedule.csv", dtype={"queue": str})
    from coldstart.scenario.io import example_scenario

    horizon_h = example_scenario().horizon_h  # the demo runs the built-in scenario
    open_q = set(s.loc[s["end_h"] >= horizon_h - 1e-6, "queue"])
    assert open_q  # the demo ends with windows still open
    page = (demo_run_dir / "outage_schedule.html").read_text()
    for queue in sorted(set(s["queue"])):
        section = page.split(f'<section id="q{queue}">', 1)[1].split("</section>", 1)[0]
        lines = _unfold((demo_run_dir / f"outage_queue_{queue}.ics").read_bytes().decode())
        marked = [ln for ln in lines if ln.endswith("still off when the run ended")]
        assert ("still off when the run ended" in section) == (queue in open_q), queue
        assert len(marked) == int((s.loc[s["queue"] == queue, "end_h"] >= horizon_h - 1e-6).sum())


def test_calendar_lines_fold_at_75_octets_without_splitting_characters():
    from coldstart.report.schedule import _fold

    line = "DESCRIPTION:" + "Київ, " * 30
    folded = _fold(line)
    parts = folded.split("\r\n")
    assert len(parts) > 1 and all(len(p.encode("utf-8")) <= 75 for p in parts)
    assert all(p.startswith(" ") for p in parts[1:])
    assert _unfold(folded) == [line]


def test_calendar_dtstamp_is_the_utc_time_the_file_was_made():
    # DTSTAMP was each event's local start with a "Z"; it is when the file was made, in UTC,
    # passed in (never read from the clock inside)
    from datetime import UTC, datetime, timedelta, timezone

    from coldstart.report.schedule import queue_ics, windows

    schedule = pd.DataFrame(
        {
            "queue": ["1.1", "1.1"],
            "start": ["2026-01-09T00:20:00", "2026-01-09T06:00:00"],
            "end": ["2026-01-09T04:20:00", "2026-01-09T10:00:00"],
            "start_h": [0.333, 6.0],
            "end_h": [4.333, 10.0],
            "kind": ["scheduled", "scheduled"],
        }
    )
    kyiv = timezone(timedelta(hours=2))
    made = datetime(2026, 1, 10, 1, 30, 5, tzinfo=kyiv)
    text = queue_ics("1.1", windows(schedule, 24.0), "c", made)
    lines = _unfold(text)
    assert [ln for ln in lines if ln.startswith("DTSTAMP:")] == ["DTSTAMP:20260109T233005Z"] * 2
    assert [ln for ln in lines if ln.startswith("DTSTART:")] == [
        "DTSTART:20260109T002000",
        "DTSTART:20260109T060000",
    ]
    again = queue_ics("1.1", windows(schedule, 24.0), "c", made.astimezone(UTC))
    assert again == text  # the same instant, the same file
    with pytest.raises(ValueError, match="time zone"):
        queue_ics("1.1", windows(schedule, 24.0), "c", datetime(2026, 1, 10, 1, 30))


def test_cuts_minutes_apart_are_one_for_residents():
    # review: "20:40–Sat 10 Jan 00:38, 00:40–04:29" read as two cuts with power on for 2 min;
    # windows of a queue less than 15 min apart are one on the page and in the calendar
    from coldstart.report.schedule import windows

    schedule = pd.DataFrame(
        {
            "queue": ["1.1", "1.1", "1.1", "1.2", "1.2"],
            "start": ["2026-01-09T20:40:00", "2026-01-10T00:40:00", "2026-01-10T06:00:00",
                      "2026-01-09T20:40:00", "2026-01-09T23:00:00"],
            "end": ["2026-01-10T00:38:00", "2026-01-10T04:29:00", "2026-01-10T08:00:00",
                    "2026-01-09T22:50:00", "2026-01-10T01:00:00"],
            "start_h": [20.67, 24.67, 30.0, 20.67, 23.0],
            "end_h": [24.63, 28.48, 32.0, 22.83, 25.0],
            "kind": ["scheduled", "emergency", "scheduled", "scheduled", "scheduled"],
        }
    )  # fmt: skip
    w = windows(schedule, 48.0)
    got = [(r.queue, r.kind, r.t0.strftime("%d %H:%M"), r.t1.strftime("%d %H:%M"))
           for r in w.itertuples()]  # fmt: skip
    assert got == [
        ("1.1", "scheduled, then emergency", "09 20:40", "10 04:29"),  # 2 min apart: one cut
        ("1.1", "scheduled", "10 06:00", "10 08:00"),  # 91 min apart: its own
        ("1.2", "scheduled", "09 20:40", "10 01:00"),  # 10 min apart, another queue: joined
    ]


def test_joining_works_across_a_change_of_utc_offset():
    # code review: times with two UTC offsets (a run across a daylight-saving change) made a
    # column of objects and the join raised TypeError; it joins by instant, shows local times
    from coldstart.report.schedule import windows

    schedule = pd.DataFrame(
        {
            "queue": ["1.1", "1.1", "1.1"],
            "start": ["2026-03-29T01:00:00+02:00", "2026-03-29T04:05:00+03:00",
                      "2026-03-29T06:00:00+03:00"],
            "end": ["2026-03-29T02:58:00+02:00", "2026-03-29T05:00:00+03:00",
                    "2026-03-29T07:00:00+03:00"],
            "start_h": [1.0, 2.08, 5.0], "end_h": [1.97, 4.0, 6.0],
            "kind": ["scheduled"] * 3,
        }
    )  # fmt: skip
    w = windows(schedule, 24.0)
    # 02:58+02:00 is 00:58 UTC and 04:05+03:00 is 01:05 UTC: 7 minutes apart, one cut
    assert len(w) == 2
    assert str(w["t0"].iloc[0]) == "2026-03-29 01:00:00+02:00"
    assert str(w["t1"].iloc[0]) == "2026-03-29 05:00:00+03:00"
