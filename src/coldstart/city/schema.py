"""Table schemas held as data (``schema.toml``) and the checks that apply them.

A schema names, for every field of a city table, its dtype, unit, bounds, choices, default and
foreign key. :func:`coerce_table` turns raw rows into typed columns and reports every problem with
file, row and field; it never raises on the first problem.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from coldstart.csvfile import missing_column
from coldstart.errors import Problem

MAX_PROBLEMS_PER_FIELD = 20
"""Problems listed per field and table before the rest are summarised in one line."""


@dataclass(frozen=True)
class FieldSpec:
    """One column of a city table (see ``schema.toml``)."""

    name: str
    dtype: str
    unit: str = ""
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] | None = None
    default: Any = None
    fk: str | None = None
    nullable: bool = False

    @property
    def required(self) -> bool:
        """True when the column must be present in the file."""
        return self.default is None


@dataclass(frozen=True)
class TableSpec:
    """Schema of one city table."""

    name: str
    key: str
    geometry: str
    description: str
    fields: tuple[FieldSpec, ...] = field(default_factory=tuple)
    min_rows: int = 0

    def field(self, name: str) -> FieldSpec:
        """Return the spec of column ``name``."""
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def columns(self) -> list[str]:
        """Column names in schema order."""
        return [f.name for f in self.fields]


@cache
def table_specs() -> dict[str, TableSpec]:
    """Load the table schemas from the packaged ``schema.toml``.

    Returns
    -------
    dict of str to TableSpec
        Keyed by table name, in the order the tables are declared.
    """
    raw = tomllib.loads(resources.files("coldstart.city").joinpath("schema.toml").read_text())
    specs = {}
    for name, t in raw["tables"].items():
        fields = []
        for f in t["fields"]:
            f = dict(f)
            if "choices" in f:
                f["choices"] = tuple(f["choices"])
            fields.append(FieldSpec(**f))
        specs[name] = TableSpec(
            name=name,
            key=t["key"],
            geometry=t["geometry"],
            description=t["description"],
            fields=tuple(fields),
            min_rows=int(t.get("min_rows", 0)),
        )
    return specs


def _is_blank(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, (float, np.floating)) and np.isnan(v):
        return True
    return isinstance(v, str) and v.strip() == ""


_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def parse_number(value: Any) -> int | float:
    """A number from a cell: a JSON/Parquet number, or text in plain ASCII decimal notation.

    Text such as ``"12"``, ``"-2.5"`` or ``"1e3"`` is read; ``"1_0"``, ``"१२"`` (Python's
    ``float`` reads both), ``"inf"``, ``"nan"``, booleans and anything else are refused, so that
    a file means the same to coldstart as to QGIS, pandas or a spreadsheet.

    Raises
    ------
    ValueError
        When ``value`` is not such a number.
    """
    if isinstance(value, (bool, np.bool_)):
        raise ValueError("a boolean is not a number")
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if _INTEGER.fullmatch(text):
            return int(text)
        if _DECIMAL.fullmatch(text):
            return float(text)
    raise ValueError(f"not a number: {value!r}")


def _convert(value: Any, dtype: str) -> Any:
    """Convert one raw value to ``dtype``; raise ValueError when it cannot be done.

    Floats must be finite and ints fit in int64: ``inf``, ``1e309`` or ``2**63`` in a file is an
    error, never a value that turns results into NaN or overflows an array.
    """
    if isinstance(value, (dict, list, tuple, bytes, bytearray)):
        raise ValueError
    if dtype == "str":
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        text = str(value).strip()
        text.encode("utf-8")  # a lone surrogate (not Unicode text) raises UnicodeEncodeError
        return text
    if dtype == "int":
        n = parse_number(value)
        if isinstance(n, float):
            if not np.isfinite(n) or not n.is_integer():
                raise ValueError
            n = int(n)
        if not INT64_MIN <= n <= INT64_MAX:
            raise ValueError
        return n
    if dtype == "float":
        f = float(parse_number(value))
        if not np.isfinite(f):
            raise ValueError
        return f
    if dtype == "bool":
        if isinstance(value, (bool, np.bool_)):
            return bool(value)
        s = str(value).strip().lower()
        if s in ("true", "1", "yes", "1.0"):
            return True
        if s in ("false", "0", "no", "0.0"):
            return False
        raise ValueError
    raise ValueError(f"unknown dtype {dtype}")


INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
"""Range of an int column."""

_EXPECTED = {
    "str": "text",
    "int": "a whole number",
    "float": "a finite number",
    "bool": "true/false",
}

_PANDAS_DTYPE = {"str": object, "int": "int64", "float": "float64", "bool": "bool"}


def _clean_column(cells: list, f: FieldSpec) -> pd.Series | None:
    """The typed column when every cell is already of the field's type, set and within bounds.

    The common case (a table coldstart wrote, or any clean GeoJSON or Parquet file) is checked a
    whole column at a time; it gives exactly what the cell-by-cell conversion in
    :func:`coerce_table` gives. Returns None whenever a cell needs that conversion or could be a
    problem (text in a number column, a blank, a NaN, an out-of-range value, an unknown choice):
    the cell-by-cell path then converts and words every problem.
    """
    if not cells:
        return None
    kinds = set(map(type, cells))
    if f.dtype == "str" and kinds == {str}:
        return _clean_text(cells, f)
    if f.choices is not None:
        return None
    if f.dtype == "float" and kinds <= {float, int}:
        try:
            arr = np.array(cells, dtype=np.float64)
        except (OverflowError, ValueError, TypeError):
            return None
        if not np.isfinite(arr).all():  # NaN is a blank, inf an error: both cell by cell
            return None
    elif f.dtype == "int" and kinds == {int}:
        try:
            arr = np.array(cells, dtype=np.int64)
        except (OverflowError, ValueError, TypeError):
            return None
    elif f.dtype == "bool" and kinds == {bool}:
        return pd.Series(cells, dtype=bool)
    else:
        return None
    if (f.min is not None and (arr < f.min).any()) or (f.max is not None and (arr > f.max).any()):
        return None
    return pd.Series(arr, dtype=_PANDAS_DTYPE[f.dtype])


def _clean_text(cells: list[str], f: FieldSpec) -> pd.Series | None:
    """:func:`_clean_column` for a text field whose cells are all ``str``: stripped, blanks set
    to the default where the field allows them, choices and UTF-8 checked."""
    values = [v.strip() for v in cells]
    given = set(values)
    if "" in given:
        if not (f.nullable or not f.required):
            return None  # a required value is missing: reported cell by cell
        given.discard("")
        values = [f.default if v == "" else v for v in values]
    if f.choices is not None and not given <= set(f.choices):
        return None
    try:
        "".join(given).encode("utf-8")  # a lone surrogate is not Unicode text
    except UnicodeError:
        return None
    return pd.Series(values, dtype=object)


def coerce_table(
    raw: pd.DataFrame,
    spec: TableSpec,
    file: str,
    row_label: Callable[[int], str],
) -> tuple[pd.DataFrame, list[Problem]]:
    """Type-check and convert a raw table against its schema.

    Parameters
    ----------
    raw : pandas.DataFrame
        Rows as read from the file (any dtypes). Not modified.
    spec : TableSpec
        The table's schema.
    file : str
        File name used in problem messages.
    row_label : callable
        Maps a 0-based row position to a label such as ``"line 3"`` or ``"feature 2"``.

    Returns
    -------
    table : pandas.DataFrame
        Schema columns first, converted, defaults filled; extra columns kept as read.
    problems : list of Problem
        Every problem found (empty when the table is valid). Foreign keys are checked later,
        by :func:`coldstart.city.validate.check_city`, once every table is loaded.
    """
    problems: list[Problem] = []
    out: dict[str, Any] = {}
    n = len(raw)
    for f in spec.fields:
        if f.name not in raw.columns:
            if f.required and n > 0:  # an empty table (GeoJSON with no features) has no columns
                problems.append(Problem(file, "", f.name, missing_column(raw.columns)))
                continue
            default = f.default if f.default is not None else []
            out[f.name] = pd.Series([default] * n if n else [], dtype=_PANDAS_DTYPE[f.dtype])
            continue
        cells = raw[f.name].tolist()
        fast = _clean_column(cells, f)
        if fast is not None:  # every cell well-typed and in bounds: nothing to report
            out[f.name] = fast
            continue
        values = []
        bad = 0
        for i, v in enumerate(cells):
            if _is_blank(v):
                if f.nullable or not f.required:
                    values.append(f.default)
                    continue
                bad += 1
                if bad <= MAX_PROBLEMS_PER_FIELD:
                    problems.append(Problem(file, row_label(i), f.name, "value is empty"))
                values.append(None)
                continue
            try:
                c = _convert(v, f.dtype)
            except (ValueError, TypeError, OverflowError):  # UnicodeError is a ValueError
                bad += 1
                if bad <= MAX_PROBLEMS_PER_FIELD:
                    problems.append(
                        Problem(
                            file, row_label(i), f.name, f"expected {_EXPECTED[f.dtype]}, got {v!r}"
                        )
                    )
                values.append(None)
                continue
            msg = None
            unit = f" {f.unit}" if f.unit else ""
            if f.choices is not None and c not in f.choices:
                msg = f"expected one of {', '.join(f.choices)}, got {c!r}"
            elif f.min is not None and c < f.min:
                msg = f"expected >= {f.min:g}{unit}, got {c!r}"
            elif f.max is not None and c > f.max:
                msg = f"expected <= {f.max:g}{unit}, got {c!r}"
            if msg:
                bad += 1
                if bad <= MAX_PROBLEMS_PER_FIELD:
                    problems.append(Problem(file, row_label(i), f.name, msg))
            values.append(c)
        if bad > MAX_PROBLEMS_PER_FIELD:
            problems.append(
                Problem(file, "", f.name, f"... and {bad - MAX_PROBLEMS_PER_FIELD} more rows")
            )
        if bad == 0:
            out[f.name] = pd.Series(values, dtype=_PANDAS_DTYPE[f.dtype])
        else:
            out[f.name] = pd.Series(values, dtype=object)
    if n < spec.min_rows:
        problems.append(
            Problem(file, "", "", f"has {n} rows; a city needs at least {spec.min_rows}")
        )
    if spec.key in out:  # listed with the field problems, so one round of fixes does it
        keys = out[spec.key]
        dup = keys[keys.notna() & keys.duplicated(keep="first")]
        for i, k in list(dup.items())[:MAX_PROBLEMS_PER_FIELD]:
            problems.append(Problem(file, row_label(int(i)), spec.key, f"duplicate id {k!r}"))
    problems += misspelled_columns(raw.columns, spec, file)
    table = pd.DataFrame(out, index=pd.RangeIndex(n))
    for c in raw.columns:
        if c not in table.columns:
            table[c] = raw[c].to_numpy()
    return table, problems


def misspelled_columns(columns, spec: TableSpec, file: str) -> list[Problem]:
    """Columns not in the schema that look like a schema column the table lacks (``Immobile_share``,
    ``vulnerable_shares``): without this check the real column's default would be used in
    silence. Other extra columns (a user's notes, an importer's ``use``) are kept as read."""
    missing = {f.name.lower(): f for f in spec.fields if f.name not in columns}
    out = []
    for c in columns:
        if c in spec.columns or not isinstance(c, str):
            continue
        close = difflib.get_close_matches(c.lower(), list(missing), n=1, cutoff=0.8)
        if close:
            f = missing[close[0]]
            if f.required:
                then = "it is required"
            else:
                then = f"its default {f.default!r} would be used for every row"
            out.append(Problem(file, "", c, f"unknown column; did you mean {f.name!r}? ({then})"))
    return out
