"""Outputs described as data: the README agrees with the description, the writer checks it."""

import re
from pathlib import Path

import pandas as pd
import pytest

from coldstart.outputs import OutputMismatch, check_outputs, markdown, output_specs
from demo_texts import short_demo_text

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_outputs_section_is_generated_from_the_description():
    text = README.read_text()
    m = re.search(r"<!-- outputs:start -->\n(.*?)<!-- outputs:end -->", text, re.S)
    assert m, "README.md lost its outputs section"
    assert m.group(1) == markdown(), "run: python scripts/update_readme_outputs.py"


def test_every_field_has_unit_and_meaning():
    for spec in output_specs().values():
        names = [f.name for f in spec.fields]
        assert len(names) == len(set(names)), spec.file
        for f in spec.fields:
            assert f.meaning.strip(), (spec.file, f.name)
            # units in names: a field whose name ends in a unit says so in its unit column
            for suffix, unit in (("_mw", "MW"), ("_c", "degC"), ("_h", "h"), ("_km", "km")):
                if f.name.endswith(suffix):
                    assert f.unit == unit, (spec.file, f.name, f.unit)


def test_a_run_matches_its_description_and_a_stray_column_is_refused(small_city):
    from coldstart.scenario import parse_scenario
    from coldstart.simulate import simulate

    result = simulate(small_city, parse_scenario(short_demo_text(6, 5)))
    check_outputs(result)  # every key and column described, in order
    stray = result.timeline.assign(extra_column=1)
    import dataclasses

    with pytest.raises(OutputMismatch, match="extra_column"):
        check_outputs(dataclasses.replace(result, timeline=stray))
    with pytest.raises(OutputMismatch, match="seed"):
        summary = {k: v for k, v in result.summary.items() if k != "seed"}
        check_outputs(dataclasses.replace(result, summary=summary))
    assert isinstance(result.events, pd.DataFrame)


def test_csv_numbers_are_rounded(small_city, tmp_path):
    # issue 16: no "end_h = 3.583631283711998" in a CSV; parquet keeps full precision
    from coldstart.scenario import parse_scenario
    from coldstart.simulate import simulate

    result = simulate(small_city, parse_scenario(short_demo_text(12, 5)))
    result.write_into(tmp_path, report=False)
    for name in ("timeline", "events", "assets", "shelters", "outage_schedule", "districts"):
        for line in (tmp_path / f"{name}.csv").read_text().splitlines()[1:]:
            for cell in line.split(","):
                frac = re.fullmatch(r"-?\d+\.(\d+)", cell)
                assert frac is None or len(frac.group(1)) <= 7, (name, cell)
    assets = pd.read_csv(tmp_path / "assets.csv")
    assert (assets["lon"] - result.assets["lon"]).abs().max() < 1e-12
    # review: whole counts were written "31782.0"; a column of whole numbers reads as integers
    tl = pd.read_csv(tmp_path / "timeline.csv")
    assert result.timeline["people_without_power"].dtype.kind == "f"  # (in memory: floats)
    assert tl["people_without_power"].dtype.kind == "i"
    assert (tl["people_without_power"] == result.timeline["people_without_power"]).all()
    assert tl["temp_outdoor_c"].dtype.kind == "f"  # fractions stay
    # review: a float column was written as integers only in runs where every value happened
    # to be whole, so its type changed from run to run; only counts of people whole by
    # construction are integers, other columns keep their point ("12.0")
    districts = (tmp_path / "districts.csv").read_text().splitlines()
    col = districts[0].split(",").index("hours_on_backup")
    assert all("." in line.split(",")[col] for line in districts[1:]), districts
    for name in ("timeline", "events", "assets", "shelters", "outage_schedule", "districts"):
        df = getattr(result, name)
        on_disk = pd.read_csv(tmp_path / f"{name}.csv")
        for c in df.select_dtypes("floating").columns:
            whole_by_construction = c in ("people_without_heat", "people_without_power")
            if len(df) and df[c].notna().all() and not whole_by_construction:
                assert on_disk[c].dtype.kind == "f", (name, c)
