"""The inclusion rules of DAWNA-FES (registry record NCT05861830), with age and sex: each
docstring names its source and how the criterion's text is read. Combined by
:func:`dawna.rules.eligibility.evaluate`."""

from __future__ import annotations

from dawna.rules import units
from dawna.rules.evidence import current, fes_washout, resting_on
from dawna.rules.messages import N_, Message, number
from dawna.rules.screening_record import MeasurableLesion, TreatmentLine
from dawna.rules.verdict import (
    SYMBOL,
    Case,
    Status,
    Verdict,
    all_of,
    any_of,
    check,
    completed_years,
    met,
    not_met,
    unknown,
    with_notes,
)

# --- the rules (docstring: source and the reading of the text) --------------------------------


def age_rule(case: Case) -> Verdict:
    """Registry record NCT05861830, Minimum Eligible Age 18 Years, Maximum Eligible Age 80 Years.

    Age in completed years on the consent date; both limits inclusive, so "80 Years" admits a
    patient up to the day before the 81st birthday. Limits from ``protocol.eligibility``."""
    r, e = case.record, case.protocol.eligibility
    if r.date_of_birth is None or r.consent_date is None:
        return unknown(p for p, v in (("date_of_birth", r.date_of_birth),
                                       ("consent_date", r.consent_date)) if v is None)
    age = completed_years(r.date_of_birth, r.consent_date)
    params = {"age": str(age), "limit": str(e.minimum_age_years)}
    if age < e.minimum_age_years:
        return not_met(Message(N_("age at consent {age} years is below {limit} years"), params))
    if e.maximum_age_years is not None and age > e.maximum_age_years:
        params["limit"] = str(e.maximum_age_years)
        return not_met(Message(N_("age at consent {age} years is above {limit} years"), params))
    return met()


def sex_rule(case: Case) -> Verdict:
    """Registry record NCT05861830, Eligible Sex (ALL: any recorded sex is met)."""
    sex, allowed = case.record.sex, case.protocol.eligibility.sex
    if sex is None:
        return unknown(["sex"])
    if allowed == "ALL" or allowed.lower() == sex:
        return met()
    return not_met(Message(N_("the study admits {allowed} participants only"),
                            {"allowed": allowed.lower()}))


def _receptor(case: Case, name: str, status: str | None, percent: float | None
              ) -> tuple[bool | None, list[Message]]:
    """ER or PR positive? The reported status wins; the percentage alone is compared with
    ``hormone_receptor_positive_min_percent`` (ASCO/CAP 2020 and, for PgR, 2010: ≥ 1 %;
    docs/guidelines/asco-cap-er-pgr.md); a status contradicting the percentage is unknown, for
    the coordinator to check the report."""
    by_percent = (None if percent is None
                  else case.passes("hormone_receptor_positive_min_percent", percent))
    if status is None:
        return by_percent, []
    positive = status == "positive"
    if by_percent is not None and by_percent != positive:
        return None, [Message(N_("{receptor} is reported {status} but {percent} percent of nuclei "
                                 "stained (positive from {limit}); check the report"), {
            "receptor": name, "status": status, "percent": number(percent or 0),
            "limit": case.shown("hormone_receptor_positive_min_percent")})]
    return positive, []


