"""The flush-time guard (store layer) knows the same forms as the form catalogue (services), and
a form's fingerprint is the same whether its values were just assigned or read back."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from dawna.services.form_catalogue import FORMS
from dawna.services.freezes import DATA_DATES
from dawna.store.models import LabResult
from dawna.store.signoff_guard import FORM_OWNERS, row_sha256


def test_the_guard_covers_every_form_of_the_catalogue_with_its_owner() -> None:
    assert {key: spec.owner for key, spec in FORMS.items()} == FORM_OWNERS
    assert set(DATA_DATES) <= set(FORMS)


def test_fingerprint_ignores_the_version_and_the_form_of_equal_values() -> None:
    at = datetime(2024, 3, 13, 8, tzinfo=UTC)
    first = LabResult(id=1, participant_id=1, sample_date=date(2024, 3, 13), analyte="anc",
                      value=2, unit="10^9/L", grade=0, term="", rule="", recorded_by="x",
                      recorded_at=at, version=1)
    # 2 (int, as typed) and 2.0 (float, as read back); the same instant in UTC+8; version 4
    again = LabResult(id=1, participant_id=1, sample_date=date(2024, 3, 13), analyte="anc",
                      value=2.0, unit="10^9/L", grade=0, term="", rule="", recorded_by="x",
                      recorded_at=at.astimezone(timezone(timedelta(hours=8))), version=4)
    assert row_sha256(first) == row_sha256(again)
    again.value = 2.1
    assert row_sha256(first) != row_sha256(again)
