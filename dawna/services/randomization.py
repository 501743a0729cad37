"""Randomization: generate the sealed list, go live, randomize, verify, report balance.

Concealment (ICH E9 §2.3.1; Schulz & Grimes, Lancet 2002;359:614): the list is generated once
from a secret seed; only the seed sealed with a key derived from the server secret (never stored
in the database) and a SHA-256 fingerprint of the list are stored, so no page, API, export or
database dump shows a future allocation. The arm is computed when an eligible, consented,
investigator-signed participant is randomized, inside one transaction that takes the stratum's
next position with an atomic ``UPDATE ... RETURNING`` (serialising concurrent randomizations per
stratum on PostgreSQL and SQLite alike; a rollback returns the position, so none is skipped).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dawna.clock import local_today, utcnow
from dawna.config import Settings
from dawna.errors import ConflictError, NotFound, PermissionDenied, ProtocolViolation
from dawna.i18n import _
from dawna.protocol import Protocol, bundled_protocol
from dawna.protocol.randomization_config import RandomizationSettings
from dawna.rules import randomization as rules
from dawna.rules import units
from dawna.rules.lifecycle import Event
from dawna.rules.screening_record import ScreeningRecord
from dawna.services import lifecycle, protocol_versions
from dawna.services import randomization_counters as counters
from dawna.services import randomization_live as live
from dawna.services.access import Permission, Principal, arm_hidden_from
from dawna.services.randomization_live import SEAL_CONTEXT, active_list
from dawna.services.regimen_choice import status_key, validate_choices
from dawna.services.scope import actor_of, load_visible
from dawna.services.screening import require_signed_eligible
from dawna.store import signoff_guard
from dawna.store.audit import Actor
from dawna.store.conflicts import integrity_kind
from dawna.store.db import Database
from dawna.store.models import (
    Allocation,
    Participant,
    ParticipantStatus,
    RandomizationList,
    SequenceCounter,
    StratumCounter,
)
from dawna.store.uow import UnitOfWork


@dataclass(frozen=True)
class AllocationView:
    pseudonym: str
    arm: str
    arm_label: str
    stratum: str
    factors: dict[str, str]
    regimen: dict[str, Any]
    randomized_at: datetime
    randomized_by: str


@dataclass(frozen=True)
class ListStatus:
    exists: bool
    method: str | None
    live: bool
    created_at: datetime | None
    created_by: str | None
    live_at: datetime | None
    fingerprint: str | None
    used: int
    capacity: int


def _config(protocol: Protocol) -> RandomizationSettings:
    if protocol.randomization is None:
        raise ProtocolViolation(_("the protocol file has no randomization section"),
                                field="randomization")
    return protocol.randomization


def seal_key(settings: Settings) -> bytes:
    """The key sealing a list's seed, derived from the server's secret key."""
    return hmac.new(settings.secret_key.encode(), b"dawna-randomization-key",
                    hashlib.sha256).digest()


def _snapshot(cfg: RandomizationSettings) -> dict[str, Any]:
    return cfg.model_dump(mode="json")


@lru_cache(maxsize=64)
def _stratum_list(seed: bytes, stratum: str, size: int, arms: tuple[str, ...],
                  ratio: tuple[int, ...], blocks: tuple[int, ...]) -> tuple[rules.Slot, ...]:
    return tuple(rules.permuted_block_list(seed, stratum, size, arms, ratio, blocks))


def stratum_lists(seed: bytes, cfg: RandomizationSettings,
                  size: int) -> dict[str, tuple[rules.Slot, ...]]:
    """The permuted-block list of every stratum, recomputed from the seed (cached)."""
    return {s: _stratum_list(seed, s, size, tuple(cfg.arms), tuple(cfg.ratio),
                             tuple(cfg.block_sizes)) for s in rules.all_strata(cfg.factors)}


def fingerprint_of(seed: bytes, cfg: RandomizationSettings, size: int) -> str:
    """The fingerprint stored with a list, to verify it later without revealing it."""
    if cfg.method == "permuted_blocks":
        slots = [slot for lst in stratum_lists(seed, cfg, size).values() for slot in lst]
        return rules.list_fingerprint(slots)
    canonical = repr(sorted(_snapshot(cfg).items())).encode()
    return hashlib.sha256(hashlib.sha256(seed).digest() + canonical).hexdigest()


def require_settings_unchanged(session: Session, cfg: RandomizationSettings | None) -> None:
    """Refuse settings that differ from those of the list taken live: go-live locks them (a
    randomization, or a protocol amendment, meets the same refusal)."""
    lst = active_list(session)
    if lst is not None and lst.live_at is not None and (
            cfg is None or lst.settings != _snapshot(cfg)):
        raise ProtocolViolation(_("the protocol file's randomization settings changed after "
                                  "go-live; changes are refused"), field="randomization")


def require_manager(principal: Principal) -> None:
    if not principal.can_anywhere(Permission.RANDOMIZATION_MANAGE):
        raise PermissionDenied(_("only the trial statistician manages the randomization list"),
                               field="role")


def generate(db: Database, settings: Settings, actor: Actor, reason: str,
             size_per_stratum: int | None = None, protocol: Protocol | None = None) -> ListStatus:
    """Generate the list once, from a fresh secret seed, for ``size_per_stratum`` (with margin)."""
    cfg = _config(protocol or bundled_protocol())
    size = size_per_stratum or cfg.list_size_per_stratum
    seed = secrets.token_bytes(32)
    with UnitOfWork(db, actor, reason) as uow:
        s = uow.session
        if active_list(s) is not None:
            raise ConflictError(_("the allocation list has already been generated; it is "
                                  "generated once"), field="randomization")
        strata = rules.all_strata(cfg.factors) if cfg.method == "permuted_blocks" else ["all"]
        lst = RandomizationList(method=cfg.method, settings=_snapshot(cfg),
                                seed_sealed=rules.seal(seed, seal_key(settings), SEAL_CONTEXT),
                                fingerprint=fingerprint_of(seed, cfg, size),
                                size_per_stratum=size, created_by=actor.username)
        s.add(lst)
        s.flush()
        for stratum in strata:
            capacity = (len(stratum_lists(seed, cfg, size)[stratum])
                        if cfg.method == "permuted_blocks"
                        else size)
            s.add(StratumCounter(list_id=lst.id, stratum=stratum, used=0, capacity=capacity))
        s.add(SequenceCounter(list_id=lst.id, used=0))
        s.flush()
        uow.commit()
    return status(db)


def go_live(db: Database, actor: Actor, reason: str,
            protocol: Protocol | None = None) -> ListStatus:
    """Lock the configuration: from now on the list and its settings cannot change."""
    cfg = _config(protocol or bundled_protocol())
    with UnitOfWork(db, actor, reason) as uow:
        lst = active_list(uow.session)
        if lst is None:
            raise ProtocolViolation(_("generate the allocation list before going live"),
                                    field="randomization")
        if lst.live_at is not None:
            raise ConflictError(_("randomization is already live"), field="randomization")
        if lst.settings != _snapshot(cfg):
            raise ProtocolViolation(_("the protocol file's randomization settings differ from "
                                      "those the list was generated with"), field="randomization")
        lst.live_at = utcnow()
        uow.commit()
    return status(db)


def status(db: Database) -> ListStatus:
    with UnitOfWork(db) as uow:
        s = uow.session
        lst = active_list(s)
        if lst is None:
            return ListStatus(False, None, False, None, None, None, None, 0, 0)
        used, capacity = s.execute(select(func.coalesce(func.sum(StratumCounter.used), 0),
                                          func.coalesce(func.sum(StratumCounter.capacity), 0))
                                   .where(StratumCounter.list_id == lst.id)).one()
        return ListStatus(True, lst.method, lst.live_at is not None, lst.created_at,
                          lst.created_by, lst.live_at, lst.fingerprint, int(used), int(capacity))


def _arm_label(protocol: Protocol, arm: str) -> str:
    try:
        return protocol.arm(arm).label
    except NotFound:
        return arm


def _view(p: Participant, a: Allocation, protocol: Protocol) -> AllocationView:
    return AllocationView(pseudonym=p.pseudonym, arm=a.arm, arm_label=_arm_label(protocol, a.arm),
                          stratum=a.stratum, factors=dict(a.factors), regimen=dict(a.regimen),
                          randomized_at=a.randomized_at, randomized_by=a.randomized_by)


def allocation_of(db: Database, principal: Principal, pseudonym: str) -> AllocationView | None:
    with UnitOfWork(db) as uow:
        s = uow.session
        return allocation_in(s, principal, load_visible(s, principal, pseudonym))


def allocation_in(s: Session, principal: Principal, p: Participant) -> AllocationView | None:
    """The participant's allocation as ``principal`` may see it, in a read the caller holds
    (the participant read for this principal already); None before randomization, and for a
    reader kept blind to the arm."""
    if arm_hidden_from(principal, p.site_id):
        return None  # the imaging reader is kept blind to the arm
    a = s.scalars(select(Allocation).where(Allocation.participant_id == p.id)).first()
    return _view(p, a, bundled_protocol()) if a else None


def _minimization_arm(s: Session, seed: bytes, cfg: RandomizationSettings, list_id: int,
                      levels: dict[str, str], n: int) -> tuple[str, dict[str, Any]]:
    counts: dict[str, dict[str, dict[str, int]]] = {
        f.name: {lv: dict.fromkeys(cfg.arms, 0) for lv in f.levels} for f in cfg.factors}
    for factors, arm in s.execute(select(Allocation.factors, Allocation.arm)
                                  .where(Allocation.list_id == list_id)):
        for name, level in factors.items():
            if name in counts and level in counts[name]:
                counts[name][level][arm] += 1
    m = cfg.minimization
    weights = {f.name: float(m.weights.get(f.name, 1.0)) for f in cfg.factors}
    u = rules.uniform(seed, f"min:{n}", n)
    decision = rules.minimization_assign(counts, levels, tuple(cfg.arms), weights, m.imbalance,
                                         m.probability, u, ratio=tuple(cfg.ratio))
    return decision.arm, {"scores": dict(decision.scores), "u": u,
                          "preferred": list(decision.preferred_arms)}


_SQLITE_WRITER = threading.Lock()


def randomize(db: Database, settings: Settings, principal: Principal, pseudonym: str,
              factors: dict[str, str], choices: dict[str, str],
              protocol: Protocol | None = None) -> AllocationView:
    """Randomize one participant; refused (nothing consumed) unless signed eligible, consented,
    not yet randomized, the list live and the factors complete.

    On SQLite (one server process, embedded) randomizations are serialised in-process as well,
    so a reader upgraded to writer never meets a busy database; correctness across processes
    rests on the atomic counter update and the unique constraints on both databases.
    """
    if db.dialect == "sqlite":
        with _SQLITE_WRITER:
            return _randomize(db, settings, principal, pseudonym, factors, choices, protocol)
    return _randomize(db, settings, principal, pseudonym, factors, choices, protocol)


def _randomize(db: Database, settings: Settings, principal: Principal, pseudonym: str,
               factors: dict[str, str], choices: dict[str, str],
               protocol: Protocol | None) -> AllocationView:
    """Order of the work, for throughput under a burst (issue 19 item 8): the participant's row
    is locked first (a second request for the same participant waits here, holding nothing, then
    finds the allocation and gets 409); every check comes next; the shared locks come last,
    always in the same order (the stratum's counter, the list's sequence, the audit chain's head
    at commit), so no two randomizations can deadlock. The status change and the allocation are
    written in one flush (one pass of the audit and sign-off listeners) once the position and
    the sequence are taken; what never changes once the list is live is read once per process
    (``randomization_live``)."""
    with UnitOfWork(db, actor_of(principal), _("Randomized")) as uow:
        s = uow.session
        p = load_visible(s, principal, pseudonym, for_update=True)
        signoff_guard.hold(s, p.id)  # the allocation's flush reuses the status change's check
        today = local_today(settings.zone)
        # the version in force today (its randomization block cannot differ after go-live)
        label, in_force = protocol_versions.protocol_on(s, today)
        protocol = protocol or in_force
        cfg = _config(protocol)
        if not principal.can(Permission.RANDOMIZE, p.site_id):
            raise PermissionDenied(_("your roles at this site do not allow randomizing"),
                                   field="role")
        # only an eligible participant can be randomized (rules/lifecycle.py), and nothing but
        # randomization leaves that state: an eligible participant has no allocation (the
        # unique constraint on allocation.participant_id holds it regardless)
        done = None if p.status == ParticipantStatus.ELIGIBLE else s.scalars(
            select(Allocation).where(Allocation.participant_id == p.id)).first()
        if done is not None:
            raise ConflictError(_("{id} was already randomized to {arm} on {date}; an allocation "
                                  "is final").format(id=p.pseudonym, arm=done.arm,
                                                     date=done.randomized_at.date()),
                                field="participant")
        if p.consent_date is None:
            raise ProtocolViolation(_("{id} has no consent date").format(id=p.pseudonym),
                                    field="consent_date")
        screening_row, record = require_signed_eligible(s, p)
        lst = live.live_list(s, db, seal_key(settings))
        if lst.settings != _snapshot(cfg):
            raise ProtocolViolation(_("the protocol file's randomization settings changed after "
                                      "go-live; changes are refused"), field="randomization")
        stratum = rules.stratum_key(factors, cfg.factors)
        regimen = validate_choices(protocol, choices, status_key(
            record, record.decision_date or screening_row.decision_date))
        lifecycle.apply_event(s, p, Event.RANDOMIZED, today, principal.username, today)
        # the status change, its event and their audit records are written now, under the
        # participant's lock only: what follows holds the list's locks, one request at a time
        s.flush()
        with s.no_autoflush:
            if lst.method == "permuted_blocks":
                slots = stratum_lists(lst.seed, cfg, lst.size_per_stratum)[stratum]
                position, sequence = counters.take_position_and_sequence(s, lst.id, stratum)
                arm = slots[position - 1].arm
                detail: dict[str, Any] = {"method": "permuted_blocks"}
            else:
                position = counters.take_position(s, lst.id, "all")
                arm, detail = _minimization_arm(s, lst.seed, cfg, lst.id, dict(factors), position)
                detail["method"] = "minimization"
                sequence = counters.next_sequence(s, lst.id)
        a = Allocation(list_id=lst.id, participant_id=p.id, site_id=p.site_id,
                       stratum=stratum if lst.method == "permuted_blocks" else "all",
                       position=position, sequence=sequence, arm=arm, factors=dict(factors),
                       regimen=regimen, detail=detail, randomized_at=utcnow(),
                       randomized_by=principal.username, protocol_version=label)
        s.add(a)
        pseudonym = p.pseudonym
        try:  # the participant's lock makes a duplicate rare here; the constraint still holds
            s.flush()
        except IntegrityError as exc:
            if integrity_kind(exc) != "unique":
                raise  # not a duplicate: the unit of work answers it (store/conflicts.py)
            raise ConflictError(_("{id} was randomized at the same moment by someone else").format(
                id=pseudonym), field="participant") from exc
        view = _view(p, a, protocol)
        uow.commit()
    return view


def suggest_factors(record: ScreeningRecord) -> dict[str, str]:
    """Pre-fill the stratification factors from the screening record where it answers them:
    CDK4/6 inhibitor setting from the treatment lines, visceral metastasis when liver
    metastases are recorded. The person randomizing confirms or corrects them."""
    out: dict[str, str] = {}
    lines = record.treatment_lines or []
    settings_seen = {line.setting for line in lines
                     if any(units.agent_class(a) == "cdk46i" for a in line.agents)}
    if "advanced" in settings_seen:
        out["factor.cdk46i_setting"] = "advanced"
    elif settings_seen & {"adjuvant", "neoadjuvant"}:
        out["factor.cdk46i_setting"] = "adjuvant"
    if record.liver_metastases:
        out["factor.visceral_metastasis"] = "yes"
    return out
