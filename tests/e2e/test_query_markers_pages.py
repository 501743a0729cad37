"""Open queries marked on every form page (issue 20 item 1: "Open queries show on the field, the
form, the participant"): a query raised through the service on a field of the screening record,
the prescription, a cycle, the registration and identity, a consent, a concomitant medication, a
vital signs form, a course event, a hepatitis B screening, a PET read and tumour assessments
shows its marker next to that field on the form's page (and on no other field); a query on a
whole form marks the form; closing the queries takes the markers away. One participant of arm A
on dalpiciclib, cycle 1 started 2024-03-14; another with a FES read, a tumour baseline and a
follow-up assessment for the PET and RECIST pages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from helpers import SYSTEM, principal
from sqlalchemy import select
from treatment_data import on_dalpiciclib_cycle_1, randomized_to

from dawna.clock import simulated
from dawna.config import Settings
from dawna.services import clinical, pet, queries, randomization, tumour
from dawna.services.schemas_queries import QueryRaiseIn, QueryStepIn
from dawna.services.treatment import pretreatment
from dawna.store.db import Database
from dawna.store.models import (
    ConcomitantMedication,
    Consent,
    HbvScreening,
    Participant,
    Screening,
    StatusEvent,
    TreatmentCycle,
    TreatmentPlan,
    TumourAssessment,
    VitalSigns,
)

NOW = datetime(2024, 3, 16, 4, tzinfo=UTC)


@pytest.fixture
def forms(app_db: Database, settings: Settings) -> tuple[Database, str, dict[str, str]]:
    """The participant and the row id of each of its forms the test queries."""
    pid = on_dalpiciclib_cycle_1(app_db, settings, datetime(2024, 3, 14, 2, tzinfo=UTC))
    coord = principal(app_db, "coord_a")
    with simulated(NOW):
        clinical.record_conmed(app_db, settings, coord, pid, clinical.ConmedIn.model_validate({
            "drug": "ondansetron", "dose": 8, "unit": "mg", "route": "oral",
            "frequency": "BID", "indication": "nausea", "start_date": "2024-03-15",
            "ongoing": True}))
        clinical.record_vitals(app_db, settings, coord, pid, clinical.VitalsIn.model_validate({
            "measured_on": "2024-03-15", "timepoint": "cycle 1", "weight_kg": 61.5}))
        pretreatment.record_hbv(app_db, settings, coord, pid, pretreatment.HbvIn(
            sample_date=date(2024, 3, 13), hbsag_positive=False, anti_hbc_positive=False))
    rows: dict[str, str] = {}
    with app_db.sessions() as s:
        p = s.scalars(select(Participant).where(Participant.pseudonym == pid)).one()
        for table, model in [("screening", Screening), ("treatment_plan", TreatmentPlan),
                             ("treatment_cycle", TreatmentCycle), ("consent", Consent),
                             ("concomitant_medication", ConcomitantMedication),
                             ("hbv_screening", HbvScreening), ("vital_signs", VitalSigns)]:
            rows[table] = str(s.scalars(select(model.id).where(
                model.participant_id == p.id)).one())
        rows["status_event"] = str(s.scalars(select(StatusEvent.id).where(
            StatusEvent.participant_id == p.id, StatusEvent.event == "randomized")).one())
        rows["participant"] = rows["participant_identity"] = str(p.id)
    return app_db, pid, rows


#: (form, field, page, the marker expected next to the field, a field of the same form that
#: must stay unmarked); ``{row}`` the form's row id, ``{p}`` the pseudonym.
CASES = [
    ("screening", "record.labs.anc.value", "/participants/{p}/screening",
     "query-marker-screening-record.labs.anc", "query-marker-screening-record.labs.platelets"),
    ("treatment_plan", "measures.weight_kg", "/participants/{p}/treatment/plan",
     "query-marker-treatment_plan-{row}-measures.weight_kg",
     "query-marker-treatment_plan-{row}-measures.height_cm"),
    ("treatment_cycle", "start_date", "/participants/{p}/treatment",
     "query-marker-treatment_cycle-{row}-start_date",
     "query-marker-treatment_cycle-{row}-planned_date"),
    ("participant_identity", "phone", "/participants/{p}/edit",
     "query-marker-participant_identity-phone",
     "query-marker-participant_identity-full_name"),
    ("participant", "consent_date", "/participants/{p}",
     "query-marker-participant-consent_date", "query-marker-participant-screening_number"),
    ("concomitant_medication", "dose", "/participants/{p}/clinical",
     "query-marker-concomitant_medication-{row}-dose",
     "query-marker-concomitant_medication-{row}-drug"),
    ("vital_signs", "weight_kg", "/participants/{p}/clinical",
     "query-marker-vital_signs-{row}-weight_kg", "query-marker-vital_signs-{row}-measured_on"),
    ("status_event", "event_date", "/participants/{p}",
     "query-marker-status_event-{row}-event_date", "query-marker-status_event-{row}-reason"),
    ("hbv_screening", "anti_hbc_positive", "/participants/{p}/drugs",
     "query-marker-hbv_screening-{row}-anti_hbc_positive",
     "query-marker-hbv_screening-{row}-hbsag_positive"),
]


def _testid(name: str) -> str:
    return f'data-testid="{name}"'


def test_a_query_on_a_field_is_marked_next_to_it_until_closed(
        client_for: Callable[..., TestClient],
        forms: tuple[Database, str, dict[str, str]]) -> None:
    db, pid, rows = forms
    monitor = principal(db, "monitor_a")
    coord = client_for("coord_a")
    pages = {case[2].format(p=pid) for case in CASES}
    before = {url: coord.get(url) for url in pages}
    assert all(r.status_code == 200 for r in before.values())
    assert not any("query-marker" in r.text for r in before.values())
    raised = []
    for table, field, _page, _mark, _other in CASES:
        raised.append(queries.raise_query(db, monitor, QueryRaiseIn(
            table_name=table, row_id=rows[table], field=field, text=f"Please check {field}")))
    # a query on the whole consent form: a marker on the form's row, on no field of it
    raised.append(queries.raise_query(db, monitor, QueryRaiseIn(
        table_name="consent", row_id=rows["consent"], text="Signed copy on file?")))
    for table, _field, page, mark, other in CASES:
        html = coord.get(page.format(p=pid)).text
        assert _testid(mark.format(row=rows[table])) in html, (table, page)
        assert _testid(other.format(row=rows[table])) not in html, (table, page)
    detail = coord.get(f"/participants/{pid}").text
    consent = rows["consent"]
    assert _testid(f"query-marker-consent-{consent}-form") in detail
    assert _testid(f"query-marker-consent-{consent}-version") not in detail
    # the form's heading counts its queries: the treatment page's cycles, the plan page
    treatment = coord.get(f"/participants/{pid}/treatment").text
    assert _testid("query-marker-treatment_cycle") in treatment
    plan = coord.get(f"/participants/{pid}/treatment/plan").text
    assert _testid(f"query-marker-treatment_plan-{rows['treatment_plan']}") in plan
    for qid in raised:
        queries.close(db, monitor, qid, QueryStepIn(version=1))
    after = [coord.get(url).text for url in pages]
    assert not any("query-marker" in html for html in after)


@pytest.fixture
def images(app_db: Database, settings: Settings) -> tuple[Database, str, dict[str, str]]:
    """A participant with a FES read (lesions L1, L2), a tumour baseline (T1, T2 targets) and one
    follow-up assessment; the row ids of the study, the baseline and the follow-up."""
    randomization.generate(app_db, settings, SYSTEM, "list for the test")
    randomization.go_live(app_db, SYSTEM, "go live for the test")
    pid = randomized_to(app_db, settings, "A", "letrozole")
    coord, reader = principal(app_db, "coord_a"), principal(app_db, "reader_a")
    with simulated(NOW):
        fes = pet.register_scan(app_db, settings, coord, pid, {
            "tracer": "FES", "scan_date": "2024-03-04", "injected_mbq": 185, "weight_kg": 60,
            "uptake_min": 60})
        pet.read(app_db, settings, reader, pid, fes, [
            {"id": "L1", "organ": "lung", "suvmax": 3.0},
            {"id": "L2", "organ": "bone", "suvmax": 1.0}], read_date=date(2024, 3, 6))
        tumour.save_baseline(app_db, settings, reader, pid, tumour.parse_baseline({
            "date": "2024-03-04", "lesions": [
                {"id": "T1", "organ": "liver", "diameter_mm": 40, "target": True},
                {"id": "T2", "organ": "lung", "diameter_mm": 20, "target": True}]}))
    with simulated(datetime(2024, 5, 8, 4, tzinfo=UTC)):
        tumour.save_assessment(app_db, settings, reader, pid, tumour.parse_assessment({
            "date": "2024-05-07", "target": {"T1": 30, "T2": 15}, "non_target": {},
            "new_lesions": "no"}))
    with app_db.sessions() as s:
        p_id = s.scalars(select(Participant.id).where(Participant.pseudonym == pid)).one()
        kinds = dict(s.execute(select(TumourAssessment.kind, TumourAssessment.id).where(
            TumourAssessment.participant_id == p_id)).tuples().all())
    return app_db, pid, {"pet_study": str(fes), "baseline": str(kinds["baseline"]),
                         "follow_up": str(kinds["follow_up"])}


def test_markers_on_the_pet_and_tumour_pages(
        client_for: Callable[..., TestClient],
        images: tuple[Database, str, dict[str, str]]) -> None:
    db, pid, rows = images
    monitor = principal(db, "monitor_a")
    study, base, follow = rows["pet_study"], rows["baseline"], rows["follow_up"]
    for table, row, field in [("pet_study", study, "data.lesions.1.suvmax"),
                              ("pet_study", study, "data.injected_mbq"),
                              ("tumour_assessment", base, "data.lesions.0.diameter_mm"),
                              ("tumour_assessment", follow, "data.target.T2")]:
        queries.raise_query(db, monitor, QueryRaiseIn(table_name=table, row_id=row,
                                                      field=field, text="Please check"))
    reader = client_for("reader_a")
    read = reader.get(f"/participants/{pid}/pet/{study}/read").text
    assert _testid(f"query-marker-pet_study-{study}-data.lesions.1") in read
    assert _testid(f"query-marker-pet_study-{study}-data.lesions.0") not in read
    studies = reader.get(f"/participants/{pid}/pet").text
    assert _testid(f"query-marker-pet_study-{study}-data.injected_mbq") in studies
    assert _testid(f"query-marker-pet_study-{study}-data.weight_kg") not in studies
    baseline = reader.get(f"/participants/{pid}/tumour/baseline").text
    assert _testid(f"query-marker-tumour_assessment-{base}-data.lesions.0") in baseline
    assert _testid(f"query-marker-tumour_assessment-{base}-data.lesions.1") not in baseline
    later = reader.get(f"/participants/{pid}/tumour/follow-up?id={follow}").text
    assert _testid(f"query-marker-tumour_assessment-{follow}-data.target.T2") in later
    assert _testid(f"query-marker-tumour_assessment-{follow}-data.target.T1") not in later
    # the response history marks the follow-up with its query, the baseline link with its own
    history = reader.get(f"/participants/{pid}/tumour").text
    assert _testid(f"query-marker-tumour_assessment-{follow}") in history
    assert _testid(f"query-marker-tumour_assessment-{base}") in history


def test_the_raise_form_offers_the_stored_forms_own_fields(
        client_for: Callable[..., TestClient],
        forms: tuple[Database, str, dict[str, str]]) -> None:
    _db, _pid, rows = forms
    monitor = client_for("monitor_a")
    page = monitor.get(f"/queries/new?table_name=screening&row_id={rows['screening']}").text
    fields = page.split('data-testid="form-fields">', 1)[1].split("</datalist>", 1)[0]
    # the leaves of the saved screening record, as the audit trail names them
    assert '<option value="record.labs.anc.value">' in fields
    assert '<option value="record.pathology.er">' in fields
    assert '<option value="record">' not in fields and '<option value="outcome">' in fields
    # a form that is not there: the columns of that kind of form only
    unknown = monitor.get("/queries/new?table_name=screening&row_id=999999").text
    assert '<option value="record">' in unknown
    assert "record.labs.anc.value" not in unknown
