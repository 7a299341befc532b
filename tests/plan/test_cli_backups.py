"""``coldstart plan backups`` end to end: JSON, files, the run store, and bad input."""

import json

import pytest

ARGS = ("--generators", "2", "--seeds", "2", "--shortlist", "4")


def test_plan_backups_json_files_and_store(cli, plan_city_dir, tiny_scenario_file, tmp_path):
    out, store = tmp_path / "out", tmp_path / "store"
    argv = ("plan", "backups", plan_city_dir, tiny_scenario_file, *ARGS, "--out", out)
    # the runs go to one local Dask cluster of 2 workers; the reading back below is in-process
    code, text, err = cli(*argv, "--store", store, "--workers", "2", "--json")
    assert code == 0, err
    doc = json.loads(text)
    for arm in ("plan", "baseline"):
        assert len(doc[arm]["sites"]) == 2
        for key in ("person_hours_below_12c_mean", "person_hours_below_12c_std"):
            assert isinstance(doc[arm][key], float)
    saved = (
        doc["baseline"]["person_hours_below_12c_mean"] - doc["plan"]["person_hours_below_12c_mean"]
    )
    assert doc["saved_person_hours_mean"] == pytest.approx(saved, abs=1e-6)
    assert 0.0 <= doc["plan_wins_share"] <= 1.0
    assert not set(doc["choosing_seeds"]) & set(doc["evaluation_seeds"])
    assert doc["plan"]["choosing_seeds_mean"] <= doc["baseline"]["choosing_seeds_mean"]
    assert doc["runs_simulated"] > 0 and doc["runs_from_store"] == 0
    # what each chosen site adds on the choosing seeds: the steps from the city as is (no new
    # generator) to the plan, one site at a time, add up to the plan's whole saving there
    gains = doc["marginal_saving_person_hours"]
    assert len(gains) == 2
    assert sum(gains) == pytest.approx(
        doc["city_as_is"]["choosing_seeds_mean"] - doc["plan"]["choosing_seeds_mean"]
    )
    assert {p.name for p in out.iterdir()} >= {"plan.csv", "plan.geojson", "plan.json", "plan.html"}
    page = (out / "plan.html").read_text()
    assert "plotlyjs" in page and "https://" not in page.split("<script")[0]
    geo = json.loads((out / "plan.geojson").read_text())
    assert sum(f["properties"]["in_plan"] for f in geo["features"]) == 2
    # the same command again: every run read back from the store, the same answer
    code, text, err = cli(*argv, "--store", store, "--json")
    again = json.loads(text)
    assert code == 0, err
    assert again["runs_simulated"] == 0 and again["runs_from_store"] == doc["runs_simulated"]
    assert again["plan"] == doc["plan"] and again["baseline"] == doc["baseline"]


def _candidates(tmp_path, text):
    p = tmp_path / "candidates.csv"
    p.write_text(text)
    return p


@pytest.mark.parametrize(
    ("extra", "csv", "expected"),
    [
        (("--generators", "0"), None, "--generators"),
        (("--generators", "50"), None, "--generators"),
        # file lines, as for city and weather CSVs: the header is line 1
        (("--generators", "2"), "site_id\nbh_2\nno_such_site\n", "line 3, field 'site_id'"),
        (("--generators", "2"), "site_id\nbh_2\nbh_1\n", "own generator"),
        (("--generators", "3"), "site_id\nbh_2\nchp_1\n", "--generators"),
        (("--generators", "1"), "name,lon\nx,1\n", "field 'site_id': required column is missing"),
        (("--generators", "1"), "site_id;name\nbh_2;x\n", "seems to use ';' as separator"),
        (("--generators", "1"), 'site_id\n"bh_2\n', "cannot read"),
        (("--generators", "1"), "", "candidates.csv"),
    ],
)
def test_bad_input_exits_2_on_one_line_writing_nothing(
    cli, plan_city_dir, tiny_scenario_file, tmp_path, extra, csv, expected
):
    out, store = tmp_path / "out", tmp_path / "store"
    args = ["plan", "backups", plan_city_dir, tiny_scenario_file, *extra, "--out", out]
    if csv is not None:
        args += ["--candidates", _candidates(tmp_path, csv)]
    code, text, err = cli(*args, "--store", store, "--json")
    assert code == 2, err
    assert expected in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and text == ""
    if csv is not None:
        assert "candidates.csv" in err
    assert not out.exists() and not store.exists()


def test_output_folder_of_the_user_is_never_replaced(
    cli, plan_city_dir, tiny_scenario_file, tmp_path
):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    code, _, err = cli("plan", "backups", plan_city_dir, tiny_scenario_file, *ARGS, "--out", out)
    assert code == 2 and "Traceback" not in err
    assert (out / "notes.txt").read_text() == "keep me"
