"""Lazy greedy against plain greedy on set functions whose gains do or do not diminish."""

import itertools

from coldstart.plan.greedy import lazy_greedy, plain_greedy, swap_refine


def counted(cost):
    """``cost`` and the list of the sets it was asked for."""
    calls = []

    def f(chosen):
        calls.append(chosen)
        return cost(chosen)

    return f, calls


def coverage_cost(chosen):
    """People left uncovered: a coverage function, so gains diminish."""
    areas = {0: {1, 2, 3, 4}, 1: {3, 4, 5}, 2: {6, 7}, 3: {1, 2}, 4: {8}, 5: {5, 6, 7, 8}}
    covered = set().union(*(areas[i] for i in chosen)) if chosen else set()
    return float(9 - len(covered))


def test_lazy_equals_plain_when_gains_diminish_and_evaluates_fewer_sets():
    items = list(range(6))
    for k in (1, 2, 3, 4):
        lazy, lazy_calls = counted(coverage_cost)
        plain, plain_calls = counted(coverage_cost)
        assert lazy_greedy(items, k, lazy) == plain_greedy(items, k, plain)
        if k >= 3:
            assert len(set(lazy_calls)) < len(set(plain_calls))


def test_lazy_can_differ_when_gains_grow():
    # gains of 1 and 2 after 0: 5 and 2.2; alone: 2 and 2.5. Item 2's stale bound (2.5)
    # beats item 1's (2), its re-evaluated gain 2.2 still does, so lazy takes 2; plain takes 1.
    value = {(): 10.0, (0,): 7.0, (1,): 8.0, (2,): 7.5, (0, 1): 2.0, (0, 2): 4.8, (1, 2): 6.0}
    assert plain_greedy([0, 1, 2], 2, value.__getitem__) == [0, 1]
    assert lazy_greedy([0, 1, 2], 2, value.__getitem__) == [0, 2]


def test_ties_break_the_same_way():
    flat = lambda chosen: 5.0  # noqa: E731
    assert lazy_greedy([3, 1, 2], 2, flat) == plain_greedy([1, 2, 3], 2, flat) == [1, 2]


def test_swaps_reach_the_best_pair_from_a_bad_start():
    value = {(): 10.0, (0,): 7.0, (1,): 8.0, (2,): 7.5, (0, 1): 2.0, (0, 2): 4.8, (1, 2): 6.0}
    chosen, swaps = swap_refine([0, 1, 2], [0, 2], value.__getitem__, max_passes=3)
    best = min(itertools.combinations(range(3), 2), key=value.__getitem__)
    assert sorted(chosen) == list(best) and swaps == 1
