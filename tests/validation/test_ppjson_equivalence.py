"""Our safe grid reader against pandapower's own: same net from the same honest file.

Reference: ``pandapower.from_json`` (pandapower 3.3.3) on files written by ``pandapower.to_json``
for the sample city's grid, ``mv_oberrhein``, ``case1354pegase``, ``example_multivoltage`` and
SimBench ``1-MVLV-urban-5.303-0-sw`` (with its ``profiles`` dict of tables). Every key of the
net must match: tables by ``pandas.testing.assert_frame_equal`` with exact values, dtypes, index
and column types, plus the Python type of every object cell; dicts and scalars by type and
value. Tolerance: none.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandapower as pp
import pandapower.networks as pn
import pandas as pd
import pytest

from coldstart.grid.ppjson import read_pandapower_json


def _simbench():
    import simbench

    return simbench.get_simbench_net("1-MVLV-urban-5.303-0-sw")


def _with_numpy_scalars():
    net = pn.example_multivoltage()
    net.sn_mva = np.float64(2.5)
    net.f_hz = np.int64(50)
    net.std_types["line"]["NAYY 4x50 SE"]["max_i_ka"] = np.float32(0.25)
    return net


NETS = {
    "oberrhein": pn.mv_oberrhein,
    "pegase1354": pn.case1354pegase,
    "multivoltage": pn.example_multivoltage,
    "simbench": _simbench,
    "numpy-scalars": _with_numpy_scalars,
}


def _assert_same(a, b, where: str) -> None:
    assert type(a) is type(b), where
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(
            a, b, check_exact=True, check_index_type=True, check_column_type=True, obj=where
        )
        for col in a.select_dtypes(include="object").columns:
            assert [type(v) for v in a[col]] == [type(v) for v in b[col]], f"{where}.{col}"
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        for key in a:
            _assert_same(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b), where
    else:
        assert a == b, where


def _check_file(path) -> pp.pandapowerNet:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = pp.from_json(str(path))
    ours = read_pandapower_json(path.read_bytes(), str(path))
    assert isinstance(ours, pp.pandapowerNet)
    assert list(ours) == list(ref)
    for key in ref:
        _assert_same(ref[key], ours[key], key)
    for attr in ("name", "f_hz", "sn_mva", "version", "format_version", "std_types"):
        _assert_same(ref[attr], ours[attr], attr)
    return ours


def test_sample_city_grid(small_city, tmp_path):
    path = tmp_path / "grid.json"
    pp.to_json(small_city.net, str(path))
    _check_file(path)


@pytest.mark.parametrize("name", list(NETS))
def test_pandapower_nets(name, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = NETS[name]()
    path = tmp_path / f"{name}.json"
    pp.to_json(net, str(path))
    ours = _check_file(path)
    if name == "simbench":  # profiles are tables inside a plain dict
        assert isinstance(ours.profiles["load"], pd.DataFrame) and len(ours.profiles["load"])
