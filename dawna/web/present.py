"""Presentation helpers for pages: registry codes in words, dose schedules in a line."""

from __future__ import annotations

from typing import Any

from dawna.i18n import _
from dawna.rules.messages import N_

#: A participant's status as the pages name it (capitalised: ``rules.lifecycle.STATE_LABELS``
#: are the words inside sentences); one translation looked up per row, not all ten.
STATUS_WORDS = {
    "pre_screening": N_("Pre-screening"), "consented": N_("Consented"),
    "screening": N_("Screening"), "screen_failed": N_("Screen failure"),
    "eligible": N_("Eligible"), "randomized": N_("Randomized"),
    "on_treatment": N_("On treatment"), "end_of_treatment": N_("End of treatment"),
    "follow_up": N_("Follow-up"), "end_of_study": N_("End of study"),
}


def plain(value: Any) -> str:
    """An enum member's value, anything else as text."""
    return str(getattr(value, "value", value))


def code_label(value: Any) -> str:
    """Registry enumerations (ClinicalTrials.gov API v2) in the reader's language."""
    code = plain(value)
    labels = {
        "RECRUITING": _("Recruiting"), "NOT_YET_RECRUITING": _("Not yet recruiting"),
        "ACTIVE_NOT_RECRUITING": _("Active, not recruiting"), "COMPLETED": _("Completed"),
        "PHASE3": _("Phase 3"), "INTERVENTIONAL": _("Interventional"),
        "RANDOMIZED": _("Randomized"), "PARALLEL": _("Parallel assignment"),
        "TREATMENT": _("Treatment"), "NONE": _("None (open label)"),
        "EXPERIMENTAL": _("Experimental"), "ACTIVE_COMPARATOR": _("Active comparator"),
        "DRUG": _("Drug"), "SPONSOR": _("Sponsor"), "OTHER": _("Other"),
        "INDUSTRY": _("Industry"), "STUDY_CHAIR": _("Study chair"), "CONTACT": _("Contact"),
        "ALL": _("All"), "PENDING": _("Results pending"),
        "primary": _("Primary contact"), "backup": _("Backup contact"),
        "site_decision": _("site decision"), "to_confirm": _("to confirm"),
        "confirmed": _("confirmed"),
    }
    return f"{labels[code]} ({code})" if code in labels and labels[code] != code else code


def drug_label(drug: str) -> str:
    """A drug of the protocol file (its generic name, lower case as in the protocol file) in
    the reader's language; other names (physician-entered) as written."""
    names = {
        "dalpiciclib": _("dalpiciclib"), "letrozole": _("letrozole"),
        "anastrozole": _("anastrozole"), "exemestane": _("exemestane"),
        "fulvestrant": _("fulvestrant"), "tamoxifen": _("tamoxifen"),
        "goserelin": _("goserelin"), "leuprorelin": _("leuprorelin"),
        "paclitaxel": _("paclitaxel"), "capecitabine": _("capecitabine"),
        "carboplatin": _("carboplatin"), "cisplatin": _("cisplatin"),
        "gemcitabine": _("gemcitabine"),
    }
    return names.get(drug, drug)


def status_label(value: Any) -> str:
    """A participant's status (``State`` or its code) as a page's label: "On treatment"."""
    code = plain(value)
    return _(STATUS_WORDS[code]) if code in STATUS_WORDS else code


def state_label(value: Any) -> str:
    """A participant status code (``randomized``) in the reader's language."""
    from dawna.rules.lifecycle import STATE_LABELS, State

    try:
        return _(STATE_LABELS[State(plain(value))])
    except (KeyError, ValueError):
        return plain(value)


def arm_name(arm: str) -> str:
    """An arm of the protocol file by its id: "Arm A" / "A 组"."""
    return _("Arm {arm}").format(arm=arm)


def regimen_text(regimen_id: str, english: str = "") -> str:
    """A regimen by its id (``B:gemcitabine_platinum``, see ``rules.regimens.regimen_from_id``)
    with the Chinese labels of the protocol file (``label_zh``) on Chinese pages; ``english``
    (the regimen's own label) otherwise."""
    from dawna.i18n import current_locale
    from dawna.protocol import bundled_protocol

    locale = current_locale()
    arm_id, _sep, rest = regimen_id.partition(":")
    arm = next((a for a in bundled_protocol().arms if a.id == arm_id), None)
    if arm is None or not locale.startswith("zh"):
        return english or regimen_id
    names = {x.id: x.label_for(locale) for g in arm.regimen.choices for o in g.options
             for x in (o, *o.alternatives)}
    names["physician_entered"] = _("physician-entered regimen")
    parts = [drug_label(c.drug) for c in arm.regimen.components]
    parts += [names.get(x, x) for x in rest.split("+") if x]
    return f"{arm_name(arm_id)}: {' + '.join(parts)}"


def stratum_text(stratum: str) -> str:
    """A stratum or factor level as stored (``visceral_metastasis=yes|cdk46i_setting=advanced``,
    the factors of the protocol file's ``randomization``) in words of the reader's language."""
    words = {
        "visceral_metastasis": _("Visceral metastasis"),
        "cdk46i_setting": _("Setting of the prior CDK4/6 inhibitor"),
        "yes": _("yes"), "no": _("no"), "adjuvant": _("adjuvant"), "advanced": _("advanced"),
    }
    parts = []
    for part in stratum.split("|") if stratum else ():
        name, _sep, level = part.partition("=")
        parts.append(f"{words.get(name, name)}: {words.get(level, level)}" if level
                     else words.get(name, name))
    return " · ".join(parts)


def days_text(days: tuple[int, ...] | None) -> str:
    """``(1, 2, ..., 21)`` → ``1–21``; ``(1, 8)`` → ``1, 8``."""
    if not days:
        return ""
    runs: list[list[int]] = [[days[0], days[0]]]
    for d in days[1:]:
        if d == runs[-1][1] + 1:
            runs[-1][1] = d
        else:
            runs.append([d, d])
    return ", ".join(f"{a}–{b}" if b > a + 1 else (f"{a}, {b}" if b == a + 1 else f"{a}")
                     for a, b in runs)


def _day_list(days: tuple[int, ...] | None) -> str:
    if days and len(days) == 1:
        return _("day {day}").format(day=days[0])
    return _("days {days}").format(days=days_text(days))


def _num(x: float) -> str:
    return f"{x:g}"


def component_text(c: Any) -> str:
    dose = _num(c.dose) if c.dose is not None else f"{_num(c.dose_min)}–{_num(c.dose_max)}"
    parts = [f"{c.drug} {dose} {plain(c.unit)}", plain(c.route), plain(c.frequency)]
    if c.continuous:
        parts.append(_("continuous"))
    else:
        parts.append(_day_list(c.days))
    for cycle, days in sorted(c.cycle_overrides.items()):
        parts.append(_("cycle {n}: {days}").format(n=cycle, days=_day_list(days)))
    return ", ".join(parts)


def arm_blinded(db: Any, user: Any, site_code: str) -> bool:
    """Whether ``user`` is kept blind to the arm at the site (``access.arm_hidden_from``)."""
    from dawna.services.participants import arm_blinded as blinded

    return blinded(db, user, site_code)


def field_text(field: str | None) -> str:
    """An input's name as words, until the page names it by its label (``static/forms.js``
    puts the label the reader sees in its place): ``labs.anc.value`` -> ``labs › anc › value``,
    ``injected_mbq`` -> ``injected mbq``."""
    return " › ".join(part.replace("_", " ") for part in (field or "").split(".") if part)
