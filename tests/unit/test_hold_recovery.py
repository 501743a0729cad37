"""Each cause of a hold recovers on its own evidence (issue 17, defect 1), and the dalpiciclib
level follows the worst count of the cycle (palbociclib PI §2.2 Table 2; defect 2)."""

from __future__ import annotations

from datetime import date

import pytest

from dawna.rules.hold_recovery import (
    EventEvidence,
    HoldCause,
    LabEvidence,
    Recovery,
    haematological_resume,
    recovery_of,
    resume_proposal,
)

HELD = date(2026, 3, 2)
ANC = HoldCause("lab", "anc", "Neutrophil count decreased", 3, HELD, recover_to=2)
PLT = HoldCause("lab", "platelets", "Platelet count decreased", 3, HELD, recover_to=2)
DIARRHOEA = HoldCause("event", "7", "Diarrhea", 3, HELD, recover_to=1)


def test_the_defect_case_neutrophils_recovered_platelets_still_grade_3() -> None:
    """Held for G3 neutrophils and G3 platelets; platelets rechecked 5 March still G3, then
    neutrophils rechecked last (6 March) at G1. main proposed "resume" from the last sample;
    the rule holds, naming platelets."""
    labs = [LabEvidence("platelets", date(2026, 3, 5), 3), LabEvidence("anc", date(2026, 3, 6), 1)]
    states = recovery_of([ANC, PLT], labs, [])
    assert [s.state for s in states] == [Recovery.RECOVERED, Recovery.NOT_RECOVERED]
    assert resume_proposal(states) == "hold"
    assert "Platelet" in states[1].reason.render(lambda s: s)


def test_a_clinical_cause_is_not_recovered_by_a_blood_count() -> None:
    labs = [LabEvidence("anc", date(2026, 3, 6), 0)]
    states = recovery_of([DIARRHOEA], labs, [EventEvidence("7", ongoing=True, grade=3)])
    assert resume_proposal(states) == "hold"
    states = recovery_of([DIARRHOEA], labs, [EventEvidence("7", ongoing=True, grade=1)])
    assert resume_proposal(states) == "resume"
    states = recovery_of([DIARRHOEA], labs, [EventEvidence("7", ongoing=False, grade=3)])
    assert resume_proposal(states) == "resume"  # resolved


def test_the_sample_that_caused_the_hold_is_not_its_recheck() -> None:
    states = recovery_of([ANC], [LabEvidence("anc", HELD, 3)], [])
    assert states[0].state is Recovery.NO_RECHECK
    assert resume_proposal(states) == "recheck"


def test_every_cause_recovered_resumes() -> None:
    labs = [LabEvidence("anc", date(2026, 3, 9), 2), LabEvidence("platelets", date(2026, 3, 9), 1)]
    assert resume_proposal(recovery_of([ANC, PLT], labs, [])) == "resume"


def test_no_cause_no_resume() -> None:
    assert resume_proposal([]) == "recheck"


@pytest.mark.parametrize(("worst", "fever", "level"), [
    (4, False, "lower"),   # G4 at any time in the cycle, even if the latest count recovered
    (3, True, "lower"),    # G3 with fever >= 38.5 °C or infection
    (3, False, "same"),    # G3 alone: same dose once <= G2
    (2, True, "same"),
])
def test_palbociclib_table_2_on_the_worst_grade(worst: int, fever: bool, level: str) -> None:
    assert haematological_resume(worst, fever_or_infection=fever) == level


def test_an_impossible_haematological_grade_names_its_field() -> None:
    from dawna.rules.rule_errors import RuleError

    with pytest.raises(RuleError) as caught:
        haematological_resume(5, fever_or_infection=False)
    assert caught.value.field == "worst_grade_in_cycle"
