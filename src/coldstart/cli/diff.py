"""``coldstart diff``: two result folders side by side in one HTML page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from coldstart.cli import app, err, out
from coldstart.errors import InputError, OutputError, Problem


def _check_out_file(path: Path, runs: tuple[Path, ...]) -> Path:
    """The page to write: not a folder, not inside either run (its manifest would break)."""
    target = Path(path).absolute()
    if target.is_dir():
        raise OutputError(Problem(str(path), "", "", "is a folder; give a file name (FILE.html)"))
    for run in runs:
        if run.absolute().resolve() in target.parent.resolve().parents or (
            target.parent.resolve() == run.absolute().resolve()
        ):
            why = f"lies inside the result folder '{run}'; write the page elsewhere"
            raise OutputError(Problem(str(path), "", "", why))
    if not target.parent.is_dir():
        raise OutputError(Problem(str(path), "", "", "its folder does not exist"))
    if target.exists() and not _written_by_coldstart(target):
        why = "exists and is not a page coldstart wrote; give another name (it is left alone)"
        raise OutputError(Problem(str(path), "", "", why))
    return target


def _written_by_coldstart(path: Path) -> bool:
    """Whether ``path`` is a page coldstart wrote (its head carries the generator tag)."""
    from coldstart.report.html import GENERATOR

    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return f'<meta name="generator" content="{GENERATOR}">'.encode() in head


@app.command()
def diff(
    run_a: Annotated[Path, typer.Argument(help="first result folder (A)")],
    run_b: Annotated[Path, typer.Argument(help="second result folder (B)")],
    out_file: Annotated[
        Path,
        typer.Option(
            "--out",
            help="HTML page to write (one coldstart wrote is replaced; another file is refused)",
        ),
    ] = Path("coldstart-diff.html"),
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="compare runs of different horizons, steps or cities anyway (the page says so)",
        ),
    ] = False,
) -> None:
    """Compare two result folders: headline differences, overlaid timelines, and a map of the
    per-building difference in lowest indoor temperature (B - A, in K).

    Runs of a different time step, horizon or city (no building id in common, or more than 5 %
    of the buildings matched by id more than 10 m apart) are refused unless --force is given.
    """
    from coldstart.outdir import write_text_atomic
    from coldstart.report.diff import mismatches, read_run, render_diff

    target = _check_out_file(out_file, (run_a, run_b))
    a, b = read_run(run_a), read_run(run_b)
    differ = mismatches(a, b)
    if differ and not force:
        why = f"does not compare with {run_a} ({'; '.join(differ)}); give --force to compare anyway"
        raise InputError(Problem(str(run_b), "", "", why))
    if differ:
        err.print(f"warning: the runs do not compare ({'; '.join(differ)}); compared anyway "
                  "(--force)", markup=False, highlight=False, soft_wrap=True)  # fmt: skip
    write_text_atomic(target, render_diff(a, b, forced=differ))
    out.print(f"wrote {out_file} (open it in a browser)", soft_wrap=True)
