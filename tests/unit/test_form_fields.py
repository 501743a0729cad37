"""Every audited field of every form has a label (issue 20 item 5: the trail, queries and exports
name a field as its form does, in the user's language).

Walks the SQLAlchemy models: each audited column of each table in the form catalogue (and of the
administration tables the trail shows); for JSON documents the audit trail flattens, the leaves
of the pydantic models that validate them (list indexes and data-chosen keys as sample values),
plus the documents built in the services (dose formula inputs, toxicities a decision was based
on). A column added without a label fails here, naming it.
"""

from __future__ import annotations

import types
import typing

import pytest
from pydantic import BaseModel

from dawna.i18n import use_locale
from dawna.rules.pet import Study
from dawna.rules.recist_case import Assessment, Baseline
from dawna.rules.screening_record import ScreeningRecord
from dawna.services.form_catalogue import FORMS, field_label, form_label, has_label
from dawna.services.form_fields import ADMIN_FORM_LABELS
from dawna.services.treatment.plans import CustomDrugIn, MeasuresIn
from dawna.store.base import Base


def _leaves(model: type[BaseModel], prefix: str) -> list[str]:
    out: list[str] = []
    for name, info in model.model_fields.items():
        out.extend(_walk(info.annotation, f"{prefix}.{name}"))
    return out


def _walk(annotation: typing.Any, path: str) -> list[str]:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _walk(typing.get_args(annotation)[0], path)
    if origin in (typing.Union, types.UnionType):
        return sorted({leaf for arg in typing.get_args(annotation) if arg is not type(None)
                       for leaf in _walk(arg, path)})
    if origin is list:
        return [path, *_walk(typing.get_args(annotation)[0], f"{path}.0")]  # [] is a leaf too
    if origin is dict:
        return _walk(typing.get_args(annotation)[1], f"{path}.T1")
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _leaves(annotation, path)
    return [path]


#: Documents built by the services rather than validated by one model (shape from the code that
#: writes them: rules/dose_formulas.py inputs, services/dose_modification.py based_on, ...).
BUILT = {
    "treatment_plan": ["variants.endocrine", "doses.0.drug", "doses.0.dose", "doses.0.unit",
                       "doses.0.route", "doses.0.frequency", "doses.0.formula", "doses.0.level",
                       "doses.0.inputs.bsa_m2", "doses.0.inputs.factor",
                       "doses.0.days.0"],
    "treatment_cycle": ["doses.0.drug", "doses.0.dose", "doses.0.unit", "doses.0.level"],
    "adverse_event": ["seriousness.0", "relatedness.dalpiciclib"],
    "dose_decision": ["based_on.0.term", "based_on.0.grade", "based_on.0.analyte",
                      "based_on.0.fever", "based_on.0.state"],
    "follow_up_contact": ["subsequent_therapy.0.name", "subsequent_therapy.0.start_date"],
}


def _json_leaves(table: str, column: str) -> list[str]:
    models: dict[tuple[str, str], list[type[BaseModel]]] = {
        ("screening", "record"): [ScreeningRecord], ("pet_study", "data"): [Study],
        ("tumour_assessment", "data"): [Baseline, Assessment],
        ("treatment_plan", "measures"): [MeasuresIn],
    }
    out = [leaf for m in models.get((table, column), []) for leaf in _leaves(m, column)]
    if (table, column) == ("treatment_plan", "custom_drugs"):
        out = _leaves(CustomDrugIn, "custom_drugs.0")
    out += [p for p in BUILT.get(table, []) if p.split(".")[0] == column]
    return out


def _audited_fields() -> list[tuple[str, str]]:
    tables = set(FORMS) | set(ADMIN_FORM_LABELS)
    out: list[tuple[str, str]] = []
    for mapper in Base.registry.mappers:
        model = mapper.class_
        if not model.__audited__ or model.__tablename__ not in tables:
            continue
        for attr in mapper.column_attrs:
            out.append((model.__tablename__, attr.key))
            if attr.key in model.__audit_flatten__:
                out.extend((model.__tablename__, leaf)
                           for leaf in _json_leaves(model.__tablename__, attr.key))
    return out


def test_the_walk_reaches_every_form_and_the_json_leaves() -> None:
    fields = _audited_fields()
    modelled = {m.class_.__tablename__ for m in Base.registry.mappers}
    assert {t for t, _ in fields} == (set(FORMS) | set(ADMIN_FORM_LABELS)) & modelled
    assert ("screening", "record.labs.alt.uln") in fields
    assert ("pet_study", "data.lesions.0.suvmax") in fields
    assert ("tumour_assessment", "data.target.T1") in fields


def test_every_audited_column_and_json_leaf_has_a_label() -> None:
    missing = [f"{t}.{f}" for t, f in _audited_fields() if not has_label(t, f)]
    assert missing == [], "add labels to dawna/services/form_fields.py: " + ", ".join(missing)


@pytest.mark.parametrize(("table", "field", "en", "zh"), [
    ("lab_result", "sample_date", "Sampled on", None),
    ("screening", "record.labs.alt.uln", "ALT: ULN", None),
    ("adverse_event", "relatedness.dalpiciclib", "Relatedness: dalpiciclib", None),
    ("treatment_plan", "doses.1.dose", "Dose", None),
    ("screening", "record.ecog", "ECOG performance status", "ECOG 体能状态评分"),
])
def test_labels_read_as_the_forms_do(table: str, field: str, en: str, zh: str | None) -> None:
    with use_locale("en"):
        assert field_label(table, field) == en
    if zh:
        with use_locale("zh_CN"):
            assert field_label(table, field) == zh


def test_unknown_fields_and_forms_show_their_own_names() -> None:
    assert field_label("lab_result", "no_such_column") == "no_such_column"
    assert form_label("no_such_table") == "no_such_table"
    with use_locale("en"):
        assert form_label("app_user") == "User account"
        assert form_label("lab_result") == "Laboratory result"


def test_every_audited_table_with_a_participant_is_in_the_participants_trail() -> None:
    """A participant's trail is complete (issue 20 item 5): every audited table whose rows
    carry ``participant_id`` is listed, so a new form cannot fall out of it silently."""
    from dawna.services.audit_trail import PARTICIPANT_TABLES
    from dawna.store.base import Base

    owned = {mapper.class_.__tablename__ for mapper in Base.registry.mappers
             if mapper.class_.__audited__ and "participant_id" in mapper.columns}
    assert owned - {"participant_identity"} <= set(PARTICIPANT_TABLES), sorted(
        owned - set(PARTICIPANT_TABLES))
