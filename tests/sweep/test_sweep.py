"""Sweeps at scale (issue 14): plan and --vary checks, Dask workers, the run store, resuming.

One 2-worker LocalCluster is shared by the module (its startup costs seconds); commands reach
it through --scheduler, the way a user reaches a cluster of their own.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

import coldstart
from coldstart.city import save_city
from coldstart.city.synth import synth_city
from coldstart.compiled import compile_city
from coldstart.scenario import parse_scenario
from coldstart.sweep.engine import run_sweep
from coldstart.sweep.execute import local_cluster
from coldstart.sweep.plan import SweepError, build_plan, city_digest, parse_vary
from coldstart.sweep.store import FIGURES, RunStore, SweepSource, connect_readonly
from demo_texts import short_demo_text

SRC = Path(coldstart.__file__).resolve().parents[1]
BUILDINGS = 200
"""A tiny city: a 12-hour run takes about a tenth of a second."""

TIMES = ("started", "ended", "duration_s")
"""Columns of ``runs`` that differ between two sweeps of the same runs."""


def _short_text() -> str:
    """The demo scenario cut to 12 hours (second wave at 10 h) for the tiny city."""
    return short_demo_text(12, 10)


@pytest.fixture(scope="module")
def tiny_city():
    return synth_city(BUILDINGS, seed=0)


@pytest.fixture(scope="module")
def city_dir(tmp_path_factory, tiny_city):
    return save_city(tiny_city, tmp_path_factory.mktemp("tiny") / "city")


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory):
    p = tmp_path_factory.mktemp("scenario") / "short.toml"
    p.write_text(_short_text())
    return p


@pytest.fixture(scope="module")
def cluster():
    """A LocalCluster of 2 single-threaded worker processes that import this checkout."""
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), old) if p)
    try:
        with local_cluster(2) as c:
            yield c
    finally:
        if old is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = old


SWEEP = ("--seeds", "3", "--policies", "fifo,greatest_benefit")
VARY = ("--vary", "weather.min_temp_c=-10,-25")


def _rows(store: Path) -> pd.DataFrame:
    with duckdb.connect(str(store / "runs.duckdb"), read_only=True) as con:
        return con.execute("SELECT * FROM runs ORDER BY run_id").df()


@pytest.fixture(scope="module")
def serial_store(tmp_path_factory, city_dir, scenario_file):
    """The reference: the sweep in this process (--workers 1), through the API."""
    from coldstart.city import load_city

    store = tmp_path_factory.mktemp("serial") / "store"
    city = load_city(city_dir)
    scenario = parse_scenario(_short_text())
    plan = build_plan(
        city_digest(city),
        scenario,
        [scenario.seed + i for i in range(3)],
        ["fifo", "greatest_benefit"],
        [parse_vary("weather.min_temp_c=-10,-25")],
    )
    with RunStore(store) as st:
        st.add_sweep(plan, SweepSource("sweep", str(city_dir), str(scenario_file)), scenario.name)
        swept = run_sweep(compile_city(city), plan, st, workers=1)
    assert swept.done_now == 12 and swept.failed_now == 0
    return store


# --------------------------------------------------------------------------- the sweep on Dask


def test_two_workers_give_the_rows_of_one(
    cli, cluster, serial_store, city_dir, scenario_file, tmp_path
):
    store = tmp_path / "store"
    addr = cluster.scheduler_address
    args = ("sweep", city_dir, scenario_file, "--store", store, *SWEEP, *VARY)
    code, out, err = cli(*args, "--scheduler", addr, "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert (doc["runs_total"], doc["runs_done_now"], doc["runs_skipped"]) == (12, 12, 0)
    assert doc["runs_failed"] == 0
    # every figure of the summary is a column; the same rows as in one process, but the times
    ours, ref = _rows(store), _rows(serial_store)
    assert set(FIGURES) <= set(ours.columns) and len(ours) == 12
    assert (ours["status"] == "ok").all() and ours["coldstart_version"].eq(
        coldstart.__version__
    ).all()
    pd.testing.assert_frame_equal(
        ours.drop(columns=[*TIMES, "sweep_id"]), ref.drop(columns=[*TIMES, "sweep_id"])
    )
    # one timeline per run, named by run_id, exposed by the view with its run_id
    files = sorted(p.stem for p in (store / "timelines").glob("*.parquet"))
    assert files == sorted(ours["run_id"])
    code, out, err = cli(
        "store",
        "query",
        store,
        "SELECT run_id, count(*) AS n FROM timelines GROUP BY run_id",
        "--json",
    )
    assert code == 0, err
    steps = {r["run_id"]: r["n"] for r in json.loads(out)}
    assert set(steps) == set(ours["run_id"]) and set(steps.values()) == {72}
    # statistics per policy and variant, paired against the first policy
    groups = doc["groups"]
    assert [(g["policy"], g["variant"]) for g in groups] == [
        (p, {"weather.min_temp_c": t}) for t in (-10.0, -25.0) for p in ("fifo", "greatest_benefit")
    ]
    s = groups[0]["figures"]["person_hours_below_12c"]
    assert s["q05"] <= s["q50"] <= s["q95"] and s["mean"] > 0
    cold = groups[2]["figures"]["person_hours_below_12c"]["mean"]
    assert cold > s["mean"]  # a colder snap: more hours below 12 degC
    paired = groups[1]["paired"]["person_hours_below_12c"]
    assert groups[1]["paired_vs"] == "fifo" and paired["seeds"] == 3
    assert 0.0 <= paired["share_better"] <= 1.0

    # the same command again skips everything and stores nothing twice
    code, out, err = cli(*args, "--scheduler", addr, "--json")
    assert code == 0, err
    again = json.loads(out)
    assert (again["runs_done_now"], again["runs_skipped"]) == (0, 12)
    assert again["groups"] == groups and len(_rows(store)) == 12


# --------------------------------------------------------------------------- killed and resumed


def test_killed_sweep_resumes_without_loss_or_duplicates(
    cli, city_dir, scenario_file, serial_store, tmp_path, monkeypatch
):
    """SIGKILL a sweep in this process's child, then finish it with --workers 2: a LocalCluster
    the command starts itself."""
    store = tmp_path / "store"
    args = ["sweep", city_dir, scenario_file, "--store", store, "--seeds", "6", "--policies",
            "fifo,greatest_benefit", *VARY]  # fmt: skip
    path = os.pathsep.join(p for p in (str(SRC), os.environ.get("PYTHONPATH")) if p)
    monkeypatch.setenv("PYTHONPATH", path)  # for the child and the cluster's workers
    proc = subprocess.Popen(
        [sys.executable, "-m", "coldstart.cli", *map(str, args), "--workers", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    timelines = store / "timelines"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if timelines.is_dir() and len(list(timelines.glob("*.parquet"))) >= 4:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the sweep ended before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    stored = len(_rows(store))
    assert 3 <= stored < 24  # every run stored before the kill survived it

    code, out, err = cli(*args, "--workers", "2", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["runs_total"] == 24 and doc["runs_skipped"] == stored
    assert doc["runs_done_now"] == 24 - stored
    rows = _rows(store)
    assert len(rows) == 24 and rows["run_id"].is_unique and (rows["status"] == "ok").all()
    assert not list(timelines.glob(".tmp-*"))  # a timeline being written when killed: gone
    with connect_readonly(store) as con:  # (its TEMP view `timelines`)
        n, ids = con.execute("SELECT count(*), count(DISTINCT run_id) FROM timelines").fetchone()
    assert (n, ids) == (24 * 72, 24)
    # the runs of the first 3 seeds (before and after the kill) are the reference's
    ref = _rows(serial_store)
    mine = rows[rows["run_id"].isin(ref["run_id"])].reset_index(drop=True)
    keep = [c for c in ref.columns if c not in (*TIMES, "sweep_id")]
    pd.testing.assert_frame_equal(mine[keep], ref[keep])


# --------------------------------------------------------------------------- --vary and bad input


def test_vary_weather_csv_is_relative_to_the_current_folder(tmp_path, monkeypatch):
    # a scenario's weather.csv is relative to the scenario file; a --vary path, like every
    # command-line path, to the current folder: a miss says so, with the full path looked at
    (tmp_path / "wx").mkdir()
    (tmp_path / "wx" / "w.csv").write_text("hours,temp_outdoor_c\n0,-5\n")
    monkeypatch.chdir(tmp_path)
    full = os.path.join(os.getcwd(), "wx", "w.csv")  # absolute: the same file on any worker
    assert parse_vary("weather.csv=wx/w.csv,./wx/w.csv") == ("weather.csv", [full])
    with pytest.raises(SweepError) as exc:
        parse_vary("weather.csv=wx/w.csv,w.csv")
    msg = str(exc.value)
    assert msg.startswith("--vary, field 'weather.csv': w.csv: file not found")
    assert str(tmp_path / "w.csv") in msg and "relative to the current folder" in msg


@pytest.mark.parametrize(
    "vary, key, words",
    [
        (
            "weather.min_tmp_c=-10,-20",
            "weather.min_tmp_c",
            "unknown key 'min_tmp_c' (did you mean 'min_temp_c'?)",
        ),
        ("weather.min_temp_c=-10,-100", "weather.min_temp_c", "greater than or equal to -60"),
        ("crews.plumbing=100,1.5", "crews.plumbing", "whole number"),
        ("interceptors.stock.laser=5", "interceptors.stock.laser", "unknown key 'laser'"),
        ("crews=5", "crews", "is a table"),
        ("seed=1,2", "seed", "--seeds"),
        ("policies.dispatch=fifo,nearest", "policies.dispatch", "--policies"),
        ("crews.plumbing", "crews.plumbing", "KEY=V1,V2"),
    ],
)
def test_vary_errors_exit_2_before_anything(
    cli, city_dir, scenario_file, tmp_path, vary, key, words
):
    store = tmp_path / "store"
    code, out, err = cli("sweep", city_dir, scenario_file, "--store", store, "--vary", vary)
    assert code == 2 and "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and key in lines[0] and words in lines[0], err
    assert not store.exists()


def test_vary_takes_any_key_and_validates_the_variant():
    scenario = parse_scenario(_short_text())
    varies = [parse_vary("interceptors.stock.cruise=0,20"), parse_vary("crews.plumbing=100,400"),
              parse_vary("policies.drain=never,drain_at_signal")]  # fmt: skip
    plan = build_plan("c", scenario, [1, 2], ["fifo", "nearest"], varies)
    assert len(plan.runs) == 2 * 2 * 2 * 2 * 2 and len({r.run_id for r in plan.runs}) == 32
    run = plan.runs[-1]
    assert run.scenario.interceptors.stock["cruise"] == 20 and run.scenario.crews.plumbing == 400
    assert run.scenario.policies.drain == "drain_at_signal" and run.scenario.seed == run.seed
    assert json.loads(run.variant_json) == {"interceptors.stock.cruise": 20, "crews.plumbing": 400,
                                            "policies.drain": "drain_at_signal"}  # fmt: skip
    assert scenario.crews.plumbing == parse_scenario(_short_text()).crews.plumbing  # untouched
    # the same run has the same id in another sweep; another seed, policy or city another id
    again = build_plan("c", scenario, [2], ["nearest"], varies)
    assert {r.run_id for r in again.runs} <= {r.run_id for r in plan.runs}
    assert (
        build_plan("d", scenario, [2], ["nearest"], varies).runs[0].run_id != again.runs[0].run_id
    )
    with pytest.raises(SweepError, match="policies.drain"):
        build_plan("c", scenario, [1], ["fifo"], [parse_vary("policies.drain=sometimes")])


def test_bad_policy_seed_list_and_store_exit_2(cli, city_dir, scenario_file, tmp_path):
    store = tmp_path / "store"
    for extra in (
        ("--policies", "fifo,luck"),
        ("--seed-list", "1,x"),
        ("--seeds", "2", "--seed-list", "1"),
        ("--workers", "2", "--scheduler", "tcp://127.0.0.1:8786"),
    ):
        code, _, err = cli("sweep", city_dir, scenario_file, "--store", store, *extra)
        assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
        assert not store.exists()
    code, _, err = cli("sweep", city_dir, scenario_file, "--store", store, "--scheduler", "foo")
    assert code == 2 and "--scheduler" in err and "foo" in err and not store.exists()
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    code, _, err = cli("sweep", city_dir, scenario_file, "--store", other, "--seeds", "1")
    assert code == 2 and "not a run store" in err
    assert sorted(p.name for p in other.iterdir()) == ["notes.txt"]


# --------------------------------------------------------------------------- failures, report


def test_a_failed_run_is_recorded_and_the_sweep_goes_on(tiny_city, tmp_path, monkeypatch):
    import coldstart.simulate as sim

    real = sim.simulate
    scenario = parse_scenario(_short_text())

    def flaky(cc, sc, seed=None, **kw):
        if seed == 2:
            raise RuntimeError("boom in the heat solver")
        return real(cc, sc, seed=seed, **kw)

    monkeypatch.setattr(sim, "simulate", flaky)
    plan = build_plan(city_digest(tiny_city), scenario, [1, 2, 3], ["fifo"])
    with RunStore(tmp_path / "store") as st:
        swept = run_sweep(compile_city(tiny_city), plan, st, workers=1)
    assert (swept.done_now, swept.failed_now) == (3, 1)
    rows = _rows(tmp_path / "store").set_index("seed")
    assert rows.loc[2, "status"] == "error" and "boom in the heat solver" in rows.loc[2, "error"]
    assert rows.loc[1, "status"] == "ok" and rows.loc[3, "status"] == "ok"
    assert pd.isna(rows.loc[2, "person_hours_below_12c"])
    assert not (tmp_path / "store" / "timelines" / f"{rows.loc[2, 'run_id']}.parquet").exists()


def test_report_and_query(cli, serial_store, tmp_path):
    out_file = tmp_path / "sweep.html"
    code, out, err = cli("store", "report", serial_store, "--out", out_file)
    assert code == 0, err
    text = out_file.read_text()
    for col in ("people_without_heat", "people_below_12c", "people_in_shelters"):
        assert f'id="coldstart-fan-{col}"' in text
    assert "coldstart-box-person_hours_below_12c" in text and 'src="http' not in text
    code, out, err = cli("store", "report", serial_store, "--out", out_file)  # its own: replaced
    assert code == 0, err
    mine = tmp_path / "mine.html"
    mine.write_text("<p>my notes</p>")
    code, _, err = cli("store", "report", serial_store, "--out", mine)
    assert code == 2 and mine.read_text() == "<p>my notes</p>"
    code, out, err = cli(
        "store",
        "query",
        serial_store,
        "SELECT policy, count(*) AS n FROM runs GROUP BY policy ORDER BY policy",
        "--csv",
    )
    assert code == 0, err
    assert out.splitlines() == ["policy,n", "fifo,6", "greatest_benefit,6"]
    code, _, err = cli("store", "query", serial_store, "SELECT nope FROM runs")
    assert code == 2 and "nope" in err and "Traceback" not in err
    code, _, err = cli("store", "query", tmp_path, "SELECT 1")
    assert code == 2 and "not a run store" in err


def test_compare_keeps_its_runs_in_a_store(cli, city_dir, scenario_file, tmp_path):
    store = tmp_path / "store"
    args = (
        "compare",
        city_dir,
        scenario_file,
        "--seeds",
        "2",
        "--policies",
        "fifo,nearest",
        "--json",
    )
    code, out, err = cli(*args, "--store", store)
    assert code == 0, err
    first = json.loads(out)
    assert len(_rows(store)) == 4
    code, out, err = cli(*args, "--store", store)  # found in the store: nothing run again
    assert code == 0, err
    assert json.loads(out) == first and len(_rows(store)) == 4
    code, out, err = cli(*args)  # no store: the same numbers
    assert json.loads(out) == first


def test_a_shipped_city_still_pickles_after_its_worker_ran_on_it(tiny_city):
    """A worker that joins late fetches the city from a peer that has run on it already: the
    peer sends the pickle, never the factorizations its runs cached (those cannot be pickled)."""
    import pickle

    from coldstart.simulate import simulate
    from coldstart.sweep.run import ShippedCity

    scenario = parse_scenario(_short_text())
    shipped = ShippedCity(compile_city(tiny_city))
    first = simulate(shipped.compiled(), scenario, seed=5).summary
    assert shipped.compiled() is shipped.compiled()  # unpickled once per process
    with pytest.raises(TypeError):
        pickle.dumps(shipped.compiled())  # a city that ran holds SuperLU factors
    peer = pickle.loads(pickle.dumps(shipped))
    assert simulate(peer.compiled(), scenario, seed=5).summary == first


def test_fan_bands_are_the_quantiles_of_the_runs_timelines(serial_store):
    """The report's median and 5-95 % band at a step are those of the stored timelines."""
    from coldstart.report.fan import fan_quantiles
    from coldstart.sweep.store import connect_readonly

    runs = _rows(serial_store)
    tl = pd.concat(pd.read_parquet(p) for p in (serial_store / "timelines").glob("*.parquet"))
    tl = tl.merge(runs[["run_id", "policy", "variant"]], on="run_id")
    con = connect_readonly(serial_store)
    try:
        sweep_id = con.execute("SELECT sweep_id FROM sweeps").fetchone()[0]
        q = fan_quantiles(con, sweep_id)
    finally:
        con.close()
    assert len(q) == 4 * 72  # 2 policies x 2 variants x 72 steps
    row = q.iloc[100]
    at = tl[(tl["policy"] == row["policy"]) & (tl["variant"] == row["variant"])]
    at = at[at["hours"] == row["hours"]]["people_below_12c"].to_numpy()
    assert len(at) == 3
    assert row["people_below_12c_q50"] == pytest.approx(np.median(at))
    assert row["people_below_12c_q05"] == pytest.approx(np.quantile(at, 0.05))
    assert row["people_below_12c_q95"] == pytest.approx(np.quantile(at, 0.95))


