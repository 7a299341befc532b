"""The book's waiting-task arrays: dispatch equals a plain loop over the tasks."""

import math

import numpy as np
import pytest

from coldstart.restore.dispatch import choose
from coldstart.restore.repairs import RepairBook, TaskKind
from coldstart.scenario.strikes import Damage

CREWS = {"power_lines": 2, "plumbing": 3, "plants": 1}


class LoopBook(RepairBook):
    """Reference: ``ready`` and dispatch as a loop over the task objects (no arrays)."""

    def ready(self, t_h, can_start=None, crew_types=None):
        out = []
        for key in self.waiting:
            task = self.tasks[key]
            if crew_types is not None and task.crew_type not in crew_types:
                continue
            if task.part_ready_h > t_h + 1e-9 or not math.isfinite(task.remaining_h):
                continue
            if not task.site_ready and can_start is not None and not can_start(task):
                continue
            out.append(task)
        return out

    def _dispatch(self, t_h, free, can_start, benefit):
        started = []
        free_types = {self.crews[i].crew_type for i in free}
        by_type = {}
        for task in self.ready(t_h, can_start, free_types):
            by_type.setdefault(task.crew_type, []).append(task)
        for ctype in sorted(free_types):
            cands = by_type.get(ctype, [])
            if not cands:
                continue
            xy = np.array([(t.x_m, t.y_m) for t in cands])
            created = np.array([t.created_h for t in cands])
            work = np.array([t.remaining_h for t in cands])
            gains = np.asarray(benefit(cands), float) if self.policy == "greatest_benefit" else None
            taken = np.zeros(len(cands), bool)
            for i in (i for i in free if self.crews[i].crew_type == ctype):
                idx = np.flatnonzero(~taken)
                if not len(idx):
                    break
                crew = self.crews[i]
                travel = np.hypot(*(xy[idx] - (crew.x_m, crew.y_m)).T) / self.speed_m_h
                g = None if gains is None else gains[idx]
                pick = choose(self.policy, created[idx], travel, work[idx], g)
                j = idx[pick]
                taken[j] = True
                task = cands[j]
                task.crew, task.travel_left_h, task.started_h = i, float(travel[pick]), t_h
                crew.task = task.key
                self.waiting.remove(task.key)
                started.append(task)
        return started


def _drive(book: RepairBook, policy_seed: int) -> list[tuple]:
    """A random week of hits (some merging), refills and resets; every task's history."""
    rng = np.random.default_rng(policy_seed)
    draw = np.random.default_rng(policy_seed + 1)  # repair durations: same stream for both
    blocked = set(rng.choice(40, 10, replace=False).tolist())

    def can_start(task):
        return int(task.asset_id[1:]) not in blocked

    def benefit(tasks):
        return np.array([len(t.asset_id) + (t.x_m % 7.0) for t in tasks])

    log = []
    for k in range(300):
        t = k * 0.25
        for _ in range(rng.poisson(0.6)):
            a = int(rng.integers(40))
            state = ["slight", "moderate", "extensive", "complete"][int(rng.integers(4))]
            kind, aid = ("power_line", f"l{a}") if a % 2 else ("chp_plant", f"p{a}")
            dmg = Damage(aid, state, t, "explicit", repair_h=float(rng.uniform(0.5, 6.0)),
                         beyond_repair=bool(rng.random() < 0.05))  # fmt: skip
            book.add(dmg, kind, draw, None, tuple(rng.uniform(-5e3, 5e3, 2)), "")
        for _ in range(rng.poisson(1.5)):
            b = f"b{int(rng.integers(10_000))}"
            if (TaskKind.REFILL, b) not in book.tasks:
                book.add_task(TaskKind.REFILL, b, "plumbing", float(rng.uniform(0.5, 3)), t,
                              tuple(rng.uniform(-5e3, 5e3, 2)))  # fmt: skip
        started, finished, working = book.step(t, 0.25, rng.random() < 0.1, can_start, benefit)
        log.append((k, [s.key for s in started], [f.key for f in finished], working))
    tasks = [
        (key, t.crew, t.started_h, t.done_h, t.remaining_h, t.travel_left_h, t.state)
        for key, t in book.tasks.items()
    ]
    return log + tasks + [list(book.waiting)]


@pytest.mark.parametrize("policy", ["fifo", "nearest", "greatest_benefit"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_dispatch_equals_loop_over_tasks(policy, seed):
    kw = {"policy": policy, "spares": {}}
    got = _drive(RepairBook(CREWS, **kw), seed)
    want = _drive(LoopBook(CREWS, **kw), seed)
    assert got == want
    assert sum(len(s) for _, s, _, _ in got[:300]) > 50  # the drive dispatched many tasks


def test_ready_follows_the_waiting_list_when_changed_outside_the_book():
    book = RepairBook({"plumbing": 1})
    for i in range(4):
        book.add_task(TaskKind.REFILL, f"b{i}", "plumbing", 1.0, float(i))
    book.waiting.remove((TaskKind.REFILL, "b1"))  # a caller edits the list itself
    assert [t.asset_id for t in book.ready(10.0)] == ["b0", "b2", "b3"]
    assert [t.asset_id for t in book.ready(1.5)] == ["b0"]  # part_ready_h = created_h
    assert [t.asset_id for t in book.ready(10.0, crew_types={"power_lines"})] == []
