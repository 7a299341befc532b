"""Times to restore not reached within the horizon are shown as lower bounds, not as values:
``≥ 48 (3/3 not reached)`` in the tables of ``compare``, ``sweep`` and ``store report``."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from coldstart.report.fan import stats_table
from coldstart.report.fmt import (
    format_censored_mean,
    format_censored_quantiles,
    quantile_is_bound,
)
from coldstart.sweep.stats import group_stats
from coldstart.sweep.store import FIGURES
from demo_texts import short_demo_text


def _runs(heat_h: list[float | None], horizon_h: float = 48.0) -> pd.DataFrame:
    frame = pd.DataFrame(
        {"seed": range(len(heat_h)), "policy": "fifo", "variant": "{}", "horizon_h": horizon_h,
         "status": "ok",
         "hours_to_restore_heat_95pct": [np.nan if h is None else h for h in heat_h]}
    )  # fmt: skip
    for f in FIGURES:
        if f not in frame:
            frame[f] = 1.0
    return frame


def _heat(heat_h):
    g = group_stats(_runs(heat_h), ["fifo"], ["{}"])[0]
    return g["figures"]["hours_to_restore_heat_95pct"], g


def test_mean_of_censored_runs():
    assert format_censored_mean(48.0, 0.0, 3, 3) == "≥ 48 (3/3 not reached)"
    assert format_censored_mean(40.5, 6.1, 1, 3) == "≥ 40.5 ± 6.1 (1/3 not reached)"
    assert format_censored_mean(12.3, 1.0, 0, 3) == "12.3 ± 1.0"
    assert format_censored_mean(None, None, 0, 0) == "—"


def test_which_quantiles_rest_on_an_unreached_run():
    # 3 runs sorted, the censored ones last: q05 and q50 use runs 0..1, q95 runs 1..2
    assert [quantile_is_bound(q, 1, 3) for q in (0.05, 0.5, 0.95)] == [False, False, True]
    assert [quantile_is_bound(q, 2, 3) for q in (0.05, 0.5, 0.95)] == [True, True, True]
    assert not any(quantile_is_bound(q, 0, 3) for q in (0.05, 0.5, 0.95))
    # 21 runs: q95 sits on position 19 exactly; one censored run (position 20) leaves it exact
    assert not quantile_is_bound(0.95, 1, 21) and quantile_is_bound(0.95, 2, 21)


def test_sweep_statistics_as_lower_bounds():
    s, g = _heat([None, None, None])
    assert format_censored_quantiles(s, g["runs"]) == "≥ 48 (3/3 not reached)"
    s, g = _heat([10.0, 20.0, None])
    assert format_censored_quantiles(s, g["runs"]) == "20.0 [11.0 .. ≥ 45.2] (1/3 not reached)"
    s, g = _heat([10.0, 20.0, 30.0])
    assert format_censored_quantiles(s, g["runs"]) == "20.0 [11.0 .. 29.0]"


def test_store_report_table_shows_bounds():
    stats = group_stats(_runs([None, None]), ["fifo"], ["{}"])
    page = stats_table(stats)
    assert "≥ 48 (2/2 not reached)" in page and "48.0 [48.0 .. 48.0]" not in page


@pytest.fixture()
def eight_hours(tmp_path):
    """The demo cut to 8 hours, the second wave at 6 h: heat does not come back in time."""
    p = tmp_path / "eight.toml"
    p.write_text(short_demo_text(8, 6))
    return p


def test_compare_and_sweep_tables(cli, small_city_dir, eight_hours, tmp_path):
    args = ("--seeds", "3", "--policies", "fifo,nearest", "--store", tmp_path / "st")
    code, out, err = cli("compare", small_city_dir, eight_hours, *args, "--json")
    assert code == 0, err
    res = json.loads(out)["fifo"]
    n = res["hours_to_restore_heat_95pct_censored"]
    assert n == 3  # none within 8 h: the case of the review
    code, out, err = cli("compare", small_city_dir, eight_hours, *args)  # from the store
    assert code == 0, err
    flat = " ".join(out.split())  # the table may wrap a cell over lines
    assert "(3/3 not reached)" in flat and "≥ 8" in flat and "8.0 ± 0.0" not in flat
    assert "lower bound" in flat
    code, out, err = cli("sweep", small_city_dir, eight_hours, "--seeds", "3",
                         "--store", tmp_path / "st", "--workers", "1")  # fmt: skip
    assert code == 0, err
    assert "≥ 8 (3/3 not reached)" in out and "8.0 [8.0 .. 8.0]" not in out
    # the footnote counts the runs of the shown column (heat), not power's hidden ones too
    assert "≥: 3 of 3 runs did not get 95 % of buildings heated again" in out


def test_equal_seeds_are_counted(cli, small_city_dir, tmp_path):
    # review: two policies with the same result printed "+0 ... better on 0 of 2 seeds";
    # the paired line says the ties ("equal on 2")
    from demo_texts import short_demo_text

    scenario = tmp_path / "s.toml"
    scenario.write_text(short_demo_text(3, 2.5))  # repairs have not started: same runs
    code, out, err = cli("compare", small_city_dir, scenario, "--seeds", "2",
                         "--policies", "fifo,nearest", "--workers", "1")  # fmt: skip
    assert code == 0, err
    assert (
        "nearest vs fifo, same damage: +0 person-hours below 12 °C on average; better on 0, "
        "equal on 2 of 2 seeds" in out
    )
