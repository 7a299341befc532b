"""API routes of runs: start one, list them, follow one, read its results and files."""

from __future__ import annotations

import asyncio
import json
import math
import re
from pathlib import Path

import pandas as pd
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, Response, StreamingResponse
from pydantic import BaseModel, Field, StrictInt

from coldstart.web.jobs import Job, QueueFull
from coldstart.web.routes_cities import MAX_SCENARIO_CHARS
from coldstart.web.storegate import StoreBusy

router = APIRouter(tags=["runs"])

ID_RE = re.compile(r"^[0-9a-f]{32}$")
"""A run or sweep id (:data:`coldstart.sweep.plan.ID_CHARS` hex digits)."""

PROGRESS_EVERY_S = 0.5
"""Seconds between two progress events."""

MAX_SEED = 2**63 - 1
"""Largest seed (seeds are stored as signed 64-bit integers)."""


class RunRequest(BaseModel):
    """A run: a city, a scenario and a seed (default: the scenario's)."""

    city: str = Field("demo", max_length=200)
    scenario: str = Field(max_length=MAX_SCENARIO_CHARS, description="scenario TOML text")
    seed: StrictInt | None = Field(None, ge=0, le=MAX_SEED)


def dash(request: Request):
    """The server's :class:`~coldstart.web.app.Dashboard`."""
    return request.app.state.dash


def checked_id(run_id: str) -> str:
    """``run_id`` when it is an id (404 otherwise: never a path)."""
    if not ID_RE.match(run_id):
        raise HTTPException(404, "no such run")
    return run_id


def busy(exc: StoreBusy) -> HTTPException:
    """503: the store is held by another process."""
    return HTTPException(503, f"the run store is busy (a sweep may be writing it): {exc}")


def _clean(value: object) -> object:
    """A cell as JSON: NaN and NaT as null, times as ISO text."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.isoformat()
    if hasattr(value, "item"):
        return _clean(value.item())
    return value


def stored_row(row: dict, folder: Path) -> dict:
    """A stored run as the API lists it."""
    from coldstart.sweep.store import FIGURES

    out = {k: _clean(v) for k, v in row.items() if k not in FIGURES}
    error = out.get("error")
    out.update(
        id=out.pop("run_id"),
        status="done" if row["status"] == "ok" else "failed",
        progress=1.0,
        error=str(error).splitlines()[0] if error else None,  # no traceback lines
        figures={f: _clean(row.get(f)) for f in FIGURES},
    )
    out["has_files"] = (folder / out["id"]).is_dir()
    return out


def _stored(request: Request, run_id: str | None = None, limit=None, offset=0) -> list[dict]:
    d = dash(request)
    try:
        frame = d.gate.runs(run_id, limit, offset)
    except StoreBusy as exc:
        raise busy(exc) from None
    return [stored_row(r, d.config.runs_dir) for r in frame.to_dict("records")]


@router.post("/runs", status_code=202)
async def start_run(request: Request, body: RunRequest) -> dict:
    """Queue a run (checked first: 422 with the command line's messages; 429 when the queue
    is full). A run already stored with its files is not done again."""
    from coldstart.web.runner import plan_request

    d = dash(request)
    seeds = None if body.seed is None else [body.seed]
    try:
        planned = await run_in_threadpool(
            plan_request, d.book, body.city, body.scenario, seeds, None
        )
    except KeyError:
        raise HTTPException(404, f"no city {body.city!r}") from None
    spec = planned.plan.runs[0]
    if (d.config.runs_dir / spec.run_id).is_dir():
        return {"run_id": spec.run_id, "status": "done"}
    request_doc = {"city": body.city, "scenario": body.scenario, "seed": spec.seed}
    try:
        job = d.queue.submit(Job(spec.run_id, "run", request_doc))
    except QueueFull as exc:
        raise HTTPException(429, str(exc)) from None
    return {"run_id": job.job_id, "status": job.status}


MAX_LISTED = 500
"""Most runs listed by one ``GET /api/runs`` (a store may hold a million)."""


@router.get("/runs")
def list_runs(request: Request, limit: int = Query(200, ge=1, le=MAX_LISTED), offset: int = 0):
    """Runs: those queued, running or failed here first, then the store's (newest first),
    ``limit`` of them from ``offset``; ``total`` says how many there are."""
    d = dash(request)
    open_jobs = [j for j in d.queue.jobs("run") if j.status != "done"]  # done ones are stored
    try:
        n_stored, have = d.gate.count_and_have([j.job_id for j in open_jobs])
    except StoreBusy as exc:
        raise busy(exc) from None
    jobs = [j.public() for j in open_jobs if j.job_id not in have]
    offset = max(offset, 0)
    listed = jobs[offset : offset + limit]
    more = limit - len(listed)
    if more > 0:
        listed += _stored(request, None, more, max(offset - len(jobs), 0))
    return {"total": len(jobs) + n_stored, "runs": listed}


def run_status(request: Request, run_id: str) -> dict:
    """A run's status: the job's while it is queued or running, else the store's."""
    job = dash(request).queue.get(checked_id(run_id))
    if job is not None and job.status in ("queued", "running"):
        return job.public()
    rows = _stored(request, run_id)
    if rows and not (job is not None and job.status == "failed" and rows[0]["status"] == "done"):
        return rows[0]
    if job is not None:
        return job.public()  # failed before it was stored, or done again and failed
    raise HTTPException(404, "no such run")


