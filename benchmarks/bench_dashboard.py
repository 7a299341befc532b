"""Benchmark: the dashboard (``coldstart serve``, issue 19) as a user meets it, over HTTP.

Starts ``coldstart serve`` as a real process on a free loopback port with a fresh data folder
and store, then times

1. the start: from launching the command until ``GET /api/health`` answers;
2. a run of the built-in demo week on the built-in demo city (2,000 buildings): from
   ``POST /api/runs`` until ``GET /api/runs/{id}`` says done (checks, queue, simulation,
   output folder with report and hourly temperatures, store);
3. the map at three hours (``GET /api/runs/{id}/map?hour=H``, Plotly JSON) and every
   building's temperature at one hour (``/buildings?hour=H``), as the time slider asks;
4. with ``--sweep-seeds N`` (default 4) a sweep of N seeds x 2 policies of the demo cut to
   ``--sweep-hours`` (default 24) hours, from ``POST /api/sweeps`` until done, and its
   fan-chart page.

``--workers N`` is passed to ``coldstart serve`` (1: in the server's process; more: a local
Dask cluster per job). Every figure is wall time on this machine, whose cores may be shared:
the load average before and after is printed with the figures.

Run: ``.venv/bin/python benchmarks/bench_dashboard.py [--workers N] [--sweep-seeds N]
[--sweep-hours H]``. Offline: nothing is downloaded.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min)"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """JSON over HTTP to the server at ``base``."""

    def __init__(self, base: str):
        self.base = base

    def raw(self, path: str, body: dict | None = None) -> bytes:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.base + path, data=data, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(req, timeout=3600) as r:
            return r.read()

    def json(self, path: str, body: dict | None = None) -> dict:
        return json.loads(self.raw(path, body))

    def wait(self, path: str) -> tuple[dict, float]:
        """Poll ``path`` until done or failed; the last status and the seconds waited."""
        t0 = time.perf_counter()
        while True:
            status = self.json(path)
            if status["status"] in ("done", "failed"):
                return status, time.perf_counter() - t0
            time.sleep(0.2)


def _timed(client: Client, path: str) -> tuple[float, int]:
    t0 = time.perf_counter()
    n = len(client.raw(path))
    return time.perf_counter() - t0, n


def _short_scenario(text: str, hours: float) -> str:
    """The demo scenario cut to ``hours`` (its second wave moved inside)."""
    out = text.replace("horizon_h = 168.0", f"horizon_h = {float(hours)!r}")
    return out.replace("at_h = 74.0", f"at_h = {float(hours) * 0.8!r}")


def bench(client: Client, args) -> None:
    """Steps 2 to 4 on a started server."""
    text = client.raw("/api/scenarios/example").decode()
    t0 = time.perf_counter()
    posted = client.json("/api/runs", {"city": "demo", "scenario": text})
    queued_s = time.perf_counter() - t0
    status, waited_s = client.wait(f"/api/runs/{posted['run_id']}")
    print(f"demo week run: checked and queued in {queued_s:.2f} s, {status['status']} "
          f"{queued_s + waited_s:.1f} s after it was posted")  # fmt: skip
    rid = posted["run_id"]
    for hour in (1, 84, 168):
        s, n = _timed(client, f"/api/runs/{rid}/map?hour={hour}")
        print(f"map at {hour} h: {s:.3f} s, {n / 1e6:.2f} MB")
    s, n = _timed(client, f"/api/runs/{rid}/buildings?hour=100")
    print(f"temperatures of every building at 100 h: {s:.3f} s, {n / 1e3:.0f} kB")
    if args.sweep_seeds:
        body = {"city": "demo", "scenario": _short_scenario(text, args.sweep_hours),
                "n_seeds": args.sweep_seeds, "policies": ["fifo", "greatest_benefit"]}  # fmt: skip
        t0 = time.perf_counter()
        sweep = client.json("/api/sweeps", body)
        status, _ = client.wait(f"/api/sweeps/{sweep['sweep_id']}")
        print(f"sweep of {sweep['runs']} runs ({args.sweep_hours:g} h each): {status['status']} "
              f"in {time.perf_counter() - t0:.1f} s")  # fmt: skip
        s, n = _timed(client, f"/api/sweeps/{sweep['sweep_id']}/report")
        print(f"sweep fan-chart page: {s:.2f} s, {n / 1e6:.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--sweep-seeds", type=int, default=4)
    parser.add_argument("--sweep-hours", type=float, default=24.0)
    args = parser.parse_args()
    print(f"before: {_load()}; coldstart serve --workers {args.workers}")
    port = _free_port()
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "coldstart.cli", "serve", "--port", str(port),
               "--workers", str(args.workers), "--data", str(Path(tmp) / "data"),
               "--store", str(Path(tmp) / "store")]  # fmt: skip
        env = {k: v for k, v in os.environ.items() if k != "COLDSTART_TOKEN"}
        t0 = time.perf_counter()
        server = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        client = Client(f"http://127.0.0.1:{port}")
        try:
            while True:
                try:
                    client.json("/api/health")
                    break
                except OSError:
                    if server.poll() is not None:
                        raise SystemExit(server.stderr.read().decode()) from None
                    time.sleep(0.05)
            print(f"start: /api/health answered {time.perf_counter() - t0:.1f} s after launch")
            bench(client, args)
        finally:
            server.terminate()
            server.wait(30)
    print(f"after: {_load()}")


if __name__ == "__main__":
    main()
