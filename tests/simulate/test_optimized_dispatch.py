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


def _planner_and_ctx(small_city, **ctx_kw):
    sc = _scenario("optimized")
    n = len(small_city.buildings)
    planner = Planner(sc, np.full(n, 100.0), np.full(n, 50.0), {f"b{i}": i for i in range(n)})
    ctx = PlanContext(
        -17.5, np.full(n, 5.0), np.full(n, 20.0), np.zeros(n), np.full(n, 80.0), np.zeros(n),
        **ctx_kw,
    )  # fmt: skip
    return planner, ctx


def _task(kind, i: int, crew: str = "plumbing", work_h: float = 2.0):
    from coldstart.restore.repairs import Task

    t = Task(f"b{i}", crew, work_h, 0.0, "", 100.0 * i, 0.0, 0.0)
    t.kind = kind
    return t


def test_warm_share_follows_the_circuit_level(small_city):
    n = len(small_city.buildings)
    level = np.zeros(n)
    level[[0, 1, 2]] = [1.0, 0.1, 0.79]
    planner, ctx = _planner_and_ctx(small_city, heat_level=level)
    share = planner._warm_share(ctx, np.array([0, 1, 2]))
    # at -17.5 degC with 20 degC set: full heat holds 20 degC, a tenth holds -13.75 degC, 0.79
    # holds 12.1 degC (the middle of the ramp around 12 degC)
    assert share[0] == 1.0 and share[1] == 0.0
    assert share[2] == pytest.approx(0.5 + (0.79 * 37.5 - 29.5) / 4.0)
    # no levels known: every building counts whole
    planner, ctx = _planner_and_ctx(small_city)
    assert (planner._warm_share(ctx, np.array([0, 1])) == 1.0).all()


def test_refill_in_a_circuit_short_of_heat_is_worth_nothing(small_city):
    from coldstart.restore.repairs import TaskKind

    n = len(small_city.buildings)
    level = np.ones(n)
    level[1] = 0.1
    planner, ctx = _planner_and_ctx(small_city, heat_level=level)
    tasks = [_task(TaskKind.REFILL, 0), _task(TaskKind.REFILL, 1)]
    weight, onset, lump = planner.worths(ctx, tasks, np.zeros(2))
    assert weight[0] == pytest.approx(80.0) and weight[1] == 0.0
    assert (onset == 0.0).all() and not lump.any()  # the flats are at 5 degC: cold now


def test_drain_worth_counts_the_heated_hours_left_in_the_run(small_city):
    from coldstart.restore.repairs import RepairBook, TaskKind

    n = len(small_city.buildings)
    back = np.full(n, np.inf)
    back[0] = 20.0  # heat expected back in 20 h; building 1's not expected back at all
    planner, ctx = _planner_and_ctx(small_city, left_h=100.0, expected_outage_h=back)
    tasks = [_task(TaskKind.DRAIN, 0, work_h=1.0), _task(TaskKind.DRAIN, 1, work_h=1.0)]
    weight, _, lump = planner.worths(ctx, tasks, np.zeros(2))
    assert lump.all()
    assert weight[0] == pytest.approx(80.0 * (100.0 - 20.0)) and weight[1] == 0.0
    # the worthless drain waits behind a refill that brings heat back now
    tasks.append(_task(TaskKind.REFILL, 2))
    weight, onset, lump = planner.worths(ctx, tasks, np.zeros(3))
    onset[:2] = 50.0  # both drains can beat the frost
    book = RepairBook({"plumbing": 1})
    work = np.array([1.0, 1.0, 2.0])
    order = planner._priority(book, [0], tasks, weight, work, onset, lump)
    assert list(order) == [0, 2, 1]


def test_heat_level_in_a_run_is_the_circuit_share(small_city):
    from coldstart.compiled import compile_city
    from coldstart.scenario.targets import resolve_hits
    from coldstart.simulate import Run

    cc = compile_city(small_city)
    run = Run(cc, resolve_hits(_scenario("optimized"), small_city), seed=3)
    run.step(0)
    level = run.heat.heat_level(run._heat)
    district = cc.b_heat_node >= 0
    assert (level[~district] == 0.0).all()
    assert ((level >= 0.0) & (level <= 1.0)).all()
    # before any damage every district building's circuit has its heat
    assert level[district].min() > 0.5
    ctx = run._plan_context(0)
    assert ctx.heat_level is not None and np.array_equal(ctx.heat_level, level)