@router.get("/runs/{run_id}")
def get_run(request: Request, run_id: str) -> dict:
    """Status (``queued``, ``running``, ``done``, ``failed``), progress 0..1 and error."""
    return run_status(request, run_id)


@router.get("/runs/{run_id}/progress")
async def run_progress(request: Request, run_id: str) -> StreamingResponse:
    """Server-sent events: the run's status every half second until it is done or failed."""
    first = await run_in_threadpool(run_status, request, run_id)

    async def events():
        status = first
        while True:
            yield f"data: {json.dumps(status)}\n\n"
            if status["status"] in ("done", "failed") or await request.is_disconnected():
                return
            await asyncio.sleep(PROGRESS_EVERY_S)
            status = await run_in_threadpool(run_status, request, run_id)

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)


def run_folder(request: Request, run_id: str) -> Path | None:
    """The run's output folder when it has one."""
    folder = dash(request).config.runs_dir / checked_id(run_id)
    return folder if folder.is_dir() else None


@router.get("/runs/{run_id}/summary")
def run_summary(request: Request, run_id: str) -> dict:
    """The run's summary (``summary.json``; the store's figures for a run without files)."""
    folder = run_folder(request, run_id)
    if folder is not None:
        return json.loads((folder / "summary.json").read_text())
    rows = _stored(request, run_id)
    if not rows:
        raise HTTPException(404, "no such run")
    return rows[0]["figures"]


@router.get("/runs/{run_id}/view")
def run_view(request: Request, run_id: str) -> dict:
    """The run's headline and story (the report's narrative, HTML fragments)."""
    folder = run_folder(request, run_id)
    if folder is None or not (folder / "view.json").is_file():
        raise HTTPException(404, "this run has no story (it was not run from the dashboard)")
    return json.loads((folder / "view.json").read_text())


def _timeline(request: Request, run_id: str) -> pd.DataFrame:
    table = dash(request).gate.timeline(checked_id(run_id))
    if table is None:
        raise HTTPException(404, "no timeline for this run")
    return table


@router.get("/runs/{run_id}/timeline")
def run_timeline(request: Request, run_id: str) -> dict:
    """The run's timeline, one list per column (one value per step)."""
    table = _timeline(request, run_id)
    return {c: [_clean(v) for v in table[c].tolist()] for c in table.columns}


