"""The case report forms dawna keeps, named as a site team names them.

A *form* is one row of one trial-data table (its address is the audit trail's: ``table_name`` and
``row_id``); a *field* is one audited field of it (the audit record's ``field``, a dotted path for
JSON documents such as ``doses.0.dose_mg``). Queries, source data verification, signatures and
locks, the readable audit trail and the data exports all address data this way, and all take their
labels from here, so a field is called the same thing everywhere, in the user's language.

Labels are gettext message ids (marked with ``N_``) translated when they are shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dawna.i18n import _
from dawna.rules.messages import N_
from dawna.services import form_fields


@dataclass(frozen=True)
class FormSpec:
    """One kind of form: ``key`` is its table, ``owner`` how a row finds its participant
    (``participant_id`` on the row, ``id`` for the participant's own rows, or
    ``adverse_event_id`` for forms hanging from an adverse event)."""

    key: str
    label: str
    owner: str = "participant_id"
    repeating: bool = True


FORMS: dict[str, FormSpec] = {spec.key: spec for spec in (
    FormSpec("participant", N_("Registration"), owner="id", repeating=False),
    FormSpec("participant_identity", N_("Identity"), owner="participant_id", repeating=False),
    FormSpec("consent", N_("Informed consent")),
    FormSpec("screening", N_("Screening"), repeating=False),
    FormSpec("eligibility_signature", N_("Eligibility signature")),
    FormSpec("allocation", N_("Randomization"), repeating=False),
    FormSpec("pet_study", N_("PET read")),
    FormSpec("tumour_assessment", N_("Tumour assessment")),
    FormSpec("treatment_plan", N_("Treatment plan")),
    FormSpec("treatment_cycle", N_("Treatment cycle")),
    FormSpec("lab_result", N_("Laboratory result")),
    FormSpec("adverse_event", N_("Adverse event")),
    FormSpec("dose_decision", N_("Dose decision")),
    FormSpec("depot_dose", N_("Depot injection")),
    FormSpec("susar_report", N_("SUSAR report"), owner="adverse_event_id"),
    FormSpec("status_event", N_("Status change")),
    FormSpec("follow_up_contact", N_("Follow-up contact")),
    FormSpec("protocol_deviation", N_("Protocol deviation")),
)}

#: ``(form, field)`` -> label (``services/form_fields.py``); a field of a JSON document is matched
#: with its list indexes replaced by ``*`` (``doses.*.dose_mg``), a key chosen by the data (a drug,
#: a lesion id) by a trailing ``*``; fields shared by every form are under form ``*``.
FIELD_LABELS: dict[tuple[str, str], str] = form_fields.FIELD_LABELS

_INDEX = re.compile(r"\.\d+(?=\.|$)")


def form_label(form: str) -> str:
    """The form's name in the current language (the table name if dawna does not know it)."""
    spec = FORMS.get(form)
    if spec:
        return _(spec.label)
    admin = form_fields.ADMIN_FORM_LABELS.get(form)
    return _(admin) if admin else form


def _lookup(form: str, field: str) -> tuple[str, str] | None:
    """The label's message id and the part of the path it leaves to show (a drug, a lesion id),
    or None when no label covers the field."""
    generic = _INDEX.sub(".*", field)
    for key in ((form, field), (form, generic), ("*", field), ("*", generic)):
        if key in FIELD_LABELS:
            return FIELD_LABELS[key], ""
    parts, original = generic.split("."), field.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        key = (form, ".".join([*parts[:cut], "*"]))
        if key in FIELD_LABELS:
            return FIELD_LABELS[key], ".".join(original[cut:])
    return None


def has_label(form: str, field: str) -> bool:
    """Whether dawna labels this field (the tests keep every audited field labelled)."""
    return _lookup(form, field) is not None


def field_label(form: str, field: str | None) -> str:
    """The field's label in the current language, followed by the key a data-chosen path adds
    (``Relatedness: dalpiciclib``); unknown fields fall back to their own name, so nothing is
    hidden."""
    if not field:
        return ""
    found = _lookup(form, field)
    if found is None:
        return field
    label, rest = found
    return f"{_(label)}: {rest}" if rest else _(label)
