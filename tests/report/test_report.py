"""Tests of the offline HTML report (coldstart.report)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from coldstart.outputs import columns
from coldstart.report import render_report, write_report
from coldstart.report.html import format_number, format_summary_value
from coldstart.result import BUILDING_COLUMNS, EVENT_COLUMNS, SUMMARY_KEYS, TIMELINE_COLUMNS, Result

pytest.importorskip("plotly")

ASSET_COLUMNS = ("asset_id", "kind", "lon", "lat", "damage_state", "hit_h", "restored_h")
SHELTER_COLUMNS = ("facility_id", "kind", "lon", "lat", "capacity_people", "peak_occupancy")


def complete(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """``frame`` with every described column of output ``name`` (missing ones zero), in order:
    the report draws from the columns the fake sets; the writer needs them all."""
    assert set(frame.columns) <= set(columns(name)), set(frame.columns) - set(columns(name))
    return frame.reindex(columns=list(columns(name)), fill_value=0)


def fake_result(
    n_buildings: int = 200,
    n_steps: int = 145,
    n_assets: int = 6,
    n_shelters: int = 4,
    n_events: int = 30,
    seed: int = 7,
) -> Result:
    """A plausible Result with random (seeded) data in the documented columns."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2026-01-12 00:00")
    step_min = 10
    hours = np.arange(n_steps) * step_min / 60
    people_heat = np.round(4000 * np.exp(-((hours - 10) ** 2) / 200)).astype(int)
    timeline = pd.DataFrame(
        {
            "time": start + pd.to_timedelta(hours, unit="h"),
            "hours": hours,
            "temp_outdoor_c": -18 + 4 * np.sin(hours / 24 * 2 * np.pi),
            "buildings_without_heat": people_heat // 40,
            "people_without_heat": people_heat,
            "buildings_without_power": people_heat // 50,
            "people_without_power": people_heat // 2,
            "people_below_12c": people_heat // 3,
            "people_in_shelters": people_heat // 10,
            "load_demand_mw": 800 + 50 * rng.random(n_steps),
            "load_served_mw": 600 + 50 * rng.random(n_steps),
            "heat_served_mw_th": 1500 + 100 * rng.random(n_steps),
            "crews_working": rng.integers(0, 6, n_steps),
            "alert_active": (hours % 12) < 2,
            "queues_off": rng.integers(0, 4, n_steps),
        }
    )
    timeline = complete(timeline, "timeline")
    assert tuple(timeline.columns) == TIMELINE_COLUMNS
    hours_without_heat = np.where(rng.random(n_buildings) < 0.4, rng.uniform(1, 48, n_buildings), 0)
    buildings = pd.DataFrame(
        {
            "building_id": [f"B{i:05d}" for i in range(n_buildings)],
            "lon": 30.5 + rng.normal(0, 0.05, n_buildings),
            "lat": 50.45 + rng.normal(0, 0.03, n_buildings),
            "archetype": rng.choice(["panel_9", "panel_16", "brick_5"], n_buildings),
            "residents": rng.integers(20, 400, n_buildings),
            "min_temp_c": 20 - hours_without_heat * rng.uniform(0.1, 0.35, n_buildings),
            "min_worst_flat_temp_c": 18 - hours_without_heat * 0.4,
            "hours_without_heat": hours_without_heat,
            "hours_without_power": hours_without_heat * 0.5,
            "hours_below_12c": np.clip(hours_without_heat - 20, 0, None),
            "hours_to_12c": np.where(hours_without_heat > 20, 20.0, np.nan),
            "degree_hours_below_18c": hours_without_heat * 3,
            "drained": rng.random(n_buildings) < 0.02,
            "frozen": rng.random(n_buildings) < 0.005,
        }
    )
    buildings = complete(buildings, "buildings")
    assert tuple(buildings.columns) == BUILDING_COLUMNS
    restored = rng.uniform(5, 40, n_assets)
    restored[::3] = np.nan
    assets = pd.DataFrame(
        {
            "asset_id": [f"A{i}" for i in range(n_assets)],
            "kind": rng.choice(["substation", "chp", "pump_station"], n_assets),
            "lon": 30.5 + rng.normal(0, 0.05, n_assets),
            "lat": 50.45 + rng.normal(0, 0.03, n_assets),
            "damage_state": rng.choice(["moderate", "severe", "destroyed"], n_assets),
            "hit_h": rng.uniform(0, 5, n_assets),
            "restored_h": restored,
        },
        columns=ASSET_COLUMNS,
    )
    assets = complete(assets, "assets")
    shelters = pd.DataFrame(
        {
            "facility_id": [f"S{i}" for i in range(n_shelters)],
            "kind": rng.choice(["metro", "school", "warming_point"], n_shelters),
            "lon": 30.5 + rng.normal(0, 0.05, n_shelters),
            "lat": 50.45 + rng.normal(0, 0.03, n_shelters),
            "capacity_people": rng.integers(100, 2000, n_shelters),
            "peak_occupancy": rng.integers(0, 1500, n_shelters),
        },
        columns=SHELTER_COLUMNS,
    )
    shelters = complete(shelters, "shelters")
    ev_h = np.sort(rng.uniform(0, hours[-1], n_events))
    events = pd.DataFrame(
        {
            "time": start + pd.to_timedelta(ev_h, unit="h"),
            "hours": ev_h,
            "kind": rng.choice(["hit", "repair_start", "repair_end", "alert_start"], n_events),
            "asset_id": rng.choice([f"A{i}" for i in range(max(n_assets, 1))], n_events),
            "detail": ["note"] * n_events,
        },
        columns=EVENT_COLUMNS,
    )
    summary = {
        "buildings_total": n_buildings,
        "residents_total": int(buildings["residents"].sum()),
        "buildings_lost_heat": int((hours_without_heat > 0).sum()),
        "buildings_lost_power": 61,
        "peak_people_without_heat": 12345,
        "peak_people_without_power": 6789,
        "person_hours_below_16c": 543210.4,
        "person_hours_below_12c": 123456.7,
        "person_hours_below_5c": 1234.0,
        "person_degree_hours_below_18c": 9876543.2,
        "energy_not_served_mwh": 4321.06,
        "heat_not_served_mwh_th": 98765.43,
        "hours_to_restore_heat_95pct": 31.25,
        "hours_to_restore_power_95pct": None,
        "buildings_drained": 4,
        "buildings_frozen": 1,
        "peak_people_in_shelters": 2500,
        "seed": seed,
    }
    summary = {k: summary.get(k, 0) for k in SUMMARY_KEYS}
    meta = {
        "city_name": "Testgrad",
        "scenario_name": "January strike",
        "start": str(start),
        "horizon_h": float(hours[-1]),
        "step_min": step_min,
        "seed": seed,
    }
    return Result(
        summary=summary,
        timeline=timeline,
        buildings=buildings,
        events=events,
        assets=assets,
        shelters=shelters,
        meta=meta,
    )


