"""API routes of sweeps: seeds x policies of a scenario over the run store."""

from __future__ import annotations

import json

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field, StrictInt

from coldstart.web.jobs import Job, QueueFull
from coldstart.web.routes_cities import MAX_SCENARIO_CHARS
from coldstart.web.routes_runs import MAX_SEED, busy, checked_id, dash
from coldstart.web.storegate import StoreBusy

router = APIRouter(tags=["sweeps"])

MAX_WEB_RUNS = 1000
"""Most runs of one sweep started from the dashboard (the command line has no such limit)."""


class SweepRequest(BaseModel):
    """A sweep: seeds x dispatch policies of one scenario on one city."""

    city: str = Field("demo", max_length=200)
    scenario: str = Field(max_length=MAX_SCENARIO_CHARS, description="scenario TOML text")
    seeds: list[StrictInt] | None = Field(
        None, max_length=MAX_WEB_RUNS, description="seeds (default: the scenario's + 0..n-1)"
    )
    n_seeds: StrictInt = Field(5, ge=1, le=MAX_WEB_RUNS, description="seeds when none are listed")
    policies: list[str] | None = Field(None, max_length=20, description="dispatch policies")


@router.post("/sweeps", status_code=202)
async def start_sweep(request: Request, body: SweepRequest) -> dict:
    """Queue a sweep (checked and planned first: 422 with the command line's messages; 429
    when the queue is full). Runs already in the store are not done again."""
    from coldstart.web.runner import parse_checked, plan_request

    d = dash(request)
    if body.seeds is not None and not body.seeds:
        raise HTTPException(422, "seeds is an empty list: list some, or leave it out for n_seeds")
    if body.seeds and any(not 0 <= s <= MAX_SEED for s in body.seeds):
        raise HTTPException(422, f"seeds are whole numbers in 0 .. {MAX_SEED}")
    repeated = [s for s in dict.fromkeys(body.seeds or []) if body.seeds.count(s) > 1]
    if repeated:  # (the planner's message would name the command line's --vary)
        s = repeated[0]
        why = f"seeds: {s} is listed {body.seeds.count(s)} times; list each once"
        raise HTTPException(422, why)
    seeds = body.seeds
    if not seeds:
        from coldstart.sweep.plan import SweepError, consecutive_seeds

        scenario, _ = parse_checked(body.scenario, None)
        try:
            seeds = consecutive_seeds(scenario.seed, body.n_seeds, option="n_seeds")
        except SweepError as exc:
            raise HTTPException(422, [str(p) for p in exc.problems]) from None
    try:
        planned = await run_in_threadpool(
            plan_request, d.book, body.city, body.scenario, seeds, body.policies
        )
    except KeyError:
        raise HTTPException(404, f"no city {body.city!r}") from None
    if len(planned.plan.runs) > MAX_WEB_RUNS:
        raise HTTPException(422, f"at most {MAX_WEB_RUNS} runs per sweep from the dashboard")
    doc = {"city": body.city, "scenario": body.scenario, "seeds": list(planned.plan.seeds),
           "policies": list(planned.plan.policies)}  # fmt: skip
    try:
        job = d.queue.submit(Job(planned.plan.sweep_id, "sweep", doc))
    except QueueFull as exc:
        raise HTTPException(429, str(exc)) from None
    return {"sweep_id": job.job_id, "status": job.status, "runs": len(planned.plan.runs)}


@router.get("/sweeps")
def list_sweeps(request: Request) -> dict:
    """The sweeps started here (newest first), with their status."""
    return {"sweeps": [j.public() for j in dash(request).queue.jobs("sweep")]}


@router.get("/sweeps/{sweep_id}")
def get_sweep(request: Request, sweep_id: str) -> dict:
    """A sweep of the store (started here or by ``coldstart sweep``): its plan, its stored
    runs by status, and the job's status and progress when it was started here."""
    d = dash(request)
    try:
        row, runs = d.gate.sweep(checked_id(sweep_id))
    except StoreBusy as exc:
        raise busy(exc) from None
    job = d.queue.get(sweep_id)
    if row is None and job is None:
        raise HTTPException(404, "no such sweep")
    out = job.public() if job is not None else {"id": sweep_id, "status": "done", "progress": 1.0}
    if row is not None:
        out.update(
            city=row["city"], scenario_name=row["scenario_name"], runs_total=int(row["runs"]),
            seeds=json.loads(row["seeds"]), policies=json.loads(row["policies"]),
        )  # fmt: skip
    out["runs_stored"] = int(len(runs))
    out["runs_failed"] = int((runs["status"] != "ok").sum()) if len(runs) else 0
    out["run_ids"] = runs["run_id"].tolist()
    return out


@router.get("/sweeps/{sweep_id}/report", response_class=HTMLResponse)
def sweep_report(request: Request, sweep_id: str) -> str:
    """The sweep's fan charts and comparisons (``coldstart store report``), as HTML."""
    try:
        page = dash(request).gate.sweep_report(checked_id(sweep_id))
    except StoreBusy as exc:
        raise busy(exc) from None
    if page is None:
        raise HTTPException(404, "no such sweep")
    return page
