"""The results cache (issue 23 item 1, ``services/results_cache.py``) on the demo trial scaled to
32 participants (two sites, PUMCH and SIM2): a cached report and data sets equal a fresh build,
a change of trial data through a service gives different results on the next request, readers
of different sites or languages never share an entry, and building the analysis data sets runs
a number of SQL statements that does not grow with the number of participants."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from helpers import principal
from sqlalchemy import event, select

from dawna.clock import local_today
from dawna.config import Settings
from dawna.errors import DawnaError
from dawna.i18n import set_locale
from dawna.rules.lifecycle import Event
from dawna.services import lifecycle, report, results, results_cache, safety
from dawna.services.analysis_data import analysis_data, last_doses
from dawna.services.treatment.calendar import CalendarData, calendar_data, calendar_events
from dawna.store.db import Database
from dawna.store.models import Participant, Site, TreatmentCycle, TreatmentPlan
from dawna.store.uow import UnitOfWork

# one worker loads the demo template (tests/conftest.py) for every module that reads it
pytestmark = pytest.mark.xdist_group("demo")


@pytest.fixture
def demo(tmp_path: Path, demo_template: Path) -> Iterator[tuple[Database, Settings]]:
    target = tmp_path / "demo.sqlite3"
    shutil.copy(demo_template, target)
    settings = Settings(env="test", database_url=f"sqlite:///{target}", secret_key="b" * 40)
    db = Database(settings.database_url)
    results_cache.clear()
    set_locale("en")
    yield db, settings
    results_cache.clear()
    set_locale("en")
    db.dispose()


def _fields(built: report.Report) -> dict[str, Any]:
    out = dataclasses.asdict(built)
    out.pop("generated_at")  # the time of the build
    return out


def _assert_same_data(one: Any, other: Any) -> None:
    for f in dataclasses.fields(one):
        a, b = getattr(one, f.name), getattr(other, f.name)
        if isinstance(a, pd.DataFrame):
            pd.testing.assert_frame_equal(a, b)
        else:
            assert a == b, f.name


def test_the_cached_results_equal_a_fresh_build(demo: tuple[Database, Settings]) -> None:
    db, settings = demo
    stat = principal(db, "statistician")
    first = report.build(db, settings, stat)
    assert report.build(db, settings, stat) is first  # served from the cache
    adam = analysis_data(db, settings, stat)
    pfs = results.time_to_event(db, settings, stat)
    assert results.time_to_event(db, settings, stat) == pfs
    results_cache.clear()
    fresh = report.build(db, settings, stat)
    assert fresh is not first
    assert _fields(fresh) == _fields(first)  # every table and figure (SVG bytes) alike
    _assert_same_data(analysis_data(db, settings, stat), adam)
    assert results.time_to_event(db, settings, stat) == pfs
    # each caller gets its own frames: changing one does not change the cached data sets
    adam.adsl.loc[:, "ARMCD"] = "X"
    assert set(analysis_data(db, settings, stat).adsl["ARMCD"]) == {"A", "B"}


def _treated_at(db: Database, site: str) -> tuple[str, date, list[str]]:
    """A participant of ``site`` with a cycle given, the day after their first cycle and the
    drugs of their regimen."""
    with UnitOfWork(db) as uow:
        pid, start, plan = uow.session.execute(
            select(Participant.pseudonym, TreatmentCycle.start_date, TreatmentPlan.doses)
            .join(TreatmentCycle, TreatmentCycle.participant_id == Participant.id)
            .join(TreatmentPlan, TreatmentPlan.participant_id == Participant.id)
            .join(Site, Site.id == Participant.site_id)
            .where(Site.code == site, TreatmentCycle.cycle == 1)
            .order_by(Participant.pseudonym)).first()
    return pid, start + timedelta(days=1), [d["drug"] for d in plan]


def test_a_new_adverse_event_changes_the_next_results(demo: tuple[Database, Settings]) -> None:
    db, settings = demo
    stat, inv = principal(db, "statistician"), principal(db, "investigator")
    before = report.build(db, settings, stat)
    events = len(analysis_data(db, settings, stat).adae)
    pid, day, drugs = _treated_at(db, "PUMCH")
    safety.record_ae(db, settings, inv, pid, safety.AeIn(
        term="Fatigue", grade=1, start_date=day,
        relatedness=dict.fromkeys(drugs, "not_related")))
    after = report.build(db, settings, stat)
    assert after is not before
    adae = analysis_data(db, settings, stat).adae
    assert len(adae) == events + 1
    assert "Fatigue" in set(adae[adae["USUBJID"].str.endswith(pid)]["AEDECOD"])


def test_readers_of_other_sites_never_share_an_entry(demo: tuple[Database, Settings]) -> None:
    db, settings = demo
    cut = date(2026, 1, 31)
    site_a, site_b = principal(db, "investigator"), principal(db, "investigator2")
    built_a = report.build(db, settings, site_a, cutoff=cut)  # built first, then kept
    built_b = report.build(db, settings, site_b, cutoff=cut)
    assert built_b is not built_a
    sites_a = set(analysis_data(db, settings, site_a, cutoff=cut).adsl["SITEID"])
    sites_b = set(analysis_data(db, settings, site_b, cutoff=cut).adsl["SITEID"])
    assert sites_a == {"PUMCH"} and sites_b == {"SIM2"}
    both = report.build(db, settings, principal(db, "statistician"), cutoff=cut)
    assert sum(built_a.n.values()) + sum(built_b.n.values()) == sum(both.n.values())
    # the same reader asks again: still their own
    assert report.build(db, settings, site_b, cutoff=cut) is built_b


def test_languages_never_share_an_entry(demo: tuple[Database, Settings]) -> None:
    db, settings = demo
    stat = principal(db, "statistician")
    english = report.build(db, settings, stat)
    set_locale("zh_CN")
    chinese = report.build(db, settings, stat)
    assert chinese is not english
    assert "No data" not in chinese.figures["swimmer"]
    assert "Months since randomization" in english.figures["km_pfs"]
    assert "Months since randomization" not in chinese.figures["km_pfs"]
    assert "随机" in chinese.figures["km_pfs"]  # the axis label in Chinese, kept as text
    set_locale("en")
    assert report.build(db, settings, stat) is english


def _statements(db: Database, build: Any) -> int:
    count = [0]

    def counted(*_args: Any) -> None:
        count[0] += 1

    event.listen(db.engine, "before_cursor_execute", counted)
    try:
        build()
    finally:
        event.remove(db.engine, "before_cursor_execute", counted)
    return count[0]


def test_statements_do_not_grow_with_the_participants(demo: tuple[Database, Settings]) -> None:
    """The data sets of about 2 participants (an early cut-off) and of all those randomized by
    today, with their assessments, PET studies, labs, cycles, dispensings, adverse events and
    the calendars giving the last dose of those whose treatment ended, are read in the same
    number of statements."""
    db, settings = demo
    stat = principal(db, "statistician")
    early = sorted(analysis_data(db, settings, stat).adsl["RANDDT"])[1]
    counts, people = [], []
    for cut in (early, None):
        results_cache.clear()
        counts.append(_statements(db, lambda cut=cut: analysis_data(db, settings, stat,
                                                                    cutoff=cut)))
        adam = analysis_data(db, settings, stat, cutoff=cut)
        people.append((len(adam.adsl), len(adam.adrs), len(adam.adae)))
    assert people[0][0] >= 2 and people[1][0] >= people[0][0] + 10, people
    assert people[1][1] > people[0][1] and people[1][2] > people[0][2]
    assert counts[0] == counts[1]


def _last_dose_alone(s: Any, settings: Settings, p: Participant, cut: date) -> date | None:
    """The last dose day on or before ``cut`` from ``p``'s own calendar, read for them alone."""
    try:
        _regimen, events = calendar_events(s, settings, p, extra_cycles=0)
    except DawnaError:
        return None
    return max((e.date for e in events if e.kind == "dose" and e.date <= cut), default=None)


