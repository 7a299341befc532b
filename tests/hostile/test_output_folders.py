"""Output folders: coldstart writes only folders it owns, and never leaves hidden copies behind."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import coldstart
from coldstart.errors import InputError, OutputError, Problem
from coldstart.outdir import (
    MANIFEST,
    MARKER,
    check_target,
    owned_output,
    read_manifest,
)

CMD = "coldstart test"


def tag(name: str) -> str:
    """The hash part of the sibling names of a target called ``name``."""
    return hashlib.sha256(os.fsencode(name)).hexdigest()[:8]


def hidden(parent: Path, name: str = "out") -> list[str]:
    """The ``.STEM.HASH.coldstart-*`` siblings of target ``name`` in ``parent``."""
    start = f".{name[:40]}.{tag(name)}.coldstart-"
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(start))


def all_hidden(parent: Path) -> list[str]:
    """Every name in ``parent`` that looks like a coldstart sibling (hidden or kept)."""
    return sorted(p.name for p in parent.iterdir() if ".coldstart-" in p.name)


def write_run(out: Path, files: dict[str, str], **kw) -> Path:
    kw.setdefault("command", CMD)
    with owned_output(out, **kw) as tmp:
        for rel, text in files.items():
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            (tmp / rel).write_text(text)
    return out


def refused(out, reason: str, inputs=()) -> OutputError:
    """Assert that ``out`` is refused with ``reason``, both by the check and by the context."""
    with pytest.raises(OutputError) as exc:
        check_target(out, inputs)
    assert reason in str(exc.value)
    with pytest.raises(OutputError, match=re.escape(reason)):
        check_target(out, inputs, command=CMD)
    ran = False
    with pytest.raises(OutputError) as exc2:
        with owned_output(out, command=CMD, inputs=inputs):
            ran = True
    assert not ran, "the body must not run for a refused target"
    assert reason in str(exc2.value)
    return exc.value


# --- written folders carry a manifest ---------------------------------------------------------


def test_new_folder_gets_manifest(tmp_path):
    out = write_run(tmp_path / "a" / "b" / "out", {"summary.json": "{}", "sub/t.csv": "x"})
    data = json.loads((out / MANIFEST).read_text())
    assert data["written_by"] == "coldstart"
    assert data["version"] == coldstart.__version__
    assert data["command"] == CMD
    assert data["created_utc"].endswith("+00:00")
    assert data["files"] == ["sub/t.csv", "summary.json"]
    assert sorted(p.name for p in out.iterdir()) == sorted([MANIFEST, "summary.json", "sub"])
    assert hidden(out.parent) == []


def test_rerun_replaces_own_folder(tmp_path):
    out = write_run(tmp_path / "out", {"old.txt": "1", "keep.txt": "1"})
    write_run(out, {"keep.txt": "2"})
    assert not (out / "old.txt").exists()
    assert (out / "keep.txt").read_text() == "2"
    assert read_manifest(out)["files"] == ["keep.txt"]
    assert hidden(tmp_path) == []


def test_empty_folder_accepted(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    write_run(out, {"a.txt": "a"})
    assert (out / "a.txt").exists() and (out / MANIFEST).exists()


def test_own_folder_with_a_file_deleted_is_still_ours(tmp_path):
    out = write_run(tmp_path / "out", {"a.txt": "a", "b.txt": "b"})
    (out / "b.txt").unlink()
    write_run(out, {"c.txt": "c"})
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST, "c.txt"]


# --- folders coldstart did not write ------------------------------------------------------------


def test_foreign_file_refused_and_kept(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    err = refused(out, "holds files coldstart did not write (e.g. 'notes.txt'); choose an empty")
    assert isinstance(err, InputError)
    assert err.problems == [Problem(str(out), "", "", err.problems[0].message)]
    assert (out / "notes.txt").read_text() == "mine"
    assert hidden(tmp_path) == []


def test_extra_user_file_in_own_folder_refused(tmp_path):
    out = write_run(tmp_path / "out", {"summary.json": "{}"})
    (out / "deep").mkdir()
    (out / "deep" / "analysis.py").write_text("mine")
    refused(out, "holds files coldstart did not write (e.g. 'deep/analysis.py')")
    assert (out / "deep" / "analysis.py").read_text() == "mine"
    assert (out / "summary.json").exists()


def test_fake_manifest_refused(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / MANIFEST).write_text(json.dumps({"written_by": "someone", "files": ["x"]}))
    (out / "x").write_text("mine")
    refused(out, "holds files coldstart did not write")
    assert (out / "x").exists()


# --- only unchanged output of the same command is replaced ----------------------------------------


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_manifest_records_size_and_sha256(tmp_path):
    out = write_run(tmp_path / "out", {"a.txt": "hello", "sub/b.csv": ""})
    data = read_manifest(out)
    assert data["files"] == ["a.txt", "sub/b.csv"]
    assert data["sizes"] == {"a.txt": 5, "sub/b.csv": 0}
    assert data["sha256"] == {"a.txt": sha(b"hello"), "sub/b.csv": sha(b"")}


def test_output_of_another_command_refused(tmp_path):
    city = write_run(tmp_path / "city", {"city.toml": "x"}, command="coldstart city")
    why = "holds the output of 'coldstart city', not of 'coldstart run'; choose another folder"
    with pytest.raises(OutputError, match=why):
        with owned_output(city, command="coldstart run"):
            pytest.fail("body must not run")
    with pytest.raises(OutputError, match=why):
        check_target(city, command="coldstart run")
    assert check_target(city) == city  # the early check, without a command, cannot tell
    assert (city / "city.toml").read_text() == "x" and hidden(tmp_path, "city") == []
    write_run(city, {"city.toml": "y"}, command="coldstart city")  # the same command: a rerun
    assert (city / "city.toml").read_text() == "y"
    assert read_manifest(city)["command"] == "coldstart city"


@pytest.mark.parametrize(
    "edit",
    [
        lambda p: p.write_text(p.read_text() + "\n"),  # appended: other size
        lambda p: p.write_text(p.read_text().upper()),  # same size, other bytes
        lambda p: (p.unlink(), p.symlink_to(p.with_name("other.txt"))),  # now a link
    ],
    ids=["appended", "same-size", "symlink"],
)
def test_changed_file_refused(tmp_path, edit):
    out = write_run(tmp_path / "out", {"buildings.geojson": "abc", "other.txt": "abc"})
    edit(out / "buildings.geojson")
    refused(out, "holds files changed since coldstart wrote them (e.g. 'buildings.geojson')")
    with pytest.raises(OutputError, match="changed since coldstart wrote them"):
        write_run(out, {"x": "x"})
    assert os.path.lexists(out / "buildings.geojson") and hidden(tmp_path) == []


def test_hashing_only_when_sizes_match(tmp_path, monkeypatch):
    from coldstart import outdir

    out = write_run(tmp_path / "out", {"a.txt": "a" * 100, "b.txt": "b"})
    hashed = []
    real = outdir._sha256
    monkeypatch.setattr(outdir, "_sha256", lambda p: hashed.append(p.name) or real(p))
    (out / "b.txt").write_text("bb")
    refused(out, "(e.g. 'b.txt')")
    assert hashed == []  # a size differs: nothing read
    (out / "b.txt").write_text("b")
    assert check_target(out, command=CMD) == out
    assert sorted(hashed) == ["a.txt", "b.txt"]


def test_manifest_without_checksums_refused(tmp_path):
    out = write_run(tmp_path / "out", {"a.txt": "a"})
    data = read_manifest(out)
    old = {k: v for k, v in data.items() if k not in ("sizes", "sha256")}
    (out / MANIFEST).write_text(json.dumps(old))  # as an older coldstart wrote it
    assert read_manifest(out) is None
    refused(out, "holds a coldstart manifest without checksums")
    (out / MANIFEST).write_text(json.dumps({**data, "sha256": {}}))  # an entry missing
    refused(out, "holds a coldstart manifest without checksums")
    assert (out / "a.txt").read_text() == "a"


def test_unreadable_folder_is_output_error(tmp_path, monkeypatch):
    from coldstart import outdir

    out = write_run(tmp_path / "out", {"a.txt": "a"})

    def broken(folder):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(outdir, "_list_files", broken)
    refused(out, "cannot be written: Input/output error")


def test_cli_demo_into_city_folder_refused(cli, hx, tmp_path):
    city = tmp_path / "city"
    assert cli("city", "synth", city, "--buildings", "10")[0] == 0
    before = {p.name: p.read_bytes() for p in city.iterdir()}
    code, _, err = cli("demo", "--out", city, "--buildings", "10", "--no-report")
    assert code == 2 and "Traceback" not in err, err
    assert "holds the output of 'coldstart city', not of 'coldstart run'" in err
    assert {p.name: p.read_bytes() for p in city.iterdir()} == before
    assert cli("city", "synth", city, "--buildings", "12")[0] == 0  # the same command: fine
    with (city / "buildings.geojson").open("a") as fh:
        fh.write("\n")
    hx.assert_exit_2(
        cli("city", "synth", city, "--buildings", "10"),
        "holds files changed since coldstart wrote them (e.g. 'buildings.geojson')",
    )
    assert (city / "buildings.geojson").read_text().endswith("\n")
    assert all_hidden(tmp_path) == []


# --- long names ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["n" * 250, "\u00e9" * 127], ids=["250-ascii", "254-bytes"])
def test_long_name_written_and_rewritten(tmp_path, name):
    seen = []
    for text in ("1", "2"):
        with owned_output(tmp_path / name, command=CMD) as tmp:
            seen.append(tmp.name)
            (tmp / "a.txt").write_text(text)
    assert (tmp_path / name / "a.txt").read_text() == "2"
    assert all(len(os.fsencode(n)) < 255 // 2 for n in seen)
    assert all(n.startswith(f".{name[:40]}.{tag(name)}.coldstart-tmp-") for n in seen)
    assert all_hidden(tmp_path) == []


@pytest.mark.parametrize("name", ["n" * 256, "\u00e9" * 128], ids=["256-ascii", "256-bytes"])
def test_too_long_name_refused(tmp_path, name):
    refused(tmp_path / name, "cannot be written: File name too long")
    refused(tmp_path / "new" / name, "cannot be written: File name too long")
    assert not (tmp_path / "new").exists() and list(tmp_path.iterdir()) == []


def test_too_long_path_refused(tmp_path):
    deep = tmp_path.joinpath(*["d" * 200] * 25, "out")  # over PATH_MAX
    refused(deep, "cannot be written: File name too long")
    assert list(tmp_path.iterdir()) == []


def test_cli_long_out_names(cli, hx, tmp_path):
    hx.assert_exit_2(
        cli("city", "synth", tmp_path / ("n" * 256), "--buildings", "10"),
        "cannot be written: File name too long",
    )
    ok = tmp_path / ("n" * 250)
    assert cli("city", "synth", ok, "--buildings", "10")[0] == 0
    assert (ok / "city.toml").exists() and all_hidden(tmp_path) == []


# --- places that are never an output ------------------------------------------------------------


def test_current_folder_refused(tmp_path, monkeypatch):
    (tmp_path / "data.csv").write_text("precious")
    monkeypatch.chdir(tmp_path)
    refused(".", "is the current folder or one of its parents")
    refused(tmp_path, "is the current folder or one of its parents")
    refused("", "is the current folder or one of its parents")
    assert (tmp_path / "data.csv").read_text() == "precious"


def test_parent_of_current_folder_refused(tmp_path, monkeypatch):
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    refused("..", "is the current folder or one of its parents")
    refused(tmp_path, "is the current folder or one of its parents")
    assert work.is_dir()


def test_root_refused():
    refused("/", "is the filesystem root")


def test_home_refused(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    refused(home, "is your home folder")
    write_run(home / "out", {"a": "a"})  # a folder inside home is fine


def test_inputs_refused(tmp_path):
    city = tmp_path / "city"
    city.mkdir()
    (city / "city.toml").write_text("name = 'x'")
    scenario = tmp_path / "scen" / "scenario.toml"
    scenario.parent.mkdir()
    scenario.write_text("x")
    refused(city, f"is an input of this command ('{city}') or holds one", inputs=[city])
    refused(tmp_path / "scen", "or holds one", inputs=[city, scenario])
    refused(city / "out", f"lies inside an input of this command ('{city}')", inputs=[city])
    refused(scenario, "is an input of this command", inputs=[scenario])
    assert (city / "city.toml").exists() and scenario.read_text() == "x"
    write_run(tmp_path / "out", {"a": "a"}, inputs=[city, scenario, None])


def test_inputs_compared_resolved(tmp_path, monkeypatch):
    city = tmp_path / "city"
    city.mkdir()
    (tmp_path / "link").symlink_to(city)
    monkeypatch.chdir(tmp_path)
    refused(tmp_path / "link" / "sub", "lies inside an input", inputs=["city"])
    link = tmp_path / "link"
    refused("city", f"is an input of this command ('{link}') or holds one", inputs=[link])


# --- things that are not folders --------------------------------------------------------------


def test_symlink_refused_and_target_intact(tmp_path):
    real = write_run(tmp_path / "real", {"a.txt": "a"})
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    refused(link, "is a symbolic link (give the real folder)")
    assert link.is_symlink() and (real / "a.txt").read_text() == "a"
    assert hidden(tmp_path, "link") == []
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere")
    refused(dangling, "is a symbolic link")
    assert not (tmp_path / "nowhere").exists()


def test_file_refused_and_unchanged(tmp_path):
    f = tmp_path / "afile.txt"
    f.write_text("text")
    refused(f, "is a file, not a folder")
    assert f.is_file() and f.read_text() == "text"


def test_parent_is_a_file(tmp_path):
    f = tmp_path / "afile.txt"
    f.write_text("text")
    refused(f / "out", "its parent is not a folder")
    refused(f / "a" / "b", "its parent is not a folder")
    assert f.read_text() == "text"


def test_parent_cannot_be_created(tmp_path, monkeypatch):
    def fail(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "mkdir", fail)
    with pytest.raises(OutputError, match="cannot be written: Permission denied"):
        with owned_output(tmp_path / "new" / "out", command="x"):
            pytest.fail("body must not run")


def test_parent_not_writable(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "access", lambda *a, **k: False)
    refused(tmp_path / "out", "cannot be written: permission denied")


# --- failures leave no trace ------------------------------------------------------------------


@pytest.mark.parametrize("exc", [RuntimeError("boom"), KeyboardInterrupt(), SystemExit(3)])
def test_failing_body_leaves_previous_output(tmp_path, exc):
    out = write_run(tmp_path / "out", {"a.txt": "old"})
    with pytest.raises(type(exc)):
        with owned_output(out, command=CMD) as tmp:
            (tmp / "a.txt").write_text("new")
            raise exc
    assert (out / "a.txt").read_text() == "old"
    assert hidden(tmp_path) == []


def test_failing_body_on_new_target(tmp_path):
    with pytest.raises(RuntimeError):
        with owned_output(tmp_path / "out", command="x"):
            raise RuntimeError("boom")
    assert not (tmp_path / "out").exists() and hidden(tmp_path) == []


def test_failed_second_rename_restores_old(tmp_path, monkeypatch):
    out = write_run(tmp_path / "out", {"a.txt": "old"})
    real_rename = os.rename
    calls = []

    def flaky(src, dst, *args, **kwargs):
        calls.append((Path(src).name, Path(dst).name))
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real_rename(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "rename", flaky)
    with pytest.raises(OutputError, match="cannot be written: No space left on device"):
        with owned_output(out, command=CMD) as tmp:
            (tmp / "a.txt").write_text("new")
    assert len(calls) == 3  # away, (failed) into place, back
    assert (out / "a.txt").read_text() == "old"
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST, "a.txt"]
    assert hidden(tmp_path) == []


def test_failed_first_rename_leaves_no_copy(tmp_path, monkeypatch):
    out = write_run(tmp_path / "out", {"a.txt": "old"})

    def fail(src, dst, *args, **kwargs):
        raise OSError(16, "Device or resource busy")

    monkeypatch.setattr(os, "rename", fail)
    with pytest.raises(OutputError, match="cannot be written: Device or resource busy"):
        with owned_output(out, command=CMD) as tmp:
            (tmp / "a.txt").write_text("new")
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST, "a.txt"]
    assert hidden(tmp_path) == []


def test_target_changed_during_run(tmp_path):
    out = write_run(tmp_path / "out", {"a.txt": "old"})
    with pytest.raises(OutputError, match="holds files coldstart did not write"):
        with owned_output(out, command=CMD) as tmp:
            (tmp / "a.txt").write_text("new")
            (out / "notes.txt").write_text("written meanwhile")
    assert (out / "notes.txt").read_text() == "written meanwhile"
    assert (out / "a.txt").read_text() == "old"
    assert hidden(tmp_path) == []


def test_target_created_during_run(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(OutputError, match="is a file, not a folder"):
        with owned_output(out, command="x") as tmp:
            (tmp / "a.txt").write_text("new")
            out.write_text("someone else's")
    assert out.read_text() == "someone else's" and hidden(tmp_path) == []


# --- simultaneous runs ---------------------------------------------------------------------------

RACE = "another coldstart run wrote this folder at the same moment; its result was kept"


def racing_rename(monkeypatch, at: int, meanwhile) -> list:
    """Patch ``os.rename`` so that ``meanwhile()`` runs just before rename call number ``at``."""
    real = os.rename
    calls = []

    def rename(src, dst, *args, **kwargs):
        calls.append((Path(src).name, Path(dst).name))
        if len(calls) == at:
            meanwhile(real)
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "rename", rename)
    return calls


@pytest.mark.parametrize("existing", [True, False], ids=["replacing", "new"])
def test_race_other_run_result_kept(tmp_path, monkeypatch, existing):
    out = tmp_path / "out"
    if existing:
        write_run(out, {"a.txt": "first"})
    rival = write_run(tmp_path / "rival", {"a.txt": "rival"})
    # the other run puts its folder in place between our two renames (or before our only one)
    racing_rename(monkeypatch, 2 if existing else 1, lambda real: real(rival, out))
    with pytest.raises(OutputError, match=RACE):
        write_run(out, {"a.txt": "ours"})
    assert (out / "a.txt").read_text() == "rival"
    assert read_manifest(out)["files"] == ["a.txt"]
    assert all_hidden(tmp_path) == []


def test_race_target_moved_away_by_other_run(tmp_path, monkeypatch):
    out = write_run(tmp_path / "out", {"a.txt": "first"})
    elsewhere = tmp_path / "elsewhere"
    calls = racing_rename(monkeypatch, 1, lambda real: real(out, elsewhere))
    write_run(out, {"a.txt": "ours"})  # it is gone before we move it: ours simply lands
    assert (out / "a.txt").read_text() == "ours" and len(calls) == 2
    assert all_hidden(tmp_path) == []


def test_race_target_moved_and_replaced_by_other_run(tmp_path, monkeypatch):
    out = write_run(tmp_path / "out", {"a.txt": "first"})
    rival = write_run(tmp_path / "rival", {"a.txt": "rival"})
    real = os.rename

    def rename(src, dst, *args, **kwargs):  # the other run swaps just before our first rename
        monkeypatch.setattr(os, "rename", real)
        real(out, tmp_path / "gone")
        real(rival, out)
        raise FileNotFoundError(errno.ENOENT, "No such file or directory")

    monkeypatch.setattr(os, "rename", rename)
    write_run(out, {"a.txt": "ours"})  # the rival's finished output is checked and replaced
    assert (out / "a.txt").read_text() == "ours"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gone", "out"]


def test_race_foreign_folder_left_alone(tmp_path, monkeypatch):
    out = write_run(tmp_path / "out", {"a.txt": "first"})

    def foreign(real):
        out.mkdir()
        (out / "notes.txt").write_text("mine")

    racing_rename(monkeypatch, 2, foreign)
    with pytest.raises(OutputError) as exc:
        write_run(out, {"a.txt": "ours"})
    monkeypatch.undo()
    kept = tmp_path / f"out.{tag('out')}.coldstart-previous-"
    msg = str(exc.value)
    assert "something else appeared there meanwhile and was left alone" in msg
    assert f"the previous output is kept in '{kept}" in msg
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    (left,) = all_hidden(tmp_path)  # visible, outside the leftover naming: never removed
    assert msg.endswith(f"'{tmp_path / left}'") and not left.startswith(".")
    assert (tmp_path / left / "a.txt").read_text() == "first"
    assert not (tmp_path / left / MARKER).exists()
    write_run(tmp_path / "again", {"a": "a"})
    assert (tmp_path / left / "a.txt").exists()


def test_race_foreign_folder_previous_output_flagged_kept(tmp_path, monkeypatch):
    out = write_run(tmp_path / "out", {"a.txt": "first"})

    def foreign(real):
        out.write_text("someone's file")

    calls = racing_rename(monkeypatch, 2, foreign)
    real = os.rename

    def no_keep(src, dst, *args, **kwargs):  # moving the copy to its visible name fails too
        if "coldstart-previous-" in str(dst):
            raise OSError(errno.EIO, "Input/output error")
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "rename", no_keep)
    with pytest.raises(OutputError, match="the previous output is kept in") as exc:
        write_run(out, {"a.txt": "ours"})
    monkeypatch.undo()
    assert len(calls) == 2 and out.read_text() == "someone's file"
    (old,) = hidden(tmp_path)
    assert ".coldstart-old-" in old and str(exc.value).endswith(f"'{tmp_path / old}'")
    assert json.loads((tmp_path / old / MARKER).read_text())["kept"] is True
    subprocess.run([sys.executable, "-c", KEEP_CHECK, str(tmp_path / "x")], check=True)
    assert (tmp_path / old / "a.txt").read_text() == "first"


KEEP_CHECK = """
import sys
from coldstart.outdir import owned_output
with owned_output(sys.argv[1], command="coldstart test") as tmp:
    (tmp / "a").write_text("a")
