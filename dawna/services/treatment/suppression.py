"""Ovarian (or testicular) suppression on the treatment plan: the prescriber's regimen for an
endocrine arm is accepted only when the participant's menopausal status is known from its
criteria, and carries suppression when the status or the drug needs it.

Rules: :mod:`dawna.rules.menopause_record` (NCCN Breast Cancer MENO-1 from the screening
record) and :func:`dawna.rules.menopause.suppression_requirement` (registry record NCT05861830
arm A: ovarian function suppression for pre/perimenopausal women; ASCO male breast cancer
guideline 2020, recommendation 3.3: a GnRH agonist with an aromatase inhibitor in a man,
protocol setting ``gnrh_for_men_on_aromatase_inhibitor``).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from dawna.errors import ValidationError
from dawna.i18n import _, gettext
from dawna.protocol import bundled_protocol
from dawna.rules import regimens as rx
from dawna.rules.menopause import MenopausalStatus, suppression_requirement
from dawna.rules.screening_record import ScreeningRecord
from dawna.services.regimen_choice import MALE, gnrh_for_men_setting, status_key
from dawna.store.models import Allocation, Participant, Screening

__all__ = ["GNRH_AGONISTS", "require_suppression", "suppression_group"]

#: Drugs that suppress ovarian (or testicular) function among the protocol's options.
GNRH_AGONISTS = frozenset({"goserelin", "leuprorelin"})
_STATUS = {"pre": MenopausalStatus.PREMENOPAUSAL, "peri": MenopausalStatus.PERIMENOPAUSAL,
           "post": MenopausalStatus.POSTMENOPAUSAL, MALE: MenopausalStatus.NOT_APPLICABLE}


def suppression_group(arm_id: str) -> str | None:
    """The id of the arm's suppression choice group (the one with ``required_when``)."""
    arm = next((a for a in bundled_protocol().arms if a.id == arm_id), None)
    if arm is None:
        return None
    return next((g.id for g in arm.regimen.choices if g.required_when is not None), None)


def require_suppression(s: Session, p: Participant, allocation: Allocation,
                        regimen: rx.Regimen) -> None:
    """Refuse the plan of an arm with a suppression group when menopausal status is blank or
    undetermined (``record.menopause``), or when suppression is required and the regimen has
    none (``variants.<group>``: the prescriber adds goserelin or leuprorelin there)."""
    group = suppression_group(allocation.arm)
    if group is None:
        return
    row = s.scalar(select(Screening).where(Screening.participant_id == p.id))
    if row is None:
        raise ValidationError(_("no screening record: menopausal status is unknown"),
                              field="record.menopause")
    record = ScreeningRecord.model_validate(row.record)
    key = status_key(record, record.decision_date or row.decision_date)
    drugs = {d.drug for d in regimen.drugs}
    has_gnrh = bool(drugs & GNRH_AGONISTS)
    has_procedure = any("oophorectomy" in name for name in regimen.procedures)
    if key == MALE and has_procedure:
        raise ValidationError(_("a man receives a GnRH agonist, not an oophorectomy"),
                              field=f"variants.{group}")
    for drug in sorted(drugs - GNRH_AGONISTS):
        need = suppression_requirement(_STATUS[key], drug,
                                       gnrh_for_men_on_ai=gnrh_for_men_setting(bundled_protocol()))
        if need.required and not (has_gnrh or (has_procedure and key != MALE)):
            raise ValidationError(_("{drug}: {reason}; choose goserelin or leuprorelin").format(
                drug=drug, reason=need.reason.render(gettext)), field=f"variants.{group}")
