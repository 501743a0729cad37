"""CDK4/6-inhibitor class warnings that change the dalpiciclib dose decision beyond the
palbociclib tables: interstitial lung disease/pneumonitis, and which blood counts are not a
dose-relevant haematological toxicity (lymphopenia).

Sources (the class labels, applied to dalpiciclib as the CDK4/6 inhibitor class standard):

- Interstitial lung disease (ILD)/pneumonitis: palbociclib (Ibrance) prescribing information
  §2.2 and §5.2 ("permanently discontinue in patients with severe ILD/pneumonitis"); ribociclib
  (Kisqali) prescribing information §2.2, dose modification for ILD/pneumonitis (grade 2:
  interrupt until recovery to grade <= 1, then resume at the next lower dose level; grade 3 or
  4: discontinue permanently); abemaciclib (Verzenio) prescribing information §2.2, dose
  modification for ILD/pneumonitis (persistent or recurrent grade 2 that does not resolve to
  baseline or grade 1 within 7 days: suspend until grade <= 1, resume at the next lower dose;
  grade 3 or 4: discontinue). Grade 1: no dose modification.
- Lymphopenia: palbociclib prescribing information §2.2 Table 2 (haematological toxicities)
  applies "except lymphopenia (unless associated with clinical events, e.g., opportunistic
  infections)".

The CTCAE v5.0 terms are matched by name ("Pneumonitis", "Lymphocyte count decreased").
"""

from __future__ import annotations

from dataclasses import dataclass

from dawna.rules.messages import N_, Message

__all__ = [
    "CLASS_LABELS",
    "LYMPHOPENIA_TERMS",
    "PNEUMONITIS_TERMS",
    "ClassDecision",
    "not_dose_relevant",
    "pneumonitis_decision",
]

#: CTCAE v5.0 terms of interstitial lung disease/pneumonitis.
PNEUMONITIS_TERMS = frozenset({"Pneumonitis"})
#: CTCAE v5.0 terms of lymphopenia.
LYMPHOPENIA_TERMS = frozenset({"Lymphocyte count decreased"})
CLASS_LABELS = ("Ibrance (palbociclib) prescribing information §2.2 and §5.2; Kisqali "
                "(ribociclib) prescribing information §2.2; Verzenio (abemaciclib) prescribing "
                "information §2.2: interstitial lung disease/pneumonitis")


@dataclass(frozen=True)
class ClassDecision:
    """``kind``: "stop", "hold" (until grade <= ``recover_to``, then ``reduce`` one level),
    "resume" or "continue"; ``rule`` the label's words."""

    kind: str
    reduce: bool
    rule: Message
    recover_to: int | None = None


def pneumonitis_decision(term: str, grade: int, recovered_to_grade: int | None,
                         drug: str = "dalpiciclib") -> ClassDecision | None:
    """The class rule for ILD/pneumonitis, or None when ``term`` is not pneumonitis.

    grade >= 3: discontinue permanently; grade 2: withhold until grade <= 1 (judged on
    ``recovered_to_grade``, None = not rechecked), then resume at the next lower dose; grade 1:
    no dose modification."""
    if term not in PNEUMONITIS_TERMS:
        return None
    params = {"drug": drug}
    if grade >= 3:
        return ClassDecision("stop", False, Message(N_(
            "severe (grade 3 or 4) interstitial lung disease/pneumonitis: discontinue {drug} "
            "permanently (CDK4/6 inhibitor class labels: Ibrance §2.2, Kisqali §2.2, "
            "Verzenio §2.2)"), params))
    if grade == 2:
        rule = Message(N_(
            "grade 2 interstitial lung disease/pneumonitis: withhold {drug} until recovery to "
            "grade 1 or better, then resume at the next lower dose (Kisqali §2.2; Verzenio "
            "§2.2)"), params)
        recovered = recovered_to_grade is not None and recovered_to_grade <= 1
        return ClassDecision("resume" if recovered else "hold", True, rule, recover_to=1)
    return ClassDecision("continue", False, Message(N_(
        "grade 1 pneumonitis: no dose modification; monitor for respiratory symptoms "
        "(Kisqali §2.2; Verzenio §2.2)")))


def not_dose_relevant(term: str, with_clinical_event: bool = False) -> Message | None:
    """Why a toxicity is left out of the dalpiciclib proposal, or None when it counts:
    lymphocyte count decreased without an associated clinical event (fever or infection) is
    not a dose-relevant haematological toxicity (Ibrance §2.2 Table 2)."""
    if term in LYMPHOPENIA_TERMS and not with_clinical_event:
        return Message(N_(
            "lymphocyte count decreased without an associated clinical event (such as an "
            "opportunistic infection) does not change the dose (Ibrance prescribing information "
            "§2.2 Table 2, the CDK4/6 inhibitor class rule)"))
    return None