"""


def test_failed_put_back_keeps_previous_output_visible(tmp_path, monkeypatch):
    out = write_run(tmp_path / "out", {"a.txt": "first"})
    real = os.rename
    calls = []

    def flaky(src, dst, *args, **kwargs):  # into place and back both fail
        calls.append(1)
        if len(calls) in (2, 3):
            raise OSError(errno.EIO, "Input/output error")
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "rename", flaky)
    with pytest.raises(OutputError, match="the previous output is kept in") as exc:
        write_run(out, {"a.txt": "ours"})
    (left,) = all_hidden(tmp_path)
    assert not left.startswith(".") and str(exc.value).endswith(f"'{tmp_path / left}'")
    assert not out.exists() and (tmp_path / left / "a.txt").read_text() == "first"


def test_simultaneous_runs_leave_one_result(tmp_path):
    out = tmp_path / "race"
    errors: list[str] = []

    def worker(k: int) -> None:
        for i in range(6):
            try:
                write_run(out, {"who.txt": f"{k}-{i}", "data.csv": "x" * (k * 100 + i)})
            except OutputError as exc:
                errors.append(str(exc))

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(RACE in e for e in errors), errors
    assert check_target(out, command=CMD) == out
    assert all_hidden(tmp_path) == []


RACER = """
import sys
from coldstart.errors import OutputError
from coldstart.outdir import owned_output
for i in range(8):
    try:
        with owned_output(sys.argv[1], command="coldstart test") as tmp:
            (tmp / "who.txt").write_text(sys.argv[2] + str(i))
    except OutputError as exc:
        print(exc)
