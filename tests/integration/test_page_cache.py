"""The busiest pages' data kept per data version (issue 23 item 4, ``services/page_cache.py``), on
the two-site trial with one participant on treatment: a kept treatment view equals a fresh
build; a change of data through a service shows on the next request (treatment page, safety
list, dashboard, course in the trial); users of another site never get a kept entry of this
one, and what depends on the user (may record, prescribe, edit) is the user's own. On the demo
trial scaled to 32 participants (PUMCH and SIM2): the dashboard built from columns equals what
the participants' courses (``follow_up.course``, an independent path) say."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from helpers import principal
from sqlalchemy import select
from treatment_data import on_dalpiciclib_cycle_1

from dawna.clock import local_today, simulated
from dawna.config import Settings
from dawna.errors import NotFound, PermissionDenied
from dawna.i18n import set_locale
from dawna.services import follow_up, lifecycle, page_cache, safety, treatment
from dawna.store.db import Database
from dawna.store.models import Participant, Site
from dawna.store.uow import UnitOfWork

NOW = datetime(2024, 9, 1, 4, tzinfo=UTC)


@pytest.fixture
def demo(tmp_path: Path, demo_template: Path) -> Iterator[tuple[Database, Settings]]:
    target = tmp_path / "demo.sqlite3"
    shutil.copy(demo_template, target)
    settings = Settings(env="test", database_url=f"sqlite:///{target}", secret_key="b" * 40)
    db = Database(settings.database_url)
    page_cache.clear()
    set_locale("en")
    yield db, settings
    page_cache.clear()
    db.dispose()


@pytest.fixture
def on_treatment(trial: Database, settings: Settings) -> Iterator[str]:
    """The two-site trial (tests/conftest.py ``trial``) with one participant of SITEA on
    dalpiciclib, cycle 1 on 2024-03-14; the tests run "on" 2024-09-01."""
    page_cache.clear()
    set_locale("en")
    pid = on_dalpiciclib_cycle_1(trial, settings, NOW)
    with simulated(NOW):
        yield pid
    page_cache.clear()


def test_a_kept_treatment_page_equals_a_fresh_one_and_a_write_shows_next(
        trial: Database, settings: Settings, on_treatment: str) -> None:
    db, pid = trial, on_treatment
    coord = principal(db, "coord_a")
    first = treatment.treatment_page(db, settings, coord, pid)
    assert first.view.plan is not None and first.view.events
    again = treatment.treatment_page(db, settings, coord, pid)
    assert again.view.events is first.view.events  # kept, not built again
    page_cache.clear()
    fresh = treatment.treatment_page(db, settings, coord, pid)
    assert fresh == first
    assert treatment.treatment_view(db, settings, coord, pid) == fresh.view
    board = safety.board(db, settings, coord)
    # a new result and a new adverse event: the next page has them
    safety.record_lab(db, settings, coord, pid, safety.LabIn(
        analyte="neutrophils", value=0.4, unit="10^9/L", lln=2.0, uln=7.5,
        sample_date=date(2024, 8, 31), confirm_implausible=True))
    number = safety.record_ae(db, settings, coord, pid, safety.AeIn(
        term="Nausea", grade=3, start_date=date(2024, 8, 30),
        relatedness={d["drug"]: "not_related" for d in first.view.plan.doses}))
    after = treatment.treatment_page(db, settings, coord, pid)
    assert len(after.labs) == len(first.labs) + 1 and after.labs[-1].value == 0.4
    assert [e.number for e in after.events] == [e.number for e in first.events] + [number]
    assert number in [e.number for e in after.view.open_aes]
    assert (pid, number) not in [(p, ae.number) for p, ae in board.open_grade3]
    assert (pid, number) in [(p, ae.number) for p, ae in
                             safety.board(db, settings, coord).open_grade3]


def test_the_user_part_is_the_users_and_other_sites_get_nothing(
        trial: Database, settings: Settings, on_treatment: str) -> None:
    db, pid = trial, on_treatment
    coord = principal(db, "coord_a")
    mine = treatment.treatment_view(db, settings, coord, pid)  # kept now
    assert mine.can_record
    monitor = principal(db, "monitor_a")  # sees the site's treatment, records nothing
    theirs = treatment.treatment_view(db, settings, monitor, pid)
    assert not theirs.can_record and not theirs.can_prescribe
    assert theirs.events is mine.events  # the same kept data, the user's own rights
    with pytest.raises((NotFound, PermissionDenied)):  # SITEB's coordinator: not theirs
        treatment.treatment_page(db, settings, principal(db, "coord_b"), pid)
    with pytest.raises(PermissionDenied):  # the imaging reader is blind to treatment
        treatment.treatment_page(db, settings, principal(db, "reader_a"), pid)
    with pytest.raises(PermissionDenied):
        safety.board(db, settings, principal(db, "reader_a"))
    here = safety.board(db, settings, coord)
    there = safety.board(db, settings, principal(db, "coord_b"))
    assert any(r.pseudonym == pid for r in here.due)
    assert not there.due and not there.open_grade3 and not there.sae_unreported
    assert follow_up.dashboard(db, settings, coord).counts["on_treatment"] == 1
    assert follow_up.dashboard(db, settings, principal(db, "coord_b")).counts == {}


def test_a_change_of_data_changes_the_next_dashboard(
        trial: Database, settings: Settings, on_treatment: str) -> None:
    db, pid = trial, on_treatment
    coord = principal(db, "coord_a")
    before = follow_up.dashboard(db, settings, coord)
    assert follow_up.dashboard(db, settings, coord) is before  # kept
    course = follow_up.course(db, coord, pid)
    assert course.can_edit and course.end_of_treatment is None
    watched = follow_up.course(db, principal(db, "monitor_a"), pid)
    assert watched.events is course.events and not watched.can_edit
    with pytest.raises(NotFound):  # SITEB's coordinator: not theirs
        follow_up.course(db, principal(db, "coord_b"), pid)
    lifecycle.end_treatment(db, settings, coord, pid, date(2024, 8, 30), "toxicity")
    ended = follow_up.course(db, coord, pid)
    assert ended.end_of_treatment == date(2024, 8, 30)
    assert ended.events[-1].event == "treatment_ended" and ended.can_edit
    after = follow_up.dashboard(db, settings, coord)
    assert (before.counts["on_treatment"], after.counts.get("on_treatment", 0)) == (1, 0)
    assert after.end_of_treatment_reasons == {"toxicity": 1}
    assert after.flow["ended_treatment"] == before.flow["ended_treatment"] + 1
    # the survival contact falls due 12 weeks after the end of treatment: not yet listed
    assert after.follow_ups == []


@pytest.mark.xdist_group("demo")  # one worker loads the demo for every module reading it
def test_the_dashboard_equals_the_participants_courses(demo: tuple[Database, Settings]) -> None:
    db, settings = demo
    monitor = principal(db, "monitor")
    dash = follow_up.dashboard(db, settings, monitor)
    with UnitOfWork(db) as uow:
        people = uow.session.execute(select(Participant.pseudonym, Site.code).join(Site)
                                     .order_by(Participant.screening_number)).all()
    today = local_today(settings.zone)
    window = timedelta(days=14)  # survival_follow_up_window_days of the protocol file
    reconsent, due, events = [], [], {}
    for pseudonym, code in people:
        view = follow_up.course(db, monitor, pseudonym)
        if view.needs_reconsent:
            reconsent.append((pseudonym, code, view.consents[-1].version))
        if view.next_contact_due is not None and view.next_contact_due <= today + window:
            due.append((pseudonym, code, view.next_contact_due,
                        today > view.next_contact_due + window))
        for e in view.events:
            events.setdefault(e.event, set()).add(pseudonym)
    assert dash.reconsent == reconsent
    assert [(d.pseudonym, d.site_code, d.due, d.overdue) for d in dash.follow_ups] == sorted(
        due, key=lambda d: d[2])
    assert dash.flow["registered"] == len(people)
    assert dash.flow["randomized"] == len(events.get("randomized", ()))
    assert dash.flow["treated"] == len(events.get("treatment_started", ()))
    assert dash.flow["ended_treatment"] == len(events.get("treatment_ended", ()))
    assert sum(dash.counts.values()) == len(people)


def _former_view(s, settings, p, today):  # type: ignore[no-untyped-def]
    """``services/treatment/views.py`` ``_view`` as it was before it read the calendar's data
    once and handed it along (each helper reading its own rows): the reference."""
    from dawna.errors import ValidationError
    from dawna.rules.lifecycle import State
    from dawna.services.treatment.adverse_events import open_events
    from dawna.services.treatment.calendar import calendar_events
    from dawna.services.treatment.common import (
        CUSTOM,
        cycles_of,
        find_allocation,
        find_plan,
        randomized_on,
    )
    from dawna.services.treatment.depots import depot_clocks
    from dawna.services.treatment.dose_history import current_levels, decisions_of, discontinued
    from dawna.services.treatment.labs import labs_due
    from dawna.services.treatment.pretreatment import pretreatment_problems
    from dawna.services.treatment.rows import AdverseEventRow, PlanRow
    from dawna.services.treatment.views import CycleRow, DecisionRow, TreatmentView

    allocation = find_allocation(s, p)
    plan = find_plan(s, p)
    problems: list[str] = []
    try:
        regimen, events = calendar_events(s, settings, p)
    except ValidationError as exc:
        regimen, events = None, []
        problems.append(str(exc))
    cycles = cycles_of(s, p)
    if allocation is not None and not cycles:
        problems += pretreatment_problems(s, p, today)
    rows = [CycleRow(cycle=c.cycle, start_date=c.start_date, planned_date=c.planned_date,
                     delay_days=(c.start_date - c.planned_date).days,
                     delay_reason=c.delay_reason, doses=list(c.doses),
                     recorded_by=c.recorded_by, id=c.id) for c in cycles]
    current = cycles[-1] if cycles and State(p.status) is State.ON_TREATMENT else None
    levels: dict[str, float | None] = {}
    if regimen is not None:
        now = current_levels(s, p)
        gone = discontinued(s, p)
        for drug in regimen.drugs:
            if drug.dose_levels:
                levels[drug.drug] = (None if drug.drug in gone else
                                     drug.dose_levels[now.get(drug.drug, 0)])
    decisions = [DecisionRow(**{n: getattr(d, n) for n in DecisionRow.__dataclass_fields__})
                 for d in decisions_of(s, p)]
    due = labs_due(s, p, events, today)
    depots = []
    if regimen is not None and plan is not None and allocation is not None:
        first = cycles[0].start_date if cycles else max(randomized_on(allocation, settings),
                                                        today)
        depots = depot_clocks(s, p, regimen, today, first)
    return TreatmentView(
        pseudonym=p.pseudonym, site_code=p.site.code, status=State(p.status),
        arm=allocation.arm if allocation else None,
        randomized_on=randomized_on(allocation, settings) if allocation else None,
        plan=None if plan is None else PlanRow.of(plan), regimen=regimen, cycles=rows,
        current_cycle=current.cycle if current else None,
        current_cycle_day=(today - current.start_date).days + 1 if current else None,
        levels=levels, decisions=decisions, events=events, labs_due=due,
        open_aes=[AdverseEventRow.of(ae) for ae in open_events(s, p)], today=today,
        can_record=False, can_prescribe=False,
        problems=problems, depots=depots,
        physician_entered=allocation is not None and any(
            (choice or {}).get("option") == CUSTOM
            for choice in (allocation.regimen or {}).values()))


def test_every_treatment_view_equals_the_one_read_helper_by_helper(
        demo: tuple[Database, Settings]) -> None:
    """The view reads the calendar's data once (six statements) and hands it to the dose
    levels, blood counts due and depot clocks: the same view, participant by participant,
    as when each read its own rows (the former code, above), on the demo trial (every status:
    registered, screened, randomized, on and off treatment, with dose decisions, depots and
    delays), and on some days after its end (depots late, counts overdue)."""
    from dawna.services.treatment.views import _view

    db, settings = demo
    today = local_today(settings.zone)
    seen: dict[str, int] = {"views": 0, "calendars": 0, "decisions": 0, "depots": 0,
                            "levels": 0, "counts due": 0, "problems": 0}
    with UnitOfWork(db) as uow:
        s = uow.session
        people = list(s.scalars(select(Participant).order_by(Participant.id)))
        for day in (today, today + timedelta(days=30)):
            for p in people:
                view = _view(s, settings, p, day)
                assert view == _former_view(s, settings, p, day), (p.pseudonym, day)
                for what, there in (("views", True), ("calendars", view.events),
                                    ("decisions", view.decisions), ("depots", view.depots),
                                    ("levels", view.levels), ("counts due", view.labs_due),
                                    ("problems", view.problems)):
                    seen[what] += bool(there)
    assert seen["views"] == 2 * len(people) > 40
    # the parts read once and handed along, each met (the demo's day has no counts due)
    assert min(seen[k] for k in ("calendars", "decisions", "depots", "levels")) > 0, seen


def test_results_and_events_read_as_columns_equal_the_copies_of_the_stored_rows(
        demo: tuple[Database, Settings]) -> None:
    """The treatment page reads a participant's laboratory results and adverse events column
    by column into their copies (``rows.read_rows``): the same copies, in the same order, as
    copying each stored object by its attributes' names (the former way, the reference), for
    every demo participant."""
    from dataclasses import fields

    from dawna.services.treatment.adverse_events import events_of
    from dawna.services.treatment.labs import labs
    from dawna.services.treatment.rows import AdverseEventRow, LabRow

    def former(cls: Any, row: object) -> Any:
        return cls(**{f.name: getattr(row, f.name) for f in fields(cls)})

    db, _settings = demo
    counted = [0, 0]
    with UnitOfWork(db) as uow:
        s = uow.session
        for p in s.scalars(select(Participant).order_by(Participant.id)):
            results = LabRow.of_participant(s, p.id)
            stored = labs(s, p)
            assert results == [former(LabRow, row) for row in stored], p.pseudonym
            assert [LabRow.of(row) for row in stored] == results  # copy_row, the same
            events = AdverseEventRow.of_participant(s, p.id)
            stored_events = events_of(s, p)
            assert events == [former(AdverseEventRow, ae) for ae in stored_events], p.pseudonym
            assert [AdverseEventRow.of(ae) for ae in stored_events] == events
            counted[0] += len(results)
            counted[1] += len(events)
    assert counted[0] > 1000 and counted[1] > 50, counted  # every participant of the demo


def test_the_view_with_counts_due_equals_the_one_read_helper_by_helper(
        trial: Database, settings: Settings, on_treatment: str) -> None:
    """The same comparison on the two-site trial's participant on dalpiciclib (cycle 1 on
    2024-03-14), on days where blood counts are due or overdue."""
    from dawna.services.treatment.views import _view

    due = 0
    with UnitOfWork(trial) as uow:
        s = uow.session
        p = s.scalars(select(Participant).where(Participant.pseudonym == on_treatment)).one()
        for day in (date(2024, 3, 14), date(2024, 3, 20), date(2024, 4, 9), NOW.date()):
            view = _view(s, settings, p, day)
            assert view == _former_view(s, settings, p, day), day
            due += bool(view.labs_due)
    assert due > 0


def _due_one_by_one(db: Database, settings: Settings, sites: list[int],
                    today: date) -> list[tuple[str, str, str, date, bool]]:
    """The safety list's "due this week" rows as each participant's own reads give them (the
    calendar and blood counts read per participant): the reference for the list's batched
    reads."""
    from dawna.rules.lifecycle import State
    from dawna.services.treatment.calendar import calendar_events
    from dawna.services.treatment.labs import labs_due

    rows = []
    with UnitOfWork(db) as uow:
        s = uow.session
        for p in s.scalars(select(Participant).where(Participant.site_id.in_(sites))):
            if State(p.status) is not State.ON_TREATMENT:
                continue
            _regimen, calendar = calendar_events(s, settings, p, extra_cycles=2)
            late = {id(e) for e in labs_due(s, p, calendar, today) if e.date < today}
            for e in calendar:
                if e.kind != "dose" and (id(e) in late or today <= e.date <= today
                                         + timedelta(days=7)):
                    rows.append((p.pseudonym, e.kind, str(e.label), e.date, id(e) in late))
    return sorted(rows, key=lambda r: (not r[4], r[3], r[0]))


@pytest.mark.parametrize("day", [date(2024, 3, 14), date(2024, 3, 20), date(2024, 4, 9),
                                 date(2024, 9, 1)])
def test_the_safety_lists_due_rows_equal_each_participants_own_reads(
        trial: Database, settings: Settings, on_treatment: str, day: date) -> None:
    """The safety list reads the calendars' data and blood count days of everyone on treatment
    at once: the same rows as each participant's own reads, on days with counts due, overdue
    and none (the two-site trial's participant on dalpiciclib, cycle 1 on 2024-03-14)."""
    from dawna.services.treatment.board import _board
    from dawna.services.treatment.common import treatment_sites

    coordinator = principal(trial, "coord_a")
    sites = treatment_sites(coordinator)
    built = _board(trial, settings, coordinator, sites, day)
    rows = [(r.pseudonym, r.event.kind, str(r.event.label), r.event.date, r.overdue)
            for r in built.due]
    assert rows == _due_one_by_one(trial, settings, sites, day)
    if day == date(2024, 3, 20):  # day 7 of cycle 1: the day-8 blood count is due
        assert any(kind == "lab" for _p, kind, *_rest in rows), rows


def test_the_participant_pages_one_read_equals_the_reads_one_by_one(
        demo: tuple[Database, Settings]) -> None:
    """``participant_page.page_read`` (the participant read once) gives, for every demo participant
    and every demo user (a reader kept blind to the arm, users of one site and of two), what
    the four reads it replaces give one by one: the detail (identity for those who may see it),
    the allocation as the user may see it, whether the user is blind to the arm, the site; and
    the same refusal for a participant of a site that is not the user's."""
    from dawna.services import participant_page, participants, randomization

    db, _settings = demo
    with UnitOfWork(db) as uow:
        people = list(uow.session.scalars(select(Participant.pseudonym)
                                          .order_by(Participant.id)))
    seen = {"read": 0, "refused": 0, "blind": 0, "allocated": 0, "identity": 0}
    for username in ("coordinator", "investigator", "reader", "monitor", "coordinator2"):
        user = principal(db, username)
        for pseudonym in people:
            try:
                one = participant_page.page_read(db, user, pseudonym)
            except NotFound:
                with pytest.raises(NotFound):
                    participants.get_participant(db, user, pseudonym)
                seen["refused"] += 1
                continue
            detail = participants.get_participant(db, user, pseudonym)
            assert one == participant_page.PageRead(
                detail=detail, allocation=randomization.allocation_of(db, user, pseudonym),
                arm_blinded=participants.arm_blinded(db, user, str(detail.site_code)),
                site_id=participants.site_id_of(db, pseudonym)), (username, pseudonym)
            seen["read"] += 1
            seen["blind"] += one.arm_blinded
            seen["allocated"] += one.allocation is not None
            seen["identity"] += one.detail.identity is not None
    assert min(seen.values()) > 0, seen


def test_the_warm_up_keeps_what_each_participants_pages_would_build(
        demo: tuple[Database, Settings], monkeypatch: pytest.MonkeyPatch) -> None:
    """``services/page_warm.py`` reads the rows of many participants at once (here in chunks of
    seven, so that chunks end inside the demo's 32): for every randomized participant, what it
    keeps equals what the pages build participant by participant (the helpers' own reads, the
    cache emptied), in each language; the pages then find it kept (nothing built)."""
    from dawna.services import page_warm
    from dawna.services.follow_up import _course, kept_course
    from dawna.services.treatment.rows import AdverseEventRow, LabRow
    from dawna.services.treatment.views import _view, kept_page_data
    from dawna.store.models import Allocation

    db, settings = demo
    coordinator = principal(db, "coordinator")
    monkeypatch.setattr(page_warm, "CHUNK", 7)
    today = local_today(settings.zone)
    page_cache.clear()
    warmed = page_warm.warm(db, settings, ("en", "zh_CN"))
    assert warmed.participants > 14 and warmed.built == 4 * 2 * warmed.participants
    seen = {"labs": 0, "adverse events": 0, "cycles": 0, "events": 0}
    for language in ("en", "zh_CN"):
        set_locale(language)
        with UnitOfWork(db) as uow:
            s = uow.session
            people = list(s.scalars(select(Participant).join(
                Allocation, Allocation.participant_id == Participant.id)
                .order_by(Participant.id)))
            assert len(people) == warmed.participants
            for p in people:
                at = page_cache.version(db, settings, p.pseudonym)
                kept = page_cache.size()
                view, labs, events = kept_page_data(s, settings, p, at)
                course = kept_course(s, p, at)
                assert page_cache.size() == kept, p.pseudonym  # all four were kept
                assert view == _view(s, settings, p, today), p.pseudonym
                assert labs == LabRow.of_participant(s, p.id), p.pseudonym
                assert events == AdverseEventRow.of_participant(s, p.id), p.pseudonym
                assert course == replace(_course(s, p, coordinator), can_edit=False), \
                    p.pseudonym
                for what, there in (("labs", labs), ("adverse events", events),
                                    ("cycles", view.cycles), ("events", course.events)):
                    seen[what] += bool(there)
    assert min(seen.values()) > 0, seen  # each kind of row met
    set_locale("en")
