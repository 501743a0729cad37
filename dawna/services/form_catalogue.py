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
    FormSpec("concomitant_medication", N_("Concomitant medication")),
    FormSpec("medical_history", N_("Medical history")),
    FormSpec("vital_signs", N_("Vital signs")),
    FormSpec("ecg", N_("ECG")),
)}

#: ``(form, field)`` -> label; a field of a JSON document is matched with its list indexes
#: replaced by ``*`` (``doses.*.dose_mg``). Fields shared by every form are under form ``*``.
FIELD_LABELS: dict[tuple[str, str], str] = {
    ("*", "participant_id"): N_("Participant"),
    ("*", "version"): N_("Version"),
    ("*", "recorded_by"): N_("Recorded by"),
    ("*", "recorded_at"): N_("Recorded at"),
    ("lab_result", "sample_date"): N_("Sample date"),
    ("lab_result", "analyte"): N_("Test"),
    ("lab_result", "value"): N_("Result"),
    ("lab_result", "unit"): N_("Unit"),
    ("adverse_event", "term"): N_("CTCAE term"),
    ("adverse_event", "grade"): N_("Grade"),
    ("adverse_event", "start_date"): N_("Start date"),
    ("adverse_event", "stop_date"): N_("Stop date"),
}

_INDEX = re.compile(r"\.\d+(?=\.|$)")


def form_label(form: str) -> str:
    """The form's name in the current language (the table name if dawna does not know it)."""
    spec = FORMS.get(form)
    return _(spec.label) if spec else form


def field_label(form: str, field: str | None) -> str:
    """The field's label in the current language; unknown fields fall back to their own name,
    so nothing is hidden (a test keeps every audited column labelled)."""
    if not field:
        return ""
    generic = _INDEX.sub(".*", field)
    for key in ((form, field), (form, generic), ("*", field), ("*", generic)):
        if key in FIELD_LABELS:
            return _(FIELD_LABELS[key])
    return field