def strip_plotlyjs(page: str) -> str:
    """The page without the inlined plotly.js library (whose code names URLs it never loads)."""
    match = re.search(r'<script type="text/javascript" id="plotlyjs">.*?</script>', page, re.S)
    assert match is not None, "plotly.js is not inlined"
    return page[: match.start()] + page[match.end() :]


def assert_offline(page: str) -> None:
    """No external resource in the page itself, and no map-tile trace."""
    rest = strip_plotlyjs(page)
    lowered = rest.lower()
    for bad in ('src="http', "src='http", 'href="http', "href='http", "cdn.plot.ly", "mapbox"):
        assert bad not in lowered, bad
    assert "http://" not in lowered and "https://" not in lowered
    assert "<link" not in lowered and "@import" not in lowered and "url(" not in lowered
    assert re.search(r"<script[^>]*\bsrc=", page) is None
    # Only plain (tile-free) traces: scatter on lon/lat, bars; "rect" is the alert shading.
    types = set(re.findall(r'"type":\s*"(\w+)"', rest))
    assert types <= {"scatter", "scattergl", "bar", "rect", "line"}, types
    # The library itself: exactly one copy, and the page never loads a script by src.
    assert page.count("plotly.js v") == 1


def test_write_report_full(tmp_path: Path) -> None:
    result = fake_result()
    out = write_report(result, tmp_path / "sub" / "report.html")
    assert out == tmp_path / "sub" / "report.html"
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "<html" in page
    assert "plotly.js v" in page and "Plotly.newPlot" in page
    assert page.count("Plotly.newPlot(") >= 3  # timeline, map, distributions
    assert_offline(page)
    # title and headline
    assert "Testgrad" in page and "January strike" in page
    assert "12,345 people" in page  # peak without heat
    assert "123,457 person-hours" in page  # below 12 °C, rounded
    lost = result.summary["buildings_lost_heat"]
    assert f"{lost:,} of 200 buildings" in page
    people = int(
        result.buildings.loc[result.buildings["hours_without_heat"] > 0, "residents"].sum()
    )
    assert f"({people:,} people)" in page
    # headline numbers table
    assert "9,876,543" in page and "4,321.1" in page and "98,765.4" in page and "31.2" in page
    assert "not within the horizon" in page
    assert "Time spent below 12 °C (heart strain)" in page
    # map data carries the building ids; assets and shelters are drawn
    assert '"B00000"' in page and '"B00199"' in page
    assert "Damaged substation" in page or "Damaged chp" in page or "Damaged pump_station" in page
    assert "Shelters (size: peak use)" in page
    # tables
    assert "not restored" in page
    assert "Air-raid alert" in page