def in1(case: Case) -> Verdict:
    """IN1 "The recent pathology results showed HR-positive and HER2-negative."

    HR-positive = ER or PR positive (ASCO/CAP 2020: ≥ 1 % of nuclei, setting
    ``hormone_receptor_positive_min_percent``). HER2-negative (ASCO/CAP 2018) = IHC 0 or 1+, or
    IHC 2+ with ISH negative, or ISH negative when IHC was not done; IHC 3+ or ISH positive is
    HER2-positive (not met); IHC 2+ without an ISH result is unknown. "Recent" needs a report
    date; how recent is the investigator's judgment, unless the protocol has the optional site
    setting ``pathology_max_age_days``: an older report makes IN1 unknown until a recent one is
    entered (:func:`dawna.rules.evidence.current`)."""
    p = case.record.pathology
    if p is None:
        return unknown(["pathology.report_date", "pathology.er", "pathology.her2_ihc"])
    er, er_notes = _receptor(case, "ER", p.er, p.er_percent)
    pr, pr_notes = _receptor(case, "PR", p.pr, p.pr_percent)
    if er or pr:
        hr = met()
    elif er is False and pr is False:
        hr = not_met(Message(N_("hormone-receptor negative: ER and PR are both negative")))
    else:
        hr = unknown([path for path, v in (("pathology.er", er), ("pathology.pr", pr))
                       if v is None], *er_notes, *pr_notes)
    if p.her2_ihc == "3+" or p.her2_ish == "positive":
        her2 = not_met(Message(N_("HER2-positive (IHC {ihc}, ISH {ish})"), {
            "ihc": p.her2_ihc or "-", "ish": p.her2_ish or "-"}))
    elif p.her2_ihc in ("0", "1+") or p.her2_ish == "negative":
        her2 = met()
    elif p.her2_ihc == "2+":
        her2 = unknown(["pathology.her2_ish"], Message(N_("HER2 IHC 2+ needs an ISH result")))
    else:
        her2 = unknown(["pathology.her2_ihc"])
    return resting_on(all_of([hr, her2]),
                      current(case, "pathology", p.report_date, "pathology.report_date"))


def in2(case: Case) -> Verdict:
    """IN2 "18F-FES-PET/CT showed at least one ER-positive lesion."

    ``fes_pet.er_positive_lesions`` against ``fes_er_positive_lesions_min`` (1). Whether a lesion
    is ER-positive (FES SUVmax ≥ ``fes_suvmax_er_positive_min``, 1.5; domain.md §6) is decided
    when the PET is read, before it reaches this form. The scan rests on its date
    (``screening_fes_max_age_days``); a scan inside a tamoxifen or fulvestrant washout window is
    flagged, and too few ER-positive lesions on it is unknown, not "not met", until the
    investigator confirms the read (``fes_pet.washout_result_confirmed``) or a repeat scan
    outside the window replaces it (Cerianna label; :func:`dawna.rules.evidence.fes_washout`)."""
    fes = case.record.fes_pet
    if fes is None or fes.er_positive_lesions is None:
        return unknown(["fes_pet.er_positive_lesions"])
    washout = fes_washout(case)
    dated = current(case, "fes", fes.scan_date, "fes_pet.scan_date")
    name, suv = "fes_er_positive_lesions_min", "fes_suvmax_er_positive_min"
    if case.passes(name, fes.er_positive_lesions):
        return resting_on(with_notes(met(), washout.messages), dated)
    if not washout.conclusive:
        return resting_on(unknown(["fes_pet.washout_result_confirmed"], *washout.messages), dated)
    return resting_on(with_notes(_in2_fails(case, fes.er_positive_lesions, name, suv),
                                 washout.messages), dated)


def _in2_fails(case: Case, count: int, name: str, suv: str) -> Verdict:
    return not_met(Message(N_("{count} ER-positive lesions on FES PET/CT (ER-positive: SUVmax "
                               "{suv}); at least {limit}"), {
        "count": str(count), "limit": number(case.limit(name)),
        "suv": f"{SYMBOL[case.protocol.setting(suv).comparator or '>=']} "
               f"{number(case.limit(suv))}"}))


def in3(case: Case) -> Verdict:
    """IN3 "ECOG Performance Status score: 0-2 points." ``ecog`` against ``ecog_max`` (2)."""
    ecog = case.record.ecog
    if ecog is None:
        return unknown(["ecog"])
    return check(case, "ecog_max", ecog, Message(N_("ECOG performance status")))


def in4(case: Case) -> Verdict:
    """IN4 "Expected survival time ≥ 3 months." ``expected_survival_months`` against
    ``life_expectancy_min_months`` (3)."""
    months = case.record.expected_survival_months
    if months is None:
        return unknown(["expected_survival_months"])
    return check(case, "life_expectancy_min_months", months, Message(N_("Expected survival")))


_IN5_CDK46I = ("palbociclib", "abemaciclib", "ribociclib")  # named in the text of IN5


def _classes(line: TreatmentLine) -> set[units.AgentClass]:
    return {units.agent_class(agent) for agent in line.agents}


