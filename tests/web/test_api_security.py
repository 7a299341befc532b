"""The dashboard's guards: token, loopback rule, body limits, hostile zips, bounded queue,
restart, closed CORS, no stack traces."""

from __future__ import annotations

import io
import json
import stat
import threading
import zipfile

import pytest

from web_helpers import make_client, make_config, tiny_scenario, wait_done, zip_of

TOKEN = "s3cret-token-for-tests"


def zip_with(members: list[tuple[zipfile.ZipInfo | str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in members:
            zf.writestr(info, data)
    return buf.getvalue()


@pytest.fixture(scope="module")
def guarded(tmp_path_factory):
    """A server with a token and small limits."""
    tmp = tmp_path_factory.mktemp("guarded")
    config = make_config(tmp, token=TOKEN, max_upload_bytes=2_000_000, queue_size=1,
                         max_unzipped_bytes=20_000_000)  # fmt: skip
    with make_client(config, raise_errors=False) as client:
        client.tmp = tmp
        yield client


AUTH = {"Authorization": f"Bearer {TOKEN}"}


def post_zip(client, data: bytes, name: str = "upload"):
    headers = {**AUTH, "Content-Type": "application/zip"}
    return client.post(f"/api/cities?name={name}", content=data, headers=headers)


def uploads(client) -> list[str]:
    return sorted(p.name for p in (client.tmp / "data" / "cities").iterdir())


def test_token_needed_everywhere_but_health(guarded):
    assert guarded.get("/api/health").status_code == 200
    for path in ("/api/cities", "/api/runs", "/api/sweeps", "/api/runs/" + "0" * 32):
        assert guarded.get(path).status_code == 401
        wrong = {"Authorization": f"Bearer {TOKEN}x"}
        assert guarded.get(path, headers=wrong).status_code == 401
        assert guarded.get(path, headers={"Authorization": TOKEN}).status_code == 401
    r = guarded.post("/api/runs", json={"scenario": tiny_scenario()})
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert guarded.get("/api/cities", headers=AUTH).status_code == 200
    assert guarded.get("/").status_code == 200  # the page itself asks for the token


def test_no_token_means_loopback_only():
    from typer.testing import CliRunner

    from coldstart.cli import app
    from coldstart.web.security import bind_problem

    for host in ("127.0.0.1", "::1", "localhost", "127.0.0.2"):
        assert bind_problem(host, None) is None
    for host in ("0.0.0.0", "::", "192.168.1.10", "example.org"):
        assert "COLDSTART_TOKEN" in bind_problem(host, None)
        assert bind_problem(host, "t") is None
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0"], env={"COLDSTART_TOKEN": ""})
    assert result.exit_code == 2 and "refusing to listen on 0.0.0.0" in result.output


def test_uploads_over_the_cap_get_413(guarded):
    big = b"\0" * 2_100_000
    assert post_zip(guarded, big).status_code == 413

    def chunks():  # no Content-Length: counted while read
        for _ in range(40):
            yield b"\0" * 100_000

    r = guarded.post(
        "/api/cities", content=chunks(), headers={**AUTH, "Content-Type": "application/zip"}
    )
    assert r.status_code == 413
    # a JSON body without a length too (FastAPI turns other errors reading it into 400)
    for route in ("/api/scenarios/check", "/api/runs"):
        r = guarded.post(
            route, content=chunks(), headers={**AUTH, "Content-Type": "application/json"}
        )
        assert r.status_code == 413, (route, r.status_code, r.text)
        assert "larger than" in r.json()["detail"]


def _link(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


@pytest.mark.parametrize(
    ("members", "said"),
    [
        ([("/etc/city.toml", b"x")], "absolute path"),
        ([("city/../../evil.txt", b"x")], "'..'"),
        ([("C:/city.toml", b"x")], "absolute path"),
        ([("city\\..\\evil", b"x")], "backslash"),
        ([(_link("city/city.toml"), b"/etc/passwd")], "link"),
        ([(f"f{i}", b"") for i in range(1001)], "members"),
        ([], "empty"),
        ([("readme.txt", b"hello")], "no city.toml"),
    ],
)
def test_hostile_zips_are_refused_and_leave_nothing(guarded, members, said):
    before = uploads(guarded)
    r = post_zip(guarded, zip_with(members))
    assert r.status_code == 422 and said in r.json()["detail"], r.text
    assert uploads(guarded) == before
    assert not (guarded.tmp / "evil.txt").exists()


def test_zip_bombs_are_refused(guarded):
    bomb = zip_with([("city/city.toml", b"\0" * 30_000_000)])  # 30 MB packed into ~30 kB
    assert len(bomb) < 100_000
    r = post_zip(guarded, bomb)
    assert r.status_code == 413 and "zip bomb" in r.json()["detail"]
    assert post_zip(guarded, b"PK\x03\x04 not a zip").status_code == 422


def test_bad_city_answered_with_the_loader_messages(guarded, city_copy):
    rows = (city_copy / "buildings.geojson").read_text()
    doc = json.loads(rows)
    doc["features"][0]["properties"]["residents"] = -5
    (city_copy / "buildings.geojson").write_text(json.dumps(doc))
    before = uploads(guarded)
    r = post_zip(guarded, zip_of(city_copy))
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert any("buildings.geojson" in m and "residents" in m for m in detail), detail
    assert not any(str(guarded.tmp) in m for m in detail)  # no server paths
    assert uploads(guarded) == before


@pytest.mark.parametrize("name", ["/etc/passwd", "../../../../../../etc/passwd"])
def test_an_upload_naming_files_outside_itself_is_told_so_plainly(guarded, city_copy, name):
    toml = (city_copy / "city.toml").read_text()
    assert 'grid = "grid.json"' in toml
    (city_copy / "city.toml").write_text(toml.replace('grid = "grid.json"', f'grid = "{name}"'))
    before = uploads(guarded)
    r = post_zip(guarded, zip_of(city_copy))
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert len(detail) == 1, detail
    assert "an uploaded city must hold every table it names" in detail[0]
    assert f"city.toml names {name} outside the upload" in detail[0]
    assert "--allow-outside-city" not in detail[0] and ".tmp-" not in detail[0]
    assert str(guarded.tmp) not in detail[0]  # no server paths
    assert uploads(guarded) == before


def test_grid_payload_never_runs(guarded, city_copy, tmp_path):
    from hostile.conftest import edit_grid_table

    mark = tmp_path / "pwned"

    def plant(frame):
        frame["data"][0][frame["columns"].index("name")] = {
            "_module": "os",
            "_class": "system",
            "_object": f"touch {mark}",
        }

    edit_grid_table(city_copy, "bus", plant)
    r = post_zip(guarded, zip_of(city_copy))
    assert r.status_code == 422 and "grid.json" in r.text
    assert not mark.exists()


def test_good_upload_is_listed_in_a_folder_of_its_own(guarded, small_city_dir):
    r = post_zip(guarded, zip_of(small_city_dir), name="../kyiv east")
    assert r.status_code == 201, r.text
    name = r.json()["name"]
    assert name.startswith("kyiv-east-") and r.json()["describe"]["buildings"] == 80
    assert (guarded.tmp / "data" / "cities" / name / "city" / "city.toml").is_file()
    names = [c["name"] for c in guarded.get("/api/cities", headers=AUTH).json()["cities"]]
    assert name in names


def test_full_queue_answers_429(guarded):
    dash = guarded.app.state.dash
    gate = threading.Event()
    started = threading.Event()
    original = dash.queue.work["run"]

    def blocked(job):
        started.set()
        gate.wait(30)

    dash.queue.work["run"] = blocked
    try:
        first = guarded.post("/api/runs", json={"scenario": tiny_scenario(), "seed": 11},
                             headers=AUTH)  # fmt: skip
        assert first.status_code == 202
        started.wait(30)
        second = guarded.post("/api/runs", json={"scenario": tiny_scenario(), "seed": 12},
                              headers=AUTH)  # fmt: skip
        assert second.status_code == 429
        again = guarded.post("/api/runs", json={"scenario": tiny_scenario(), "seed": 11},
                             headers=AUTH)  # fmt: skip
        assert again.json()["run_id"] == first.json()["run_id"]  # the same job, not a new one
    finally:
        gate.set()
        dash.queue.work["run"] = original
    status = wait_done(guarded, f"/api/runs/{first.json()['run_id']}", headers=AUTH)
    assert status["status"] == "done"  # the blocked stand-in "finished"


def test_errors_carry_no_stack_trace(guarded, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret detail in /srv/private/path")

    monkeypatch.setattr(guarded.app.state.dash.gate, "runs", broken)
    r = guarded.get("/api/runs", headers=AUTH)
    assert r.status_code == 500
    assert "Traceback" not in r.text and "/srv/private" not in r.text
    assert r.json()["detail"].startswith("internal error")


def test_cross_site_requests_need_a_preflight(guarded, small_city_dir):
    plain = {**AUTH, "Content-Type": "text/plain"}  # what a form or no-cors fetch can send
    r = guarded.post("/api/cities", content=zip_of(small_city_dir), headers=plain)
    assert r.status_code == 415
    r = guarded.post("/api/runs", content=json.dumps({"scenario": tiny_scenario()}), headers=plain)
    assert r.status_code == 422


def test_without_token_only_loopback_names_are_answered(server):
    assert server.get("/api/health").status_code == 200
    for host in ("localhost:8000", "[::1]:8000", "127.0.0.1"):
        assert server.get("/api/health", headers={"Host": host}).status_code == 200
    for host in ("rebound.example:8000", "192.168.1.10"):  # DNS rebinding
        assert server.get("/api/runs", headers={"Host": host}).status_code == 421
        assert server.get("/", headers={"Host": host}).status_code == 421


def test_cors_closed_by_default(guarded):
    r = guarded.options(
        "/api/runs",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in {k.lower() for k in r.headers}
    r = guarded.get("/api/health", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in {k.lower() for k in r.headers}


def test_zip_total_size_is_bounded(tmp_path):
    import numpy as np

    from coldstart.web.uploads import UploadRejected, ZipLimits, unpack_zip

    digits = np.random.default_rng(0).integers(0, 10, 600).astype(str)
    text = "".join(digits).encode()  # barely compressible: every member plausible
    many = zip_with([(f"city/t{i}.csv", text) for i in range(3)])
    limits = ZipLimits(max_members=10, max_total_bytes=1000, max_ratio=200.0)
    with pytest.raises(UploadRejected) as info:
        unpack_zip(many, tmp_path / "a", limits)
    assert info.value.status == 413 and "at most 1,000" in str(info.value)
    assert not (tmp_path / "a").exists()
    ok = unpack_zip(many, tmp_path / "b", ZipLimits(10, 2000, 200.0))
    assert ok == tmp_path / "b" / "city" and len(list(ok.iterdir())) == 3


def test_store_held_by_a_command_line_sweep(tmp_path):
    """Another process writing the store (as `coldstart sweep` does): 503 while it holds it,
    and a server started meanwhile stops with one line naming --store."""
    import subprocess
    import sys

    from coldstart.errors import OutputError
    from coldstart.web.app import create_app

    config = make_config(tmp_path)
    with make_client(config) as client:
        assert client.get("/api/runs").status_code == 200  # the store is made
        holder = subprocess.Popen(
            [sys.executable, "-c", "import sys, time; from coldstart.sweep.store import RunStore;"
             f" s = RunStore({str(config.store_dir)!r}); print('held', flush=True);"
             " sys.stdin.read()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert holder.stdout.readline().strip() == "held"
            r = client.get("/api/runs")
            assert r.status_code == 503 and "busy" in r.json()["detail"]
            with pytest.raises(OutputError) as info:
                create_app(config)
            assert str(info.value).startswith("--store")
        finally:
            holder.communicate("", timeout=30)
        assert client.get("/api/runs").status_code == 200
