"""The crew planner of the ``optimized`` dispatch: exact optimum, hand-checked orders, MILP."""

import dataclasses

import numpy as np
import pytest

from coldstart.restore.optimize import (
    Instance,
    brute_force,
    completions_h,
    cost,
    greedy_plan,
    is_valid,
    local_search,
    plan_crews,
    random_instance,
)
from coldstart.restore.schedule_milp import solve_milp


@pytest.mark.parametrize("precedence", [False, True])
@pytest.mark.parametrize("seed", range(4))
def test_planner_within_two_percent_of_exact_optimum(seed, precedence):
    inst = random_instance(seed, n=6, m=2, precedence=precedence)
    _, best = brute_force(inst)
    got = plan_crews(inst, milp_max_tasks=8, max_nodes=2_000)
    assert is_valid(inst, got.plan)
    assert got.cost == pytest.approx(cost(inst, got.plan))
    assert best - 1e-6 <= got.cost <= 1.02 * best  # never below the optimum, within 2 %
    assert got.cost <= got.greedy_cost + 1e-9  # the heuristic is the fallback
    if precedence:
        done = completions_h(inst, got.plan)
        assert done[1] - inst.work_h[1] >= done[0] - 1e-9
        assert done[3] - inst.work_h[3] >= done[2] - 1e-9


@pytest.mark.parametrize("seed", range(3))
def test_deadline_tasks_against_exact_optimum(seed):
    # drains: a lump cost when done after the frost, nothing before
    inst = random_instance(10 + seed, n=6, m=2)
    lump = np.array([True, False, True, False, True, False])
    inst = dataclasses.replace(inst, deadline=lump, weight=np.where(lump, 5e3, inst.weight))
    _, best = brute_force(inst)
    got = plan_crews(inst, milp_max_tasks=8, max_nodes=2_000)
    assert best - 1e-6 <= got.cost <= 1.02 * best
    done = completions_h(inst, got.plan)
    late = lump & (done > inst.onset_h)
    assert got.cost == pytest.approx(
        5e3 * late.sum() + np.dot(inst.weight[~lump], np.maximum(0, done - inst.onset_h)[~lump])
    )


def _two_tasks(onset_a: float) -> Instance:
    """One crew at the sites; A: 100 people, warm for ``onset_a`` h; B: 60 people, cold now."""
    z = np.zeros((1, 2))
    return Instance(
        work_h=np.array([2.0, 2.0]),
        ready_h=np.zeros(2),
        weight=np.array([100.0, 60.0]),
        onset_h=np.array([onset_a, 0.0]),
        task_type=np.zeros(2, int),
        crew_type=np.zeros(1, int),
        free_h=np.zeros(1),
        travel_h=z,
        between_h=np.zeros((2, 2)),
    )


def test_optimized_takes_the_cold_building_first_where_greatest_benefit_does_not():
    # greatest_benefit: A (50 people per hour of work) before B (30): B's people wait 4 h
    # cold, 60 x 4 = 240 person-hours. B first: 60 x 2 = 120, and A is done at 4 h, before
    # its people fall below 12 degC at 10 h: 120 in all, the optimum by hand.
    inst = _two_tasks(onset_a=10.0)
    assert greedy_plan(inst) == ((0, 1),)
    assert cost(inst, greedy_plan(inst)) == pytest.approx(240.0)
    got = plan_crews(inst)
    assert got.plan == ((1, 0),) and got.cost == pytest.approx(120.0)
    assert got.proved_optimal and got.gap == 0.0
    # both cold now: Smith's ratio rule is optimal and the planner keeps it (A first: 100 x 2
    # + 60 x 4 = 440 against 60 x 2 + 100 x 4 = 520)
    both_cold = _two_tasks(onset_a=0.0)
    assert plan_crews(both_cold).plan == ((0, 1),)
    assert plan_crews(both_cold).cost == pytest.approx(440.0)


def test_precedence_is_kept_across_crews():
    # task 1 (big) needs task 0 (small, no benefit of its own) done first, on another crew
    inst = Instance(
        work_h=np.array([3.0, 1.0, 1.0]),
        ready_h=np.zeros(3),
        weight=np.array([0.0, 500.0, 50.0]),
        onset_h=np.zeros(3),
        task_type=np.zeros(3, int),
        crew_type=np.zeros(2, int),
        free_h=np.zeros(2),
        travel_h=np.zeros((2, 3)),
        between_h=np.zeros((3, 3)),
        precedence=((0, 1),),
    )
    _, best = brute_force(inst)
    got = plan_crews(inst)
    done = completions_h(inst, got.plan)
    assert done[1] >= done[0] + inst.work_h[1] - 1e-9
    assert got.cost == pytest.approx(best)
    assert best == pytest.approx(500.0 * 4.0 + 50.0 * 1.0)  # the second crew does 2 meanwhile


@pytest.mark.parametrize("deadline", [False, True])
def test_milp_alone_proves_the_brute_force_optimum(deadline):
    inst = random_instance(7, n=5, m=2)
    if deadline:
        lump = np.array([True, False, True, False, False])
        inst = dataclasses.replace(inst, deadline=lump, weight=np.where(lump, 4e3, inst.weight))
    plan, best = brute_force(inst)
    got = solve_milp(inst, None, max_nodes=50_000, time_limit_s=30.0)
    assert got.proved_optimal
    assert cost(inst, got.plan) == pytest.approx(best, rel=1e-6)
    assert got.bound == pytest.approx(best, rel=1e-5)


def test_local_search_never_worsens_and_respects_crew_types():
    inst = random_instance(3, n=7, m=3)
    inst = dataclasses.replace(
        inst, task_type=np.array([0, 1, 0, 1, 0, 0, 1]), crew_type=np.array([0, 1, 0])
    )
    start = greedy_plan(inst)
    plan, c = local_search(inst, start)
    assert is_valid(inst, plan) and c <= cost(inst, start)
    assert all(inst.task_type[j] == inst.crew_type[k] for k, s in enumerate(plan) for j in s)


def test_milp_solves_after_another_highs_solve_in_the_process():
    # HiGHS sets its thread pool up at the first run; a later run asking for another number
    # of threads used to fail without a solution (the siting MILP ran first in the suite)
    import highspy

    from coldstart.people.siting import _new_highs

    first = _new_highs()
    first.passModel(highspy.HighsLp())
    assert first.run() == highspy.HighsStatus.kOk
    inst = random_instance(7, n=5, m=2)
    got = solve_milp(inst, None, max_nodes=50_000, time_limit_s=30.0)
    assert got.proved_optimal and got.plan is not None
    assert cost(inst, got.plan) == pytest.approx(brute_force(inst)[1], rel=1e-6)
