"""Analysis data sets from a small trial entered through the services, on SQLite and
PostgreSQL: ADSL, ADTTE, ADRS and ADAE as of a cut-off, scoped by site and role, and written to
files.

The trial (both participants randomized on 2024-03-12 at 11:00 in Beijing = 03:00 UTC, R):

- P1, arm A (letrozole), born 1961-07-15, postmenopausal, visceral metastasis yes, prior CDK4/6i
  for advanced disease. Cycle 1 on 2024-03-14, cycle 2 on 2024-04-11; grade 3 neutropenia
  2024-03-28 to 2024-04-04, related to dalpiciclib. Baseline 2024-03-04: targets T1 40 mm
  (liver) + T2 20 mm (lung) = 60 mm, non-target bone. Follow-ups: 2024-05-07 sum 30 (-50 %: PR),
  2024-07-02 sum 28 (-53.3 %: PR, confirms the first 56 days later), 2024-08-27 sum 50 (+78.6 %
  and +22 mm over the nadir 28: PD). End of treatment 2024-09-02 (progression); follow-up
  contact 2024-10-20 alive, fulvestrant since 2024-09-10. FES 2024-03-04: L1 lung SUVmax 3.0
  (positive), L2 bone 1.0 (negative), L3 liver (not evaluable): mixed. FDG 2024-03-05: SUVmax
  8.4 and 6.0.
- P2, arm B (capecitabine): never treated, died 2024-04-11 (end of treatment for death).
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pyreadstat
import pytest
from helpers import PASSWORD, SYSTEM, principal, two_site_trial
from screening_data import eligible_record
from sqlalchemy import select

from dawna.analysis.adam import pfs_frame, worst_grade_table
from dawna.clock import simulated
from dawna.config import Settings
from dawna.errors import PermissionDenied
from dawna.exports.adam_files import write_adam
from dawna.services import (
    follow_up,
    lifecycle,
    participants,
    pet,
    randomization,
    safety,
    screening,
    treatment,
    tumour,
)
from dawna.services.analysis_data import analysis_data
from dawna.services.schemas import ParticipantCreate
from dawna.store.db import Database
from dawna.store.models import Allocation, Participant, TreatmentPlan
from dawna.store.uow import UnitOfWork

R = date(2024, 3, 12)
FACTORS = {"visceral_metastasis": "yes", "cdk46i_setting": "advanced"}
CHOICES = {"endocrine_therapy": "letrozole", "chemotherapy": "capecitabine"}


def _randomized(db: Database, settings: Settings, arm: str, option: str, mrn: str) -> str:
    """Registered, screened eligible, randomized on 2024-03-12 and set to ``arm`` (the list is
    random; the test needs a known arm), as ``treatment_data.randomized_to`` with its own MRN."""
    coord, inv = principal(db, "coord_a"), principal(db, "inv_a")
    pid = participants.register(db, settings, coord, ParticipantCreate(
        site_code="SITEA", full_name="测试者", medical_record_number=mrn,
        consent_date=date(2024, 3, 1), consent_time=time(9, 30),
        consent_obtained_by="Dr Sun")).pseudonym
    with simulated(datetime(2024, 3, 10, 8, tzinfo=UTC)):
        screening.save(db, settings, coord, pid, screening.record_from_dict(eligible_record()),
                       None, None)
        screening.sign(db, settings, inv, pid, PASSWORD, True)
    with simulated(datetime(2024, 3, 12, 3, tzinfo=UTC)):
        randomization.randomize(db, settings, coord, pid, FACTORS, CHOICES)
    group = "endocrine_therapy" if arm == "A" else "chemotherapy"
    with UnitOfWork(db, SYSTEM, "test set-up: a known arm") as uow:
        allocation = uow.session.scalars(select(Allocation).join(
            Participant, Participant.id == Allocation.participant_id).where(
            Participant.pseudonym == pid)).one()
        allocation.arm = arm
        allocation.regimen = {group: {"arm": arm, "option": option, "label": option}}
        uow.commit()
    return pid


def _assessment(day: date, t1: float, t2: float) -> tumour.Assessment:
    return tumour.parse_assessment({"date": day.isoformat(), "target": {"T1": t1, "T2": t2},
                                    "non_target": {"NT1": "present"}, "new_lesions": "no"})


def _participant_1(db: Database, settings: Settings) -> str:
    pid = _randomized(db, settings, "A", "letrozole", "MRN-0001")
    coord, inv, reader = (principal(db, u) for u in ("coord_a", "inv_a", "reader_a"))
    treatment.confirm_plan(db, settings, inv, pid, treatment.PlanIn())
    for n, day in ((1, date(2024, 3, 14)), (2, date(2024, 4, 11))):
        treatment.record_cycle(db, settings, coord, pid, treatment.CycleIn(cycle=n,
                                                                           start_date=day))
    safety.record_ae(db, settings, coord, pid, safety.AeIn.model_validate({
        "term": "Neutrophil count decreased", "grade": 3, "start_date": "2024-03-28",
        "stop_date": "2024-04-04", "outcome": "recovered", "action_taken": "drug_interrupted",
        "relatedness": {"dalpiciclib": "related", "letrozole": "not_related"}}))
    tumour.save_baseline(db, settings, reader, pid, tumour.parse_baseline({
        "date": "2024-03-04", "lesions": [
            {"id": "T1", "organ": "liver", "diameter_mm": 40, "target": True},
            {"id": "T2", "organ": "lung", "diameter_mm": 20, "target": True},
            {"id": "NT1", "organ": "bone", "target": False}]}))
    for day, t1, t2 in ((date(2024, 5, 7), 20, 10), (date(2024, 7, 2), 18, 10),
                        (date(2024, 8, 27), 40, 10)):
        tumour.save_assessment(db, settings, reader, pid, _assessment(day, t1, t2))
    scan = {"injected_mbq": 185, "weight_kg": 60, "uptake_min": 60}
    fes = pet.register_scan(db, settings, coord, pid, {"tracer": "FES",
                                                        "scan_date": "2024-03-04", **scan})
    pet.read(db, settings, reader, pid, fes, [
        {"id": "L1", "organ": "lung", "suvmax": 3.0}, {"id": "L2", "organ": "bone",
                                                       "suvmax": 1.0},
        {"id": "L3", "organ": "liver", "suvmax": 5.0}], read_date=date(2024, 3, 6))
    fdg = pet.register_scan(db, settings, coord, pid, {"tracer": "FDG",
                                                        "scan_date": "2024-03-05", **scan})
    pet.read(db, settings, reader, pid, fdg, [
        {"id": "L1", "organ": "lung", "suvmax": 8.4}, {"id": "L2", "organ": "bone",
                                                       "suvmax": 6.0}],
        read_date=date(2024, 3, 6))
    lifecycle.end_treatment(db, settings, coord, pid, date(2024, 9, 2), "progression")
    follow_up.record_contact(db, settings, coord, pid, follow_up.ContactIn.model_validate({
        "contact_date": "2024-10-20", "vital_status": "alive",
        "subsequent_therapy": [{"name": "fulvestrant", "start_date": "2024-09-10"}]}))
    return pid


def _build(db: Database, settings: Settings) -> tuple[str, str]:
    two_site_trial(db)
    randomization.generate(db, settings, SYSTEM, "list for the test")
    randomization.go_live(db, SYSTEM, "go live for the test")
    p1 = _participant_1(db, settings)
    p2 = _randomized(db, settings, "B", "capecitabine", "MRN-0002")
    lifecycle.end_treatment(db, settings, principal(db, "coord_a"), p2, date(2024, 4, 11),
                            "death")
    return p1, p2


@pytest.fixture(scope="module")
def _built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The trial of ``_build``, written through the services once per backend in this module
    (by the first test on it), kept as a template and copied into each later test's fresh
    database: a file copy on SQLite, ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL."""
    built: dict[str, Any] = {"root": tmp_path_factory.mktemp("analysis-trial")}
    yield built
    if "postgresql" in built:
        from conftest import _pg_admin_conn

        with _pg_admin_conn() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{built["postgresql"][0]}" WITH (FORCE)')


