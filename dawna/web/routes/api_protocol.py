"""JSON API of protocol versions (issue 20 item 8): the history, an amendment loaded by an
administrator, the diff between two versions, and who is due for re-consent."""

from __future__ import annotations

from fastapi import Depends

from dawna.clock import local_today
from dawna.exports.usdm import usdm_document, validate_usdm
from dawna.services import protocol_amendments, protocol_versions
from dawna.services.protocol_versions import VersionInfo
from dawna.services.schemas_protocol import (
    AmendmentFileIn,
    AmendmentIn,
    ChangeOut,
    DiffOut,
    ReconsentDueOut,
    ReconsentListOut,
    UsdmOut,
    VersionOut,
    VersionsOut,
)
from dawna.web.deps import CurrentUser, DbDep, SettingsDep
from dawna.web.routing import Router
from dawna.web.security import csrf_protect

router = Router(prefix="/api/protocol", tags=["protocol versions"])


def version_out(v: VersionInfo, in_force: str) -> VersionOut:
    return VersionOut(label=v.label, sha256=v.sha256, approved_on=v.approved_on.isoformat(),
                      effective_on=v.effective_on.isoformat(), summary=v.summary,
                      consent_version=v.consent_version, loaded_by=v.loaded_by,
                      loaded_at=v.loaded_at.isoformat() if v.loaded_at else None,
                      stored=v.stored, in_force=v.label == in_force)


@router.get("/versions", response_model=VersionsOut)
def get_versions(db: DbDep, settings: SettingsDep, user: CurrentUser) -> VersionsOut:
    """Every version of the protocol file by effective date, and the one in force today."""
    known, in_force, _protocol = protocol_versions.overview(db, local_today(settings.zone))
    return VersionsOut(versions=[version_out(v, in_force) for v in known], in_force=in_force)


@router.post("/versions", response_model=VersionOut, status_code=201,
             dependencies=[Depends(csrf_protect)])
def post_version(body: AmendmentFileIn, db: DbDep, settings: SettingsDep,
                 user: CurrentUser) -> VersionOut:
    """Load an amendment (administrator): refused with the field named, nothing stored, for an
    invalid file, impossible or out-of-order dates, an unknown consent form version, or a change
    of the randomization settings after go-live."""
    fields = AmendmentIn(**body.model_dump(exclude={"yaml_text"}))
    info = protocol_amendments.amend(db, settings, user, body.yaml_text, fields)
    _known, in_force, _protocol = protocol_versions.overview(db, local_today(settings.zone))
    return version_out(info, in_force)


@router.get("/diff", response_model=DiffOut)
def get_diff(old: str, new: str, db: DbDep, user: CurrentUser) -> DiffOut:
    """What version ``new`` changes from version ``old``, section by section."""
    a, b, diff = protocol_amendments.diff(db, old, new)
    return DiffOut(old=a.label, new=b.label, counts=diff.counts(),
                   changes=[ChangeOut(section=c.section, kind=c.kind, path=c.path, old=c.old,
                                      new=c.new) for c in diff.changes])


@router.get("/reconsent", response_model=ReconsentListOut)
def get_reconsent(db: DbDep, settings: SettingsDep, user: CurrentUser) -> ReconsentListOut:
    """Participants at your sites to re-consent under the version in force today."""
    info = protocol_versions.in_force_on(db, local_today(settings.zone))
    due = protocol_amendments.reconsent_due(db, settings, user)
    return ReconsentListOut(protocol_version=info.label, consent_version=info.consent_version,
                            participants=[ReconsentDueOut(**r.__dict__) for r in due])


@router.get("/usdm", response_model=UsdmOut)
def get_usdm(db: DbDep, settings: SettingsDep, user: CurrentUser,
             version: str | None = None) -> UsdmOut:
    """Protocol version ``version`` (default: the one in force today) as a CDISC USDM 4.0
    document, validated against the vendored USDM 4.0 schema (docs/usdm.md)."""
    info, protocol = protocol_versions.version_protocol(db, version, local_today(settings.zone))
    document = usdm_document(protocol, version=info.label, rationale=info.summary)
    validate_usdm(document)
    return UsdmOut.model_validate(document)
