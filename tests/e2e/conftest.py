"""The ``browser`` fixture of the browser tests: headless Chromium through Playwright.

Debian's ``chromium`` is driven through ``executable_path`` (no browser download). ``.ci/run``
installs it with apt-get when missing and sets ``COLDSTART_REQUIRE_BROWSER=1``, so in CI a
missing browser fails these tests instead of skipping them.
"""

from __future__ import annotations

import os
import shutil

import pytest


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
