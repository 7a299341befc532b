"""Backup power of the synthetic city (``data/backup_power.csv``) and of the runner: shares,
start-up failures, refuelling and the district report (issue 12)."""

from __future__ import annotations

import pytest

from coldstart.city.backup import assign_backup, backup_shares
from coldstart.city.synth import synth_city
from coldstart.scenario import parse_scenario
from coldstart.simulate import simulate


def test_every_share_has_a_source_and_a_range():
    t = backup_shares()
    assert t.source.str.len().min() > 20
    assert ((t.share_low <= t.share_equipped) & (t.share_equipped <= t.share_high)).all()


def test_the_city_draws_the_tables_shares():
    """The equipped count of a class is floor(share x n + u): within one of share x n."""
    city = synth_city(12000, seed=0)
    t = backup_shares()
    bh = city.heat_sources[city.heat_sources.kind == "boiler_house"]
    assert abs((bh.backup_power_kw > 0).sum() - t.share_equipped["boiler_house"] * len(bh)) < 1
    f = city.facilities
    for kind in ("hospital", "warming_point", "school", "metro_station"):
        sel = f[f.kind == kind]
        got = (sel.backup_power_kw > 0).sum()
        assert abs(got - t.share_equipped[kind] * len(sel)) < 1, kind
    assert (city.heat_sources[city.heat_sources.kind == "chp"].backup_power_kw == 0).all()


def test_assign_backup_leaves_its_input_alone_and_repeats():
    city = synth_city(120, seed=3)
    before = {k: v.copy() for k, v in city.tables.items()}
    a = assign_backup(city.tables, 3)
    b = assign_backup(city.tables, 3)
    for k, v in city.tables.items():
        assert v.equals(before[k])
    assert a["heat_sources"].equals(b["heat_sources"])


SCEN = """
name = "grid loss at -15 degC"
start = 2026-01-09T00:00:00
horizon_h = 12.0
seed = 4
[weather]
kind = "constant"
min_temp_c = -15.0
[grid]
national_import_mw = 0.0
overload_trips = false
[backup]
start_failure_prob = {p}
refuel_every_h = {refuel}
"""


@pytest.mark.parametrize("p", [0.0, 1.0])
def test_sources_run_on_backup_unless_they_fail_to_start(p):
    """No import and no plants in the way: the grid is dark; equipped boiler houses run on their
    generators for the whole 12 h (fuel >= 24 h), unless every start fails."""
    city = synth_city(120, seed=0)
    sc = parse_scenario(SCEN.format(p=p, refuel="24.0"))
    r = simulate(city, sc)
    d = r.districts
    equipped = d.backup_power_kw > 0
    assert equipped.any()
    if p == 0.0:
        assert (d.hours_on_backup[equipped] > 11.0).all()
        assert r.summary["backup_start_failures"] == 0
    else:
        assert (d.hours_on_backup == 0).all()
        assert (d.backup_start_failures[equipped] >= 1).all()
    assert (d.hours_on_backup[~equipped] == 0).all()
    assert d.buildings.sum() == int((city.buildings.heat_supply == "district").sum())


def test_a_destroyed_source_does_not_run_on_its_generator():
    """Review finding: a boiler house destroyed in the first hour was reported running on its
    backup generator for the rest of the run."""
    city = synth_city(120, seed=0)
    src = city.heat_sources
    equipped = src[(src.kind == "boiler_house") & (src.backup_power_kw > 0)].source_id
    target = f"a_{equipped.iloc[0]}"
    text = SCEN.format(p=0.0, refuel="24.0") + (
        f'[[strikes]]\nat_h = 0.5\nhits = [{{ asset_id = "{target}", damage = "complete", '
        "beyond_repair = true }]\n"
    )
    d = simulate(city, parse_scenario(text)).districts.set_index("source_id")
    assert d.loc[equipped.iloc[0], "hours_on_backup"] <= 0.5
    others = d.index.isin(equipped.iloc[1:])
    assert (d.loc[others, "hours_on_backup"] > 11.0).all()


def test_units_left_out_by_available_share_are_reported_missing():
    city = synth_city(120, seed=0)
    sc = parse_scenario(SCEN.format(p=0.0, refuel="24.0") + "available_share = 0.0\n")
    d = simulate(city, sc).districts
    assert not d.backup_available.any()
    assert (d.hours_on_backup == 0).all()
