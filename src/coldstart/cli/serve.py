"""``coldstart serve``: the web dashboard (FastAPI on uvicorn) over a run store."""

from __future__ import annotations

import errno
import os
import socket
from pathlib import Path
from typing import Annotated

import typer

from coldstart.cli import _fail, app, err
from coldstart.cli.sweep_options import MAX_WORKERS, Scheduler, check_store_target
from coldstart.errors import Problem

TOKEN_ENV = "COLDSTART_TOKEN"
"""Environment variable holding the API token (never a command-line option: it would show in
the process list)."""


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="port to listen on")] = 8000,
    store: Annotated[
        Path | None,
        typer.Option(
            help="run store folder, shared with coldstart sweep (default: DATA/store, inside "
            "--data; made when absent)"
        ),
    ] = None,
    cities: Annotated[
        Path | None, typer.Option(help="folder of city folders to offer besides the demo")
    ] = None,
    data: Annotated[
        Path,
        typer.Option(
            help="the server's data folder: uploaded cities, run files, jobs and, unless "
            "--store is given, the run store"
        ),
    ] = Path("coldstart-web"),
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=MAX_WORKERS,
            help="worker processes of a local Dask cluster for runs and sweeps, as coldstart "
            "sweep --workers (default 1: in this process, a run's progress shown step by step)",
        ),
    ] = 1,
    scheduler: Scheduler = None,
    queue: Annotated[
        int, typer.Option(min=1, max=1000, help="most runs and sweeps queued at once")
    ] = 16,
    max_upload_mb: Annotated[
        int, typer.Option(min=1, max=4096, help="largest upload (a zipped city) [MiB]")
    ] = 64,
    cors_origin: Annotated[
        list[str] | None,
        typer.Option(help="an origin allowed to call the API from its pages (repeatable)"),
    ] = None,
) -> None:
    """Serve the dashboard: pick a city, edit and run a scenario, watch it on a map, compare.

    Runs and sweeps land in the run store (--store, default DATA/store), the one coldstart
    sweep writes. The address is taken before anything is written: a port in use stops here. With
    COLDSTART_TOKEN set, every /api/ route but /api/health needs 'Authorization: Bearer
    <token>'; without it the server listens on loopback only.
    """
    try:
        import fastapi  # noqa: F401
        import uvicorn
    except ImportError as exc:
        msg = f"needs FastAPI and uvicorn ({exc.name} is missing): pip install 'coldstart[web]'"
        _fail([Problem("coldstart serve", "", "", msg)])
    from coldstart.web.app import create_app
    from coldstart.web.config import MIB, ServerConfig
    from coldstart.web.security import bind_problem

    token = os.environ.get(TOKEN_ENV) or None
    why = bind_problem(host, token)
    if why:
        _fail([Problem("--host", "", "", why)])
    if workers != 1 and scheduler is not None:
        _fail([Problem("--workers", "", "", "give --workers or --scheduler, not both")])
    if cities is not None and not cities.is_dir():
        _fail([Problem("--cities", "", "", f"{cities} is not a folder")])
    if data.exists() and not data.is_dir():
        _fail([Problem("--data", "", "", f"{data} is not a folder")])
    default_store = store is None
    store = data / "store" if store is None else store
    check_store_target(store, (cities,) if cities is not None else ())
    sock = listening_socket(host, port)  # before any folder is made or the banner said
    if default_store:
        older_layout_note(data)
    config = ServerConfig(
        data_dir=data, store_dir=store, cities_dir=cities, token=token, queue_size=queue,
        workers=workers, scheduler=scheduler,
        max_upload_bytes=max_upload_mb * MIB, cors_origins=tuple(cors_origin or ()),
    )  # fmt: skip
    with sock:
        application = create_app(config)
        shown = f"[{host}]" if ":" in host else host
        err.print(
            f"coldstart dashboard on http://{shown}:{port}/ (store {store}); Ctrl-C stops it",
            markup=False, highlight=False, soft_wrap=True,
        )  # fmt: skip
        settings = uvicorn.Config(
            application, host=host, port=port, log_level="warning", server_header=False
        )
        try:
            uvicorn.Server(settings).run(sockets=[sock])
        except KeyboardInterrupt:  # Ctrl-C is how a server stops: runs and uploads are kept
            err.print("dashboard stopped", markup=False, highlight=False)


OLD_STORE = Path("coldstart-web/store")
"""The default run store before it followed ``--data`` (relative to the current folder)."""


def older_layout_note(data: Path) -> None:
    """Say where the runs of a data folder of an older server are stored: its store was
    ``coldstart-web/store`` in the folder the server was started from, not ``DATA/store``."""
    if (data / "runs").is_dir() and not (data / "store").exists() and OLD_STORE.is_dir():
        err.print(
            f"note: {data} holds runs of an older server whose run store is {OLD_STORE} here; "
            f"pass --store {OLD_STORE} to keep using it (a new store {data / 'store'} is made "
            "otherwise)",
            markup=False, highlight=False, soft_wrap=True,
        )  # fmt: skip


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host``:``port`` as uvicorn binds one (IPv6 when the host has a
    colon; ``SO_REUSEADDR``) and listening, handed to uvicorn, which serves on it.

    Exits 2 with one line naming ``--port`` (in use, not allowed) or ``--host`` (no such
    address here) when it cannot be bound; nothing is written before this.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)  # (uvicorn's backlog) two servers started at once: the second fails
    except OSError as exc:
        sock.close()
        shown = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        reason = exc.strerror or str(exc)
        if exc.errno == errno.EADDRINUSE:
            _fail([Problem("--port", "", "", f"{shown} is in use ({reason}); choose another")])
        if exc.errno == errno.EACCES:
            _fail([Problem("--port", "", "", f"{shown} cannot be bound ({reason})")])
        _fail([Problem("--host", "", "", f"{shown} cannot be bound ({reason})")])
    return sock
