"""Database freezes for an analysis cut (issue 20 item 4).

A data manager freezes the data as of a data cut-off date under a name; the freeze keeps the
audit chain's head at that moment (``chain_last_id``, ``chain_hash``: the last audited change it
covers; ``store/audit_chain.py``). What "the frozen state is what the analysis reads" means in
dawna (``docs/data-freeze.md``): an analysis asked for a freeze reads the data with the freeze's
cut-off (the analysis data sets keep only what happened on or before it), and before it does,
dawna looks in the audit trail for any change recorded after the freeze's chain head to a form
dated on or before the cut-off (a form without a date of its own counts as dated before). If
there is one, the data the analysis would read are no longer the frozen data: the request is
refused (409, field ``freeze``) naming the changes, until the freeze is lifted (with a reason)
and a new one made. Changes to data dated after the cut-off do not touch the frozen analysis and
are allowed; edits are not blocked by a freeze (locks do that, per form or casebook).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dawna.clock import local_today, utcnow
from dawna.config import Settings
from dawna.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from dawna.i18n import _
from dawna.services.access import Permission, Principal
from dawna.services.casebook import model_of
from dawna.services.form_catalogue import form_label
from dawna.services.locks import checked_reason
from dawna.services.schemas_signoff import FreezeChange, FreezeCheck, FreezeIn, FreezeOut
from dawna.services.scope import actor_of
from dawna.store.db import Database
from dawna.store.models import AuditChainHead, AuditRecord, DataFreeze
from dawna.store.signoff_guard import FORM_OWNERS
from dawna.store.uow import UnitOfWork

__all__ = ["DATA_DATES", "analysis_cut", "check", "cut_for", "freeze", "list_freezes", "unfreeze"]

#: The date a form's data belong to, per table (a form not named here has no date of its own
#: and counts as dated before any cut-off).
DATA_DATES: dict[str, str] = {
    "participant": "consent_date", "consent": "signed_on", "screening": "decision_date",
    "pet_study": "scan_date", "tumour_assessment": "assessment_date",
    "treatment_cycle": "start_date", "lab_result": "sample_date",
    "adverse_event": "start_date", "dose_decision": "decision_date", "depot_dose": "given_on",
    "susar_report": "sent_on", "status_event": "event_date",
    "follow_up_contact": "contact_date", "protocol_deviation": "opened_on",
}


def _require(principal: Principal) -> None:
    if not principal.can_anywhere(Permission.DATA_FREEZE):
        raise PermissionDenied(_("only a data manager can freeze or unfreeze the data"),
                               field="role")


def _out(row: DataFreeze) -> FreezeOut:
    return FreezeOut(name=row.name, cut_off=row.cut_off, description=row.description,
                     frozen_at=row.frozen_at, frozen_by=row.frozen_by,
                     chain_last_id=row.chain_last_id, chain_hash=row.chain_hash,
                     active=row.unfrozen_at is None, unfrozen_at=row.unfrozen_at,
                     unfrozen_by=row.unfrozen_by, unfreeze_reason=row.unfreeze_reason)


def _named(s: Session, name: str) -> DataFreeze:
    row = s.scalars(select(DataFreeze).where(DataFreeze.name == name)).first()
    if row is None:
        raise NotFound(_("no data freeze {name}").format(name=name), field="freeze")
    return row


def freeze(db: Database, settings: Settings, principal: Principal, command: FreezeIn) -> FreezeOut:
    """Freeze the data as of ``command.cut_off`` under ``command.name``."""
    _require(principal)
    if command.cut_off > local_today(settings.zone):
        raise ValidationError(_("the data cut-off cannot be after today at the site"),
                              field="cut_off")
    with UnitOfWork(db, actor_of(principal), command.description) as uow:
        s = uow.session
        if s.scalars(select(DataFreeze.id).where(DataFreeze.name == command.name)).first():
            raise ConflictError(_("a data freeze named {name} exists already").format(
                name=command.name), field="name")
        head = s.get(AuditChainHead, 1)
        row = DataFreeze(name=command.name, cut_off=command.cut_off,
                         description=command.description, frozen_at=utcnow(),
                         frozen_by=principal.username,
                         chain_last_id=(head.last_id or 0) if head else 0,
                         chain_hash=head.hash if head else "0" * 64)
        s.add(row)
        s.flush()
        out = _out(row)
        uow.commit()
    return out


def unfreeze(db: Database, principal: Principal, name: str, reason: str) -> FreezeOut:
    """Lift a freeze, with a reason (kept on the freeze and in the audit trail)."""
    _require(principal)
    reason = checked_reason(reason)
    with UnitOfWork(db, actor_of(principal), reason) as uow:
        row = _named(uow.session, name)
        if row.unfrozen_at is not None:
            raise ConflictError(_("data freeze {name} was already lifted").format(name=name),
                                field="freeze")
        row.unfrozen_at, row.unfrozen_by, row.unfreeze_reason = (utcnow(), principal.username,
                                                                 reason)
        uow.session.flush()
        out = _out(row)
        uow.commit()
    return out


def list_freezes(db: Database, principal: Principal) -> list[FreezeOut]:
    if not (principal.can_anywhere(Permission.DATA_FREEZE)
            or principal.can_anywhere(Permission.TREATMENT_VIEW)):
        raise PermissionDenied(_("your roles do not allow this"), field="role")
    with UnitOfWork(db) as uow:
        return [_out(r) for r in uow.session.scalars(select(DataFreeze).order_by(
            DataFreeze.frozen_at.desc(), DataFreeze.id.desc()))]


def _day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def _row_dates(s: Session, records: list[AuditRecord]) -> dict[tuple[str, str], set[date | None]]:
    """Every date each changed form had: before and after the changes, and now."""
    dates: dict[tuple[str, str], set[date | None]] = defaultdict(set)
    ids: dict[str, set[str]] = defaultdict(set)
    for r in records:
        key = (r.table_name, r.row_id)
        dates.setdefault(key, set())
        column = DATA_DATES.get(r.table_name)
        if column is None:
            dates[key].add(None)
        elif r.field == column:
            dates[key].update({_day(r.old_value), _day(r.new_value)} - {None})
        ids[r.table_name].add(r.row_id)
    for table, row_ids in ids.items():
        column = DATA_DATES.get(table)
        if column is None:
            continue
        model = model_of(table)
        numbers = [int(i) for i in row_ids if i.isdigit()]
        for pk, value in s.execute(select(model.id, getattr(model, column)).where(
                model.id.in_(numbers))):
            if value is not None:
                dates[(table, str(pk))].add(value)
    return dates


def _changes_after(s: Session, row: DataFreeze) -> list[FreezeChange]:
    records = list(s.scalars(select(AuditRecord).where(
        AuditRecord.id > row.chain_last_id, AuditRecord.table_name.in_(list(FORM_OWNERS)))
        .order_by(AuditRecord.id)))
    dates = _row_dates(s, records)
    out = []
    for r in records:
        seen = dates[(r.table_name, r.row_id)]
        known = sorted(d for d in seen if d is not None)
        if None in seen or not known or known[0] <= row.cut_off:
            out.append(FreezeChange(at=r.at, actor=r.actor, action=r.action,
                                    table_name=r.table_name, row_id=r.row_id, field=r.field,
                                    data_date=known[0] if known else None))
    return out


def check(db: Database, principal: Principal, name: str) -> FreezeCheck:
    """The freeze and the changes after it to data dated on or before its cut-off."""
    list_freezes(db, principal)  # the same right to look
    with UnitOfWork(db) as uow:
        row = _named(uow.session, name)
        changes = _changes_after(uow.session, row)
        return FreezeCheck(freeze=_out(row), changes=changes, unchanged=not changes)


def analysis_cut(db: Database, principal: Principal, name: str) -> date:
    """The data cut-off an analysis of freeze ``name`` reads, refused (409 on ``freeze``) when
    the freeze was lifted or data in its window changed after it."""
    result = check(db, principal, name)
    if not result.freeze.active:
        raise ConflictError(_("data freeze {name} was lifted ({reason})").format(
            name=name, reason=result.freeze.unfreeze_reason or ""), field="freeze")
    if result.changes:
        first = result.changes[0]
        raise ConflictError(
            _("data dated on or before the cut-off {cut} changed after data freeze {name}: "
              "{n} audited changes, the first {form} {row} by {user} at {at}; the analysis "
              "would not read the frozen data (lift the freeze and make a new one)").format(
                cut=result.freeze.cut_off.isoformat(), name=name, n=len(result.changes),
                form=form_label(first.table_name), row=first.row_id, user=first.actor,
                at=_at(first.at)), field="freeze")
    return result.freeze.cut_off


def cut_for(db: Database, principal: Principal, cutoff: date | None, freeze: str | None
            ) -> date | None:
    """The data cut-off an analysis reads: ``cutoff`` as given, or a freeze's
    (:func:`analysis_cut`); both given must agree (ValidationError on ``cutoff``)."""
    if not freeze:
        return cutoff
    cut = analysis_cut(db, principal, freeze)
    if cutoff is not None and cutoff != cut:
        raise ValidationError(_("data freeze {name} has the cut-off {cut}").format(
            name=freeze, cut=cut.isoformat()), field="cutoff")
    return cut


def _at(when: datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M UTC")
