"""coldstart city from-osm: an extract generated with pyosmium's writer (no network) imported
into a city that keeps every footprint, follows the rules table, checks, runs and is feasible."""

import copy
import json

import numpy as np
import pandapower as pp
import pandas as pd
import pytest
import shapely
from pyproj import Geod

from coldstart.city.osm import city_from_osm
from coldstart.city.osm import tags as T
from coldstart.city.osm.extract import write_extract
from coldstart.city.osm.geometry import local_crs, utm_epsg
from coldstart.city.osm.infer import M2_PER_PERSON, classify, rules
from coldstart.city.osm.read import read_osm
from coldstart.heat.engine import HeatModel
from coldstart.heat.hydraulics import HydraulicModel
from coldstart.heat.pressure import (
    CONSUMER_DP_MIN_BAR,
    PA_PER_BAR,
    city_hydraulic_params,
    design_mdot_kg_per_s,
)
from coldstart.thermal.archetypes import archetypes

N = 120


@pytest.fixture(scope="module")
def extract(tmp_path_factory):
    return write_extract(tmp_path_factory.mktemp("osm") / "city.osm.pbf", N, seed=3)


@pytest.fixture(scope="module")
def imported(extract):
    return city_from_osm(extract.path, seed=5)


def _by_osm(imp) -> pd.DataFrame:
    return imp.city.buildings.set_index("osm_id")


def test_every_building_with_a_footprint_is_kept(extract, imported):
    b = _by_osm(imported)
    # every generated building, the facilities' buildings, the boiler house, the courtyard
    # relation and the bow tie (repaired): nothing with a footprint is lost
    assert set(extract.building_tags) <= set(b.index)
    assert len(b) == N + 5 and imported.summary["footprints_repaired"] == 1
    # the relation whose outer way is missing has no footprint: read, dropped and counted
    assert imported.summary["buildings_read"] == N + 6
    assert imported.summary["footprints_dropped"] == 1 and "relation/2" not in b.index
    assert b.index.is_unique and b.building_id.is_unique
    kinds = set(shapely.get_type_id(imported.footprints))
    assert kinds <= {3, 6}  # Polygon, MultiPolygon
    assert shapely.is_valid(imported.footprints).all()
    # the city holds the same footprints by building id (drawn by the report)
    assert (imported.city.footprints.to_numpy() == imported.footprints).all()
    assert list(imported.city.footprints.index) == imported.city.buildings.building_id.tolist()
    assert imported.city.synthetic_networks == ("grid", "heat_network")
    # the multipolygon relation keeps its courtyard: 80 x 80 m less 40 x 40 m
    court = b.loc["relation/1"]
    assert court.footprint_m2 == pytest.approx(80 * 80 - 40 * 40, rel=0.01)
    k = list(b.index).index("relation/1")
    assert shapely.get_num_interior_rings(imported.footprints[k]) == 1
    # centroids are the footprints' centroids
    c = shapely.centroid(imported.footprints)
    assert np.allclose(shapely.get_x(c), imported.city.buildings.lon, atol=1e-6)


def test_tags_are_read_as_osm_writes_them():
    assert T.floors_from_levels(pd.Series(["9", "5;9", "2.6", "", "many", "0", "300"])).tolist()[
        :3
    ] == [9.0, 5.0, 3.0]
    assert np.isnan(T.floors_from_levels(pd.Series(["", "many", "0", "300"]))).all()
    assert T.floors_from_height(T.height_m(pd.Series(["27 m", "27", "88 ft"]))).tolist() == [
        9.0,
        9.0,
        9.0,
    ]
    y = T.construction_year(
        pd.Series(["1970s", "~1975", "C19", ""]), pd.Series(["", "", "", "1980"])
    )
    assert y[:2].tolist() == [1970.0, 1975.0] and np.isnan(y[2]) and y[3] == 1980.0
    assert T.mw_value("300 MW") == 300.0 and T.mw_value("0.5 GW") == 500.0
    assert utm_epsg(36.23, 49.99) == 32637 and utm_epsg(30.52, 50.45) == 32636
    assert utm_epsg(-58.4, -34.6) == 32721


EXPECTED = {
    # (building, levels, year) -> (rule, archetype, use)
    ("apartments", "9", "1978"): ("panel_9", "panel_9", "residential"),
    ("apartments", "5", "1963"): ("khrushchyovka", "panel_5", "residential"),
    ("apartments", "16", "1985"): ("panel_16", "panel_16", "residential"),
    ("apartments", "24", "2012"): ("modern", "monolith_modern", "residential"),
    ("apartments", "4", "1950"): ("stalinka", "brick_soviet", "residential"),
    ("apartments", "", ""): ("apartments_unknown_levels", "panel_9", "residential"),
    ("yes", "9", ""): ("panel_9", "panel_9", "residential"),
    ("house", "", ""): ("house", "house_private", "residential"),
    ("house", "2", "1995"): ("house", "house_private", "residential"),
    ("yes", "", ""): ("yes_small_unknown_levels", "house_private", "residential"),
    ("garages", "1", ""): ("unheated", "house_private", "unheated"),
    ("commercial", "3", ""): ("nonres_low", "brick_soviet", "non_residential"),
}


