"""The pages of ``coldstart diff`` and ``coldstart store report``: where they may be written
(one shared check), the result folders the diff reads, and how it labels two runs."""

from __future__ import annotations

import json
import os
import shutil

import pytest


def _writers(six_hour_runs, tmp_path):
    """Both page writers, as the CLI arguments before ``--out``."""
    a, b = six_hour_runs
    return {"diff": ("diff", a, b), "store": ("store", "report", tmp_path / "no-store")}


def _refused(cli, args, out, stderr_needle):
    code, stdout, stderr = cli(*args, "--out", out)
    lines = stderr.strip().splitlines()
    assert code == 2 and "wrote" not in stdout, stderr
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in stderr
    assert stderr_needle in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("writer", ["diff", "store"])
def test_a_run_report_or_another_commands_page_is_never_replaced(
    six_hour_runs, tmp_path, cli, writer
):
    a, b = six_hour_runs
    diff_page = tmp_path / "diff.html"
    assert cli("diff", a, b, "--out", diff_page)[0] == 0
    assert '<meta name="generator" content="coldstart diff">' in diff_page.read_text()
    from coldstart.report.fan import GENERATOR
    from coldstart.report.html import page_head

    kept = tmp_path / "kept.html"  # a run's report kept by the user: page_head's default tag
    kept.write_text("\n".join([*page_head("coldstart report: mine"), "<p>kept</p>"]))
    store_page = tmp_path / "sweep.html"
    store_page.write_text("\n".join([*page_head("coldstart Sweep", GENERATOR), "<p>sweep</p>"]))
    others = [kept] + ([store_page] if writer == "diff" else [diff_page])
    for path in others:
        before = path.read_bytes()
        _refused(cli, _writers(six_hour_runs, tmp_path)[writer], path, "is not a page coldstart")
        assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["diff.html", "kept.html", "sweep.html"]


def test_diff_replaces_its_own_page(six_hour_runs, tmp_path, cli):
    a, b = six_hour_runs
    page = tmp_path / "d.htm"
    page.write_text('<meta name="generator" content="coldstart diff"><p>earlier page</p>')
    code, stdout, stderr = cli("diff", a, b, "--out", page)
    assert code == 0, stderr
    assert "earlier page" not in page.read_text() and "Plotly.newPlot(" in page.read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["d.htm"]  # no temporary file left


def test_diff_replaces_its_page_of_an_older_coldstart(six_hour_runs, tmp_path, cli):
    # code review: a coldstart-diff.html written before pages named their command (tag
    # "coldstart", title "coldstart diff: ...") was refused; its title says whose it is
    from coldstart.report.html import page_head

    a, b = six_hour_runs
    old = tmp_path / "coldstart-diff.html"
    old.write_text("\n".join([*page_head("coldstart diff: a vs b"), "<p>older page</p>"]))
    assert cli("diff", a, b, "--out", old)[0] == 0
    assert "older page" not in old.read_text()
    report = tmp_path / "report.html"  # an older run report (same tag, another title): kept
    report.write_text("\n".join([*page_head("coldstart report: mine"), "<p>kept</p>"]))
    _refused(cli, ("diff", a, b), report, "is not a page coldstart")
    assert "kept" in report.read_text()


@pytest.mark.parametrize("writer", ["diff", "store"])
@pytest.mark.parametrize(
    ("name", "needle"),
    [
        ("d.txt", "d.txt: expected a file name ending in .html"),
        ("", "--out: no file name given"),
        ("nodir/d.html", "nodir/d.html: its folder does not exist"),
        ("a\0b.html", "a\\0b.html: is not a valid file name"),
    ],
)
def test_both_writers_refuse_the_same_names_alike(
    six_hour_runs, tmp_path, cli, monkeypatch, writer, name, needle
):
    monkeypatch.chdir(tmp_path)
    line = _refused(cli, _writers(six_hour_runs, tmp_path)[writer], name, needle)
    assert line.startswith(f"error: {needle}")
    assert not (tmp_path / "nodir").exists() and not (tmp_path / "d.txt").exists()


@pytest.mark.parametrize("writer", ["diff", "store"])
def test_both_writers_refuse_a_symbolic_link(six_hour_runs, tmp_path, cli, writer):
    target = tmp_path / "target.html"
    target.write_text("mine")
    link = tmp_path / "link.html"
    os.symlink(target, link)
    _refused(cli, _writers(six_hour_runs, tmp_path)[writer], link, "is a symbolic link")
    assert link.is_symlink() and target.read_text() == "mine"


def _copy(src, dst, edit):
    shutil.copytree(src, dst)
    edit(dst)
    return dst


