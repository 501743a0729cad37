"""The physician's regimen choices, declared before randomization for both arms.

In a "physician's choice" comparison the choice is made before the arm is known, so that it
cannot depend on the allocation (ICH E9 §2.3; the registry record's Arm A "physician-selected
endocrine therapy" and Arm B "chemotherapy selected by the physician"). Every choice group of
every arm that applies to the patient (ovarian function suppression only when pre- or
perimenopausal) must be answered with one of the protocol file's options, or, where the file
allows it, a physician-entered regimen.
"""

from __future__ import annotations

from typing import Any

from dawna.errors import NotFound, ValidationError
from dawna.i18n import _
from dawna.protocol import Protocol

PHYSICIAN_ENTERED = "physician_entered"
#: Longest physician-entered regimen text (the form field has the same maxlength).
PHYSICIAN_TEXT_MAX_LENGTH = 500


def required_groups(protocol: Protocol, menopausal_status: str | None) -> list[tuple[str, Any]]:
    """(arm id, choice group) pairs that this patient must answer."""
    out = []
    for arm in protocol.arms:
        for group in arm.regimen.choices:
            when = group.required_when
            if when is None or (menopausal_status is not None
                                and menopausal_status in when.menopausal_status):
                out.append((arm.id, group))
    return out


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
    return out
