"""Drain decisions, freezing and secondary failures of the buildings' water (issue 12).

Component tests of :class:`coldstart.simulate.water.Water` on hand-built states, the closed-form
time to freezing against the stepped water model, and the operators' outage estimate
(:mod:`coldstart.restore.eta`) on a hand-built repair book.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from coldstart.restore.eta import expected_finish_h
from coldstart.restore.repairs import RepairBook, TaskKind
from coldstart.scenario import parse_scenario
from coldstart.scenario.strikes import Damage
from coldstart.simulate.events import EventKind, EventLog
from coldstart.simulate.homes import HomesState, System
from coldstart.simulate.water import Water, failure_probability
from coldstart.thermal.freezing import (
    DRAIN_SIGNAL_C,
    FREEZE_LATENT_KH,
    hours_to_freeze_now,
    step_water,
)

BASE = 'name = "t"\nstart = 2026-01-09T00:00:00\nhorizon_h = 48.0\n'


def scenario(extra: str = ""):
    return parse_scenario(BASE + extra)


def state(n: int, t_water: float = DRAIN_SIGNAL_C, cold_h: float = 8.0) -> HomesState:
    z = np.zeros(n)
    return HomesState(
        ta=np.full(n, 15.0),
        tm=np.full(n, 15.0),
        ta_w=np.full(n, 14.0),
        tm_w=np.full(n, 14.0),
        t_water=np.full(n, t_water),
        ice=z.copy(),
        system=np.full(n, int(System.OK)),
        refill_asked=np.zeros(n, bool),
        cold_h=np.full(n, cold_h),
        unheated_h=np.full(n, cold_h),
        drain_asked=np.zeros(n, bool),
        decide_h=z.copy(),
        burst=np.zeros(n, bool),
    )


def water(sc, n: int) -> Water:
    return Water(np.array([f"b{i}" for i in range(n)]), np.ones(n, bool), sc, 1.0 / 6.0)


def test_time_to_freeze_closed_form_matches_the_stepped_model():
    """Closed form of step_water: the stepped model freezes within one step of it (exact
    up to the step, which rounds up)."""
    dt = 1.0 / 60.0
    for tw0, space in ((40.0, -11.0), (5.0, -8.0), (12.0, -3.0)):
        tw, ice = np.array([tw0]), np.zeros(1)
        expect = float(hours_to_freeze_now(tw, ice, np.array([space]))[0])
        t = 0.0
        while ice[0] < FREEZE_LATENT_KH:
            tw, ice = step_water(tw, ice, np.array([False]), np.array([space]), dt)
            t += dt
        assert t == pytest.approx(expect, abs=2 * dt)
    assert math.isinf(float(hours_to_freeze_now(np.array([5.0]), np.zeros(1), np.array([1.0]))[0]))


def test_by_expected_outage_drains_only_long_outages():
    """At the signal, at -20 degC: a 2 h outage is held, a 48 h outage is drained."""
    sc = scenario()
    w = water(sc, 2)
    st = state(2)
    log = EventLog()
    eta = np.array([2.0, 48.0])
    out = w.step(
        st, 10.0, -20.0, np.zeros(2), np.zeros(2, bool), log, lambda: eta,
        np.random.default_rng(0),
    )  # fmt: skip
    drains = [t.building for t in out.tasks if t.kind == TaskKind.DRAIN]
    assert drains == [1]
    assert st.drain_asked.tolist() == [False, True]
    assert st.decide_h[0] == pytest.approx(11.0)  # looked at again in an hour
    assert [e.kind for e in log.events] == [EventKind.DRAIN_ORDER]


def test_drain_at_signal_drains_everything_and_never_drains_nothing():
    for policy, expect in (("drain_at_signal", [0, 1]), ("never", []), ("keep_circulating", [])):
        sc = scenario(f'[policies]\ndrain = "{policy}"\n')
        st = state(2)
        out = water(sc, 2).step(
            st, 10.0, -20.0, np.zeros(2), np.zeros(2, bool), EventLog(),
            lambda: pytest.fail("no estimate needed"), np.random.default_rng(0),
        )  # fmt: skip
        assert sorted(t.building for t in out.tasks if t.kind == TaskKind.DRAIN) == expect


def test_a_drain_that_comes_too_late_lets_the_building_freeze():
    """A drain ordered but never done (crews short): the water freezes, the drain is called
    off, and the frozen system asks for a system repair once heat can reach it."""
    sc = scenario('[policies]\ndrain = "drain_at_signal"\n')
    w, st, log = water(sc, 1), state(1), EventLog()
    rng = np.random.default_rng(0)
    off = np.zeros(1, bool)
    cancels = []
    for k in range(200):
        out = w.step(st, k / 6, -20.0, np.zeros(1), off, log, lambda: np.zeros(1), rng)
        cancels += out.cancel
        if st.system[0] == System.FROZEN:
            break
    assert st.system[0] == System.FROZEN
    assert cancels == [(TaskKind.DRAIN, 0)]
    out = w.step(st, 40.0, -20.0, np.zeros(1), np.ones(1, bool), log, lambda: np.zeros(1), rng)
    assert [(t.kind, t.crew_type) for t in out.tasks] == [
        (TaskKind.SYSTEM_REPAIR, "building_repair")
    ]


def test_circulation_back_calls_a_drain_off():
    sc = scenario('[policies]\ndrain = "drain_at_signal"\n')
    w, st = water(sc, 1), state(1)
    rng = np.random.default_rng(0)
    w.step(st, 1.0, -20.0, np.zeros(1), np.zeros(1, bool), EventLog(), lambda: None, rng)
    assert st.drain_asked[0]
    out = w.step(st, 2.0, -20.0, np.ones(1), np.ones(1, bool), EventLog(), lambda: None, rng)
    assert out.cancel == [(TaskKind.DRAIN, 0)]
    assert not st.drain_asked[0]


def test_restart_failures_follow_their_probability():
    """Refills after two cold days at -15 degC fail at the table's rate (binomial, 4 sd)."""
    sc = scenario()
    n = 4000
    w, st = water(sc, n), state(n, cold_h=48.0)
    st.system[:] = System.DRAINED
    st.refill_asked[:] = True
    rng = np.random.default_rng(1)
    log = EventLog()
    for i in range(n):
        w.finished(st, TaskKind.REFILL, i, 50.0, -15.0, log, rng)
    p = failure_probability("restart_failure", 48.0, -15.0, 1.0)
    failed = int((st.system == System.FAILED).sum())
    assert abs(failed - p * n) < 4 * math.sqrt(n * p * (1 - p))
    assert failed + int((st.system == System.OK).sum()) == n
    # probability rises with the hours cold and with the frost, and is capped
    assert failure_probability("restart_failure", 96.0, -15.0, 1.0) > p
    assert failure_probability("restart_failure", 48.0, -25.0, 1.0) > p
    assert failure_probability("restart_failure", 1e4, -40.0, 5.0) <= 0.6


