"""Hostile grid.json files: tagged objects that ``pandapower.from_json`` would import and call.

Each payload is planted in a real grid file (the 80-building sample city written by
``pp.to_json``) at a different place: the top level, a table value, deep inside ``std_types``,
a table cell, a ``geo`` text. :func:`read_pandapower_json` must raise :class:`GridFileError`
naming the refused module and class, and the payload's side effect must not have happened.
"""

from __future__ import annotations

import copy
import json

import pytest

from coldstart.errors import Problem
from coldstart.grid.ppjson import GridFileError, read_pandapower_json


@pytest.fixture(scope="module")
def honest(small_city_dir):
    """The parsed sample city's grid.json (a pandapower net written by ``pp.to_json``)."""
    return json.loads((small_city_dir / "grid.json").read_text())


def _refused(doc, name: str) -> GridFileError:
    """Read ``doc`` and check it is refused with a one-line message naming ``name``."""
    text = doc if isinstance(doc, str) else json.dumps(doc)
    with pytest.raises(GridFileError) as info:
        read_pandapower_json(text, "grid.json")
    err = info.value
    assert name in str(err)
    assert all(isinstance(p, Problem) and p.file == "grid.json" for p in err.problems)
    assert "\n" not in str(err)
    return err


def _with_cell(doc, table: str, row: int, column: str, value):
    """Return a copy of ``doc`` with one cell of ``table`` (inside its JSON text) replaced."""
    doc = copy.deepcopy(doc)
    split = json.loads(doc["_object"][table]["_object"])
    split["data"][row][split["columns"].index(column)] = value
    doc["_object"][table]["_object"] = json.dumps(split)
    return doc


def _touch(path) -> dict:
    return {"_module": "os", "_class": "system", "_object": f"touch {path}"}


def test_honest_file_reads(honest):
    net = read_pandapower_json(json.dumps(honest).encode(), "grid.json")
    assert len(net.bus) > 0 and len(net.line) > 0


def test_control_pandapower_itself_runs_the_payload(honest, capsys):
    """The payload shape is live: pandapower's own reader calls ``builtins.print``."""
    import pandapower as pp

    doc = copy.deepcopy(honest)
    doc["_object"]["note"] = {"_module": "builtins", "_class": "print", "_object": "PWNED"}
    pp.from_json(json.dumps(doc))
    assert "PWNED" in capsys.readouterr().out


def test_top_level_os_system(tmp_path):
    err = _refused(_touch(tmp_path / "pwned"), "os.system")
    assert "top level" in str(err)
    assert not (tmp_path / "pwned").exists()


def test_os_system_as_table_value(honest, tmp_path):
    doc = copy.deepcopy(honest)
    doc["_object"]["bus"] = _touch(tmp_path / "pwned")
    err = _refused(doc, "os.system")
    assert "key 'bus'" in str(err)
    assert "only pandapower net tables are read" in str(err)
    assert not (tmp_path / "pwned").exists()


def test_os_system_deep_in_std_types(honest, tmp_path):
    doc = copy.deepcopy(honest)
    line_type = next(iter(doc["_object"]["std_types"]["line"]))
    doc["_object"]["std_types"]["line"][line_type]["extra"] = {
        "a": [1, {"b": _touch(tmp_path / "p")}]
    }
    err = _refused(doc, "os.system")
    assert "std_types" in str(err) and "['b']" in str(err)
    assert not (tmp_path / "p").exists()


def test_os_system_in_table_cell(honest, tmp_path):
    doc = _with_cell(honest, "bus", 3, "name", _touch(tmp_path / "pwned"))
    err = _refused(doc, "os.system")
    assert "key 'bus', row" in str(err) and "field 'name'" in str(err)
    assert not (tmp_path / "pwned").exists()


def test_payload_nested_in_a_list_cell(honest, tmp_path):
    doc = _with_cell(honest, "bus", 0, "name", [{"x": [_touch(tmp_path / "pwned")]}])
    _refused(doc, "os.system")
    assert not (tmp_path / "pwned").exists()


def test_os_system_inside_geo_text(honest, tmp_path):
    doc = _with_cell(honest, "bus", 2, "geo", json.dumps(_touch(tmp_path / "pwned")))
    err = _refused(doc, "os.system")
    assert "field 'geo'" in str(err)


def test_shutil_rmtree(honest, tmp_path):
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("x")
    doc = copy.deepcopy(honest)
    doc["_object"]["user_pf_options"] = {"x": {"_module": "shutil", "_class": "rmtree",
                                               "_object": str(victim)}}  # fmt: skip
    _refused(doc, "shutil.rmtree")
    assert (victim / "keep.txt").exists()