@pytest.fixture
def trial(db: Database, settings: Settings,
          _built: dict[str, Any]) -> tuple[Database, str, str]:
    backend = "sqlite" if db.dialect == "sqlite" else "postgresql"
    name = db.engine.url.database or ""
    if backend not in _built:
        p1, p2 = _build(db, settings)
        db.dispose()
        if backend == "sqlite":
            template = str(_built["root"] / "trial.sqlite3")
            shutil.copy(name, template)
        else:
            from conftest import _pg_admin_conn

            template = f"dawna_tpl_analysis_{uuid.uuid4().hex[:8]}"
            with _pg_admin_conn() as conn:
                conn.execute(f'CREATE DATABASE "{template}" TEMPLATE "{name}"')
        _built[backend] = (template, p1, p2)
        return db, p1, p2
    template, p1, p2 = _built[backend]
    db.dispose()
    if backend == "sqlite":
        for suffix in ("-wal", "-shm"):
            Path(name + suffix).unlink(missing_ok=True)
        shutil.copy(template, name)
    else:
        from conftest import _pg_admin_conn

        with _pg_admin_conn() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return db, p1, p2


def _rows(frame: Any, **where: Any) -> Any:
    for key, value in where.items():
        frame = frame[frame[key] == value]
    return frame


def _one(frame: Any, **where: Any) -> Any:
    rows = _rows(frame, **where)
    assert len(rows) == 1, where
    return rows.iloc[0]