@pytest.mark.parametrize("days_before_today", [0, 150])
def test_last_doses_read_in_bulk_equal_each_participants_own_calendar(
        demo: tuple[Database, Settings], days_before_today: int) -> None:
    """TRTEDT (the last dose of a participant whose treatment ended by the cut-off) comes from
    the calendars of all participants laid out from one read: for every participant of the
    demo, the calendar from that read equals the one read for them alone (with and without the
    planned cycles ahead), and so does the last dose date, which is ADSL's TRTEDT."""
    db, settings = demo
    stat = principal(db, "statistician")
    cut = local_today(settings.zone) - timedelta(days=days_before_today)
    adsl = analysis_data(db, settings, stat, cutoff=cut).adsl
    trtedt = dict(zip(adsl["SUBJID"], adsl["TRTEDT"], strict=True))
    with UnitOfWork(db) as uow:
        s = uow.session
        people = list(s.scalars(select(Participant).order_by(Participant.id)))
        data = calendar_data(s, [p.id for p in people])
        for p in people:
            for extra in (0, 3):
                try:
                    alone: Any = calendar_events(s, settings, p, extra_cycles=extra)
                except DawnaError as exc:
                    alone = exc.message
                try:
                    together: Any = calendar_events(
                        s, settings, p, extra_cycles=extra,
                        data=data.get(p.id) or CalendarData(None, None))
                except DawnaError as exc:
                    together = exc.message
                assert together == alone, p.pseudonym
        bulk = last_doses(s, settings, people, cut)
        checked = 0
        for p in people:
            own = _last_dose_alone(s, settings, p, cut)
            assert bulk.get(p.id) == own, p.pseudonym
            if own is not None and isinstance(trtedt.get(p.pseudonym), date) and \
                    lifecycle.event_date(s, p, Event.TREATMENT_ENDED) <= cut:
                assert trtedt[p.pseudonym] == own, p.pseudonym
                checked += 1
        assert checked >= 3, checked
