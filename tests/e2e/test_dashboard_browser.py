"""The dashboard of ``coldstart serve`` in headless Chromium (Playwright), at 390 and 1400 px.

A real uvicorn server runs in a thread on a free loopback port, on the 80-building demo city
of the tests (``tests/web_helpers.py``). The browser loads the page, checks and runs a tiny
scenario, watches the progress reach 100 %, moves the time slider and sees the map change,
plays and pauses, compares two runs, runs a sweep and sees its fan charts; no console errors,
nothing fetched from elsewhere, the page as wide as the screen. Debian's ``chromium`` is
driven as in ``test_report_browser.py`` (``COLDSTART_REQUIRE_BROWSER=1`` turns a missing
browser into a failure). With ``COLDSTART_SCREENSHOTS=DIR`` the map is saved as
``DIR/dashboard-<width>.png`` (the README's pictures: ``COLDSTART_SCREENSHOTS=docs/img``).
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from pathlib import Path

import pytest

from browser_helpers import WIDTHS_PX, assert_fits
from web_helpers import TINY_HOURS, make_config, tiny_scenario

TIMEOUT_MS = 60_000


@contextlib.contextmanager
def serving(tmp: Path, **config):
    """``http://127.0.0.1:PORT`` of a dashboard served by uvicorn in a thread."""
    import uvicorn

    from coldstart.web.app import create_app

    app = create_app(make_config(tmp, **config))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    end = time.monotonic() + 30
    while not server.started and time.monotonic() < end:
        time.sleep(0.05)
    assert server.started
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """A dashboard without a token, shared by the tests of this module."""
    with serving(tmp_path_factory.mktemp("live")) as url:
        yield url


class Opened:
    """A dashboard page and what it said: console errors and page errors (``problems``),
    requests to anywhere but the server (``elsewhere``)."""

    def __init__(self, browser, url: str, width: int, path: str = "/"):
        self.page = browser.new_page(viewport={"width": width, "height": 900})
        self.problems: list[str] = []
        self.elsewhere: list[str] = []
        self.page.on(
            "console", lambda m: self.problems.append(m.text) if m.type == "error" else None
        )
        self.page.on("pageerror", lambda e: self.problems.append(f"pageerror: {e}"))
        self.page.on(
            "request", lambda r: None if r.url.startswith(url) else self.elsewhere.append(r.url)
        )
        self.page.goto(url + path)

    def wait_checked(self) -> None:
        """Until the editor's scenario has been checked ok."""
        self.page.wait_for_function(
            "document.querySelector('[data-testid=scenario-messages]').textContent"
            ".startsWith('ok')",
            timeout=TIMEOUT_MS,
        )

    def close(self, quiet: bool = True) -> None:
        """Close after checking nothing went elsewhere and no script failed; with ``quiet``,
        nor was any error logged at all."""
        failed = [p for p in self.problems if quiet or p.startswith("pageerror")]
        assert not failed, failed
        assert not self.elsewhere, self.elsewhere
        self.page.close()


def building_colours(page) -> list:
    return page.evaluate(
        "document.querySelector('[data-testid=map]').data"
        ".find(t => t.name === 'Buildings').marker.color"
    )


def wait_hour(page, hour: int) -> None:
    page.wait_for_function(
        f"document.querySelector('[data-testid=map]').dataset.hour === '{hour}'",
        timeout=TIMEOUT_MS,
    )


def wait_framed_plot(page, test_id: str) -> None:
    """Until the page shown in the frame ``test_id`` has drawn a Plotly figure."""
    frame = page.frame_locator(f"[data-testid={test_id}]")
    frame.locator(".js-plotly-plot").first.wait_for(timeout=TIMEOUT_MS)


def screenshot(page, width: int) -> None:
    """With ``COLDSTART_SCREENSHOTS=DIR``: map and slider as ``DIR/dashboard-<width>.png``."""
    shots = os.environ.get("COLDSTART_SCREENSHOTS")
    if not shots:
        return
    Path(shots).mkdir(parents=True, exist_ok=True)
    page.evaluate("document.querySelector('.map-controls').scrollIntoView({block: 'start'})")
    page.wait_for_timeout(300)
    page.screenshot(path=str(Path(shots) / f"dashboard-{width}.png"))