def _pick(row: Any, *names: str) -> tuple[Any, ...]:
    return tuple(row[n] for n in names)


def pd_isna(value: Any) -> bool:
    return value is None or value != value


def test_data_sets_of_the_trial(trial: tuple[Database, str, str], settings: Settings) -> None:
    db, p1, p2 = trial
    data = analysis_data(db, settings, principal(db, "stat_ab"))
    u1, u2 = f"DAWNA-FES-{p1}", f"DAWNA-FES-{p2}"
    # TRTEDT: the last dose, not the end-of-treatment date (2024-09-02): cycle 2 began
    # 2024-04-11; letrozole is taken every day of the 28-day cycle (dalpiciclib days 1-21), so
    # the last dose is day 28 = 2024-04-11 + 27 = 2024-05-08
    adsl = data.adsl.set_index("USUBJID")
    assert sorted(adsl.index) == sorted([u1, u2])
    a, b = adsl.loc[u1], adsl.loc[u2]
    with db.sessions() as s:
        regimen = s.scalars(select(TreatmentPlan.regimen_id)).one()
    assert _pick(a, "SUBJID", "SITEID", "ARMCD", "ARM", "REGIMEN", "RANDDT", "TRTSDT",
                 "TRTEDT", "ITTFL", "SAFFL") == (
        p1, "SITEA", "A", "Arm A", regimen, R, date(2024, 3, 14), date(2024, 5, 8), "Y", "Y")
    # born 1961-07-15: 62 on 2024-03-12
    assert _pick(a, "STRAT1", "STRAT1V", "STRAT2", "AGE", "MENOSTAT") == (
        "yes", 1, "advanced", 62, "post")
    # FES: L1 positive, L2 negative, L3 liver not evaluable -> mixed; FDG max 8.4
    assert _pick(a, "FESCAT", "FESNPOS", "FESNNEG", "FESNNE", "FDGSUVMX") == (
        "mixed", 1, 1, 1, 8.4)
    assert _pick(a, "EOTSTT", "EOTRSN", "EOSSTT", "DTHFL", "LSTALVDT", "BOR", "UBOR") == (
        "DISCONTINUED", "PROGRESSIVE DISEASE", "ONGOING", "", date(2024, 10, 20), "PR", "PR")
    # best change: (28 - 60) / 60 = -53.3 %
    assert a["BESTPCHG"] == pytest.approx(-53.3)
    assert _pick(b, "ARMCD", "SAFFL", "FESCAT", "EOTRSN", "EOSRSN", "DTHFL", "DTHDT",
                 "BOR") == ("B", "N", "not_read", "DEATH", "DEATH", "Y", date(2024, 4, 11),
                            "NE")

    # PFS P1: PD 2024-08-27 = R + 168 (therapy started later): AVAL 169, CNSR 0
    pfs1 = _one(data.adtte, USUBJID=u1, PARAMCD="PFS")
    assert _pick(pfs1, "STARTDT", "ADT", "AVAL", "CNSR", "EVNTDESC", "FESCAT") == (
        R, date(2024, 8, 27), 169, 0, "DISEASE PROGRESSION", "mixed")
    # OS P1: alive at the contact of 2024-10-20 = R + 222: AVAL 223, CNSR 1
    os1 = _one(data.adtte, USUBJID=u1, PARAMCD="OS")
    assert _pick(os1, "ADT", "AVAL", "CNSR") == (date(2024, 10, 20), 223, 1)
    # P2 died 2024-04-11 = R + 30 with no assessment (within 119 days): PFS and OS AVAL 31
    for param in ("PFS", "OS"):
        row = _one(data.adtte, USUBJID=u2, PARAMCD=param)
        assert _pick(row, "ADT", "AVAL", "CNSR", "EVNTDESC") == (date(2024, 4, 11), 31, 0,
                                                                 "DEATH")

    responses = _rows(data.adrs, USUBJID=u1, PARAMCD="OVR")
    assert list(responses.AVALC) == ["PR", "PR", "PD"] and list(responses.AVAL) == [2, 2, 5]
    assert list(responses.ADY) == [57, 113, 169]
    bor = _one(data.adrs, USUBJID=u1, PARAMCD="BOR")
    assert _pick(bor, "AVALC", "ADT", "ORRFL", "CBRFL") == ("PR", date(2024, 5, 7), "Y", "Y")

    ae = _one(data.adae, USUBJID=u1)
    assert _pick(ae, "AEDECOD", "AETOXGRN", "ASTDT", "AENDT", "AEREL", "AEACN", "AEOUT",
                 "TRTEMFL") == ("Neutrophil count decreased", 3, date(2024, 3, 28),
                                date(2024, 4, 4), "Y", "DRUG INTERRUPTED",
                                "RECOVERED/RESOLVED", "Y")
    table = worst_grade_table(data.adae, data.adsl).set_index(["term", "arm", "grade"])
    # safety population: P1 only (arm A, N 1); P2 never treated
    assert _pick(table.loc[("ANY ADVERSE EVENT", "A", "3")], "n", "N", "pct") == (1, 1, 100.0)
    assert list(pfs_frame(data.adtte).sort_values("arm").event) == [1, 1]