def in5(case: Case) -> Verdict:
    """IN5 "Previous antitumor therapy: (1) (neo)adjuvant treatment with Palbociclib or
    Abemaciclib or Ribociclib or relapse after adjuvant treatment with [them]; (2) receiving
    [them]-based treatment in the context of metastatic breast cancer or disease progression
    after treatment; (3) previously received ≤1 line of chemotherapy for recurrent or
    metastatic breast cancer; (4) previously received ≤3 lines of endocrine therapy for
    recurrent or metastatic breast cancer."

    Reading: (1) and (2) are alternatives, (3) and (4) both apply. A *line* is one entry of
    ``treatment_lines``. (1)/(2) is met by a line with palbociclib, abemaciclib or ribociclib
    either in the advanced setting (any such line: "receiving ... or progression after" does not
    require progression) or in the neoadjuvant/adjuvant setting with
    ``relapse_during_or_after`` true. (3) counts advanced lines with a chemotherapy agent
    (antibody-drug conjugates too when ``adc_counts_as_chemotherapy_line`` is true) against
    ``prior_chemotherapy_lines_max``; (4) counts advanced lines with an endocrine agent (a
    CDK4/6 inhibitor with an endocrine partner is an endocrine line; ovarian suppression alone
    is not) against ``prior_endocrine_lines_max``. Agents dawna does not recognise count as
    neither and are listed for the investigator (:func:`dawna.rules.units.agent_class`).

    Every CDK4/6 inhibitor line is shown with its dates and stop reason. The trial's title says
    "after CDK4/6 inhibitor failure" while the text is broader: an advanced line stopped for
    toxicity (intolerance, no progression) counts only with the investigator's explicit
    confirmation (``failure_confirmed`` yes); unanswered, it is unknown (issue 18 item 6)."""
    lines = case.record.treatment_lines
    if lines is None:
        return unknown(["treatment_lines"])
    notes = [Message(N_("treatment_lines[{index}]: \"{agent}\" is not a recognised agent and is "
                        "counted as neither chemotherapy nor endocrine therapy"),
                     {"index": str(i), "agent": agent})
             for i, line in enumerate(lines) for agent in line.agents
             if units.agent_class(agent) == "unrecognised"]
    qualifying, pending, refused = False, [], False
    for i, line in enumerate(lines):
        if not any(units.agent_name(agent) in _IN5_CDK46I for agent in line.agents):
            continue
        notes.append(_cdk_line(i, line))
        if line.setting == "advanced" and line.reason_stopped == "toxicity":
            if line.failure_confirmed:
                qualifying = True
            elif line.failure_confirmed is None:
                pending.append(f"treatment_lines[{i}].failure_confirmed")
                notes.append(Message(N_(
                    "treatment_lines[{index}] stopped for toxicity without progression: the "
                    "investigator must confirm it as CDK4/6 inhibitor failure"),
                    {"index": str(i)}))
            else:
                refused = True
        elif line.setting == "advanced" or line.relapse_during_or_after:
            qualifying = True
        elif line.relapse_during_or_after is None:
            pending.append(f"treatment_lines[{i}].relapse_during_or_after")
    parts = [met() if qualifying else unknown(pending) if pending else not_met(Message(N_(
        "the investigator does not count the CDK4/6 inhibitor line stopped for toxicity as "
        "CDK4/6 inhibitor failure") if refused else N_(
        "no palbociclib, abemaciclib or ribociclib: neither (neo)adjuvant followed by relapse "
        "(part 1) nor for advanced disease (part 2)")))]
    chemo_classes = {"chemotherapy", "adc"} if case.switch("adc_counts_as_chemotherapy_line") \
        else {"chemotherapy"}
    advanced = [_classes(line) for line in lines if line.setting == "advanced"]
    for name, count, template in (
        ("prior_chemotherapy_lines_max", sum(bool(c & chemo_classes) for c in advanced),
         N_("{count} lines of chemotherapy for recurrent or metastatic disease; at most {limit} "
            "(part 3)")),
        ("prior_endocrine_lines_max", sum("endocrine" in c for c in advanced),
         N_("{count} lines of endocrine therapy for recurrent or metastatic disease; at most "
            "{limit} (part 4)")),
    ):
        parts.append(met() if case.passes(name, count) else not_met(Message(
            template, {"count": str(count), "limit": number(case.limit(name))})))
    return with_notes(all_of(parts), notes)


