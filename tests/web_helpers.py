"""Helpers of the dashboard's tests (``tests/web``, ``tests/e2e/test_dashboard_browser.py``): a
server on the 80-building city (the demo city of these tests) with its own data folder and
store, driven in-process by FastAPI's TestClient, and the tiny scenario it runs."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

from demo_texts import short_demo_text

TINY_HOURS = 6
"""Horizon of the runs of these tests [h] (36 steps of 10 min)."""

TEST_BUILDINGS = 80
"""Buildings of the demo city in these tests (the synthetic city, seed 0)."""


def tiny_scenario() -> str:
    """The demo scenario cut to :data:`TINY_HOURS` hours."""
    return short_demo_text(TINY_HOURS, 3)


def make_config(tmp, **kw):
    from coldstart.web.config import ServerConfig

    return ServerConfig(
        data_dir=tmp / "data", store_dir=tmp / "store", demo_buildings=TEST_BUILDINGS, **kw
    )


def make_client(config, raise_errors: bool = True):
    from fastapi.testclient import TestClient

    from coldstart.web.app import create_app

    return TestClient(
        create_app(config), base_url="http://127.0.0.1", raise_server_exceptions=raise_errors
    )


def wait_done(client, path: str, timeout_s: float = 120.0, headers=None) -> dict:
    """Poll ``path`` until its status is done or failed; return the last status."""
    end = time.monotonic() + timeout_s
    while True:
        status = client.get(path, headers=headers).json()
        if status["status"] in ("done", "failed") or time.monotonic() > end:
            return status
        time.sleep(0.05)


def zip_of(folder: Path, prefix: str = "city/") -> bytes:
    """``folder`` zipped as a city folder (members under ``prefix``)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                zf.write(p, prefix + p.relative_to(folder).as_posix())
    return buf.getvalue()
