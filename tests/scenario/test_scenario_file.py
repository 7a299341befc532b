"""Scenario files: the built-in example, validation, and one clear problem per mistake."""

import numpy as np
import pytest

from coldstart.errors import ScenarioError, WeatherError
from coldstart.scenario import example_scenario, example_scenario_text, load_scenario
from coldstart.scenario.weather import cold_snap_c, outdoor_temperature_c

EXAMPLE = example_scenario_text()


def _write(tmp_path, text, name="s.toml"):
    p = tmp_path / name
    p.write_text(text)
    return p


def _problems(exc):
    return [str(p) for p in exc.value.problems]


def test_example_scenario_is_the_demo_event():
    sc = example_scenario()
    assert sc.horizon_h == 168 and sc.step_min == 10 and sc.steps == 1008
    assert sc.weather.min_temp_c == -20.0
    hits = {(h.kind, h.rank): h for w in sc.strikes for h in w.hits}
    first = hits[("chp_plant", 1)]
    assert first.beyond_repair and first.damage == "complete"
    temps = outdoor_temperature_c(sc)
    assert temps.shape == (1008,) and temps.min() == pytest.approx(-20.0)


def test_example_sets_every_top_level_section():
    # `coldstart scenario example` is the place to learn the file: every top-level key and
    # table of the schema is written out (truces, spares and interceptors were missing)
    import tomllib

    from coldstart.scenario.model import Scenario

    written = set(tomllib.loads(EXAMPLE))
    assert written == set(Scenario.model_fields)
    for table in ("[spares]", "[interceptors]", "truces = []"):
        assert f"\n{table}\n" in EXAMPLE
    assert "# stock = { ballistic" in EXAMPLE  # how to set a finite stock, commented out


def test_cold_snap_minimum_at_six():
    t = cold_snap_c(np.arange(24.0), -20.0, 6.0)
    assert int(np.argmin(t)) == 6 and int(np.argmax(t)) == 18
    assert t.max() == pytest.approx(-14.0)


def test_unknown_key_named_with_allowed_keys(tmp_path):
    p = _write(tmp_path, EXAMPLE.replace("min_temp_c = -20.0", "min_temp = -20.0"))
    with pytest.raises(ScenarioError) as exc:
        load_scenario(p)
    msgs = _problems(exc)
    assert any("weather.min_temp" in m and "unknown key" in m and "min_temp_c" in m for m in msgs)
    assert all(str(p) in m for m in msgs)


def test_wrong_type_and_bad_values_each_reported(tmp_path):
    text = EXAMPLE.replace("horizon_h = 168.0", 'horizon_h = "a week"').replace(
        "step_min = 10", "step_min = 7"
    )
    with pytest.raises(ScenarioError) as exc:
        load_scenario(_write(tmp_path, text))
    msgs = _problems(exc)
    assert any("horizon_h" in m for m in msgs)
    assert any("step_min" in m and "divide 60" in m for m in msgs)


def test_horizon_over_60_days_rejected(tmp_path):
    with pytest.raises(ScenarioError, match="horizon_h"):
        load_scenario(_write(tmp_path, EXAMPLE.replace("horizon_h = 168.0", "horizon_h = 2000")))


def test_malformed_toml(tmp_path):
    with pytest.raises(ScenarioError, match="malformed TOML"):
        load_scenario(_write(tmp_path, "name = [unclosed\n"))


def test_missing_file(tmp_path):
    with pytest.raises(ScenarioError, match="file not found"):
        load_scenario(tmp_path / "nope.toml")


def test_interception_probability_bounds(tmp_path):
    text = EXAMPLE.replace("interception = { drone = 0.85 }", "interception = { drone = 1.5 }")
    with pytest.raises(ScenarioError, match=r"strikes\[1\]\.interception"):
        load_scenario(_write(tmp_path, text))


def _csv_scenario(tmp_path, rows):
    (tmp_path / "w.csv").write_text("hours,temp_outdoor_c\n" + rows)
    text = EXAMPLE.replace('kind = "cold_snap"', 'kind = "csv"\ncsv = "w.csv"')
    text = text.replace("horizon_h = 168.0", "horizon_h = 3.0")
    text = text.replace("at_h = 74.0", "at_h = 2.5")
    return load_scenario(_write(tmp_path, text))


def test_weather_csv_interpolated(tmp_path):
    sc = _csv_scenario(tmp_path, "0,-10\n1,-12\n2,-14\n3,-16\n")
    t = outdoor_temperature_c(sc)
    assert t[0] == -10.0 and t[3] == pytest.approx(-11.0)


def test_weather_csv_nan_named_with_line(tmp_path):
    sc = _csv_scenario(tmp_path, "0,-10\n1,nan\n2,-14\n3,-16\n")
    with pytest.raises(WeatherError) as exc:
        outdoor_temperature_c(sc)
    msg = _problems(exc)[0]
    assert "w.csv" in msg and "line 3" in msg and "temp_outdoor_c" in msg


def test_weather_csv_too_short(tmp_path):
    sc = _csv_scenario(tmp_path, "0,-10\n1,-12\n")
    with pytest.raises(WeatherError, match="covers hours"):
        outdoor_temperature_c(sc)
