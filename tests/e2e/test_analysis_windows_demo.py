"""The analysis windows and the registry results on the demo trial (32 participants): the demo
holds a tumour scan after a new anticancer therapy and an adverse event after the
treatment-emergent window (``dawna.demo.analysis_cases``), both stored and both left out of the
analysis; the registry results tables download as JSON from the web (role-restricted like the
other results) and from the command line, with the same content."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from cli_runner import invoke
from fastapi.testclient import TestClient
from helpers import csrf_of, principal
from sqlalchemy import select

from dawna.analysis.adam import worst_grade_table
from dawna.config import Settings
from dawna.demo.analysis_cases import AE_AFTER_WINDOW
from dawna.services.analysis_data import analysis_data
from dawna.store.db import Database
from dawna.store.models import AdverseEvent, FollowUpContact, Participant, TumourAssessment
from dawna.web.app import create_app

# one worker loads the demo template (tests/conftest.py) for every module that reads it
pytestmark = pytest.mark.xdist_group("demo")

PASSWORD = "dawna-demo-2026"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory,
         demo_template: Path) -> Iterator[tuple[Path, Settings, Database]]:
    target = tmp_path_factory.mktemp("windows") / "demo.sqlite3"
    shutil.copy(demo_template, target)
    settings = Settings(env="test", database_url=f"sqlite:///{target}", secret_key="b" * 40)
    db = Database(settings.database_url)
    yield target, settings, db
    db.dispose()


def _login(client: TestClient, user: str) -> None:
    page = client.get("/login")
    answer = client.post("/login", data={"username": user, "password": PASSWORD,
                                         "csrf_token": csrf_of(page.text)},
                         follow_redirects=False)
    assert answer.status_code == 303


def test_the_demo_holds_a_scan_after_new_therapy_not_counted_for_response(
        demo: tuple[Path, Settings, Database]) -> None:
    _path, settings, db = demo
    with db.sessions() as s:
        after: list[tuple[str, date, date]] = []
        for p in s.scalars(select(Participant)):
            starts = [date.fromisoformat(t["start_date"]) for c in s.scalars(
                select(FollowUpContact).where(FollowUpContact.participant_id == p.id))
                for t in c.subsequent_therapy or [] if t.get("start_date")]
            if not starts:
                continue
            for scan in s.scalars(select(TumourAssessment).where(
                    TumourAssessment.participant_id == p.id,
                    TumourAssessment.kind == "follow_up")):
                if scan.assessment_date > min(starts):
                    after.append((p.pseudonym, scan.assessment_date, min(starts)))
    assert after, "the demo has no tumour scan after a new anticancer therapy"
    data = analysis_data(db, settings, principal(db, "statistician"))
    ovr = data.adrs[data.adrs["PARAMCD"] == "OVR"]
    for pseudonym, scanned, therapy in after:
        mine = ovr[ovr["USUBJID"] == f"DAWNA-FES-{pseudonym}"]
        assert scanned not in set(mine["ADT"]), (pseudonym, scanned)
        assert all(d <= therapy for d in mine["ADT"]), (pseudonym, therapy)


def test_the_demo_holds_an_adverse_event_after_the_treatment_emergent_window(
        demo: tuple[Path, Settings, Database]) -> None:
    _path, settings, db = demo
    with db.sessions() as s:
        row = s.execute(select(Participant.pseudonym, AdverseEvent.number, AdverseEvent.term)
                        .join(AdverseEvent, AdverseEvent.participant_id == Participant.id)
                        .where(AdverseEvent.description == AE_AFTER_WINDOW)).one()
    pseudonym, number, term = row
    data = analysis_data(db, settings, principal(db, "statistician"))
    usubjid = f"DAWNA-FES-{pseudonym}"
    ae = data.adae[(data.adae["USUBJID"] == usubjid) & (data.adae["AESEQ"] == number)].iloc[0]
    last_dose = data.adsl.set_index("USUBJID").loc[usubjid, "TRTEDT"]
    # the real last dose is on or before the end of treatment; the event starts 40 days after
    # the end of treatment, so more than 30 days after the last dose: not treatment-emergent
    assert ae["ASTDT"] > last_dose + timedelta(days=30)
    assert ae["TRTEMFL"] == "N"
    mine = data.adae[(data.adae["USUBJID"] == usubjid) & (data.adae["TRTEMFL"] == "Y")]
    assert number not in set(mine["AESEQ"])
    # not in the safety table: the participant's worst grade for the term comes only from
    # treatment-emergent events (none of them is this one)
    table = worst_grade_table(data.adae[data.adae["AESEQ"].ne(number)
                                        | data.adae["USUBJID"].ne(usubjid)], data.adsl)
    assert table.equals(worst_grade_table(data.adae, data.adsl)), term


def test_registry_results_from_the_web_and_the_command_line(
        demo: tuple[Path, Settings, Database]) -> None:
    path, settings, db = demo
    cutoff = "2026-01-31"
    with TestClient(create_app(settings, db), raise_server_exceptions=False) as client:
        _login(client, "statistician")
        answer = client.get("/results/registry.json", params={"cutoff": cutoff})
        assert answer.status_code == 200, answer.text[:300]
        assert answer.headers["content-disposition"].startswith("attachment")
        web = answer.json()
        page = client.get("/results", params={"wait": "1"}).text  # built before answering
        assert 'data-testid="download-registry"' in page
        # the endpoints the protocol file declares, the primary named in the summary
        assert 'data-testid="endpoints"' in page and 'data-endpoint="PFS_FES"' in page
        assert 'data-testid="primary-endpoint">Progression-free survival</strong>' in page
    with TestClient(create_app(settings, db), raise_server_exceptions=False) as client:
        _login(client, "reader")  # imaging readers are blind to the arm
        assert client.get("/results/registry.json").status_code == 403
    cli = invoke(["analysis", "registry-results", "--as", "statistician", "--cutoff", cutoff],
                 {"DAWNA_DATABASE_URL": f"sqlite:///{path}", "DAWNA_ENV": "test",
                  "LANG": "C.UTF-8"})
    assert cli.returncode == 0, cli.stderr
    assert json.loads(cli.stdout) == web
    section = web["resultsSection"]
    adsl = analysis_data(db, settings, principal(db, "statistician"),
                         cutoff=date.fromisoformat(cutoff)).adsl
    started = next(m for m in section["participantFlowModule"]["periods"][0]["milestones"]
                   if m["type"] == "STARTED")
    assert sum(a["numSubjects"] for a in started["achievements"]) == len(adsl)
    race = next(m for m in section["baselineCharacteristicsModule"]["measures"]
                if m["title"] == "Race (NIH/OMB)")
    categories = {c["title"]: c["measurements"][-1]["value"]
                  for c in race["classes"][0]["categories"]}
    # the demo's screening records say Asian for everyone (sites in China): the total column
    assert categories["Asian"] == str(len(adsl))
    assert categories["Unknown or Not Reported"] == "0" and categories["White"] == "0"
    assert web["nctId"] == "NCT05861830" and web["dataCutoff"] == cutoff
