"""The dashboard page and its static files (nothing is loaded from the network).

The page is ``static/index.html`` with the example scenario and the version filled in on the
server; ``static/dashboard.js`` and ``static/dashboard.css`` are served from the package, and
plotly.js from the installed ``plotly`` package (the file the report inlines).
"""

from __future__ import annotations

import functools
import html
from importlib import resources
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse, Response

from coldstart import __version__

router = APIRouter(include_in_schema=False)

STATIC = {"dashboard.js": "text/javascript", "dashboard.css": "text/css"}
"""Static files of the page and their media types."""

SWAGGER = {"swagger-ui-bundle.js": "text/javascript", "swagger-ui.css": "text/css"}
"""Files of Swagger UI (5.x, for OpenAPI 3.1) served for the API page, from the
``swagger-ui-py`` package (its ``static`` folder; the package itself is not imported)."""

CACHE = "public, max-age=3600"


@functools.cache
def _static(name: str) -> str:
    return resources.files("coldstart.web").joinpath("static", name).read_text()


@functools.cache
def _plotly() -> str:
    from coldstart.report.charts import plotly_js

    return plotly_js()


def page_html() -> str:
    """The page with the example scenario in the editor."""
    from coldstart.scenario import example_scenario_text

    text = _static("index.html")
    return text.replace("{{VERSION}}", html.escape(__version__)).replace(
        "{{EXAMPLE}}", html.escape(example_scenario_text())
    )


@router.get("/", response_class=HTMLResponse)
def page() -> HTMLResponse:
    """The dashboard."""
    return HTMLResponse(page_html(), headers={"Cache-Control": "no-store"})


@router.get("/static/plotly.min.js")
def plotly_file() -> Response:
    """plotly.js of the installed ``plotly`` package."""
    return Response(_plotly(), media_type="text/javascript", headers={"Cache-Control": CACHE})


@functools.cache
def _swagger(name: str) -> bytes | None:
    import importlib.util

    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        return None
    return (Path(spec.submodule_search_locations[0]) / "static" / name).read_bytes()


@router.get("/docs", response_class=HTMLResponse)
def api_page() -> HTMLResponse:
    """The API's OpenAPI page (Swagger UI served from here, not from a CDN)."""
    from fastapi.openapi.docs import get_swagger_ui_html

    if _swagger("swagger-ui-bundle.js") is None:
        body = '<p>The API is described in <a href="/openapi.json">/openapi.json</a> ' \
               "(install swagger-ui-py for this page).</p>"  # fmt: skip
        return HTMLResponse(body)
    return get_swagger_ui_html(
        openapi_url="/openapi.json", title="coldstart dashboard API",
        swagger_js_url="/static/swagger/swagger-ui-bundle.js",
        swagger_css_url="/static/swagger/swagger-ui.css", swagger_favicon_url="data:,",
    )  # fmt: skip


@router.get("/static/swagger/{name}")
def swagger_file(name: str) -> Response:
    """Swagger UI's script and style sheet."""
    data = _swagger(name) if name in SWAGGER else None
    if data is None:
        raise HTTPException(404, "no such file")
    return Response(data, media_type=SWAGGER[name], headers={"Cache-Control": CACHE})


@router.get("/static/{name}")
def static_file(name: str) -> Response:
    """The page's script and style sheet."""
    if name not in STATIC:
        raise HTTPException(404, "no such file")
    return Response(_static(name), media_type=STATIC[name], headers={"Cache-Control": "no-cache"})