"""


def test_simultaneous_processes_leave_one_result(tmp_path):
    out = tmp_path / "race"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, str(out), str(k)],
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )  # fmt: skip
        for k in range(3)
    ]
    results = [p.communicate(timeout=60) for p in procs]
    assert all(p.returncode == 0 for p in procs), results
    for stdout, stderr in results:
        assert stderr == ""
        for line in stdout.splitlines():
            assert RACE in line, line
    assert check_target(out, command=CMD) == out and all_hidden(tmp_path) == []


# --- leftovers of killed runs ------------------------------------------------------------------

KILLED = """
import os, signal, sys
from coldstart.outdir import owned_output
with owned_output(sys.argv[1], command="coldstart test") as tmp:
    (tmp / "half.csv").write_text("half")
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_killed_run_leftover_is_cleaned(tmp_path):
    out = write_run(tmp_path / "out", {"a.txt": "old"})
    proc = subprocess.run([sys.executable, "-c", KILLED, str(out)], cwd=tmp_path, check=False)
    assert proc.returncode == -signal.SIGKILL
    left = hidden(tmp_path)
    assert len(left) == 1 and ".coldstart-tmp-" in left[0]
    assert (tmp_path / left[0] / "half.csv").exists()
    assert (out / "a.txt").read_text() == "old"
    write_run(out, {"a.txt": "new"})
    assert (out / "a.txt").read_text() == "new"
    assert hidden(tmp_path) == []


