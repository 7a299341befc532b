"""``coldstart store query``: one read-only statement, a plain table, a store that moves.

An 80-building city, a 12-hour scenario and 2 seeds: the shared store takes about a second.
"""

import re
import shutil
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from coldstart.cli import app
from coldstart.cli.sqltable import text_table
from coldstart.sweep.store import QUERY_FORMS, RunStore
from demo_texts import short_demo_text

README = Path(__file__).parents[2] / "README.md"


def _sweep(city_dir: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    scenario = folder / "short.toml"
    scenario.write_text(short_demo_text(12, 10))
    store = folder / "runs"
    args = ["sweep", str(city_dir), str(scenario), "--store", str(store), "--seeds", "2"]
    result = CliRunner().invoke(app, [*args, "--workers", "1"])
    assert result.exit_code == 0, result.output
    return store


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory, small_city_dir) -> Path:
    """A store of 2 runs, read only by the tests that share it."""
    return _sweep(small_city_dir, tmp_path_factory.mktemp("query"))


def _refused(cli, store: Path, sql: str) -> str:
    code, out, err = cli("store", "query", store, sql)
    assert code == 2, (sql, out)
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    return err


def _rows(cli, store: Path, sql: str) -> list[str]:
    code, out, err = cli("store", "query", store, sql)
    assert code == 0, err
    return out.splitlines()


# --------------------------------------------------------------------------- statements


def test_several_statements_are_refused_one_with_a_semicolon_runs(cli, shared_store):
    err = _refused(cli, shared_store, "SELECT 1; SELECT 2")
    assert "2 statements given" in err and "one statement" in err
    assert "statements given" in _refused(cli, shared_store, "SELECT 1 AS a; FROM runs;")
    assert _rows(cli, shared_store, "SELECT 7 AS a;")[2] == "7"
    assert "no statement" in _refused(cli, shared_store, " -- only a comment")


@pytest.mark.parametrize(
    ("sql", "word"),
    [
        ("INSTALL httpfs", "INSTALL"),
        ("PRAGMA enable_external_access=true", "PRAGMA"),
        ("/* note */ -- why\n load httpfs", "LOAD"),
        ("RESET threads", "RESET"),
        ("SET threads = 1", "SET"),
        ("CALL pragma_version()", "CALL"),
    ],
)
def test_a_refusal_names_the_statement_written(cli, shared_store, sql, word):
    err = _refused(cli, shared_store, sql)
    assert f"{word} statements are not allowed" in err
    assert f"only read-only queries are ({', '.join(QUERY_FORMS)})" in err


def test_code_help_and_readme_list_the_same_query_forms(cli, shared_store):
    text = README.read_text()
    said = re.search(r"`store query` runs queries only\s*\(([^)]*)\)", text)
    assert said, "README no longer lists the forms of store query"
    assert tuple(re.findall(r"`([A-Z]+)`", said.group(1))) == QUERY_FORMS
    code, out, _ = cli("store", "query", "--help")
    assert code == 0
    assert f"({', '.join(QUERY_FORMS)})" in " ".join(out.replace("│", " ").split())
    examples = {
        "SELECT": "SELECT 1",
        "FROM": "FROM runs",
        "WITH": "WITH a AS (SELECT 1 AS x) SELECT x FROM a",
        "VALUES": "VALUES (1)",
        "DESCRIBE": "DESCRIBE runs",
        "SHOW": "SHOW TABLES",
        "SUMMARIZE": "SUMMARIZE runs",
        "EXPLAIN": "EXPLAIN SELECT 1",
    }
    assert tuple(examples) == QUERY_FORMS
    for sql in examples.values():
        assert len(_rows(cli, shared_store, sql)) >= 3, sql


# --------------------------------------------------------------------------- plain output


def test_the_plain_table_prints_nulls_integers_and_floats_plainly(cli, shared_store):
    sql = (
        "SELECT count(*) AS n, sum(seed) - sum(seed) AS zero, NULL::INTEGER AS i, "
        "NULL::VARCHAR AS s, NULL::DOUBLE AS d, 0.1::DOUBLE + 0.2::DOUBLE AS f, "
        "1234567.123456789::DOUBLE AS g, 'a b' AS t FROM runs"
    )
    lines = _rows(cli, shared_store, sql)
    assert lines[0].split() == ["n", "zero", "i", "s", "d", "f", "g", "t"]
    assert set(lines[1]) == {"-", " "}
    assert lines[2].split() == [
        "2", "0", "NULL", "NULL", "NULL", "0.30000000000000004", "1234567.123456789", "a", "b",
    ]  # fmt: skip
    assert len(lines) == 3
    # --json keeps its form: NULL is null
    code, out, err = cli("store", "query", shared_store, sql, "--json")
    assert code == 0, err
    assert '"i": null' in out and '"n": 2' in out


