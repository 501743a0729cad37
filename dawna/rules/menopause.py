"""Menopausal status, and when arm A's endocrine therapy needs ovarian (or testicular) suppression.

Sources (summarised in ``docs/endocrine-therapy.md``):

- NCCN Clinical Practice Guidelines in Oncology, Breast Cancer, "Definition of Menopause"
  (MENO-1): a woman is postmenopausal after (1) prior bilateral oophorectomy, (2) age >= 60
  years, (3) age < 60 years and amenorrhoea for >= 12 months in the absence of chemotherapy,
  tamoxifen, toremifene or ovarian suppression, with FSH and estradiol in the postmenopausal range,
  or (4) age < 60 on tamoxifen or toremifene with FSH and plasma estradiol in the postmenopausal
  range. Menopausal status cannot be assigned to a woman receiving an LHRH agonist or
  antagonist; amenorrhoea after chemotherapy is not a reliable sign on its own (FSH and estradiol
  are needed).
- Registry record NCT05861830 (arm A): ovarian function suppression for pre/perimenopausal
  women with the endocrine partner of dalpiciclib; DAWNA-1/DAWNA-2 (Xu, Nat Med 2021 / Lancet
  Oncol 2022) gave goserelin to pre/perimenopausal women.
- ASCO guideline "Management of Male Breast Cancer" (Hassett et al., J Clin Oncol 2020;38:1849),
  recommendation 3.3: an aromatase inhibitor in a man is combined with a gonadotropin-releasing
  hormone agonist/antagonist (an AI alone raises testosterone by feedback). Kept as the protocol
  setting ``gnrh_for_men_on_aromatase_inhibitor`` (default on).

"Perimenopausal" (menses in the last 12 months but irregular, or amenorrhoea shorter than 12
months) is the registry record's word, treated as premenopausal for suppression.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from dawna.rules.messages import N_, Message
from dawna.rules.rule_errors import RuleError

__all__ = [
    "AROMATASE_INHIBITORS",
    "MenopausalStatus",
    "MenopauseEvidence",
    "StatusAssessment",
    "Suppression",
    "menopausal_status",
    "suppression_requirement",
]

#: Steroidal and non-steroidal aromatase inhibitors among arm A's endocrine options.
AROMATASE_INHIBITORS = frozenset({"letrozole", "anastrozole", "exemestane"})

#: NCCN MENO-1: the age from which a woman is postmenopausal whatever her menses.
POSTMENOPAUSAL_AGE = 60
#: NCCN MENO-1: months of amenorrhoea.
AMENORRHOEA_MONTHS = 12




class MenopausalStatus(enum.StrEnum):
    PREMENOPAUSAL = "premenopausal"
    PERIMENOPAUSAL = "perimenopausal"
    POSTMENOPAUSAL = "postmenopausal"
    NOT_APPLICABLE = "not_applicable"   # a male patient
    UNDETERMINED = "undetermined"       # the evidence does not allow a status (NCCN MENO-1)


@dataclass(frozen=True)
class MenopauseEvidence:
    """What the investigator records at screening.

    ``months_since_last_menses``: None while she still menstruates (``menses_regular`` then
    says whether regularly). ``amenorrhoea_confounders``: any of "chemotherapy", "tamoxifen",
    "toremifene", "ovarian_suppression" during the amenorrhoea. ``fsh_estradiol_postmenopausal``:
    the laboratory's judgement of both values against its postmenopausal ranges (None = not
    measured).
    """

    sex: str  # "female" or "male"
    age_years: int
    bilateral_oophorectomy: bool = False
    months_since_last_menses: int | None = None
    menses_regular: bool | None = None
    amenorrhoea_confounders: frozenset[str] = field(default_factory=frozenset)
    fsh_estradiol_postmenopausal: bool | None = None
    on_tamoxifen_or_toremifene: bool = False
    on_gnrh_agonist: bool = False


@dataclass(frozen=True)
class StatusAssessment:
    status: MenopausalStatus
    reason: Message


_CONFOUNDERS = {"chemotherapy", "tamoxifen", "toremifene", "ovarian_suppression"}


def _check(e: MenopauseEvidence) -> None:
    if e.sex not in ("female", "male"):
        raise RuleError("sex", Message(N_("must be female or male")))
    if not 18 <= e.age_years <= 120:
        raise RuleError("age_years", Message(N_("an adult's age in years is 18 to 120")))
    if e.months_since_last_menses is not None and not 0 <= e.months_since_last_menses <= 1200:
        raise RuleError("months_since_last_menses",
                             Message(N_("months since the last menses must be 0 to 1200")))
    unknown = set(e.amenorrhoea_confounders) - _CONFOUNDERS
    if unknown:
        raise RuleError("amenorrhoea_confounders", Message(
            N_("unknown cause of amenorrhoea: {causes}"), {"causes": ", ".join(sorted(unknown))}))


def menopausal_status(e: MenopauseEvidence) -> StatusAssessment:
    """The status by NCCN MENO-1, with the criterion that decided it."""
    _check(e)
    if e.sex == "male":
        return StatusAssessment(MenopausalStatus.NOT_APPLICABLE,
                                Message(N_("male patient: menopausal status does not apply")))
    if e.bilateral_oophorectomy:
        return StatusAssessment(MenopausalStatus.POSTMENOPAUSAL,
                                Message(N_("prior bilateral oophorectomy (NCCN MENO-1)")))
    if e.age_years >= POSTMENOPAUSAL_AGE:
        return StatusAssessment(MenopausalStatus.POSTMENOPAUSAL,
                                Message(N_("age 60 or over (NCCN MENO-1)")))
    if e.on_gnrh_agonist:
        return StatusAssessment(MenopausalStatus.PREMENOPAUSAL, Message(N_(
            "under 60 and receiving an LHRH agonist: menopausal status cannot be assigned "
            "(NCCN MENO-1), so she is treated as premenopausal")))
    if e.on_tamoxifen_or_toremifene:
        if e.fsh_estradiol_postmenopausal:
            return StatusAssessment(MenopausalStatus.POSTMENOPAUSAL, Message(N_(
                "under 60 on tamoxifen or toremifene with FSH and estradiol in the "
                "postmenopausal range (NCCN MENO-1)")))
        return StatusAssessment(MenopausalStatus.UNDETERMINED, Message(N_(
            "under 60 on tamoxifen or toremifene: FSH and estradiol in the postmenopausal "
            "range are needed (NCCN MENO-1)")))
    months = e.months_since_last_menses
    if months is None:
        if e.menses_regular is None:
            return StatusAssessment(MenopausalStatus.UNDETERMINED, Message(N_(
                "under 60: record whether she still menstruates, and how regularly")))
        if e.menses_regular:
            return StatusAssessment(MenopausalStatus.PREMENOPAUSAL,
                                    Message(N_("under 60 with regular menses")))
        return StatusAssessment(MenopausalStatus.PERIMENOPAUSAL,
                                Message(N_("under 60 with irregular menses")))
    if months < AMENORRHOEA_MONTHS:
        return StatusAssessment(MenopausalStatus.PERIMENOPAUSAL, Message(N_(
            "under 60 with amenorrhoea for less than 12 months (NCCN MENO-1)")))
    if e.amenorrhoea_confounders:
        if e.fsh_estradiol_postmenopausal:
            return StatusAssessment(MenopausalStatus.POSTMENOPAUSAL, Message(N_(
                "amenorrhoea for 12 months or more after {causes}, with FSH and estradiol in "
                "the postmenopausal range (NCCN MENO-1)"),
                {"causes": ", ".join(sorted(e.amenorrhoea_confounders))}))
        return StatusAssessment(MenopausalStatus.UNDETERMINED, Message(N_(
            "amenorrhoea after {causes} is not a reliable sign of menopause: FSH and estradiol "
            "are needed (NCCN MENO-1)"), {"causes": ", ".join(sorted(e.amenorrhoea_confounders))}))
    if e.fsh_estradiol_postmenopausal:
        return StatusAssessment(MenopausalStatus.POSTMENOPAUSAL, Message(N_(
            "under 60, amenorrhoea for 12 months or more, FSH and estradiol in the "
            "postmenopausal range (NCCN MENO-1)")))
    if e.fsh_estradiol_postmenopausal is None:
        return StatusAssessment(MenopausalStatus.UNDETERMINED, Message(N_(
            "under 60 with amenorrhoea for 12 months or more: FSH and estradiol are needed "
            "(NCCN MENO-1)")))
    return StatusAssessment(MenopausalStatus.PERIMENOPAUSAL, Message(N_(
        "amenorrhoea for 12 months or more but FSH and estradiol not in the postmenopausal "
        "range (NCCN MENO-1)")))


@dataclass(frozen=True)
class Suppression:
    """Whether suppression must accompany the endocrine choice, and why."""

    required: bool
    kind: str | None  # "ovarian" or "testicular" (a GnRH agonist), None when not required
    reason: Message
    blocking: bool = False  # the endocrine choice cannot be accepted yet (status undetermined)


def suppression_requirement(status: MenopausalStatus, endocrine_drug: str, *,
                            gnrh_for_men_on_ai: bool = True) -> Suppression:
    """Arm A's rule (registry record NCT05861830; ASCO male breast cancer guideline 2020).

    Pre/perimenopausal women (and women under 60 already on an LHRH agonist, treated as
    premenopausal) need ovarian function suppression whatever the endocrine partner; an
    undetermined status blocks the choice until the evidence is completed; a man on an
    aromatase inhibitor needs a GnRH agonist when the protocol setting says so.
    """
    drug = endocrine_drug.strip().lower()
    if status is MenopausalStatus.NOT_APPLICABLE:
        if drug in AROMATASE_INHIBITORS and gnrh_for_men_on_ai:
            return Suppression(True, "testicular", Message(N_(
                "a man on an aromatase inhibitor also receives a GnRH agonist (ASCO male breast "
                "cancer guideline, 2020, recommendation 3.3)")))
        return Suppression(False, None, Message(N_("male patient: no ovarian suppression")))
    if status is MenopausalStatus.POSTMENOPAUSAL:
        return Suppression(False, None,
                           Message(N_("postmenopausal: no ovarian suppression needed")))
    if status is MenopausalStatus.UNDETERMINED:
        return Suppression(True, "ovarian", Message(N_(
            "menopausal status undetermined: complete the evidence (NCCN MENO-1) before an "
            "endocrine therapy is chosen")), blocking=True)
    return Suppression(True, "ovarian", Message(N_(
        "pre/perimenopausal: ovarian function suppression is required with the endocrine "
        "therapy (registry record NCT05861830, arm A)")))
