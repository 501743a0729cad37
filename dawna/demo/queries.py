"""Data management in the simulated trial (issue 20 items 1 and 2), deterministic: a platelet
count kept as implausible with confirmation, then the edit checks run over the store and query
it; at each site the monitor queries the first laboratory result of the first randomized
participants and a whole screening form; the coordinator explains some answers, the monitor
closes one query and leaves one answered and one open (ages of 12, 9 and 5 days); the monitor
verifies the registration, consent, screening and randomization forms of the first two
participants of each site against the source, and one laboratory value."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from dawna.clock import local_today, simulated
from dawna.config import Settings
from dawna.demo.clock import moment
from dawna.errors import DawnaError
from dawna.services import queries, query_checks, safety, sdv
from dawna.services.access import Principal
from dawna.services.schemas_queries import QueryAnswerIn, QueryRaiseIn, QueryStepIn, SdvMarkIn
from dawna.store.db import Database
from dawna.store.models import Allocation, Consent, LabResult, Participant, Screening

__all__ = ["simulate"]

_VERIFIED = ("participant", "consent", "screening", "allocation")


def _first_forms(db: Database, site_id: int, n: int) -> list[dict[str, str | None]]:
    """The first ``n`` randomized participants of the site with the ids of their forms."""
    with db.sessions() as s:
        people = s.execute(select(Participant.id, Participant.pseudonym)
                           .join(Allocation, Allocation.participant_id == Participant.id)
                           .where(Participant.site_id == site_id)
                           .order_by(Allocation.randomized_at).limit(n)).all()
        out = []
        for pid, pseudonym in people:
            def first(model: type, pid: int = pid) -> str | None:
                found = s.scalar(select(model.id).where(  # type: ignore[attr-defined]
                    model.participant_id == pid).order_by(model.id).limit(1))  # type: ignore[attr-defined]
                return str(found) if found is not None else None

            out.append({"pseudonym": pseudonym, "participant": str(pid),
                        "consent": first(Consent), "screening": first(Screening),
                        "allocation": first(Allocation), "lab_result": first(LabResult)})
    return out


def _implausible_lab(db: Database, settings: Settings, coordinators: dict[int, Principal],
                     day: date) -> None:
    """A platelet count of 1100 ×10⁹/L, above the protocol file's soft limit (1000) and kept
    with confirmation (reactive thrombocytosis): the edit checks query it."""
    for site_id, coordinator in sorted(coordinators.items()):
        with db.sessions() as s:
            people = s.scalars(select(Participant.pseudonym)
                               .join(Allocation, Allocation.participant_id == Participant.id)
                               .where(Participant.site_id == site_id)
                               .order_by(Allocation.randomized_at)).all()
        for pseudonym in people:
            try:
                with simulated(moment(day, 16, settings.zone)):
                    safety.record_lab(db, settings, coordinator, pseudonym, safety.LabIn(
                        analyte="platelets", value=1100, unit="10^9/L", lln=150, uln=400,
                        sample_date=day, confirm_implausible=True))
                return
            except DawnaError:
                continue


def simulate(db: Database, settings: Settings, monitors: dict[int, Principal],
             coordinators: dict[int, Principal]) -> int:
    """Raise, answer, close and verify; returns the number of queries raised by hand."""
    today = local_today(settings.zone)

    def at(days_ago: int, hour: int = 10):  # type: ignore[no-untyped-def]
        return simulated(moment(today - timedelta(days=days_ago), hour, settings.zone))

    _implausible_lab(db, settings, coordinators, today - timedelta(days=15))
    with at(14):
        query_checks.run_checks(db, settings)
    raised = 0
    for site_id, monitor in sorted(monitors.items()):
        coordinator = coordinators.get(site_id)
        forms = _first_forms(db, site_id, 3)
        ids: list[int] = []
        for f in forms:
            if f["lab_result"] is None:
                continue
            with at(12):
                ids.append(queries.raise_query(db, monitor, QueryRaiseIn(
                    table_name="lab_result", row_id=str(f["lab_result"]), field="value",
                    text="Please confirm this value against the laboratory report "
                         "(source document).")))
        if forms and forms[0]["screening"] is not None:
            with at(5):
                ids.append(queries.raise_query(db, monitor, QueryRaiseIn(
                    table_name="screening", row_id=str(forms[0]["screening"]),
                    text="The screening record has no copy of the ECOG assessment in the "
                         "source; please file it and confirm.")))
        raised += len(ids)
        if coordinator is not None:
            for i, query_id in enumerate(ids[:2]):
                with at(9):
                    queries.answer(db, coordinator, query_id, QueryAnswerIn(
                        text="Checked against the laboratory report: the value is as "
                             "entered.", answer_kind="explained", version=1))
                if i == 0:
                    with at(7):
                        queries.close(db, monitor, query_id, QueryStepIn(
                            text="Source seen at the monitoring visit.", version=2))
        for f in forms[:2]:
            with at(7, 15):
                for table in _VERIFIED:
                    if f[table] is not None:
                        sdv.mark(db, monitor, SdvMarkIn(table_name=table,
                                                        row_id=str(f[table])))
                if f["lab_result"] is not None:
                    sdv.mark(db, monitor, SdvMarkIn(table_name="lab_result",
                                                    row_id=str(f["lab_result"]),
                                                    field="value"))
    return raised
