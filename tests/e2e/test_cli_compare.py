"""`coldstart compare`: every policy on the same damage, JSON keys as documented."""

import json


def test_compare_json(cli, small_city_dir, short_scenario):
    code, out, err = cli("compare", small_city_dir, short_scenario, "--seeds", "2", "--json")
    assert code == 0, err
    res = json.loads(out)
    assert list(res) == ["fifo", "nearest", "greatest_benefit"]
    for row in res.values():
        for key in (
            "person_hours_below_12c_mean",
            "person_hours_below_12c_std",
            "hours_to_restore_heat_95pct_mean",
            "hours_to_restore_power_95pct_mean",
            "energy_not_served_mwh_mean",
        ):
            assert isinstance(row[key], float)
    # same damage for every policy: energy not served differs only through repair order
    assert res["fifo"]["runs"] == 2


def test_compare_unknown_policy(cli, small_city_dir, short_scenario):
    code, _, err = cli("compare", small_city_dir, short_scenario, "--policies", "fifo,luck")
    assert code == 2 and "luck" in err and "Traceback" not in err
    code, _, err = cli("compare", small_city_dir, short_scenario, "--policies", "nearst")
    assert code == 2 and "(did you mean 'nearest'?)" in err
