"""The ``browser`` fixture of the browser tests (headless Chromium through Playwright), and
``six_hour_runs``: two small runs that ``coldstart diff`` compares.

Debian's ``chromium`` is driven through ``executable_path`` (no browser download). ``.ci/run``
installs it with apt-get when missing and sets ``COLDSTART_REQUIRE_BROWSER=1``, so in CI a
missing browser fails these tests instead of skipping them.
"""

from __future__ import annotations

import os
import shutil

import pytest

from demo_texts import short_demo_text


def _chromium() -> str | None:
    return os.environ.get("COLDSTART_CHROMIUM") or shutil.which("chromium")


@pytest.fixture(scope="module")
def browser():
    exe = _chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        exe = None
    if exe is None:
        why = "needs the playwright package and Debian's chromium (apt-get install chromium)"
        if os.environ.get("COLDSTART_REQUIRE_BROWSER"):
            pytest.fail(why)
        pytest.skip(why)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture(scope="session")
def six_hour_runs(tmp_path_factory, small_city):
    """Two runs of the small city over 6 h (seeds 1 and 2): they compare."""
    from coldstart.scenario import load_scenario
    from coldstart.simulate import simulate

    base = tmp_path_factory.mktemp("diffable")
    (base / "six.toml").write_text(short_demo_text(6, 4))
    scenario = load_scenario(base / "six.toml")
    for seed in (1, 2):
        simulate(small_city, scenario, seed=seed).save(base / f"s{seed}", report=False)
    return base / "s1", base / "s2"