@pytest.mark.parametrize(
    ("edit", "file", "needle"),
    [
        (lambda d: (d / "timeline.csv").write_text("hours,people_without_heat\n"),
         "timeline.csv", "has 0 row(s)"),
        (lambda d: (d / "timeline.csv").write_text("hours,people_without_heat\n0,1\nx,2\n"),
         "timeline.csv", "line 3, field 'hours': is 'x', not a number"),
        (lambda d: (d / "timeline.csv").write_text("hours,people_without_heat\n0,1\n1,lots\n"),
         "timeline.csv", "line 3, field 'people_without_heat': is 'lots', not a number"),
        (lambda d: (d / "timeline.csv").write_text("hours,people_without_heat\n0,1\n,2\n"),
         "timeline.csv", "line 3, field 'hours': is empty, not a number"),
        (lambda d: (d / "timeline.csv").write_text("hours\n0\n1\n1\n"),
         "timeline.csv", "line 4, field 'hours': does not increase"),
        (lambda d: (d / "timeline.csv").write_bytes(b""), "timeline.csv", "timeline.csv"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("force", [False, True])
def test_a_bad_timeline_is_named_even_with_force(six_hour_runs, tmp_path, cli, edit, file,
                                                 needle, force):  # fmt: skip
    a, b = six_hour_runs
    bad = _copy(b, tmp_path / "bad", edit)
    out = tmp_path / "d.html"
    args = ("diff", a, bad, "--out", out, *(["--force"] if force else []))
    code, _, stderr = cli(*args)
    lines = stderr.strip().splitlines()
    assert code == 2 and len(lines) == 1 and "Traceback" not in stderr
    assert str(bad / file) in lines[0] and needle in lines[0], lines[0]
    assert "nan" not in lines[0] and not out.exists()


@pytest.mark.parametrize(
    ("value", "shown"), [("lots", '"lots"'), (True, "true"), ([1, 2], "[1, 2]"), ({}, "{}")]
)
def test_a_figure_that_is_not_a_number_is_refused(six_hour_runs, tmp_path, cli, value, shown):
    a, b = six_hour_runs

    def edit(d):
        summary = json.loads((d / "summary.json").read_text())
        summary["person_hours_below_12c"] = value
        (d / "summary.json").write_text(json.dumps(summary))

    bad = _copy(b, tmp_path / "bad", edit)
    out = tmp_path / "d.html"
    code, _, stderr = cli("diff", a, bad, "--out", out, "--force")
    assert code == 2 and not out.exists() and "Traceback" not in stderr
    assert stderr.strip() == (
        f"error: {bad / 'summary.json'}, field 'person_hours_below_12c': is {shown}, "
        "not a number or null"
    )


def test_runs_of_the_same_name_are_told_apart(six_hour_runs, tmp_path, cli):
    a, b = six_hour_runs
    shutil.copytree(a, tmp_path / "x" / "run")
    shutil.copytree(b, tmp_path / "y" / "run")
    out = tmp_path / "d.html"
    code, _, stderr = cli("diff", tmp_path / "x" / "run", tmp_path / "y" / "run", "--out", out)
    assert code == 0, stderr
    page = out.read_text()
    assert "<title>coldstart diff: x/run vs y/run</title>" in page
    assert "A: x/run · B: y/run" in page and "run vs run" not in page
    assert "<th class='num'>A: x/run</th><th class='num'>B: y/run</th>" in page  # headline


def test_a_run_compared_with_itself_is_refused_unless_forced(six_hour_runs, tmp_path, cli):
    a, _ = six_hour_runs
    out = tmp_path / "d.html"
    code, _, stderr = cli("diff", a, a.parent / ".." / a.parent.name / a.name, "--out", out)
    lines = stderr.strip().splitlines()
    assert code == 2 and len(lines) == 1 and "is the same folder as" in lines[0]
    assert "--force" in lines[0] and not out.exists()
    code, stdout, stderr = cli("diff", a, a, "--out", out, "--force")
    assert code == 0 and "wrote" in stdout and out.exists()
    assert [ln for ln in stderr.splitlines() if "the same folder" in ln][0].startswith("warning:")


@pytest.mark.parametrize("writer", ["diff", "store"])
def test_a_name_the_file_system_refuses_is_one_line(six_hour_runs, tmp_path, cli, writer):
    out = tmp_path / ("x" * 300 + ".html")  # longer than a file name may be (255 bytes)
    _refused(cli, _writers(six_hour_runs, tmp_path)[writer], out, "cannot be written")
    assert list(tmp_path.iterdir()) == []
