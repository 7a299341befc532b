"""``city synth`` and ``city check`` warn about single points of failure (review item 10)."""

from __future__ import annotations

import dataclasses

import pandas as pd

from coldstart.city.validate import fragility_warnings


def _kinds(city):
    return city.assets["kind"].value_counts()


def test_small_city_warns_on_synth_and_check(cli, tmp_path):
    out = tmp_path / "c"
    code, stdout, stderr = cli("city", "synth", out, "--buildings", "100", "--seed", "0")
    assert code == 0, stderr
    warns = [ln for ln in stderr.splitlines() if ln.startswith("warning:")]
    assert len(warns) == 2
    assert "single HV substation" in warns[0] and "no heat main" in warns[1]
    code, stdout, stderr = cli("city", "check", out)
    assert code == 0 and "ok" in stdout
    assert [ln for ln in stderr.splitlines() if ln.startswith("warning:")] == warns


def test_warnings_follow_the_assets(small_city):
    k = _kinds(small_city)  # 80 buildings: one HV substation, no heat main
    assert k.get("hv_substation") == 1 and "heat_main" not in k
    assert len(fragility_warnings(small_city)) == 2
    assets = small_city.assets
    sub = assets[assets["kind"] == "hv_substation"].iloc[[0]]
    more = sub.assign(asset_id="extra_sub")
    main = sub.assign(asset_id="extra_main", kind="heat_main")
    tables = {**small_city.tables, "assets": pd.concat([assets, more, main], ignore_index=True)}
    sturdy = dataclasses.replace(small_city, tables=tables)
    assert fragility_warnings(sturdy) == []
    assert len(fragility_warnings(small_city)) == 2  # the input is not changed


def test_city_without_shelters_warns(small_city):
    # review: an OSM extract with no school or metro reported 47,906 person-hours of unmet
    # shelter demand and a 0.00 km mean walk, and nothing said the city had no shelter
    fac = small_city.facilities
    shelters = fac["kind"].isin(["metro_station", "school", "warming_point"])
    assert shelters.any()
    for kept in (fac[~shelters], fac.assign(capacity_people=0)):
        city = dataclasses.replace(small_city, tables={**small_city.tables, "facilities": kept})
        warns = fragility_warnings(city)
        assert len(warns) == 3 and "the city has no shelter" in warns[-1]
