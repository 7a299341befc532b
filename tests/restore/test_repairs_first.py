"""First-version repairs: FIFO crews, pauses during alerts, beyond repair."""

import numpy as np
import pytest

from coldstart.restore.repairs import MOBILISATION_H, RepairBook, repair_duration_h
from coldstart.scenario.strikes import Damage
from coldstart.scenario.tables import pipe_norm_h, repair_times


def _run(book, hours, dt=0.5, stopped=lambda t: False):
    done = {}
    for k in range(int(hours / dt)):
        _, finished, _ = book.step(k * dt, dt, stopped(k * dt))
        done.update({t.asset_id: t.done_h for t in finished})
    return done


def test_fifo_with_one_crew():
    book = RepairBook({"power_lines": 1})
    rng = np.random.default_rng(0)
    for i in range(3):
        book.add(
            Damage(f"l{i}", "moderate", 0.0, "explicit", repair_h=4.0), "power_line", rng, None
        )
    done = _run(book, 30)
    work = 4.0 + MOBILISATION_H
    assert done == pytest.approx({"l0": work, "l1": 2 * work, "l2": 3 * work})


def test_alerts_pause_work():
    book = RepairBook({"substations": 2})
    book.add(Damage("s", "slight", 0.0, "explicit", repair_h=2.5), "hv_substation",
             np.random.default_rng(0), None)  # fmt: skip
    done = _run(book, 20, stopped=lambda t: 1.0 <= t < 5.0)
    assert done["s"] == pytest.approx(3.0 + 4.0)


def test_beyond_repair_never_finishes_and_ties_no_crew():
    book = RepairBook({"plants": 1})
    rng = np.random.default_rng(0)
    book.add(Damage("chp", "complete", 0.0, "explicit", beyond_repair=True), "chp_plant", rng, None)
    book.add(Damage("bh", "slight", 0.0, "explicit", repair_h=1.0), "boiler_house", rng, None)
    done = _run(book, 10)
    assert "chp" not in done and done["bh"] == pytest.approx(1.5)


def test_durations_follow_table_and_pipe_norms():
    rng = np.random.default_rng(1)
    draws = [repair_duration_h("power_line", "moderate", rng)[0] for _ in range(2000)]
    median = repair_times().loc[("power_line", "moderate"), "median"]
    assert abs(np.median(draws) / median - 1) < 0.05  # log-normal around the table's median
    # [UA-PIPE-NORMS] pipe-break norms: 8 h (DN57-219) ... 30 h (DN1020-1420)
    assert pipe_norm_h(150) == 8 and pipe_norm_h(300) == 13 and pipe_norm_h(1200) == 30
    assert repair_duration_h("chp_plant", "complete", rng) == (float("inf"), "plants")
