"""A sweep from plan to table: skip the stored runs, run the rest, store each as it arrives.

:func:`run_sweep` is what ``coldstart sweep`` and ``coldstart compare`` call. With a store, the
runs already in it are skipped (a sweep started again does only the rest) and the table of the
sweep's runs is read back from it; without one, the runs' figures are kept in memory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from coldstart.compiled import CompiledCity
from coldstart.sweep.execute import execute
from coldstart.sweep.plan import RunSpec, SweepPlan
from coldstart.sweep.run import RunOutcome
from coldstart.sweep.store import FIGURES, RunStore

Progress = Callable[[int, int], None]
"""``progress(done, failed)`` after each run finished in this call."""


@dataclass(frozen=True)
class SweepRun:
    """What one call of :func:`run_sweep` did, and the table of the sweep's runs.

    Parameters
    ----------
    plan : SweepPlan
        The sweep's plan.
    done_now, failed_now, skipped : int
        Runs finished in this call (failed ones included), of which failed, and runs found
        stored already.
    runs : pandas.DataFrame
        One row per run of the plan that is stored or was done now: ``run_id``, ``seed``,
        ``policy``, ``variant`` (JSON text, this plan's own, even for a run another sweep
        stored under another label), ``horizon_h``, ``status``, ``error`` and every
        figure of the summary (NaN when null).
    """

    plan: SweepPlan
    done_now: int
    failed_now: int
    skipped: int
    runs: pd.DataFrame


ROW_COLUMNS: tuple[str, ...] = (
    "run_id", "seed", "policy", "variant", "horizon_h", "status", "error", *FIGURES
)  # fmt: skip
"""Columns of :attr:`SweepRun.runs` kept in memory (the store has a few more)."""


def outcome_row(spec: RunSpec, outcome: RunOutcome) -> dict:
    """A run as a row like the store's (without the times and version)."""
    row = {
        "run_id": spec.run_id,
        "seed": spec.seed,
        "policy": spec.policy,
        "variant": spec.variant_json,
        "horizon_h": float(spec.scenario.horizon_h),
        "status": outcome.status,
        "error": outcome.error or None,
    }
    for f in FIGURES:
        v = outcome.summary.get(f)
        row[f] = float("nan") if v is None else float(v)
    return row


def run_sweep(
    cc: CompiledCity,
    plan: SweepPlan,
    store: RunStore | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> SweepRun:
    """Do every run of ``plan`` not yet in ``store``; store (or keep) each as it arrives.

    Parameters
    ----------
    cc : CompiledCity
        The compiled city, not yet run on.
    plan : SweepPlan
        The runs (:func:`coldstart.sweep.plan.build_plan`).
    store : RunStore, optional
        Where runs are skipped from and stored to; None keeps the figures in memory only.
    workers, scheduler
        Where the runs go (:func:`coldstart.sweep.execute.execute`).
    progress : callable, optional
        ``progress(done, failed)`` after each run of this call.

    Returns
    -------
    SweepRun
    """
    stored = store.stored_ids(r.run_id for r in plan.runs) if store is not None else set()
    todo = [r for r in plan.runs if r.run_id not in stored]
    rows: list[dict] = []
    counts = {"done": 0, "failed": 0}

    def arrived(spec: RunSpec, outcome: RunOutcome) -> None:
        if store is not None:
            store.add(spec, outcome, plan.sweep_id)
        else:
            rows.append(outcome_row(spec, outcome))
        counts["done"] += 1
        counts["failed"] += outcome.status != "ok"
        if progress is not None:
            progress(counts["done"], counts["failed"])

    execute(cc, todo, arrived, workers=workers, scheduler=scheduler)
    if store is not None:
        table = store.runs_frame(r.run_id for r in plan.runs)
        # a run stored by another sweep (the same content) carries that sweep's label there
        label = {r.run_id: r.variant_json for r in plan.runs}
        table["variant"] = table["run_id"].map(label)
    else:
        table = pd.DataFrame(rows, columns=list(ROW_COLUMNS))
    order = {r.run_id: i for i, r in enumerate(plan.runs)}
    if len(table):
        table = table.sort_values("run_id", key=lambda s: s.map(order)).reset_index(drop=True)
    return SweepRun(plan, counts["done"], counts["failed"], len(stored), table)
