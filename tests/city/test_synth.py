"""Tests of the synthetic city generator (coldstart.city.synth)."""

from __future__ import annotations

import copy
import time
from functools import cache

import numpy as np
import pandapower as pp
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from coldstart.city import TABLES, load_city, save_city, table_specs
from coldstart.city.model import City
from coldstart.city.schema import coerce_table
from coldstart.city.synth import (
    ARCHETYPES,
    QUEUES,
    lonlat_to_xy_m,
    synth_city,
    xy_m_to_lonlat,
)
from coldstart.city.synth_heat import DN_MM, pipe_dn_mm
from coldstart.city.validate import check_references
from coldstart.errors import CityError
from coldstart.heat.hydraulics import resistances


@cache
def small() -> City:
    return synth_city(200, seed=0)


@cache
def default() -> City:
    return synth_city()


def _district_demand(city: City) -> float:
    b = city.buildings
    return float(b.loc[b["heat_supply"] == "district", "heat_demand_mw_th"].sum())


def _net_tables(net: pp.pandapowerNet) -> dict[str, pd.DataFrame]:
    return {k: v for k, v in net.items() if isinstance(v, pd.DataFrame)}


def test_same_seed_same_city():
    a, b = small(), synth_city(200, seed=0)
    assert a.name == b.name
    for t in TABLES:
        assert_frame_equal(a.tables[t], b.tables[t])
    ta, tb = _net_tables(a.net), _net_tables(b.net)
    assert ta.keys() == tb.keys()
    for k in ta:
        assert_frame_equal(ta[k], tb[k], obj=f"net.{k}")


def test_different_seed_different_city():
    a, b = small(), synth_city(200, seed=1)
    assert not a.buildings[["lon", "lat"]].equals(b.buildings[["lon", "lat"]])
    assert not a.buildings["residents"].equals(b.buildings["residents"])


def test_tables_match_schema_exactly():
    city = small()
    specs = table_specs()
    for t in TABLES:
        table = city.tables[t]
        assert list(table.columns) == specs[t].columns, t
        coerced, problems = coerce_table(table, specs[t], t, lambda i: f"row {i}")
        assert problems == [], (t, problems[:3])
        for f in specs[t].fields:
            assert table[f.name].dtype == coerced[f.name].dtype, (t, f.name)
    names = {t: t for t in TABLES}
    labels = {t: (lambda i: f"row {i}") for t in TABLES}
    assert check_references(city.tables, city.net, names, labels) == []


def test_save_load_round_trip(tmp_path):
    city = small()
    loaded = load_city(save_city(city, tmp_path / "city"))
    assert loaded.name == city.name
    for t in TABLES:
        assert_frame_equal(loaded.tables[t], city.tables[t], check_exact=False, rtol=1e-12)
    assert len(loaded.net.bus) == len(city.net.bus)
    assert len(loaded.net.load) == len(city.net.load)


def test_default_city_headline_numbers():
    t0 = time.perf_counter()
    city = default()
    assert time.perf_counter() - t0 < 15.0
    b = city.buildings
    assert len(b) == 2000
    # ~125 residents per building, ~250,000 for 2,000 buildings
    assert 0.85 * 125 <= b["residents"].mean() <= 1.15 * 125
    assert 212_500 <= b["residents"].sum() <= 287_500
    shares = b["archetype"].value_counts(normalize=True)
    assert set(shares.index) == set(ARCHETYPES)
    for name, arch in ARCHETYPES.items():
        assert shares[name] == pytest.approx(arch.share, abs=0.01)
    assert b["vulnerable_share"].between(0.2, 0.35).all()
    assert b["immobile_share"].between(0.03, 0.08).all()
    apartments = b[b["archetype"] != "house_private"]
    assert (apartments["heat_supply"] == "district").mean() == pytest.approx(0.9, abs=0.04)
    houses = b[b["archetype"] == "house_private"]
    assert (houses["heat_supply"] == "individual_gas").mean() > 0.7
    assert (houses["residents"] <= 5).all()
    # centre to edge: brick blocks nearer the centre than panels, houses at the edge
    x, y = lonlat_to_xy_m(b["lon"], b["lat"])
    r = pd.Series(np.hypot(x, y)).groupby(b["archetype"].to_numpy()).median()
    assert r["brick_soviet"] < r["panel_9"] < r["house_private"]
    assert 4000 < np.hypot(x, y).max() < 5000
    f = city.facilities["kind"].value_counts()
    assert dict(f) == {
        "warming_point": 50,
        "school": 40,
        "metro_station": 8,
        "hospital": 5,
        "water_pumping": 3,
    }
    a = city.assets["kind"].value_counts()
    assert a["chp_plant"] == 2
    assert a["hv_substation"] == 7
    assert a["boiler_house"] == 9
    assert a["transformer_station"] == (city.net.trafo["vn_lv_kv"] == 0.4).sum()
    assert 1 <= a["pumping_station"] <= 6
    assert set(b["outage_queue"]) == set(QUEUES)


