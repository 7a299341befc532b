"""Strike waves and air-raid alerts: draws from the seed, interception, truces, clearance."""

import numpy as np
import pandas as pd

from coldstart.scenario import example_scenario
from coldstart.scenario.alerts import alert_windows, step_masks
from coldstart.scenario.model import Hit, Wave, Window
from coldstart.scenario.strikes import in_truce, resolve_wave

ASSETS = pd.DataFrame(
    {
        "asset_id": [f"s{i}" for i in range(10)] + ["chp"],
        "kind": ["hv_substation"] * 10 + ["chp_plant"],
        "protection_level": ["none"] * 5 + ["concrete"] * 5 + ["none"],
    }
)


def test_same_seed_same_outcome():
    w = Wave(at_h=1, threats={"drone": 50}, interception={"drone": 0.5},
             target_weights={"hv_substation": 1.0})  # fmt: skip
    a = resolve_wave(w, ASSETS, np.random.default_rng(5))
    b = resolve_wave(w, ASSETS, np.random.default_rng(5))
    assert a.damage == b.damage and a.leaked == b.leaked


def test_interception_rate_matches_probability():
    # Binomial leakers: mean of 1 - p over many waves, within 3 standard errors.
    w = Wave(at_h=0, threats={"cruise": 100}, interception={"cruise": 0.8},
             target_weights={"hv_substation": 1.0})  # fmt: skip
    rng = np.random.default_rng(0)
    leaked = [resolve_wave(w, ASSETS, rng).leaked["cruise"] for _ in range(400)]
    se = np.sqrt(100 * 0.2 * 0.8 / 400)
    assert abs(np.mean(leaked) - 20.0) < 3 * se


def test_only_weighted_kinds_are_hit_and_concrete_protects():
    w = Wave(at_h=0, threats={"drone": 400}, interception={"drone": 0.0},
             target_weights={"hv_substation": 1.0})  # fmt: skip
    out = resolve_wave(w, ASSETS, np.random.default_rng(2))
    assert "chp" not in {d.asset_id for d in out.damage}
    states = {d.asset_id: d.state for d in out.damage}
    order = ["none", "slight", "moderate", "extensive", "complete"]
    bare = np.mean([order.index(states.get(f"s{i}", "none")) for i in range(5)])
    sheltered = np.mean([order.index(states.get(f"s{i}", "none")) for i in range(5, 10)])
    assert bare > sheltered


def test_explicit_hit_overrides_draws():
    w = Wave(at_h=0, threats={"ballistic": 50}, interception={"ballistic": 0.0},
             target_weights={"chp_plant": 1.0},
             hits=[Hit(asset_id="chp", damage="moderate")])  # fmt: skip
    out = resolve_wave(w, ASSETS, np.random.default_rng(0))
    assert [(d.asset_id, d.state, d.threat) for d in out.damage] == [
        ("chp", "moderate", "explicit")
    ]


def test_truce_window():
    sc = example_scenario().model_copy(update={"truces": [Window(start_h=70, end_h=80)]})
    assert in_truce(sc, 74.0) and not in_truce(sc, 2.0)
    wins = alert_windows(sc.model_copy(update={"alerts": sc.alerts.model_copy(
        update={"random_per_day": 0.0})}), np.random.default_rng(0))  # fmt: skip
    assert wins == [(1.0, 4.0)]  # the wave at 74 h falls in the truce: no alert for it


def test_alert_windows_merge_and_clearance_stops_crews():
    sc = example_scenario()
    wins = alert_windows(sc, np.random.default_rng(3))
    assert all(s < e for s, e in wins)
    assert all(wins[i][1] < wins[i + 1][0] for i in range(len(wins) - 1))
    active, stopped = step_masks([(1.0, 2.0)], 24, 0.25, clearance_h=0.5)
    assert active.sum() == 4 and stopped.sum() == 6
    assert not active[8] and stopped[8] and stopped[9] and not stopped[10]
