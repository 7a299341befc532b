"""Read a pandapower JSON net without executing anything named in the file.

Why this exists: ``pandapower.from_json`` decodes every ``{"_module": M, "_class": C,
"_object": O}`` it meets by importing ``M`` and calling ``getattr(M, C)(O)`` (see
``FromSerializableRegistry.rest`` and ``pp_hook`` in ``pandapower/io_utils.py``), so a grid file
holding ``{"_module": "os", "_class": "system", "_object": "..."}`` runs a shell command. This
module walks the parsed document itself and decodes only the structures ``pandapower.to_json``
writes for a net (``pandapower/io_utils.py``, ``json_pandapowernet`` and ``json_dataframe``, is
the format definition):

* the top level ``pandapower.auxiliary.pandapowerNet`` whose ``_object`` maps names to values;
* ``pandas.core.frame.DataFrame`` tables (``orient="split"`` JSON text plus a ``dtype`` dict)
  as values or inside plain dicts (SimBench keeps ``profiles`` as a dict of tables);
* ``numpy`` scalars (``int64``, ``float64``, ``bool`` ...) written for numpy-typed attributes.

Every other tagged dict, at any depth, inside table text and table cells too, is refused by
name. Tables are rebuilt with ``pd.DataFrame(data, index, columns)`` and an allow-listed dtype
per column, mirroring pandapower's post-processing so the result equals ``pp.from_json``.
"""

from __future__ import annotations

import json
from typing import Any, NoReturn

import numpy as np
import pandapower as pp
import pandas as pd

from coldstart.errors import InputError, Problem

MAX_DEPTH = 64
"""Deepest nesting of JSON containers accepted, counted across table text and cells."""

_NET = ("pandapower.auxiliary", "pandapowerNet")
_FRAME = ("pandas.core.frame", "DataFrame")
_FRAME_KEYS = frozenset(
    {"_module", "_class", "_object", "orient", "dtype", "is_multiindex", "is_multicolumn"}
    | {"index_name", "column_name"}
)
_NUMPY_INTS: dict[str, type] = {
    "int8": np.int8, "int16": np.int16, "int32": np.int32, "int64": np.int64,
    "uint8": np.uint8, "uint16": np.uint16, "uint32": np.uint32, "uint64": np.uint64,
}  # fmt: skip
_NUMPY_FLOATS: dict[str, type] = {
    "float16": np.float16,
    "float32": np.float32,
    "float64": np.float64,
}
_DTYPES = frozenset(
    {"object", "bool", "boolean", "category", "string", "str"}
    | {f"{p}int{b}" for p in ("", "u") for b in (8, 16, 32, 64)}
    | {f"{p}Int{b}" for p in ("", "U") for b in (8, 16, 32, 64)}
    | {"float16", "float32", "float64", "Float32", "Float64"}
)
_REFUSED = "(only pandapower net tables are read)"


class GridFileError(InputError):
    """A grid file that is not a pandapower net or holds something other than net tables."""


def _short(value: Any, limit: int = 80) -> str:
    """Return ``value`` (``str`` as is, anything else as ``repr``) cut to ``limit`` chars."""
    text = value if isinstance(value, str) else repr(value)
    text = text.replace("\n", " ").replace("\r", " ")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _child(where: str, key: Any) -> str:
    """Return the location of ``key`` inside ``where``, the middle elided when long."""
    step = f"[{key}]" if isinstance(key, int) else f"['{_short(key, 40)}']"
    text = where + step
    return text if len(text) <= 160 else text[:60] + " ... " + text[-95:]


