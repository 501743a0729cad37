"""The physician's regimen choices, declared before randomization for both arms.

In a "physician's choice" comparison the choice is made before the arm is known, so that it
cannot depend on the allocation (ICH E9 §2.3; the registry record's Arm A "physician-selected
endocrine therapy" and Arm B "chemotherapy selected by the physician"). Every choice group of
every arm that applies to the patient (ovarian function suppression only when pre- or
perimenopausal) must be answered with one of the protocol file's options, or, where the file
allows it, a physician-entered regimen.

Menopausal status is derived from the screening record's criteria (NCCN MENO-1,
``dawna.rules.menopause_record``) and is required before an endocrine choice is accepted: a
blank or undetermined status is refused on ``record.menopause``. Pre/perimenopausal women must
choose ovarian function suppression; a man on an aromatase inhibitor must choose a GnRH agonist
from the same group when the protocol setting ``gnrh_for_men_on_aromatase_inhibitor`` is on
(ASCO male breast cancer guideline 2020, recommendation 3.3).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from dawna.errors import NotFound, ValidationError
from dawna.i18n import _, gettext
from dawna.protocol import Protocol
from dawna.rules.menopause import MenopausalStatus, suppression_requirement
from dawna.rules.menopause_record import assess, form_code
from dawna.rules.rule_errors import RuleError
from dawna.rules.screening_record import ScreeningRecord

PHYSICIAN_ENTERED = "physician_entered"
#: Longest physician-entered regimen text (the form field has the same maxlength).
PHYSICIAN_TEXT_MAX_LENGTH = 500
#: The status key of a male patient (menopausal status does not apply).
MALE = "male"


def status_key(record: ScreeningRecord, on: date | None) -> str:
    """``pre``, ``peri``, ``post`` or ``male`` from the record's criteria on ``on``; a blank or
    undetermined status is refused, naming the field to complete (``record.menopause``...).

    ``on`` is the decision date (the record's, else its row's): the screening form always fills
    it, but a stored row may lack it (one read back from a file); without it the age, so the
    status, is unknown, refused on ``record.decision_date``."""
    if on is None:
        raise ValidationError(_("is required: menopausal status depends on age (NCCN MENO-1)"),
                              field="record.decision_date")
    try:
        result = assess(record, on)
    except RuleError as exc:
        raise exc.translated(gettext, "record.") from None
    if result.status is MenopausalStatus.NOT_APPLICABLE:
        return MALE
    code = form_code(result.status)
    if code is None:
        raise ValidationError(result.reason.render(gettext), field="record.menopause")
    return code


def gnrh_for_men_setting(protocol: Protocol) -> bool:
    try:
        return bool(protocol.setting("gnrh_for_men_on_aromatase_inhibitor").value)
    except NotFound:
        return True  # the default of the setting


def required_groups(protocol: Protocol, menopausal_status: str | None) -> list[tuple[str, Any]]:
    """(arm id, choice group) pairs that this patient must answer (for a man the suppression
    group is listed too: required with an aromatase inhibitor)."""
    out = []
    for arm in protocol.arms:
        for group in arm.regimen.choices:
            when = group.required_when
            if when is None or menopausal_status == MALE or (
                    menopausal_status is not None and menopausal_status in when.menopausal_status):
                out.append((arm.id, group))
    return out


def _men_on_ai(protocol: Protocol, groups: list[tuple[str, Any]], out: dict[str, Any]) -> None:
    """A man: the suppression group is answered only with a GnRH agonist, and must be when the
    arm's endocrine choice is an aromatase inhibitor (protocol setting)."""
    for arm_id, group in groups:
        if group.required_when is None:
            continue
        chosen = out.get(group.id)
        if chosen is not None:
            option = group.option(chosen["option"])
            if option.procedure is not None:
                raise ValidationError(_("{option} is not a suppression for a man: choose a GnRH "
                                        "agonist").format(option=option.label), field=group.id)
        drugs = [c.drug for a, g in groups
                 if a == arm_id and g.id in out and out[g.id]["option"] != PHYSICIAN_ENTERED
                 for c in g.option(out[g.id]["option"]).components]
        if chosen is not None:
            continue
        for drug in drugs:
            need = suppression_requirement(MenopausalStatus.NOT_APPLICABLE, drug,
                                           gnrh_for_men_on_ai=gnrh_for_men_setting(protocol))
            if need.required:
                raise ValidationError(_("{drug}: {reason}").format(
                    drug=drug, reason=need.reason.render(gettext)), field=group.id)


def validate_choices(protocol: Protocol, choices: dict[str, str],
                     menopausal_status: str | None) -> dict[str, Any]:
    groups = required_groups(protocol, menopausal_status)
    known = {g.id for _a, g in groups} | {f"{g.id}_text" for _a, g in groups}
    for key in choices:
        if key not in known:
            raise ValidationError(_("not a regimen choice for this participant"), field=key)
    out: dict[str, Any] = {}
    for arm_id, group in groups:
        value = (choices.get(group.id) or "").strip()
        if not value and menopausal_status == MALE and group.required_when is not None:
            continue  # checked below against the endocrine choice
        if not value:
            raise ValidationError(_("choose one of the options before randomizing"),
                                  field=group.id)
        if value == PHYSICIAN_ENTERED:
            if not group.physician_entered_allowed:
                raise ValidationError(_("this choice must be one of the listed options"),
                                      field=group.id)
            text = (choices.get(f"{group.id}_text") or "").strip()
            if len(text) < 3:
                raise ValidationError(_("describe the physician-entered regimen"),
                                      field=f"{group.id}_text")
            if len(text) > PHYSICIAN_TEXT_MAX_LENGTH:
                raise ValidationError(_("at most {count} characters").format(
                    count=PHYSICIAN_TEXT_MAX_LENGTH), field=f"{group.id}_text")
            out[group.id] = {"arm": arm_id, "option": PHYSICIAN_ENTERED, "text": text}
            continue
        try:
            option = group.option(value)
        except NotFound:
            raise ValidationError(_("{value} is not an option of {group}").format(
                value=value, group=group.label), field=group.id) from None
        out[group.id] = {"arm": arm_id, "option": option.id, "label": option.label}
    if menopausal_status == MALE:
        _men_on_ai(protocol, groups, out)
    return out
