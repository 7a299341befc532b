"""``coldstart serve`` on the command line: the address is taken before anything is written, and
the run store lives in the data folder unless --store is given."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import coldstart


def held_port() -> socket.socket:
    """A loopback socket listening on a free port (as another server would)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    return sock


def test_a_port_in_use_stops_before_anything_is_written(tmp_path, monkeypatch, cli):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("COLDSTART_TOKEN", raising=False)
    with held_port() as sock:
        port = sock.getsockname()[1]
        code, _, err = cli("serve", "--port", port, "--data", "web5")
    assert code == 2, err
    assert err.splitlines() == [
        f"error: --port: 127.0.0.1:{port} is in use (Address already in use); choose another"
    ]
    assert "dashboard on" not in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []  # no web5/jobs, web5/cities, ./coldstart-web/store


def test_a_data_file_is_not_a_data_folder(tmp_path, monkeypatch, cli):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("mine")
    code, _, err = cli("serve", "--port", 1, "--data", "notes.txt")
    assert code == 2 and err.splitlines() == ["error: --data: notes.txt is not a folder"], err
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_the_store_follows_the_data_folder_and_the_port_is_kept(tmp_path, monkeypatch, cli):
    src = Path(coldstart.__file__).parents[1]
    env = {**os.environ, "PYTHONPATH": str(src), "COLDSTART_TOKEN": ""}
    with held_port() as probe:
        port = probe.getsockname()[1]  # free once closed: the server takes it
    data = tmp_path / "x" / "web5"
    cmd = [sys.executable, "-m", "coldstart", "serve", "--port", str(port), "--data", str(data)]
    log = tmp_path / "serve.log"
    with open(log, "wb") as f:
        proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=f, stderr=subprocess.STDOUT)
    try:
        end, health = time.monotonic() + 60, None
        while health is None and proc.poll() is None and time.monotonic() < end:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2) as r:
                    health = r.status
            except OSError:
                time.sleep(0.2)
        assert health == 200, log.read_text()
        assert (data / "store").is_dir() and not (tmp_path / "coldstart-web").exists()
        assert f"(store {data / 'store'})" in log.read_text()
        monkeypatch.chdir(tmp_path)
        monkeypatch.delenv("COLDSTART_TOKEN", raising=False)
        code, _, err = cli("serve", "--port", port, "--data", "other")  # uvicorn holds it now
        assert code == 2, err
        assert err.splitlines() == [
            f"error: --port: 127.0.0.1:{port} is in use (Address already in use); choose another"
        ]
        assert not (tmp_path / "other").exists()
        # Ctrl-C stops the server as it should: exit 0, "dashboard stopped", nothing said
        # about work lost (code review: it said "interrupted; nothing was written", exit 130)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0, log.read_text()
        text = log.read_text()
        assert "dashboard stopped" in text and "nothing was written" not in text
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_an_older_data_folder_is_pointed_to_its_store(tmp_path, monkeypatch, capsys):
    from coldstart.cli.serve import older_layout_note

    monkeypatch.chdir(tmp_path)
    (tmp_path / "web5" / "runs").mkdir(parents=True)
    older_layout_note(Path("web5"))
    assert capsys.readouterr().err == ""  # no older store here: nothing to say
    (tmp_path / "coldstart-web" / "store").mkdir(parents=True)
    older_layout_note(Path("web5"))
    said = capsys.readouterr().err
    assert (
        said.startswith("note: web5 holds runs of an older server") and len(said.splitlines()) == 1
    )
    assert "pass --store coldstart-web/store" in said
    (tmp_path / "web5" / "store").mkdir()
    older_layout_note(Path("web5"))
    assert capsys.readouterr().err == ""  # the data folder has its own store: in use already
