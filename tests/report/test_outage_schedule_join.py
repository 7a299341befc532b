"""The residents' outage page and calendars: cuts less than 15 minutes apart are shown as one,
but the hours without power are the schedule's and a joined cut says what it is made of
(review B10: "30.0 h in all" on the page vs 29.7 h in outage_schedule.csv, and a scheduled +
emergency cut labelled only "(emergency)")."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pandas as pd

from coldstart.report.schedule import queue_ics, schedule_html, windows
from coldstart.result import Result

# queue 3.2 of the review's run (city synth city2k, seed 1): 7 windows, 4 cuts on the page
Q32 = [
    ("2026-01-09T02:00:00", "2026-01-09T05:37:48", "scheduled"),
    ("2026-01-09T05:40:00", "2026-01-09T09:39:16", "scheduled"),
    ("2026-01-09T13:20:00", "2026-01-09T17:04:32", "scheduled"),
    ("2026-01-09T17:10:00", "2026-01-09T20:55:03", "scheduled"),
    ("2026-01-10T00:50:00", "2026-01-10T04:42:03", "scheduled"),
    ("2026-01-10T04:50:00", "2026-01-10T12:20:00", "emergency"),
    ("2026-01-10T17:10:00", "2026-01-10T20:24:48", "scheduled"),
]
# queue 1.1: an emergency cut the schedule continues 5 min later, and a lone cut
Q11 = [
    ("2026-01-09T03:00:00", "2026-01-09T04:00:00", "emergency"),
    ("2026-01-09T04:05:00", "2026-01-09T06:00:00", "scheduled"),
    ("2026-01-09T12:00:00", "2026-01-09T15:30:00", "scheduled"),
]
# queue 2.1: two windows 30 min apart, nothing joined
Q21 = [
    ("2026-01-09T08:00:00", "2026-01-09T10:00:00", "scheduled"),
    ("2026-01-09T10:30:00", "2026-01-09T11:00:00", "emergency"),
]


def _schedule(rows: dict[str, list[tuple[str, str, str]]]) -> pd.DataFrame:
    """An ``outage_schedule`` table (run starting 2026-01-09 00:00) from windows by queue."""
    t_zero = pd.Timestamp("2026-01-09T00:00:00")
    recs = [
        {
            "queue": q,
            "start": a,
            "end": b,
            "start_h": (pd.Timestamp(a) - t_zero).total_seconds() / 3600,
            "end_h": (pd.Timestamp(b) - t_zero).total_seconds() / 3600,
            "kind": kind,
        }
        for q, windows_ in rows.items()
        for a, b, kind in windows_
    ]
    return pd.DataFrame(recs)


def _result(schedule: pd.DataFrame) -> Result:
    """A run holding only what the schedule page reads."""
    service = pd.DataFrame(
        {"building_id": ["b1", "b2", "b3"], "outage_queue": ["1.1", "2.1", "3.2"],
         "address": ["Main St 1", "", "Oak St 3"]}
    )  # fmt: skip
    empty = pd.DataFrame()
    meta = {"horizon_h": 48.0, "city_name": "Test, city", "seed": 1}
    return Result({}, empty, empty, empty, outage_schedule=schedule, meta=meta, service=service)


def _section_text(page: str, queue: str) -> str:
    """One queue's section of the page as plain text."""
    section = page.split(f'<section id="q{queue}">', 1)[1].split("</section>", 1)[0]
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", section)))


def test_page_hours_are_the_schedules_not_the_joined_spans():
    schedule = _schedule({"1.1": Q11, "2.1": Q21, "3.2": Q32})
    page = schedule_html(_result(schedule))
    for queue, n_cuts in (("1.1", 2), ("2.1", 2), ("3.2", 4)):
        mine = schedule[schedule["queue"] == queue]
        off_h = (pd.to_datetime(mine["end"]) - pd.to_datetime(mine["start"])).sum()
        off_h = off_h.total_seconds() / 3600
        text = _section_text(page, queue)
        assert f"{off_h:.1f} h without power in all." in text, (queue, text)
        joined = (
            f" ({len(mine)} windows in the schedule, joined where the power was back for less "
            "than 15 minutes)"
        )
        assert text.count("power cut") == 1
        assert f"{n_cuts} power cuts{joined if len(mine) > n_cuts else ''}," in text, text
    # queue 3.2: 29.7 h off in the schedule; the joined spans (02:00-09:39, ...) hold 30.0 h
    spans = windows(schedule, 48.0).query("queue == '3.2'")
    span_h = ((spans["t1"] - spans["t0"]).dt.total_seconds() / 3600).sum()
    assert f"{span_h:.1f}" == "30.0" and "29.7 h without power" in _section_text(page, "3.2")


