"""The audit trail in words (issue 20 item 5): a record's form and field by their labels, its
values through the labels the forms use (status codes, roles, yes/no), the participant it
belongs to and a link to the page that shows the form, offered only when the viewer's roles
open that page (no link leads to a 403).

The technical names (table, column, stored value) stay on the record for the tooltip, the API
and the CSV export.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from dawna.i18n import _, format_local
from dawna.rules.lifecycle import STATE_LABELS
from dawna.rules.messages import N_
from dawna.services.access import Permission, Principal, role_label
from dawna.services.form_catalogue import FORMS, form_label
from dawna.store.models import AdverseEvent, AuditRecord, Participant, Role

_INDEX = re.compile(r"\.\d+(?=\.|$)")
#: A stored time (``_text`` of a timezone-aware datetime: ISO 8601 with its offset).
_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?[+-]\d{2}:\d{2}$")

#: Codes the forms offer as choices, in the words of the forms (keyed by the code; a code that
#: means different things in different fields is keyed by ``(table, field)`` below).
CODE_LABELS: dict[str, str] = {
    "true": N_("yes"), "false": N_("no"),
    "female": N_("female"), "male": N_("male"),
    "eligible": N_("Eligible"), "ineligible": N_("Not eligible"),
    "incomplete": N_("Incomplete"), "alive": N_("alive"), "dead": N_("dead"),
    "positive": N_("positive"), "negative": N_("negative"), "not_done": N_("not done"),
    "neoadjuvant": N_("neoadjuvant"), "adjuvant": N_("adjuvant"), "advanced": N_("advanced"),
    "left": N_("left"), "right": N_("right"), "midline": N_("midline"),
    "not_applicable": N_("not applicable"),
}
FIELD_CODES: dict[tuple[str, str], dict[str, str]] = {
    ("screening", "record.menopausal_status"): {
        "pre": N_("premenopausal"), "peri": N_("perimenopausal"), "post": N_("postmenopausal")},
    ("screening", "record.race"): {
        "asian": N_("Asian"), "white": N_("White"),
        "black_or_african_american": N_("Black or African American"),
        "american_indian_or_alaska_native": N_("American Indian or Alaska Native"),
        "native_hawaiian_or_other_pacific_islander": N_(
            "Native Hawaiian or Other Pacific Islander"),
        "not_reported": N_("Not reported (declined)"), "unknown": N_("Unknown")},
    ("screening", "record.ethnicity"): {
        "not_hispanic_or_latino": N_("Not Hispanic or Latino"),
        "hispanic_or_latino": N_("Hispanic or Latino"),
        "not_reported": N_("Not reported (declined)"), "unknown": N_("Unknown")},
    ("screening", "record.treatment_lines.*.reason_stopped"): {
        "progression": N_("progression"), "toxicity": N_("toxicity"),
        "completed": N_("completed"), "other": N_("other")},
}
_STATUS_FIELDS = {("participant", "status"), ("status_event", "from_status"),
                  ("status_event", "to_status")}

#: Which page shows a form, and the permission that opens it at the participant's site.
PARTICIPANT_PAGE = ("", Permission.PARTICIPANT_VIEW)
FORM_PAGES: dict[str, tuple[str, Permission]] = {
    "participant": PARTICIPANT_PAGE, "participant_identity": PARTICIPANT_PAGE,
    "consent": PARTICIPANT_PAGE, "status_event": PARTICIPANT_PAGE,
    "follow_up_contact": PARTICIPANT_PAGE, "allocation": PARTICIPANT_PAGE,
    "protocol_deviation": PARTICIPANT_PAGE,
    "screening": ("/screening", Permission.PARTICIPANT_VIEW),
    "eligibility_signature": ("/screening", Permission.PARTICIPANT_VIEW),
    "pet_study": ("/pet", Permission.PARTICIPANT_VIEW),
    "tumour_assessment": ("/tumour", Permission.PARTICIPANT_VIEW),
    **dict.fromkeys(("treatment_plan", "treatment_cycle", "lab_result", "adverse_event",
                     "dose_decision", "depot_dose", "susar_report"),
                    ("/treatment", Permission.TREATMENT_VIEW)),
}


def field_choices(table: str, field: str) -> list[tuple[str, str]]:
    """The codes a form offers for ``field`` with their labels in the current language, in the
    order of ``FIELD_CODES`` (the form's choices and the trail's words are one list)."""
    return [(code, _(label)) for code, label in FIELD_CODES[(table, field)].items()]


def value_text(table: str, field: str | None, value: str | None,
               zone: ZoneInfo | None = None) -> str:
    """A stored value as the form shows it: a time in the site zone, codes through the forms'
    labels (a code without one is shown as stored)."""
    if value is None:
        return ""
    if zone is not None and _MOMENT.match(value):
        try:
            return format_local(datetime.fromisoformat(value), zone, "yyyy-MM-dd HH:mm:ss")
        except ValueError:
            return value
    generic = _INDEX.sub(".*", field or "")
    if (table, generic) in _STATUS_FIELDS:
        labels = {state.value: label for state, label in STATE_LABELS.items()}
        return _(labels[value]) if value in labels else value
    if (table, generic) == ("membership", "role") and value in set(Role):
        return role_label(Role(value))
    if generic == "table_name" and value in FORMS:  # a query, mark, signature or lock's form
        return form_label(value)
    if generic == "active_key":  # a signature's or lock's uniqueness key: in force or not
        return _("yes")
    codes = FIELD_CODES.get((table, generic), CODE_LABELS)
    return _(codes[value]) if value in codes else value


def participants_of(session: Session, records: Iterable[AuditRecord]) -> dict[int, str]:
    """The pseudonym of the participant each record belongs to (by record id), found in bulk
    from the audit trail itself (the insert of a row names its participant, so deleted rows
    are found too): one query per table on the page."""
    by_table: dict[str, set[str]] = {}
    records = list(records)
    for r in records:
        by_table.setdefault(r.table_name, set()).add(r.row_id)
    owner: dict[tuple[str, str], int] = {}
    for table, rows in by_table.items():
        if table in ("participant", "participant_identity"):
            owner.update({(table, row): int(row) for row in rows if row.isdigit()})
            continue
        if table not in FORM_PAGES:
            continue
        field = "adverse_event_id" if table == "susar_report" else "participant_id"
        found = session.execute(select(AuditRecord.row_id, AuditRecord.new_value).where(
            AuditRecord.table_name == table, AuditRecord.field == field,
            AuditRecord.action == "create", AuditRecord.row_id.in_(rows))).all()
        if table == "susar_report":
            events = {int(v) for _r, v in found if v and v.isdigit()}
            event_owner = dict(session.execute(select(AdverseEvent.id, AdverseEvent.participant_id)
                                               .where(AdverseEvent.id.in_(events))).all())
            owner.update({(table, row): event_owner[int(v)] for row, v in found
                          if v and v.isdigit() and int(v) in event_owner})
        else:
            owner.update({(table, row): int(v) for row, v in found if v and v.isdigit()})
    names = dict(session.execute(select(Participant.id, Participant.pseudonym).where(
        Participant.id.in_(set(owner.values())))).all()) if owner else {}
    return {r.id: names[owner[(r.table_name, r.row_id)]] for r in records
            if (r.table_name, r.row_id) in owner and owner[(r.table_name, r.row_id)] in names}


def form_link(principal: Principal, table: str, pseudonym: str | None,
              site_id: int | None) -> str | None:
    """The page showing the form, if the viewer's roles at the participant's site open it."""
    page = FORM_PAGES.get(table)
    if page is None or pseudonym is None or site_id is None:
        return None
    suffix, permission = page
    return f"/participants/{pseudonym}{suffix}" if principal.can(permission, site_id) else None