def test_heat_capacity_and_sizes():
    city = default()
    src = city.heat_sources
    demand = _district_demand(city)
    assert src["capacity_mw_th"].sum() > 1.15 * demand
    assert src["capacity_mw_th"].sum() < 1.35 * demand
    bh = src[src["kind"] == "boiler_house"]
    assert bh["capacity_mw_th"].between(15.0, 60.0).all()
    chp = src[src["kind"] == "chp"].set_index("source_id")
    peak = city.buildings["p_mw"].sum() + city.facilities["p_mw"].sum()
    gens = city.net.gen.set_index("name")
    cap_e = gens.loc[["chp_1", "chp_2"], "max_p_mw"]
    assert 0.6 * peak <= cap_e.sum() <= 0.7 * peak
    assert cap_e["chp_1"] > cap_e["chp_2"]
    assert (chp["capacity_mw_th"] / cap_e).to_numpy() == pytest.approx(2.5, rel=0.01)
    assert gens.loc["chp_1"].name == "chp_1"
    assert list(city.net.gen.loc[chp["gen_id"], "name"]) == ["chp_1", "chp_2"]
    assert city.net.gen["p_mw"].to_numpy() == pytest.approx(0.8 * city.net.gen["max_p_mw"])
    assert (bh["backup_power_kw"] > 0).sum() >= 1
    with_gen = bh[bh["backup_power_kw"] > 0]
    assert (with_gen["backup_power_kw"] >= 1000 * with_gen["aux_p_mw"]).all()


def test_every_district_consumer_reaches_a_source_within_capacity():
    for city in (small(), default()):
        nodes = city.heat_nodes["node_id"]
        idx = pd.Series(np.arange(len(nodes)), index=nodes)
        p = city.heat_pipes
        assert (p["length_m"] >= 1.0).all()
        assert set(p["dn_mm"]) <= {float(d) for d in DN_MM}
        i, j = idx[p["from_node"]].to_numpy(), idx[p["to_node"]].to_numpy()
        g = coo_matrix((np.ones(len(i)), (i, j)), shape=(len(nodes), len(nodes)))
        _, label = connected_components(g, directed=False)
        label = pd.Series(label, index=nodes)
        src = city.heat_sources
        src_label = label[src["node_id"]].to_numpy()
        for table in (city.buildings, city.facilities):
            district = table[table["heat_supply"] == "district"]
            assert (district["heat_node_id"] != "").all()
            assert np.isin(label[district["heat_node_id"]].to_numpy(), src_label).all()
            assert (table.loc[table["heat_supply"] != "district", "heat_node_id"] == "").all()
        # each network (a connected part) has more capacity than its buildings' demand
        b = city.buildings[city.buildings["heat_supply"] == "district"]
        need = b.groupby(label[b["heat_node_id"]].to_numpy())["heat_demand_mw_th"].sum()
        cap = src.groupby(src_label)["capacity_mw_th"].sum()
        assert (need <= cap[need.index]).all()
        # trees: each node is fed by at most one pipe (the link pipe aside)
        assert p["to_node"].iloc[: len(city.heat_nodes) - len(src)].is_unique


def _specific_loss_pa_m(q_mw_th: float, dn_mm: float) -> float:
    # Darcy-Weisbach with pandapipes' friction law at the design flow (40 K), k = 0.5 mm
    m = q_mw_th * 1e6 / (4190.0 * 40.0)
    a, b = resistances(
        np.ones(1), np.array([dn_mm / 1000]), np.array([0.5]), np.zeros(1), np.array([977.8]),
        np.array([4.04e-4]),
    )  # fmt: skip
    return float(a[0] * m + b[0] * m * m)


def test_pipe_sizing():
    # the smallest standard DN within the specific loss: 80 Pa/m mains, 300 Pa/m branches
    for q in (0.2, 3.0, 50.0, 400.0):
        for r_max in (80.0, 300.0):
            dn = float(pipe_dn_mm(np.array([q]), r_max)[0])
            assert _specific_loss_pa_m(q, dn) <= r_max
            smaller = [d for d in DN_MM if d < dn]
            if smaller:  # the next smaller one exceeds the loss or 3.5 m/s
                d = smaller[-1] / 1000
                v = q * 1e6 / (4190.0 * 40.0) / (977.8 * np.pi * d * d / 4)
                assert _specific_loss_pa_m(q, smaller[-1]) > r_max or v > 3.5
    assert pipe_dn_mm(np.array([1e5])).tolist() == [1200.0]
    city = default()
    ps = city.pumping_stations
    assert ps["pipe_id"].isin(city.heat_pipes["pipe_id"]).all()
    assert ps["p_mw"].between(0.2, 1.0).all()
    mains = city.assets[city.assets["kind"] == "heat_main"]["ref_id"]
    dn = city.heat_pipes.set_index("pipe_id")["dn_mm"]
    assert set(mains) == set(dn[dn >= 400].index)


