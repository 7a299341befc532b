"""Statistics of a sweep (issue 14): quantiles, censored times, paired differences."""

import json

import numpy as np
import pandas as pd
import pytest

from coldstart.sweep.stats import describe, group_stats
from coldstart.sweep.store import FIGURES


def _runs(rows):
    frame = pd.DataFrame(rows)
    for f in FIGURES:
        if f not in frame:
            frame[f] = 1.0  # the city's counts: the same in every run
    return frame


def _row(seed, policy, ph, heat_h=None, status="ok", variant="{}"):
    return {"seed": seed, "policy": policy, "variant": variant, "horizon_h": 48.0,
            "status": status, "person_hours_below_12c": ph,
            "hours_to_restore_heat_95pct": np.nan if heat_h is None else heat_h,
            "min_temp_c": 10.0 - ph / 100}  # fmt: skip


def test_describe_matches_numpy_and_duckdb_quantiles():
    v = np.array([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0])
    d = describe(v)
    assert d["mean"] == pytest.approx(v.mean(), abs=1e-4) and d["std"] == pytest.approx(
        v.std(ddof=1), abs=1e-4
    )
    assert d["q05"] == pytest.approx(np.quantile(v, 0.05), abs=1e-4)
    assert d["q50"] == pytest.approx(3.5, abs=1e-4) and d["q95"] == pytest.approx(
        np.quantile(v, 0.95), abs=1e-4
    )
    assert describe(np.array([np.nan]))["mean"] is None
    assert describe(np.array([2.0]))["std"] == 0.0


def test_groups_censored_times_and_paired_differences():
    rows = [_row(s, "fifo", 100.0 * s, heat_h=None if s == 3 else 10.0) for s in (1, 2, 3)]
    rows += [_row(1, "nearest", 50.0, 8.0), _row(2, "nearest", 250.0, 8.0)]
    rows += [_row(3, "nearest", 0.0, status="error")]
    out = group_stats(_runs(rows), ["fifo", "nearest"], ["{}"])
    fifo, near = out
    assert (fifo["runs"], fifo["failed"], near["runs"], near["failed"]) == (3, 0, 2, 1)
    heat = fifo["figures"]["hours_to_restore_heat_95pct"]
    assert heat["censored"] == 1 and heat["mean"] == pytest.approx((10 + 10 + 48) / 3, abs=1e-4)
    assert "paired" not in fifo and near["paired_vs"] == "fifo"
    p = near["paired"]["person_hours_below_12c"]
    # seeds 1 and 2 only (3 failed): differences -50 and +50; better (lower) on one of two
    assert (p["seeds"], p["diff_mean"], p["share_better"]) == (2, 0.0, 0.5)
    assert p["share_equal"] == 0.0
    # equal on every seed (review: the report read "0 (0%)", as if worse): counted apart
    tied = [_row(s, pol, 7.0 * s, 8.0) for s in (1, 2) for pol in ("fifo", "nearest")]
    same = group_stats(_runs(tied), ["fifo", "nearest"], ["{}"])[1]["paired"]
    ph = same["person_hours_below_12c"]
    assert (ph["share_better"], ph["share_equal"]) == (0.0, 1.0)
    from coldstart.report.fan import stats_table

    page = stats_table(group_stats(_runs(tied), ["fifo", "nearest"], ["{}"]))
    assert "0 (0%, equal on 100%)" in page
    # a warmer minimum is better: nearest is warmer on seed 1 only
    assert near["paired"]["min_temp_c"]["share_better"] == 0.5
    assert "buildings_total" not in near["paired"]  # the same in every run: not compared
    assert near["variant"] == {}


def test_variants_are_grouped_apart():
    var = [json.dumps({"crews.plumbing": n}, separators=(",", ":")) for n in (5, 40)]
    rows = [_row(s, "fifo", 10.0 * s + (0 if v == var[0] else 1000), variant=v)
            for v in var for s in (1, 2)]  # fmt: skip
    out = group_stats(_runs(rows), ["fifo"], var)
    assert [g["variant"] for g in out] == [{"crews.plumbing": 5}, {"crews.plumbing": 40}]
    means = [g["figures"]["person_hours_below_12c"]["mean"] for g in out]
    assert means == [15.0, 1015.0]
