"""The Results page (the trial report in the application), the report as one self-contained
HTML file, the analysis data sets as a zip of CSV and SAS transport files, and the registry's
results tables as JSON (ClinicalTrials.gov results data elements)."""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response

from dawna.clock import local_today
from dawna.errors import DawnaError, ValidationError
from dawna.exports.adam_files import write_adam
from dawna.i18n import _
from dawna.services import export_events, freezes, results, results_cache
from dawna.services import report as report_service
from dawna.services.access import Permission, Principal
from dawna.services.analysis_data import analysis_data
from dawna.services.registry_results import registry_results
from dawna.web.deps import CurrentUser, DbDep, Exporter, SettingsDep
from dawna.web.routing import Router
from dawna.web.templating import render

router = Router(include_in_schema=False)


def _cutoff(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(_("not a date (YYYY-MM-DD): {value}").format(value=value),
                              field="cutoff") from None


def _cut(db: DbDep, user: Principal, cutoff: str | None, freeze: str | None) -> date | None:
    """The data cut-off asked for, or a data freeze's (refused when data in its window changed
    after the freeze: ``services/freezes.analysis_cut``)."""
    return freezes.cut_for(db, user, _cutoff(cutoff), freeze)


@router.get("/results")
def results_page(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
                 cutoff: str | None = None, freeze: str | None = None,
                 wait: bool = False) -> Response:
    """The Results page. Built results (``services.results_cache``) are shown at once; a cold
    build is loaded by HTMX from ``/results/body`` behind a "computing" placeholder (issue 23:
    a progress indication where a cold computation is shown), or built before answering with
    ``wait=1`` (the link for a browser without scripts)."""
    try:
        cut = _cut(db, user, cutoff, freeze) or local_today(settings.zone)
        built = (report_service.build(db, settings, user, cutoff=cut) if wait
                 or results_cache.is_cached(report_service.cache_key(db, settings, user, cut))
                 else None)
    except DawnaError as error:
        return render(request, "analysis/results.html", {"r": None, "error": error,
                                                         "freeze": freeze, "cut": None},
                      status_code=error.status_code)
    query = urlencode({"cutoff": cut.isoformat(), **({"freeze": freeze} if freeze else {})})
    return render(request, "analysis/results.html", {
        "r": built, "error": None, "freeze": freeze, "cut": cut,
        "body_url": f"/results/body?{query}", "wait_url": f"/results?{query}&wait=1"})


@router.get("/results/body")
def results_body(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
                 cutoff: str | None = None, freeze: str | None = None) -> Response:
    """The Results page's heavy part (figures and tables), for its HTMX placeholder; a refusal
    is shown in its place (200, so that HTMX swaps it in)."""
    try:
        built = report_service.build(db, settings, user, cutoff=_cut(db, user, cutoff, freeze))
    except DawnaError as error:
        return render(request, "analysis/_results_body.html", {"r": None, "error": error})
    return render(request, "analysis/_results_body.html", {"r": built, "error": None})


@router.get("/results/report.html")
def report_download(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
                    cutoff: str | None = None, freeze: str | None = None) -> Response:
    built = report_service.build(db, settings, user, cutoff=_cut(db, user, cutoff, freeze))
    page = render(request, "analysis/report_standalone.html",
                  {"r": built, "demo": settings.env != "production"})
    name = f"dawna-report-{built.cutoff.isoformat()}.html"
    return Response(bytes(page.body), media_type="text/html; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/results/adam.zip")
def adam_download(db: DbDep, settings: SettingsDep, user: Exporter,
                  cutoff: str | None = None, freeze: str | None = None) -> Response:
    """The ADaM data sets of the reader's export sites (``data.export``, ``docs/exports.md``),
    recorded in the audit trail."""
    data = analysis_data(db, settings, user, cutoff=_cut(db, user, cutoff, freeze))
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_adam(data, Path(tmp) / "adam")
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in paths:
                archive.write(path, path.name)
    stamp = (data.cutoff or local_today(settings.zone)).isoformat()
    export_events.record_export(db, user, "adam", user.sites_with(Permission.DATA_EXPORT), {
        "data_cut": stamp, "freeze": freeze, "pseudonymized": True,
        "files": [p.name for p in paths]})
    return Response(buffer.getvalue(), media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="dawna-adam-{stamp}.zip"'})


@router.get("/results/registry.json")
def registry_download(db: DbDep, settings: SettingsDep, user: CurrentUser,
                      cutoff: str | None = None, freeze: str | None = None) -> Response:
    """The registry's results tables as a JSON file (``treatment.view``, as the other results)."""
    data = registry_results(db, settings, user, cutoff=_cut(db, user, cutoff, freeze))
    body = json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")
    name = f"dawna-registry-results-{data['dataCutoff']}.json"
    return Response(body, media_type="application/json", headers={
        "Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/api/results/pfs", include_in_schema=True)
def api_pfs(db: DbDep, settings: SettingsDep, user: CurrentUser, cutoff: str | None = None,
            freeze: str | None = None, transform: str = "log",
            parameter: str = "PFS") -> dict[str, object]:
    """PFS (or OS with parameter=OS): per arm n, events, median and CI; log-rank, stratified
    log-rank, Cox HR unstratified and stratified."""
    if transform not in ("log", "log-log", "plain"):
        raise ValidationError(_("log, log-log or plain"), field="transform")
    if parameter not in ("PFS", "OS"):
        raise ValidationError(_("PFS or OS"), field="parameter")
    return results.time_to_event(db, settings, user, param=parameter,
                                 transform=transform,  # type: ignore[arg-type]
                                 cutoff=_cut(db, user, cutoff, freeze))

