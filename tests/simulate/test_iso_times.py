"""ISO times of a whole column at once equal the per-row formatting."""

import numpy as np
import pandas as pd
import pytest

from coldstart.metrics import iso_times


@pytest.mark.parametrize(
    "start",
    [
        pd.Timestamp("2026-01-09T00:00:00"),
        pd.Timestamp("2026-01-09T07:13:00"),
        pd.Timestamp("2026-03-28T22:00:00", tz="Europe/Kyiv"),  # across a DST change
    ],
)
@pytest.mark.parametrize("step_min", [1, 7, 10, 60])
def test_column_equals_each_step_formatted_alone(start, step_min):
    dt_h = step_min / 60.0
    hours = [k * dt_h for k in range(int(24 * 9 * 60 / step_min))]
    want = [(start + pd.Timedelta(hours=t)).round("s").isoformat() for t in hours]
    assert iso_times(start, hours) == want


def test_odd_hours_nan_and_empty():
    start = pd.Timestamp("2026-01-09T00:00:00")
    hours = np.array([0.0, 0.1234567, 1.5 / 3600.0, 2.5 / 3600.0, 47.99999, np.nan])
    got = iso_times(start, hours)
    assert got[:-1] == [(start + pd.Timedelta(hours=h)).round("s").isoformat() for h in hours[:-1]]
    assert got[-1] == "NaT" and all(isinstance(s, str) for s in got)
    assert iso_times(start, []) == []
