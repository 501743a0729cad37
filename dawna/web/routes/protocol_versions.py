"""Protocol versions (issue 20 item 8): the version history with the re-consent list, the
administrator's upload form for an amendment, and the diff between two versions."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from dawna.clock import local_today
from dawna.errors import DawnaError, ValidationError
from dawna.exports.usdm import usdm_document, validate_usdm
from dawna.i18n import _
from dawna.services import protocol_amendments, protocol_versions
from dawna.web.deps import CurrentUser, DbDep, SettingsDep
from dawna.web.routing import Router
from dawna.web.security import csrf_protect
from dawna.web.templating import render

router = Router(include_in_schema=False)
Text = Annotated[str, Form()]


def _page(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
          error: DawnaError | None = None, values: dict[str, str] | None = None) -> Response:
    known, in_force, _protocol = protocol_versions.overview(db, local_today(settings.zone))
    return render(request, "protocol/versions.html", {
        "versions": known, "in_force": in_force, "error": error, "values": values or {},
        "reconsent": protocol_amendments.reconsent_due(db, settings, user)},
        status_code=error.status_code if error else 200)


@router.get("/protocol-versions")
def versions_page(request: Request, db: DbDep, settings: SettingsDep,
                  user: CurrentUser) -> Response:
    return _page(request, db, settings, user)


@router.post("/protocol-versions", dependencies=[Depends(csrf_protect)])
async def load_amendment(request: Request, db: DbDep, settings: SettingsDep,
                         user: CurrentUser) -> Response:
    form = await request.form()
    values = {k: str(form.get(k) or "") for k in ("version", "approved_on", "effective_on",
                                                  "summary", "consent_version")}
    upload = form.get("file")
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise ValidationError(_("choose the protocol file (YAML) of the amendment"),
                                  field="file")
        try:
            text = (await upload.read()).decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError(_("the file is not UTF-8 text"), field="file") from None
        known = protocol_versions.versions(db)
        info = protocol_amendments.amend(db, settings, user, text, values)
    except DawnaError as error:
        return _page(request, db, settings, user, error, values)
    return RedirectResponse(f"/protocol-versions/diff?old={known[-1].label}&new={info.label}"
                            "&saved=1", status_code=303)


@router.get("/protocol-versions/diff")
def diff_page(request: Request, db: DbDep, user: CurrentUser, old: str = "",
              new: str = "") -> Response:
    a, b, diff = protocol_amendments.diff(db, old, new)
    return render(request, "protocol/diff.html", {"a": a, "b": b, "diff": diff,
                                                  "versions": protocol_versions.versions(db)})


@router.get("/protocol-versions/{label}/usdm.json")
def usdm_download(db: DbDep, settings: SettingsDep, user: CurrentUser, label: str) -> Response:
    """Version ``label`` as a CDISC USDM 4.0 JSON file, validated against the USDM 4.0 schema
    (docs/usdm.md); ``GET /api/protocol/usdm`` gives the same document."""
    info, protocol = protocol_versions.version_protocol(db, label, local_today(settings.zone))
    document = usdm_document(protocol, version=info.label, rationale=info.summary)
    validate_usdm(document)
    name = f"{protocol.registry.nct_id}-usdm-v{info.label}.json"
    return JSONResponse(document, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/participants/{pseudonym}/protocol-reconsent")
def reconsent_banner(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
                     pseudonym: str) -> Response:
    """HTMX on the participant page: the re-consent the protocol version in force requires."""
    due = protocol_amendments.reconsent_due(db, settings, user, pseudonym)
    return render(request, "protocol/_reconsent_banner.html", {"due": due[0] if due else None})
