"""Whole-patient vignettes judged against the DAWNA-FES criteria (registry record NCT05861830).

Each vignette is a patient described in plain English, as a screening coordinator would present
her, with the outcome expected from reading the criteria text (and docs/domain.md §5 for organ
function): the failing criterion ids for an ineligible patient, the missing fields for an
incomplete one. The patients are built here from their description, independently of the
per-criterion tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from dawna.protocol import bundled_protocol
from dawna.rules.eligibility import Outcome, evaluate
from dawna.rules.screening_record import ScreeningRecord

NORMAL_LABS: dict[str, Any] = {
    "collection_date": "2024-05-28",
    "anc": {"value": 3.2, "unit": "10^9/L"}, "platelets": {"value": 210, "unit": "10^9/L"},
    "hemoglobin": {"value": 12.4, "unit": "g/dL"},
    "total_bilirubin": {"value": 0.6, "unit": "mg/dL", "uln": 1.2},
    "alt": {"value": 22, "unit": "U/L", "uln": 40}, "ast": {"value": 25, "unit": "U/L", "uln": 40},
    "creatinine": {"value": 0.8, "unit": "mg/dL", "uln": 1.1}, "qtcf_ms": 420,
}

NO_FLAGS = dict.fromkeys((
    "cns_metastasis", "leptomeningeal_metastasis", "visceral_crisis", "rapid_progression",
    "unsuitable_for_endocrine_therapy", "ascites", "symptomatic_pleural_effusion",
    "pericardial_effusion_needing_drainage", "swallowing_or_absorption_problem",
    "known_allergy_to_regimen", "prior_dalpiciclib", "major_surgery_planned"), False)


def advanced(*agents: str, start: str, stop: str | None = None) -> dict[str, Any]:
    return {"agents": list(agents), "setting": "advanced", "start_date": start,
            "stop_date": stop, "reason_stopped": "progression" if stop else None}


def patient(age: int, *, sex: str = "female", menopause: str = "post",
            er: int = 90, pr: int = 20, her2: str = "1+", ish: str | None = None,
            lines: list[dict[str, Any]] | None = None, fes: tuple[int, int] = (5, 4),
            ecog: int = 1, lesion_mm: float = 25, liver: bool = False,
            labs: dict[str, Any] | None = None, toxicity: int = 0,
            malignancies: list[dict[str, Any]] | None = None,
            surgeries: list[dict[str, Any]] | None = None, **flags: Any) -> dict[str, Any]:
    """A screening record: consent 2024-05-20, decision 2024-06-03, FDG PET accepted, one CT
    lesion of ``lesion_mm`` outside the skull, expected survival 12 months, everything else
    normal unless stated."""
    return {
        "decision_date": "2024-06-03", "consent_date": "2024-05-20",
        "date_of_birth": f"{2024 - age}-01-15", "sex": sex, "menopausal_status": menopause,
        "pathology": {"report_date": "2024-04-30", "er": "positive" if er >= 1 else "negative",
                      "er_percent": er, "pr": "positive" if pr >= 1 else "negative",
                      "pr_percent": pr, "her2_ihc": her2, "her2_ish": ish},
        "ecog": ecog, "expected_survival_months": 12,
        "treatment_lines": lines if lines is not None else [
            advanced("palbociclib", "letrozole", start="2021-03-01", stop="2023-05-01")],
        "fes_pet": {"scan_date": "2024-05-28", "lesions_read": fes[0],
                    "er_positive_lesions": fes[1]},
        "fdg_pet_willing": True, "imaging_date": "2024-05-22",
        "measurable_lesions": [{"location": "liver" if liver else "lung", "outside_skull": True,
                                "lymph_node": False, "longest_diameter_mm": lesion_mm,
                                "method": "CT"}],
        "labs": NORMAL_LABS if labs is None else labs,
        "liver_metastases": liver, "worst_unresolved_prior_toxicity_grade": toxicity,
        "other_malignancies": malignancies or [], "major_surgery_or_injury": surgeries or [],
        **NO_FLAGS, **flags,
    }


@dataclass(frozen=True)
class Vignette:
    story: str
    record: dict[str, Any]
    outcome: Outcome
    failed: tuple[str, ...] = ()
    missing: tuple[str, ...] = field(default=())


ELIGIBLE, INELIGIBLE, INCOMPLETE = Outcome.ELIGIBLE, Outcome.INELIGIBLE, Outcome.INCOMPLETE

VIGNETTES = [
    Vignette("62-year-old postmenopausal woman, ER 90 % PR 20 % HER2 1+, progressed on "
             "palbociclib + letrozole for metastatic disease, then one line of capecitabine; "
             "5 FES lesions, 4 ER-positive; ECOG 1; normal labs",
             patient(62, lines=[
                 advanced("palbociclib", "letrozole", start="2021-03-01", stop="2023-05-01"),
                 advanced("capecitabine", start="2023-05-15", stop="2024-04-20")]),
             ELIGIBLE),
    Vignette("the same patient, but all 3 lesions read on FES PET are ER-negative",
             patient(62, fes=(3, 0)), INELIGIBLE, ("IN2", "EX1")),
    Vignette("brain metastasis seen on the staging MRI",
             patient(58, cns_metastasis=True), INELIGIBLE, ("EX4",)),
    Vignette("everything entered except the laboratory results, which are not yet back",
             patient(66, labs={}), INCOMPLETE, (),
             ("labs.anc", "labs.platelets", "labs.hemoglobin", "labs.total_bilirubin",
              "labs.alt", "labs.ast", "labs.creatinine", "labs.creatinine_clearance_ml_min",
              "labs.qtcf_ms", "labs.collection_date")),
    Vignette("45-year-old premenopausal woman who relapsed with bone and lung metastases a "
             "year after adjuvant abemaciclib + anastrozole with goserelin; no treatment yet "
             "for metastatic disease",
             patient(45, menopause="pre", lines=[{
                 "agents": ["abemaciclib", "anastrozole", "goserelin"], "setting": "adjuvant",
                 "start_date": "2021-02-01", "stop_date": "2023-02-01",
                 "reason_stopped": "completed", "relapse_during_or_after": True}]),
             ELIGIBLE),
    Vignette("HER2 IHC 2+ on the new biopsy, ISH result pending",
             patient(51, her2="2+"), INCOMPLETE, (), ("pathology.her2_ish",)),
    Vignette("HER2 IHC 2+ with a negative ISH (HER2-low, counts as HER2-negative)",
             patient(51, her2="2+", ish="negative"), ELIGIBLE),
    Vignette("two chemotherapy lines for metastatic disease (paclitaxel, then capecitabine) "
             "after ribociclib + fulvestrant",
             patient(57, lines=[
                 advanced("ribociclib", "fulvestrant", start="2020-06-01", stop="2021-09-01"),
                 advanced("paclitaxel", start="2021-09-15", stop="2022-08-01"),
                 advanced("capecitabine", start="2022-08-15", stop="2024-03-01")]),
             INELIGIBLE, ("IN5",)),
    Vignette("never received a CDK4/6 inhibitor: letrozole, then fulvestrant, for metastatic "
             "disease",
             patient(70, lines=[advanced("letrozole", start="2020-01-01", stop="2022-01-01"),
                                advanced("fulvestrant", start="2022-01-15", stop="2024-02-01")]),
             INELIGIBLE, ("IN5",)),
    Vignette("received dalpiciclib + fulvestrant in another trial after palbociclib",
             patient(60, lines=[
                 advanced("palbociclib", "letrozole", start="2020-01-01", stop="2022-01-01"),
                 advanced("dalpiciclib", "fulvestrant", start="2022-02-01", stop="2024-01-01")]),
             INELIGIBLE, ("EX2",)),
    Vignette("liver metastases with ALT 4 × ULN (160 U/L, ULN 40)",
             patient(64, liver=True, labs={**NORMAL_LABS,
                                           "alt": {"value": 160, "unit": "U/L", "uln": 40}}),
             ELIGIBLE),
    Vignette("ALT 4 × ULN (160 U/L, ULN 40) without liver metastases",
             patient(64, labs={**NORMAL_LABS, "alt": {"value": 160, "unit": "U/L", "uln": 40}}),
             INELIGIBLE, ("IN8",)),
    Vignette("papillary thyroid cancer treated two years ago",
             patient(49, malignancies=[{"type": "papillary thyroid carcinoma",
                                        "category": "papillary_thyroid",
                                        "diagnosis_date": "2022-05-10"}]),
             ELIGIBLE),
    Vignette("colon cancer resected three years ago",
             patient(67, malignancies=[{"type": "colon adenocarcinoma", "category": "other",
                                        "diagnosis_date": "2021-04-02"}]),
             INELIGIBLE, ("EX8",)),
    Vignette("81 years old at consent", patient(81), INELIGIBLE, ("AGE",)),
    Vignette("18 years old at consent", patient(18), ELIGIBLE),
    Vignette("hip replacement two weeks before the eligibility decision",
             patient(72, surgeries=[{"kind": "surgery", "description": "hip replacement",
                                     "date": "2024-05-20"}]),
             INELIGIBLE, ("EX9",)),
    Vignette("visceral crisis: rapidly rising bilirubin from diffuse liver metastases",
             patient(55, liver=True, visceral_crisis=True, rapid_progression=True),
             INELIGIBLE, ("EX5",)),
    Vignette("man with breast cancer (the study admits all sexes)",
             patient(63, sex="male", menopause=None), ELIGIBLE),
    Vignette("grade 2 peripheral neuropathy from paclitaxel still present",
             patient(53, toxicity=2), INELIGIBLE, ("IN9",)),
    Vignette("ECOG 3, and total bilirubin 2 × ULN (2.4 mg/dL, ULN 1.2)",
             patient(76, ecog=3, labs={**NORMAL_LABS, "total_bilirubin": {
                 "value": 2.4, "unit": "mg/dL", "uln": 1.2}}),
             INELIGIBLE, ("IN3", "IN8")),
    Vignette("only measurable lesion is an 8 mm lung nodule",
             patient(59, lesion_mm=8), INELIGIBLE, ("IN7",)),
    Vignette("ER 0 %, PR 0 % on the recent biopsy of a liver metastasis (receptor loss)",
             patient(61, er=0, pr=0), INELIGIBLE, ("IN1",)),
]


@pytest.mark.parametrize("vignette", VIGNETTES, ids=[v.story[:60] for v in VIGNETTES])
def test_vignette(vignette: Vignette) -> None:
    result = evaluate(ScreeningRecord.model_validate(vignette.record), bundled_protocol())
    assert result.outcome is vignette.outcome, [
        (c.id, c.status.value, [str(m) for m in c.reasons]) for c in result.criteria
        if c.blocks or c.status.value == "unknown"]
    assert tuple(c.id for c in result.failed) == vignette.failed
    assert result.missing == vignette.missing


def test_there_are_enough_vignettes_of_each_outcome() -> None:
    outcomes = [v.outcome for v in VIGNETTES]
    assert len(VIGNETTES) >= 10
    assert {o: outcomes.count(o) >= 2 for o in Outcome} == dict.fromkeys(Outcome, True)