def test_a_failed_restart_is_repaired_by_fitters_then_runs():
    sc = scenario()
    w, st = water(sc, 1), state(1)
    st.system[0] = System.FAILED
    out = w.step(st, 5.0, -10.0, np.zeros(1), np.ones(1, bool), EventLog(), None, None)
    assert [t.kind for t in out.tasks] == [TaskKind.SYSTEM_REPAIR]
    w.finished(st, TaskKind.SYSTEM_REPAIR, 0, 30.0, -10.0, EventLog(), None)
    assert st.system[0] == System.OK and not st.refill_asked[0]


def test_expected_finish_queues_waiting_tasks_behind_busy_crews():
    """Two heat-network crews: one busy for 3 h more, one free. Waiting tasks of 5 h and 4 h
    go to the free crew at 0 (done at 5) and to the busy one at 3 (done at 7)."""
    book = RepairBook({"heat_network": 2}, policy="fifo")
    rng = np.random.default_rng(0)
    busy = book.add(Damage("p1", "moderate", 0.0, "explicit", repair_h=3.0 - 0.5), "heat_main", rng)
    book.crews[0].task = busy.key
    busy.crew = 0
    book.waiting.remove(busy.key)
    book.add(Damage("p2", "moderate", 0.0, "explicit", repair_h=4.5), "heat_main", rng)
    book.add(Damage("p3", "moderate", 0.0, "explicit", repair_h=3.5), "heat_main", rng)
    book.crews[1].task = None
    eta = expected_finish_h(book, 0.0)
    assert eta[(TaskKind.REPAIR, "p1")] == pytest.approx(3.0)
    assert eta[(TaskKind.REPAIR, "p2")] == pytest.approx(5.0)
    assert eta[(TaskKind.REPAIR, "p3")] == pytest.approx(7.0)
    book.add(Damage("p4", "complete", 0.0, "explicit", beyond_repair=True), "heat_main", rng)
    assert math.isinf(expected_finish_h(book, 0.0)[(TaskKind.REPAIR, "p4")])


def test_expected_finish_of_some_kinds_skips_only_the_other_crews_queues():
    """Asked for repairs only, the plumbers' queue of drains is skipped; the heat-network
    queue (a repair and a burst branch behind it) keeps the finishes of the full estimate."""
    book = RepairBook({"heat_network": 1, "plumbing": 1}, policy="fifo")
    rng = np.random.default_rng(0)
    book.add(Damage("p1", "moderate", 0.0, "explicit", repair_h=2.0), "heat_main", rng)
    for b in ("b1", "b2", "b3"):
        book.add_task(TaskKind.DRAIN, b, "plumbing", 1.0, 0.0)
    book.add_task(TaskKind.BRANCH_REPAIR, "b4", "heat_network", 3.0, 0.0)
    full = expected_finish_h(book, 0.0)
    some = expected_finish_h(book, 0.0, frozenset({TaskKind.REPAIR}))
    assert set(some) == {(TaskKind.REPAIR, "p1"), (TaskKind.BRANCH_REPAIR, "b4")}
    assert some == {k: full[k] for k in some}
    assert full[(TaskKind.DRAIN, "b3")] == pytest.approx(3.0)
    assert some[(TaskKind.BRANCH_REPAIR, "b4")] > some[(TaskKind.REPAIR, "p1")]


