"""The read-only FHIR R4 endpoint (issue 22 item 5): ``/fhir/...`` answers ``application/fhir+json``
(FHIR R4 § 3.1.0 RESTful API: read ``GET [base]/[type]/[id]``, search ``GET [base]/[type]?...``
answering a Bundle of type ``searchset``; refusals as an OperationOutcome with the HTTP status,
§ 3.1.0.4). Logged-in users only, scoped as the export (``services/fhir_data.py``): a participant
at another site is 404, as one that does not exist. Not in the OpenAPI document of ``/api`` (it
has its own content type); described in ``docs/fhir.md``.

- ``GET /fhir/metadata``: the CapabilityStatement (what this endpoint serves).
- ``GET /fhir/ResearchStudy``, ``GET /fhir/ResearchStudy/<id>``: the trial.
- ``GET /fhir/Patient?identifier=<value>``: the patients the reader may see (optionally one).
- ``GET /fhir/Patient/<pseudonym>/$everything``: a participant's resources as a searchset.
- ``GET /fhir/<type>/<id>``: any resource of a participant the reader may see.
- ``GET /fhir/$export``: every resource of the reader's export sites as a Bundle of type
  ``collection`` (data manager, statistician), recorded in the audit trail.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi import Request
from fastapi.responses import Response
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome, OperationOutcomeIssue
from fhir.resources.R4B.resource import Resource

from dawna.clock import utcnow
from dawna.errors import AuthenticationFailed, DawnaError, NotFound
from dawna.exports.fhir import FHIR_JSON, bundle, research_study, study_id
from dawna.exports.fhir import patient as patient_of
from dawna.exports.fhir_files import subject_resources, trial_resources
from dawna.i18n import _
from dawna.services import fhir_data
from dawna.services.access import Principal
from dawna.services.export_events import record_export
from dawna.web.deps import DbDep, OptionalUser, SettingsDep
from dawna.web.routing import Router

router = Router(prefix="/fhir", include_in_schema=False)

PSEUDONYM = re.compile(r"DF-[A-Z0-9]{6}")
#: the resource types this endpoint serves, as in the CapabilityStatement
TYPES = ("ResearchStudy", "ResearchSubject", "Patient", "Condition", "Observation",
         "MedicationAdministration")
#: HTTP status → OperationOutcome issue type (FHIR R4 issue-type value set)
ISSUE_TYPE = {401: "login", 403: "forbidden", 404: "not-found", 409: "conflict",
              422: "invalid"}


def fhir_response(resource: Resource, status_code: int = 200) -> Response:
    return Response(resource.model_dump_json(), status_code=status_code, media_type=FHIR_JSON,
                    headers={"Cache-Control": "no-store"})


def outcome(error: DawnaError) -> Response:
    """A refusal as an OperationOutcome with the error's HTTP status and its message."""
    issue = OperationOutcomeIssue(severity="error",
                                  code=ISSUE_TYPE.get(error.status_code, "exception"),
                                  diagnostics=str(error),
                                  expression=[error.field] if error.field else None)
    return fhir_response(OperationOutcome(issue=[issue]), error.status_code)


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/fhir"


def _answer(user: Principal | None, build: Callable[[Principal], Resource]) -> Response:
    """The resource ``build`` makes for the logged-in user, or the OperationOutcome of why not."""
    try:
        if user is None:
            raise AuthenticationFailed(_("please log in"), field="session")
        return fhir_response(build(user))
    except DawnaError as error:
        return outcome(error)


@router.get("/metadata")
def metadata() -> Response:
    """The CapabilityStatement: FHIR 4.0.1, JSON, read and search of the types above."""
    statement = CapabilityStatement.model_validate({
        "status": "active", "date": utcnow().isoformat(timespec="seconds"), "kind": "instance",
        "fhirVersion": "4.0.1", "format": [FHIR_JSON],
        "implementation": {"description": "dawna: DAWNA-FES (NCT05861830), read-only"},
        "rest": [{"mode": "server", "resource": [
            {"type": t, "interaction": [{"code": "read"}, {"code": "search-type"}]}
            for t in TYPES]}]})
    return fhir_response(statement)


@router.get("/ResearchStudy")
def search_study(request: Request, user: OptionalUser) -> Response:
    return _answer(user, lambda _u: bundle([research_study(fhir_data.study_record())],
                                           _base(request), kind="searchset"))


@router.get("/ResearchStudy/{ident}")
def read_study(ident: str, user: OptionalUser) -> Response:
    def build(_u: Principal) -> Resource:
        study = fhir_data.study_record()
        if ident != study_id(study):
            raise NotFound(_("no resource ResearchStudy/{id}").format(id=ident), field="id")
        return research_study(study)
    return _answer(user, build)


@router.get("/Patient")
def search_patients(request: Request, db: DbDep, settings: SettingsDep, user: OptionalUser,
                    identifier: str | None = None) -> Response:
    """The patients the reader may see; ``identifier`` (``[system|]value``) keeps the one whose
    pseudonym (or, for a reader holding identifiers, record number) it names."""
    def build(u: Principal) -> Resource:
        found = []
        for record in fhir_data.subjects(db, settings, u, fhir_data.read_sites(u)):
            patient = patient_of(record)
            wanted = (identifier or "").rsplit("|", 1)[-1]
            if not wanted or any(i.value == wanted for i in patient.identifier or []):
                found.append(patient)
        return bundle(found, _base(request), kind="searchset")
    return _answer(user, build)


def _participant_of(ident: str) -> str:
    match = PSEUDONYM.search(ident)
    if match is None:
        raise NotFound(_("no resource with id {id}").format(id=ident), field="id")
    return match.group(0)


@router.get("/Patient/{ident}/$everything")
def everything(ident: str, request: Request, db: DbDep, settings: SettingsDep,
               user: OptionalUser) -> Response:
    def build(u: Principal) -> Resource:
        record = fhir_data.subject(db, settings, u, _participant_of(ident))
        return bundle(subject_resources(fhir_data.study_record(), record), _base(request),
                      kind="searchset")
    return _answer(user, build)


@router.get("/$export")
def export_bundle(request: Request, db: DbDep, settings: SettingsDep,
                  user: OptionalUser) -> Response:
    """Every resource of the reader's export sites as one collection Bundle (recorded)."""
    def build(u: Principal) -> Resource:
        sites = fhir_data.export_sites(db, u)
        ids = [i for i, _c in sites]
        records = fhir_data.subjects(db, settings, u, ids)
        resources = trial_resources(fhir_data.study_record(), records)
        pseudonymized = all(r.identity is None for r in records)
        record_export(db, u, "fhir", ids, {"format": "bundle", "pseudonymized": pseudonymized,
                                           "resources": len(resources)})
        return bundle(resources, _base(request))
    return _answer(user, build)


@router.get("/{kind}/{ident}")
def read(kind: str, ident: str, db: DbDep, settings: SettingsDep,
         user: OptionalUser) -> Response:
    """Any resource of a participant the reader may see, by its type and id."""
    def build(u: Principal) -> Resource:
        if kind not in TYPES:
            raise NotFound(_("this endpoint serves no {type} resources").format(type=kind),
                           field="type")
        record = fhir_data.subject(db, settings, u, _participant_of(ident))
        for resource in subject_resources(fhir_data.study_record(), record):
            if resource.get_resource_type() == kind and resource.id == ident:
                return resource
        raise NotFound(_("no resource {type}/{id}").format(type=kind, id=ident), field="id")
    return _answer(user, build)
