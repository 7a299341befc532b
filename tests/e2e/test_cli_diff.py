"""``coldstart diff RUN_A RUN_B --out FILE.html`` on two demo runs and on bad folders."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest


def test_diff_of_two_runs(demo_run_dir, demo_run_b_dir, tmp_path, cli):
    out = tmp_path / "diff.html"
    code, stdout, stderr = cli("diff", demo_run_dir, demo_run_b_dir, "--out", out)
    assert code == 0, stderr
    assert "wrote" in stdout
    page = out.read_text()
    a = json.loads((demo_run_dir / "summary.json").read_text())
    b = json.loads((demo_run_b_dir / "summary.json").read_text())
    delta = b["peak_people_without_heat"] - a["peak_people_without_heat"]
    assert f"{delta:+,}" in page  # headline difference, signed
    assert "A: demo" in page and "B: demo-seed5" in page
    assert page.count("Plotly.newPlot(") == 2 and page.count("plotly.js v") == 1
    assert "2,000 buildings matched by id" in page
    # the map's colours are B - A of each building's lowest temperature
    ta = pd.read_parquet(demo_run_dir / "buildings.parquet")["min_temp_c"]
    tb = pd.read_parquet(demo_run_b_dir / "buildings.parquet")["min_temp_c"]
    assert f"from {(tb - ta).min():+.1f} to {(tb - ta).max():+.1f} K" in page
    assert "https://" not in page.split('id="plotlyjs"')[0]


def _bad_copy(src, tmp_path, edit):
    dst = tmp_path / "bad"
    shutil.copytree(src, dst)
    edit(dst)
    return dst


@pytest.mark.parametrize(
    ("edit", "file", "needle"),
    [
        (lambda d: (d / "summary.json").unlink(), "summary.json", "file not found"),
        (lambda d: (d / "summary.json").write_text("{oops"), "summary.json", "not valid JSON"),
        (lambda d: (d / "summary.json").write_text("[1, 2]"), "summary.json", "JSON object"),
        (lambda d: (d / "timeline.csv").write_text("a,b\n1,2\n"), "timeline.csv", "'hours'"),
        (lambda d: (d / "buildings.parquet").write_bytes(b"PAR1 nonsense"), "buildings.parquet",
         "Parquet"),
        (lambda d: pd.DataFrame({"building_id": ["x"]}).to_parquet(d / "buildings.parquet"),
         "buildings.parquet", "min_temp_c"),
    ],
)  # fmt: skip
def test_bad_folder_is_one_line_exit_2(demo_run_dir, tmp_path, cli, edit, file, needle):
    bad = _bad_copy(demo_run_dir, tmp_path, edit)
    out = tmp_path / "diff.html"
    code, stdout, stderr = cli("diff", demo_run_dir, bad, "--out", out)
    assert code == 2
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert str(bad / file) in lines[0] and needle in lines[0]
    assert "Traceback" not in stderr and not out.exists()


def test_missing_folder_and_bad_out(demo_run_dir, tmp_path, cli):
    code, _, stderr = cli("diff", demo_run_dir, tmp_path / "nope", "--out", tmp_path / "d.html")
    assert code == 2 and "is not a folder" in stderr and "nope" in stderr
    code, _, stderr = cli("diff", demo_run_dir, demo_run_dir, "--out", demo_run_dir / "d.html")
    assert code == 2 and "lies inside the folder" in stderr
    assert not (demo_run_dir / "d.html").exists()
    code, _, stderr = cli("diff", demo_run_dir, demo_run_dir, "--out", tmp_path)
    assert code == 2 and "is a folder" in stderr


def test_a_users_file_is_never_replaced(demo_run_dir, demo_run_b_dir, tmp_path, cli):
    mine = tmp_path / "notes.html"
    mine.write_text("my notes")
    code, _, stderr = cli("diff", demo_run_dir, demo_run_dir, "--out", mine)
    assert code == 2 and "is not a page coldstart diff wrote" in stderr
    assert mine.read_text() == "my notes"
    page = tmp_path / "d.html"  # a page coldstart diff wrote is replaced by the next diff
    assert cli("diff", demo_run_dir, demo_run_b_dir, "--out", page)[0] == 0
    code, _, stderr = cli("diff", demo_run_dir, demo_run_b_dir, "--out", page)
    assert code == 0, stderr