FREEZE_SCENARIO = """
name = "CHP districts lost for good at -20 degC"
start = 2026-01-09T00:00:00
horizon_h = 36.0
seed = 2
[weather]
kind = "constant"
min_temp_c = -20.0
[crews]
plumbing = {plumbers}
[policies]
drain = "by_expected_outage"
[[strikes]]
at_h = 1.0
hits = [
  {{ asset_id = "a_chp_1", damage = "complete", beyond_repair = true }},
  {{ asset_id = "a_chp_2", damage = "complete", beyond_repair = true }},
]
"""


def test_buildings_freeze_when_plumbers_are_too_few_to_drain_in_time():
    """Both CHP plants gone for good: every building they fed must be drained (heat is not
    expected back). With 60 plumbing crews all are drained and none freezes; with one crew most
    drains come too late and those buildings freeze."""
    from coldstart.city.synth import synth_city
    from coldstart.simulate import simulate

    city = synth_city(120, seed=0)
    many = simulate(city, parse_scenario(FREEZE_SCENARIO.format(plumbers=60)))
    few = simulate(city, parse_scenario(FREEZE_SCENARIO.format(plumbers=1)))
    assert many.summary["buildings_drained"] > 10
    assert many.summary["buildings_frozen"] == 0
    assert few.summary["buildings_frozen"] > few.summary["buildings_drained"]
    assert (
        few.summary["buildings_frozen"] + few.summary["buildings_drained"]
        == many.summary["buildings_drained"]
    )
    d = few.districts
    assert d.buildings_frozen.sum() == few.summary["buildings_frozen"]
    assert d.loc[d.kind == "chp", "buildings_frozen"].sum() == few.summary["buildings_frozen"]


def test_full_heat_after_a_long_underheated_spell_can_fail_the_restart():
    """Held full at reduced heat for two days at -15 degC: as full heat returns, systems fail at
    the restart-failure rate; after one hour under-heated, none does."""
    sc = scenario()
    n = 3000
    rng = np.random.default_rng(4)
    w, st = water(sc, n), state(n, t_water=40.0, cold_h=0.0)
    st.unheated_h[:] = 48.0
    w.step(st, 60.0, -15.0, np.ones(n), np.ones(n, bool), EventLog(), None, rng)
    p = failure_probability("restart_failure", 48.0, -15.0, 1.0)
    failed = int((st.system == System.FAILED).sum())
    assert abs(failed - p * n) < 4 * math.sqrt(n * p * (1 - p))
    assert (st.unheated_h[st.system == System.OK] == 0).all()
    st2 = state(n, t_water=40.0, cold_h=0.0)
    st2.unheated_h[:] = 1.0
    w.step(st2, 60.0, -15.0, np.ones(n), np.ones(n, bool), EventLog(), None, rng)
    assert (st2.system == System.OK).all()


def test_no_refill_while_the_branch_is_burst_and_no_second_burst_after_its_repair():
    """Review finding: a drained building with a burst branch was refilled before the branch
    was repaired, and the wait for the repair counted as hours cold for a new burst draw."""
    sc = scenario("[failures]\nprobability_scale = 5.0\n")
    w, st = water(sc, 1), state(1, t_water=0.0, cold_h=30.0)
    st.system[0] = System.DRAINED
    st.burst[0] = True
    rng = np.random.default_rng(0)
    out = w.step(st, 30.0, -15.0, np.zeros(1), np.ones(1, bool), EventLog(), None, rng)
    assert out.tasks == []
    w.finished(st, TaskKind.BRANCH_REPAIR, 0, 31.0, -15.0, EventLog(), rng)
    assert not st.burst[0] and st.cold_h[0] == 0.0
    out = w.step(st, 31.0, -15.0, np.zeros(1), np.ones(1, bool), EventLog(), None, rng)
    assert [t.kind for t in out.tasks] == [TaskKind.REFILL]


def test_cancel_keeps_the_books_waiting_arrays_in_step():
    """A cancelled waiting task leaves the book as if it had never been opened: the others are
    dispatched in the same order, with the same rows."""

    def book_with(cancel: bool) -> RepairBook:
        book = RepairBook({"plumbing": 1}, policy="fifo")
        for k, b in enumerate(("b1", "b2", "b3")):
            book.add_task(TaskKind.DRAIN, b, "plumbing", 1.0, float(k), (0.0, 0.0))
        if cancel:
            assert book.cancel((TaskKind.DRAIN, "b2"))
            assert not book.cancel((TaskKind.DRAIN, "b2"))
        return book

    book = book_with(cancel=True)
    order = []
    for k in range(12):
        started, _, _ = book.step(k * 0.5, 0.5, False)
        order += [t.asset_id for t in started]
    assert order == ["b1", "b3"]
    assert [t.asset_id for t in book.ready(10.0)] == []
