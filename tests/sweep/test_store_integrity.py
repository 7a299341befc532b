"""The run store hands back only what the inputs make (review items 1, 2, 3 and 11).

- an edited weather file, or another coldstart version, gives new run ids (no stale results);
- runs of a city a planning command equipped with generators are told apart from the
  scenario as given (``variant``), and ``sweeps`` says which command made each sweep;
- ``store report`` draws the latest sweep or compare, not a planning command's candidates;
- ``store query`` answers queries only and reads no file but the store's.

An 80-building city and a 12-hour scenario: a run takes about a fifth of a second.
"""

import json
import typing
from pathlib import Path

import duckdb
import pytest
from pydantic import BaseModel

import coldstart.sweep.plan as plan_module
from coldstart.city import load_city
from coldstart.scenario import load_scenario
from coldstart.scenario.model import Scenario
from coldstart.sweep.plan import PATH_KEYS, build_plan, city_digest
from coldstart.sweep.sensitivity import _unwrap
from coldstart.sweep.store import RunStore, latest_sweep
from demo_texts import short_demo_text

COLD_SNAP = 'kind = "cold_snap"'


def _weather_csv(path: Path, temp_c: float) -> None:
    rows = "".join(f"{h},{temp_c}\n" for h in range(14))
    path.write_text("hours,temp_outdoor_c\n" + rows)


@pytest.fixture()
def csv_scenario(tmp_path) -> Path:
    """The 12-hour demo scenario reading its weather from ``w.csv`` beside it (-18 degC)."""
    text = short_demo_text(12, 10)
    assert text.count(COLD_SNAP) == 1
    folder = tmp_path / "wx"
    folder.mkdir()
    (folder / "s.toml").write_text(text.replace(COLD_SNAP, 'kind = "csv"\ncsv = "w.csv"'))
    _weather_csv(folder / "w.csv", -18.0)
    return folder / "s.toml"


def _json(cli, *args) -> dict:
    code, out, err = cli(*args, "--json")
    assert code == 0, err
    return json.loads(out)


# --------------------------------------------------------------------------- item 1


def _path_fields(model: type[BaseModel], prefix: str = "") -> set[str]:
    """Dotted keys of the scenario model whose name says they hold a file path."""
    found = set()
    for name, field in model.model_fields.items():
        key = f"{prefix}{name}"
        leaf = _unwrap(field.annotation)
        args = typing.get_args(leaf) if typing.get_origin(leaf) in (list, dict) else ()
        for t in (leaf, *args):
            t = _unwrap(t)
            if isinstance(t, type) and issubclass(t, BaseModel):
                found |= _path_fields(t, f"{key}.")
        if name in ("csv", "file", "path") or name.endswith(("_csv", "_file", "_path")):
            found.add(key)
    return found


def test_every_file_a_scenario_names_is_hashed():
    assert _path_fields(Scenario) == set(PATH_KEYS)


def test_an_edited_weather_file_or_another_version_gives_new_ids(csv_scenario, monkeypatch):
    def ids():
        sc = load_scenario(csv_scenario)
        plan = build_plan("city", sc, [0, 1], ["fifo"])
        return plan.sweep_id, [r.run_id for r in plan.runs]

    first = ids()
    assert ids() == first  # the same bytes: the same runs
    _weather_csv(csv_scenario.parent / "w.csv", 5.0)
    warm = ids()
    assert warm[0] != first[0] and not set(warm[1]) & set(first[1])
    monkeypatch.setattr(plan_module, "__version__", "0.0.0-older")
    older = ids()
    assert older[0] != warm[0] and not set(older[1]) & set(warm[1])


def test_a_sweep_after_the_weather_file_changed_runs_again(cli, small_city_dir, csv_scenario):
    store = csv_scenario.parent / "store"
    args = ("sweep", small_city_dir, csv_scenario, "--store", store, "--seeds", "1")
    cold = _json(cli, *args, "--workers", "1")
    assert cold["runs_done_now"] == 1
    _weather_csv(csv_scenario.parent / "w.csv", 5.0)
    warm = _json(cli, *args, "--workers", "1")
    assert (warm["runs_done_now"], warm["runs_skipped"]) == (1, 0)
    assert warm["sweep_id"] != cold["sweep_id"]
    figure = lambda doc: doc["groups"][0]["figures"]["person_hours_below_12c"]["mean"]  # noqa: E731
    assert figure(warm) < figure(cold)


def test_a_varied_weather_file_inside_the_store_is_refused(cli, small_city_dir, csv_scenario):
    # a --vary weather.csv file is an input like the scenario's own: a run store that holds it
    # (which `store` commands may rewrite) is refused before anything runs
    store = csv_scenario.parent.parent / "store"
    args = ("sweep", small_city_dir, csv_scenario, "--seeds", "1", "--workers", "1")
    assert cli(*args, "--store", store)[0] == 0
    _weather_csv(store / "w2.csv", -10.0)
    before = sorted(p.name for p in store.iterdir())
    code, _, err = cli(*args, "--store", store, "--vary", f"weather.csv={store / 'w2.csv'}")
    assert code == 2 and "overlaps the input" in err and "w2.csv" in err
    assert sorted(p.name for p in store.iterdir()) == before


# --------------------------------------------------------------------------- items 2 and 3


