"""Menopausal status from the screening record, and arm A's suppression rule for a chosen
endocrine therapy.

Sources: NCCN Clinical Practice Guidelines in Oncology, Breast Cancer, "Definition of
Menopause" (MENO-1), applied by :func:`dawna.rules.menopause.menopausal_status`; registry record
NCT05861830, arm A (ovarian function suppression for pre/perimenopausal women); ASCO guideline
"Management of Male Breast Cancer" (Hassett et al., J Clin Oncol 2020), recommendation 3.3 (a man
on an aromatase inhibitor also receives a GnRH agonist; protocol setting
``gnrh_for_men_on_aromatase_inhibitor``).

The status is never taken on trust: it is derived from the criteria (sex, age on the decision
date, prior bilateral oophorectomy, months of amenorrhoea and their confounders, FSH and
estradiol). A status typed on the form that its criteria contradict is refused on
``menopausal_status``.
"""

from __future__ import annotations

from datetime import date

from dawna.rules.menopause import (
    MenopausalStatus,
    MenopauseEvidence,
    StatusAssessment,
    menopausal_status,
)
from dawna.rules.messages import N_, Message
from dawna.rules.rule_errors import RuleError
from dawna.rules.screening_record import ScreeningRecord
from dawna.rules.verdict import completed_years

__all__ = ["FORM_CODES", "assess", "form_code"]

#: The screening form's short codes of a status (``ScreeningRecord.menopausal_status``).
FORM_CODES = {MenopausalStatus.PREMENOPAUSAL: "pre", MenopausalStatus.PERIMENOPAUSAL: "peri",
              MenopausalStatus.POSTMENOPAUSAL: "post"}


def form_code(status: MenopausalStatus) -> str | None:
    """``pre``, ``peri`` or ``post`` (None for a man or an undetermined status)."""
    return FORM_CODES.get(status)


def _evidence(record: ScreeningRecord, on: date) -> MenopauseEvidence:
    if record.sex is None:
        raise RuleError("sex", Message(N_(
            "is required: menopausal status and suppression depend on it")))
    if record.date_of_birth is None:
        raise RuleError("date_of_birth", Message(N_(
            "is required: menopausal status depends on age (NCCN MENO-1)")))
    age = completed_years(record.date_of_birth, on)
    if record.sex == "male":
        return MenopauseEvidence(sex="male", age_years=age)
    m = record.menopause
    if m is None:
        raise RuleError("menopause", Message(N_(
            "menopausal status and its criteria (prior bilateral oophorectomy, menses, FSH and "
            "estradiol; NCCN MENO-1) are required before an arm A endocrine therapy is "
            "chosen")))
    if m.bilateral_oophorectomy is None:
        raise RuleError("menopause.bilateral_oophorectomy", Message(N_(
            "answer yes or no: a prior bilateral oophorectomy makes her postmenopausal "
            "(NCCN MENO-1)")))
    return MenopauseEvidence(
        sex="female", age_years=age, bilateral_oophorectomy=m.bilateral_oophorectomy,
        months_since_last_menses=m.months_since_last_menses, menses_regular=m.menses_regular,
        amenorrhoea_confounders=frozenset(m.amenorrhoea_confounders),
        fsh_estradiol_postmenopausal=m.fsh_estradiol_postmenopausal,
        on_tamoxifen_or_toremifene=bool(m.on_tamoxifen_or_toremifene),
        on_gnrh_agonist=bool(m.on_gnrh_agonist))


def assess(record: ScreeningRecord, on: date) -> StatusAssessment:
    """The status the record's criteria give on ``on`` (the decision date), by NCCN MENO-1.

    Refused (``RuleError`` naming the field) when sex, date of birth or, for a woman, the
    menopause block or its oophorectomy answer is blank, and when the form's
    ``menopausal_status`` contradicts the criteria. An undetermined status is returned (the
    caller blocks the endocrine choice with its reason).
    """
    result = menopausal_status(_evidence(record, on))
    typed, derived = record.menopausal_status, form_code(result.status)
    if record.sex == "female" and typed is not None and derived is not None and typed != derived:
        raise RuleError("menopausal_status", Message(N_(
            "recorded as {typed} but its criteria give {derived}: {reason}"),
            {"typed": typed, "derived": derived, "reason": result.reason}))
    return result
