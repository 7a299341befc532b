"""The run store as the dashboard uses it: opened briefly, one use at a time.

DuckDB lets one process write a database file at a time, so the server never keeps the store
open: each read or write opens :class:`~coldstart.sweep.store.RunStore` under a lock and closes
it again. While ``coldstart sweep`` writes the same store from the command line, the server
answers 503 (busy) instead of waiting; when it is done both see the same runs.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from coldstart.errors import OutputError
from coldstart.sweep.store import FIGURES, TIMELINES, RunStore


class StoreBusy(Exception):
    """The store is held by another process (a sweep from the command line)."""


LIST_COLUMNS = (
    "run_id", "sweep_id", "seed", "policy", "variant", "horizon_h", "started", "ended",
    "duration_s", "status", "error",
)  # fmt: skip
"""Columns of ``runs`` listed by the API (besides the summary figures)."""


class StoreGate:
    """Locked, short-lived access to the run store in ``folder``."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def open(self) -> Iterator[RunStore]:
        """The store, open for the ``with`` block only.

        Raises
        ------
        StoreBusy
            Another process holds the database.
        """
        with self._lock:
            try:
                store = RunStore(self.folder)
            except OutputError as exc:
                raise StoreBusy(str(exc.problems[0])) from None
            try:
                yield store
            finally:
                store.close()

    def runs(
        self, run_id: str | None = None, limit: int | None = None, offset: int = 0
    ) -> pd.DataFrame:
        """Stored runs (newest first; ``limit`` of them from ``offset``) with the city and
        scenario name of their sweep."""
        cols = ", ".join(f"r.{c}" for c in LIST_COLUMNS)
        figs = ", ".join(f'r."{f}"' for f in FIGURES)
        sql = (
            f"SELECT {cols}, {figs}, s.city, s.scenario_name FROM runs r "
            "LEFT JOIN sweeps s USING (sweep_id)"
        )
        args: list = []
        if run_id is not None:
            sql += " WHERE r.run_id = ?"
            args.append(run_id)
        sql += " ORDER BY r.ended DESC, r.run_id"
        if limit is not None:
            sql += f" LIMIT {int(limit)} OFFSET {max(int(offset), 0)}"
        with self.open() as store:
            return store.con.execute(sql, args).df()

    def count_and_have(self, run_ids: list[str]) -> tuple[int, set[str]]:
        """How many runs are stored, and which of ``run_ids`` are."""
        with self.open() as store:
            n = store.con.execute("SELECT count(*) FROM runs").fetchone()[0]
            return int(n), store.stored_ids(run_ids)

    def timeline(self, run_id: str) -> pd.DataFrame | None:
        """The stored timeline of a run (None when it has none)."""
        path = self.folder / TIMELINES / f"{run_id}.parquet"
        if not path.is_file():
            return None
        return pd.read_parquet(path).drop(columns=["run_id"], errors="ignore")

    def sweep(self, sweep_id: str) -> tuple[dict | None, pd.DataFrame]:
        """A sweep's row (None when unknown) and its stored runs."""
        with self.open() as store:
            rows = store.con.execute("SELECT * FROM sweeps WHERE sweep_id = ?", [sweep_id]).df()
            runs = store.con.execute(
                "SELECT r.run_id, r.seed, r.policy, r.variant, r.status FROM runs r "
                "JOIN sweep_runs s USING (run_id) WHERE s.sweep_id = ?",
                [sweep_id],
            ).df()
        return (rows.iloc[0].to_dict() if len(rows) else None), runs

    def sweep_report(self, sweep_id: str) -> str | None:
        """The fan-chart page of a sweep (``coldstart store report``), None when unknown."""
        from coldstart.report.fan import render_sweep_report

        with self.open() as store:
            page, _ = render_sweep_report(store.con, sweep_id)
        return page
