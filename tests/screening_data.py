"""A screening record of a patient who meets every criterion, written from the criteria text:
62-year-old postmenopausal woman, ER 90 % / PR 20 % / HER2 1+, progressed on palbociclib with
letrozole for advanced disease, then one line of capecitabine; 5 lesions on FES of which 4 are
ER-positive; ECOG 1; a 24 mm liver-free lung lesion; normal labs; no exclusion applies."""

from __future__ import annotations

from typing import Any


def eligible_record(decision_date: str = "2024-03-10", consent: str = "2024-03-01"
                    ) -> dict[str, Any]:
    return {
        "decision_date": decision_date,
        "consent_date": consent,
        "date_of_birth": "1961-07-15",
        "sex": "female",
        "menopausal_status": "post",
        "pathology": {"report_date": "2024-02-20", "er": "positive", "er_percent": 90,
                      "pr": "positive", "pr_percent": 20, "her2_ihc": "1+"},
        "ecog": 1,
        "expected_survival_months": 12,
        "treatment_lines": [
            {"agents": ["palbociclib", "letrozole"], "setting": "advanced",
             "start_date": "2021-05-01", "stop_date": "2023-06-30",
             "reason_stopped": "progression"},
            {"agents": ["capecitabine"], "setting": "advanced", "start_date": "2023-07-10",
             "stop_date": "2024-01-15", "reason_stopped": "progression"},
        ],
        "fes_pet": {"scan_date": "2024-03-04", "lesions_read": 5, "er_positive_lesions": 4},
        "fdg_pet_willing": True,
        "measurable_lesions": [{"location": "right lower lobe lung", "outside_skull": True,
                                "lymph_node": False, "longest_diameter_mm": 24,
                                "method": "CT"}],
        "imaging_date": "2024-03-02",
        "labs": {
            "collection_date": "2024-03-04",
            "anc": {"value": 2.1, "unit": "10^9/L"},
            "platelets": {"value": 180, "unit": "10^9/L"},
            "hemoglobin": {"value": 118, "unit": "g/L"},
            "total_bilirubin": {"value": 12, "unit": "umol/L", "uln": 21},
            "alt": {"value": 30, "unit": "U/L", "uln": 40},
            "ast": {"value": 28, "unit": "U/L", "uln": 40},
            "creatinine": {"value": 70, "unit": "umol/L", "uln": 97},
            "qtcf_ms": 430,
        },
        "liver_metastases": False,
        "worst_unresolved_prior_toxicity_grade": 1,
        "cns_metastasis": False, "leptomeningeal_metastasis": False,
        "visceral_crisis": False, "rapid_progression": False,
        "unsuitable_for_endocrine_therapy": False,
        "ascites": False, "symptomatic_pleural_effusion": False,
        "pericardial_effusion_needing_drainage": False,
        "swallowing_or_absorption_problem": False,
        "known_allergy_to_regimen": False, "prior_dalpiciclib": False,
        "major_surgery_planned": False,
        "other_malignancies": [],
        "major_surgery_or_injury": [],
        "menopause": {"bilateral_oophorectomy": False, "months_since_last_menses": 144},
    }


def premenopausal_record() -> dict[str, Any]:
    """The eligible record of a 44-year-old woman with regular menses: premenopausal by NCCN
    MENO-1 (under 60, menstruating, no oophorectomy)."""
    data = eligible_record()
    data.update(date_of_birth="1980-01-01", menopausal_status="pre",
                menopause={"bilateral_oophorectomy": False, "menses_regular": True})
    return data
