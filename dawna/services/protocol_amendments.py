"""Protocol amendments (issue 20 item 8): an administrator loads a new protocol file with its
version, ethics approval and effective dates, a summary and the consent form version it
requires; the diff between two versions; who is due for re-consent under the version in force.

Rules (ICH E6(R3) 3.16 and 2.8.1 with Appendix C; EU CTR Articles 15-16 for substantial
modifications): an amendment is implemented only after the ethics committee approved it, so
the approval date is not after today at the site and the effective date is not before the
approval; an amendment does not act on the past, so its effective date is today or later, and
after the effective date of every version already loaded (one version in force on each day);
participants re-consent to the consent form version the version in force requires. The
randomization settings are locked at go-live (``randomization.require_settings_unchanged``):
an amendment that changes them afterwards is refused. A refused amendment stores nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dawna.clock import local_today
from dawna.config import Settings
from dawna.errors import PermissionDenied, ValidationError
from dawna.i18n import _
from dawna.protocol import Protocol
from dawna.protocol.diff import ProtocolDiff, diff_protocols
from dawna.protocol.loader import parse_protocol
from dawna.rules.lifecycle import State
from dawna.services import lifecycle
from dawna.services import protocol_versions as pv
from dawna.services.access import Permission, Principal
from dawna.services.randomization import require_settings_unchanged
from dawna.services.schemas_protocol import AmendmentIn
from dawna.services.scope import actor_of
from dawna.store.db import Database
from dawna.store.models import Consent, ConsentFormVersion, Participant, ProtocolVersion
from dawna.store.uow import UnitOfWork
from dawna.validation import validate

__all__ = ["ReconsentDue", "amend", "diff", "reconsent_due"]

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: States in which a participant is still followed and re-consents (as ``follow_up`` does).
_ACTIVE = frozenset(State) - {State.END_OF_STUDY, State.SCREEN_FAILED, State.PRE_SCREENING}


def _check_dates(cmd: AmendmentIn, settings: Settings) -> None:
    today = local_today(settings.zone)
    if cmd.approved_on > today:
        raise ValidationError(_("is after today at the site ({today}); an amendment is loaded "
                                "once the ethics committee approved it").format(today=today),
                              field="approved_on")
    if cmd.effective_on < cmd.approved_on:
        raise ValidationError(_("{date} is before the ethics approval of {approved}; an "
                                "amendment takes effect on or after its approval").format(
            date=cmd.effective_on.isoformat(), approved=cmd.approved_on.isoformat()),
            field="effective_on")
    if cmd.effective_on < today:
        raise ValidationError(_("{date} is before today at the site ({today}); an amendment "
                                "does not take effect in the past").format(
            date=cmd.effective_on.isoformat(), today=today.isoformat()), field="effective_on")


def _consent_form(session: Session, cmd: AmendmentIn, new: Protocol, latest: pv.VersionInfo,
                  today: date, entered_by: str) -> ConsentFormVersion | None:
    """The required consent version must be approved (recorded, or in the new file) by the
    effective date, and not older than the one required now; a version the new file brings is
    recorded (returned, to be added)."""
    known = {v.version: v for v in lifecycle.consent_versions(session)}
    form = next((f for f in new.consent_forms if f.version == cmd.consent_version), None)
    if cmd.consent_version not in known and form is None:
        raise ValidationError(_("unknown consent form version {version}: list it under "
                                "consent_forms in the file or record it first (approved: "
                                "{known})").format(version=cmd.consent_version,
                                                   known=", ".join(known) or "-"),
                              field="consent_version")
    approved = known[cmd.consent_version].approved if cmd.consent_version in known else (
        form.approved if form else cmd.effective_on)
    if approved > cmd.effective_on or approved > today:
        raise ValidationError(_("consent form version {version} is approved on {approved}, "
                                "after the effective date or today").format(
            version=cmd.consent_version, approved=approved.isoformat()), field="consent_version")
    now = known.get(latest.consent_version or "")
    if now is not None and approved < now.approved:
        raise ValidationError(_("consent form version {version} is older than version {now} "
                                "required by protocol version {label}").format(
            version=cmd.consent_version, now=now.version, label=latest.label),
            field="consent_version")
    if cmd.consent_version in known or form is None:
        return None
    return ConsentFormVersion(version=form.version, approved_on=form.approved,
                              approved_by=form.approved_by, entered_by=entered_by)


def _parse(text: str) -> Protocol:
    """The amendment file validated by the protocol models; an unreadable file names ``file``,
    a schema error the field of the file."""
    if CONTROL.search(text):
        raise ValidationError(_("contains a control character (such as NUL); a protocol file is "
                                "UTF-8 text"), field="file")
    try:
        return parse_protocol(text, source=_("the amendment file"))
    except ValidationError as exc:
        if exc.field is None:
            raise ValidationError(exc.message, field="file") from None
        raise


def amend(db: Database, settings: Settings, principal: Principal, text: str,
          data: AmendmentIn | dict[str, Any]) -> pv.VersionInfo:
    """Validate and store an amendment (its file ``text``); refused with the field named and
    nothing stored when the file, a date, the version, the consent version or a change of the
    randomization settings after go-live is not acceptable."""
    if not principal.can_anywhere(Permission.PROTOCOL_AMEND):
        raise PermissionDenied(_("only an administrator loads protocol amendments"),
                               field="role")
    cmd = data if isinstance(data, AmendmentIn) else validate(AmendmentIn, data)
    new = _parse(text)
    _check_dates(cmd, settings)
    sha = pv.sha256_of(text)
    reason = _("Protocol amendment {label} loaded, effective {date}: {summary}").format(
        label=cmd.version, date=cmd.effective_on.isoformat(), summary=cmd.summary)
    with UnitOfWork(db, actor_of(principal), reason[:2000]) as uow:
        s = uow.session
        known = pv.versions_of(s)
        latest = known[-1]
        if any(v.label == cmd.version for v in known):
            raise ValidationError(_("protocol version {label} is already loaded").format(
                label=cmd.version), field="version")
        same = next((v for v in known if v.sha256 == sha), None)
        if same is not None:
            raise ValidationError(_("this file is identical to protocol version {label}").format(
                label=same.label), field="file")
        if cmd.effective_on <= latest.effective_on:
            raise ValidationError(_("{date} is not after the effective date of version {label} "
                                    "({effective}); versions take effect in order").format(
                date=cmd.effective_on.isoformat(), label=latest.label,
                effective=latest.effective_on.isoformat()), field="effective_on")
        require_settings_unchanged(s, new.randomization)
        consent = _consent_form(s, cmd, new, latest, local_today(settings.zone),
                                principal.username)
        if consent is not None:
            s.add(consent)
        if not known[0].stored:  # version 1 is written the first time a version follows it
            first = known[0]
            s.add(ProtocolVersion(label=first.label, yaml_text=pv.bundled_text(),
                                  sha256=first.sha256, approved_on=first.approved_on,
                                  effective_on=first.effective_on, summary=first.summary,
                                  consent_version=first.consent_version,
                                  loaded_by=principal.username))
        s.add(ProtocolVersion(label=cmd.version, yaml_text=text, sha256=sha,
                              approved_on=cmd.approved_on, effective_on=cmd.effective_on,
                              summary=cmd.summary, consent_version=cmd.consent_version,
                              loaded_by=principal.username))
        s.flush()
        info = pv.by_label(s, cmd.version)
        uow.commit()
    return info


def diff(db: Database, old: str, new: str) -> tuple[pv.VersionInfo, pv.VersionInfo,
                                                    ProtocolDiff]:
    """What version ``new`` changes from version ``old`` (:func:`diff_protocols`)."""
    with UnitOfWork(db) as uow:
        s = uow.session
        a, b = pv.by_label(s, old), pv.by_label(s, new)
        return a, b, diff_protocols(pv.protocol_of(s, old), pv.protocol_of(s, new))


@dataclass(frozen=True)
class ReconsentDue:
    pseudonym: str
    site: str
    version_signed: str
    version_required: str
    protocol_version: str


def reconsent_due(db: Database, settings: Settings, principal: Principal,
                  pseudonym: str | None = None) -> list[ReconsentDue]:
    """Participants (at the user's sites; one when ``pseudonym`` is given) still followed whose
    latest consent is to a version approved before the one the protocol version in force today
    requires."""
    sites = principal.sites_with(Permission.PARTICIPANT_VIEW)
    with UnitOfWork(db) as uow:
        s = uow.session
        info = pv.in_force(s, local_today(settings.zone))
        approved = {v.version: v.approved for v in lifecycle.consent_versions(s)}
        required = info.consent_version
        if required is None or required not in approved:
            return []
        query = (select(Participant, Consent.version).join(
            Consent, Consent.participant_id == Participant.id)
            .where(Participant.site_id.in_(sites))
            .order_by(Participant.screening_number, Consent.signed_on, Consent.id))
        if pseudonym is not None:
            query = query.where(Participant.pseudonym == pseudonym)
        latest: dict[str, tuple[Participant, str]] = {}
        for p, version in s.execute(query):
            latest[p.pseudonym] = (p, version)
        due = []
        for p, version in latest.values():
            signed = approved.get(version)
            if State(p.status) in _ACTIVE and signed is not None and \
                    signed < approved[required]:
                due.append(ReconsentDue(p.pseudonym, p.site.code, version, required,
                                        info.label))
        return due
