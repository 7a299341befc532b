"""Input-handling polish from the new-user review (item 15): hints and locations in messages."""

from __future__ import annotations

import pytest

from coldstart.city.io import read_city_toml
from coldstart.errors import CityError


def _city_toml_problems(tmp_path, text: str) -> list[str]:
    (tmp_path / "city.toml").write_text(text)
    with pytest.raises(CityError) as exc:
        read_city_toml(tmp_path)
    return [str(p) for p in exc.value.problems]


def test_city_toml_unknown_table_and_key_suggest_the_closest(tmp_path):
    msgs = _city_toml_problems(
        tmp_path, 'name = "c"\ndescripton = "x"\n[files]\ngrd = "grid.json"\nbildings = "b.csv"\n'
    )
    assert len(msgs) == 3
    assert "key 'descripton': unknown key (did you mean 'description'?)" in msgs[0]
    assert "key 'files.grd': unknown table (did you mean 'grid'?) (expected one of grid," in msgs[1]
    assert "(did you mean 'buildings'?)" in msgs[2]
    # nothing close: no guess
    msgs = _city_toml_problems(tmp_path, '[files]\nroads = "r.csv"\n')
    assert msgs == [
        f"{tmp_path / 'city.toml'}, key 'files.roads': unknown table (expected one of grid, "
        "buildings, facilities, heat_nodes, heat_pipes, heat_valves, heat_sources, "
        "pumping_stations, assets)"
    ]


def test_repeated_weather_time_names_its_column_and_both_lines(tmp_path):
    # was "field 'hours': duplicate hours" with no line, for a file without an 'hours' column
    import pandas as pd

    from coldstart.errors import WeatherError
    from coldstart.scenario.weather import read_weather_csv

    path = tmp_path / "w.csv"
    path.write_text(
        "time,temp_outdoor_c\n2026-01-09T00:00,-10\n2026-01-09T01:00,-11\n\n"
        "2026-01-09T02:00,-12\n2026-01-09T01:00,-13\n"
    )
    with pytest.raises(WeatherError) as exc:
        read_weather_csv(path, pd.Timestamp("2026-01-09T00:00"))
    assert [str(p) for p in exc.value.problems] == [
        f"{path}, line 6, field 'time': '2026-01-09T01:00' repeats the time of line 3"
    ]
    path.write_text("hours,temp_outdoor_c\n0,-10\n1,-11\n1.0,-12\n")
    with pytest.raises(WeatherError, match=r"line 4, field 'hours': '1.0' repeats the hours of"):
        read_weather_csv(path, pd.Timestamp("2026-01-09T00:00"))


HINT = "the file seems to use ';' as separator; coldstart reads comma-separated CSV"


def test_semicolon_separated_csv_gets_a_hint_everywhere(tmp_path):
    import pandas as pd

    from coldstart.city.io import read_table_file
    from coldstart.city.schema import coerce_table, table_specs
    from coldstart.errors import WeatherError
    from coldstart.scenario.weather import read_weather_csv
    from coldstart.sweep.sensitivity import SensitivityError, parse_parameters

    path = tmp_path / "w.csv"
    path.write_text("hours;temp_outdoor_c\n0;-10,5\n1;-11\n")
    with pytest.raises(WeatherError) as exc:
        read_weather_csv(path, pd.Timestamp("2026-01-09T00:00"))
    assert str(exc.value) == (f"{path}, field 'temp_outdoor_c': required column is missing; {HINT}")
    fac = tmp_path / "facilities.csv"
    fac.write_text("facility_id;kind;lon;lat\nf1;school;30.5;50.4\n")
    raw, label, _ = read_table_file(fac)
    _, problems = coerce_table(raw, table_specs()["facilities"], str(fac), label)
    assert problems
    assert all(str(p).endswith(f"required column is missing; {HINT}") for p in problems)
    with pytest.raises(SensitivityError, match=HINT):
        parse_parameters("parameter;low;high;unit;source\ncrews.plumbing;1;2;;x\n", "t.csv")
    # pandas cannot read it at all (more cells than header columns): the hint too
    path.write_text("hours;temp_outdoor_c\n0;-10\n1;-10,5;x\n")
    with pytest.raises(WeatherError, match="malformed CSV: .*" + HINT):
        read_weather_csv(path, pd.Timestamp("2026-01-09T00:00"))
    # a comma-separated file missing a column: no hint
    path.write_text("hours,temp\n0,-10\n")
    with pytest.raises(WeatherError) as exc:
        read_weather_csv(path, pd.Timestamp("2026-01-09T00:00"))
    assert str(exc.value).endswith("field 'temp_outdoor_c': required column is missing")


def test_csv_rows_are_labelled_by_their_line_in_the_file():
    from coldstart.csvfile import csv_line_label, read_csv_table

    data = b'\xef\xbb\xbfa,b\r\n1,2\r\n\r\n"x\ny",3\n   \n,\n5,6'
    raw = read_csv_table(data)
    assert raw["a"].tolist() == ["1", "x\ny", "", "5"]
    label = csv_line_label(data, len(raw))
    assert [label(i) for i in range(len(raw))] == ["line 2", "line 4", "line 7", "line 8"]
