"""Invariants every step of random strike campaigns on a small city (Hypothesis).

Random waves with explicit hits and re-hits on every asset kind (repairable, beyond repair,
with and without a repair time), random threats, truces, alert windows, crews, import caps and
every policy; :func:`coldstart.simulate.simulate` with ``check=True`` asserts after every step
that heat delivered per circuit is within capacity and equals what buildings take, counters are
never negative, nobody is lost or counted twice, load served is within demand and energy not
served is the integral of the shortfall (:mod:`coldstart.simulate.invariants`).
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coldstart.compiled import compile_city
from coldstart.scenario.model import Scenario
from coldstart.simulate import simulate

HORIZON_H = 36.0
STATES = ("slight", "moderate", "extensive", "complete")


@pytest.fixture(scope="module")
def compiled(small_city):
    return compile_city(small_city)


@st.composite
def campaigns(draw, asset_ids):
    hits = st.fixed_dictionaries(
        {"asset_id": st.sampled_from(asset_ids), "damage": st.sampled_from(STATES)},
        optional={
            "repair_h": st.floats(0.5, 40.0),
            "beyond_repair": st.booleans(),
        },
    )
    waves = st.lists(
        st.fixed_dictionaries(
            {"at_h": st.floats(0.0, HORIZON_H - 1.0), "hits": st.lists(hits, max_size=5)},
            optional={
                "threats": st.fixed_dictionaries({"drone": st.integers(0, 60)}),
                "target_weights": st.fixed_dictionaries(
                    {"hv_substation": st.floats(0, 3), "boiler_house": st.floats(0, 3),
                     "heat_main": st.floats(0, 3), "pumping_station": st.floats(0, 3)}
                ),
            },
        ),
        min_size=1,
        max_size=4,
    )  # fmt: skip
    window = st.floats(0.0, HORIZON_H).flatmap(
        lambda s: st.fixed_dictionaries(
            {"start_h": st.just(s), "end_h": st.floats(s + 0.5, s + 20)}
        )
    )
    return {
        "start": "2026-01-09T22:30:00",
        "horizon_h": HORIZON_H,
        "step_min": draw(st.sampled_from([15, 30])),
        "weather": {"kind": "cold_snap", "min_temp_c": draw(st.floats(-30.0, 0.0))},
        "strikes": draw(waves),
        "truces": draw(st.lists(window, max_size=1)),
        "alerts": {"windows": draw(st.lists(window, max_size=2)),
                   "random_per_day": draw(st.floats(0.0, 3.0))},
        "crews": {k: draw(st.integers(0, 3)) for k in
                  ("power_lines", "substations", "heat_network", "plants", "plumbing")},
        "grid": {"national_import_mw": draw(st.sampled_from([None, 1.0, 5.0, 50.0])),
                 "overload_trip_margin": draw(st.floats(1.0, 2.0))},
        "policies": {"dispatch": draw(st.sampled_from(["fifo", "nearest", "greatest_benefit"])),
                     "drain": draw(st.sampled_from(["drain_at_signal", "keep_circulating",
                                                    "never"])),
                     "link_valves": draw(st.sampled_from(["closed", "open_on_source_loss"]))},
    }  # fmt: skip


def _scenario(doc):
    doc = {**doc, "grid": {k: v for k, v in doc["grid"].items() if v is not None}}
    return Scenario.model_validate(doc)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data(), seed=st.integers(0, 2**32))
def test_random_campaigns_keep_every_invariant(compiled, data, seed):
    doc = data.draw(campaigns(list(compiled.city.assets.asset_id)))
    result = simulate(compiled, _scenario(doc), seed=seed, check=True)
    assert len(result.timeline) == round(HORIZON_H * 60 / doc["step_min"])


def test_cli_check_flag(cli, tmp_path, small_city_dir, short_scenario):
    out = tmp_path / "out"
    code, _, err = cli(
        "run", small_city_dir, short_scenario, "--out", out, "--no-report", "--check"
    )
    assert code == 0, err
    assert (out / "summary.json").exists()


@pytest.fixture()
def stepped(compiled):
    """A run of the demo scenario on the small city, two steps in, and its last step's records."""
    from coldstart.scenario import example_scenario
    from coldstart.simulate import Run

    run = Run(compiled, example_scenario(), seed=1)
    run.step(0, check=True)
    return run, run.step(1, check=True)


def test_each_invariant_can_fail(stepped):
    """Corrupt one record at a time: the check names the broken invariant."""
    import dataclasses

    import numpy as np

    from coldstart.simulate.invariants import InvariantError, check_step

    run, (power, heat, heat_in) = stepped
    check_step(run, 1, power, heat, heat_in)  # intact: passes
    more = dataclasses.replace(heat.arrays, fraction=heat.arrays.fraction * 1.5 + 0.1)
    cases = {
        "heat circuit": (power, dataclasses.replace(heat, arrays=more), heat_in),
        "takes": (power, heat, dataclasses.replace(heat_in, q_heat_w=heat_in.q_heat_w * 1.1 + 1)),
        "served": (
            dataclasses.replace(power, balance=dataclasses.replace(
                power.balance, served=np.minimum(power.balance.served + 0.5, 1.5))),
            heat, heat_in,
        ),
    }  # fmt: skip
    for needle, records in cases.items():
        with pytest.raises(InvariantError, match=needle):
            check_step(run, 1, *records)
    run.dmg.outage.pipe[0] = -1
    with pytest.raises(InvariantError, match="outage counter 'pipe'"):
        check_step(run, 1, power, heat, heat_in)
    run.dmg.outage.pipe[0] = 0
    run.pstate = dataclasses.replace(run.pstate, occupancy=run.pstate.occupancy + 1)
    with pytest.raises(InvariantError, match="shelter 0 holds"):
        check_step(run, 1, power, heat, heat_in)