def _cdk_line(index: int, line: TreatmentLine) -> Message:
    """A CDK4/6 inhibitor line as shown with IN5: agents, setting, dates, stop reason."""
    return Message(N_("treatment_lines[{index}]: {agents} ({setting}) from {start} to {stop}, "
                      "stopped: {reason}"), {
        "index": str(index), "agents": " + ".join(line.agents),
        "setting": Message(_SETTING[line.setting]),
        "start": line.start_date.isoformat(),
        "stop": line.stop_date.isoformat() if line.stop_date else Message(N_("ongoing")),
        "reason": Message(_STOPPED[line.reason_stopped or ""])})


_SETTING = {"neoadjuvant": N_("neoadjuvant"), "adjuvant": N_("adjuvant"),
            "advanced": N_("advanced")}
_STOPPED = {"progression": N_("progression"), "toxicity": N_("toxicity (intolerance)"),
            "completed": N_("completed"), "other": N_("other"), "": N_("not recorded")}


def in6(case: Case) -> Verdict:
    """IN6 "Willing to undergo 18F-FDG PET/CT standard imaging." ``fdg_pet_willing``."""
    willing = case.record.fdg_pet_willing
    if willing is False:
        return not_met(Message(N_("not willing to undergo 18F-FDG PET/CT")))
    return met() if willing else unknown(["fdg_pet_willing"])


def _measurable(case: Case, lesion: MeasurableLesion) -> Message | None:
    """None when measurable per RECIST 1.1 §3.1 (domain.md §2), else why not: a lymph node needs
    a short axis ≥ ``recist_node_short_axis_min_mm`` (15) on CT or MRI; another lesion a longest
    diameter ≥ ``recist_non_nodal_chest_xray_min_mm`` (20) on chest X-ray, or
    ≥ ``recist_non_nodal_min_mm`` (10) on CT, MRI or by caliper. (CT slices ≤ 5 mm assumed.)"""
    where = {"location": lesion.location}
    if not lesion.outside_skull:
        return Message(N_("{location}: inside the skull"), where)
    if lesion.lymph_node:
        if lesion.method not in ("CT", "MRI"):
            return Message(N_("{location}: a lymph node is measured by CT or MRI"), where)
        name, size = "recist_node_short_axis_min_mm", lesion.short_axis_mm or 0.0
    else:
        name = ("recist_non_nodal_chest_xray_min_mm" if lesion.method == "X-ray"
                else "recist_non_nodal_min_mm")
        size = lesion.longest_diameter_mm or 0.0
    if case.passes(name, size):
        return None
    return Message(N_("{location}: {size} is below {limit} ({method})"), {
        **where, "size": case.shown(name, size), "limit": case.shown(name),
        "method": lesion.method})


def in7(case: Case) -> Verdict:
    """IN7 "At least one measurable lesion outside the skull according to RECIST V1.1."
    The count of measurable lesions outside the skull (:func:`_measurable`) against
    ``measurable_lesions_min`` (1). Non-measurable disease (bone without a soft-tissue part,
    effusions, leptomeningeal disease) is not entered in ``measurable_lesions``."""
    lesions = case.record.measurable_lesions
    if lesions is None:
        return unknown(["measurable_lesions"])
    dated = current(case, "imaging", case.record.imaging_date, "imaging_date")
    why = [_measurable(case, lesion) for lesion in lesions]
    count = sum(w is None for w in why)
    if case.passes("measurable_lesions_min", count):
        return resting_on(met(), dated)
    limit = number(case.limit("measurable_lesions_min"))
    return resting_on(not_met(Message(N_("{count} measurable lesions outside the skull (RECIST "
                                         "1.1); at least {limit}"),
                                      {"count": str(count), "limit": limit}),
                              *(w for w in why if w is not None)), dated)


_COUNTS = (("anc", "anc_min", "count", N_("ANC")),
           ("platelets", "platelets_min", "count", N_("Platelets")),
           ("hemoglobin", "haemoglobin_min", "hemoglobin", N_("Haemoglobin")))


