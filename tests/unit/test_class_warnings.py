"""CDK4/6-inhibitor class warnings in the dalpiciclib proposal (dawna/rules/class_warnings.py),
checked against the labels' own rules written here:

- ILD/pneumonitis (Ibrance §2.2/§5.2; Kisqali §2.2; Verzenio §2.2): grade 3 or 4 -> discontinue
  permanently; grade 2 -> withhold until grade <= 1, resume at the next lower dose; grade 1 ->
  no dose modification.
- Lymphopenia (Ibrance §2.2 Table 2: "except lymphopenia (unless associated with clinical
  events, e.g., opportunistic infections)"): no hold for lymphocyte count decreased alone."""

from __future__ import annotations

import pytest

from dawna.rules.class_warnings import not_dose_relevant, pneumonitis_decision
from dawna.rules.dose_modification import Action, Toxicity, propose_dalpiciclib

LEVELS = (150.0, 125.0, 100.0)
LYMPH = "Lymphocyte count decreased"


@pytest.mark.parametrize("grade", [3, 4])
def test_severe_pneumonitis_discontinues_permanently(grade: int) -> None:
    tox = Toxicity("Pneumonitis", grade, haematological=False)
    proposal = propose_dalpiciclib([tox], 0, LEVELS)
    assert proposal.action is Action.DISCONTINUE
    assert "discontinue dalpiciclib permanently" in str(proposal.rule)
    # even when it has since improved, and even at the lowest level's neighbour
    assert propose_dalpiciclib([Toxicity("Pneumonitis", grade, False, recovered_to_grade=1)],
                               1, LEVELS, on_hold=True).action is Action.DISCONTINUE


def test_grade_2_pneumonitis_holds_until_grade_1_then_one_level_lower() -> None:
    held = propose_dalpiciclib([Toxicity("Pneumonitis", 2, False)], 0, LEVELS)
    # Tables 2-3 alone would say "grade 1 or 2: no dose adjustment": the class warning wins
    assert (held.action, held.resume_dose) == (Action.HOLD_RECHECK, 125.0)
    still = propose_dalpiciclib([Toxicity("Pneumonitis", 2, False, recovered_to_grade=2)], 0,
                                LEVELS, on_hold=True)
    assert still.action is Action.HOLD_RECHECK
    back = propose_dalpiciclib([Toxicity("Pneumonitis", 2, False, recovered_to_grade=1)], 0,
                               LEVELS, on_hold=True)
    assert (back.action, back.dose_to) == (Action.RESUME_LOWER, 125.0)
    # at 100 mg there is no lower level: discontinue (Ibrance Table 1)
    assert propose_dalpiciclib([Toxicity("Pneumonitis", 2, False)], 2,
                               LEVELS).action is Action.DISCONTINUE


def test_grade_1_pneumonitis_changes_nothing() -> None:
    assert pneumonitis_decision("Pneumonitis", 1, None).kind == "continue"
    assert propose_dalpiciclib([Toxicity("Pneumonitis", 1, False)], 0,
                               LEVELS).action is Action.CONTINUE
    assert pneumonitis_decision("Cough", 3, None) is None


@pytest.mark.parametrize("grade", [3, 4])
def test_lymphopenia_alone_does_not_hold_dalpiciclib(grade: int) -> None:
    proposal = propose_dalpiciclib([Toxicity(LYMPH, grade, haematological=False)], 0, LEVELS)
    assert (proposal.action, proposal.dose_to) == (Action.CONTINUE, 150.0)
    assert not_dose_relevant(LYMPH) is not None
    assert "Table 2" in str(not_dose_relevant(LYMPH))


def test_lymphopenia_with_a_clinical_event_counts() -> None:
    assert not_dose_relevant(LYMPH, with_clinical_event=True) is None
    tox = Toxicity(LYMPH, 3, haematological=False, with_fever_or_infection=True)
    assert propose_dalpiciclib([tox], 0, LEVELS).action is Action.HOLD_RECHECK


def test_a_grade_4_nadir_of_the_cycle_then_recovered_resumes_one_level_lower() -> None:
    """Issue 17 item 2 (Ibrance §2.2 Table 2: grade 4 "at any time"): the worst count of the
    cycle was grade 4, the latest is grade 1 -> 125 mg, not "same dose"."""
    tox = Toxicity("Neutrophil count decreased", 4, True, recovered_to_grade=1)
    proposal = propose_dalpiciclib([tox], 0, LEVELS, cycle_day=22)
    assert (proposal.action, proposal.dose_to) == (Action.RESUME_LOWER, 125.0)
    grade3 = Toxicity("Neutrophil count decreased", 3, True, recovered_to_grade=1)
    assert propose_dalpiciclib([grade3], 0, LEVELS, cycle_day=22).action is Action.CONTINUE
    febrile = Toxicity("Neutrophil count decreased", 3, True, with_fever_or_infection=True,
                       recovered_to_grade=2)
    assert propose_dalpiciclib([febrile], 0, LEVELS).dose_to == 125.0


def test_proposal_sources_name_the_label_not_developer_documents() -> None:
    proposal = propose_dalpiciclib([Toxicity("Pneumonitis", 3, False)], 0, LEVELS)
    assert "docs/" not in proposal.source and "domain.md" not in proposal.source
    assert "IBRANCE" in proposal.source