def sibling(parent: Path, kind: str, suffix: str, name: str = "out") -> Path:
    """The path of a ``.STEM.HASH.coldstart-KIND-SUFFIX`` sibling of target ``name``."""
    return parent / f".{name[:40]}.{tag(name)}.coldstart-{kind}-{suffix}"


def _fake_leftover(
    parent: Path, kind: str, pid: int | None, manifest: bool = False, name: str = "out", suffix=""
) -> Path:
    d = sibling(parent, kind, suffix or f"abc{kind}{pid}", name)
    d.mkdir()
    (d / "data.csv").write_text("x")
    if pid is not None:
        marker = {"written_by": "coldstart", "pid": pid, "hostname": socket.gethostname()}
        (d / MARKER).write_text(json.dumps(marker))
    if manifest:
        files = ["data.csv"]
        (d / MANIFEST).write_text(json.dumps({"written_by": "coldstart", "files": files}))
    return d


def _dead_pid() -> int:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True,
                          capture_output=True, text=True)  # fmt: skip
    return int(proc.stdout)


def test_leftover_of_live_run_kept(tmp_path):
    live_tmp = _fake_leftover(tmp_path, "tmp", os.getpid())
    live_old = _fake_leftover(tmp_path, "old", os.getpid(), manifest=True)
    write_run(tmp_path / "out", {"a": "a"})
    assert live_tmp.is_dir() and live_old.is_dir()
    assert (live_tmp / "data.csv").exists()