class _Reader:
    """Walks one parsed grid document; every method raises :class:`GridFileError` on a problem."""

    def __init__(self, file: str):
        self.file = file

    def fail(self, where: str, message: str, field: str = "") -> NoReturn:
        """Raise a :class:`GridFileError` for this file at ``where`` (and column ``field``)."""
        raise GridFileError(Problem(self.file, where, field, message))

    def loads(self, text: str | bytes, where: str) -> Any:
        """Parse JSON text, turning every parser failure into a :class:`GridFileError`."""
        try:
            return json.loads(text)
        except RecursionError:
            self.fail(where, f"JSON nested deeper than {MAX_DEPTH} levels")
        except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError is a ValueError
            self.fail(where, f"not valid JSON: {_short(str(exc))}")

    def refuse(self, obj: dict, where: str, field: str = "") -> NoReturn:
        """Refuse a tagged dict, naming its module and class (shortened)."""
        parts = [obj.get(k, "?") for k in ("_module", "_class")]
        name = _short(".".join(p if isinstance(p, str) else repr(p) for p in parts))
        self.fail(where, f"refused to decode {name} {_REFUSED}", field)

    def plain(self, obj: Any, where: str, depth: int, field: str = "") -> Any:
        """Check that ``obj`` is plain JSON (no tagged dict at any depth) and return it."""
        if depth > MAX_DEPTH:
            self.fail(where, f"JSON nested deeper than {MAX_DEPTH} levels", field)
        if isinstance(obj, dict):
            if "_module" in obj or "_class" in obj:
                self.refuse(obj, where, field)
            for key, val in obj.items():
                self.plain(val, _child(where, key), depth + 1, field)
        elif isinstance(obj, list):
            for i, val in enumerate(obj):
                self.plain(val, _child(where, i), depth + 1, field)
        return obj

    def value(self, obj: Any, where: str, depth: int) -> Any:
        """Decode a net attribute: plain JSON, with tables and numpy scalars allowed in it."""
        if depth > MAX_DEPTH:
            self.fail(where, f"JSON nested deeper than {MAX_DEPTH} levels")
        if isinstance(obj, dict):
            if "_module" in obj or "_class" in obj:
                return self.tagged(obj, where, depth)
            return {key: self.value(val, _child(where, key), depth + 1) for key, val in obj.items()}
        if isinstance(obj, list):
            return [self.value(val, _child(where, i), depth + 1) for i, val in enumerate(obj)]
        return obj

    def tagged(self, obj: dict, where: str, depth: int) -> Any:
        """Decode a whitelisted tagged dict; refuse any other by module and class name."""
        pair = (obj.get("_module"), obj.get("_class"))
        if pair == _FRAME:
            return self.frame(obj, where, depth)
        cls = pair[1] if pair[0] == "numpy" else None
        if cls in _NUMPY_INTS or cls in _NUMPY_FLOATS or cls in ("bool", "bool_"):
            return self.numpy_scalar(obj, str(cls), where)
        self.refuse(obj, where)

    def numpy_scalar(self, obj: dict, cls: str, where: str) -> Any:
        """Decode a numpy scalar as pandapower's ``json_npint``/``json_npfloat`` write it."""
        raw = obj.get("_object")
        try:
            if set(obj) != {"_module", "_class", "_object"}:
                pass
            elif cls in _NUMPY_INTS and type(raw) is int:
                return _NUMPY_INTS[cls](raw)
            elif cls in _NUMPY_FLOATS and type(raw) in (int, float, str):
                return _NUMPY_FLOATS[cls](raw)  # NaN is written as the text "nan"
            elif cls in ("bool", "bool_") and raw in ("true", "false"):
                return np.bool_(raw == "true")
        except (ValueError, OverflowError):
            pass
        self.fail(where, f"numpy.{cls} value {_short(raw)} is not accepted")

    def frame(self, obj: dict, where: str, depth: int) -> pd.DataFrame:
        """Rebuild one ``DataFrame`` written by pandapower's ``json_dataframe``."""
        extra = sorted(str(k) for k in set(obj) - _FRAME_KEYS)
        if extra:
            self.fail(where, f"unexpected table keys {_short(extra)}")
        if obj.get("is_multiindex") or obj.get("is_multicolumn") or obj.get("orient") != "split":
            self.fail(where, "multi-index tables are not read (expected orient 'split')")
        if not isinstance(obj.get("_object"), str):
            self.fail(where, "table '_object' must be JSON text")
        doc = self.loads(obj["_object"], where)
        if not isinstance(doc, dict) or set(doc) != {"columns", "index", "data"}:
            self.fail(where, "table text must hold exactly 'columns', 'index' and 'data'")
        columns, index, data = doc["columns"], doc["index"], doc["data"]
        dtypes = self.frame_dtypes(obj, columns, where)
        if not isinstance(index, list) or not all(type(i) in (int, str) for i in index):
            self.fail(where, "table index must be a list of integers or strings")
        if not isinstance(data, list) or not all(type(row) is list for row in data):
            self.fail(where, "table data must be a list of rows (lists)")
        try:
            df = pd.DataFrame(data, index=index, columns=columns)
        except (ValueError, TypeError) as exc:
            self.fail(where, f"table does not fit its columns and index: {_short(str(exc))}")
        self.check_cells(df, where, depth + 4)  # text > table > rows > row > cell
        if len(columns):  # pandas.read_json casts each column to its dtype and rebuilds the frame
            cast = {}
            for i, col in enumerate(columns):
                try:
                    cast[i] = df.iloc[:, i].astype(dtypes[col])
                except (ValueError, TypeError, OverflowError):
                    self.fail(where, f"values do not fit dtype {dtypes[col]}", col)
            df_cast = pd.DataFrame(cast, index=df.index)
            df_cast.columns = df.columns
            df = df_cast
        return self.finish_frame(df, obj, where)

    def frame_dtypes(self, obj: dict, columns: Any, where: str) -> dict[str, str]:
        """Return the table's dtype dict after checking it against the columns and allow-list."""
        if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
            self.fail(where, "table columns must be a list of strings")
        if len(set(columns)) != len(columns):
            self.fail(where, "table has duplicate column names")
        dtypes = obj.get("dtype", {} if not columns else None)
        if not isinstance(dtypes, dict) or set(dtypes) != set(columns):
            self.fail(where, "table 'dtype' must name the dtype of every column")
        for col, name in dtypes.items():
            if name not in _DTYPES:
                self.fail(where, f"dtype {_short(name)} is not accepted", col)
        return dtypes

    def check_cells(self, df: pd.DataFrame, where: str, depth: int) -> None:
        """Refuse tagged dicts in cells; check that every ``geo`` cell is GeoJSON text."""
        for col in df.columns:
            values = df[col]
            if values.dtype != object:
                continue  # numbers and bools: no container can hide there
            geo = col == "geo"
            for pos, cell in enumerate(values.tolist()):  # an object column: the cells as read
                if geo:
                    if cell is None:
                        continue
                    if type(cell) is str:
                        parsed = _try_loads(cell)
                        if parsed is not _UNREADABLE and _is_plain(parsed, depth):
                            continue  # the common case, checked without naming every place
                elif not isinstance(cell, (dict, list)) or _is_plain(cell, depth):
                    continue
                label = df.index[pos : pos + 1].tolist()[0]  # as iterating the index gives it
                at = f"{where}, row {_short(label, 40)}"  # a problem: worded below
                if isinstance(cell, (dict, list)):
                    if geo:
                        self.fail(at, "geo must be GeoJSON text", col)
                    self.plain(cell, at, depth, col)
                elif geo and cell is not None:
                    if not isinstance(cell, str):
                        self.fail(at, f"geo must be GeoJSON text, not {_short(cell)}", col)
                    self.plain(self.loads(cell, at), at, depth, col)

    def finish_frame(self, df: pd.DataFrame, obj: dict, where: str) -> pd.DataFrame:
        """Apply pandapower's post-processing (``FromSerializableRegistry.DataFrame``)."""
        if not df.shape[0]:
            df.set_index(df.index.astype(np.int64), inplace=True)
        for key, axis in (("index_name", df.index), ("column_name", df.columns)):
            name = obj.get(key)
            if name is not None:
                if not isinstance(name, (str, int)):
                    self.fail(where, f"table '{key}' must be a string")
                axis.name = name
        if "geo" in df.columns:  # pandapower round-trips geo text through json; text is kept
            df["geo"] = df["geo"].dropna()
        for col in df.select_dtypes(include=["object"]):
            # the same three steps as pandapower, so values (e.g. ints beside None) match
            df[col] = df[col].apply(_same)
            df[col] = df[col].astype(dtype="object")
            df.loc[pd.isnull(df[col]), col] = None
        return df

    def net(self, doc: Any) -> pp.pandapowerNet:
        """Build the net from the parsed top-level document."""
        if not isinstance(doc, dict) or (doc.get("_module"), doc.get("_class")) != _NET:
            if isinstance(doc, dict) and ("_module" in doc or "_class" in doc):
                self.refuse(doc, "top level")
            self.fail(
                "top level", "not a pandapower net (expected pandapower.auxiliary.pandapowerNet)"
            )
        if set(doc) != {"_module", "_class", "_object"} or not isinstance(doc["_object"], dict):
            self.fail("top level", "the net must be one JSON object under '_object'")
        net = pp.create_empty_network()
        for key, val in doc["_object"].items():
            where = f"key '{_short(key, 40)}'"
            if key.startswith("_"):
                self.fail(where, "names starting with '_' are pandapower internals, not net data")
            if hasattr(pp.pandapowerNet, key):  # e.g. 'keys', 'copy': would shadow a method
                self.fail(where, "this name belongs to the net object itself, not to net data")
            decoded = self.value(val, where, 2)
            if isinstance(net.get(key), pd.DataFrame) and not isinstance(decoded, pd.DataFrame):
                self.fail(where, "expected a table")
            net[key] = decoded
        try:  # trusted pandapower code, as run by pp.from_json; brings old formats up to date
            pp.convert_format(net)
        except Exception as exc:  # any failure here means a broken or hostile old file
            self.fail("top level", f"cannot convert to the current net format: {_short(str(exc))}")
        return net