def test_text_report_says_when_restore_times_are_censored(
    cli, city_dir, scenario_file, serial_store, tmp_path
):
    # the same sweep again finds every run in (a copy of) the reference store: no run, only the
    # report; in 12 hours heat is not back to 95 %, so the table's hours are the horizon
    store = tmp_path / "store"
    shutil.copytree(serial_store, store)
    code, out, err = cli("sweep", city_dir, scenario_file, "--store", store, "--seeds", "3",
                         "--policies", "fifo,greatest_benefit", *VARY)  # fmt: skip
    assert code == 0, err
    assert "0 runs done now, 12 found in the store" in out
    assert "they count as the horizon, so those figures are lower bounds" in out


def test_unknown_policy_is_named_in_words(cli, city_dir, scenario_file, tmp_path):
    # review: "unknown ['bogus']; expected some of ('fifo', ...)" was Python list syntax
    store = tmp_path / "store"
    code, _, err = cli("sweep", city_dir, scenario_file, "--store", store,
                       "--policies", "fifo,nearst")  # fmt: skip
    assert code == 2 and not store.exists()
    line = err.strip()
    assert line.startswith("error: --policies: unknown 'nearst' (did you mean 'nearest'?)")
    assert "expected some of fifo, nearest" in line and "[" not in line and "(" not in line[-40:]
