"""Weather CSVs from the third new-user review (1 Dec 2026): times beside a start with a UTC
offset, and holes between rows bridged without a word."""


def _scenario(tmp_path, scenario_text, rows, header="hours,temp_outdoor_c", start=None):
    """A scenario file reading ``rows`` from w.csv, at ``start`` when given."""
    (tmp_path / "w.csv").write_text(header + "\n" + "".join(f"{r}\n" for r in rows))
    text = scenario_text.replace('kind = "cold_snap"', 'kind = "csv"\ncsv = "w.csv"')
    if start is not None:
        text = text.replace("start = 2026-01-09T00:00:00", f"start = {start}")
    path = tmp_path / "s.toml"
    path.write_text(text)
    return path


def test_naive_times_with_a_start_at_an_offset_are_read(cli, tmp_path, scenario_text):
    # review: every row refused, "expected ... like 2026-01-09T06:00, got '2026-01-09T00:00'"
    rows = [f"2026-01-09T{h:02d}:00,-15" for h in range(7)]
    start = "2026-01-09T00:00:00+02:00"
    scen = _scenario(tmp_path, scenario_text, rows, "time,temp_outdoor_c", start)
    code, out, err = cli("scenario", "check", scen)
    assert code == 0, err
    assert "outdoor -15.0..-15.0 °C" in out and err == ""


def test_offset_times_and_a_start_without_offset_are_one_error(cli, hx, tmp_path, scenario_text):
    rows = [f"2026-01-09T{h:02d}:00+02:00,-15" for h in range(7)]
    scen = _scenario(tmp_path, scenario_text, rows, "time,temp_outdoor_c")
    lines = hx.assert_exit_2(
        cli("scenario", "check", scen),
        "w.csv, line 2, field 'time': '2026-01-09T00:00+02:00' has a UTC offset (+02:00) but the "
        "scenario's start 2026-01-09T00:00:00 has none",
    )
    assert len(lines) == 1, lines


def test_a_hole_in_the_weather_is_a_note(cli, tmp_path, scenario_text, small_city_dir):
    # review: hours 10..29 missing, bridged by a straight line, "ok" and nothing else
    text = scenario_text.replace("horizon_h = 6.0", "horizon_h = 48.0")
    rows = [f"{h},{-15 - h % 7}" for h in range(49) if not 10 <= h < 30]
    scen = _scenario(tmp_path, text, rows)
    note = (
        f"note: {tmp_path / 'w.csv'}: no rows between 9 h (2026-01-09T09:00) and 30 h "
        "(2026-01-10T06:00), 21 h apart: the temperatures in between are bridged by a straight line"
    )
    for args in ([], ["--city", small_city_dir]):
        code, out, err = cli("scenario", "check", scen, *args)
        assert code == 0, err
        assert " ok - " in out and note in err.splitlines(), err
    # cooldown reads such a file too, its hours counted from the first row
    code, _, err = cli("cooldown", "--archetype", "panel_9", "--weather-csv", tmp_path / "w.csv")
    assert code == 0 and "w.csv: no rows between 9 h and 30 h, 21 h apart" in err, err
