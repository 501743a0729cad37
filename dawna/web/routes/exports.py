"""The site data export page (issue 20 item 7): what the export holds for the reader's sites,
and the download (a zip of one CSV or Excel file per form and the data dictionary), recorded
in the audit trail."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from dawna.clock import utcnow
from dawna.errors import ValidationError
from dawna.exports import odm_write, site_files
from dawna.i18n import _
from dawna.services import odm_export, site_export
from dawna.services.access import Permission, Principal
from dawna.web.deps import DbDep, require_anywhere
from dawna.web.templating import render

router = APIRouter(include_in_schema=False)
Exporter = Annotated[Principal, Depends(require_anywhere(Permission.DATA_EXPORT))]


@router.get("/exports")
def export_page(request: Request, db: DbDep, user: Exporter, site: str = "") -> Response:
    sites = site_export.export_sites(db, user)
    result = site_export.summary(db, user, site or None)
    return render(request, "exports.html", {"summary": result, "sites": [c for _i, c in sites],
                                            "site": site})


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
