"""Strike campaigns: an asset struck again after its repair goes out again; a second, lighter
hit on an asset under repair keeps the worse state (issue 11 regressions)."""

import pytest

from coldstart.scenario import parse_scenario
from coldstart.simulate import simulate

BASE = """
name = "campaign"
start = 2026-01-09T00:00:00
horizon_h = {horizon}
step_min = 10
seed = 1
[alerts]
with_waves = false
random_per_day = 0.0
[crews]
plants = 2
heat_network = 4
"""


def _wave(at_h, hits):
    rows = ", ".join(
        f'{{ asset_id = "{a}", damage = "{d}"' + (f", repair_h = {r}" if r else "") + " }"
        for a, d, r in hits
    )
    return f"\n[[strikes]]\nat_h = {at_h}\nhits = [ {rows} ]\n"


def _run(city, waves, horizon=90.0):
    text = BASE.format(horizon=horizon) + "".join(_wave(at, hits) for at, hits in waves)
    return simulate(city, parse_scenario(text))


def _heat_at(result, hour):
    tl = result.timeline
    return float(tl.heat_served_mw_th[tl.hours >= hour].iloc[0])


@pytest.mark.parametrize("asset", ["a_chp_2", "a_bh_1"])
def test_restruck_asset_goes_out_again_and_comes_back(small_city, asset):
    once = _run(small_city, [(2.0, [(asset, "slight", 10.0)])])
    twice = _run(small_city, [(2.0, [(asset, "slight", 10.0)]), (60.0, [(asset, "slight", 10.0)])])
    a = twice.assets.set_index("asset_id").loc[asset]
    assert a.hits == 2 and a.hit_h == 2.0 and a.last_hit_h == 60.0
    assert 60.0 < a.restored_h < 80.0  # the second repair brought it back
    # out again after the second hit: less heat than the run with one hit, then equal again
    assert _heat_at(twice, 61.0) < _heat_at(once, 61.0)
    assert _heat_at(twice, 85.0) == pytest.approx(_heat_at(once, 85.0), rel=0.05)
    ends = twice.events[(twice.events.kind == "repair_end") & (twice.events.asset_id == asset)]
    assert len(ends) == 2


def test_lighter_second_hit_keeps_worse_state(small_city):
    r = _run(
        small_city, [(2.0, [("a_bh_1", "extensive", 20.0)]), (6.0, [("a_bh_1", "slight", 1.0)])]
    )
    a = r.assets.set_index("asset_id").loc["a_bh_1"]
    assert a.damage_state == "extensive" and a.hits == 2 and a.last_hit_h == 6.0
    ends = r.events[(r.events.kind == "repair_end") & (r.events.asset_id == "a_bh_1")]
    assert list(ends.detail) == ["extensive"]  # one repair, of the worse damage


def test_beyond_repair_stays_out_whatever_hits_later(small_city):
    text = BASE.format(horizon=48.0) + (
        '\n[[strikes]]\nat_h = 2.0\nhits = [ { asset_id = "a_chp_1", damage = "complete", '
        "beyond_repair = true } ]\n" + _wave(20.0, [("a_chp_1", "slight", 1.0)])
    )
    r = simulate(small_city, parse_scenario(text))
    a = r.assets.set_index("asset_id").loc["a_chp_1"]
    assert a.damage_state == "complete" and a.hits == 2 and a.restored_h != a.restored_h  # NaN


def test_hit_beyond_repair_during_repair_frees_the_crew(small_city):
    text = BASE.format(horizon=48.0).replace("plants = 2", "plants = 1")
    text += _wave(2.0, [("a_chp_2", "moderate", 50.0)])
    text += (
        '\n[[strikes]]\nat_h = 20.0\nhits = [ { asset_id = "a_chp_2", damage = "complete", '
        "beyond_repair = true } ]\n" + _wave(24.0, [("a_chp_1", "slight", 2.0)])
    )
    r = simulate(small_city, parse_scenario(text))
    ev = r.events
    starts = ev[(ev.kind == "repair_start")]
    # the only plants crew left a_chp_2 when it became beyond repair and repaired a_chp_1
    assert "a_chp_1" in set(starts.asset_id)
    assert ev[(ev.kind == "repair_end") & (ev.asset_id == "a_chp_1")].hours.iloc[0] < 48.0
    a = r.assets.set_index("asset_id")
    assert a.loc["a_chp_2", "damage_state"] == "complete" and a.loc["a_chp_2", "hits"] == 2


def test_second_hit_during_repair_takes_no_second_spare_part():
    import numpy as np

    from coldstart.restore.repairs import RepairBook
    from coldstart.scenario.strikes import Damage

    book = RepairBook({"substations": 1}, spares={"hv_transformer": (2, 504.0)})
    rng = np.random.default_rng(0)
    book.add(Damage("t1", "extensive", 1.0, "cruise"), "hv_substation", rng, None, (0, 0),
             "hv_transformer")  # fmt: skip
    book.add(Damage("t1", "complete", 5.0, "drone"), "hv_substation", rng, None, (0, 0),
             "hv_transformer")  # fmt: skip
    assert book.stock["hv_transformer"] == 1  # one part for one transformer
    assert book.tasks[next(iter(book.tasks))].state == "complete"
