"""``coldstart store``: query a run store and draw its report."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Annotated

import typer

from coldstart.cli import _fail, app, out
from coldstart.errors import Problem

store_app = typer.Typer(help="Query run stores made by `coldstart sweep`.", no_args_is_help=True)
app.add_typer(store_app, name="store")

MAX_PRINTED_ROWS = 10_000
"""Most rows printed as a text table (CSV and JSON print every row)."""


@store_app.command("query")
def store_query(
    store: Annotated[Path, typer.Argument(help="run store folder")],
    sql: Annotated[
        str,
        typer.Argument(help="SQL over the tables runs, sweeps, sweep_runs and the view timelines"),
    ],  # fmt: skip
    as_csv: Annotated[bool, typer.Option("--csv", help="print CSV")] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="print JSON (one object per row)")
    ] = False,
) -> None:
    """Run one SQL query on the store and print the result.

    One statement, a query (SELECT, FROM, WITH, VALUES, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN):
    nothing is written, and no file is read but the store's database and timelines. The text
    table prints NULL as NULL and every digit of a number.
    """
    from coldstart.cli.sqltable import text_table
    from coldstart.sweep.store import QueryError, connect_readonly, user_query, user_query_rows

    if as_csv and as_json:
        _fail([Problem("--csv", "", "", "give --csv or --json, not both")])
    con = connect_readonly(store)
    try:
        if as_csv or as_json:
            frame = user_query(con, sql)
        else:
            result = user_query_rows(con, sql, MAX_PRINTED_ROWS)
    except QueryError as exc:
        _fail([Problem("SQL", "", "", str(exc))])
    finally:
        con.close()
    if as_csv:
        frame.to_csv(sys.stdout, index=False)
    elif as_json:
        text = frame.to_json(orient="records", date_format="iso", double_precision=15)
        out.print_json(text)
    else:
        sys.stdout.write(text_table(result.columns, result.rows))
        if result.total > MAX_PRINTED_ROWS:
            sys.stdout.write(f"... {result.total:,} rows, first {MAX_PRINTED_ROWS:,} shown\n")


@store_app.command("report")
def store_report(
    store: Annotated[Path, typer.Argument(help="run store folder")],
    out_file: Annotated[Path, typer.Option("--out", help="HTML file to write")],
    sweep_id: Annotated[
        str | None, typer.Option("--sweep", help="sweep id (default: the latest sweep or compare)")
    ] = None,
) -> None:
    """Write fan charts and per-variant comparisons of a sweep as one offline HTML file."""
    from coldstart.report.fan import render_sweep_report
    from coldstart.sweep.store import connect_readonly

    if importlib.util.find_spec("plotly") is None:
        _fail([Problem("--out", "", "", "the report needs plotly: pip install plotly")])
    if out_file.suffix.lower() != ".html":
        _fail([Problem("--out", "", "", f"{out_file}: expected a file name ending in .html")])
    if out_file.is_symlink() or (out_file.exists() and not _ours(out_file)):
        msg = f"{out_file} exists and is not a sweep report coldstart wrote; choose a new name"
        _fail([Problem("--out", "", "", msg)])
    con = connect_readonly(store)
    try:
        text, sweep = render_sweep_report(con, sweep_id)
    finally:
        con.close()
    if text is None:
        _fail([Problem(str(store), "", "--sweep", sweep)])
    write_atomically(out_file, text)
    out.print(f"report of sweep {sweep} written to {out_file}", soft_wrap=True)


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename."""
    import os
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _ours(path: Path) -> bool:
    """True when ``path`` is a report an earlier ``coldstart store report`` wrote."""
    from coldstart.report.fan import GENERATOR

    try:
        with path.open("r", encoding="utf-8", errors="replace") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return f'<meta name="generator" content="{GENERATOR}">' in head
