"""A form's address resolved to its stored row and participant (issue 20 items 1 and 2).

A form is addressed as the audit trail addresses it, ``(table_name, row_id)`` of the forms in
:mod:`dawna.services.form_catalogue`; a field is a column, or a dotted path inside a JSON document
the audit trail flattens (``doses.0.dose_mg``). Queries and source data verification resolve an
address here: the row must exist and its participant decides the site (who may see it, who may
act on it). ``form_counts`` counts the forms of many participants at once, one query per kind of
form (never one per participant).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from dawna.errors import NotFound, ValidationError
from dawna.i18n import _
from dawna.services.access import Permission, Principal
from dawna.services.form_catalogue import FORMS, FormSpec
from dawna.store.base import Base
from dawna.store.models import AdverseEvent, Participant

__all__ = ["FormRef", "check_field", "fields_of", "form_counts", "form_url", "model_of", "resolve",
           "rows_of"]

#: Columns that are bookkeeping, not data a query or a verification is about.
_NOT_FIELDS = {"id", "version"}


@dataclass(frozen=True)
class FormRef:
    """A resolved form: its address, its participant and site."""

    table: str
    row_id: str
    field: str
    participant_id: int
    pseudonym: str
    site_id: int


def model_of(table: str) -> type[Base]:
    """The model of a catalogued form (a ValidationError on ``table_name`` otherwise)."""
    if table in FORMS:
        for mapper in Base.registry.mappers:
            if getattr(mapper.class_, "__tablename__", None) == table:
                return mapper.class_
    raise ValidationError(_("not a form dawna keeps: {table}").format(table=table),
                          field="table_name")


def check_field(table: str, field: str | None) -> str:
    """The field's path ("" for the whole form): a data column of the form, or a path inside
    one of its JSON documents; anything else is a ValidationError on ``field``."""
    path = (field or "").strip()
    if not path:
        return ""
    model = model_of(table)
    columns = {c.key for c in inspect(model).column_attrs} - _NOT_FIELDS
    head, _sep, rest = path.partition(".")
    if (head in columns and not rest) or (rest and head in model.__audit_flatten__):
        return path
    raise ValidationError(_("the form {form} has no field {field}").format(
        form=table, field=path), field="field")


def _owner_id(session: Session, spec: FormSpec, row: Any) -> int | None:
    if spec.owner == "id":
        return int(row.id)
    if spec.owner == "adverse_event_id":
        return session.scalar(select(AdverseEvent.participant_id).where(
            AdverseEvent.id == row.adverse_event_id))
    value = getattr(row, spec.owner, None)
    return int(value) if value is not None else None


def resolve(session: Session, principal: Principal, table: str, row_id: str,
            field: str | None = None) -> FormRef:
    """The form at ``(table, row_id)`` if its participant is at one of the user's sites; a
    form elsewhere is ``NotFound`` (its existence at another site is not disclosed)."""
    model = model_of(table)
    path = check_field(table, field)
    row = session.get(model, int(row_id)) if str(row_id).isdigit() else None
    owner = _owner_id(session, FORMS[table], row) if row is not None else None
    p = session.get(Participant, owner) if owner is not None else None
    if p is None or p.site_id not in principal.sites_with(Permission.PARTICIPANT_VIEW):
        raise NotFound(_("no form {form} {row} at your sites").format(form=table, row=row_id),
                       field="row_id")
    return FormRef(table, str(row_id), path, p.id, p.pseudonym, p.site_id)


def form_counts(session: Session, participant_ids: Collection[int]) -> dict[int, dict[str, int]]:
    """How many forms of each kind each participant has: participant id -> table -> count."""
    ids = list(participant_ids)
    out: dict[int, dict[str, int]] = {pid: {} for pid in ids}
    if not ids:
        return out
    for table, spec in FORMS.items():
        model = model_of(table)
        if spec.owner == "id":
            rows: list[Any] = [(pid, 1) for pid in ids]
        elif spec.owner == "adverse_event_id":
            rows = list(session.execute(
                select(AdverseEvent.participant_id, func.count()).select_from(model)
                .join(AdverseEvent, AdverseEvent.id == model.adverse_event_id)  # type: ignore[attr-defined]
                .where(AdverseEvent.participant_id.in_(ids))
                .group_by(AdverseEvent.participant_id)))
        else:
            owner = getattr(model, spec.owner)
            rows = list(session.execute(select(owner, func.count()).where(owner.in_(ids))
                                        .group_by(owner)))
        for pid, n in rows:
            if n:
                out[int(pid)][table] = int(n)
    return out


#: Where a form is seen and corrected, by table (``{p}`` the pseudonym, ``{row}`` its id).
_PAGES = {
    "participant": "/participants/{p}/edit",
    "participant_identity": "/participants/{p}/edit",
    "screening": "/participants/{p}/screening",
    "eligibility_signature": "/participants/{p}/screening",
    "lab_result": "/participants/{p}/labs/{row}",
    "adverse_event": "/participants/{p}/adverse-events/{number}",
    "tumour_assessment": "/participants/{p}/tumour",
    "pet_study": "/participants/{p}/pet",
    "protocol_deviation": "/participants/{p}/eligibility-decisions",
}


def form_url(table: str, pseudonym: str, row_id: str, number: int | None = None) -> str:
    """The page showing the form (an adverse event by its ``number``)."""
    page = _PAGES.get(table)
    if page is None or ("{number}" in page and number is None):
        return f"/participants/{pseudonym}/treatment" if table in {
            "treatment_plan", "treatment_cycle", "dose_decision", "depot_dose", "lab_result",
            "adverse_event", "susar_report"} else f"/participants/{pseudonym}"
    return page.format(p=pseudonym, row=row_id, number=number)


def fields_of(table: str) -> list[str]:
    """The data columns of a form (what a query or a mark may name; JSON documents by their
    column, a leaf by its dotted path)."""
    return sorted({c.key for c in inspect(model_of(table)).column_attrs} - _NOT_FIELDS)


def rows_of(session: Session, participant_id: int) -> list[tuple[str, str]]:
    """(table, row_id) of every form of one participant, in the catalogue's order."""
    out: list[tuple[str, str]] = []
    for table, spec in FORMS.items():
        model = model_of(table)
        if spec.owner == "id":
            out.append((table, str(participant_id)))
            continue
        pk = inspect(model).primary_key[0]
        if spec.owner == "adverse_event_id":
            query = select(pk).join(AdverseEvent, AdverseEvent.id == model.adverse_event_id  # type: ignore[attr-defined]
                                    ).where(AdverseEvent.participant_id == participant_id)
        else:
            query = select(pk).where(getattr(model, spec.owner) == participant_id)
        out.extend((table, str(i)) for i in session.scalars(query.order_by(pk)))
    return out


def _leaves(value: Any, prefix: str) -> list[str]:
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in _leaves(item, f"{prefix}.{key}")]
    if isinstance(value, list) and value:
        return [p for i, item in enumerate(value) for p in _leaves(item, f"{prefix}.{i}")]
    return [prefix]


def field_paths(session: Session, principal: Principal, table: str, row_id: str) -> list[str]:
    """The fields of one stored form a query may name, as the audit trail names them: each data
    column, and each leaf of its JSON documents by dotted path (``record.labs.anc.value``);
    ``NotFound`` for a form not at the user's sites."""
    resolve(session, principal, table, row_id)
    model = model_of(table)
    row = session.get(model, int(row_id))
    out: list[str] = []
    for name in fields_of(table):
        value = getattr(row, name, None)
        out += (_leaves(value, name) if name in model.__audit_flatten__
                and isinstance(value, dict | list) else [name])
    return out
