"""``coldstart city from-grid``: real networks in, a city that loads and runs out."""

from __future__ import annotations

import numpy as np
import pandapower.networks as pn
import pytest

from coldstart.city import load_city
from coldstart.city.importers import P_PER_BUILDING_MW, bus_placement, city_from_net
from coldstart.grid.pandapower_nets import SIMBENCH_CODE, simbench_codes

SCENARIO = """
name = "Strike on an imported grid"
start = 2026-01-09T00:00:00
horizon_h = 6.0
step_min = 30
seed = 7

[weather]
kind = "cold_snap"
min_temp_c = -18.0

[grid]
national_import_mw = 25.0

[[strikes]]
name = "night strike"
at_h = 1.0
threats = { cruise = 4, drone = 20 }
interception = { cruise = 0.6, drone = 0.7 }
target_weights = { hv_substation = 3.0, power_line = 1.0, boiler_house = 2.0 }
hits = [ { asset_id = "a_bh_1", damage = "extensive" } ]
"""


@pytest.fixture(scope="module")
def oberrhein():
    return pn.mv_oberrhein()


def test_buildings_carry_the_grids_load(oberrhein):
    city = city_from_net(oberrhein, "Oberrhein", seed=1)
    b = city.buildings
    load_mw = float((oberrhein.load.p_mw * oberrhein.load.scaling).sum())
    assert b.p_mw.sum() == pytest.approx(load_mw, rel=1e-3)  # all load became buildings
    assert abs(len(b) - load_mw / P_PER_BUILDING_MW) <= 1  # ~70 kW per block
    assert set(b.bus) <= set(oberrhein.load.bus)  # buildings stand at their loads' buses
    named = city.net.load.set_index("name")
    assert named.loc[b.building_id, "p_mw"].to_numpy() == pytest.approx(b.p_mw.to_numpy())
    assert (b.lon.between(7.6, 8.1) & b.lat.between(48.2, 48.6)).all()  # real geodata kept
    assert {"hv_substation", "power_line", "boiler_house"} <= set(city.assets.kind)
    again = city_from_net(oberrhein, "Oberrhein", seed=1)
    assert again.buildings.equals(b)  # same seed, same city
    assert len(oberrhein.load) == 147  # the input net is not changed
    # the grid is real, the district heating built around it: the report will say which
    assert city.synthetic_networks == ("heat_network",)


def test_capped_buildings_and_schematic_coordinates():
    net = pn.case9()
    city = city_from_net(net, "case9", seed=0, max_buildings=50)
    b = city.buildings
    assert len(b) == 50
    assert b.p_mw.sum() == pytest.approx(315.0, rel=1e-3)
    assert b.residents.max() < 1000  # blocks stay blocks, only their load share grows
    span_km = (b.lat.max() - b.lat.min()) * 111.0
    assert 0.5 < span_km < 30.0  # schematic coordinates scaled to a city
    # ... which the city says: its positions are invented, not the net's
    assert city.synthetic_networks == ("heat_network", "positions")


def test_bus_placement_tells_geodata_from_schematic_and_missing(oberrhein):
    assert bus_placement(oberrhein) == "geodata"  # lon/lat of the Upper Rhine
    case9 = pn.case9()
    assert bus_placement(case9) == "wide"  # a drawing spanning about 4 units (or a national grid)
    bare = pn.case9()
    bare.bus["geo"] = None
    assert bus_placement(bare) == "none"
    city = city_from_net(bare, "bare", seed=0, max_buildings=30)
    assert city.synthetic_networks == ("heat_network", "positions")
    assert city.buildings.lon.between(30.3, 30.8).all()  # laid out around Kyiv's centre


@pytest.mark.parametrize(
    ("network", "synthetic"),
    [
        ("mv_oberrhein", ("heat_network",)),
        ("case1354pegase", ("heat_network", "positions")),  # schematic coordinates
        ("1-MVLV-urban-5.303-0-sw", ("heat_network",)),
        ("1-LV-rural1--0-sw", ("heat_network",)),  # one voltage level: empty fourth field
    ],
)
def test_from_grid_writes_a_valid_city(cli, tmp_path, network, synthetic):
    out = tmp_path / "city"
    code, stdout, stderr = cli("city", "from-grid", network, out, "--max-buildings", "150")
    assert code == 0, stderr
    city = load_city(out)  # every schema and reference check passes
    assert 0 < len(city.buildings) <= 150
    assert city.buildings.residents.sum() > 0
    assert len(city.assets) > 0
    assert city.synthetic_networks == synthetic  # kept through the folder
    # the command says when it invented the positions, and only then
    assert ("laid out around the synthetic city" in stderr) == ("positions" in synthetic)


def test_every_code_simbench_knows_has_the_accepted_shape():
    codes = simbench_codes()
    assert {"1-MV-urban--0-sw", "1-LV-rural1--0-sw", "1-LV-semiurb4--2-no_sw"} <= set(codes)
    assert {"1-MVLV-urban-5.303-0-sw", "1-complete_data-mixed-all-0-sw"} <= set(codes)
    assert [c for c in codes if not SIMBENCH_CODE.match(c)] == []


