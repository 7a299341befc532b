"""City folder: save/load round trip, empty tables, schema as data."""

import dataclasses

import pandas as pd

from coldstart.city import load_city, save_city, table_specs
from coldstart.city.model import TABLES


def test_round_trip_keeps_every_table(small_city, tmp_path):
    loaded = load_city(save_city(small_city, tmp_path / "c"))
    for t in TABLES:
        cols = table_specs()[t].columns
        pd.testing.assert_frame_equal(
            loaded.tables[t][cols].reset_index(drop=True),
            small_city.tables[t][cols].reset_index(drop=True),
            check_dtype=False,
        )
    assert len(loaded.net.bus) == len(small_city.net.bus)


def test_empty_table_round_trips(small_city, tmp_path):
    # A city without pumping stations: its GeoJSON has no features, hence no columns.
    tables = dict(small_city.tables)
    tables["pumping_stations"] = tables["pumping_stations"].iloc[0:0]
    tables["assets"] = tables["assets"][tables["assets"].kind != "pumping_station"]
    city = dataclasses.replace(small_city, tables=tables)
    loaded = load_city(save_city(city, tmp_path / "c"))
    assert len(loaded.pumping_stations) == 0
    assert list(loaded.pumping_stations.columns[:3]) == ["pump_id", "pipe_id", "lon"]


def test_every_field_has_dtype_and_units_where_physical():
    for spec in table_specs().values():
        assert spec.key in spec.columns
        for f in spec.fields:
            assert f.dtype in ("str", "int", "float", "bool")
            if f.name.endswith(("_mw", "_kw", "_m2", "_m", "_mm", "_h", "_mw_th")):
                assert f.unit, (spec.name, f.name)
