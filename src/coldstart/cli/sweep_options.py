"""Options and helpers shared by the commands that run sweeps (``sweep``, ``compare``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from coldstart.cli import _fail, err
from coldstart.errors import Problem

MAX_WORKERS = 1024
"""Most worker processes of a local cluster."""

Workers = Annotated[
    int | None,
    typer.Option(
        min=1,
        max=MAX_WORKERS,
        help="worker processes of the local Dask cluster (default: one per core; 1 runs in "
        "this process without a cluster)",
    ),
]
Scheduler = Annotated[
    str | None,
    typer.Option(help="address of a running Dask scheduler, e.g. tcp://host:8786"),
]


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return max(os.cpu_count() or 1, 1)


def check_store_target(store: Path, inputs: tuple[Path, ...]) -> None:
    """Exit 2 (nothing written) unless ``store`` can be a run store that is none of ``inputs``."""
    from coldstart.sweep.store import store_problem

    reason = store_problem(store)
    if reason is None:
        target = store.resolve()
        for p in inputs:
            q = Path(p).resolve()
            if target == q or q.is_relative_to(target) or target.is_relative_to(q):
                reason = f"overlaps the input {p}; choose a folder of its own"
    if reason:
        _fail([Problem("--store", "", "", f"{store} {reason}")])


def progress_bar(label: str) -> Progress:
    """The Rich progress bar of a sweep: runs done, failed, elapsed, ETA (on stderr)."""
    return Progress(
        TextColumn(f"[bold]{label}[/]"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} runs"),
        TextColumn("{task.fields[failed]} failed"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=err,
    )
