"""The runner from Python: inputs never mutated, summary figures consistent."""

import copy

import pandas as pd

from coldstart.metrics import hours_to_restore
from coldstart.scenario import example_scenario
from coldstart.simulate import simulate


def test_inputs_not_mutated(small_city):
    before_tables = {k: v.copy(deep=True) for k, v in small_city.tables.items()}
    before_net = copy.deepcopy(small_city.net)
    sc = example_scenario()
    dump = sc.model_dump()
    r = simulate(small_city, sc, seed=3)
    for k, v in before_tables.items():
        pd.testing.assert_frame_equal(small_city.tables[k], v)
    for t in ("bus", "line", "trafo", "gen", "load", "ext_grid"):
        pd.testing.assert_frame_equal(small_city.net[t], before_net[t])
    assert sc.model_dump() == dump
    assert r.summary["buildings_total"] == len(small_city.buildings)


def test_summary_consistent_with_tables(small_city):
    r = simulate(small_city, example_scenario(), seed=4)
    s, b, tl = r.summary, r.buildings, r.timeline
    assert s["buildings_lost_heat"] == int((b.hours_without_heat > 0).sum())
    assert s["buildings_drained"] == int(b.drained.sum())
    assert s["peak_people_in_shelters"] == tl.people_in_shelters.max()
    assert s["person_hours_below_5c"] <= s["person_hours_below_12c"] <= s["person_hours_below_16c"]
    assert s["vulnerable_person_hours_below_12c"] <= s["person_hours_below_12c"]
    hit_h = r.assets.hit_h.min()
    assert (tl.buildings_without_heat[tl.hours < hit_h] == 0).all()


def test_hours_to_restore():
    share = [1.0] * 6 + [0.5] * 6 + [0.97] * 6
    assert hours_to_restore(share_arr(share), 1.0, 6.0) == 6.0
    assert hours_to_restore(share_arr([1.0] * 5 + [0.5] * 5), 1.0, 5.0) is None
    assert hours_to_restore(share_arr([1.0] * 10), 1.0, 2.0) == 0.0


def share_arr(x):
    import numpy as np

    return np.asarray(x, float)
