"""The application factory of ``coldstart serve``: :func:`create_app`."""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass

from fastapi import APIRouter, Depends, FastAPI
from fastapi.exceptions import RequestValidationError

from coldstart import __version__
from coldstart.errors import InputError, OutputError, Problem
from coldstart.web.cities import CityBook
from coldstart.web.config import ServerConfig
from coldstart.web.jobs import JobQueue
from coldstart.web.security import (
    BodyLimit,
    LoopbackHosts,
    input_error,
    internal_error,
    invalid_request,
    token_checker,
)
from coldstart.web.storegate import StoreBusy, StoreGate


@dataclass
class Dashboard:
    """The state of one server: its settings, cities, store and job queue."""

    config: ServerConfig
    book: CityBook
    gate: StoreGate
    queue: JobQueue


def build_dashboard(config: ServerConfig) -> Dashboard:
    """The server's state; unfinished jobs of an earlier server are marked failed."""
    from coldstart.web import runner
    from coldstart.web.cities import DEMO

    config.data_dir.mkdir(parents=True, exist_ok=True)
    book = CityBook(config)
    gate = StoreGate(config.store_dir)
    try:
        with gate.open():
            pass  # made (or checked) now: a bad --store fails at start, not at the first run
    except StoreBusy as exc:
        raise OutputError(Problem("--store", "", "", str(exc))) from None
    work = {
        "run": lambda job: runner.run_job(
            job, book, gate, config.runs_dir, config.workers, config.scheduler
        ),
        "sweep": lambda job: runner.sweep_job(job, book, gate, config.workers, config.scheduler),
    }
    # the demo city is built in the background: the server answers at once, a first run soon
    threading.Thread(target=book.get, args=(DEMO,), name="coldstart-demo", daemon=True).start()
    return Dashboard(config, book, gate, JobQueue(config.jobs_dir, config.queue_size, work))


def create_app(config: ServerConfig) -> FastAPI:
    """The dashboard application: the page, its static files and the JSON API.

    Parameters
    ----------
    config : ServerConfig
        Folders, token and limits.

    Returns
    -------
    fastapi.FastAPI
        With ``app.state.dash`` (:class:`Dashboard`); its OpenAPI page is ``/docs``.
    """
    from coldstart.web import routes_cities, routes_page, routes_runs, routes_sweeps

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        app.state.dash.queue.close()  # after the job being done, if any

    app = FastAPI(
        title="coldstart dashboard",
        version=__version__,
        description="Run scenarios on cities, watch them cool on a map, compare plans.",
        lifespan=lifespan,
        docs_url=None,  # served by routes_page without a CDN
        redoc_url=None,
    )
    app.state.dash = build_dashboard(config)
    app.add_exception_handler(InputError, input_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(Exception, internal_error)

    @app.get("/api/health", tags=["health"])
    def health() -> dict:
        """Liveness: ``{"status": "ok", "version": ...}`` (no token needed)."""
        return {"status": "ok", "version": __version__}

    api = APIRouter(prefix="/api", dependencies=[Depends(token_checker(config.token))])
    for module in (routes_cities, routes_runs, routes_sweeps):
        api.include_router(module.router)
    app.include_router(api)
    app.include_router(routes_page.router)
    if config.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(config.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.add_middleware(BodyLimit, max_bytes=config.max_upload_bytes)
    if not config.token:
        app.add_middleware(LoopbackHosts)

    @app.middleware("http")
    async def headers(request, call_next):
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response

    return app