def test_archetypes_follow_the_rules_table(extract, imported):
    b = _by_osm(imported)
    for osm_id, tagged in extract.building_tags.items():
        row = b.loc[osm_id]
        key, levels, height = tagged[:3], tagged[1], tagged[3]
        expected = EXPECTED[key]
        if height and not levels:  # a block without levels whose height says 9 storeys
            expected = ("panel_9", "panel_9", "residential")
        assert (row.archetype_rule, row.archetype, row.use) == expected, (osm_id, tagged)
        if levels:
            assert row.floors == int(levels) and row.floors_from == "building:levels"
        elif height:
            assert row.floors == round(float(height) / 3.0) and row.floors_from == "height"
        else:  # floors from the rule's default, flagged with it
            default = rules().set_index("rule").default_floors[row.archetype_rule]
            assert row.floors == default and row.floors_from == f"rule:{row.archetype_rule}"
        assert row.year == (int(tagged[2]) if tagged[2] else 0)
    # every rule names a source; the summary counts tags and rules
    assert rules().source.str.contains(r"\[[A-Z]").all()
    s = imported.summary
    height_only = sum(1 for t in extract.building_tags.values() if t[3] and not t[1])
    assert sum(s["floors_from"].values()) == len(b)
    assert s["floors_from"].get("height", 0) == height_only
    assert sum(s["archetype_rule"].values()) == len(b)
    assert 0.5 < s["agreement"]["archetype_same_without_year_share"] <= 1.0
    # heights are levels x 2.8-3.1 m: read at 3 m per storey they are within one floor up to
    # 16 storeys (a 24-storey tower of 2.8 m storeys reads as 22)
    assert s["agreement"]["height_and_levels_tagged"] > 0
    assert s["agreement"]["height_within_1_floor_share"] >= 0.9
    # flats tagged as flat area / 55 m2 (+/-15 %); the rule divides by the archetype's flat area
    # (55 m2 in panel blocks, 65 in brick ones): most within 25 %, the median close to 1
    assert s["agreement"]["flats_tagged"] > 0
    assert s["agreement"]["flats_within_25pct_share"] >= 0.8
    assert 0.85 < s["agreement"]["flats_median_ratio"] < 1.15


def test_first_matching_rule_wins():
    r = rules().rule.to_numpy()
    k = classify(
        np.array(["apartments", "apartments", "yes", "yes", "shed", "cathedral"]),
        np.array([17.0, 12.0, 3.0, np.nan, 1.0, np.nan]),
        np.array([1970.0, 1995.0, np.nan, np.nan, np.nan, np.nan]),
        np.array([900.0, 900.0, 100.0, 1000.0, 10.0, 2000.0]),
    )
    assert r[k].tolist() == ["tower", "modern", "yes_small", "other", "unheated", "nonres_low"]


def test_floor_area_and_residents_follow_the_stated_rules(extract, imported):
    b = imported.city.buildings
    env = archetypes()
    cond = b.archetype.map(lambda a: env[a].conditioned_per_heated)
    gross = b.footprint_m2 * b.floors
    assert np.allclose(b.gross_floor_area_m2, gross, rtol=1e-3, atol=0.2)
    assert np.allclose(b.floor_area_m2, np.maximum(gross / cond, 1.0), rtol=1e-3, atol=0.2)
    res = b.use == "residential"
    expect = np.maximum(np.round(b.floor_area_m2 / M2_PER_PERSON), 1)
    assert (np.abs(b.residents[res] - expect[res]) <= 1).all()
    assert (b.residents[~res] == 0).all() and (b.residents[res] > 0).all()
    assert (b.loc[b.use == "unheated", "heat_demand_mw_th"] == 0).all()
    # a 60 x 12 m block (laid out on a sphere by the generator) measures 720 m2 in the UTM
    # zone, and the UTM areas agree with geodesic areas on the WGS84 ellipsoid within 0.1 %
    grid = b.osm_id.isin([k for k, v in extract.building_tags.items() if v[0] == "apartments"])
    nine = b[grid & (b.floors == 9)]
    assert nine.footprint_m2.between(0.99 * 720, 1.01 * 720).all()
    geod = Geod(ellps="WGS84")
    true_m2 = [abs(geod.geometry_area_perimeter(g)[0]) for g in imported.footprints[:40]]
    assert np.allclose(b.footprint_m2[:40], true_m2, rtol=1e-3)
    assert set(b.residents_from[res]) == {"rule:m2_per_person"}


