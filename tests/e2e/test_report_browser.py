"""The demo's report, outage schedule and diff page in headless Chromium (Playwright).

Debian's ``chromium`` is driven through ``executable_path`` (no browser download). ``.ci/run``
installs it with apt-get when missing and sets ``COLDSTART_REQUIRE_BROWSER=1``, so in CI a
missing browser fails these tests instead of skipping them.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from browser_helpers import WIDTHS_PX, assert_fits


def open_page(browser, path, width: int):
    """A page at ``width`` px; returns (page, console messages, network requests)."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    messages: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: messages.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: messages.append(f"pageerror: {e}"))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length > 0 || true")
    page.wait_for_timeout(300)
    return page, messages, requests


@pytest.fixture(scope="module")
def report_at(browser, demo_run_dir):
    """``report_at(width)``: the demo's report opened once per width for the whole module
    (loading 6 MB of page is the slow part), with its console messages and requests."""
    opened: dict[int, tuple] = {}

    def get(width: int):
        if width not in opened:
            opened[width] = open_page(browser, demo_run_dir / "report.html", width)
        return opened[width]

    yield get
    for page, _, _ in opened.values():
        page.close()


@pytest.mark.parametrize("width", WIDTHS_PX)
def test_report_fits_is_quiet_offline_and_navigable(report_at, width):
    page, messages, requests = report_at(width)
    assert messages == []  # no errors, no warnings (no "Invalid color specifier")
    assert [u for u in requests if not u.startswith("file://")] == []  # offline
    assert_fits(page, width)
    links = page.locator("nav a")
    anchors = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert {"#story", "#outages", "#shelters", "#map", "#events", "#timeline"} <= set(anchors)
    for i, href in enumerate(anchors):
        links.nth(i).evaluate("a => a.click()")  # a reader's tap; no actionability waits
        top = page.evaluate(f"document.querySelector('{href}').getBoundingClientRect().top")
        at_end = page.evaluate(
            "scrollY + innerHeight >= document.scrollingElement.scrollHeight - 2"
        )
        # the heading lands at the top of the window (or the page is scrolled to its end)
        assert -5 <= top <= 120 or (at_end and 0 <= top < 900), (href, top)
        assert_fits(page, width)
    drawn = page.evaluate("document.querySelectorAll('.js-plotly-plot .main-svg').length")
    assert drawn >= 5  # timeline, outages, shelters, map, two histograms
    assert messages == []


def test_report_story_reads_the_run(report_at, demo_run_dir):
    page, messages, _ = report_at(390)  # a phone
    story = page.inner_text("#story-text")
    events = pd.read_csv(demo_run_dir / "events.csv")
    timeline = pd.read_csv(demo_run_dir / "timeline.csv")
    assets = pd.read_csv(demo_run_dir / "assets.csv")
    summary = json.loads((demo_run_dir / "summary.json").read_text())
    for heading in ("What struck", "What was lost", "The worst hours", "What came back",
                    "The end", "Who is still cold"):  # fmt: skip
        assert heading in story
    for detail in events.loc[events["kind"] == "wave", "detail"]:
        assert f"“{detail.split(': ')[0]}”" in story  # every wave, named as in the scenario
    first = events[events["kind"] == "wave"].iloc[0]
    n_hits = ((events["kind"] == "hit") & (events["hours"] == first["hours"])).sum()
    assert f"hit {n_hits} asset{'' if n_hits == 1 else 's'}:" in story
    end = timeline.iloc[-1]
    people, homes = int(end["people_without_heat"]), int(end["buildings_without_heat"])
    assert f"{people:,} people in {homes:,} buildings were still without heat" in story
    assert f"{int(timeline['people_without_heat'].max()):,} people were without heat" in story
    assert f"{summary['buildings_lost_heat']:,} of {summary['buildings_total']:,}" in story
    for aid in assets.loc[assets["restored_h"].isna(), "asset_id"]:
        assert aid in story  # still out at the end
    assert messages == []