@pytest.fixture()
def planned_store(cli, small_city_dir, tmp_path) -> tuple[Path, dict, Path, Path]:
    """A sweep of 2 seeds, then ``plan backups`` in the same store (the review's steps)."""
    scenario = tmp_path / "short.toml"
    scenario.write_text(short_demo_text(12, 10))
    store = tmp_path / "runs"
    swept = _json(cli, "sweep", small_city_dir, scenario, "--store", store, "--seeds", "2",
                  "--workers", "1")  # fmt: skip
    _json(cli, "plan", "backups", small_city_dir, scenario, "--generators", "1", "--seeds", "2",
          "--shortlist", "2", "--store", store, "--out", tmp_path / "bk")  # fmt: skip
    return store, swept, small_city_dir, scenario


def test_plan_runs_of_equipped_cities_are_not_the_scenario_as_given(planned_store):
    store, _, city_dir, scenario_file = planned_store
    with duckdb.connect(str(store / "runs.duckdb"), read_only=True) as con:
        runs = con.execute("SELECT run_id, seed, policy, variant FROM runs").df()
        sweeps = con.execute("SELECT * FROM sweeps").df()
    # every run labelled '{}' is a run of the city and scenario as given
    plain = load_city(city_dir)
    sc = load_scenario(scenario_file)
    seeds = sorted(runs.seed.unique())
    as_given = {r.run_id for r in build_plan(city_digest(plain), sc, seeds, ["fifo"]).runs}
    mine = runs[runs.variant == "{}"]
    assert len(mine) >= 2 and set(mine.run_id) <= as_given
    # the others name their generators and rating
    others = [json.loads(v) for v in runs[runs.variant != "{}"].variant]
    assert others and all(set(v) == {"mobile_generators", "mobile_generator_kw"} for v in others)
    assert {v["mobile_generator_kw"] for v in others} == {2000.0}
    assert not set(runs[runs.variant != "{}"].run_id) & as_given
    # one meaning of city and scenario for every command; the command in kind
    assert set(sweeps.city) == {str(city_dir)} and set(sweeps.scenario) == {str(scenario_file)}
    assert set(sweeps.kind) == {"sweep", "plan backups"}


def test_store_report_draws_the_latest_sweep_not_a_plans_candidates(cli, planned_store, tmp_path):
    store, swept, _, _ = planned_store
    code, out, err = cli("store", "report", store, "--out", tmp_path / "rep.html")
    assert code == 0, err
    assert f"report of sweep {swept['sweep_id']}" in out
    assert "mobile_generators" not in (tmp_path / "rep.html").read_text()


def test_a_store_of_an_older_coldstart_opens_and_its_plan_sweeps_stay_hidden(tmp_path):
    """A ``sweeps`` table without ``kind``: read as it is, then given the column."""
    store = tmp_path / "old"
    store.mkdir()
    with duckdb.connect(str(store / "runs.duckdb")) as con:
        con.execute(
            "CREATE TABLE sweeps (sweep_id VARCHAR PRIMARY KEY, created TIMESTAMP NOT NULL, "
            "city VARCHAR NOT NULL, scenario VARCHAR NOT NULL, scenario_name VARCHAR NOT NULL, "
            "seeds VARCHAR NOT NULL, policies VARCHAR NOT NULL, variants VARCHAR NOT NULL, "
            "runs BIGINT NOT NULL)"
        )
        for sid, t, scenario in (("user", 1, "s.toml"), ("plan", 2, "plan backups")):
            con.execute(
                "INSERT INTO sweeps VALUES (?, make_timestamp(2026, 1, 1, ?, 0, 0), 'c', ?, 'x', "
                "'[0]', '[\"fifo\"]', '[{}]', 1)",
                [sid, t, scenario],
            )
    with duckdb.connect(str(store / "runs.duckdb"), read_only=True) as con:
        assert latest_sweep(con) == "user"
    with RunStore(store) as st:
        kinds = dict(st.con.execute("SELECT sweep_id, kind FROM sweeps").fetchall())
        assert kinds == {"user": None, "plan": "plan backups"}
        assert latest_sweep(st.con) == "user"


# --------------------------------------------------------------------------- item 11


def test_store_query_reads_and_writes_no_file(cli, planned_store, tmp_path):
    store = planned_store[0]
    elsewhere = tmp_path / "secret.csv"
    elsewhere.write_text("a,b\n1,2\n")
    out_file = tmp_path / "pwn.csv"
    code, out, err = cli("store", "query", store, "SELECT count(*) AS n FROM timelines", "--csv")
    assert code == 0, err
    assert int(out.splitlines()[1]) > 0  # the store's own files: yes
    errors = {}
    for sql in (
        f"COPY (SELECT 1) TO '{out_file}'",
        f"SELECT 1; COPY runs TO '{out_file}'",
        f"COPY (SELECT 1) TO '{store / 'timelines' / 'x.parquet'}'",
        f"SELECT * FROM read_csv_auto('{elsewhere}')",
        f"SELECT * FROM read_text('{store / 'timelines' / '..' / '..' / 'secret.csv'}')",
        f"ATTACH '{tmp_path / 'other.db'}'",
        "SET enable_external_access = true",
        f"EXPORT DATABASE '{tmp_path / 'dump'}'",
    ):
        code, out, err = cli("store", "query", store, sql)
        assert code == 2, (sql, out)
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
        errors[sql.split()[0]] = err
    assert "COPY statements are not allowed" in errors["COPY"]
    assert "reads only the store's tables and timelines" in errors["SELECT"]
    assert not out_file.exists() and not (tmp_path / "dump").exists()
    assert not (store / "timelines" / "x.parquet").exists()
    assert not (tmp_path / "other.db").exists()