def test_facilities_and_energy_assets_from_tags(imported):
    city = imported.city
    f = city.facilities.set_index("kind")
    assert sorted(city.facilities.kind) == sorted(
        ["hospital", "hospital", "metro_station", "school", "warming_point", "water_pumping"]
    )
    assert f.loc["metro_station", "entrances"] == 2 and f.loc["metro_station", "critical"]
    # the school is mapped on its grounds and again as a node inside them: one school
    assert f.loc["school", "osm_id"].startswith("way/")
    school = f.loc["school"]
    # its 70 x 20 m building of 3 floors; places at 3.5 m2 per person on half the floor
    assert school.floor_area_from == "buildings"
    assert school.floor_area_m2 == pytest.approx(70 * 20 * 3, rel=0.02)
    assert school.capacity_people == pytest.approx(school.floor_area_m2 * 0.5 / 3.5, abs=1)
    host = city.buildings[city.buildings.hosts_facility == school.facility_id]
    assert len(host) == 1 and host.p_mw.iat[0] == 0 and host.heat_demand_mw_th.iat[0] == 0
    src = city.heat_sources.set_index("name")
    assert set(src.origin) == {"osm"} and set(city.heat_pipes.origin) == {"synthetic"}
    assert src.loc["CHP-3", "kind"] == "chp" and src.loc["CHP-3", "capacity_mw_th"] == 300.0
    gen = city.net.gen.loc[src.loc["CHP-3", "gen_id"]]
    assert gen["name"] == src.loc["CHP-3"].source_id and gen.max_p_mw == 120.0
    assert set(src.loc[["Котельня", "Boiler house West"], "kind"]) == {"boiler_house"}
    assert "chp_plant" in set(city.assets.kind)
    assert imported.summary["substations_at_osm_sites"] == 1


def test_heat_mains_follow_the_streets(extract, imported):
    city = imported.city
    assert imported.summary["osm_streets"] > 0 and imported.summary["heat_mains_on_streets"] > 0
    nodes = city.heat_nodes.set_index("node_id")
    on_street = nodes[nodes.index.str.startswith("st_")]
    streets = shapely.union_all(shapely.from_wkb(read_osm(extract.path).streets.wkb.to_numpy()))
    points = shapely.points(on_street[["lon", "lat"]].to_numpy())
    assert len(points) and shapely.dwithin(streets, points, 2e-7).all()  # on the streets
    # each main is a chain of pipes of one diameter, struck as one asset (its first pipe)
    pipes = city.heat_pipes
    chained = pipes[pipes.from_node.isin(on_street.index)]
    assert set(chained.pipe_id).isdisjoint(city.assets.ref_id)
    first = pipes[~pipes.from_node.isin(on_street.index) & pipes.to_node.isin(on_street.index)]
    assert len(first) == imported.summary["heat_mains_on_streets"]
    dn_of = dict(zip(pipes.pipe_id, pipes.dn_mm, strict=True))
    by_from = pipes.set_index("from_node")
    for pid, to in zip(first.pipe_id, first.to_node, strict=True):
        node = to
        while node.startswith("st_"):  # follow the chain to the main's other end
            nxt = by_from.loc[[node]]
            assert len(nxt) == 1 and nxt.dn_mm.iat[0] == dn_of[pid]
            node = nxt.to_node.iat[0]


def test_synthetic_networks_are_feasible_at_design_load(imported):
    city = imported.city
    assert imported.summary["heat_mains_on_streets"] > 0  # with its mains along the streets
    net = copy.deepcopy(city.net)
    pp.runpp(net)
    assert net.converged
    assert net.res_bus.vm_pu.between(0.95, 1.06).all()
    assert net.res_line.loading_percent.max() <= 100.0
    assert net.res_trafo.loading_percent.max() <= 100.0
    model = HeatModel.from_city(city)
    state = model.solve()  # design demand, everything intact
    assert state.supplied_consumer.all() and (state.delivered_fraction == 1.0).all()
    params = city_hydraulic_params(city, model)
    hyd = HydraulicModel(model, params)
    ok = np.ones(len(model.source_ids), bool)
    p, _, active, _, converged, _ = hyd.solve_arrays(
        model.branch_ok(), ok, design_mdot_kg_per_s(model)
    )
    g = hyd._g
    assert converged and active.all()
    assert ((p[g.c_from] - p[g.c_to]) / PA_PER_BAR >= CONSUMER_DP_MIN_BAR - 1e-6).all()


