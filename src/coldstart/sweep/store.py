"""The run store of sweeps: a DuckDB database and one Parquet timeline per run.

A store is a folder::

    DIR/runs.duckdb              table ``runs`` (one row per finished run), table ``sweeps``
                                 (one row per sweep: its plan and where it came from, see
                                 :class:`SweepSource`), table ``sweep_runs``
                                 (sweep_id, run_id of every run a sweep plans)
    DIR/timelines/<run_id>.parquet

Every connection (:func:`connect_readonly`, :class:`RunStore`) adds a TEMP view ``timelines``
(every stored run's timeline, with run_id) over the folder where the store is now: the
database file holds no path, so a store copied or moved elsewhere works as it is. A
``timelines`` view an older coldstart saved in the file is dropped when a sweep opens it.

Only the coordinating process writes. Each finished run is stored as it arrives: its timeline
first (written to a temporary file, then renamed), then its row, in a transaction of its own;
``run_id`` is the primary key, so a run is never stored twice and a sweep killed at any moment
(SIGKILL included) loses at most the runs in flight. A timeline whose row never landed is not
shown by the view and is replaced when the run is done again.

A store made by an older coldstart opens as it is: a column added since (a summary figure of
``runs``, ``kind`` of ``sweeps``) is added, NULL for the old rows (an old plan command's sweeps
get their kind from their ``scenario`` column, where they kept it). Its runs stay queryable;
they are never reused by this version (the version is part of every run id).

Queries (:func:`connect_readonly`, :func:`user_query`) read only the database and its
timelines: DuckDB's access to other files is switched off and locked for the connection.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from coldstart import __version__
from coldstart.errors import OutputError, Problem
from coldstart.result import SUMMARY_KEYS
from coldstart.sweep.plan import RunSpec, SweepPlan
from coldstart.sweep.run import RunOutcome

DB_NAME = "runs.duckdb"
"""The database file of a store."""

TIMELINES = "timelines"
"""Folder of the per-run timelines (and name of the view over them)."""

T = TypeVar("T")

TMP_PREFIX = ".tmp-"
"""Prefix of a timeline being written (removed when a store is opened)."""

RUN_COLUMNS: tuple[tuple[str, str], ...] = (
    ("run_id", "VARCHAR PRIMARY KEY"),
    ("sweep_id", "VARCHAR NOT NULL"),
    ("seed", "BIGINT NOT NULL"),
    ("policy", "VARCHAR NOT NULL"),
    ("variant", "VARCHAR NOT NULL"),
    ("horizon_h", "DOUBLE NOT NULL"),
    ("started", "TIMESTAMP NOT NULL"),
    ("ended", "TIMESTAMP NOT NULL"),
    ("duration_s", "DOUBLE NOT NULL"),
    ("coldstart_version", "VARCHAR NOT NULL"),
    ("status", "VARCHAR NOT NULL"),
    ("error", "VARCHAR"),
)
"""Columns of ``runs`` before the summary figures (times in UTC; ``variant`` is JSON text)."""

FIGURES: tuple[str, ...] = tuple(k for k in SUMMARY_KEYS if k != "seed")
"""Summary figures stored as columns of ``runs`` (``seed`` is a column already); DOUBLE, NULL
when the summary has null (a time not reached within the horizon) or the run failed."""

SWEEP_COLUMNS: tuple[tuple[str, str], ...] = (
    ("sweep_id", "VARCHAR PRIMARY KEY"),
    ("created", "TIMESTAMP NOT NULL"),
    ("city", "VARCHAR NOT NULL"),
    ("scenario", "VARCHAR NOT NULL"),
    ("scenario_name", "VARCHAR NOT NULL"),
    ("seeds", "VARCHAR NOT NULL"),
    ("policies", "VARCHAR NOT NULL"),
    ("variants", "VARCHAR NOT NULL"),
    ("runs", "BIGINT NOT NULL"),
    ("kind", "VARCHAR"),
)
"""Columns of ``sweeps``: one row per sweep (its plan as JSON text; ``created`` in UTC;
``city``, ``scenario`` and ``kind`` as in :class:`SweepSource`; ``kind`` NULL for a sweep
stored by a coldstart older than the column)."""

USER_KINDS: tuple[str, ...] = ("sweep", "compare", "dashboard sweep")
"""Kinds of sweep a user asked for (the default of ``coldstart store report``)."""

PLAN_KINDS: tuple[str, ...] = ("plan backups", "plan value")
"""Kinds of the sweeps a planning command makes of its candidates (not shown by default)."""

KINDS: tuple[str, ...] = (*USER_KINDS, *PLAN_KINDS, "dashboard run")
"""Every value of ``sweeps.kind``."""


@dataclass(frozen=True)
class SweepSource:
    """Where a sweep came from, as the ``sweeps`` table keeps it.

    Parameters
    ----------
    kind : str
        The command that made it, one of :data:`KINDS`.
    city : str
        The city folder as given on the command line (a city without a folder, in the
        dashboard or through the API: the city's name).
    scenario : str
        The scenario file as given on the command line (the dashboard: the run's saved
        scenario file, or ``dashboard`` for a sweep; through the API: the scenario's name).
    """

    kind: str
    city: str
    scenario: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown sweep kind {self.kind!r}; expected one of {KINDS}")


def _duckdb():
    import duckdb

    return duckdb


def store_problem(folder: Path) -> str | None:
    """Why ``folder`` cannot be a run store (None when it can: absent, empty or a store)."""
    if folder.is_symlink() and not folder.exists():
        return "is a broken link"
    if not folder.exists():
        return None
    if not folder.is_dir():
        return "is not a folder"
    if (folder / DB_NAME).is_file():
        return None
    if any(folder.iterdir()):
        return f"holds other files and no {DB_NAME}: not a run store (choose a new folder)"
    return None


def _timeline_glob(folder: Path) -> str:
    return str(folder.resolve() / TIMELINES / "*.parquet").replace("'", "''")


def _has_timelines(folder: Path) -> bool:
    return any((folder / TIMELINES).glob("*.parquet")) if (folder / TIMELINES).is_dir() else False


def _view_sql(folder: Path) -> str:
    """The ``timelines`` view over ``folder``'s timelines, a TEMP view of one connection: the
    database file keeps no path, so a store copied or moved elsewhere opens as it is."""
    return (
        f"CREATE OR REPLACE TEMP VIEW {TIMELINES} AS SELECT t.* FROM "
        f"read_parquet('{_timeline_glob(folder)}', union_by_name=true) t "
        "WHERE t.run_id IN (SELECT run_id FROM runs)"
    )


def _persisted_view(con) -> str | None:
    """The SQL of a ``timelines`` view an older coldstart saved in the database (with the
    absolute path of the store's timelines then), or None."""
    row = con.execute(
        "SELECT sql FROM duckdb_views() WHERE view_name = $name AND NOT temporary "
        "AND schema_name = 'main'",
        {"name": TIMELINES},
    ).fetchone()
    return None if row is None else str(row[0])


def connect_readonly(folder: str | Path):
    """A read-only connection to the store in ``folder`` with the ``timelines`` view.

    DuckDB may read the store's ``timelines`` folder and no other file: external access is
    off (``enable_external_access = false``, the timelines folder its only allowed
    directory) and the configuration is locked, so no statement can turn it back on.

    The view is a TEMP view over the folder as it is now (a store copied or moved elsewhere
    reads its own timelines). A store of an older coldstart keeps a saved view until a sweep
    opens it for writing (:class:`RunStore` drops it); it is used while it names this folder,
    else shadowed by the temporary one.

    Raises
    ------
    OutputError
        When the folder is not a store or a running sweep holds it.
    """
    folder = Path(folder)
    if not (folder / DB_NAME).is_file():
        raise OutputError(Problem(str(folder), "", "", f"not a run store (no {DB_NAME})"))
    duckdb = _duckdb()
    try:
        con = duckdb.connect(str(folder / DB_NAME), read_only=True)
    except duckdb.Error as exc:
        first = str(exc).splitlines()[0]
        msg = f"cannot be opened (a sweep may be writing it; try when it ends): {first}"
        raise OutputError(Problem(str(folder / DB_NAME), "", "", msg)) from None
    con.execute("SET allowed_directories = ?", [[str(folder.resolve() / TIMELINES) + os.sep]])
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    saved = _persisted_view(con)
    if _has_timelines(folder) and (saved is None or f"'{_timeline_glob(folder)}'" not in saved):
        con.execute(_view_sql(folder))  # this folder's path, wherever it moved
    return con


QUERY_STATEMENTS = ("SELECT", "EXPLAIN")
"""Statement types (DuckDB's parser) a user query may be: ``SELECT`` covers every form of
:data:`QUERY_FORMS` but ``EXPLAIN``."""

QUERY_FORMS = ("SELECT", "FROM", "WITH", "VALUES", "DESCRIBE", "SHOW", "SUMMARIZE", "EXPLAIN")
"""The forms of query ``coldstart store query`` answers, as its help and the README list them."""


class QueryError(ValueError):
    """A user query the store refuses, or one DuckDB could not run (one line)."""


_LEADING = re.compile(r"(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)*", re.DOTALL)


_ANALYZE = re.compile(
    r"(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)*EXPLAIN(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)+ANALY[SZ]E\b",
    re.DOTALL | re.IGNORECASE,
)
"""``EXPLAIN ANALYZE`` (or ``ANALYSE``) at the start of a statement, after any comments."""


def _first_word(text: str, fallback: str) -> str:
    """The keyword a statement starts with (after blanks and comments), upper case."""
    word = re.match(r"[A-Za-z_]+", text[_LEADING.match(text).end() :])
    return word.group(0).upper() if word else fallback


def _checked_statement(con, sql: str) -> None:
    """Refuse ``sql`` unless it is exactly one query (:data:`QUERY_FORMS`)."""
    statements = con.extract_statements(sql)
    if not statements:
        raise QueryError("no statement given")
    if len(statements) > 1:
        raise QueryError(
            f"{len(statements)} statements given: a store query runs one statement "
            "(remove the ';' between them)"
        )
    st = statements[0]
    if st.type.name not in QUERY_STATEMENTS:
        raise QueryError(
            f"{_first_word(st.query, st.type.name)} statements are not allowed: only read-only "
            f"queries are ({', '.join(QUERY_FORMS)}), and the store writes no file"
        )
    if st.type.name == "EXPLAIN" and _ANALYZE.match(st.query):  # it runs what it explains
        raise QueryError(
            "EXPLAIN ANALYZE runs the statement it explains and is not allowed; EXPLAIN alone "
            "shows the plan"
        )


def _run_query(con, sql: str, fetch: Callable[[Any], T]) -> T:
    """Check ``sql`` (:func:`_checked_statement`), run it and ``fetch`` its result, every
    DuckDB error turned into one line of :class:`QueryError`."""
    duckdb = _duckdb()
    try:
        _checked_statement(con, sql)
        return fetch(con.execute(sql))
    except duckdb.PermissionException as exc:
        first = str(exc).splitlines()[0].removeprefix("Permission Error: ")
        raise QueryError(
            f"{first}: a store query reads only the store's tables and timelines"
        ) from None
    except duckdb.Error as exc:
        raise QueryError(str(exc).splitlines()[0]) from None


def user_query(con, sql: str) -> pd.DataFrame:
    """Run a user's SQL on a :func:`connect_readonly` connection: one query only.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        From :func:`connect_readonly` (no file access besides the timelines).
    sql : str
        One statement, a query (:data:`QUERY_FORMS`).

    Returns
    -------
    pandas.DataFrame
        Its result.

    Raises
    ------
    QueryError
        Several statements, a statement that is not a query (``COPY``, ``EXPORT``,
        ``ATTACH``, ``SET``, ...), a file outside the store, or any error of DuckDB, as one
        line.
    """
    return _run_query(con, sql, lambda cur: cur.df())


@dataclass(frozen=True)
class QueryRows:
    """The first rows of a query's result as Python values (NULL as None).

    Attributes
    ----------
    columns : tuple of str
        Column names.
    types : tuple of str
        DuckDB types of the columns (``BIGINT``, ``DOUBLE``, ``VARCHAR``, ...).
    rows : list of tuple
        At most the ``limit`` asked for.
    total : int
        Rows of the whole result.
    """

    columns: tuple[str, ...]
    types: tuple[str, ...]
    rows: list[tuple]
    total: int


def user_query_rows(con, sql: str, limit: int) -> QueryRows:
    """:func:`user_query`, its first ``limit`` rows as Python values (ints stay ints, NULL
    is None) and the count of all rows.

    Raises
    ------
    QueryError
        As :func:`user_query`.
    """

    def fetch(cur) -> QueryRows:
        desc = cur.description or []
        rows = cur.fetchmany(limit)
        total = len(rows)
        while len(chunk := cur.fetch_df_chunk(64)):  # the rest, counted, not converted
            total += len(chunk)
        return QueryRows(
            tuple(str(d[0]) for d in desc), tuple(str(d[1]) for d in desc), rows, total
        )

    return _run_query(con, sql, fetch)


def latest_sweep(con, kinds: tuple[str, ...] = USER_KINDS) -> str | None:
    """The id of the latest sweep of one of ``kinds`` (a sweep of a coldstart older than the
    ``kind`` column counts as a user sweep unless it was a planning command's), or None."""
    cols = {r[0] for r in con.execute("SELECT column_name FROM (DESCRIBE sweeps)").fetchall()}
    marks = ", ".join("?" * len(kinds))
    legacy = f"scenario NOT IN ({', '.join('?' * len(PLAN_KINDS))})"
    if "kind" in cols:
        where = f"kind IN ({marks}) OR (kind IS NULL AND {legacy})"
        args = [*kinds, *PLAN_KINDS]
    else:
        where, args = legacy, list(PLAN_KINDS)
    row = con.execute(
        f"SELECT sweep_id FROM sweeps WHERE {where} ORDER BY created DESC, sweep_id LIMIT 1", args
    ).fetchone()
    return None if row is None else str(row[0])


def _number(value: object) -> float | None:
    if value is None or isinstance(value, bool):
        return None if value is None else float(value)
    x = float(value)
    return x if math.isfinite(x) else None


def _utc(t: datetime) -> datetime:
    return t.astimezone(UTC).replace(tzinfo=None)


class RunStore:
    """The writable run store of the coordinating process (see the module docstring).

    Parameters
    ----------
    folder : str or pathlib.Path
        The store folder; made when absent. Check it first with :func:`store_problem`.
    """

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        reason = store_problem(self.folder)
        if reason:
            raise OutputError(Problem(str(self.folder), "", "", reason))
        (self.folder / TIMELINES).mkdir(parents=True, exist_ok=True)
        for tmp in (self.folder / TIMELINES).glob(f"{TMP_PREFIX}*"):
            tmp.unlink(missing_ok=True)  # a timeline a killed sweep was writing
        duckdb = _duckdb()
        try:
            self.con = duckdb.connect(str(self.folder / DB_NAME))
        except duckdb.Error as exc:
            first = str(exc).splitlines()[0]
            msg = f"cannot be opened (is another sweep writing it?): {first}"
            raise OutputError(Problem(str(self.folder / DB_NAME), "", "", msg)) from None
        self._schema()
        if _persisted_view(self.con) is not None:  # an older coldstart saved its path here
            self.con.execute(f"DROP VIEW main.{TIMELINES}")
        self._view = _has_timelines(self.folder)
        if self._view:
            self.con.execute(_view_sql(self.folder))

    def _schema(self) -> None:
        cols = [f'"{n}" {t}' for n, t in RUN_COLUMNS] + [f'"{f}" DOUBLE' for f in FIGURES]
        self.con.execute(f"CREATE TABLE IF NOT EXISTS runs ({', '.join(cols)})")
        have = {
            r[0] for r in self.con.execute("SELECT column_name FROM (DESCRIBE runs)").fetchall()
        }
        for f in FIGURES:  # a figure added by a later coldstart: a new column, NULL for old runs
            if f not in have:
                self.con.execute(f'ALTER TABLE runs ADD COLUMN "{f}" DOUBLE')
        sweep_cols = ", ".join(f'"{n}" {t}' for n, t in SWEEP_COLUMNS)
        self.con.execute(f"CREATE TABLE IF NOT EXISTS sweeps ({sweep_cols})")
        have = {
            r[0] for r in self.con.execute("SELECT column_name FROM (DESCRIBE sweeps)").fetchall()
        }
        if "kind" not in have:  # a store of an older coldstart: its plan sweeps said so here
            self.con.execute("ALTER TABLE sweeps ADD COLUMN kind VARCHAR")
            marks = ", ".join("?" * len(PLAN_KINDS))
            self.con.execute(
                f"UPDATE sweeps SET kind = scenario WHERE scenario IN ({marks})", list(PLAN_KINDS)
            )
        self.con.execute(
            "CREATE TABLE IF NOT EXISTS sweep_runs (sweep_id VARCHAR NOT NULL, "
            "run_id VARCHAR NOT NULL, PRIMARY KEY (sweep_id, run_id))"
        )

    def close(self) -> None:
        """Close the database (a checkpoint folds the log into the file)."""
        self.con.close()

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ reading

    def stored_ids(self, run_ids: Iterable[str] | None = None) -> set[str]:
        """Ids of the stored runs (among ``run_ids`` when given)."""
        have = {r[0] for r in self.con.execute("SELECT run_id FROM runs").fetchall()}
        return have if run_ids is None else have & set(run_ids)

    def runs_frame(self, run_ids: Iterable[str] | None = None) -> pd.DataFrame:
        """The rows of ``runs`` (only ``run_ids`` when given) as a DataFrame."""
        frame = self.con.execute("SELECT * FROM runs ORDER BY run_id").df()
        if run_ids is not None:
            frame = frame[frame["run_id"].isin(set(run_ids))].reset_index(drop=True)
        return frame

    # ------------------------------------------------------------------ writing

    def add_sweep(self, plan: SweepPlan, source: SweepSource, scenario_name: str) -> None:
        """Record the sweep's plan (once; a sweep started again keeps its first row).

        Parameters
        ----------
        plan : SweepPlan
            The sweep's runs.
        source : SweepSource
            The command, city and scenario it came from.
        scenario_name : str
            The scenario's ``name``.
        """
        row = (
            plan.sweep_id,
            _utc(datetime.now(UTC)),
            source.city,
            source.scenario,
            scenario_name,
            json.dumps(list(plan.seeds)),
            json.dumps(list(plan.policies)),
            json.dumps(list(plan.variants)),
            len(plan.runs),
            source.kind,
        )
        names = ", ".join(f'"{n}"' for n, _ in SWEEP_COLUMNS)
        marks = ", ".join("?" * len(row))
        ids = pd.DataFrame({"sweep_id": plan.sweep_id, "run_id": [r.run_id for r in plan.runs]})
        self.con.execute("BEGIN TRANSACTION")
        try:
            self.con.execute(
                f"INSERT INTO sweeps ({names}) VALUES ({marks}) ON CONFLICT DO NOTHING", row
            )
            self.con.register("plan_ids", ids)
            self.con.execute("INSERT INTO sweep_runs SELECT * FROM plan_ids ON CONFLICT DO NOTHING")
            self.con.unregister("plan_ids")
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise

    def _write_timeline(self, run_id: str, timeline: pd.DataFrame) -> None:
        """``timelines/<run_id>.parquet`` with a ``run_id`` column, atomically."""
        folder = self.folder / TIMELINES
        final = folder / f"{run_id}.parquet"
        tmp = folder / f"{TMP_PREFIX}{run_id}.parquet"
        frame = timeline.copy()
        frame.insert(0, "run_id", run_id)
        try:
            frame.to_parquet(tmp, index=False)
            os.replace(tmp, final)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def add(self, spec: RunSpec, outcome: RunOutcome, sweep_id: str) -> bool:
        """Store one finished run: timeline, then its row in a transaction of its own.

        Returns
        -------
        bool
            False when the run was stored already (nothing changed).
        """
        if self.con.execute("SELECT 1 FROM runs WHERE run_id = ?", [spec.run_id]).fetchone():
            return False
        if outcome.status == "ok":
            self._write_timeline(spec.run_id, outcome.timeline)
        row = {
            "run_id": spec.run_id,
            "sweep_id": sweep_id,
            "seed": int(spec.seed),
            "policy": spec.policy,
            "variant": spec.variant_json,
            "horizon_h": float(spec.scenario.horizon_h),
            "started": _utc(outcome.started),
            "ended": _utc(outcome.ended),
            "duration_s": (outcome.ended - outcome.started).total_seconds(),
            "coldstart_version": __version__,
            "status": outcome.status,
            "error": outcome.error or None,
        }
        row.update({f: _number(outcome.summary.get(f)) for f in FIGURES})
        names = ", ".join(f'"{k}"' for k in row)
        marks = ", ".join("?" * len(row))
        self.con.execute("BEGIN TRANSACTION")
        try:
            self.con.execute(
                f"INSERT INTO runs ({names}) VALUES ({marks}) ON CONFLICT DO NOTHING",
                list(row.values()),
            )
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        if not self._view and outcome.status == "ok":
            self.con.execute(_view_sql(self.folder))
            self._view = True
        return True
