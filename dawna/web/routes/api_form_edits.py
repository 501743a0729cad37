"""JSON API of the corrections and deletions of the issue 21 forms
(``services/form_edits.py``): ``PUT /api/participants/{p}/<form>/{id}`` with the entry's fields,
``version`` and ``reason`` corrects an entry (checked as on entry); ``DELETE`` with ``version``
and ``reason`` removes one entered in error. A stale version is a 409 naming the current one.
Each answers with the participant's forms as their ``GET`` does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from dawna.services import clinical, form_edits
from dawna.services.treatment import dispensing, pretreatment
from dawna.web.deps import CurrentUser, DbDep, RecordId, SettingsDep
from dawna.web.routes.api_treatment import CSRF
from dawna.web.routing import Router

router = Router(prefix="/api", tags=["corrections of clinical and oral drug forms"])

View = Callable[[Any, Any, Any, str], BaseModel]


def _clinical(db: Any, settings: Any, user: Any, pseudonym: str) -> BaseModel:
    return clinical.clinical_view(db, settings, user, pseudonym)


def _pretreatment(db: Any, settings: Any, user: Any, pseudonym: str) -> BaseModel:
    return pretreatment.pretreatment_view(db, settings, user, pseudonym)


def _accountability(db: Any, settings: Any, user: Any, pseudonym: str) -> BaseModel:
    return dispensing.accountability(db, user, pseudonym)


#: address (as the form's POST) -> (form key, answer model, answer)
ADDRESSES: dict[str, tuple[str, type[BaseModel], View]] = {
    "conmeds": ("conmeds", clinical.ClinicalOut, _clinical),
    "medical-history": ("history", clinical.ClinicalOut, _clinical),
    "vital-signs": ("vitals", clinical.ClinicalOut, _clinical),
    "ecgs": ("ecg", clinical.ClinicalOut, _clinical),
    "pregnancy-tests": ("pregnancy", pretreatment.PretreatmentView, _pretreatment),
    "hbv-screenings": ("hbv", pretreatment.PretreatmentView, _pretreatment),
    "dispensing": ("dispensing", dispensing.AccountabilityOut, _accountability),
    "dose-diary": ("diary", dispensing.AccountabilityOut, _accountability),
}


def _register(address: str, form: str, answer: type[BaseModel], view: View) -> None:
    body_model = form_edits.CORRECTIONS[form]
    path = f"/participants/{{pseudonym}}/{address}/{{row_id}}"

    def put(pseudonym: str, row_id: RecordId, body: Any, db: DbDep, settings: SettingsDep,
            user: CurrentUser) -> Any:
        form_edits.correct(db, settings, user, pseudonym, form, row_id, body,
                           version=body.version, reason=body.reason)
        return view(db, settings, user, pseudonym)

    def delete(pseudonym: str, row_id: RecordId, body: form_edits.DeleteIn, db: DbDep,
               settings: SettingsDep, user: CurrentUser) -> Any:
        form_edits.delete(db, settings, user, pseudonym, form, row_id, version=body.version,
                          reason=body.reason)
        return view(db, settings, user, pseudonym)

    put.__annotations__["body"] = body_model  # the form's own correction body
    put.__name__ = f"correct_{form}"
    delete.__name__ = f"delete_{form}"
    router.put(path, dependencies=CSRF, response_model=answer,
               summary=f"Correct an entry ({address}): version and reason required",
               operation_id=f"correct_{form}")(put)
    router.delete(path, dependencies=CSRF, response_model=answer,
                  summary=f"Delete an entry entered in error ({address})",
                  operation_id=f"delete_{form}")(delete)


for _address, (_form, _answer, _view) in ADDRESSES.items():
    _register(_address, _form, _answer, _view)
