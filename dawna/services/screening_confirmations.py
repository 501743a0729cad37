"""The investigator's own answers on the screening record (issue 18 items 1 and 6).

Two answers of the screening record are clinical judgments only an investigator of the
participant's site may give (those who may sign eligibility): the confirmation of an
all-negative FES read from a scan inside a tamoxifen or fulvestrant washout window
(``fes_pet.washout_result_confirmed``, Cerianna label) and the confirmation that a CDK4/6
inhibitor line stopped for toxicity without progression counts as CDK4/6 inhibitor failure
(``treatment_lines[i].failure_confirmed``, IN5 and the trial title). A coordinator may carry
them over unchanged or clear them, never give or change them.
"""

from __future__ import annotations

from typing import Any

from dawna.errors import PermissionDenied
from dawna.i18n import _
from dawna.rules.screening_record import ScreeningRecord
from dawna.services.access import Permission, Principal

__all__ = ["investigator_answers", "require_investigator"]


def investigator_answers(record: ScreeningRecord) -> dict[str, bool | None]:
    """Dotted path -> the investigator's answer, for every such answer the record can hold."""
    out: dict[str, bool | None] = {
        "fes_pet.washout_result_confirmed":
            record.fes_pet.washout_result_confirmed if record.fes_pet else None}
    for i, line in enumerate(record.treatment_lines or ()):
        out[f"treatment_lines[{i}].failure_confirmed"] = line.failure_confirmed
    return out


def require_investigator(principal: Principal, site_id: int, before: dict[str, Any] | None,
                         after: ScreeningRecord) -> None:
    """Refuse, naming the field, an investigator's answer given or changed by someone who may
    not sign eligibility at the site."""
    if principal.can(Permission.ELIGIBILITY_SIGN, site_id):
        return
    old = investigator_answers(ScreeningRecord.model_validate(before) if before
                               else ScreeningRecord())
    for path, value in investigator_answers(after).items():
        if value is not None and old.get(path) != value:
            raise PermissionDenied(_("only an investigator of this site can give this answer"),
                                   field=path)
