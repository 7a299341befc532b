"""Output folders: coldstart writes only folders it owns, and never leaves hidden copies behind."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import coldstart
from coldstart.errors import InputError, OutputError, Problem
from coldstart.outdir import MANIFEST, MARKER, check_target, owned_output, read_manifest


def hidden(parent: Path, name: str = "out") -> list[str]:
    """The ``.NAME.coldstart-*`` siblings in ``parent``."""
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(f".{name}.coldstart-"))


def write_run(out: Path, files: dict[str, str], **kw) -> Path:
    kw.setdefault("command", "coldstart test")
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
    ran = False
    with pytest.raises(OutputError) as exc2:
        with owned_output(out, command="x", inputs=inputs):
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
    assert data["command"] == "coldstart test"
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
        with owned_output(out, command="x") as tmp:
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
        with owned_output(out, command="x") as tmp:
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
        with owned_output(out, command="x") as tmp:
            (tmp / "a.txt").write_text("new")
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST, "a.txt"]
    assert hidden(tmp_path) == []


def test_target_changed_during_run(tmp_path):
    out = write_run(tmp_path / "out", {"a.txt": "old"})
    with pytest.raises(OutputError, match="holds files coldstart did not write"):
        with owned_output(out, command="x") as tmp:
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


# --- leftovers of killed runs ------------------------------------------------------------------

KILLED = """
import os, signal, sys
from coldstart.outdir import owned_output
with owned_output(sys.argv[1], command="killed") as tmp:
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


def _fake_leftover(parent: Path, kind: str, pid: int | None, manifest: bool = False) -> Path:
    d = parent / f".out.coldstart-{kind}-abc{kind}{pid}"
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


def test_unmarked_lookalikes_never_removed(tmp_path):
    dead = _dead_pid()
    plain = _fake_leftover(tmp_path, "tmp", None)  # no marker, no manifest
    other_host = _fake_leftover(tmp_path, "old", dead)
    marker = json.loads((other_host / MARKER).read_text())
    (other_host / MARKER).write_text(json.dumps({**marker, "hostname": "elsewhere"}))
    link = tmp_path / ".out.coldstart-tmp-link"
    victim = _fake_leftover(tmp_path, "tmp", dead).rename(tmp_path / "victim")
    link.symlink_to(victim)
    afile = tmp_path / ".out.coldstart-old-file"
    afile.write_text("x")
    other = _fake_leftover(tmp_path, "tmp", dead).rename(tmp_path / ".other.coldstart-tmp-1")
    write_run(tmp_path / "out", {"a": "a"})
    for p in (plain, other_host, link, victim / "data.csv", afile, other):
        assert os.path.lexists(p), p


def test_symlink_loop_refused(tmp_path):
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    refused(loop, "is a symbolic link")
    refused(loop / "out", "its parent is not a folder")
