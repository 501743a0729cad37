"""The protocol deviation log (issue 20 item 6): deviations recorded by the site, those the
rules found (:mod:`dawna.services.deviation_detect`, eligibility violations from
:mod:`dawna.services.deviations`), the investigator's acknowledgement with the importance and
the action taken, and the listing for the report (ICH E3 §10.2 and appendix 16.2.2: deviations
listed by centre and category; definitions in ``docs/deviations.md``).

Who does what: investigators and coordinators of the site record a deviation
(``PARTICIPANT_EDIT``); the investigator acknowledges (``DEVIATION_ACKNOWLEDGE``); everyone who
sees treatment data of the site sees the log (a dose deviation names the drug, so the arm:
imaging readers kept blind do not).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from dawna.clock import local_today, utcnow
from dawna.config import Settings
from dawna.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from dawna.i18n import _, gettext
from dawna.rules.deviation_rules import Category, Importance, Kind
from dawna.rules.messages import Message
from dawna.services.access import Permission, Principal
from dawna.services.scope import actor_of, load_visible
from dawna.services.treatment.board import csv_safe
from dawna.store.db import Database
from dawna.store.models import Participant, ProtocolDeviation, Site
from dawna.store.uow import UnitOfWork

__all__ = ["CSV_COLUMNS", "AcknowledgeIn", "DeviationIn", "DeviationRow", "LogFilter",
           "acknowledge", "category_label", "importance_label", "kind_label", "listing", "record",
           "report_tables", "row_view", "status_label", "to_csv"]


class DeviationIn(BaseModel):
    """A deviation the site records."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    category: Category
    occurred_on: date
    description: str = Field(min_length=3, max_length=2000)
    importance: Importance
    action_taken: str | None = Field(default=None, max_length=2000)


class AcknowledgeIn(BaseModel):
    """The investigator's acknowledgement: a comment, the importance, the action taken."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    comment: str = Field(default="", max_length=2000)
    importance: Importance | None = None
    action_taken: str | None = Field(default=None, max_length=2000)


@dataclass(frozen=True)
class LogFilter:
    site: str | None = None
    category: str | None = None
    importance: str | None = None
    status: str | None = None  # "open" | "acknowledged" | "review" | "withdrawn"
    source: str | None = None  # "automatic" | "recorded"
    pseudonym: str | None = None


@dataclass(frozen=True)
class DeviationRow:
    id: int
    pseudonym: str
    site_code: str
    kind: str
    category: str
    occurred_on: date
    opened_on: date
    opened_by: str
    description: str
    importance: str | None
    action_taken: str | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    acknowledgement: str | None
    version: int
    withdrawn_at: datetime | None = None
    withdrawn_by: str | None = None
    withdrawal: str | None = None
    review: str | None = None

    @property
    def open(self) -> bool:
        """Awaiting the investigator's acknowledgement (a withdrawn one awaits nothing)."""
        return self.acknowledged_at is None and self.withdrawn_at is None

    @property
    def status(self) -> str:
        """``withdrawn`` (its record deleted or corrected), ``review`` (acknowledged, then its
        record changed), ``acknowledged`` or ``open``."""
        if self.withdrawn_at is not None:
            return "withdrawn"
        if self.review is not None:
            return "review"
        return "open" if self.acknowledged_at is None else "acknowledged"

    @property
    def automatic(self) -> bool:
        return self.kind != Kind.RECORDED.value


def category_label(value: str) -> str:
    labels = {Category.ELIGIBILITY.value: _("Eligibility"),
              Category.VISIT_WINDOW.value: _("Visit or assessment out of window"),
              Category.DOSE.value: _("Missed or wrong dose"), Category.CONSENT.value: _("Consent"),
              Category.OTHER.value: _("Other")}
    return labels.get(value, value)


def importance_label(value: str | None) -> str:
    return {"important": _("Important"), "not_important": _("Not important")}.get(
        value or "", _("not yet classified"))


def kind_label(value: str) -> str:
    return {"recorded": _("recorded by the site"),
            "eligibility_violation": _("eligibility violation after randomization"),
            "assessment_out_of_window": _("tumour assessment out of window"),
            "assessment_missed": _("tumour assessment missed"),
            "blood_count_missed": _("blood count missed"),
            "dose_off_level": _("dose off its level"),
            "prohibited_medication": _("prohibited medication")}.get(value, value)


def status_label(value: str) -> str:
    return {"open": _("awaiting the investigator"), "acknowledged": _("acknowledged"),
            "review": _("record changed: awaiting the investigator's review"),
            "withdrawn": _("withdrawn")}.get(value, value)


