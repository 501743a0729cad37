"""The investigator's electronic signature of a form or of a participant's whole casebook
(issue 20 item 4), after the eligibility signature of ``services/screening.py``.

21 CFR Part 11 (``docs/regulations/21cfr11-signatures.md``): the signed record shows the printed
name of the signer, the date and time and the meaning of the signature (§11.50); the signature
is linked to what was signed by the SHA-256 of the signed field values (§11.70); the signer
re-enters their password at each signing (§11.200(a)(1)), through
``dawna.services.auth.reauthenticate``, whose failures count in the login throttle. Signing an
adverse event attests its causality assessment, and the meaning says so.

A change of signed data voids the signature in the same transaction (``voided_at``,
``void_reason``; ``dawna.store.signoff_guard``); a view also compares the fingerprint with the
current data, so a change made outside the application shows the signature void too. With the
protocol setting ``lock_form_after_signature`` (on) the signature locks what it signs
(``services/locks.py``). At most one signature is in force per form and per casebook: a second
request for the same data is a conflict (409), also when two arrive at the same moment.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dawna.clock import utcnow
from dawna.config import Settings
from dawna.errors import ConflictError, PermissionDenied, ValidationError
from dawna.i18n import _
from dawna.rules.messages import N_
from dawna.services import auth, locks
from dawna.services.access import Permission, Principal
from dawna.services.casebook import FormRef, casebook_sha256, form_row, forms_of, ref_of
from dawna.services.form_catalogue import form_label
from dawna.services.schemas_signoff import (
    CasebookSignoff,
    FormSignoff,
    LockOut,
    SignatureOut,
    SignIn,
)
from dawna.services.scope import actor_of, load_visible
from dawna.store.db import Database
from dawna.store.models import AdverseEvent, FormLock, FormSignature, Participant
from dawna.store.signoff_guard import CASEBOOK, FORM, active_key
from dawna.store.uow import UnitOfWork

__all__ = ["MEANINGS", "SignoffState", "casebook", "form_signoff", "meaning_text", "shown_meaning",
           "sign", "signoff_states"]

#: The meanings a signer may give (21 CFR 11.50(a)(3)).
MEANINGS = {"review": N_("Review"), "approval": N_("Approval"), "authorship": N_("Authorship")}
#: Forms that show the allocated arm: listed only to roles that see treatment data.
TREATMENT_FORMS = frozenset({"allocation", "treatment_plan", "treatment_cycle", "lab_result",
                             "adverse_event", "dose_decision", "depot_dose", "susar_report"})
VOID_TEXT = N_("signature void: data changed after signing")


def _causality(row: Any) -> str:
    related = getattr(row, "relatedness", None) or {}
    parts = [f"{drug}: {_(str(value))}" for drug, value in sorted(related.items())]
    return "; ".join(parts) or _("none recorded")


def meaning_text(code: str, pseudonym: str, table_name: str | None = None, row: Any = None,
                 row_id: str | None = None) -> str:
    """What the signer attests, in words, in the current language (shown with the printed
    name, date and time). The signature keeps these words as the signer read them (21 CFR
    11.50); :func:`shown_meaning` says the same in the reader's language."""
    meaning = _(MEANINGS[code])
    if table_name is None:
        return _("{meaning}: I, as investigator, have reviewed the whole casebook of {id} and "
                 "attest that its data are accurate and complete.").format(meaning=meaning,
                                                                          id=pseudonym)
    text = _("{meaning}: I, as investigator, have reviewed {form} {row} of {id} and attest that "
             "its data are accurate and complete.").format(
        meaning=meaning, form=form_label(table_name),
        row=row_id if row_id is not None else getattr(row, "id", ""), id=pseudonym)
    if table_name == "adverse_event":
        text += " " + _("This signature includes my causality assessment of the adverse event "
                        "(relatedness to each trial drug: {causality}).").format(
            causality=_causality(row))
    return text


def shown_meaning(sig: FormSignature, pseudonym: str, valid: bool,
                  relatedness: dict[str, dict[str, Any]]) -> str:
    """The statement of a stored signature in the reader's language (the stored words are what
    the signer read, in the signer's language, and stay as signed). An adverse event's statement
    names its causality: said again only while the signature is valid (the causality signed is
    the current one); otherwise the stored words."""
    if sig.meaning_code not in MEANINGS:
        return sig.meaning
    row: Any = None
    if sig.table_name == "adverse_event":
        if not valid or sig.row_id not in relatedness:
            return sig.meaning
        row = _Causality(relatedness[sig.row_id])
    return meaning_text(sig.meaning_code, pseudonym, sig.table_name, row, sig.row_id)


@dataclass(frozen=True)
class _Causality:
    relatedness: dict[str, Any]


def _signer_may(principal: Principal, site_id: int) -> None:
    if not principal.can(Permission.FORM_SIGN, site_id):
        raise PermissionDenied(_("only an investigator of this site can sign forms"),
                               field="role")


