"""A small trial for the form status grid, written straight into the store (the services that
enter each form are tested elsewhere): on 2026-03-10 at the site,

- F001 (SITEA) consented 2026-01-02, nothing entered: the screening forms are overdue;
- F002 (SITEA) screen failure on 2026-01-10 without a PET read: not expected;
- F003.. (SITEA) arm A randomized 2026-01-05, cycle 1 on 2026-01-12 (28 days: cycle 2 due
  2026-02-09, overdue), goserelin on 2026-01-12, week-8 assessment on 2026-03-02, one AE;
- F100 (SITEB) arm B randomized 2026-01-05, treatment ended 2026-02-01 (follow-up contact due
  2026-04-26).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

from helpers import SYSTEM, two_site_trial

from dawna.services import admin
from dawna.services.schemas import SiteCreate
from dawna.store.db import Database
from dawna.store.models import (
    AdverseEvent,
    Allocation,
    Consent,
    DepotDose,
    Participant,
    RandomizationList,
    Site,
    StatusEvent,
    TreatmentCycle,
    TreatmentPlan,
    TumourAssessment,
)
from dawna.store.uow import UnitOfWork

TODAY = datetime(2026, 3, 10, 4, tzinfo=UTC)  # 12:00 in Shanghai


def _event(pid: int, event: str, frm: str, to: str, on: date, reason: str | None = None
           ) -> StatusEvent:
    return StatusEvent(participant_id=pid, event=event, from_status=frm, to_status=to,
                       event_date=on, reason=reason, recorded_by="test")


def _person(s, site: Site, number: str, status: str, consent: date) -> Participant:  # type: ignore[no-untyped-def]
    p = Participant(site_id=site.id, screening_number=f"S-{number}", pseudonym=number,
                    status=status, consent_date=consent)
    s.add(p)
    s.flush()
    s.add(Consent(participant_id=p.id, version="1.0", signed_on=consent, kind="initial",
                  recorded_by="test"))
    s.add(_event(p.id, "consent", "pre_screening", "consented", consent))
    return p


def _randomized(s, site: Site, number: str, arm: str, listing: RandomizationList,  # type: ignore[no-untyped-def]
                status: str) -> Participant:
    p = _person(s, site, number, status, date(2025, 12, 20))
    s.add_all([_event(p.id, "signed_eligible", "screening", "eligible", date(2026, 1, 2)),
               _event(p.id, "randomized", "eligible", "randomized", date(2026, 1, 5))])
    s.add(Allocation(list_id=listing.id, participant_id=p.id, site_id=site.id, stratum="s",
                     position=p.id, sequence=p.id, arm=arm, factors={}, regimen={}, detail={},
                     randomized_at=datetime(2026, 1, 5, 2, tzinfo=UTC), randomized_by="test"))
    drugs = [{"drug": "dalpiciclib"}, {"drug": "letrozole"}, {"drug": "goserelin"}] \
        if arm == "A" else [{"drug": "capecitabine"}]
    s.add(TreatmentPlan(participant_id=p.id, arm=arm, regimen_id=arm, measures={}, doses=drugs,
                        confirmed_by="test", confirmed_at=datetime(2026, 1, 8, 2, tzinfo=UTC)))
    s.add(TreatmentCycle(participant_id=p.id, cycle=1, start_date=date(2026, 1, 12),
                         planned_date=date(2026, 1, 12), doses=[], recorded_by="test"))
    s.add(_event(p.id, "treatment_started", "randomized", "on_treatment", date(2026, 1, 12)))
    s.add(TumourAssessment(participant_id=p.id, kind="baseline", assessment_date=date(2025, 12, 28),
                           data={}, entered_by="test"))
    return p


def _arm_a(s, site: Site, listing: RandomizationList, first: int, n: int) -> None:  # type: ignore[no-untyped-def]
    for k in range(first, first + n):
        p = _randomized(s, site, f"F{k:03d}", "A", listing, "on_treatment")
        s.add(DepotDose(participant_id=p.id, drug="goserelin", given_on=date(2026, 1, 12),
                        recorded_by="test"))
        s.add(TumourAssessment(participant_id=p.id, kind="follow_up",
                               assessment_date=date(2026, 3, 2), data={}, entered_by="test"))
        s.add(AdverseEvent(participant_id=p.id, number=1, term="Neutropenia", grade=3,
                           start_date=date(2026, 2, 1), action_taken="none",
                           outcome="recovered", recorded_by="test"))


def grid_trial(db: Database, users: bool = True) -> None:
    """The trial above (``users``: with the users of ``helpers.two_site_trial``, else the two
    sites only)."""
    if users:
        two_site_trial(db)
    else:
        for code in ("SITEA", "SITEB"):
            admin.create_site(db, SYSTEM, SiteCreate(code=code, name=code), "test set-up")
    with UnitOfWork(db, SYSTEM, "test set-up: form status") as uow:
        s = uow.session
        a, b = (s.query(Site).filter_by(code=c).one() for c in ("SITEA", "SITEB"))
        listing = RandomizationList(method="permuted_blocks", settings={}, seed_sealed="x",
                                    fingerprint="0" * 64, size_per_stratum=1, created_by="test")
        s.add(listing)
        s.flush()
        _person(s, a, "F001", "consented", date(2026, 1, 2))
        failed = _person(s, a, "F002", "screen_failed", date(2026, 1, 2))
        s.add(_event(failed.id, "signed_not_eligible", "screening", "screen_failed",
                     date(2026, 1, 10)))
        _arm_a(s, a, listing, 3, 1)
        ended = _randomized(s, b, "F100", "B", listing, "end_of_treatment")
        s.add(_event(ended.id, "treatment_ended", "on_treatment", "end_of_treatment",
                     date(2026, 2, 1), "toxicity"))
        uow.commit()


def grid_database(folder: Path, template: Path) -> Iterator[Database]:
    """A copy of the migrated ``template`` in ``folder`` holding :func:`grid_trial` (for a
    module-scoped fixture: ``yield from grid_database(...)``)."""
    path = folder / "forms.sqlite3"
    shutil.copy(template, path)
    db = Database(f"sqlite:///{path}")
    grid_trial(db)
    yield db
    db.dispose()


def more_arm_a(db: Database, n: int) -> None:
    """``n`` more participants like F003 (F004, F005, ...), for counting queries."""
    with UnitOfWork(db, SYSTEM, "test set-up: more participants") as uow:
        s = uow.session
        site = s.query(Site).filter_by(code="SITEA").one()
        _arm_a(s, site, s.query(RandomizationList).one(), 4, n)
        uow.commit()