def test_the_cutoff_hides_what_came_after_it(trial: tuple[Database, str, str],
                                             settings: Settings) -> None:
    db, p1, _p2 = trial
    u1 = f"DAWNA-FES-{p1}"
    stat = principal(db, "stat_ab")
    # cut-off 2024-08-01: the PD of 08-27 and the end of treatment are not known yet; no event:
    # CNSR 4 at the last adequate assessment 2024-07-02 = R + 112, AVAL 113
    data = analysis_data(db, settings, stat, cutoff=date(2024, 8, 1))
    assert _pick(_one(data.adtte, USUBJID=u1, PARAMCD="PFS"), "ADT", "AVAL", "CNSR") == (
        date(2024, 7, 2), 113, 4)
    a = _one(data.adsl, USUBJID=u1)
    assert _pick(a, "EOTSTT", "LSTALVDT", "BOR") == ("ONGOING", date(2024, 7, 2), "PR")
    assert pd_isna(a["TRTEDT"])
    # P2's death on 2024-04-11 is before the cut-off: still an event
    assert len(data.adtte) == 4
    # cut-off 2024-06-01: only the PR of 05-07, not yet confirmed: confirmed BOR is SD (seen
    # 56 days after randomization, past the 42-day SD interval), unconfirmed PR
    early = analysis_data(db, settings, stat, cutoff=date(2024, 6, 1))
    a = _one(early.adsl, USUBJID=u1)
    assert _pick(a, "BOR", "UBOR") == ("SD", "PR")
    assert len(_rows(early.adrs, USUBJID=u1, PARAMCD="OVR")) == 1
    # before anyone was randomized: empty frames with their columns
    none = analysis_data(db, settings, stat, cutoff=date(2024, 3, 11))
    assert none.adsl.empty and "USUBJID" in none.adsl.columns and none.adtte.empty


