"""The ``optimized`` dispatch policy in a run: plans when crews are short, reports its figures,
reproducible."""

import numpy as np
import pytest

from coldstart.scenario import parse_scenario
from coldstart.simulate import simulate
from coldstart.simulate.planning import PlanContext, Planner, atc_order
from demo_texts import short_demo_text

FEW_CREWS = {"plumbing = 100": "plumbing = 3", "building_repair = 10": "building_repair = 2"}


def _scenario(policy: str):
    text = short_demo_text(36, 30).replace('dispatch = "fifo"', f'dispatch = "{policy}"')
    for old, new in FEW_CREWS.items():
        assert old in text
        text = text.replace(old, new)
    return parse_scenario(text)


@pytest.fixture(scope="module")
def optimized_run(small_city):
    # check: the runner's invariants hold after every step under the planner's dispatch
    return simulate(small_city, _scenario("optimized"), seed=3, check=True)


def test_optimized_run_plans_and_reports(small_city, optimized_run):
    planning = optimized_run.meta["dispatch_planning"]
    assert planning["dispatch_decisions"] > 0  # three plumbers for the drains and refills
    assert planning["dispatch_decision_ms_mean"] > 0
    share = planning["dispatch_proved_optimal_share"]
    assert share is None or 0.0 <= share <= 1.0
    assert planning["dispatch_planned_saving_mean"] >= 0.0  # never worse than its warm start
    other = simulate(small_city, _scenario("greatest_benefit"), seed=3)
    assert "dispatch_planning" not in other.meta


def test_optimized_run_is_reproducible(small_city, optimized_run):
    again = simulate(small_city, _scenario("optimized"), seed=3)
    assert again.summary == optimized_run.summary
    assert again.events.equals(optimized_run.events)


def test_worth_starts_when_the_flat_falls_below_12c(small_city):
    sc = _scenario("optimized")
    n = len(small_city.buildings)
    tau_h = np.full(n, 50.0)
    planner = Planner(sc, np.full(n, 100.0), tau_h, {f"b{i}": i for i in range(n)})
    ta = np.full(n, 18.0)
    ta[1] = 10.0
    ctx = PlanContext(-20.0, ta, np.full(n, 20.0), np.zeros(n), np.full(n, 80.0), np.full(n, 10.0))
    warm, cold = planner._onset_h(ctx, 0), planner._onset_h(ctx, 1)
    assert cold == 0.0
    assert warm == pytest.approx(50.0 * np.log((18.0 + 20.0) / (12.0 + 20.0)))
    vw = sc.policies.vulnerable_weight
    assert planner._person_weight(ctx, 0) == pytest.approx(80.0 + (vw - 1.0) * 10.0)


def test_atc_order_puts_late_onsets_back():
    # equal weight and work: the task whose people are cold now goes first
    assert list(atc_order([10.0, 10.0], [2.0, 2.0], [20.0, 0.0])) == [1, 0]
    # no onsets: the ratio rule
    assert list(atc_order([10.0, 30.0, 20.0], [1.0, 1.0, 1.0], [0.0, 0.0, 0.0])) == [1, 2, 0]
