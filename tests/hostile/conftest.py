"""Helpers of the hostile-input suite: edit a city folder the way an attacker or a typo would."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PAYLOAD_MARK = "coldstart-pwned"


def edit_grid_table(city: Path, table: str, edit) -> None:
    """Apply ``edit(frame_dict)`` to one table of ``city/grid.json`` (split orient JSON)."""
    path = city / "grid.json"
    doc = json.loads(path.read_text())
    tables = doc["_object"]
    frame = json.loads(tables[table]["_object"])
    edit(frame)
    tables[table]["_object"] = json.dumps(frame)
    path.write_text(json.dumps(doc))


def set_grid_value(city: Path, table: str, column: str, value, row: int = 0) -> None:
    """Set one cell of a grid table (``value`` may be ``float('inf')``: JSON ``Infinity``)."""

    def edit(frame):
        frame["data"][row][frame["columns"].index(column)] = value

    edit_grid_table(city, table, edit)


def edit_features(path: Path, edit) -> None:
    """Apply ``edit(features)`` to a GeoJSON table."""
    doc = json.loads(path.read_text())
    edit(doc["features"])
    path.write_text(json.dumps(doc))


def set_property(path: Path, field: str, value, feature: int = 0) -> None:
    """Set one property of one feature of a GeoJSON table."""

    def edit(features):
        features[feature]["properties"][field] = value

    edit_features(path, edit)


def run_process(args, timeout=120, cwd=None):
    """Run ``python -m coldstart.cli ARGS`` as a real process (for signals, FIFOs, hangs)."""
    env = {k: v for k, v in os.environ.items() if k != "COLDSTART_DEBUG"}
    return subprocess.run(
        [sys.executable, "-m", "coldstart.cli", *[str(a) for a in args]],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
    )


def assert_exit_2(result, *needles):
    """Exit 2, every stderr line an ``error:`` line, each needle on one of them, no traceback."""
    code, out, err = result
    assert code == 2, (code, out, err)
    assert "Traceback" not in err + out and "internal error" not in err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert lines and all(ln.startswith("error: ") for ln in lines), err
    for needle in needles:
        assert any(needle in ln for ln in lines), (needle, err)
    return lines


@pytest.fixture()
def scenario_text():
    """The demo scenario, cut to 6 hours so a run of the small city takes a second."""
    from demo_texts import short_demo_text

    return short_demo_text(6, 5)


@pytest.fixture()
def scenario_file(tmp_path, scenario_text):
    p = tmp_path / "scenario.toml"
    p.write_text(scenario_text)
    return p


@pytest.fixture(scope="session")
def hx():
    """The helpers above as one object (tests run with ``--import-mode=importlib``, so they
    cannot import this conftest by name)."""
    from types import SimpleNamespace

    return SimpleNamespace(
        edit_grid_table=edit_grid_table,
        set_grid_value=set_grid_value,
        edit_features=edit_features,
        set_property=set_property,
        run_process=run_process,
        assert_exit_2=assert_exit_2,
        PAYLOAD_MARK=PAYLOAD_MARK,
    )
