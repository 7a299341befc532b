"""Spatial index and fast assignment against brute force and the first-version loop."""

import numpy as np
import pytest

from coldstart.people.shelter import ShelterIndex, assign, assign_sequential


@pytest.mark.parametrize("seed", range(6))
def test_index_equals_brute_force_distance_matrix(seed):
    rng = np.random.default_rng(seed)
    b_xy = rng.uniform(0, 4000, (120, 2))
    s_xy = rng.uniform(0, 4000, (15, 2))
    s_xy[0] = b_xy[3]  # a shelter exactly on a building: distance 0 must be kept
    limit = 1.1
    idx = ShelterIndex.build(b_xy, s_xy, limit)
    d = np.hypot(*(b_xy[:, None, :] - s_xy[None, :, :]).transpose(2, 0, 1)) / 1000.0
    for b in range(len(b_xy)):
        expect = np.flatnonzero(d[b] <= limit)
        expect = expect[np.argsort(d[b, expect], kind="stable")]
        np.testing.assert_array_equal(idx.candidates[b], expect)
        np.testing.assert_allclose(idx.distance_km[b], d[b, expect])
    assert 0 in idx.candidates[3]


@pytest.mark.parametrize("seed", range(40))
def test_vectorised_assignment_equals_sequential_greedy(seed):
    rng = np.random.default_rng(seed)
    nb, ns = int(rng.integers(1, 80)), int(rng.integers(0, 12))
    idx = ShelterIndex.build(
        rng.uniform(0, 3000, (nb, 2)), rng.uniform(0, 3000, (ns, 2)), rng.uniform(0.3, 2.0)
    )
    want = rng.integers(0, 60, nb)
    priority = rng.integers(0, 4, nb).astype(float)  # many ties: broken by building order
    cap = rng.integers(0, 150, ns)
    fast = assign(idx, want, priority, cap)
    slow = assign_sequential(idx, want, priority, cap)
    for a, b in zip(fast, slow, strict=True):
        np.testing.assert_array_equal(a, b)
    sheltered, occ, unmet = fast
    assert (occ <= cap).all() and (unmet >= 0).all()


def test_no_shelters_everyone_unmet():
    idx = ShelterIndex.build(np.zeros((3, 2)), np.zeros((0, 2)), 1.0)
    sheltered, occ, unmet = assign(idx, np.array([5, 0, 2]), np.zeros(3), np.zeros(0, int))
    assert sheltered.sum() == 0 and list(unmet) == [5, 0, 2] and len(occ) == 0


@pytest.mark.parametrize("seed", range(10))
def test_kept_entries_and_two_agents_per_building_give_the_same_places(seed):
    # the people model's call: each building has two agents and keeps its entry table
    from coldstart.people.shelter import agent_entries, deferred_acceptance, priority_rank

    rng = np.random.default_rng(seed)
    nb, ns = int(rng.integers(5, 150)), int(rng.integers(1, 20))
    idx = ShelterIndex.build(
        rng.uniform(0, 3000, (nb, 2)), rng.uniform(0, 3000, (ns, 2)), rng.uniform(0.5, 2.5)
    )
    agents = np.concatenate([np.arange(nb), np.arange(nb)])
    need = rng.integers(0, 40, 2 * nb)
    rank = priority_rank(rng.integers(0, 3, 2 * nb).astype(float))
    free = rng.integers(0, 60, ns)  # scarce: most agents skip full shelters
    start, end, shelter = agent_entries(idx.indptr, idx.shelter, agents)
    ent_agent = np.repeat(np.arange(2 * nb), end - start)
    kept = (start, end, shelter, ent_agent)
    copies = [a.copy() for a in kept]
    a = deferred_acceptance(idx.indptr, idx.shelter, agents, need, rank, free)
    b = deferred_acceptance(idx.indptr, idx.shelter, agents, need, rank, free, kept)
    np.testing.assert_array_equal(a, b)
    assert all(np.array_equal(x, y) for x, y in zip(kept, copies, strict=True))  # not modified
    # the same as the sequential greedy over agents (the vulnerable of a building are agents
    # of their own, ranked apart)
    occ = np.bincount(shelter, weights=a, minlength=ns)
    assert (occ <= free).all()
    got = np.bincount(ent_agent, weights=a, minlength=2 * nb).astype(np.int64)
    assert (got <= need).all()