def test_grid_structure():
    city = small()
    net = city.net
    assert len(net.ext_grid) == 1
    assert set(net.bus["vn_kv"]) == {110.0, 10.0, 0.4}
    for t in ("bus", "line", "trafo", "load", "gen", "ext_grid"):
        assert net[t]["name"].notna().all() and (net[t]["name"] != "").all(), t
    assert net.bus["geo"].notna().all()
    loads = net.load.set_index("name")
    b = city.buildings.set_index("building_id")
    assert (loads.loc[b.index, "bus"] == b["bus"]).all()
    assert (loads.loc[b.index, "p_mw"] == b["p_mw"]).all()
    assert (net.bus.loc[b["bus"], "vn_kv"] == 0.4).all()
    for t, key in (
        ("facilities", "facility_id"),
        ("pumping_stations", "pump_id"),
        ("heat_sources", "source_id"),
    ):
        assert city.tables[t][key].isin(loads.index).all(), t
    # all buildings on one MV/LV station (hence one feeder) share an outage queue
    assert (city.buildings.groupby("bus")["outage_queue"].nunique() == 1).all()
    subs = city.assets[city.assets["kind"] == "hv_substation"]["ref_id"].astype(int)
    assert (net.bus.loc[subs, "vn_kv"] == 10.0).all()
    ts = city.assets[city.assets["kind"] == "transformer_station"]["ref_id"].astype(int)
    assert (net.trafo.loc[ts, "vn_lv_kv"] == 0.4).all()
    lines = city.assets[city.assets["kind"] == "power_line"]["ref_id"].astype(int)
    assert (net.bus.loc[net.line.loc[lines, "from_bus"], "vn_kv"] == 110.0).all()


def test_grid_solves_ac_intact():
    city = default()
    net = copy.deepcopy(city.net)  # runpp writes results; leave the cached city's net untouched
    pp.runpp(net)
    assert net.converged
    assert net.res_bus["vm_pu"].between(0.95, 1.06).all()
    assert net.res_line["loading_percent"].max() <= 100.0
    assert net.res_trafo["loading_percent"].max() <= 100.0


def test_small_city_and_bad_sizes():
    city = synth_city(10, seed=3)
    assert len(city.buildings) == 10
    assert len(city.heat_sources) == 5
    assert len(city.pumping_stations) >= 1
    for bad in (0, 9, 2.5, True, "200"):
        with pytest.raises(CityError):
            synth_city(bad)


def test_projection_round_trip():
    lon, lat = np.array([30.52, 30.60, 30.41]), np.array([50.45, 50.40, 50.51])
    x, y = lonlat_to_xy_m(lon, lat)
    assert x[0] == 0.0 and y[0] == 0.0
    # 0.1 deg of latitude is ~11.1 km; 0.08 deg of longitude at 50.45 N is ~5.67 km
    assert y[1] == pytest.approx(-5560, rel=0.01)
    assert x[1] == pytest.approx(5670, rel=0.01)
    lon2, lat2 = xy_m_to_lonlat(x, y)
    assert lon2 == pytest.approx(lon, abs=1e-12)
    assert lat2 == pytest.approx(lat, abs=1e-12)


def test_large_city_builds_fast():
    # n = 10,000 buildings (~1.25 M residents): only counts, to keep the suite quick
    t0 = time.perf_counter()
    city = synth_city(10_000, seed=0)
    assert time.perf_counter() - t0 < 20.0
    assert len(city.buildings) == 10_000
    assert 0.85 * 125 <= city.buildings["residents"].mean() <= 1.15 * 125
    assert (city.assets["kind"] == "hv_substation").sum() == 34
    assert city.heat_sources["capacity_mw_th"].sum() > 1.15 * _district_demand(city)


def test_describe_rounds_sums_to_the_watt(small_city):
    # review: the API showed "electric_demand_mw": 23.222420000000003
    d = small_city.describe()
    for key in ("electric_demand_mw", "heat_capacity_mw_th"):
        assert d[key] == round(d[key], 6) and len(repr(d[key]).split(".")[-1]) <= 6
