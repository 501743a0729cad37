"""Simulated screening records for the demo trial (weights in ``dawna/demo/trial.yaml``).

Each record is built as a coordinator would enter it and saved and signed through the real
services, so the demo's screening log, audit trail and signatures are what a site would produce.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from dawna.clock import simulated
from dawna.config import Settings
from dawna.demo.clock import moment
from dawna.services import screening
from dawna.services.access import Principal
from dawna.store.db import Database

AGENTS_CDK = ["palbociclib", "abemaciclib", "ribociclib"]
AGENTS_ET = ["letrozole", "anastrozole", "exemestane", "fulvestrant"]
AGENTS_CHEMO = ["capecitabine", "paclitaxel", "docetaxel"]


def _d(day: date) -> str:
    return day.isoformat()


def base_record(rng: random.Random, consent: date, today: date, age_range: list[int],
                lesion_range: list[int]) -> dict[str, Any]:
    """A patient meeting every criterion, with plausible simulated values."""
    age = rng.randint(age_range[0], age_range[1])
    birth = consent - timedelta(days=age * 365 + rng.randint(30, 330))
    decision = min(consent + timedelta(days=rng.randint(2, 14)), today)
    lesions = rng.randint(lesion_range[0], lesion_range[1])
    cdk_start = consent - timedelta(days=rng.randint(500, 1200))
    cdk_stop = consent - timedelta(days=rng.randint(60, 200))
    lines: list[dict[str, Any]] = [{
        "agents": [rng.choice(AGENTS_CDK), rng.choice(AGENTS_ET)], "setting": "advanced",
        "start_date": _d(cdk_start), "stop_date": _d(cdk_stop), "reason_stopped": "progression"}]
    if rng.random() < 0.4:
        lines.append({"agents": [rng.choice(AGENTS_CHEMO)], "setting": "advanced",
                      "start_date": _d(cdk_stop + timedelta(days=14)),
                      "stop_date": _d(consent - timedelta(days=30)),
                      "reason_stopped": "progression"})
    status = "post" if age >= 55 else rng.choice(["pre", "peri"])
    return {
        "decision_date": _d(decision), "consent_date": _d(consent), "date_of_birth": _d(birth),
        # patients of the trial's sites in China: Asian, not Hispanic or Latino (no draw, so
        # the rest of the simulated trial stays as it was)
        "sex": "female", "race": "asian", "ethnicity": "not_hispanic_or_latino",
        "menopausal_status": status,
        "pathology": {"report_date": _d(consent - timedelta(days=rng.randint(10, 60))),
                      "er": "positive", "er_percent": rng.choice([60, 70, 80, 90, 95]),
                      "pr": rng.choice(["positive", "negative"]),
                      "her2_ihc": rng.choice(["0", "1+"])},
        "ecog": rng.choice([0, 1, 1, 2]),
        "expected_survival_months": rng.choice([6, 9, 12, 18]),
        "treatment_lines": lines,
        "fes_pet": {"scan_date": _d(min(consent + timedelta(days=1), decision)),
                    "lesions_read": lesions,
                    "er_positive_lesions": rng.randint(max(1, lesions // 2), lesions)},
        "fdg_pet_willing": True,
        "measurable_lesions": [{"location": rng.choice(["liver segment 6", "right lung",
                                                         "left axillary node", "T10 soft tissue"]),
                                "outside_skull": True, "lymph_node": False,
                                "longest_diameter_mm": rng.randint(12, 45), "method": "CT"}],
        "imaging_date": _d(decision - timedelta(days=rng.randint(1, 20))),
        "labs": {
            "collection_date": _d(decision - timedelta(days=rng.randint(0, 7))),
            "anc": {"value": round(rng.uniform(1.8, 4.5), 1), "unit": "10^9/L"},
            "platelets": {"value": rng.randint(140, 320), "unit": "10^9/L"},
            "hemoglobin": {"value": rng.randint(105, 140), "unit": "g/L"},
            "total_bilirubin": {"value": rng.randint(6, 19), "unit": "umol/L", "uln": 21},
            "alt": {"value": rng.randint(12, 45), "unit": "U/L", "uln": 40},
            "ast": {"value": rng.randint(12, 45), "unit": "U/L", "uln": 40},
            "creatinine": {"value": rng.randint(50, 90), "unit": "umol/L", "uln": 97},
            "qtcf_ms": rng.randint(400, 455),
        },
        "liver_metastases": rng.random() < 0.3,
        "worst_unresolved_prior_toxicity_grade": rng.choice([0, 1]),
        "cns_metastasis": False, "leptomeningeal_metastasis": False, "visceral_crisis": False,
        "rapid_progression": False, "unsuitable_for_endocrine_therapy": False, "ascites": False,
        "symptomatic_pleural_effusion": False, "pericardial_effusion_needing_drainage": False,
        "swallowing_or_absorption_problem": False, "known_allergy_to_regimen": False,
        "prior_dalpiciclib": False, "major_surgery_planned": False,
        "other_malignancies": [], "major_surgery_or_injury": [],
        "menopause": menopause_criteria(status, age, chemotherapy=len(lines) > 1),
    }


def menopause_criteria(status: str, age: int, *, chemotherapy: bool) -> dict[str, Any]:
    """The NCCN MENO-1 criteria behind ``status``: from 60 by age; 55-59 by 12 months or more
    of amenorrhoea with FSH and estradiol in the postmenopausal range (a reliable sign even
    after chemotherapy); pre = regular menses; peri = amenorrhoea under 12 months."""
    if status == "post":
        return {"bilateral_oophorectomy": False, "months_since_last_menses": 12 * (age - 51),
                "amenorrhoea_confounders": ["chemotherapy"] if chemotherapy else [],
                "fsh_estradiol_postmenopausal": True}
    if status == "pre":
        return {"bilateral_oophorectomy": False, "menses_regular": True}
    return {"bilateral_oophorectomy": False, "months_since_last_menses": 5}


def apply(scenario: str, record: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    if scenario == "ineligible_all_fes_negative":
        record["fes_pet"]["er_positive_lesions"] = 0
        for line in record["treatment_lines"]:  # no washout doubt (see demo.pet for one)
            line["agents"] = ["letrozole" if a == "fulvestrant" else a for a in line["agents"]]
    elif scenario == "ineligible_cns_metastasis":
        record["cns_metastasis"] = True
    elif scenario == "ineligible_low_anc":
        record["labs"]["anc"] = {"value": round(rng.uniform(0.8, 1.4), 1), "unit": "10^9/L"}
    elif scenario == "ineligible_ecog":
        record["ecog"] = 3
    elif scenario == "ineligible_prior_dalpiciclib":
        record["prior_dalpiciclib"] = True
    elif scenario == "incomplete_labs_pending":
        record.pop("labs")
    return record


def washout_story(record: dict[str, Any], consent: date) -> dict[str, Any]:
    """Issue 18 item 1: the CDK4/6 inhibitor was given with fulvestrant, stopped 70 days before
    consent, so the FES scan (the day after consent) lies inside the 28-week fulvestrant window
    (Cerianna label): the all-negative read is flagged and not conclusive until the
    investigator confirms it."""
    first = record["treatment_lines"][0]
    first["agents"] = [first["agents"][0], "fulvestrant"]
    first["stop_date"] = _d(consent - timedelta(days=70))
    record["treatment_lines"] = [first]
    return record


def simulate(db: Database, settings: Settings, cfg: dict[str, Any], rng: random.Random,
             registered: list[tuple[Principal, Principal | None, str, date]], today: date) -> int:
    """Enter (and sign) screening records for registered demo patients; returns how many."""
    weights = cfg["scenarios"]
    names = list(weights)
    done, told = 0, False
    for coordinator, investigator, pseudonym, consent in registered:
        scenario = rng.choices(names, weights=[weights[n] for n in names])[0]
        if scenario == "not_started":
            continue
        data = apply(scenario, base_record(rng, consent, today, cfg["age_years"],
                                           cfg["fes_lesions"]), rng)
        story = (scenario == "ineligible_all_fes_negative" and investigator is not None
                 and not told)
        if story:
            data, told = washout_story(data, consent), True
        decided = date.fromisoformat(data["decision_date"])
        with simulated(moment(decided, 10, settings.zone)):
            first = screening.save(db, settings, coordinator, pseudonym,
                                   screening.record_from_dict(data), None, None)
        if story and investigator is not None:
            data["fes_pet"]["washout_result_confirmed"] = True
            with simulated(moment(decided, 14, settings.zone)):
                screening.save(db, settings, investigator, pseudonym,
                               screening.record_from_dict(data),
                               "Investigator confirms the all-negative FES read inside the "
                               "fulvestrant window: the progressing lesions were ER-negative on "
                               "biopsy", first.version)
        done += 1
        signs = scenario.startswith("ineligible") or scenario == "eligible_signed"
        if signs and investigator is not None:
            with simulated(moment(decided, 16, settings.zone)):
                screening.sign(db, settings, investigator, pseudonym, cfg["password"], True)
    return done