def run_tiny(page, seed: int) -> None:
    """Put the tiny scenario in the editor, run it, wait for 100 %."""
    editor = page.get_by_test_id("scenario-editor")
    editor.fill(tiny_scenario())
    page.wait_for_function(
        "document.querySelector('[data-testid=scenario-messages]').textContent"
        ".includes('6 h in 36 steps')",
        timeout=TIMEOUT_MS,
    )
    page.get_by_test_id("seed-input").fill(str(seed))
    page.get_by_test_id("run-button").click()
    page.wait_for_function(
        "document.querySelector('[data-testid=run-progress-text]').textContent === '100 %'",
        timeout=TIMEOUT_MS,
    )


@pytest.mark.parametrize("width", WIDTHS_PX)
def test_run_watch_and_scrub_the_map(browser, live_server, width):
    opened = Opened(browser, live_server, width)
    page = opened.page
    opened.wait_checked()
    assert "Night strike" in page.get_by_test_id("scenario-editor").input_value()
    run_tiny(page, seed=40 + width % 7)
    wait_hour(page, 1)
    assert page.get_by_test_id("run-headline").inner_text().strip()
    first = building_colours(page)
    slider = page.get_by_test_id("time-slider")
    slider.focus()
    slider.press("End")
    wait_hour(page, TINY_HOURS)
    assert "after 6 h" in page.get_by_test_id("map-hour").inner_text()
    assert building_colours(page) != first
    screenshot(page, width)
    page.get_by_test_id("play-button").click()
    wait_hour(page, 2)
    page.get_by_test_id("play-button").click()
    assert page.get_by_test_id("run-list").locator("li").count() >= 1
    page.wait_for_selector("[data-testid=timeline] .main-svg", timeout=TIMEOUT_MS)
    page.wait_for_timeout(300)
    assert_fits(page, width)
    if width == max(WIDTHS_PX):  # the run's own report, in a sandboxed frame
        page.get_by_test_id("run-files").get_by_text("report.html").click()
        wait_framed_plot(page, "file-frame")
    opened.close()


def test_compare_two_runs(browser, live_server):
    opened = Opened(browser, live_server, 1400)
    page = opened.page
    opened.wait_checked()
    have = page.locator("[data-testid=compare-a] option").count()  # the runs of the tests above
    for seed in (51, 52)[: max(2 - have, 0)]:
        run_tiny(page, seed)
    page.wait_for_function(
        "document.querySelectorAll('[data-testid=compare-a] option').length >= 2",
        timeout=TIMEOUT_MS,
    )
    a = page.get_by_test_id("compare-a").input_value()
    b = page.get_by_test_id("compare-b").input_value()
    assert a and b and a != b
    page.get_by_test_id("compare-button").click()
    wait_framed_plot(page, "compare-frame")
    opened.close()


def test_sweep_fan_charts(browser, live_server):
    opened = Opened(browser, live_server, 1400)
    page = opened.page
    page.get_by_test_id("scenario-editor").fill(tiny_scenario())
    page.get_by_test_id("sweep-seeds").fill("1")
    page.locator("#policies input[value=greatest_benefit]").uncheck()
    page.get_by_test_id("sweep-button").click()
    wait_framed_plot(page, "sweep-frame")
    assert "done · 2 of 2 runs" in page.get_by_test_id("sweep-status").inner_text()
    opened.close()


def test_api_page_offline(browser, live_server):
    opened = Opened(browser, live_server, 1400, "/docs")
    opened.page.locator(".opblock").first.wait_for(timeout=TIMEOUT_MS)
    assert opened.page.locator(".opblock").count() >= 15
    opened.close()


def test_the_page_asks_for_the_token(browser, tmp_path):
    token = "browser-test-token"
    with serving(tmp_path, token=token) as url:
        opened = Opened(browser, url, 390)
        page = opened.page
        page.get_by_test_id("token-form").wait_for(timeout=TIMEOUT_MS)
        assert "needs its API token" in page.locator("#banner").inner_text()
        page.locator("#token").fill("a-wrong-token")
        page.locator("#token-form button").click()
        page.get_by_text("The server refused this token").wait_for(timeout=TIMEOUT_MS)
        page.locator("#token").fill(token)
        page.locator("#token-form button").click()
        opened.wait_checked()
        assert page.get_by_test_id("token-form").is_hidden()
        opened.close(quiet=False)  # the browser logs the first request's 401