def test_sites_and_roles(trial: tuple[Database, str, str], settings: Settings) -> None:
    db, _p1, _p2 = trial
    # the monitor and the investigator of site A see the same two participants
    for who in ("monitor_a", "inv_a", "coord_a"):
        assert len(analysis_data(db, settings, principal(db, who)).adsl) == 2
    # site B has no randomized participant: empty data sets, every column, no error
    empty = analysis_data(db, settings, principal(db, "coord_b"))
    assert empty.adsl.empty and list(empty.adsl.columns)[:2] == ["STUDYID", "USUBJID"]
    assert empty.adae.empty and empty.adrs.empty
    # imaging readers are blind to the arm; administrators hold no treatment.view
    for who in ("reader_a", "admin_ab"):
        with pytest.raises(PermissionDenied) as caught:
            analysis_data(db, settings, principal(db, who))
        assert "treatment.view" in caught.value.message


def test_written_files_read_back(trial: tuple[Database, str, str], settings: Settings,
                                 tmp_path: Path) -> None:
    db, p1, _p2 = trial
    data = analysis_data(db, settings, principal(db, "stat_ab"), cutoff=date(2024, 12, 31))
    paths = write_adam(data, tmp_path)
    assert len(paths) == 9
    adtte, meta = pyreadstat.read_xport(str(tmp_path / "adtte.xpt"))
    assert meta.table_name == "ADTTE"
    row = _one(adtte, USUBJID=f"DAWNA-FES-{p1}", PARAMCD="PFS")
    assert (row["ADT"], row["AVAL"], row["CNSR"]) == (date(2024, 8, 27), 169.0, 0.0)


def test_treatment_emergent_window_ends_30_days_after_the_real_last_dose(
        trial: tuple[Database, str, str], settings: Settings) -> None:
    """P1's last dose is 2024-05-08 (cycle 2 day 28); the end of treatment was declared on
    2024-09-02. An AE starting 2024-06-07 (30 days after the last dose) is treatment-emergent;
    one starting 2024-06-08 (31 days) is not, and is left out of the worst-grade table, although
    both precede the end-of-treatment date (main took that date as the last dose)."""
    db, p1, _p2 = trial
    coord = principal(db, "coord_a")
    for day, term in (("2024-06-07", "Nausea"), ("2024-06-08", "Diarrhea")):
        safety.record_ae(db, settings, coord, p1, safety.AeIn.model_validate({
            "term": term, "grade": 2, "start_date": day, "stop_date": day,
            "outcome": "recovered", "action_taken": "not_applicable",
            "relatedness": {"dalpiciclib": "not_related", "letrozole": "not_related"}}))
    data = analysis_data(db, settings, principal(db, "stat_ab"))
    flags = dict(zip(_rows(data.adae, USUBJID=f"DAWNA-FES-{p1}").AEDECOD,
                     _rows(data.adae, USUBJID=f"DAWNA-FES-{p1}").TRTEMFL, strict=True))
    assert flags == {"Neutrophil count decreased": "Y", "Nausea": "Y", "Diarrhea": "N"}
    table = worst_grade_table(data.adae, data.adsl)
    assert "Diarrhea" not in set(table.term) and "Nausea" in set(table.term)


