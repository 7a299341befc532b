"""The run's memo of network solves behind the operators' heat-back estimate."""

from __future__ import annotations

import numpy as np
import pytest

from coldstart.compiled import compile_city
from coldstart.restore.benefit import OutageState, service
from coldstart.restore.eta import ServiceMemo, restoring_repair


@pytest.fixture(scope="module")
def damaged(small_city):
    """The small city with its heat sources and the first few grid assets out."""
    cc = compile_city(small_city)
    ae = cc.assets
    st = OutageState.empty(cc)
    out = [i for i, k in enumerate(ae.ref_table) if k == "heat_sources"][:2]
    out += [i for i, k in enumerate(ae.ref_table) if k == "grid.bus"][:3]
    for i in out:
        st.counter(ae.ref_table[i])[ae.pos[i]] += 1
    no_backup = (np.zeros(len(st.pump), bool), np.zeros(len(st.source), bool))
    return cc, st, [str(ae.asset_id[i]) for i in out], no_backup


def test_restoring_repair_is_the_same_with_and_without_the_memo(damaged):
    cc, st, order, backup = damaged
    plain = restoring_repair(cc, st, order, *backup)
    memo = ServiceMemo()
    assert (plain < len(order)).any() and (plain > -1).any()  # some come back, some not yet
    np.testing.assert_array_equal(restoring_repair(cc, st, order, *backup, memo), plain)
    # a shifted order re-solves only the states not seen before, with the same answer
    shifted = order[1:] + order[:1]
    np.testing.assert_array_equal(
        restoring_repair(cc, st, shifted, *backup, memo),
        restoring_repair(cc, st, shifted, *backup),
    )


def test_the_memo_answers_a_seen_state_without_solving_and_read_only(damaged):
    cc, st, _, backup = damaged
    memo = ServiceMemo(size=2)
    power, heat = memo(cc, st, *backup)
    again = memo(cc, st.copy(), *backup)
    assert again[0] is power and again[1] is heat
    with pytest.raises(ValueError):
        heat[0] = not heat[0]
    other = st.copy()
    other.source[:] = 0
    memo(cc, other, *backup)
    third = st.copy()
    third.bus[:] = 0
    memo(cc, third, *backup)  # a third state drops the oldest (size 2)
    assert memo(cc, st, *backup)[1] is not heat


def test_a_negative_counter_is_not_taken_for_a_working_element(damaged):
    """service() counts a pump or source as working only at 0; a state with -1 (as a trial
    state of the benefit estimate can hold) must not get the answer of the state with 0."""
    cc, st, _, backup = damaged
    memo = ServiceMemo()
    working = st.copy()
    working.source[:] = 0
    below = st.copy()
    below.source[:] = -1
    np.testing.assert_array_equal(memo(cc, working, *backup)[1], service(cc, working, *backup)[1])
    np.testing.assert_array_equal(memo(cc, below, *backup)[1], service(cc, below, *backup)[1])
