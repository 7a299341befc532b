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


def _time_scenario(tmp_path, start, rows, horizon_h=3.0):
    """A scenario at ``start`` reading ``rows`` (``time,temp_outdoor_c`` lines) from w.csv."""
    (tmp_path / "w.csv").write_text("time,temp_outdoor_c\n" + "".join(f"{r}\n" for r in rows))
    text = EXAMPLE.replace('kind = "cold_snap"', 'kind = "csv"\ncsv = "w.csv"')
    text = text.replace("start = 2026-01-09T00:00:00", f"start = {start}")
    text = text.replace("horizon_h = 168.0", f"horizon_h = {horizon_h}")
    text = text.replace("at_h = 74.0", f"at_h = {horizon_h - 0.5}")
    return load_scenario(_write(tmp_path, text))


def test_weather_times_without_offset_are_on_the_start_clock(tmp_path):
    # review 3 (B1): a start at +02:00 refused every naive time, saying the time should look
    # like what it was; a naive time is read on the start's clock (a fixed offset)
    rows = ["2026-01-08T23:00,-9", *(f"2026-01-09T{h:02d}:00,{-10 - h}" for h in range(4))]
    naive = outdoor_temperature_c(_time_scenario(tmp_path, "2026-01-09T00:00:00+02:00", rows))
    assert naive[0] == -10.0 and naive[-1] == pytest.approx(-12.0 - 5 / 6)
    # the same hours in UTC, with their offset: the same temperatures
    utc = [f"2026-01-08T{22 + h:02d}:00Z,{-10 - h}" for h in range(2)] + [
        f"2026-01-09T{h - 2:02d}:00+00:00,{-10 - h}" for h in range(2, 4)
    ]
    aware = outdoor_temperature_c(_time_scenario(tmp_path, "2026-01-09T00:00:00+02:00", utc))
    np.testing.assert_array_equal(naive, aware)


def test_weather_times_with_offset_and_a_start_without_one_is_one_problem(tmp_path):
    rows = [f"2026-01-09T{h:02d}:00+02:00,-10" for h in range(4)] + ["soon,-10"]
    sc = _time_scenario(tmp_path, "2026-01-09T00:00:00", rows)
    with pytest.raises(WeatherError) as exc:
        outdoor_temperature_c(sc)
    msgs = _problems(exc)
    assert len(msgs) == 2, msgs  # one for the offsets (not one a row), one for 'soon'
    assert "line 2, field 'time': '2026-01-09T00:00+02:00' has a UTC offset (+02:00)" in msgs[0]
    assert "start = 2026-01-09T00:00:00+02:00" in msgs[0]
    assert "line 6" in msgs[1] and "ISO date-time" in msgs[1]


def test_weather_rows_far_apart_get_a_note(tmp_path):
    # review 3 (B5): hours 10..29 missing were bridged by a straight line without a word
    from coldstart.scenario.weather import MAX_ROW_GAP_H, weather_notes

    rows = "".join(f"{h},-15\n" for h in range(49) if not 10 <= h < 30)
    sc = _csv_scenario(tmp_path, rows)  # 3 h: the hole lies after the run
    assert weather_notes(sc) == []
    text = (tmp_path / "s.toml").read_text().replace("horizon_h = 3.0", "horizon_h = 48.0")
    notes = [str(n) for n in weather_notes(load_scenario(_write(tmp_path, text)))]
    assert len(notes) == 1 and notes[0].startswith(str(tmp_path / "w.csv"))
    assert (
        "no rows between 9 h (2026-01-09T09:00) and 30 h (2026-01-10T06:00), 21 h apart"
        in (notes[0])
    )
    step = int(MAX_ROW_GAP_H)  # rows exactly that far apart: no note
    rows = "".join(f"{h},-15\n" for h in range(0, 49, step))
    (tmp_path / "w.csv").write_text("hours,temp_outdoor_c\n" + rows)
    assert weather_notes(load_scenario(tmp_path / "s.toml")) == []
    rows = "".join(f"{h},-15\n" for h in range(0, 49, 8))  # 6 gaps: 3 named, 1 counting
    (tmp_path / "w.csv").write_text("hours,temp_outdoor_c\n" + rows)
    notes = [str(n) for n in weather_notes(load_scenario(tmp_path / "s.toml"))]
    assert len(notes) == 4 and notes[-1].endswith("... and 3 more such gaps")
