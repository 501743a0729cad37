"""Issue 18 item 7 through the web page and the CLI: a withdrawal dated before later survival
contacts is refused on the participant's page and by ``dawna course withdraw``, naming the
contact; nothing changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from helpers import PASSWORD, SYSTEM, csrf_of, principal
from screening_data import eligible_record
from typer.testing import CliRunner

from dawna.cli import app
from dawna.clock import simulated
from dawna.config import Settings
from dawna.errors import ValidationError
from dawna.services import follow_up, lifecycle, participants, randomization, screening
from dawna.services.schemas import ParticipantCreate
from dawna.store.db import Database


def _in_follow_up(db: Database, settings: Settings) -> str:
    """Randomized 2024-03-12, treated 2024-03-13 to 2024-09-02, alive at the contacts of
    2025-01-15 and 2025-03-10."""
    randomization.generate(db, settings, SYSTEM, "list for the test")
    randomization.go_live(db, SYSTEM, "go live for the test")
    pid = participants.register(db, settings, principal(db, "coord_a"), ParticipantCreate(
        site_code="SITEA", full_name="吴霞", medical_record_number="MRN-4242",
        consent_date=date(2024, 3, 1), consent_time=time(9, 30),
        consent_obtained_by="Dr Sun")).pseudonym
    coord, inv = principal(db, "coord_a"), principal(db, "inv_a")
    with simulated(datetime(2024, 3, 10, 8, tzinfo=UTC)):
        screening.save(db, settings, coord, pid, screening.record_from_dict(eligible_record()),
                       None, None)
        screening.sign(db, settings, inv, pid, PASSWORD, True)
    with simulated(datetime(2024, 3, 12, 3, tzinfo=UTC)):
        randomization.randomize(db, settings, coord, pid,
                                {"visceral_metastasis": "yes", "cdk46i_setting": "advanced"},
                                {"endocrine_therapy": "letrozole",
                                 "chemotherapy": "capecitabine"})
    lifecycle.start_treatment(db, settings, coord, pid, date(2024, 3, 13))
    lifecycle.end_treatment(db, settings, coord, pid, date(2024, 9, 2), "progression")
    for on in (date(2025, 1, 15), date(2025, 3, 10)):
        follow_up.record_contact(db, settings, coord, pid, follow_up.ContactIn(
            contact_date=on, vital_status="alive"))
    return pid


def test_withdrawal_before_later_contacts_refused_on_the_page_and_the_cli(
        client_for, app_db: Database, settings: Settings, cli_env: None) -> None:  # type: ignore[no-untyped-def]
    pid = _in_follow_up(app_db, settings)
    client = client_for("coord_a")
    page = client.get(f"/participants/{pid}")
    answer = client.post(f"/participants/{pid}/course/withdraw", data={
        "on": "2025-01-01", "detail": "asked to stop", "csrf_token": csrf_of(page.text)})
    assert answer.status_code == 422
    assert "survival contact of 2025-01-15" in answer.text
    result = CliRunner().invoke(app, ["course", "withdraw", pid, "--as", "coord_a",
                                      "--date", "2025-01-01"])
    assert isinstance(result.exception, ValidationError)
    assert "survival contact of 2025-01-15" in str(result.exception)
    assert follow_up.course(app_db, principal(app_db, "coord_a"), pid).status.value == (
        "follow_up")
