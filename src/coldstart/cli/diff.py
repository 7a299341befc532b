"""``coldstart diff``: two result folders side by side in one HTML page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from coldstart.cli import app, err, out
from coldstart.errors import InputError, Problem


def _warn(text: str) -> None:
    err.print(f"warning: {text}", markup=False, highlight=False, soft_wrap=True)


def _same_folder(run_a: Path, run_b: Path, force: bool) -> None:
    """Refuse (or with ``force`` warn about) comparing a result folder with itself."""
    why = f"is the same folder as {run_a}: a run compared with itself differs in nothing"
    if not force:
        raise InputError(Problem(str(run_b), "", "", f"{why}; give --force to write the page"))
    _warn(f"{run_b} {why}; written anyway (--force)")


@app.command()
def diff(
    run_a: Annotated[Path, typer.Argument(help="first result folder (A)")],
    run_b: Annotated[Path, typer.Argument(help="second result folder (B)")],
    out_file: Annotated[
        str,
        typer.Option(
            "--out",
            help="HTML page to write (an earlier diff page is replaced; another file is refused)",
        ),
    ] = "coldstart-diff.html",
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="compare runs of different horizons, steps or cities, or a run with itself, "
            "anyway (the page says so)",
        ),
    ] = False,
) -> None:
    """Compare two result folders: headline differences, overlaid timelines, and a map of the
    per-building difference in lowest indoor temperature (B - A, in K).

    Runs of a different time step, horizon or city (no building id in common, or more than 5 %
    of the buildings matched by id more than 10 m apart), and a folder compared with itself,
    are refused unless --force is given. The page replaces only an earlier diff page.
    """
    from coldstart.report.diff import GENERATOR, mismatches, read_run, render_diff
    from coldstart.report.pagefile import check_page_out, write_page

    target = check_page_out(out_file, GENERATOR, inside=(run_a, run_b))
    a, b = read_run(run_a), read_run(run_b)
    if run_a.resolve() == run_b.resolve():
        _same_folder(run_a, run_b, force)
    differ = mismatches(a, b)
    if differ and not force:
        why = f"does not compare with {run_a} ({'; '.join(differ)}); give --force to compare anyway"
        raise InputError(Problem(str(run_b), "", "", why))
    if differ:
        _warn(f"the runs do not compare ({'; '.join(differ)}); compared anyway (--force)")
    write_page(target, render_diff(a, b, forced=differ))
    out.print(f"wrote {out_file} (open it in a browser)", soft_wrap=True)
