"""A query result as a plain text table (``coldstart store query`` without --csv or --json).

One rule for every type: NULL prints as ``NULL``, integers as integers, floats with Python's
shortest round-trip ``repr`` (every digit that tells it apart), text as it is, a cell of
several lines (an EXPLAIN plan) on several lines. Numbers are right-aligned, the rest left.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from decimal import Decimal

NULL = "NULL"
"""How a NULL cell prints."""


def cell_text(value: object) -> str:
    """The text of one cell (see the module docstring)."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def text_table(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """``rows`` under a header of ``columns``, aligned, one line per line of text.

    Parameters
    ----------
    columns : sequence of str
        Column names.
    rows : sequence of sequence
        Python values (None for NULL), as DuckDB's ``fetchall`` gives them.

    Returns
    -------
    str
        Header, a rule of ``-``, the rows (``(0 rows)`` when there is none); ends with a
        newline.
    """
    cells = [[cell_text(v).splitlines() or [""] for v in row] for row in rows]
    widths = [len(c) for c in columns]
    for row in cells:
        for j, lines in enumerate(row):
            widths[j] = max(widths[j], *(len(s) for s in lines))
    right = [
        any(_is_number(row[j]) for row in rows)
        and all(_is_number(row[j]) or row[j] is None for row in rows)
        for j in range(len(columns))
    ]

    def line(texts: Sequence[str]) -> str:
        parts = [
            t.rjust(w) if r else t.ljust(w) for t, w, r in zip(texts, widths, right, strict=True)
        ]
        return "  ".join(parts).rstrip()

    out = [line(list(columns)), "  ".join("-" * w for w in widths)]
    for row in cells:
        for k in range(max(len(lines) for lines in row) if row else 1):
            out.append(line([lines[k] if k < len(lines) else "" for lines in row]))
    if not rows:
        out.append("(0 rows)")
    return "\n".join(out) + "\n"