def test_an_empty_result_is_a_header_and_no_rows(cli, shared_store):
    lines = _rows(cli, shared_store, "SELECT seed, policy FROM runs WHERE false")
    assert lines[0].split() == ["seed", "policy"]
    assert lines[2:] == ["(0 rows)"]


def test_a_long_result_prints_its_first_rows_and_counts_all(cli, shared_store):
    lines = _rows(cli, shared_store, "SELECT range AS i FROM range(10005)")
    assert lines[-1] == "... 10,005 rows, first 10,000 shown"
    assert lines[2:-1] == [str(i).rjust(4) for i in range(10_000)]


def test_an_explain_plan_prints_as_lines(cli, shared_store):
    lines = _rows(cli, shared_store, "EXPLAIN SELECT count(*) FROM timelines")
    assert not any("\\n" in line for line in lines)
    plan = [line for line in lines[2:] if "Aggregate" in line]
    assert plan and len(lines) > 6


def test_text_table_aligns_numbers_right_and_splits_lines():
    text = text_table(["k", "v"], [("a", 1), ("bb\ncc", None), ("d", 2.5)])
    assert text.splitlines() == [
        "k      v",
        "--  ----",
        "a      1",
        "bb  NULL",
        "cc",
        "d    2.5",
    ]
    assert text_table(["x"], []) == "x\n-\n(0 rows)\n"


# --------------------------------------------------------------------------- a moved store


def _table_names(cli, store: Path) -> list[str]:
    return _rows(cli, store, "SHOW TABLES")[2:]


def test_a_moved_store_still_reads_its_timelines(cli, small_city_dir, tmp_path):
    store = _sweep(small_city_dir, tmp_path / "first")
    count = "SELECT count(*) AS n FROM timelines"
    before = _rows(cli, store, count)[2]
    assert int(before) > 0
    moved = tmp_path / "second" / "runs"
    moved.parent.mkdir()
    shutil.move(store, moved)
    assert _rows(cli, moved, count)[2] == before
    names = _table_names(cli, moved)
    assert sorted(names) == sorted(set(names)) and "timelines" in names
    # the database file itself keeps no path: DuckDB opens it and every view binds
    with duckdb.connect(str(moved / "runs.duckdb"), read_only=True) as con:
        saved = con.execute("SELECT sql FROM duckdb_views() WHERE NOT internal").fetchall()
        assert saved == []
        assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 2


def test_an_older_stores_saved_view_is_shadowed_then_dropped(cli, small_city_dir, tmp_path):
    store = _sweep(small_city_dir, tmp_path / "old")
    glob = store.resolve() / "timelines" / "*.parquet"
    with duckdb.connect(str(store / "runs.duckdb")) as con:  # as coldstart saved it before
        con.execute(
            f"CREATE VIEW timelines AS SELECT t.* FROM read_parquet('{glob}', "
            "union_by_name=true) t WHERE t.run_id IN (SELECT run_id FROM runs)"
        )
    count = "SELECT count(*) AS n FROM timelines"
    before = _rows(cli, store, count)[2]
    assert int(before) > 0
    assert _table_names(cli, store) == ["runs", "sweep_runs", "sweeps", "timelines"]
    moved = tmp_path / "elsewhere"
    shutil.move(store, moved)
    assert _rows(cli, moved, count)[2] == before  # read-only: this folder's timelines
    RunStore(moved).close()  # a sweep opening it drops the saved view
    with duckdb.connect(str(moved / "runs.duckdb"), read_only=True) as con:
        saved = con.execute("SELECT sql FROM duckdb_views() WHERE NOT internal").fetchall()
        assert saved == []
    assert _table_names(cli, moved) == ["runs", "sweep_runs", "sweeps", "timelines"]
    assert _rows(cli, moved, count)[2] == before


def test_explain_analyze_is_refused_it_would_run_the_copy(cli, small_city_dir, tmp_path):
    # code review: EXPLAIN ANALYZE runs the statement it explains; with the timelines folder
    # readable and writable, `EXPLAIN ANALYZE COPY ... TO 'timelines/<run>.parquet'` replaced a
    # run's timeline. Refused; nothing in the store changes
    store = _sweep(small_city_dir, tmp_path / "x")
    before = sorted((p.name, p.stat().st_size) for p in (store / "timelines").iterdir())
    victim = (store / "timelines" / before[0][0]).resolve()
    for sql in (f"EXPLAIN ANALYZE COPY (SELECT 1 AS x) TO '{victim}'",
                f"/* c */ explain analyse COPY (SELECT 1 AS x) TO '{victim}'"):  # fmt: skip
        err = _refused(cli, store, sql)
        assert "EXPLAIN ANALYZE runs the statement" in err
    assert sorted((p.name, p.stat().st_size) for p in (store / "timelines").iterdir()) == before
    assert _rows(cli, store, "EXPLAIN SELECT count(*) FROM runs")  # a plain EXPLAIN still runs