def test_leftovers_of_dead_runs_removed(tmp_path):
    dead = _dead_pid()
    _fake_leftover(tmp_path, "tmp", dead)
    _fake_leftover(tmp_path, "old", dead, manifest=True)
    _fake_leftover(tmp_path, "old", None, manifest=True)  # an old folder with no owner at all
    write_run(tmp_path / "out", {"a": "a"})
    assert hidden(tmp_path) == []


def test_leftovers_named_before_the_hash_removed(tmp_path):
    """``.out.coldstart-tmp-*`` (earlier coldstart versions) still counts for target 'out'."""
    dead = _dead_pid()
    legacy = _fake_leftover(tmp_path, "tmp", dead).rename(tmp_path / ".out.coldstart-tmp-abc")
    write_run(tmp_path / "out", {"a": "a"})
    assert not legacy.exists()


def test_dead_leftovers_of_other_targets_removed(tmp_path):
    """A run into 'out' also removes dead leftovers of other targets in the same parent."""
    dead = _dead_pid()
    long_name = "y" * 250
    gone = [
        _fake_leftover(tmp_path, "tmp", dead, name="other"),
        _fake_leftover(tmp_path, "old", dead, manifest=True, name="other"),
        _fake_leftover(tmp_path, "tmp", dead, name=long_name),
    ]
    live = _fake_leftover(tmp_path, "tmp", os.getpid(), name="other")
    plain = _fake_leftover(tmp_path, "old", None, name="other")  # no marker, no manifest
    remote = _fake_leftover(tmp_path, "tmp", dead, name="third")
    marker = json.loads((remote / MARKER).read_text())
    (remote / MARKER).write_text(json.dumps({**marker, "hostname": "elsewhere"}))
    write_run(tmp_path / "out", {"a": "a"})
    assert [p for p in gone if p.exists()] == []
    assert (live / "data.csv").exists() and (plain / "data.csv").exists()
    assert (remote / "data.csv").exists()