def test_the_report_takes_its_primary_endpoint_from_the_protocol_file(
        trial: tuple[Database, str, str], settings: Settings, tmp_path: Path) -> None:
    """The bundled file makes PFS primary; a copy making OS primary (and PFS secondary) changes
    the report's primary endpoint, its section headings and the order of the registry's
    outcome measures."""
    from dawna.protocol import load_protocol
    from dawna.protocols import __file__ as protocols_init
    from dawna.services import report

    db, _p1, _p2 = trial
    stat = principal(db, "stat_ab")
    built = report.build(db, settings, stat, cutoff=date(2024, 12, 31))
    assert built.primary == "Progression-free survival"
    assert built.headings["pfs"] == "Progression-free survival (primary endpoint)"
    assert built.registry_outcomes[0]["label"].startswith(
        "Progression-free survival (primary endpoint)")
    text = (Path(protocols_init).parent / "dawna_fes.yaml").read_text(encoding="utf-8")
    text = text.replace("  - id: PFS\n    role: primary\n", "  - id: PFS\n    role: secondary\n")
    text = text.replace("  - id: OS\n    role: secondary\n", "  - id: OS\n    role: primary\n")
    (tmp_path / "os_primary.yaml").write_text(text, encoding="utf-8")
    swapped = report.build(db, settings, stat, cutoff=date(2024, 12, 31),
                           protocol=load_protocol(tmp_path / "os_primary.yaml"))
    assert swapped.primary == "Overall survival"
    assert swapped.headings["os"] == "Overall survival (primary endpoint)"
    assert swapped.headings["pfs"] == "Progression-free survival (secondary endpoint)"
    assert swapped.registry_outcomes[0]["label"].startswith(
        "Overall survival (primary endpoint)")


def test_response_endpoints_stop_at_new_therapy_through_the_services(
        trial: tuple[Database, str, str], settings: Settings) -> None:
    """A follow-up contact records a therapy started 2024-06-01, between P1's PR of 2024-05-07
    and the PR of 2024-07-02 that confirmed it. Only the first scan counts: confirmed BOR SD
    (the PR is unconfirmed; seen at R + 56, past the 42-day SD interval), not a responder;
    unconfirmed BOR PR; best change -50 % (the first scan's, not -53.3 %); one OVR row; PFS
    censored at that scan (R + 56: AVAL 57, CNSR 2). The tumour page still shows the confirmed
    PR over every scan (main took it for the analysis too)."""
    db, p1, _p2 = trial
    follow_up.record_contact(db, settings, principal(db, "coord_a"), p1,
                             follow_up.ContactIn.model_validate({
                                 "contact_date": "2024-11-01", "vital_status": "alive",
                                 "subsequent_therapy": [{"name": "exemestane",
                                                         "start_date": "2024-06-01"}]}))
    data = analysis_data(db, settings, principal(db, "stat_ab"), cutoff=date(2024, 12, 31))
    u1 = f"DAWNA-FES-{p1}"
    a = _one(data.adsl, USUBJID=u1)
    assert _pick(a, "BOR", "UBOR") == ("SD", "PR")
    assert a["BESTPCHG"] == pytest.approx(-50.0)
    assert list(_rows(data.adrs, USUBJID=u1, PARAMCD="OVR").ADT) == [date(2024, 5, 7)]
    assert _pick(_one(data.adrs, USUBJID=u1, PARAMCD="BOR"), "AVALC", "ORRFL") == ("SD", "N")
    assert _pick(_one(data.adtte, USUBJID=u1, PARAMCD="PFS"), "ADT", "AVAL", "CNSR") == (
        date(2024, 5, 7), 57, 2)
    assert tumour.get(db, settings, principal(db, "stat_ab"),
                      p1).result.confirmed.response == "PR"
