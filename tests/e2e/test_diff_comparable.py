"""``coldstart diff`` refuses runs of another horizon, step or city unless ``--force``."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest


def _copy(src, dst, timeline=None, buildings=None):
    shutil.copytree(src, dst)
    if timeline is not None:
        timeline(pd.read_csv(src / "timeline.csv")).to_csv(dst / "timeline.csv", index=False)
    if buildings is not None:
        buildings(pd.read_parquet(src / "buildings.parquet")).to_parquet(
            dst / "buildings.parquet", index=False
        )
    return dst


def _moved(share):
    """Buildings with the first ``share`` of them moved about 1 km north."""

    def edit(b):
        b = b.copy()
        n = int(round(share * len(b)))
        b.loc[: n - 1, "lat"] += 0.01
        return b

    return edit


def test_same_setup_compares(six_hour_runs, tmp_path, cli):
    a, b = six_hour_runs
    code, _, stderr = cli("diff", a, b, "--out", tmp_path / "d.html")
    assert code == 0, stderr
    assert "warning" not in stderr and "not-comparable" not in (tmp_path / "d.html").read_text()


@pytest.mark.parametrize(
    ("edit", "needle"),
    [
        ({"timeline": lambda t: t[t["hours"] < 3]}, "horizon 6 h vs 3 h"),
        ({"timeline": lambda t: t.iloc[::2]}, "step 10 min vs 20 min"),
        ({"buildings": _moved(0.5)}, "city: 40 of 80 buildings matched by id lie more than 10 m"),
        ({"buildings": lambda b: b.assign(building_id="x" + b["building_id"])},
         "city: no building id in common"),
    ],
)  # fmt: skip
def test_other_setup_is_refused_then_forced(six_hour_runs, tmp_path, cli, edit, needle):
    a, _ = six_hour_runs
    b = _copy(six_hour_runs[1], tmp_path / "other", **edit)
    out = tmp_path / "d.html"
    code, stdout, stderr = cli("diff", a, b, "--out", out)
    assert code == 2 and not out.exists()
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0]
    assert "--force" in lines[0] and "Traceback" not in stderr
    code, stdout, stderr = cli("diff", a, b, "--out", out, "--force")
    assert code == 0 and "wrote" in stdout
    warn = [ln for ln in stderr.splitlines() if ln.startswith("warning:")]
    assert len(warn) == 1 and needle in warn[0]
    page = out.read_text()
    assert "id='not-comparable'" in page and "These runs do not compare" in page


def test_a_few_moved_buildings_still_compare(six_hour_runs, tmp_path, cli):
    """Up to 5 % of the matched buildings may lie elsewhere (edited): 4 of 80 compare, 5 not."""
    a, b = six_hour_runs
    code, _, stderr = cli("diff", a, _copy(b, tmp_path / "four", buildings=_moved(4 / 80)),
                          "--out", tmp_path / "d.html")  # fmt: skip
    assert code == 0, stderr
    code, _, stderr = cli("diff", a, _copy(b, tmp_path / "five", buildings=_moved(5 / 80)),
                          "--out", tmp_path / "d.html")  # fmt: skip
    assert code == 2 and "5 of 80 buildings" in stderr