def test_same_seed_same_city(extract, imported):
    again = city_from_osm(extract.path, seed=5)
    for t, table in imported.city.tables.items():
        pd.testing.assert_frame_equal(table, again.city.tables[t], obj=t)


def test_given_grid_takes_the_buildings_on_its_nearest_buses(extract):
    from coldstart.grid.pandapower_nets import load_network

    net = load_network("mv_oberrhein")
    before = copy.deepcopy(net)
    imp = city_from_osm(extract.path, net=net, seed=1)
    pd.testing.assert_frame_equal(net.load, before.load)  # the given net is not changed
    city = imp.city
    assert imp.summary["grid"] == "given (stretched)"  # Oberrhein's buses are not in Kharkiv
    loads = city.net.load.set_index("name")
    b = city.buildings
    assert (loads.loc[b.building_id, "bus"].to_numpy() == b.bus.to_numpy()).all()
    # each building's bus is the nearest bus that fed a load in the given net
    supply = np.unique(before.load.bus[before.load.in_service & (before.load.p_mw > 0)])
    xy = np.array([json.loads(g)["coordinates"] for g in city.net.bus.geo.loc[supply]])
    crs = local_crs(b.lon.to_numpy(), b.lat.to_numpy())
    sx, sy = crs.to_xy(xy[:, 0], xy[:, 1])
    bx, by = crs.to_xy(b.lon.to_numpy(), b.lat.to_numpy())
    nearest = supply[np.argmin(np.hypot(bx[:, None] - sx, by[:, None] - sy), axis=1)]
    assert (nearest == b.bus.to_numpy()).all()
    assert (city.heat_sources.gen_id == -1).all()
    assert city.synthetic_networks == ("heat_network",)  # the report says so; the grid is given


@pytest.fixture(scope="module")
def schutterwald():
    from coldstart.heat.pandapipes_io import load_heat_network

    return load_heat_network("schutterwald_heat")


def test_given_heat_network_serves_the_buildings_from_its_consumers(extract, schutterwald):
    net = schutterwald
    before = copy.deepcopy(net.pipe)
    imp = city_from_osm(extract.path, seed=2, heat_net=net, heat_file="schutterwald_heat")
    pd.testing.assert_frame_equal(net.pipe, before)  # the given net is not changed
    city = imp.city
    assert imp.summary["heat_network"] == "given (stretched)"
    assert set(city.heat_sources.origin) == {"given"} and len(city.heat_sources) == 1
    assert set(city.heat_pipes.origin) == {"given"}
    assert city.synthetic_networks == ("grid",)
    # one node per flow-side junction set; the net's 241 flow-side pipes (of 482)
    assert len(city.heat_pipes) < len(net.pipe) and len(city.heat_pipes) > 200
    consumer_nodes = {f"j_{j}" for j in net.heat_consumer.from_junction}
    district = city.buildings[city.buildings.heat_supply == "district"]
    assert district.heat_node_id.isin(consumer_nodes).all()
    # capacity for the real buildings, every consumer supplied at design load
    demand = district.heat_demand_mw_th.sum()
    assert city.heat_sources.capacity_mw_th.sum() >= demand
    state = HeatModel.from_city(city).solve()
    assert state.supplied_consumer.all() and (state.delivered_fraction == 1.0).all()


def test_given_heat_network_too_small_is_refused(extract, schutterwald):
    from coldstart.errors import CityError

    net = copy.deepcopy(schutterwald)
    net.pipe["inner_diameter_mm"] = 12.0  # garden hoses
    with pytest.raises(CityError, match="sw.json: the heat network cannot carry"):
        city_from_osm(extract.path, heat_net=net, heat_file="sw.json")


def test_bbox_keeps_what_lies_inside(extract, imported):
    b = imported.city.buildings
    lons = np.unique(b.lon)
    k = len(lons) // 2  # east edge halfway between two buildings (lon/lat are rounded)
    w, e = float(lons[0]) - 1e-4, float(lons[k] + lons[k + 1]) / 2
    s, n = float(b.lat.min()) - 0.01, float(b.lat.max()) + 0.01
    part = city_from_osm(extract.path, bbox=(w, s, e, n), seed=5)
    inside = b[(b.lon >= w) & (b.lon <= e) & (b.lat >= s) & (b.lat <= n)]
    assert sorted(part.city.buildings.osm_id) == sorted(inside.osm_id)
    assert part.summary["outside_bbox"] == len(b) - len(inside) > 0
    f = part.city.facilities
    assert ((f.lon >= w) & (f.lon <= e)).all() and len(f) < len(imported.city.facilities)
