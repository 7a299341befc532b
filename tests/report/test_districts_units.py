"""The districts' heat shortfall is heat (``_mwh_th``), also in folders of an older coldstart."""

import pandas as pd

from coldstart.report.tables import districts_table


def _districts(suffix: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source_id": ["chp_1"],
            "kind": ["chp"],
            "blocks": [10],
            "blocks_lost_heat": [4],
            "buildings_drained": [1],
            "buildings_frozen": [0],
            f"heat_short_capacity{suffix}": [123.4],
            f"heat_short_hydraulics{suffix}": [56.7],
            "limited_by": ["capacity"],
            "backup_power_kw": [0.0],
            "hours_on_backup": [0.0],
            "backup_start_failures": [0],
        }
    )


def test_shortfall_read_by_its_heat_name_and_the_old_one():
    # review: districts.csv said heat_short_capacity_mwh (unit MWh), read as electricity next
    # to energy_not_served_mwh; now _mwh_th, and an older folder's columns still show
    for suffix in ("_mwh_th", "_mwh"):
        page = districts_table(_districts(suffix))
        assert "Short of capacity [MWh_th]" in page
        assert "123" in page and "57" in page, suffix
