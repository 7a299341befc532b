"""Fixtures of the dashboard's API tests (helpers in ``tests/web_helpers.py``)."""

from __future__ import annotations

import pytest

from web_helpers import make_client, make_config, tiny_scenario, wait_done


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server (TestClient) shared by a test module, no token."""
    tmp = tmp_path_factory.mktemp("web")
    with make_client(make_config(tmp)) as client:
        client.tmp = tmp
        yield client


@pytest.fixture(scope="module")
def finished_run(server) -> str:
    """The id of a finished tiny run on the demo city (seed 1)."""
    r = server.post("/api/runs", json={"city": "demo", "scenario": tiny_scenario(), "seed": 1})
    assert r.status_code == 202, r.text
    run_id = r.json()["run_id"]
    status = wait_done(server, f"/api/runs/{run_id}")
    assert status["status"] == "done", status
    return run_id
