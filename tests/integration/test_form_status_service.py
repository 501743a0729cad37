"""The form status grid from the store: states against the hand-worked dates of
``tests/form_status_data.py`` (2026-03-10 at the site), a fixed number of statements whatever
the number of participants (counted with a SQLAlchemy event), site scoping, the blind reader,
and the mark providers (the screening signature, and a provider handed in)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from form_status_data import TODAY, grid_database, grid_trial, more_arm_a
from helpers import principal
from sqlalchemy import event, select

from dawna.clock import simulated
from dawna.config import Settings
from dawna.errors import NotFound, ValidationError
from dawna.rules.form_status import Mark
from dawna.services import form_status
from dawna.services.access import Principal
from dawna.store.db import Database
from dawna.store.models import Role, Site
from dawna.store.uow import UnitOfWork


@pytest.fixture(scope="module")
def trial(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Database]:
    yield from grid_database(tmp_path_factory.mktemp("forms"), sqlite_template)


@pytest.fixture(scope="module")
def conf(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(env="test", database_url="sqlite:///unused", secret_key="t" * 40)


def _grid(db: Database, conf: Settings, user: str, **kw: object):  # type: ignore[no-untyped-def]
    with simulated(TODAY):
        return form_status.grid(db, conf, principal(db, user), **kw)  # type: ignore[arg-type]


def test_states_on_the_hand_worked_day(trial: Database, conf: Settings) -> None:
    out = _grid(trial, conf, "coord_a")
    rows = {r.pseudonym: r.cells for r in out.rows}
    assert out.today.isoformat() == "2026-03-10" and out.sites == ["SITEA"]
    assert set(rows) == {"F001", "F002", "F003"}  # SITEB's F100 is not coord_a's
    # F001: consent 2026-01-02 + 14 days closed on 2026-01-16
    assert rows["F001"]["screening/screening"].state == "overdue"
    assert rows["F001"]["screening/consent"].state == "entered"
    assert rows["F002"]["screening/pet_study"].state == "not_expected"
    f3 = rows["F003"]
    assert f3["randomization/allocation"].state == "entered"
    assert f3["treatment_start/treatment_plan"].state == "entered"
    assert f3["screening/tumour_assessment"].state == "entered"  # the baseline
    # 28-day cycles: cycle 2 planned 2026-02-09 ± 3 days, nothing entered: overdue
    cycle = f3["cycle_day_1/treatment_cycle"]
    assert (cycle.state, cycle.entered, cycle.expected) == ("overdue", 1, 2)
    # goserelin 2026-01-12: next on 2026-02-09, 3 days' grace: overdue
    assert f3["depot/depot_dose"].state == "overdue"
    # week 8 (2026-03-02) entered; week 16 (2026-04-27) not due
    tumour = f3["tumour_assessment/tumour_assessment"]
    assert (tumour.state, tumour.entered, tumour.next_due.isoformat()) == (
        "entered", 1, "2026-04-27")
    assert f3["unscheduled/adverse_event"].entered == 1
    assert "survival_follow_up/follow_up_contact" in f3
    assert f3["survival_follow_up/follow_up_contact"].state is None  # still on treatment


def test_follow_up_after_end_of_treatment_and_site_filter(trial: Database, conf: Settings
                                                          ) -> None:
    out = _grid(trial, conf, "stat_ab", site="SITEB")
    (row,) = out.rows
    assert row.pseudonym == "F100"
    # ended 2026-02-01: the first contact is due 12 weeks later, 2026-04-26 (window from 04-12)
    contact = row.cells["survival_follow_up/follow_up_contact"]
    assert (contact.state, contact.next_due.isoformat()) == ("not_due", "2026-04-26")
    assert row.cells["end_of_treatment/status_event"].state == "entered"
    assert row.cells["cycle_day_1/treatment_cycle"].expected == 1  # no cycle after the end
    with pytest.raises(ValidationError) as error:
        _grid(trial, conf, "coord_a", site="SITEB")
    assert error.value.field == "site"


def test_state_filter_and_paging(trial: Database, conf: Settings) -> None:
    overdue = _grid(trial, conf, "coord_a", state="overdue")
    assert [r.pseudonym for r in overdue.rows] == ["F001", "F003"]
    paged = _grid(trial, conf, "coord_a", per_page=2, page=2)
    assert (paged.total, paged.pages, [r.pseudonym for r in paged.rows]) == (3, 2, ["F003"])
    with pytest.raises(ValidationError) as error:
        _grid(trial, conf, "coord_a", state="late")
    assert error.value.field == "state"


def test_blind_reader_gets_no_treatment_column(trial: Database, conf: Settings) -> None:
    out = _grid(trial, conf, "reader_a")
    forms = {f.form for c in out.columns for f in c.forms}
    assert forms.isdisjoint(form_status.TREATMENT_FORMS)
    assert "cycle_day_1" not in {c.visit for c in out.columns}
    cells = {r.pseudonym: r.cells for r in out.rows}["F003"]
    assert not any(key.split("/")[1] in form_status.TREATMENT_FORMS for key in cells)
    assert cells["tumour_assessment/tumour_assessment"].state == "entered"


def test_participant_forms_and_a_provider(trial: Database, conf: Settings) -> None:
    def verified(session, ids):  # type: ignore[no-untyped-def]
        from sqlalchemy import select

        from dawna.store.models import TumourAssessment
        rows = session.scalars(select(TumourAssessment.id).where(
            TumourAssessment.participant_id.in_(ids)))
        return {("tumour_assessment", r): {Mark.VERIFIED} for r in rows}

    with simulated(TODAY):
        out = form_status.participant_forms(trial, conf, principal(trial, "monitor_a"), "F003",
                                            providers=(verified,))
        with pytest.raises(NotFound):
            form_status.participant_forms(trial, conf, principal(trial, "monitor_a"), "F100")
    week8 = next(o for o in out.occurrences if o.visit == "tumour_assessment")
    assert (week8.state, week8.marks, week8.due.isoformat()) == (
        "verified", ["verified"], "2026-03-02")
    depot = [o for o in out.occurrences if o.visit == "depot"]
    assert [(o.detail, o.state) for o in depot] == [("goserelin", "entered"),
                                                   ("goserelin", "overdue")]


def _statements(db: Database, conf: Settings) -> tuple[int, int]:
    count = 0
    with db.sessions() as session:
        sites = {s.id: frozenset({Role.STATISTICIAN}) for s in session.scalars(select(Site))}
    who = Principal(user_id=1, username="stat", display_name="stat", roles=sites)

    def counter(*_args: object) -> None:
        nonlocal count
        count += 1

    event.listen(db.engine, "before_cursor_execute", counter)
    try:
        with simulated(TODAY):
            rows = form_status.grid(db, conf, who, per_page=100).rows
    finally:
        event.remove(db.engine, "before_cursor_execute", counter)
    return count, len(rows)


def test_statement_count_does_not_grow_with_participants(db: Database, conf: Settings) -> None:
    """On SQLite and PostgreSQL: 4 participants and 14 take the same number of statements."""
    grid_trial(db, users=False)
    small, four = _statements(db, conf)
    more_arm_a(db, 10)
    big, fourteen = _statements(db, conf)
    assert (four, fourteen) == (4, 14)
    assert small == big, (small, big)
    assert big <= 31, big  # one query per table: 25, the 4 clinical forms and the pregnancy
    # tests and dispensings of issue 21


def test_casebook_marks_and_marks_on_unscheduled_forms(trial: Database, conf: Settings) -> None:
    def monitor(session, ids):  # type: ignore[no-untyped-def]
        from sqlalchemy import select as sel

        from dawna.store.models import AdverseEvent, Participant
        f3 = session.scalar(sel(Participant.id).where(Participant.pseudonym == "F003"))
        ae = session.scalar(sel(AdverseEvent.id).where(AdverseEvent.participant_id == f3))
        return {(form_status.CASEBOOK, f3): {Mark.LOCKED}, ("adverse_event", ae): {Mark.QUERIED}}

    out = _grid(trial, conf, "coord_a", providers=(monitor,))
    f3 = {r.pseudonym: r.cells for r in out.rows}["F003"]
    assert f3["randomization/allocation"].state == "locked"  # the casebook's lock
    assert f3["cycle_day_1/treatment_cycle"].state == "overdue"  # still missing: overdue
    assert f3["unscheduled/adverse_event"].state == "queried"  # an open query comes first
    assert {r.pseudonym for r in _grid(trial, conf, "coord_a", providers=(monitor,),
                                       state="queried").rows} == {"F003"}


def test_a_data_managers_lock_shows_on_the_grid_until_unlocked(trial: Database, conf: Settings
                                                               ) -> None:
    """The default providers read the sign-off tables: a casebook locked by the data manager
    marks a randomized participant's entered forms locked; unlocked, they are entered again
    (missing forms stay overdue either way)."""
    from dawna.services import locks

    with UnitOfWork(trial) as uow:
        site = uow.session.scalar(select(Site.id).where(Site.code == "SITEA"))
    dm = Principal(user_id=999, username="dm_test", display_name="DM",
                   roles={site: frozenset({Role.DATA_MANAGER})})

    def states() -> dict[str, dict[str, str | None]]:
        return {r.pseudonym: {k: c.state for k, c in r.cells.items()}
                for r in _grid(trial, conf, "coord_a").rows}

    before = states()
    who = next(p for p, cells in sorted(before.items())
               if cells["randomization/allocation"] == "entered")
    locks.lock(trial, dm, who, None, None, reason="interim cleaning")
    try:
        during = states()[who]
        assert during["randomization/allocation"] == "locked"
        assert all(during[k] == v for k, v in before[who].items() if v != "entered")
        assert "overdue" in during.values()  # a lock does not fill a missing form
    finally:
        locks.unlock(trial, dm, who, None, None, reason="reopened for the test")
    assert states() == before


def test_queries_and_verification_show_on_the_grid(tmp_path: Path, sqlite_template: Path,
                                                   conf: Settings) -> None:
    """The default providers read the query and verification tables (a fresh copy: the marks
    stay). An open query marks the form queried until it is closed; a form the monitor
    verified whole is verified; a query outranks a verification (docs/form-status.md)."""
    from dawna.services import queries, sdv
    from dawna.services.schemas_queries import QueryRaiseIn, QueryStepIn, SdvMarkIn
    from dawna.store.models import Allocation, Consent, Participant

    for db in grid_database(tmp_path, sqlite_template):
        with UnitOfWork(db) as uow:
            s = uow.session
            site = s.scalar(select(Site.id).where(Site.code == "SITEA"))
            pid, who = s.execute(select(Participant.id, Participant.pseudonym)
                                 .join(Allocation, Allocation.participant_id == Participant.id)
                                 .where(Participant.site_id == site)
                                 .order_by(Participant.pseudonym)).first()
            allocation = str(s.scalar(select(Allocation.id)
                                      .where(Allocation.participant_id == pid)))
            consent = str(s.scalar(select(Consent.id).where(Consent.participant_id == pid)))
        monitor = Principal(user_id=998, username="monitor_test", display_name="Monitor",
                            roles={site: frozenset({Role.MONITOR})})

        def cells() -> dict[str, str | None]:
            row = {r.pseudonym: r for r in _grid(db, conf, "coord_a").rows}[who]
            return {k: c.state for k, c in row.cells.items()}

        assert cells()["randomization/allocation"] == "entered"
        qid = queries.raise_query(db, monitor, QueryRaiseIn(
            table_name="allocation", row_id=allocation, text="Stratum against source?"))
        sdv.mark(db, monitor, SdvMarkIn(table_name="allocation", row_id=allocation))
        sdv.mark(db, monitor, SdvMarkIn(table_name="consent", row_id=consent))
        now = cells()
        assert now["randomization/allocation"] == "queried"
        assert now["screening/consent"] == "verified"
        queries.close(db, monitor, qid, QueryStepIn(version=1, text="checked"))
        assert cells()["randomization/allocation"] == "verified"
