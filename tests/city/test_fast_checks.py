"""The whole-column checks used when loading big cities give what the cell-by-cell checks give.

Loading a city checks every cell of every table (:func:`coldstart.city.schema.coerce_table`),
every foreign key (:func:`coldstart.city.validate.check_references`), the nesting depth of every
GeoJSON file (:func:`coldstart.safeio.nesting_depth`) and every cell of the grid file
(``coldstart.grid.ppjson``). Each has a fast path for clean input; these tests hold every fast
path to the slow one on random mixes of clean and dirty values.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from coldstart.city import io as cio
from coldstart.city import schema
from coldstart.city.schema import coerce_table, table_specs
from coldstart.city.synth import synth_city
from coldstart.errors import InputError
from coldstart.grid import ppjson
from coldstart.safeio import nesting_depth

DIRTY = [None, "", "  ", float("nan"), float("inf"), -1, 10**30, 2**63, True, "x", "1e3", " 7 ",
         "\ud800", [1], {"a": 1}, 1.5, 0, "district", "b_000001 ", 2.0, 10**400]  # fmt: skip


def _clean_value(dtype: str, f: schema.FieldSpec, rng: np.random.Generator) -> object:
    """A value the field accepts, of the type a GeoJSON or Parquet reader gives."""
    if f.choices is not None:
        return str(rng.choice(list(f.choices)))
    lo = f.min if f.min is not None else -1000.0
    hi = f.max if f.max is not None else 1000.0
    if dtype == "float":
        return float(rng.uniform(lo, hi)) if rng.uniform() < 0.8 else int(rng.integers(lo, hi))
    if dtype == "int":
        return int(rng.integers(lo, hi))
    if dtype == "bool":
        return bool(rng.uniform() < 0.5)
    return f"id_{int(rng.integers(0, 50))}"


def _raw_table(spec: schema.TableSpec, rng: np.random.Generator, n: int, p_dirty: float):
    cols = {}
    for f in spec.fields:
        if rng.uniform() < 0.1 and f.default is not None:
            continue  # a column left out: the default fills it
        col_dirty = rng.uniform() < 0.5
        values = []
        for _ in range(n):
            if col_dirty and rng.uniform() < p_dirty:
                values.append(DIRTY[int(rng.integers(0, len(DIRTY)))])
            else:
                values.append(_clean_value(f.dtype, f, rng))
        cols[f.name] = pd.Series(values, dtype=object)
    cols["extra"] = pd.Series(np.arange(n))
    return pd.DataFrame(cols)


def _inferred(raw: pd.DataFrame) -> pd.DataFrame:
    """``raw`` with each column's dtype inferred where pandas can (numbers beyond any float
    stay objects)."""
    cols = {}
    for c in raw.columns:
        try:
            cols[c] = raw[c].infer_objects()
        except OverflowError:
            cols[c] = raw[c]
    return pd.DataFrame(cols)


def _slow(monkeypatch: pytest.MonkeyPatch, raw: pd.DataFrame, spec: schema.TableSpec):
    with monkeypatch.context() as m:
        m.setattr(schema, "_clean_column", lambda cells, f: None)
        return coerce_table(raw, spec, "t.geojson", lambda i: f"feature {i + 1}")


@pytest.mark.parametrize("seed", range(6))
def test_coerce_table_fast_path_equals_cell_by_cell(monkeypatch, seed):
    rng = np.random.default_rng(seed)
    for spec in table_specs().values():
        for p_dirty in (0.0, 0.02, 0.5):
            raw = _raw_table(spec, rng, 40, p_dirty)
            # columns of Python objects, as json gives them, and typed as pandas infers them
            for frame in (raw, _inferred(raw)):
                before = frame.copy()
                fast, fast_problems = coerce_table(
                    frame, spec, "t.geojson", lambda i: f"feature {i + 1}"
                )
                slow, slow_problems = _slow(monkeypatch, frame, spec)
                assert_frame_equal(fast, slow, check_exact=True)
                assert [tuple(p) for p in map(vars, fast_problems)] == [
                    tuple(p) for p in map(vars, slow_problems)
                ]
                assert_frame_equal(frame, before)  # the raw table is not modified


def test_coerce_table_fast_path_taken_on_clean_columns():
    spec = table_specs()["heat_pipes"]
    cells = [1.5, 2, 3.25]
    assert schema._clean_column(cells, spec.field("length_m")).tolist() == [1.5, 2.0, 3.25]
    assert schema._clean_column([1.5, float("nan")], spec.field("length_m")) is None
    assert schema._clean_column([0.01], spec.field("length_m")) is None  # below min: reported
    node = table_specs()["buildings"].field("heat_node_id")
    assert schema._clean_column([" n_1 ", ""], node).tolist() == ["n_1", ""]


def _reference_depth(doc: object) -> int:
    if isinstance(doc, dict):
        return 1 + max((_reference_depth(v) for v in doc.values()), default=0)
    if isinstance(doc, list | tuple):
        return 1 + max((_reference_depth(v) for v in doc), default=0)
    return 0


def _random_doc(rng: np.random.Generator, depth: int = 0) -> object:
    r = rng.uniform()
    if depth > 9 or r < 0.3:
        return [1, "x", None, 2.5][int(rng.integers(0, 4))]
    k = int(rng.integers(0, 4))
    if r < 0.6:
        return [_random_doc(rng, depth + 1) for _ in range(k)]
    if r < 0.7:
        return tuple(_random_doc(rng, depth + 1) for _ in range(k))
    if r < 0.75:  # subclasses count like their bases
        return OrderedDict((str(i), _random_doc(rng, depth + 1)) for i in range(k))
    if r < 0.8:
        return _List(_random_doc(rng, depth + 1) for _ in range(k))
    return {str(i): _random_doc(rng, depth + 1) for i in range(k)}


class _List(list):
    """A list subclass (nesting_depth counts it as a list)."""


def test_nesting_depth_matches_recursive_definition():
    rng = np.random.default_rng(3)
    for _ in range(500):
        doc = _random_doc(rng)
        depth = _reference_depth(doc)
        for limit in (0, 1, 2, 4, 64):
            assert nesting_depth(doc, limit) == min(depth, limit + 1)


def _plain_accepts(obj: object, depth: int) -> bool:
    try:
        ppjson._Reader("g.json").plain(obj, "here", depth)
    except InputError:
        return False
    return True


def test_is_plain_agrees_with_plain():
    rng = np.random.default_rng(4)
    docs = [_random_doc(rng) for _ in range(300)]
    docs += [
        {"_module": "os"},
        [{"a": [{"_class": "x"}]}],
        {"type": "Point", "coordinates": [1, 2]},
    ]
    for doc in docs:
        for depth in (0, 55, 60, 63, 64, 65):
            assert ppjson._is_plain(doc, depth) == _plain_accepts(doc, depth)


def test_geojson_text_fast_path_writes_the_same_bytes():
    city = synth_city(60, seed=2)
    nodes = city.heat_nodes.set_index("node_id")
    for name, table in city.tables.items():
        lines = None
        if name == "heat_pipes":
            fr = nodes.loc[table["from_node"], ["lon", "lat"]].to_numpy()
            to = nodes.loc[table["to_node"], ["lon", "lat"]].to_numpy()
            lines = [[tuple(a), tuple(b)] for a, b in zip(fr, to, strict=True)]
        fast = cio._geojson_text_fast(table, lines)
        assert fast is not None
        assert fast == cio.geojson_text(table, lines)
    odd = pd.DataFrame(
        {
            "lon": [30.5, 30.25, 1e-7],
            "lat": [50.0, -0.0, 50.125],
            "id": ['a"b\\', "é%s", "x\u2028"],
            "n": pd.Series([1, None, 3], dtype="Int64"),
        }
    )
    assert cio._geojson_text_fast(odd, None) is None  # a pandas NA column: the general path
    plain = odd.drop(columns="n")
    assert cio._geojson_text_fast(plain, None) == cio.geojson_text(plain, None)
    with_nan = plain.assign(v=[1.0, float("nan"), 2.0])
    assert cio._geojson_text_fast(with_nan, None) is None
    assert '"v": NaN' in cio.geojson_text(with_nan, None)
