"""The site data export page (issue 20 item 7): what the export holds for the reader's sites,
and the download (a zip of one CSV or Excel file per form and the data dictionary), recorded
in the audit trail; and the FHIR R4 / mCODE download (issue 22 item 5: a zip of the Bundle,
NDJSON per resource type and the manifest). Every route here is a data export: ``data.export``
at the sites exported (``docs/exports.md`` "Who may export")."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

from fastapi import Request
from fastapi.responses import Response

from dawna.clock import utcnow
from dawna.errors import DawnaError, ValidationError
from dawna.exports import odm_write, site_files
from dawna.i18n import _
from dawna.services import fhir_data, odm_export, site_export
from dawna.services.access import Principal
from dawna.web.deps import DbDep, Exporter, SettingsDep
from dawna.web.routing import Router
from dawna.web.templating import render

router = Router(include_in_schema=False)


def _fhir_sites(db: DbDep, user: Principal) -> list[str]:
    try:
        return [c for _i, c in fhir_data.export_sites(db, user)]
    except DawnaError:
        return []


@router.get("/exports")
def export_page(request: Request, db: DbDep, user: Exporter, site: str = "") -> Response:
    """The site data export and the standards exports of the reader's export sites."""
    fhir_sites = _fhir_sites(db, user)
    sites = site_export.export_sites(db, user)
    result = site_export.summary(db, user, site or None)
    return render(request, "exports.html", {"summary": result, "sites": [c for _i, c in sites],
                                            "site": site, "fhir_sites": fhir_sites})


@router.get("/exports/fhir.zip")
def fhir_download(request: Request, db: DbDep, settings: SettingsDep,
                  user: Exporter) -> Response:
    """The FHIR export of the reader's export sites as a zip (recorded). Never cached."""
    base = str(request.base_url).rstrip("/") + "/fhir"
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory() as tmp:
        done = fhir_data.export(db, settings, user, Path(tmp), base)
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(Path(tmp).iterdir()):
                archive.write(path, path.name)
    name = f"dawna-fhir-{'-'.join(done.sites)}-{utcnow():%Y%m%d}.zip"
    return Response(buffer.getvalue(), media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@router.get("/exports/site-data.zip")
def export_download(db: DbDep, user: Exporter, site: str = "", format: str = "csv"
                    ) -> Response:
    """The zip of the export; the download is recorded in the audit trail. Never cached."""
    if format not in site_export.FORMATS:
        raise ValidationError(_("the format is csv or xlsx"), field="format")
    data = site_export.site_data(db, user, site or None)
    content = site_files.zipped(data.tables, data.dictionary, format)
    site_export.record_export(db, user, data, format)
    name = f"dawna-{site or 'all-sites'}-{format}-{utcnow():%Y%m%d}.zip"
    return Response(content, media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@router.get("/exports/odm.zip")
def export_odm(db: DbDep, user: Exporter, site: str = "") -> Response:
    """The study as CDISC ODM 1.3.2 (``odm.xml`` and ``manifest.json`` in a zip), validated
    against the schema and recorded in the audit trail (``docs/odm.md``). Never cached."""
    with tempfile.TemporaryDirectory(prefix="dawna-odm-") as folder:
        odm_export.export(db, user, Path(folder), site or None)
        content = odm_write.zipped(Path(folder))
    name = f"dawna-odm-{site or 'all-sites'}-{utcnow():%Y%m%d}.zip"
    return Response(content, media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})