def _description(row: ProtocolDeviation) -> str:
    if row.detail:
        return Message(row.detail["template"], row.detail.get("params", {})).render(gettext)
    if row.kind == Kind.ELIGIBILITY_VIOLATION.value:
        outcomes = {"eligible": _("Eligible"), "ineligible": _("Not eligible"),
                    "incomplete": _("Incomplete")}
        return _("Eligibility decision changed after randomization: {signed} → {corrected}; "
                 "reason for the correction: {reason}").format(
            signed=outcomes.get(row.signed_outcome or "", row.signed_outcome),
            corrected=outcomes.get(row.corrected_outcome or "", row.corrected_outcome),
            reason=row.reason)
    return row.description or ""


def row_view(row: ProtocolDeviation, pseudonym: str, site_code: str) -> DeviationRow:
    return DeviationRow(
        id=row.id, pseudonym=pseudonym, site_code=site_code, kind=row.kind,
        category=row.category, occurred_on=row.occurred_on or row.opened_on,
        opened_on=row.opened_on, opened_by=row.opened_by, description=_description(row),
        importance=row.importance, action_taken=row.action_taken,
        acknowledged_at=row.acknowledged_at, acknowledged_by=row.acknowledged_by,
        acknowledgement=row.acknowledgement, version=row.version,
        withdrawn_at=row.withdrawn_at, withdrawn_by=row.withdrawn_by,
        withdrawal=row.withdrawal, review=row.review)


def _site_code(s: Session, site_id: int) -> str:
    return s.scalars(select(Site.code).where(Site.id == site_id)).one()


def record(db: Database, settings: Settings, principal: Principal, pseudonym: str,
           entry: DeviationIn) -> DeviationRow:
    """A deviation recorded by an investigator or coordinator of the participant's site."""
    today = local_today(settings.zone)
    if entry.occurred_on > today:
        raise ValidationError(_("is after today at the site ({today}); dates cannot be in the "
                                "future").format(today=today), field="occurred_on")
    description = entry.description.strip()
    if len(description) < 3:
        raise ValidationError(_("describe the deviation (at least 3 characters)"),
                              field="description")
    with UnitOfWork(db, actor_of(principal), _("Protocol deviation recorded")) as uow:
        s = uow.session
        p = load_visible(s, principal, pseudonym)
        principal.require(Permission.PARTICIPANT_EDIT, p.site_id)
        row = ProtocolDeviation(
            participant_id=p.id, kind=Kind.RECORDED.value, category=entry.category.value,
            occurred_on=entry.occurred_on, description=description,
            importance=entry.importance.value,
            action_taken=(entry.action_taken or "").strip() or None, opened_on=today,
            opened_by=principal.username, reason="")
        s.add(row)
        s.flush()
        out = row_view(row, p.pseudonym, _site_code(s, p.site_id))
        uow.commit()
    return out


def listing(db: Database, principal: Principal, filters: LogFilter | None = None
            ) -> list[DeviationRow]:
    """The deviations at the user's sites, by site, date of the deviation and participant."""
    f = filters or LogFilter()
    sites = principal.sites_with(Permission.TREATMENT_VIEW)
    q = (select(ProtocolDeviation, Participant.pseudonym, Site.code)
         .join(Participant, Participant.id == ProtocolDeviation.participant_id)
         .join(Site, Site.id == Participant.site_id)
         .where(Participant.site_id.in_(sites)))
    if f.site:
        q = q.where(Site.code == f.site)
    if f.category:
        q = q.where(ProtocolDeviation.category == f.category)
    if f.importance:
        q = q.where(ProtocolDeviation.importance == f.importance)
    if f.status in ("open", "acknowledged", "review"):
        q = q.where(ProtocolDeviation.withdrawn_at.is_(None))
    if f.status == "open":
        q = q.where(ProtocolDeviation.acknowledged_at.is_(None))
    elif f.status == "acknowledged":
        q = q.where(ProtocolDeviation.acknowledged_at.is_not(None))
    elif f.status == "review":
        q = q.where(ProtocolDeviation.review.is_not(None))
    elif f.status == "withdrawn":
        q = q.where(ProtocolDeviation.withdrawn_at.is_not(None))
    if f.source == "recorded":
        q = q.where(ProtocolDeviation.kind == Kind.RECORDED.value)
    elif f.source == "automatic":
        q = q.where(ProtocolDeviation.kind != Kind.RECORDED.value)
    if f.pseudonym:
        q = q.where(Participant.pseudonym == f.pseudonym)
    with UnitOfWork(db) as uow:
        rows = [row_view(d, pseudonym, code) for d, pseudonym, code in uow.session.execute(q)]
    return sorted(rows, key=lambda r: (r.site_code, r.occurred_on, r.pseudonym, r.id))