def test_from_grid_without_coordinates_says_positions_are_synthetic(cli, tmp_path):
    out = tmp_path / "city"
    code, stdout, stderr = cli("city", "from-grid", "case9", out, "--max-buildings", "40")
    assert code == 0, stderr
    note = [ln for ln in stderr.splitlines() if "laid out around the synthetic city" in ln]
    assert len(note) == 1 and note[0].startswith("note: ")
    assert "walk distances" in note[0] and "the map are synthetic" in note[0]
    toml = (out / "city.toml").read_text()
    assert 'synthetic_networks = ["heat_network", "positions"]' in toml
    assert load_city(out).synthetic_networks == ("heat_network", "positions")
    scen = tmp_path / "scenario.toml"
    scen.write_text(SCENARIO)
    code, _, stderr = cli("run", out, scen, "--out", tmp_path / "run")
    assert code == 0, stderr
    head = (tmp_path / "run" / "report.html").read_text().split("<nav>", 1)[0]
    assert 'id="synthetic-positions"' in head
    assert "The positions of buses, buildings and facilities of this city are synthetic" in head
    assert "The district heating network of this city is synthetic" in head


def test_from_grid_then_run_end_to_end(cli, tmp_path):
    city_dir = tmp_path / "city"
    code, _, stderr = cli("city", "from-grid", "mv_oberrhein", city_dir, "--max-buildings", "120")
    assert code == 0, stderr
    scen = tmp_path / "scenario.toml"
    scen.write_text(SCENARIO)
    out = tmp_path / "out"
    code, stdout, stderr = cli("run", city_dir, scen, "--out", out, "--no-report")
    assert code == 0, stderr
    assert (out / "outage_schedule.csv").exists()
    timeline = (out / "timeline.csv").read_text().splitlines()
    assert len(timeline) == 1 + 12


@pytest.mark.parametrize(
    ("network", "message"),
    [
        ("no_such_network", "not a file, a network shipped with pandapower"),
        ("1-MVLV-urban-9.999-0-sw", "not a SimBench code"),
        ("1-LV-rural9--0-sw", "not a SimBench code known to simbench (did you mean"),
        ("1-mv-urban--0-sw", "(did you mean '1-MV-urban--0-sw'?)"),
        ("1-LV-rural1-0-sw", "(did you mean '1-LV-rural1--0-sw'?)"),  # a field left out
    ],
)
def test_bad_network_names_one_line_exit_2(cli, tmp_path, network, message):
    code, _, stderr = cli("city", "from-grid", network, tmp_path / "x")
    assert code == 2
    assert message in stderr
    assert "Traceback" not in stderr
    assert len([ln for ln in stderr.splitlines() if ln.startswith("error:")]) == 1
    assert not (tmp_path / "x").exists()


def test_unreadable_files_exit_2(cli, tmp_path):
    bad = tmp_path / "grid.json"
    bad.write_text("{not json")
    code, _, stderr = cli("city", "from-grid", bad, tmp_path / "x")
    assert code == 2 and "not valid JSON" in stderr
    code, _, stderr = cli("city", "from-grid", tmp_path / "missing.json", tmp_path / "x")
    assert code == 2 and "file not found" in stderr
    mat = tmp_path / "case.m"
    mat.write_text("function mpc = broken\nmpc.bus = [1 2;\n")
    code, _, stderr = cli("city", "from-grid", mat, tmp_path / "x")
    assert code == 2 and "'mpc.bus' is not closed by '];'" in stderr
    assert np.all(["Traceback" not in stderr])


CASE3_M = """function mpc = case3
mpc.version = '2';
mpc.baseMVA = 100;
mpc.bus = [
\t1\t3\t0\t0\t0\t0\t1\t1\t0\t110\t1\t1.1\t0.9;
\t2\t1\t30\t10\t0\t0\t1\t1\t0\t110\t1\t1.1\t0.9;
\t3\t2\t20\t5\t0\t0\t1\t1\t0\t110\t1\t1.1\t0.9;
];
mpc.gen = [
\t1\t0\t0\t100\t-100\t1\t100\t1\t200\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0;
\t3\t10\t0\t50\t-50\t1\t100\t1\t50\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0;
];
mpc.branch = [
\t1\t2\t0.01\t0.1\t0\t100\t100\t100\t0\t0\t1\t-360\t360;
\t2\t3\t0.01\t0.1\t0\t100\t100\t100\t0\t0\t1\t-360\t360;
\t1\t3\t0.01\t0.1\t0\t100\t100\t100\t0\t0\t1\t-360\t360;
];
"""


def test_matpower_m_and_mat_files(cli, tmp_path):
    from pandapower.converter.matpower.to_mpc import to_mpc

    m = tmp_path / "case3.m"
    m.write_text(CASE3_M)
    mat = tmp_path / "case9.mat"
    to_mpc(pn.case9(), str(mat), init="flat")
    for path, load_mw in ((m, 50.0), (mat, 315.0)):
        out = tmp_path / path.stem
        code, _, stderr = cli("city", "from-grid", path, out, "--max-buildings", "40")
        assert code == 0, stderr
        city = load_city(out)
        assert city.buildings.p_mw.sum() == pytest.approx(load_mw, rel=1e-3)