def sign(db: Database, settings: Settings, principal: Principal, pseudonym: str,
         table_name: str | None, row_id: str | None, command: SignIn, address: str = ""
         ) -> SignatureOut:
    """Sign one form (``table_name``, ``row_id``) or, with neither, the whole casebook."""
    with UnitOfWork(db) as uow:
        site_id = load_visible(uow.session, principal, pseudonym).site_id
    _signer_may(principal, site_id)
    if not command.confirm:
        raise ValidationError(_("tick the box to confirm the meaning of your signature"),
                              field="confirm")
    signer = auth.reauthenticate(db, settings, principal.user_id, command.password,
                                 address=address)
    with UnitOfWork(db, actor_of(principal)) as uow:
        s = uow.session
        p = load_visible(s, principal, pseudonym)
        if table_name is None:
            row = None
            content = casebook_sha256(forms_of(s, [p.id], for_update=True)[p.id])
            version = None
        else:
            row = form_row(s, p.id, table_name, row_id or "", for_update=True)
            ref = ref_of(row)
            content, version, row_id = ref.sha256, ref.version, ref.row_id
        if command.version is not None and version is not None and command.version != version:
            raise ConflictError(_("this form changed since you opened it (it is now at version "
                                  "{version}); reload it and sign again").format(
                version=version), field="version")
        if command.content_sha256 and command.content_sha256 != content:
            raise ConflictError(_("the data changed since you opened the page; reload it and "
                                  "sign again"), field="content_sha256")
        key = active_key(CASEBOOK if table_name is None else FORM, p.id, table_name, row_id)
        current = s.scalars(select(FormSignature).where(FormSignature.active_key == key)).first()
        if current is not None and current.content_sha256 == content:
            raise ConflictError(_("already signed by {name} on {when}; nothing changed since")
                                .format(name=current.signer_name,
                                        when=current.signed_at.date().isoformat()),
                                field="signature")
        meaning = meaning_text(command.meaning, p.pseudonym, table_name, row, row_id)
        uow.set_reason(meaning)
        now = utcnow()
        if current is not None:  # in force but for other data (changed outside the app)
            current.voided_at, current.active_key = now, None
            current.void_reason = _(VOID_TEXT)
            s.flush()
        sig = FormSignature(
            participant_id=p.id, scope=CASEBOOK if table_name is None else FORM,
            table_name=table_name, row_id=row_id, signer_id=signer.id,
            signer_username=signer.username, signer_name=signer.display_name, signed_at=now,
            meaning_code=command.meaning, meaning=meaning, content_sha256=content,
            content_version=version, active_key=key)
        s.add(sig)
        s.flush()
        if locks.lock_after_signature() and locks.lock_in_force(
                s, p.id, table_name, row_id) is None:
            locks.add_lock(s, p.id, table_name, row_id, source="signature",
                           by=signer.username, reason=meaning, signature_id=sig.id, now=now)
        s.flush()
        out = _signature_out(sig, content)
        uow.commit()
    return out


def _signature_out(sig: FormSignature, current_sha256: str | None, pseudonym: str = "",
                   relatedness: dict[str, dict[str, Any]] | None = None) -> SignatureOut:
    valid = sig.active_key is not None and sig.content_sha256 == current_sha256
    void_reason = sig.void_reason or (None if valid else _(VOID_TEXT))
    shown = (shown_meaning(sig, pseudonym, valid, relatedness or {}) if pseudonym
             else sig.meaning)
    return SignatureOut(
        id=sig.id, scope=sig.scope, table_name=sig.table_name, row_id=sig.row_id,
        signer_name=sig.signer_name, signer_username=sig.signer_username,
        signed_at=sig.signed_at, meaning_code=sig.meaning_code, meaning=sig.meaning,
        content_sha256=sig.content_sha256, valid=valid,
        voided_at=sig.voided_at, void_reason=void_reason, meaning_shown=shown)


def _lock_out(lock: FormLock | None) -> LockOut | None:
    if lock is None:
        return None
    return LockOut(id=lock.id, scope=lock.scope, table_name=lock.table_name, row_id=lock.row_id,
                   source=lock.source, locked_by=lock.locked_by, locked_at=lock.locked_at,
                   reason=lock.reason)


def _latest(rows: Iterable[Any]) -> dict[tuple[int, str | None, str | None], Any]:
    """The latest signature (or lock in force) per participant and address."""
    out: dict[tuple[int, str | None, str | None], Any] = {}
    for row in rows:
        key = (row.participant_id, row.table_name, row.row_id)
        if key not in out or row.id > out[key].id:
            out[key] = row
    return out


def _relatedness(s: Session, participant_id: int) -> dict[str, dict[str, Any]]:
    """Each adverse event's causality (row id -> drug -> relatedness), for its statement."""
    return {str(i): dict(r or {}) for i, r in s.execute(
        select(AdverseEvent.id, AdverseEvent.relatedness).where(
            AdverseEvent.participant_id == participant_id))}