def test_report_events_filter_by_kind(report_at, demo_run_dir):
    page, messages, _ = report_at(1400)
    visible = "#events-table tbody tr:not([hidden])"
    kinds = page.eval_on_selector_all(visible, "rs => rs.map(r => r.dataset.kind)")
    assert kinds[0] == "wave" and "shelter_open" not in kinds  # key events by default
    page.select_option("#event-kind", "hit")
    hits = page.eval_on_selector_all(visible, "rs => rs.map(r => r.dataset.kind)")
    events = pd.read_csv(demo_run_dir / "events.csv")
    assert hits == ["hit"] * int((events["kind"] == "hit").sum())
    page.select_option("#event-kind", "shelter_open")
    assert page.eval_on_selector_all(visible, "rs => rs.length") > 0
    assert messages == []


@pytest.mark.parametrize("width", WIDTHS_PX)
def test_schedule_page_fits(browser, demo_run_dir, width):
    page, messages, requests = open_page(browser, demo_run_dir / "outage_schedule.html", width)
    try:
        assert_fits(page, width)
        page.click('nav a[href="#q3.2"]')
        assert "Queue 3.2" in page.inner_text("main")
        assert messages == [] and all(u.startswith("file://") for u in requests)
    finally:
        page.close()


@pytest.mark.parametrize("width", WIDTHS_PX)
def test_diff_page_fits_and_is_quiet(browser, demo_run_dir, demo_run_b_dir, tmp_path, cli, width):
    out = tmp_path / "diff.html"
    code, stdout, stderr = cli("diff", demo_run_dir, demo_run_b_dir, "--out", out)
    assert code == 0, stderr
    page, messages, requests = open_page(browser, out, width)
    try:
        assert_fits(page, width)
        assert messages == [] and all(u.startswith("file://") for u in requests)
        assert page.evaluate("document.querySelectorAll('.js-plotly-plot').length") == 2
    finally:
        page.close()


def test_map_switches_to_hours_until_heat_returned(report_at):
    page, messages, _ = report_at(1400)
    page.locator("#coldstart-map").scroll_into_view_if_needed()
    page.locator("#coldstart-map .updatemenu-header").click()
    page.locator("#coldstart-map .updatemenu-dropdown-button").nth(1).click()
    shown = page.evaluate(
        "document.getElementById('coldstart-map').data"
        ".filter(t => t.visible !== false).map(t => t.name)"
    )
    assert "Heat came back after (h)" in shown and "Heat not back by the end" in shown
    assert "Buildings" not in shown and "Power lines" in shown  # the network stays underneath
    assert messages == []


FOOTPRINT_RINGS = """() => {
  const gd = document.getElementById('coldstart-map');
  const shown = gd._fullData.filter(t => t.fill === 'toself' && t.visible === true);
  const rings = shown.reduce((n, t) => n + Array.from(t.x).filter(v => Number.isNaN(v)).length, 0);
  const names = shown.map(t => t.name.split(' ').slice(0, -1).join(' '));
  return [rings, gd.querySelectorAll('.scatterlayer path.js-fill').length, [...new Set(names)]];
}"""
"""Rings of the footprints drawn in the view shown (plotly.js decodes the typed arrays of
shown traces only), fills drawn, and the names of the footprint traces shown."""


@pytest.mark.parametrize("width", WIDTHS_PX)
def test_imported_city_report_draws_footprints_and_is_quiet(browser, osm_example_dir, width):
    import shapely

    from coldstart.city import load_city

    path = osm_example_dir / "run" / "report.html"
    page, messages, requests = open_page(browser, path, width)
    try:
        assert messages == [] and all(u.startswith("file://") for u in requests)
        assert_fits(page, width)
        assert page.is_visible("#synthetic-networks")
        parts = shapely.get_parts(load_city(osm_example_dir / "city").footprints.to_numpy())
        want = len(parts) + int(shapely.get_num_interior_rings(parts).sum())
        page.locator("#coldstart-map").scroll_into_view_if_needed()
        rings, fills, names = page.evaluate(FOOTPRINT_RINGS)
        assert rings == want and fills > 0 and names == ["Footprints"]  # every footprint
        page.locator("#coldstart-map .updatemenu-header").click()
        page.locator("#coldstart-map .updatemenu-dropdown-button").nth(1).click()
        rings, fills, names = page.evaluate(FOOTPRINT_RINGS)
        assert rings == want and fills > 0 and "Footprints" not in names  # the other view
        assert_fits(page, width)
        assert messages == []
    finally:
        page.close()