def test_home_rank_equals_the_general_priority_rank():
    from coldstart.people.model import home_rank
    from coldstart.people.shelter import priority_rank

    rng = np.random.default_rng(1)
    for k in range(60):
        n = int(rng.integers(1, 200))
        ta = np.round(rng.normal(15.0, 3.0, n), int(rng.integers(0, 2)))
        if k % 6 == 0:
            ta[:] = 20.0  # everyone at the setpoint: one run of ties
        if k % 5 == 0:
            ta[rng.random(n) < 0.3] = -0.0
        want = priority_rank(np.concatenate([ta, ta]), np.repeat([1, 0], n))
        np.testing.assert_array_equal(home_rank(ta), want)
        # a subset of agents keeps the order of the whole city among themselves
        agents = np.flatnonzero(rng.random(2 * n) < 0.4)
        sub = home_rank(ta, agents)
        np.testing.assert_array_equal(np.argsort(sub), np.argsort(want[agents]))


@pytest.mark.parametrize("seed", range(8))
def test_placing_on_the_open_entries_equals_the_whole_table(town, seed):
    # the model assigns on the entries of needy agents to shelters with room only; deferred
    # acceptance over every entry, with every agent ranked, must place the same people
    from coldstart.people.model import home_rank
    from coldstart.people.shelter import deferred_acceptance

    pm = town(capacity=(120, 40, 25))
    rng = np.random.default_rng(seed)
    nb = pm.n_buildings
    held = np.where(rng.random(len(pm.ent_agent)) < 0.05, rng.integers(0, 9, len(pm.ent_agent)), 0)
    need = np.where(rng.random(2 * nb) < 0.5, rng.integers(0, 30, 2 * nb), 0)
    works = rng.random(pm.n_shelters) < 0.8
    ta = np.round(rng.normal(12.0, 2.0, nb), int(seed % 2))  # ties when rounded to degrees
    occ = np.bincount(pm.ent_shelter, weights=held, minlength=pm.n_shelters).astype(np.int64)
    ent, people = pm._place(need, works, ta, occ)
    free = np.maximum(np.where(works, pm.stock.capacity_people - occ, 0), 0)
    entries = (pm.ent_start, pm.ent_end, pm.ent_shelter, pm.ent_agent)
    agents = np.concatenate([np.arange(nb), np.arange(nb)])
    whole = deferred_acceptance(
        pm.index.indptr, pm.index.shelter, agents, need, home_rank(ta), free, entries
    )
    got = np.zeros_like(whole)
    got[ent] = people
    np.testing.assert_array_equal(got, whole)
    assert (np.diff(ent) > 0).all() and (people > 0).all()
    assert whole.sum() > 0


def test_moved_counts_equal_plain_bincounts(town):
    # the model moves its counts by the people who leave or come instead of counting again
    pm = town()
    rng = np.random.default_rng(2)
    n_ent, n_agents = len(pm.ent_agent), 2 * pm.n_buildings

    def count(held):
        return (
            np.bincount(pm.ent_agent, weights=held, minlength=n_agents).astype(np.int64),
            np.bincount(pm.ent_shelter, weights=held, minlength=pm.n_shelters).astype(np.int64),
            np.bincount(
                pm.ent_shelter[n_ent // 2 :], weights=held[n_ent // 2 :], minlength=pm.n_shelters
            ).astype(np.int64),
        )

    held = np.where(rng.random(n_ent) < 0.1, rng.integers(0, 50, n_ent), 0)
    before = count(held)
    ent = np.flatnonzero(rng.random(n_ent) < 0.2)  # some held, some not; repeats below
    ent = np.concatenate([ent, ent[::3]])
    delta = np.maximum(-held[ent] // 2, rng.integers(-5, 30, len(ent)))
    after = held.copy()
    np.add.at(after, ent, delta)
    assert (after >= 0).all() and delta.any()
    moved = pm._moved(before, ent, delta)
    for got, want in zip(moved, count(after), strict=True):
        np.testing.assert_array_equal(got, want)
    assert all((b == c).all() for b, c in zip(before, count(held), strict=True))  # not modified
    assert pm._moved(before, ent[:0], delta[:0]) is before


def test_walk_of_the_places_equals_the_dot_product(town):
    pm = town()
    rng = np.random.default_rng(3)
    held = np.where(rng.random(len(pm.ent_agent)) < 0.2, rng.integers(0, 80, len(pm.ent_agent)), 0)
    walk = pm._walk(held, np.flatnonzero(held))
    assert walk == pytest.approx(float(held @ pm.ent_km), rel=1e-12)
    assert pm._walk(np.zeros_like(held), np.zeros(0, np.int64)) == 0.0