def test_builtins_print(honest, capsys):
    doc = copy.deepcopy(honest)
    doc["_object"]["name"] = {"_module": "builtins", "_class": "print", "_object": "PWNED"}
    _refused(doc, "builtins.print")
    assert "PWNED" not in capsys.readouterr().out


def test_subprocess_popen(honest, tmp_path):
    doc = copy.deepcopy(honest)
    doc["_object"]["line"] = {"_module": "subprocess", "_class": "Popen",
                              "_object": ["touch", str(tmp_path / "pwned")]}  # fmt: skip
    _refused(doc, "subprocess.Popen")
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize("cls", ["ADict", "get_free_id", "_preserve_dtypes"])
def test_pandapower_auxiliary_non_net_class(honest, cls):
    doc = copy.deepcopy(honest)
    doc["_object"]["extra"] = {"_module": "pandapower.auxiliary", "_class": cls, "_object": {}}
    _refused(doc, f"pandapower.auxiliary.{cls}")


def test_nested_net_and_string_net_refused(honest):
    doc = copy.deepcopy(honest)
    doc["_object"]["sub"] = copy.deepcopy(honest)
    _refused(doc, "pandapower.auxiliary.pandapowerNet")
    # pandapower decodes a net whose _object is text by calling from_json_string on it
    doc = {"_module": "pandapower.auxiliary", "_class": "pandapowerNet", "_object": "{}"}
    _refused(doc, "'_object'")


def test_controller_object_in_cell_refused(honest):
    doc = copy.deepcopy(honest)
    ctrl = {"_module": "pandapower.control.controller.trafo_control",
            "_class": "TrafoController", "_object": "{}"}  # fmt: skip
    split = {"columns": ["object", "in_service"], "index": [0], "data": [[ctrl, True]]}
    doc["_object"]["controller"]["_object"] = json.dumps(split)
    doc["_object"]["controller"]["dtype"] = {"object": "object", "in_service": "bool"}
    _refused(doc, "pandapower.control.controller.trafo_control.TrafoController")


def test_table_in_a_cell_refused(honest):
    table = honest["_object"]["bus"]
    _refused(_with_cell(honest, "bus", 1, "name", table), "pandas.core.frame.DataFrame")


def test_bad_dtype_string(honest):
    doc = copy.deepcopy(honest)
    doc["_object"]["bus"]["dtype"]["vn_kv"] = "os.system"
    err = _refused(doc, "dtype os.system is not accepted")
    assert "field 'vn_kv'" in str(err)


def test_table_text_that_is_a_path(honest, tmp_path):
    """pandapower reads an absolute ``*.json`` path in a table's ``_object`` from disk."""
    other = tmp_path / "other.json"
    other.write_text(honest["_object"]["bus"]["_object"])
    doc = copy.deepcopy(honest)
    doc["_object"]["bus"]["_object"] = str(other)
    _refused(doc, "not valid JSON")


def test_unknown_numpy_class_refused(honest):
    doc = copy.deepcopy(honest)
    doc["_object"]["sn_mva"] = {"_module": "numpy", "_class": "load", "_object": "/etc/passwd"}
    _refused(doc, "numpy.load")


def test_long_names_are_shortened(honest):
    doc = copy.deepcopy(honest)
    doc["_object"]["x"] = {"_module": "m" * 5000, "_class": "c" * 5000, "_object": 1}
    err = _refused(doc, "refused to decode mmm")
    assert len(str(err)) < 250


def test_5000_levels_deep_is_an_input_error():
    text = "[" * 5000 + "]" * 5000
    with pytest.raises(GridFileError, match="nested deeper than 64"):
        read_pandapower_json(text, "grid.json")
    obj = '{"_module": "pandapower.auxiliary", "_class": "pandapowerNet", "_object": {"x": %s}}'
    with pytest.raises(GridFileError, match="nested deeper than 64"):
        read_pandapower_json(obj % ("[" * 5000 + "]" * 5000), "grid.json")


def test_200_levels_inside_the_net_is_refused(honest):
    doc = copy.deepcopy(honest)
    doc["_object"]["user_pf_options"] = json.loads("[" * 200 + "]" * 200)
    _refused(doc, "nested deeper than 64 levels")


@pytest.mark.parametrize(
    "data",
    [b"{not json", b"\xff\xfe\x00garbage", "", "[1, 2]", '{"bus": []}', "NaN"],
    ids=["syntax", "bad-utf", "empty", "list", "untagged", "nan"],
)
def test_malformed_is_an_input_error(data):
    with pytest.raises(GridFileError):
        read_pandapower_json(data, "grid.json")