_UNREADABLE = object()
"""What :func:`_try_loads` returns for text that is not JSON."""


def _try_loads(text: str) -> Any:
    """Parsed JSON text, or :data:`_UNREADABLE` (:meth:`_Reader.loads` then words why)."""
    try:
        return json.loads(text)
    except (RecursionError, ValueError, UnicodeDecodeError):
        return _UNREADABLE


def _is_plain(obj: Any, depth: int) -> bool:
    """Whether :meth:`_Reader.plain` would accept ``obj`` at ``depth``: no tagged dict at any
    depth and nothing nested past :data:`MAX_DEPTH`. Checked level by level without building
    the location names, which are only needed to word a problem."""
    level = [obj]
    while level:
        if depth > MAX_DEPTH:  # like plain(), refused even for a number this deep
            return False
        below: list = []
        for node in level:
            if isinstance(node, dict):
                if "_module" in node or "_class" in node:
                    return False
                below += node.values()
            elif isinstance(node, list):
                below += node
        level = below
        depth += 1
    return True


def _same(value: Any) -> Any:
    """Return ``value``: stands in for pandapower's per-cell ``pp_hook`` (cells are checked)."""
    return value


def read_pandapower_json(data: bytes | str, file: str) -> pp.pandapowerNet:
    """Decode a pandapower JSON net without importing or calling anything named in it.

    Parameters
    ----------
    data : bytes or str
        The whole file content, as written by ``pandapower.to_json``.
    file : str
        The file's path, used in error messages.

    Returns
    -------
    pandapower.pandapowerNet
        The net, equal to what ``pandapower.from_json`` returns for the same honest file.

    Raises
    ------
    GridFileError
        When the text is not JSON, is nested deeper than :data:`MAX_DEPTH`, is not a pandapower
        net, or holds any tagged object other than net tables and numpy scalars (the message
        names the refused module and class and where it was found).
    """
    reader = _Reader(file)
    return reader.net(reader.loads(data, "top level"))
