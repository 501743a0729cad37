"""The SDTM export on the web (issue 22 items 1, 3, 8): a page with what the export of the
reader's sites holds at a data cut (domains and rows, domains without data, the self-check
findings), the zip download (recorded in the audit trail), and ``GET /api/exports/sdtm``.
A data export: ``data.export`` at the sites exported (data managers, statisticians,
investigators, coordinators; ``docs/exports.md`` "Who may export"); ``docs/sdtm.md``."""

from __future__ import annotations

import io
import tempfile
import zipfile
from datetime import date
from pathlib import Path

from fastapi import Request
from fastapi.responses import Response

from dawna.errors import DawnaError, ValidationError
from dawna.i18n import _
from dawna.services import freezes, sdtm_export
from dawna.services.access import Principal
from dawna.services.sdtm_export import SdtmSummary
from dawna.web.deps import DbDep, Exporter, SettingsDep
from dawna.web.routing import Router
from dawna.web.templating import render

router = Router()
Reader = Exporter


def _cut(db: DbDep, user: Principal, cutoff: str | None, freeze: str | None) -> date | None:
    day = None
    if cutoff:
        try:
            day = date.fromisoformat(cutoff)
        except ValueError:
            raise ValidationError(_("not a date (YYYY-MM-DD): {value}").format(value=cutoff),
                                  field="cutoff") from None
    return freezes.cut_for(db, user, day, freeze or None)


@router.get("/exports/sdtm", include_in_schema=False)
def sdtm_page(request: Request, db: DbDep, settings: SettingsDep, user: Reader,
              cutoff: str | None = None, freeze: str | None = None) -> Response:
    try:
        result = sdtm_export.summary(db, settings, user,
                                     cutoff=_cut(db, user, cutoff, freeze))
    except DawnaError as error:
        return render(request, "exports_sdtm.html", {"r": None, "error": error,
                                                     "freeze": freeze or ""},
                      status_code=error.status_code)
    return render(request, "exports_sdtm.html", {"r": result, "error": None,
                                                 "freeze": freeze or ""})


@router.get("/exports/sdtm.zip", include_in_schema=False)
def sdtm_download(db: DbDep, settings: SettingsDep, user: Reader, cutoff: str | None = None,
                  freeze: str | None = None) -> Response:
    """The export as a zip (data sets, variables.csv, checks, report, manifest); recorded in
    the audit trail. Never cached."""
    cut = _cut(db, user, cutoff, freeze)
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "sdtm"
        result = sdtm_export.export(db, settings, user, folder, cutoff=cut, freeze=freeze)
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(folder.iterdir()):
                archive.write(path, f"sdtm/{path.name}")
    name = f"dawna-sdtm-{result.data_cut.isoformat()}.zip"
    return Response(buffer.getvalue(), media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@router.get("/api/exports/sdtm", response_model=SdtmSummary, tags=["exports"])
def sdtm_summary(db: DbDep, settings: SettingsDep, user: Reader, cutoff: str | None = None,
                 freeze: str | None = None) -> SdtmSummary:
    """Domains and rows, domains without data and the self-check findings of the SDTM export
    of the reader's sites at the data cut (default today); the files: ``/exports/sdtm.zip``."""
    return sdtm_export.summary(db, settings, user, cutoff=_cut(db, user, cutoff, freeze))
