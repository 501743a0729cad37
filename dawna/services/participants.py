"""Register, view and correct participants, scoped to the user's sites.

A participant is known to clinical data by a random pseudonym (``DF-`` and six characters of
Crockford's base 32) and a screening number per site; identity data is kept in its own table and
shown only to roles holding ``identity.view``. Consent cannot precede the study start in the
protocol file nor lie in the future at the site (ICH E6(R3) 2.8: consent before participation).
"""

from __future__ import annotations

import secrets
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dawna.clock import local_today
from dawna.config import Settings
from dawna.errors import ConflictError, NotFound, ValidationError
from dawna.i18n import _
from dawna.protocol import bundled_protocol
from dawna.services.access import Permission, Principal, arm_hidden_from
from dawna.services.schemas import (
    IdentityPublic,
    ParticipantCreate,
    ParticipantDetail,
    ParticipantPublic,
    ParticipantUpdate,
    SitePublic,
)
from dawna.services.scope import actor_of as actor_of
from dawna.services.scope import find_visible
from dawna.services.scope import load_visible as load_visible
from dawna.store.conflicts import integrity_kind
from dawna.store.db import Database
from dawna.store.models import Participant, ParticipantIdentity, Site
from dawna.store.repositories import ReadUnit
from dawna.store.uow import UnitOfWork

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_pseudonym() -> str:
    return "DF-" + "".join(secrets.choice(CROCKFORD) for _ in range(6))


def public_summary(p: Participant) -> ParticipantPublic:
    return ParticipantPublic(
        pseudonym=p.pseudonym, screening_number=p.screening_number, site_code=p.site.code,
        site_name=p.site.name, status=p.status, consent_date=p.consent_date,
        created_at=p.created_at,
    )


def detail_of(p: Participant, principal: Principal) -> ParticipantDetail:
    """The participant's detail as ``principal`` may see it (identity only for
    ``identity.view``), from the participant read already."""
    identity = None
    if p.identity is not None and principal.can(Permission.IDENTITY_VIEW, p.site_id):
        identity = IdentityPublic(full_name=p.identity.full_name,
                                  medical_record_number=p.identity.medical_record_number,
                                  phone=p.identity.phone)
    return ParticipantDetail(**public_summary(p).model_dump(), identity=identity,
                             version=p.identity.version if p.identity is not None else None)


def _check_consent_date(value: date | None, settings: Settings) -> None:
    if value is None:
        return
    start = bundled_protocol().registry.start_date
    if value < start:
        raise ValidationError(
            _("{date} is before the study started ({start})").format(date=value, start=start),
            field="consent_date",
        )
    today = local_today(settings.zone)
    if value > today:
        raise ValidationError(
            _("{date} is in the future (today at the site is {today})").format(
                date=value, today=today),
            field="consent_date",
        )


def list_participants(db: Database, principal: Principal, search: str = "",
                      site_code: str | None = None) -> list[ParticipantPublic]:
    with UnitOfWork(db) as uow:
        return listed_in(uow, principal, search, site_code)


def listed_in(uow: ReadUnit, principal: Principal, search: str = "",
              site_code: str | None = None) -> list[ParticipantPublic]:
    """Participants at the principal's sites (one site by code), found by pseudonym or
    screening number, in a read the caller holds."""
    sites = principal.sites_with(Permission.PARTICIPANT_VIEW)
    rows = uow.participants.search(sites, site_code=site_code, term=search.strip())
    return [public_summary(p) for p in rows]


def get_participant(db: Database, principal: Principal, pseudonym: str) -> ParticipantDetail:
    with UnitOfWork(db) as uow:
        return detail_in(uow, principal, pseudonym)


def detail_in(uow: ReadUnit, principal: Principal, pseudonym: str) -> ParticipantDetail:
    """The participant's detail (identity only for ``identity.view``) in a read the caller
    holds; ``NotFound`` outside the principal's sites."""
    return detail_of(find_visible(uow, principal, pseudonym), principal)


def site_id_of(db: Database, pseudonym: str) -> int | None:
    """The site of the participant ``pseudonym`` (None for none): what a kept page checks the
    user's right against (``web/templating.py`` ``shared_page``). No access check: callers
    have read the participant for this user first."""
    with UnitOfWork(db) as uow:
        return uow.session.scalar(select(Participant.site_id)
                                  .where(Participant.pseudonym == pseudonym))


def sites_visible(db: Database, principal: Principal,
                  permission: Permission = Permission.PARTICIPANT_VIEW) -> list[SitePublic]:
    """The sites where the principal holds ``permission``, by code (for site pickers)."""
    with UnitOfWork(db) as uow:
        return sites_in(uow, principal, permission)


def sites_in(uow: ReadUnit, principal: Principal,
             permission: Permission = Permission.PARTICIPANT_VIEW) -> list[SitePublic]:
    return [SitePublic(code=site.code, name=site.name)
            for site in uow.sites.by_ids(principal.sites_with(permission))]


def arm_blinded(db: Database, principal: Principal, site_code: str) -> bool:
    """Whether ``principal`` is kept blind to the arm at the site (``access.arm_hidden_from``)."""
    with UnitOfWork(db) as uow:
        return arm_blinded_in(uow, principal, site_code)


def arm_blinded_in(uow: ReadUnit, principal: Principal, site_code: str) -> bool:
    site = uow.sites.by_code(site_code)
    if site is None:
        raise NotFound(_("unknown site {code}").format(code=site_code), field="site")
    return arm_hidden_from(principal, site.id)