def test_a_joined_cut_says_what_it_is_made_of():
    page = schedule_html(_result(_schedule({"1.1": Q11, "2.1": Q21, "3.2": Q32})))
    q32 = _section_text(page, "3.2")
    assert "00:50–12:20 (scheduled, then emergency from 04:50)" in q32
    assert "02:00–09:39 ," in q32  # two scheduled windows: one cut, no label
    q11 = _section_text(page, "1.1")
    assert "03:00–06:00 (emergency, then scheduled from 04:05)" in q11
    assert "12:00–15:30 " in q11 and "15:30 (" not in q11
    q21 = _section_text(page, "2.1")  # 30 min apart: two cuts, each its own kind
    assert "08:00–10:00 , 10:30–11:00 (emergency)" in q21
    # the cut with an emergency part is shown in the emergency colour
    assert '<span class="emergency">00:50–12:20 (scheduled, then emergency' in page
    assert "<span>02:00–09:39</span>" in page


def test_a_cut_joined_across_days_names_the_day_of_the_change():
    rows = [
        ("2026-01-09T21:00:00", "2026-01-09T23:55:00", "scheduled"),
        ("2026-01-10T00:05:00", "2026-01-10T03:00:00", "emergency"),
    ]
    text = _section_text(schedule_html(_result(_schedule({"1.1": rows}))), "1.1")
    assert "21:00–Sat 10 Jan 03:00 (scheduled, then emergency from Sat 00:05)" in text
    assert "1 power cut (2 windows in the schedule" in text
    assert "5.8 h without power in all." in text  # 2 h 55 min twice; the span is 6 h


def test_calendar_events_say_what_a_joined_cut_is_made_of():
    schedule = _schedule({"3.2": Q32})
    made = datetime(2026, 1, 10, 6, 0, tzinfo=UTC)
    text = queue_ics("3.2", windows(schedule, 48.0), "Test, city", made)
    lines = re.sub(r"\r\n[ \t]", "", text).split("\r\n")
    summaries = [ln for ln in lines if ln.startswith("SUMMARY:")]
    assert summaries == [
        "SUMMARY:Power off - queue 3.2 (scheduled)",
        "SUMMARY:Power off - queue 3.2 (scheduled)",
        "SUMMARY:Power off - queue 3.2 (scheduled\\, then emergency)",
        "SUMMARY:Power off - queue 3.2 (scheduled)",
    ]
    descriptions = [ln for ln in lines if ln.startswith("DESCRIPTION:")]
    assert descriptions[2] == (
        "DESCRIPTION:Test\\, city. One cut joining windows less than 15 min apart (local time): "
        "00:50–04:42 scheduled\\, 04:50–12:20 emergency\\; 11.4 h without power"
    )
    assert descriptions[3] == "DESCRIPTION:Test\\, city"  # a single window: the city only


def test_overlapping_windows_count_their_common_hours_once():
    # an emergency order while a scheduled window runs: the power is off once, not twice
    rows = [
        ("2026-01-09T02:00:00", "2026-01-09T06:00:00", "scheduled"),
        ("2026-01-09T05:00:00", "2026-01-09T07:00:00", "emergency"),
    ]
    w = windows(_schedule({"1.1": rows}), 48.0)
    assert len(w) == 1 and w["off_h"].iloc[0] == 5.0 and w["n_windows"].iloc[0] == 2
    assert w["kind"].iloc[0] == "scheduled, then emergency" and bool(w["emergency"].iloc[0])
