"""The edit checks (``dawna.rules.edit_checks``, ICH E6(R3) 3.16.1) on hand-worked cases: the
soft ranges are the protocol file's (ANC 0-30 ×10⁹/L, haemoglobin 40-200 g/L); dates on the site
calendar."""

from __future__ import annotations

from datetime import date

from dawna.protocol import bundled_protocol
from dawna.rules import edit_checks as rule
from dawna.rules.messages import N_

LIMITS = bundled_protocol().plausibility


def test_a_lab_value_outside_its_soft_range_is_a_finding_inside_it_none() -> None:
    found = rule.lab_implausible("7", "anc", 35, "10^9/L", LIMITS)
    assert found is not None
    assert (found.check, found.table, found.row_id, found.field) == (
        "lab_implausible", "lab_result", "7", "value")
    assert found.params["value"].startswith("35 ")
    assert rule.lab_implausible("7", "anc", 30, "10^9/L", LIMITS) is None  # the limit itself
    # 3.5 g/dL = 35 g/L < 40 g/L: converted to the range's unit first
    assert rule.lab_implausible("8", "haemoglobin", 3.5, "g/dL", LIMITS) is not None
    assert rule.lab_implausible("8", "haemoglobin", 12, "g/dL", LIMITS) is None
    assert rule.lab_implausible("8", "anc", 35, "10^9/L", None) is None


def test_an_adverse_event_stopping_before_it_starts() -> None:
    assert rule.ae_stop_before_start("3", date(2024, 5, 2), date(2024, 5, 1)) is not None
    assert rule.ae_stop_before_start("3", date(2024, 5, 2), date(2024, 5, 2)) is None
    assert rule.ae_stop_before_start("3", date(2024, 5, 2), None) is None


def test_dates_before_their_anchor_or_after_death() -> None:
    anchors = rule.Anchors(consent=date(2024, 3, 1), randomized=date(2024, 3, 12),
                           death=date(2024, 8, 1))
    entries = [
        rule.DatedEntry("lab", "lab_result", "1", "sample_date", date(2024, 2, 29)),  # before
        rule.DatedEntry("lab", "lab_result", "2", "sample_date", date(2024, 3, 1)),  # same day
        rule.DatedEntry("adverse_event", "adverse_event", "3", "start_date", date(2024, 2, 1)),
        rule.DatedEntry("cycle", "treatment_cycle", "4", "start_date", date(2024, 3, 11)),
        rule.DatedEntry("cycle", "treatment_cycle", "5", "start_date", date(2024, 3, 12)),
        rule.DatedEntry("baseline", "tumour_assessment", "6", "assessment_date",
                        date(2024, 2, 20)),  # baseline imaging may precede consent
        rule.DatedEntry("follow_up", "tumour_assessment", "7", "assessment_date",
                        date(2024, 3, 5)),
        rule.DatedEntry("lab", "lab_result", "8", "sample_date", date(2024, 8, 2)),  # after death
        rule.DatedEntry("lab", "lab_result", "9", "sample_date", date(2024, 8, 1)),  # death day
    ]
    found = {(f.check, f.row_id) for f in rule.check_dates(entries, anchors)}
    assert found == {("lab_before_consent", "1"), ("ae_before_consent", "3"),
                     ("cycle_before_randomization", "4"),
                     ("assessment_before_randomization", "7"), ("after_death", "8")}
    # no anchors: nothing to compare with
    assert list(rule.check_dates(entries, rule.Anchors())) == []


def test_every_finding_renders_its_message_with_its_facts() -> None:
    found = next(rule.check_dates([rule.DatedEntry(
        "lab", "lab_result", "1", "sample_date", date(2024, 2, 29))],
        rule.Anchors(consent=date(2024, 3, 1))))
    assert str(found.message) == "the sample date 2024-02-29 is before informed consent " \
                                 "(2024-03-01)"
    assert found.message.render(N_) == str(found.message)


def test_an_adverse_event_ongoing_after_the_participant_ended_the_study() -> None:
    # ended 2026-03-01: an event without a stop date is still open; one that stopped is not;
    # a participant still in the study has nothing to close
    found = rule.ae_ongoing_after_study_end("5", None, date(2026, 3, 1))
    assert found is not None
    assert (found.check, found.table, found.row_id, found.field, found.params) == (
        "ae_ongoing_after_study_end", "adverse_event", "5", "stop_date", {"end": "2026-03-01"})
    assert "ended the study on 2026-03-01" in str(found.message)
    assert rule.ae_ongoing_after_study_end("5", date(2026, 2, 10), date(2026, 3, 1)) is None
    assert rule.ae_ongoing_after_study_end("5", None, None) is None
