"""The exclusion rules of DAWNA-FES (registry record NCT05861830): for an exclusion, *met*
means the exclusion applies. Each docstring names its source and how the text is read."""

from __future__ import annotations

from dawna.rules import units
from dawna.rules.evidence import current, fes_washout, resting_on
from dawna.rules.messages import N_, Message, number
from dawna.rules.verdict import (
    Case,
    Verdict,
    anniversary,
    any_of,
    flag,
    met,
    not_met,
    unknown,
    with_notes,
)


def ex1(case: Case) -> Verdict:
    """EX1 "18F-FES-PET/CT shows that all lesions are ER-negative." Applies when at least one
    lesion was read and none is ER-positive (lesions not evaluable on FES, such as liver
    lesions, are not read). No lesion read: unknown, as FES then shows nothing about ER.
    The scan rests on its date (``screening_fes_max_age_days``). A scan inside a tamoxifen or
    fulvestrant washout window (Cerianna label) is flagged and its all-negative result is
    unknown until the investigator confirms it (``fes_pet.washout_result_confirmed``) or a
    repeat scan outside the window replaces it (:func:`dawna.rules.evidence.fes_washout`)."""
    fes = case.record.fes_pet
    read, positive = (fes.lesions_read, fes.er_positive_lesions) if fes else (None, None)
    if fes is None or (not positive and (read is None or positive is None)):
        return unknown(p for p, v in (("fes_pet.lesions_read", read),
                                       ("fes_pet.er_positive_lesions", positive)) if v is None)
    washout = fes_washout(case)
    dated = current(case, "fes", fes.scan_date, "fes_pet.scan_date")
    if positive:
        return resting_on(with_notes(not_met(), washout.messages), dated)
    if read == 0:
        return resting_on(unknown([], Message(N_("no lesion could be read on FES PET/CT")),
                                  *washout.messages), dated)
    if not washout.conclusive:
        return resting_on(unknown(["fes_pet.washout_result_confirmed"], *washout.messages),
                          dated)
    return resting_on(with_notes(met(Message(N_("all {count} lesions read on FES PET/CT are "
                                                "ER-negative"), {"count": str(read)})),
                                 washout.messages), dated)


def ex2(case: Case) -> Verdict:
    """EX2 "Previously received treatment with Dalpiciclib." Applies when ``prior_dalpiciclib``
    is true or any treatment line contains dalpiciclib (the line wins over a "no")."""
    hits = [i for i, line in enumerate(case.record.treatment_lines or ())
            if "dalpiciclib" in map(units.agent_name, line.agents)]
    if hits:
        return met(Message(N_("dalpiciclib in treatment_lines[{index}]"), {"index": str(hits[0])}))
    return flag(case.record.prior_dalpiciclib, "prior_dalpiciclib", Message(N_("dalpiciclib")))


def _any_flag(case: Case, *fields: tuple[str, str]) -> Verdict:
    return any_of(flag(getattr(case.record, f), f, Message(what)) for f, what in fields)


def ex3(case: Case) -> Verdict:
    """EX3 "MRI or lumbar puncture confirms leptomeningeal metastasis." """
    return _any_flag(case, ("leptomeningeal_metastasis", N_("leptomeningeal metastasis")))


def ex4(case: Case) -> Verdict:
    """EX4 "Imaging confirms central nervous system metastasis." """
    return _any_flag(case, ("cns_metastasis", N_("central nervous system metastasis")))


def ex5(case: Case) -> Verdict:
    """EX5 "Participants with visceral crisis, rapid disease progression, and patients not
    suitable for endocrine therapy." Any one of the three applies ("and" read as "or")."""
    return _any_flag(case, ("visceral_crisis", N_("visceral crisis")),
                     ("rapid_progression", N_("rapid disease progression")),
                     ("unsuitable_for_endocrine_therapy", N_("not suitable for endocrine "
                                                             "therapy")))


def ex7(case: Case) -> Verdict:
    """EX7 "Unable to swallow, intestinal obstruction, or other factors that affect drug
    administration and absorption." One question covers all three."""
    return _any_flag(case, ("swallowing_or_absorption_problem", N_(
        "unable to swallow, intestinal obstruction or impaired absorption")))