def test_sibling_names_checked_by_full_prefix(tmp_path):
    """A short STEM must come with its own HASH; a wrong one is not coldstart's naming."""
    dead = _dead_pid()
    wrong = _fake_leftover(tmp_path, "tmp", dead).rename(
        tmp_path / ".other.deadbeef.coldstart-tmp-abc"
    )
    no_hash = _fake_leftover(tmp_path, "tmp", dead).rename(tmp_path / ".other.coldstart-tmp-1")
    write_run(tmp_path / "out", {"a": "a"})
    assert wrong.is_dir() and no_hash.is_dir()


def test_unmarked_lookalikes_never_removed(tmp_path):
    dead = _dead_pid()
    plain = _fake_leftover(tmp_path, "tmp", None)  # no marker, no manifest
    other_host = _fake_leftover(tmp_path, "old", dead)
    marker = json.loads((other_host / MARKER).read_text())
    (other_host / MARKER).write_text(json.dumps({**marker, "hostname": "elsewhere"}))
    link = sibling(tmp_path, "tmp", "link")
    victim = _fake_leftover(tmp_path, "tmp", dead).rename(tmp_path / "victim")
    link.symlink_to(victim)
    afile = sibling(tmp_path, "old", "file")
    afile.write_text("x")
    kept = _fake_leftover(tmp_path, "old", dead, suffix="kept")
    (kept / MARKER).write_text(json.dumps({**marker, "kept": True}))
    write_run(tmp_path / "out", {"a": "a"})
    for p in (plain, other_host, link, victim / "data.csv", afile, kept / "data.csv"):
        assert os.path.lexists(p), p


def test_symlink_loop_refused(tmp_path):
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    refused(loop, "is a symbolic link")
    refused(loop / "out", "its parent is not a folder")
