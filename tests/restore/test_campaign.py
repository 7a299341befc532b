"""Issue 6: campaigns, precedence, policies, truces, alerts pausing crews - in the runner."""

import numpy as np
import pytest

from coldstart.restore.dispatch import choose
from coldstart.restore.repairs import RepairBook
from coldstart.scenario import example_scenario
from coldstart.scenario.model import Interceptors, Wave, Window
from coldstart.scenario.strikes import Damage, resolve_wave
from coldstart.scenario.tables import DAMAGE_STATES, fragility
from coldstart.simulate import simulate


def test_damage_states_follow_fragility_within_binomial_bounds():
    # One unintercepted drone on one unprotected asset, 3,000 times: the share of each damage
    # state (none = no damage recorded) must match fragility.csv within 3.5 binomial standard
    # errors (two-sided, per state).
    import pandas as pd

    assets = pd.DataFrame(
        {"asset_id": ["a"], "kind": ["hv_substation"], "protection_level": ["none"]}
    )
    w = Wave(at_h=0, threats={"drone": 1}, interception={"drone": 0.0},
             target_weights={"hv_substation": 1.0})  # fmt: skip
    rng = np.random.default_rng(11)
    n = 3000
    states = []
    for _ in range(n):
        out = resolve_wave(w, assets, rng)
        states.append(out.damage[0].state if out.damage else "none")
    counts = pd.Series(states).value_counts()
    p = fragility().loc[("drone", "none")]
    for s in DAMAGE_STATES:
        q = float(p[f"p_{s}"])
        se = np.sqrt(q * (1 - q) / n)
        assert abs(counts.get(s, 0) / n - q) <= 3.5 * se + 1e-12, s


def test_interceptor_stock_runs_out():
    assets = __import__("pandas").DataFrame(
        {"asset_id": ["a"], "kind": ["hv_substation"], "protection_level": ["none"]}
    )
    w = Wave(at_h=0, threats={"cruise": 1000}, interception={"cruise": 0.9},
             target_weights={"hv_substation": 1.0})  # fmt: skip
    rng = np.random.default_rng(0)
    full = resolve_wave(w, assets, rng, {"cruise": 1000}, {"cruise": 0.2})
    out = resolve_wave(w, assets, rng, {"cruise": 100}, {"cruise": 0.2})
    assert full.interceptors_used["cruise"] == 1000 and out.interceptors_used["cruise"] == 100
    # 900 engaged at 0.2 and 100 at 0.9: ~730 leak, against ~100 with a full stock
    assert 650 < out.leaked["cruise"] < 810 and full.leaked["cruise"] < 140


def test_dispatch_policies():
    created, travel, work = [0.0, 1.0, 2.0], [3.0, 0.5, 1.0], [10.0, 10.0, 1.0]
    assert choose("fifo", created, travel, work) == 0
    assert choose("nearest", created, travel, work) == 1
    # 300 people for 2 crew-hours beats 1,000 people for 10.5 crew-hours
    assert choose("greatest_benefit", created, travel, work, [100.0, 1000.0, 300.0]) == 2
    with pytest.raises(ValueError):
        choose("random", created, travel, work)


def test_precedence_and_travel():
    book = RepairBook({"substations": 1}, speed_kmh=10.0, road_factor=1.0)
    rng = np.random.default_rng(0)
    book.add(Damage("station", "slight", 0.0, "explicit", repair_h=1.0), "transformer_station",
             rng, None, (5000.0, 0.0))  # fmt: skip
    powered = {"station": False}
    for k in range(10):
        started, _, _ = book.step(k * 0.5, 0.5, False, lambda t: powered[t.asset_id])
        assert not started  # its feeding substation is still dead
    powered["station"] = True
    done = {}
    for k in range(10, 40):
        _, finished, _ = book.step(k * 0.5, 0.5, False, lambda t: powered[t.asset_id])
        done.update({t.asset_id: t.done_h for t in finished})
    # starts at 5.0 h, drives 5 km at 10 km/h (0.5 h), works 1.5 h (incl. mobilisation)
    assert done["station"] == pytest.approx(7.0)


@pytest.fixture(scope="module")
def run(small_city):
    return simulate(small_city, example_scenario(), seed=5)


def test_no_repair_progress_during_alerts(run):
    ev = run.events
    alerts = list(zip(ev.hours[ev.kind == "alert_start"], ev.hours[ev.kind == "alert_end"],
                      strict=True))  # fmt: skip
    clearance = example_scenario().alerts.clearance_h
    dt = example_scenario().step_h
    for t_end in ev.hours[ev.kind.isin(["repair_end", "refilled"])]:
        step_start = t_end - dt
        for s, e in alerts:
            # the step that finished the work overlaps no alert or clearance
            assert not (step_start + dt > s and step_start < e + clearance), (t_end, s, e)


def test_beyond_repair_never_restored(run):
    a = run.assets.set_index("asset_id")
    assert np.isnan(a.loc["a_chp_1", "restored_h"])
    assert "a_chp_1" not in set(run.events.asset_id[run.events.kind == "repair_end"])


def test_truce_window_has_no_hits(small_city):
    sc = example_scenario().model_copy(update={"truces": [Window(start_h=0, end_h=200)]})
    r = simulate(small_city, sc, seed=5)
    assert not (r.events.kind == "hit").any()
    assert (r.events.kind == "wave_cancelled").sum() == 2
    assert r.summary["buildings_lost_heat"] == 0


def test_interceptors_in_scenario(small_city):
    sc = example_scenario().model_copy(
        update={"interceptors": Interceptors(stock={"drone": 0}, when_out={"drone": 0.0})}
    )
    r = simulate(small_city, sc, seed=5)
    waves = r.events[r.events.kind == "wave"].detail.tolist()
    assert "drone: 40 launched, 0 intercepted" in waves[0]