def _uln_lab(case: Case, field: str, name: str, label: str) -> Verdict:
    """``labs.<field>`` as a multiple of its ULN against setting ``name`` (the ratio is
    unit-free). ALT and AST above it may still pass ``alt_ast_max_uln_liver_metastases`` when
    ``liver_metastases`` is true; unknown when that is not recorded."""
    labs = case.record.labs
    m = getattr(labs, field) if labs else None
    if m is None:
        return unknown([f"labs.{field}"])
    ratio = units.clean(m.value / m.uln)
    unit = units.display_unit(m.unit)
    shown = f"{number(ratio)} × ULN ({number(m.value)} {unit}, ULN {number(m.uln)} {unit})"
    base = check(case, name, ratio, Message(label), shown)
    liver = case.record.liver_metastases
    if field not in ("alt", "ast") or base.status is Status.MET or liver is False:
        return base
    liver_name = "alt_ast_max_uln_liver_metastases"
    with_liver = check(case, liver_name, ratio, Message(label), shown)
    if with_liver.status is Status.NOT_MET or liver:
        return with_liver
    return unknown(["liver_metastases"], Message(N_(
        "{what} {value} is above {limit}; up to {liver_limit} is allowed with liver metastases, "
        "not yet recorded"), {"what": Message(label), "value": shown, "limit": case.shown(name),
                              "liver_limit": case.shown(liver_name)}))


def in8(case: Case) -> Verdict:
    """IN8 "The function of important organs meets the requirements." (domain.md §5 [site
    decision], site settings group ``organ_function``): ANC ≥ ``anc_min``, platelets ≥
    ``platelets_min``, haemoglobin ≥ ``haemoglobin_min`` (each converted to the setting's unit,
    domain.md §4); total bilirubin ≤ ``total_bilirubin_max_uln`` × ULN; ALT and AST ≤
    ``alt_ast_max_uln`` × ULN, or ≤ ``alt_ast_max_uln_liver_metastases`` × ULN with liver
    metastases (between the two with liver status not recorded: unknown); creatinine ≤
    ``creatinine_max_uln`` × ULN **or** creatinine clearance ≥ ``creatinine_clearance_min``;
    QTcF ≤ ``qtcf_max``. One reason per failing value, one missing path per absent value. The
    values rest on ``labs.collection_date`` (``screening_labs_max_age_days``)."""
    labs = case.record.labs
    parts = []
    for field, name, quantity, label in _COUNTS:
        m = getattr(labs, field) if labs else None
        if m is None:
            parts.append(unknown([f"labs.{field}"]))
            continue
        value = case.in_unit_of(name, m.value, m.unit, quantity)
        shown = case.shown(name, value)
        if m.unit != case.protocol.setting(name).unit:
            shown = f"{number(m.value)} {units.display_unit(m.unit)} ({shown})"
        parts.append(check(case, name, value, Message(label), shown))
    parts.append(_uln_lab(case, "total_bilirubin", "total_bilirubin_max_uln",
                          N_("Total bilirubin")))
    parts.append(_uln_lab(case, "alt", "alt_ast_max_uln", N_("ALT")))
    parts.append(_uln_lab(case, "ast", "alt_ast_max_uln", N_("AST")))
    clearance = labs.creatinine_clearance_ml_min if labs else None
    parts.append(any_of([
        _uln_lab(case, "creatinine", "creatinine_max_uln", N_("Creatinine")),
        unknown(["labs.creatinine_clearance_ml_min"]) if clearance is None else
        check(case, "creatinine_clearance_min", clearance, Message(N_("Creatinine clearance")))]))
    qtcf = labs.qtcf_ms if labs else None
    parts.append(unknown(["labs.qtcf_ms"]) if qtcf is None
                 else check(case, "qtcf_max", qtcf, Message(N_("QTcF"))))
    return resting_on(all_of(parts), current(case, "labs", labs.collection_date if labs else None,
                                             "labs.collection_date"))


def in9(case: Case) -> Verdict:
    """IN9 "recovered from any adverse event related to previous tumor treatment (≤ Grade 1)
    before the first administration": ``worst_unresolved_prior_toxicity_grade`` (CTCAE v5.0)
    against ``prior_toxicity_max_grade`` (1). The record names no exception (alopecia is not
    exempted)."""
    grade = case.record.worst_unresolved_prior_toxicity_grade
    if grade is None:
        return unknown(["worst_unresolved_prior_toxicity_grade"])
    return check(case, "prior_toxicity_max_grade", grade,
                  Message(N_("Worst unresolved adverse event of previous treatment:")),
                  f"grade {grade}")


