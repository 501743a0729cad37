"""The FastAPI application: pages for the site team and the JSON API."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, NoMatchFound

from dawna import __version__
from dawna.config import Settings, get_settings
from dawna.errors import DawnaError
from dawna.store.db import Database
from dawna.web.deps import LoginRequired
from dawna.web.errors import (
    ERROR_RESPONSES,
    dawna_error_handler,
    http_error_handler,
    request_validation_handler,
    unexpected_handler,
    wants_json,
)
from dawna.web.limits import RequestLimitsMiddleware
from dawna.web.routes import (
    account,
    api,
    api_audit,
    api_clinical,
    api_course,
    api_deviations,
    api_exports,
    api_form_edits,
    api_form_status,
    api_oral_drugs,
    api_pet,
    api_protocol,
    api_queries,
    api_randomization,
    api_safety,
    api_screening,
    api_signoff,
    api_treatment,
    api_tumour,
    audit,
    clinical,
    course,
    design,
    deviation_log,
    deviations,
    exports,
    fhir,
    form_status,
    oral_drugs,
    participants,
    pet,
    protocol_versions,
    public,
    queries,
    randomization,
    results,
    safety,
    screening,
    sdtm_export,
    signoff,
    studies,
    treatment,
    tumour,
)
from dawna.web.schema_guard import SchemaGuard, SchemaGuardMiddleware
from dawna.web.security import RequestContextMiddleware

STATIC = Path(__file__).parent / "static"


async def _login_required(request: Request, exc: Exception) -> Response:
    if wants_json(request):
        return await dawna_error_handler(request, exc)
    return RedirectResponse(f"/login?next={request.url.path}", status_code=303)


def preload_analysis() -> None:
    """Import what a cold Results page or report needs beyond the application itself."""
    import lifelines  # noqa: F401
    import matplotlib.backends.backend_svg  # noqa: F401

    import dawna.analysis.report_plots  # noqa: F401
    from dawna.analysis.plots import font_families

    font_families()


def prepare_routes(app: FastAPI) -> None:
    """Prepare every route of ``app`` for requests now, not on the first request that reaches
    it (``included_routers``: FastAPI prepares an included router's routes lazily). A worker
    that has just started would otherwise pay it, about 0.7 s of CPU, in its first requests,
    while its first users wait; with many users arriving at once they all queue behind it
    (bench/README.md). Asking for the URL of a route name that none has makes FastAPI visit,
    so prepare, every route (``url_path_for`` is its public way through them)."""
    with contextlib.suppress(NoMatchFound):
        app.url_path_for("dawna: no route has this name")


def warm_pages(app: FastAPI) -> None:
    """Build the kept data of the participants' pages (``services/page_warm.py``); a failure
    is logged, never raised: the pages are then built by their first requests, as without."""
    from dawna.services.page_warm import warm

    log = logging.getLogger("uvicorn.error")  # beside the worker's other start-up lines
    try:
        warmed = warm(app.state.db, app.state.settings)
    except Exception:  # a warm-up that fails must not stop the worker
        log.exception("page data not built at start")
        return
    log.info("page data of %s participants kept (%s; %s entries) in %.2f s",
             warmed.participants, ", ".join(warmed.languages), warmed.built, warmed.seconds)


def _threads(count: int, preload: bool = False, warm: bool = False
             ) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """At start-up: the routes that are plain functions run on at most ``count`` threads of
    this process (anyio's default is 40; ``request_threads`` in docs/deployment.md); with
    ``preload`` (``dawna serve``), every route is prepared (:func:`prepare_routes`) before the
    first request and the analysis libraries are imported in a background thread; with
    ``warm`` (``dawna serve``), the participants' page data are built in another
    (:func:`warm_pages`)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = count
        if preload:
            prepare_routes(app)
            threading.Thread(target=preload_analysis, name="preload", daemon=True).start()
        if warm:
            threading.Thread(target=warm_pages, args=(app,), name="warm", daemon=True).start()
        yield

    return lifespan


#: The routers of the application. The JSON routers first: FastAPI tries the included routers
#: in turn, and no page route shares a path with them (the pages' own /api/studies and
#: /api/results/pfs come after).
ROUTER_MODULES = (api, api_screening, api_randomization, api_tumour, api_course, api_pet,
                  api_treatment, api_safety, api_audit, api_form_status, api_protocol,
                  api_signoff, api_queries, api_deviations, api_exports, api_oral_drugs,
                  api_clinical, api_form_edits,
                  public, account, studies, participants, course, screening, deviations,
                  deviation_log, randomization, tumour, pet, treatment, safety, design, results,
                  audit, form_status, signoff, queries, protocol_versions, exports, oral_drugs,
                  clinical, fhir, sdtm_export)
_included: list[BaseRoute] = []
_included_lock = threading.Lock()


def included_routers() -> list[BaseRoute]:
    """The routers of ``ROUTER_MODULES`` as an application includes them, made once per process
    and shared by the applications it creates.

    FastAPI (0.165) prepares an included router's routes for requests (their dependencies,
    parameter and response models: pydantic adapters) lazily, on the first request that
    reaches them, once per inclusion. With each application including the routers itself,
    every new application paid that again: 0.67-0.91 s of CPU over its first five requests against
    0.04 s once prepared (bench/README.md), and the tests create hundreds of applications.
    Included once into a plain ``APIRouter`` (the same defaults as an application's own:
    no prefix, tags, dependencies or body limit; the error responses of ``ERROR_RESPONSES``)
    and handed to every application, they are prepared once per process. What differs: their
    dependency overrides come from no application (dawna sets none:
    ``FastAPI.dependency_overrides`` would have no effect on these routes)."""
    with _included_lock:
        if not _included:
            parent = APIRouter()
            for module in ROUTER_MODULES:
                parent.include_router(module.router, responses=ERROR_RESPONSES)
            _included.extend(parent.routes)
        return list(_included)


def create_app(settings: Settings | None = None, db: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(title="dawna", version=__version__,
                  description="DAWNA-FES (NCT05861830) trial software: JSON API.",
                  openapi_url="/api/openapi.json", docs_url=None, redoc_url=None,
                  lifespan=_threads(settings.request_threads, settings.preload_analysis,
                                    settings.warm_pages))
    app.state.settings = settings
    app.state.db = db or Database(settings.database_url, settings.db_pool_size,
                                  settings.db_max_overflow)
    app.state.schema_guard = SchemaGuard(app.state.db, settings.schema_check_seconds)
    app.add_middleware(SchemaGuardMiddleware)
    app.add_middleware(RequestLimitsMiddleware)  # inside: its refusals get the headers too
    app.add_middleware(RequestContextMiddleware)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    handlers: dict[Any, Any] = {
        LoginRequired: _login_required,
        DawnaError: dawna_error_handler,
        RequestValidationError: request_validation_handler,
        StarletteHTTPException: http_error_handler,
        Exception: unexpected_handler,
    }
    for exc_class, handler in handlers.items():
        app.add_exception_handler(exc_class, handler)
    app.router.routes.extend(included_routers())
    app.router._mark_routes_changed()  # as include_router does

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> JSONResponse:
        error = app.state.schema_guard.check()
        if error is not None:  # another schema: take this server out (web/schema_guard.py)
            return JSONResponse({"status": "schema_changed", "detail": error.message},
                                status_code=503)
        return JSONResponse({"status": "ok"})

    app.openapi = _shared_document(app)  # type: ignore[method-assign]
    return app


#: OpenAPI documents already built, by the routes they describe (see ``_shared_document``).
_DOCUMENTS: dict[tuple[Any, ...], dict[str, Any]] = {}


def _shared_document(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """``app.openapi``, built once per process for the same routes: FastAPI builds the document
    once per application (1.1 s of CPU for dawna's 200 operations), and the settings do not
    change it, so the applications a process creates (tests create hundreds) share it. A route
    added after ``create_app`` makes another document."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            # an included router (FastAPI keeps it as one entry of app.routes) by identity:
            # the shared ones of included_routers() are the same objects in every application
            key = (app.title, app.version, app.description, tuple(
                (r.path, tuple(sorted(r.methods or ())), r.endpoint.__module__,
                 r.endpoint.__qualname__) if isinstance(r, APIRoute) else ("router", id(r))
                for r in app.routes
                if (r.include_in_schema if isinstance(r, APIRoute)
                    else hasattr(r, "original_router"))))
            if key not in _DOCUMENTS:
                _DOCUMENTS[key] = build()
            app.openapi_schema = _DOCUMENTS[key]
        return app.openapi_schema

    return openapi
