"""API routes of cities (list, upload) and scenarios (check, example)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from coldstart.errors import InputError
from coldstart.web.uploads import UploadRejected

router = APIRouter(tags=["cities and scenarios"])

MAX_SCENARIO_CHARS = 200_000
"""Longest scenario text accepted [characters]."""


ZIP_TYPES = ("application/zip", "application/x-zip-compressed", "application/octet-stream")
"""Content types of an upload (none is allowed cross-site without a CORS preflight)."""


class ScenarioText(BaseModel):
    """A scenario to check, optionally against a city."""

    scenario: str = Field(max_length=MAX_SCENARIO_CHARS, description="scenario TOML text")
    city: str | None = Field(None, max_length=200, description="check the ids it names here")


def city_entry(request: Request, name: str):
    """The checked city ``name`` of this server (404 when unknown; 422 when bad)."""
    try:
        return request.app.state.dash.book.get(name)
    except KeyError:
        raise HTTPException(404, f"no city {name!r}") from None


@router.get("/cities")
def list_cities(request: Request) -> dict:
    """The cities offered: the built-in demo, the server's folders, uploads."""
    return {"cities": request.app.state.dash.book.names()}


@router.post("/cities", status_code=201)
async def upload_city(request: Request, name: str = "") -> dict:
    """Upload a zipped city folder (request body: the zip; ``?name=`` labels it).

    The zip is checked before anything is unpacked (no absolute paths, no ``..``, no links,
    bounded size: 413 beyond) and the city with the command line's loader (422 with its
    messages). Returns the new city's name and figures.
    """
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in ZIP_TYPES:
        raise HTTPException(415, f"send the zip as the body with Content-Type {ZIP_TYPES[0]}")
    data = await request.body()
    book = request.app.state.dash.book
    try:
        entry = await run_in_threadpool(book.add_upload, data, name[:80])
    except UploadRejected as exc:
        raise HTTPException(exc.status, str(exc)) from None
    return {"name": entry.name, "describe": entry.city.describe()}


@router.post("/scenarios/check")
async def check_scenario(request: Request, body: ScenarioText) -> dict:
    """Check scenario text as ``coldstart scenario check`` does (with ``--city`` when a city is
    given): ``ok``, the error messages and the notes, one line each."""
    from coldstart.web.runner import parse_checked

    entry = await run_in_threadpool(city_entry, request, body.city) if body.city else None
    try:
        scenario, notes = parse_checked(body.scenario, entry)
    except InputError as exc:
        return {"ok": False, "messages": [str(p) for p in exc.problems], "notes": []}
    return {
        "ok": True,
        "messages": [],
        "notes": notes,
        "summary": f"{scenario.name!r}, {scenario.horizon_h:g} h in {scenario.steps} steps of "
        f"{scenario.step_min} min, {len(scenario.strikes)} wave(s)",
    }


@router.get("/scenarios/example", response_class=PlainTextResponse)
def example_scenario() -> str:
    """The built-in demo scenario as TOML text (``coldstart scenario example``)."""
    from coldstart.scenario import example_scenario_text

    return example_scenario_text()
