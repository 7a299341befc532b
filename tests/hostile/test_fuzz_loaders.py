"""Property-based fuzzing of the scenario and city loaders (Hypothesis).

Random mutations of the example files: each run of the CLI ends with exit 0 or 2 and never an
internal error or a traceback; a city that ``city check`` accepts also runs. Examples per test
come from the Hypothesis profile (``tests/conftest.py``): a short one in ``make test``, more with
``HYPOTHESIS_PROFILE=long``.
"""

import json
import math
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FIXTURES = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]

SCALARS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.integers(min_value=-3, max_value=300),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1e308, 1e-320, 0.5, -20.0, 168.0]),
    st.booleans(),
    st.text(max_size=12),
    st.sampled_from(["fifo", "csv", "none", "complete", "a_chp_1", "", "[red]x[/red]"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


def toml_literal(value) -> str:
    """``value`` written as a TOML value (inline tables and arrays for nested ones)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_literal(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {toml_literal(v)}" for k, v in value.items()) + "}"


MUTATIONS = st.one_of(
    st.tuples(st.just("value"), st.integers(0, 10_000), VALUES),
    st.tuples(st.just("raw"), st.integers(0, 10_000), st.text(max_size=20)),
    st.tuples(st.just("drop"), st.integers(0, 10_000), st.none()),
    st.tuples(
        st.just("date"),
        st.integers(0, 10_000),
        st.sampled_from(
            [
                "0001-01-01T00:00:00",
                "9999-12-31T23:59:59",
                "2026-01-09",
                "2026-01-09T00:00:00+14:00",
            ]
        ),
    ),
)


def mutate_toml(text: str, mutations) -> str:
    lines = text.splitlines()
    for kind, pos, value in mutations:
        keyed = [i for i, ln in enumerate(lines) if " = " in ln and not ln.lstrip().startswith("#")]
        if not keyed:
            break
        i = keyed[pos % len(keyed)]
        key = lines[i].split(" = ", 1)[0]
        if kind == "value":
            lines[i] = f"{key} = {toml_literal(value)}"
        elif kind == "date":
            lines[i] = f"{key} = {value}"
        elif kind == "raw":
            lines[i] = f"{key} = {value}"
        else:
            del lines[i]
    return "\n".join(lines) + "\n"


def assert_clean(result):
    code, out, err = result
    assert code in (0, 2), (code, out, err)
    assert "Traceback" not in out + err and "internal error" not in err, err


@settings(suppress_health_check=FIXTURES)
@given(mutations=st.lists(MUTATIONS, min_size=1, max_size=3))
def test_scenario_mutations_exit_0_or_2(cli, small_city_dir, scenario_text, mutations):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.toml"
        path.write_text(mutate_toml(scenario_text, mutations))
        checked = cli("scenario", "check", path, "--city", small_city_dir)
        assert_clean(checked)
        if checked[0] != 0:
            return
        # whatever scenario check accepts, a run must take (short horizons only, for time)
        from coldstart.scenario import load_scenario

        if load_scenario(path).horizon_h <= 48.0:
            ran = cli("run", small_city_dir, path, "--out", Path(tmp) / "out", "--no-report")
            assert_clean(ran)
            assert ran[0] == 0, ran


def _mutate_city(city: Path, table: str, pos: int, value) -> None:
    if table.startswith("grid."):
        doc = json.loads((city / "grid.json").read_text())
        frame = json.loads(doc["_object"][table[5:]]["_object"])
        if frame["data"]:
            row = frame["data"][pos % len(frame["data"])]
            row[(pos // 7) % len(row)] = value
        doc["_object"][table[5:]]["_object"] = json.dumps(frame)
        (city / "grid.json").write_text(json.dumps(doc))
        return
    path = city / f"{table}.geojson"
    doc = json.loads(path.read_text())
    if doc["features"]:
        props = doc["features"][pos % len(doc["features"])]["properties"]
        keys = sorted(props)
        props[keys[(pos // 7) % len(keys)]] = value
    path.write_text(json.dumps(doc))


CITY_TABLES = st.sampled_from(
    [
        "buildings",
        "facilities",
        "heat_nodes",
        "heat_pipes",
        "heat_sources",
        "pumping_stations",
        "assets",
        "grid.bus",
        "grid.line",
        "grid.trafo",
        "grid.load",
        "grid.gen",
        "grid.ext_grid",
    ]
)
JSON_VALUES = st.recursive(
    st.one_of(
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=True, allow_infinity=True),
        st.booleans(),
        st.none(),
        st.text(max_size=8),
        st.sampled_from([0, -1, 0.0, 1e308, "b_00001", "district", "1.1", "chp"]),
    ),
    lambda inner: st.lists(inner, max_size=3),
    max_leaves=4,
)


@settings(suppress_health_check=FIXTURES)
@given(
    edits=st.lists(
        st.tuples(CITY_TABLES, st.integers(0, 10_000), JSON_VALUES), min_size=1, max_size=2
    )
)
def test_city_mutations_check_then_run(cli, small_city_dir, scenario_text, edits):
    with tempfile.TemporaryDirectory() as tmp:
        city = Path(tmp) / "city"
        shutil.copytree(small_city_dir, city)
        for table, pos, value in edits:
            _mutate_city(city, table, pos, value)
        checked = cli("city", "check", city)
        assert_clean(checked)
        if checked[0] != 0:
            return
        # whatever city check accepts, a run must take
        scen = Path(tmp) / "s.toml"
        scen.write_text(scenario_text.replace("horizon_h = 6.0", "horizon_h = 3.0"))
        scen.write_text(scen.read_text().replace("at_h = 5.0", "at_h = 2.5"))
        ran = cli("run", city, scen, "--out", Path(tmp) / "out", "--no-report")
        assert_clean(ran)
        assert ran[0] == 0 or "unknown asset" in ran[2], ran