def acknowledge(db: Database, settings: Settings, principal: Principal, pseudonym: str,
                deviation_id: int, comment: str, expected_version: int | None = None, *,
                importance: Importance | None = None, action_taken: str | None = None
                ) -> DeviationRow:
    """The investigator of the participant's site acknowledges the deviation, with a comment
    (what was done: e.g. the participant continues, the sponsor and ethics committee told);
    the importance (kept as proposed when not given) and the action taken with it."""
    text = (comment or "").strip()
    with UnitOfWork(db, actor_of(principal)) as uow:
        s = uow.session
        p = load_visible(s, principal, pseudonym)
        if not principal.can(Permission.DEVIATION_ACKNOWLEDGE, p.site_id):
            raise PermissionDenied(_("only an investigator of this site can acknowledge a "
                                     "protocol deviation"), field="role")
        if len(text) < 3:
            raise ValidationError(_("an acknowledgement needs a comment (at least 3 "
                                    "characters)"), field="comment")
        row = s.scalars(select(ProtocolDeviation).where(
            ProtocolDeviation.id == deviation_id,
            ProtocolDeviation.participant_id == p.id)).first()
        if row is None:
            raise NotFound(_("no protocol deviation {id} for this participant").format(
                id=deviation_id), field="deviation")
        if row.withdrawn_at is not None:
            raise ConflictError(_("this deviation was withdrawn: {why}").format(
                why=row.withdrawal), field="deviation")
        if row.acknowledged_at is not None:
            raise ConflictError(_("this deviation was already acknowledged by {user}").format(
                user=row.acknowledged_by), field="deviation")
        if expected_version is not None and expected_version != row.version:
            raise ConflictError(_("this deviation changed since you opened it (now version "
                                  "{version}); reload").format(version=row.version),
                                field="version")
        if importance is None and row.importance is None:
            raise ValidationError(_("classify the deviation: important or not important"),
                                  field="importance")
        uow.set_reason(_("Protocol deviation acknowledged: {comment}").format(comment=text))
        row.acknowledged_at = utcnow()
        row.acknowledged_by = principal.username
        row.acknowledgement = text
        if importance is not None:
            row.importance = importance.value
        if action_taken and action_taken.strip():
            row.action_taken = action_taken.strip()
        try:
            s.flush()
        except StaleDataError as exc:
            raise ConflictError(_("this deviation was changed by someone else at the same "
                                  "moment"), field="deviation") from exc
        view = row_view(row, p.pseudonym, _site_code(s, p.site_id))
        uow.commit()
    return view


CSV_COLUMNS = ("site", "participant", "deviation_id", "category", "kind", "occurred_on",
               "description", "importance", "action_taken", "opened_on", "opened_by",
               "acknowledged_at", "acknowledged_by", "acknowledgement", "status", "withdrawn_at",
               "withdrawn_by", "withdrawal", "review")


def to_csv(rows: list[DeviationRow]) -> str:
    """The listing as CSV (codes, not labels, so it reads the same in every language)."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(CSV_COLUMNS)
    for r in rows:
        w.writerow([csv_safe(v) for v in (
            r.site_code, r.pseudonym, r.id, r.category, r.kind, r.occurred_on.isoformat(),
            r.description, r.importance, r.action_taken, r.opened_on.isoformat(), r.opened_by,
            r.acknowledged_at.isoformat() if r.acknowledged_at else "", r.acknowledged_by,
            r.acknowledgement, r.status,
            r.withdrawn_at.isoformat() if r.withdrawn_at else "", r.withdrawn_by, r.withdrawal,
            r.review)])
    return out.getvalue()


def report_tables(rows: list[DeviationRow]) -> tuple[list[dict[str, object]],
                                                      list[dict[str, object]]]:
    """The report's deviation tables (ICH E3 §10.2: summarised by centre and category;
    appendix 16.2.2: the participants listed by centre): counts per site and category (all,
    important), and the important deviations one per line, labels in the reader's language.
    Withdrawn deviations (their record deleted or corrected, ``docs/deviations.md``) are left
    out; they stay in the log and its CSV."""
    rows = [r for r in rows if r.withdrawn_at is None]
    counts: dict[tuple[str, str], list[int]] = {}
    for r in rows:
        cell = counts.setdefault((r.site_code, r.category), [0, 0])
        cell[0] += 1
        cell[1] += r.importance == Importance.IMPORTANT.value
    summary: list[dict[str, object]] = [
        {"site": site, "category": category_label(category), "total": total,
         "important": important}
        for (site, category), (total, important) in sorted(counts.items())]
    listing_rows: list[dict[str, object]] = [
        {"site": r.site_code, "participant": r.pseudonym, "date": r.occurred_on,
         "category": category_label(r.category), "description": r.description,
         "action_taken": r.action_taken or "",
         "acknowledged": r.acknowledged_by or _("awaiting the investigator")}
        for r in rows if r.importance == Importance.IMPORTANT.value]
    return summary, listing_rows