@router.get("/runs/{run_id}/timeline/figure")
def run_timeline_figure(request: Request, run_id: str) -> Response:
    """The report's timeline figure of the run (Plotly JSON)."""
    from coldstart.web.mapview import timeline_json

    table = _timeline(request, run_id)
    total = run_summary(request, run_id).get("buildings_total")
    text = timeline_json(table, run_folder(request, run_id), total)
    return Response(text, media_type="application/json")


def _map_tables(request: Request, run_id: str, hour: float) -> dict:
    """The run's map tables once ``hour`` is known to lie within its horizon (422 otherwise:
    never clamped silently)."""
    from coldstart.web.mapview import NoMap, run_tables

    folder = run_folder(request, run_id)
    try:
        if folder is None:
            raise NoMap(run_id)
        tables = run_tables(folder)
    except NoMap:
        raise HTTPException(404, "no hourly temperatures (run it from the dashboard)") from None
    last_h = max(tables["hours"], default=0)
    if not (math.isfinite(hour) and 0 <= hour <= last_h):
        msg = f"hour: must be a number of hours from 0 to {last_h} (this run's horizon), not {hour}"
        raise HTTPException(422, msg)
    return tables


@router.get("/runs/{run_id}/buildings")
def run_buildings(request: Request, run_id: str, hour: float = 0.0) -> dict:
    """Indoor air temperature [°C] of every building at the end of the recorded hour nearest
    ``hour``, with the hours recorded (for the map and its time slider)."""
    from coldstart.web.mapview import temperatures_at

    tables = _map_tables(request, run_id, hour)
    h, b = temperatures_at(tables, hour)
    return {
        "hour": h,
        "hours": tables["hours"],
        "buildings": {c: [_clean(v) for v in b[c].tolist()] for c in b.columns},
    }


@router.get("/runs/{run_id}/map")
def run_map(request: Request, run_id: str, hour: float = 0.0) -> Response:
    """The map at ``hour`` (Plotly JSON): buildings coloured by indoor temperature then
    (footprints where the city has them), lines and mains, struck assets, shelters."""
    from coldstart.web.mapview import map_json

    tables = _map_tables(request, run_id, hour)
    footprints = None
    city = (_stored(request, run_id) or [{}])[0].get("city")
    if city:
        try:
            footprints = dash(request).book.get(city).city.footprints
        except (KeyError, ValueError, OSError):
            footprints = None
    return Response(map_json(tables, hour, footprints), media_type="application/json")


@router.get("/runs/{run_id}/files")
def run_files(request: Request, run_id: str) -> dict:
    """The run's output files (report.html included)."""
    folder = run_folder(request, run_id)
    if folder is None:
        raise HTTPException(404, "this run has no files (it was not run from the dashboard)")
    names = sorted(p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    return {"files": names}


@router.get("/runs/{run_id}/files/{name}")
def run_file(request: Request, run_id: str, name: str) -> FileResponse:
    """One output file of the run, by its name in :func:`run_files`."""
    if name not in run_files(request, run_id)["files"]:
        raise HTTPException(404, "no such file")
    path = dash(request).config.runs_dir / run_id / name
    headers = {"Content-Security-Policy": "sandbox allow-scripts allow-popups"}  # own origin
    return FileResponse(path, filename=name, content_disposition_type="inline", headers=headers)


@router.get("/compare", response_class=HTMLResponse)
def compare_runs(request: Request, a: str, b: str) -> str:
    """The comparison page of two runs (``coldstart diff``: headline table, timelines
    overlaid, map of the difference), self-contained HTML."""
    from coldstart.report.diff import mismatches, read_run, render_diff

    fa, fb = run_folder(request, a), run_folder(request, b)
    if fa is None or fb is None:
        raise HTTPException(404, "both runs need their files (runs started here)")
    ra, rb = read_run(fa), read_run(fb)
    return render_diff(ra, rb, forced=mismatches(ra, rb))  # the page says when they differ
