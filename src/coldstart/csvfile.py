"""A user's CSV file: one reader for city tables, weather and candidate sites, row labels that
are lines of the file, and a hint for a file saved with ``;`` as separator.

Every CSV error names the line of the file a user sees in an editor (the header is line 1;
blank lines and line breaks inside quoted cells count), never a data-row index.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable

import pandas as pd

MISSING_COLUMN = "required column is missing"
"""The message of a required column the header does not have."""

SEMICOLON_HINT = "the file seems to use ';' as separator; coldstart reads comma-separated CSV"
"""Added to a missing-column message when a header cell holds ``;`` (a spreadsheet's export
in a locale whose decimal separator is a comma)."""


def read_csv_table(data: bytes) -> pd.DataFrame:
    """Rows of a CSV file as text, column names stripped; a repeated column name is an error
    (pandas would silently rename the second ``name.1`` and a reader would miss it).

    Raises
    ------
    ValueError
        A repeated column name (pandas' parser errors propagate as they are).
    """
    raw = pd.read_csv(io.BytesIO(data), dtype=object, keep_default_na=False, skipinitialspace=True)
    header = pd.read_csv(io.BytesIO(data), header=None, nrows=1, dtype=object).iloc[0]
    names = [str(c).strip() for c in header.tolist()]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(f"column {dup[0]!r} appears more than once in the header")
    raw.columns = [str(c).strip() for c in raw.columns]
    return raw


def _record_lines(data: bytes) -> list[int]:
    """The line each record of a CSV file starts on (header first), skipping blank lines as
    pandas does."""
    text = data.decode("utf-8-sig", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""))
    starts, begin = [], 1
    try:
        for rec in reader:
            if rec and not (len(rec) == 1 and not rec[0].strip()):
                starts.append(begin)
            begin = reader.line_num + 1
    except csv.Error:
        return []
    return starts


def csv_line_label(data: bytes, n_rows: int) -> Callable[[int], str]:
    """Label of data row ``i`` (0-based, as :func:`read_csv_table` returns them): ``"line N"``,
    the line of the file the row starts on.

    The lines are found on the first call (only a file with a problem pays for it). Where
    Python's csv module and pandas split the file differently (never seen on a valid table),
    the label falls back to ``i + 2``: the header on line 1 and one line per row.

    Parameters
    ----------
    data : bytes
        The file's content.
    n_rows : int
        Data rows pandas read from it.
    """
    lines: list[int] | None = None

    def label(i: int) -> str:
        nonlocal lines
        if lines is None:
            starts = _record_lines(data)
            lines = starts[1:] if len(starts) == n_rows + 1 else []
        return f"line {lines[i] if i < len(lines) else i + 2}"

    return label


def separator_hint(columns: Iterable[object]) -> str:
    """``"; " + SEMICOLON_HINT`` when a header cell holds ``;``, else ``""``."""
    return f"; {SEMICOLON_HINT}" if any(";" in str(c) for c in columns) else ""


def unreadable_hint(data: bytes) -> str:
    """:func:`separator_hint` of a file pandas could not read: its first line holds ``;``."""
    return separator_hint([data[:4096].split(b"\n", 1)[0].decode("utf-8", errors="replace")])


def missing_column(columns: Iterable[object], message: str = MISSING_COLUMN) -> str:
    """``message`` for a required column missing from a header of ``columns``, with the
    separator hint when the file looks semicolon-separated."""
    return message + separator_hint(columns)