def _casebook_view(p: Participant, forms: list[FormRef], signatures: dict[Any, FormSignature],
                   held: dict[Any, FormLock],
                   relatedness: dict[str, dict[str, Any]] | None = None) -> CasebookSignoff:
    book_lock = held.get((p.id, None, None))
    items = []
    for ref in forms:
        sig = signatures.get((p.id, ref.table_name, ref.row_id))
        lock = held.get((p.id, ref.table_name, ref.row_id))
        items.append(FormSignoff(
            table_name=ref.table_name, row_id=ref.row_id, label=ref.label,
            content_sha256=ref.sha256, version=ref.version,
            signature=_signature_out(sig, ref.sha256, p.pseudonym, relatedness) if sig else None,
            lock=_lock_out(lock), locked=lock is not None or book_lock is not None))
    content = casebook_sha256(forms)
    book_sig = signatures.get((p.id, None, None))
    return CasebookSignoff(pseudonym=p.pseudonym, content_sha256=content,
                           signature=(_signature_out(book_sig, content, p.pseudonym)
                                      if book_sig else None),
                           lock=_lock_out(book_lock), forms=items)


def _signatures_and_locks(s: Session, ids: list[int]
                          ) -> tuple[dict[Any, FormSignature], dict[Any, FormLock]]:
    signatures = _latest(s.scalars(select(FormSignature).where(
        FormSignature.participant_id.in_(ids))))
    held = _latest(s.scalars(select(FormLock).where(
        FormLock.participant_id.in_(ids), FormLock.active_key.is_not(None))))
    return signatures, held


def casebook(db: Database, principal: Principal, pseudonym: str) -> CasebookSignoff:
    """The participant's forms with their signatures and locks, and the casebook's own."""
    with UnitOfWork(db) as uow:
        s = uow.session
        p = load_visible(s, principal, pseudonym)
        forms = forms_of(s, [p.id])[p.id]
        signatures, held = _signatures_and_locks(s, [p.id])
        view = _casebook_view(p, forms, signatures, held, _relatedness(s, p.id))
    if not principal.can(Permission.TREATMENT_VIEW, p.site_id):  # kept blind to the arm
        view.forms = [f for f in view.forms if f.table_name not in TREATMENT_FORMS]
    return view


def form_signoff(db: Database, principal: Principal, pseudonym: str, table_name: str,
                 row_id: str) -> FormSignoff:
    """One form's signature and lock (the panel on the form's own page)."""
    with UnitOfWork(db) as uow:
        s = uow.session
        p = load_visible(s, principal, pseudonym)
        ref = ref_of(form_row(s, p.id, table_name, row_id))
        signatures, held = _signatures_and_locks(s, [p.id])
        return _casebook_view(p, [ref], signatures, held, _relatedness(s, p.id)).forms[0]


@dataclass(frozen=True)
class SignoffState:
    """Signed and locked, per form and for the casebook of one participant (for the form-status
    grid). ``signed``: a signature in force and its data unchanged (``verify``) or not voided."""

    casebook_signed: bool = False
    casebook_locked: bool = False
    signed: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    locked: frozenset[tuple[str, str]] = field(default_factory=frozenset)

    def form_signed(self, table_name: str, row_id: str) -> bool:
        return (table_name, str(row_id)) in self.signed

    def form_locked(self, table_name: str, row_id: str) -> bool:
        return self.casebook_locked or (table_name, str(row_id)) in self.locked


def signoff_states(db: Database, participant_ids: Iterable[int], verify: bool = False
                   ) -> dict[int, SignoffState]:
    """Signed and locked state of many participants in a few queries (two, plus one per kind
    of form with ``verify``, which compares each signature with the current data)."""
    with UnitOfWork(db) as uow:
        return signoff_states_in(uow.session, participant_ids, verify)


def signoff_states_in(s: Session, participant_ids: Iterable[int], verify: bool = False
                      ) -> dict[int, SignoffState]:
    """:func:`signoff_states` inside an open session (the form status grid's provider)."""
    ids = sorted(set(participant_ids))
    signatures, held = _signatures_and_locks(s, ids) if ids else ({}, {})
    current: dict[tuple[int, str | None, str | None], str] = {}
    if verify and ids:
        for pid, refs in forms_of(s, ids).items():
            current.update({(pid, r.table_name, r.row_id): r.sha256 for r in refs})
            current[(pid, None, None)] = casebook_sha256(refs)
    out: dict[int, SignoffState] = {}
    for pid in ids:
        good = {k for k, sig in signatures.items() if k[0] == pid and sig.active_key is not None
                and (not verify or current.get(k) == sig.content_sha256)}
        keys = {k for k in held if k[0] == pid}
        out[pid] = SignoffState(
            casebook_signed=(pid, None, None) in good, casebook_locked=(pid, None, None) in keys,
            signed=frozenset((t, r) for _, t, r in good if t is not None and r is not None),
            locked=frozenset((t, r) for _, t, r in keys if t is not None and r is not None))
    return out