def register(db: Database, settings: Settings, principal: Principal,
             data: ParticipantCreate, attempts: int = 3) -> ParticipantDetail:
    """Register a newly consented or screened person at one of the user's sites.

    The screening number is the next in the site's sequence; two coordinators registering at the
    same moment collide on the unique constraint, and the loser simply takes the next number.
    """
    _check_consent_date(data.consent_date, settings)
    for attempt in range(attempts):
        try:
            return _register_once(db, settings, principal, data)
        except _NumberTaken:
            if attempt == attempts - 1:
                break
    raise ConflictError(_("another participant was registered at the same moment; "
                          "please submit again"), field="screening_number")


class _NumberTaken(Exception):
    pass


def _register_once(db: Database, settings: Settings, principal: Principal,
                   data: ParticipantCreate) -> ParticipantDetail:
    reason = _("Participant registered for screening")
    with UnitOfWork(db, actor_of(principal), reason) as uow:
        s = uow.session
        site = s.scalars(select(Site).where(Site.code == data.site_code)).one_or_none()
        if site is None or not principal.can(Permission.PARTICIPANT_VIEW, site.id):
            raise ValidationError(_("unknown site {code}").format(code=data.site_code),
                                  field="site_code")
        principal.require(Permission.PARTICIPANT_CREATE, site.id)
        duplicate = s.scalars(
            select(ParticipantIdentity).join(Participant).where(
                Participant.site_id == site.id,
                ParticipantIdentity.medical_record_number == data.medical_record_number)
        ).first()
        if duplicate is not None:
            raise ConflictError(
                _("medical record number {mrn} is already registered at {site} as {id}").format(
                    mrn=data.medical_record_number, site=site.code,
                    id=duplicate.participant.pseudonym),
                field="medical_record_number",
            )
        count = s.scalar(select(func.count()).where(Participant.site_id == site.id)) or 0
        p = Participant(site_id=site.id, screening_number=f"{site.code}-S{count + 1:03d}",
                        pseudonym=new_pseudonym(), consent_date=data.consent_date)
        p.identity = ParticipantIdentity(full_name=data.full_name,
                                         medical_record_number=data.medical_record_number,
                                         phone=data.phone)
        s.add(p)
        try:
            s.flush()
        except IntegrityError as exc:
            if integrity_kind(exc) != "unique":
                raise  # not a duplicate: the unit of work answers it (store/conflicts.py)
            raise _NumberTaken from exc
        if data.consent_date is not None:
            from dawna.services.lifecycle import record_initial_consent

            record_initial_consent(s, settings, p, data.consent_date, data.consent_version,
                                   data.consent_time, data.consent_obtained_by,
                                   principal.username)
            s.flush()
        detail = detail_of(p, principal)
        uow.commit()
    return detail


def _move_consent_date(session: Session, p: Participant, new: date, zone: ZoneInfo) -> None:
    """Correct the date of the initial consent: its record and its status event move with it;
    refused when something is already recorded before the new date (ICH E6(R3) 2.8)."""
    from dawna.store.models import Consent, StatusEvent

    events = list(session.scalars(select(StatusEvent).where(StatusEvent.participant_id == p.id)))
    later = [e.event_date for e in events if e.event != "consent" and e.event_date < new]
    if later:
        raise ValidationError(_("{date} is after events already recorded for {id} (from "
                                "{first}); no trial procedure may precede consent").format(
            date=new.isoformat(), id=p.pseudonym, first=min(later).isoformat()),
            field="consent_date")
    initial = session.scalars(select(Consent).where(Consent.participant_id == p.id,
                                                    Consent.kind == "initial")).first()
    if initial is not None:
        initial.signed_on = new
        if initial.signed_at is not None:
            local = initial.signed_at.astimezone(zone)
            initial.signed_at = local.replace(year=new.year, month=new.month, day=new.day)
    for e in events:
        if e.event == "consent":
            e.event_date = new
    p.consent_date = new


def update(db: Database, settings: Settings, principal: Principal, pseudonym: str,
           data: ParticipantUpdate) -> ParticipantDetail:
    """Correct registration data; every changed field is audited with the reason given."""
    _check_consent_date(data.consent_date, settings)
    with UnitOfWork(db, actor_of(principal), data.reason) as uow:
        p = load_visible(uow.session, principal, pseudonym)
        principal.require(Permission.PARTICIPANT_EDIT, p.site_id)
        current = p.identity.version if p.identity is not None else None
        if current is not None and data.version != current:
            raise ConflictError(_("the participant's record was changed by someone else (it is "
                                  "now at version %(version)s); reload and enter your change "
                                  "again") % {"version": current}, field="version")
        changes = data.model_dump(exclude={"reason", "version"}, exclude_none=True)
        if not changes:
            raise ValidationError(_("nothing to change"), field="reason")
        if "consent_date" in changes:
            _move_consent_date(uow.session, p, changes.pop("consent_date"), settings.zone)
        if changes:
            if p.identity is None:
                raise ValidationError(_("identity record missing"), field="full_name")
            if "phone" in data.model_fields_set and data.phone is None:
                p.identity.phone = None
            for key, value in changes.items():
                setattr(p.identity, key, value)
        uow.session.flush()
        detail = detail_of(p, principal)
        uow.commit()
    return detail