def ex10(case: Case) -> Verdict:
    """EX10 "Known history of allergy to the components of this treatment regimen." """
    return _any_flag(case, ("known_allergy_to_regimen",
                            N_("allergy to a component of the regimen")))


def ex6(case: Case) -> Verdict:
    """EX6 "Participants with ascites, baseline pleural effusion with clinical symptoms, and
    pericardial effusion requiring drainage within the first 4 weeks of treatment." Any one
    applies; the drainage window (``effusion_drainage_window_weeks``) is the investigator's
    prediction, asked in ``pericardial_effusion_needing_drainage``."""
    weeks = number(case.limit("effusion_drainage_window_weeks"))
    r = case.record
    return any_of([
        flag(r.ascites, "ascites", Message(N_("ascites"))),
        flag(r.symptomatic_pleural_effusion, "symptomatic_pleural_effusion",
              Message(N_("symptomatic pleural effusion"))),
        flag(r.pericardial_effusion_needing_drainage, "pericardial_effusion_needing_drainage",
              Message(N_("pericardial effusion requiring drainage within the first {weeks} weeks "
                        "of treatment"), {"weeks": weeks}))])


_EX8_EXEMPT = ("basal_cell_skin", "squamous_cell_skin", "cervical_intraepithelial_neoplasia",
               "papillary_thyroid")


def ex8(case: Case) -> Verdict:
    """EX8 "diagnosed with any other malignancy within the past 5 years, excluding non-melanoma
    skin cancer treated with curative intent. Basal cell or squamous cell skin cancer, or
    cervical intraepithelial neoplasia and papillary thyroid cancer."

    Reading: the second sentence lists further exceptions, with no condition. Non-melanoma skin
    cancer is exempt only when treated with curative intent (not recorded: unknown). The window
    is ``other_malignancy_lookback_years`` (5) calendar years back from the decision date, the
    boundary excluded: diagnosed on the same calendar day 5 years before is outside the window
    (not excluded), one day later inside (excluded)."""
    items, decision = case.record.other_malignancies, case.decision_date
    if items is None:
        return unknown(["other_malignancies"])
    years = case.whole("other_malignancy_lookback_years")
    parts = []
    for i, m in enumerate(items):
        if m.category in _EX8_EXEMPT or (m.category == "non_melanoma_skin" and m.curative_intent):
            continue
        if decision is None:
            parts.append(unknown(["decision_date"]))
        elif m.diagnosis_date > anniversary(decision, decision.year - years):
            parts.append(unknown([f"other_malignancies[{i}].curative_intent"])
                         if m.category == "non_melanoma_skin" and m.curative_intent is None
                         else met(Message(N_("{type} diagnosed {date}, within {years} years"), {
                             "type": m.type, "date": m.diagnosis_date.isoformat(),
                             "years": str(years)})))
    return any_of(parts)


def ex9(case: Case) -> Verdict:
    """EX9 "undergone major surgery or suffered a major injury within 4 weeks before starting
    treatment, or are expected to undergo major surgical treatment."

    Window: ``major_surgery_lookback_weeks`` (4) × 7 days before the decision date, as the
    proxy for the start of treatment (conservative, see the module notes): an event 28 days
    before is outside (not excluded), 27 days before inside (excluded). A planned major surgery
    (``major_surgery_planned``) applies whatever its date."""
    r, decision = case.record, case.decision_date
    days = case.whole("major_surgery_lookback_weeks") * 7
    parts = [flag(r.major_surgery_planned, "major_surgery_planned",
                   Message(N_("major surgery planned")))]
    if r.major_surgery_or_injury is None:
        parts.append(unknown(["major_surgery_or_injury"]))
    for event in r.major_surgery_or_injury or ():
        if decision is None:
            parts.append(unknown(["decision_date"]))
        elif (decision - event.date).days < days:
            kind = Message(N_("major surgery") if event.kind == "surgery" else N_("major injury"))
            parts.append(met(Message(N_("{kind} on {date} ({description}), within {days} days "
                                         "before the decision date"), {
                "kind": kind, "date": event.date.isoformat(), "description": event.description,
                "days": str(days)})))
    return any_of(parts)