def test_render_is_deterministic() -> None:
    result = fake_result(n_buildings=50)
    assert render_report(result) == render_report(result)


def test_empty_tables_and_missing_values(tmp_path: Path) -> None:
    full = fake_result()
    summary = dict(full.summary)
    summary["hours_to_restore_heat_95pct"] = None
    summary["energy_not_served_mwh"] = float("nan")
    summary["peak_people_in_shelters"] = None
    result = Result(
        summary=summary,
        timeline=full.timeline,
        buildings=full.buildings,
        events=pd.DataFrame(columns=list(EVENT_COLUMNS)),
        assets=pd.DataFrame(columns=list(ASSET_COLUMNS)),
        shelters=pd.DataFrame(),
        meta={},
    )
    page = write_report(result, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "No asset was damaged." in page
    assert "No events were recorded." in page
    assert "Heat was <strong>not restored to 95 %</strong> within the horizon." in page
    assert "Unnamed city" in page
    assert "nan" not in strip_plotlyjs(page).split("Plotly.newPlot")[0].lower()
    assert_offline(page)


def test_everything_empty() -> None:
    result = Result(
        summary={},
        timeline=pd.DataFrame(columns=list(TIMELINE_COLUMNS)),
        buildings=pd.DataFrame(columns=list(BUILDING_COLUMNS)),
        events=pd.DataFrame(),
    )
    page = render_report(result)
    assert "<html" in page
    assert "No summary figures" in page
    assert "No data for the map." in page
    # no figure at all, so plotly.js is not needed
    assert "Plotly.newPlot" not in page


def test_nothing_lost_nothing_damaged() -> None:
    full = fake_result(n_assets=0, n_shelters=0, n_events=0)
    summary = dict.fromkeys(SUMMARY_KEYS, 0)
    summary["hours_to_restore_heat_95pct"] = None
    summary["hours_to_restore_power_95pct"] = None
    result = Result(
        summary,
        full.timeline.assign(alert_active=False),
        full.buildings.assign(hours_without_heat=0.0, min_temp_c=20.0),
        full.events,
        full.assets,
        full.shelters,
        full.meta,
    )
    page = render_report(result)
    assert "n/a (no building lost heat)" in page
    assert "not restored to 95 %" not in page
    assert_offline(page)


def test_text_is_escaped() -> None:
    full = fake_result(n_buildings=20)
    events = full.events.copy()
    events.loc[0, "detail"] = "<script>alert('x')</script>"
    meta = dict(full.meta, city_name="<b>Evil & Co</b>")
    result = dataclasses.replace(full, events=events, meta=meta)
    page = strip_plotlyjs(render_report(result))
    assert "<script>alert('x')</script>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "&lt;b&gt;Evil &amp; Co&lt;/b&gt;" in page


def test_events_table_is_capped() -> None:
    result = fake_result(n_buildings=20, n_events=1000)
    events = result.events.assign(kind="shelter_open")
    page = render_report(dataclasses.replace(result, events=events))
    assert "1,000 events; this table holds every key event and the first 300" in page
    assert page.count('<tr data-kind="shelter_open"') == 300


def test_format_helpers() -> None:
    assert format_number(1234567) == "1,234,567"
    assert format_number(np.int64(42)) == "42"
    assert format_number(1234.56, 1) == "1,234.6"
    assert format_number(-0.04, 1) == "0.0"
    assert format_number(None) == "—"
    assert format_number(float("nan")) == "—"
    assert format_summary_value("hours_to_restore_power_95pct", None) == "not within the horizon"
    assert format_summary_value("seed", 123456) == "123456"


def test_large_result_stays_small(tmp_path: Path) -> None:
    # Size, not time: timing belongs in benchmarks/, never in the test suite.
    result = fake_result(n_buildings=10_000, n_steps=1008, n_assets=40, n_shelters=30)
    out = write_report(result, tmp_path / "big.html")
    size = out.stat().st_size
    assert size < 8_000_000, size
    assert "B09999" in out.read_text(encoding="utf-8")


def test_timeline_read_back_from_csv(tmp_path: Path) -> None:
    """Times as text and alerts as "True"/"False" text still give a time axis and shading."""
    full = fake_result(n_buildings=30)
    full.timeline.to_csv(tmp_path / "timeline.csv", index=False)
    timeline = pd.read_csv(tmp_path / "timeline.csv", dtype={"alert_active": str})
    result = dataclasses.replace(full, timeline=timeline)
    page = render_report(result)
    assert '"2026-01-12T00:00:00' in page  # datetime x axis
    assert '"type":"rect"' in page  # alert shading


def test_result_save_writes_report(tmp_path: Path) -> None:
    out = fake_result(n_buildings=30).save(tmp_path / "run")
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "Testgrad" in page
    assert_offline(page)
