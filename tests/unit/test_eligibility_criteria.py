"""Every eligibility criterion of DAWNA-FES (NCT05861830): met, not met, unknown, boundaries.

References used by the expected values (independent of the code under test):
- the registry record's criteria texts (tests/reference/NCT05861830.txt, quoted per test);
- docs/domain.md §2 (RECIST 1.1 measurability: non-nodal ≥ 10 mm on CT/MRI/caliper, ≥ 20 mm on
  chest X-ray, node short axis ≥ 15 mm), §4 (units: 1000 /mm³ = 1 ×10⁹/L, g/dL × 0.6206 =
  mmol/L), §5 (organ function: ANC ≥ 1.5, platelets ≥ 100, Hb ≥ 90 g/L, bilirubin ≤ 1.5 × ULN,
  ALT/AST ≤ 2.5 × ULN or ≤ 5 × ULN with liver metastases, creatinine ≤ 1.5 × ULN or CrCl ≥ 50
  mL/min, QTcF ≤ 470 ms);
- hand calculations written next to each case.

Each test starts from BASE, an eligible patient, and changes what the test is about.
"""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

from dawna.errors import ValidationError
from dawna.protocol import Protocol, bundled_protocol
from dawna.protocol.schema import Criterion, Setting
from dawna.rules.eligibility import CriterionResult, Outcome, Status, completed_years, evaluate
from dawna.rules.messages import N_, Message
from dawna.rules.screening_record import ScreeningRecord

PROTOCOL = bundled_protocol()
DECISION = date(2024, 6, 3)

BASE: dict[str, Any] = {
    "decision_date": "2024-06-03", "consent_date": "2024-05-20", "date_of_birth": "1962-03-14",
    "sex": "female", "menopausal_status": "post",
    "pathology": {"report_date": "2024-05-10", "er": "positive", "er_percent": 90,
                  "pr": "positive", "pr_percent": 20, "her2_ihc": "1+"},
    "ecog": 1, "expected_survival_months": 12,
    "treatment_lines": [
        {"agents": ["palbociclib", "letrozole"], "setting": "advanced",
         "start_date": "2021-01-10", "stop_date": "2023-02-01", "reason_stopped": "progression"},
        {"agents": ["capecitabine"], "setting": "advanced", "start_date": "2023-02-15",
         "stop_date": "2024-04-01", "reason_stopped": "progression"},
    ],
    "fes_pet": {"scan_date": "2024-05-25", "lesions_read": 5, "er_positive_lesions": 4},
    "fdg_pet_willing": True,
    "measurable_lesions": [{"location": "lung, right lower lobe", "outside_skull": True,
                            "lymph_node": False, "longest_diameter_mm": 23, "method": "CT"}],
    "imaging_date": "2024-05-15",
    "labs": {
        "collection_date": "2024-05-28",
        "anc": {"value": 2.1, "unit": "10^9/L"}, "platelets": {"value": 180, "unit": "10^9/L"},
        "hemoglobin": {"value": 118, "unit": "g/L"},
        "total_bilirubin": {"value": 12, "unit": "umol/L", "uln": 21},
        "alt": {"value": 30, "unit": "U/L", "uln": 40},
        "ast": {"value": 28, "unit": "U/L", "uln": 40},
        "creatinine": {"value": 70, "unit": "umol/L", "uln": 97},
        "creatinine_clearance_ml_min": 85, "qtcf_ms": 430,
    },
    "liver_metastases": False, "worst_unresolved_prior_toxicity_grade": 1,
    "cns_metastasis": False, "leptomeningeal_metastasis": False, "visceral_crisis": False,
    "rapid_progression": False, "unsuitable_for_endocrine_therapy": False, "ascites": False,
    "symptomatic_pleural_effusion": False, "pericardial_effusion_needing_drainage": False,
    "swallowing_or_absorption_problem": False, "known_allergy_to_regimen": False,
    "prior_dalpiciclib": False, "major_surgery_planned": False,
    "other_malignancies": [], "major_surgery_or_injury": [],
}


def data(**changes: Any) -> dict[str, Any]:
    """BASE with changes; keys are dotted paths (``labs__anc`` = ``labs.anc``)."""
    out = copy.deepcopy(BASE)
    for key, value in changes.items():
        *parents, last = key.split("__")
        node = out
        for part in parents:
            if node.get(part) is None:
                node[part] = {}
            node = node[part]
        node[last] = value
    return out


def judge(cid: str, protocol: Protocol = PROTOCOL, on: date | None = None,
          **changes: Any) -> CriterionResult:
    """Criterion ``cid`` for BASE with ``changes``, judged on ``on`` (default: the record's)."""
    record = ScreeningRecord.model_validate(data(**changes))
    result = evaluate(record, protocol, on)
    return next(c for c in result.criteria if c.id == cid)


def texts(result: CriterionResult) -> list[str]:
    return [str(m) for m in result.reasons]


def with_settings(**values: Any) -> Protocol:
    """The bundled protocol with site settings changed (value, or a whole Setting)."""
    settings = dict(PROTOCOL.site_settings)
    for name, value in values.items():
        settings[name] = value if isinstance(value, Setting) else \
            settings[name].model_copy(update=value if isinstance(value, dict) else
                                      {"value": value})
    return PROTOCOL.model_copy(update={"site_settings": settings})


MET, NOT_MET, UNKNOWN = Status.MET, Status.NOT_MET, Status.UNKNOWN


# --- the whole result ---------------------------------------------------------------------------


def test_base_patient_is_eligible_with_criteria_in_protocol_order() -> None:
    result = evaluate(ScreeningRecord.model_validate(BASE), PROTOCOL)
    assert result.outcome is Outcome.ELIGIBLE
    assert result.decision_date == DECISION
    ids = [c.id for c in result.criteria]
    assert ids == ["AGE", "SEX", *(f"IN{n}" for n in range(1, 10)),
                   *(f"EX{n}" for n in range(1, 11))]
    for c in result.criteria[2:]:
        assert c.text == PROTOCOL.criterion(c.id).text
        assert c.kind == ("inclusion" if c.id.startswith("IN") else "exclusion")
        assert "NCT05861830" in c.source and c.id in c.source
    age = result.criteria[0]
    assert age.text == ("Age 18–80 years at consent (registry record: minimum 18 years, "
                        "maximum 80 years)")
    assert (age.kind, result.criteria[1].kind) == ("inclusion", "inclusion")
    assert result.failed == () and result.unknown == () and result.missing == ()


def test_one_blocking_criterion_makes_ineligible_even_with_others_unknown() -> None:
    record = ScreeningRecord.model_validate(data(ecog=3, labs=None, fes_pet=None))
    result = evaluate(record, PROTOCOL)
    assert result.outcome is Outcome.INELIGIBLE
    assert [c.id for c in result.failed] == ["IN3"]
    assert {c.id for c in result.unknown} == {"IN2", "IN8", "EX1"}


def test_unknown_without_blocking_is_incomplete_and_lists_missing_once() -> None:
    result = evaluate(ScreeningRecord.model_validate(data(fes_pet=None)), PROTOCOL)
    assert result.outcome is Outcome.INCOMPLETE
    assert result.missing == ("fes_pet.er_positive_lesions", "fes_pet.lesions_read")


def test_empty_record_is_incomplete_and_excluded_status_means_exclusion_applies() -> None:
    result = evaluate(ScreeningRecord(), PROTOCOL)
    assert result.outcome is Outcome.INCOMPLETE
    assert result.decision_date is None
    assert all(c.status is UNKNOWN for c in result.criteria)
    excluded = judge("EX4", cns_metastasis=True)
    assert excluded.status is MET and excluded.blocks
    assert not judge("EX4").blocks and judge("IN3", ecog=3).blocks


def test_decision_date_argument_overrides_the_record() -> None:
    record = ScreeningRecord.model_validate(data(decision_date=None))
    assert evaluate(record, PROTOCOL, DECISION).decision_date == DECISION


def test_protocol_criterion_without_rule_is_refused() -> None:
    extra = Criterion(id="IN10", text="A criterion dawna has no rule for.")
    e = PROTOCOL.eligibility
    protocol = PROTOCOL.model_copy(update={"eligibility": e.model_copy(
        update={"inclusion": (*e.inclusion, extra)})})
    with pytest.raises(ValidationError) as caught:
        evaluate(ScreeningRecord.model_validate(BASE), protocol)
    assert caught.value.field == "eligibility.inclusion[9].id"
    assert "IN10" in caught.value.message


def test_criterion_left_out_of_the_protocol_is_not_evaluated() -> None:
    e = PROTOCOL.eligibility
    protocol = PROTOCOL.model_copy(update={"eligibility": e.model_copy(
        update={"exclusion": e.exclusion[:-1]})})
    result = evaluate(ScreeningRecord.model_validate(BASE), protocol)
    assert "EX10" not in [c.id for c in result.criteria]


def test_messages_render_through_the_callers_gettext() -> None:
    """The rules never translate; the caller's gettext sees the template and nested names."""
    catalogue = {"{what} {value} is below {limit}": "{what}为 {value}，低于 {limit}",
                 "ANC": "中性粒细胞绝对计数"}
    c = judge("IN8", labs__anc={"value": 1.2, "unit": "10^9/L"})
    assert texts(c) == ["ANC 1.2 ×10⁹/L is below 1.5 ×10⁹/L"]
    assert c.reasons[0].render(lambda s: catalogue.get(s, s)) == (
        "中性粒细胞绝对计数为 1.2 ×10⁹/L，低于 1.5 ×10⁹/L")
    assert Message(N_("plain")).render(str.upper) == "PLAIN"


# --- AGE and SEX (registry record: Minimum Eligible Age 18 Years, Maximum 80 Years, sex ALL) ----


@pytest.mark.parametrize(("born", "consent", "status"), [
    ("2006-05-20", "2024-05-20", MET),      # 18th birthday on the consent date
    ("2006-05-21", "2024-05-20", NOT_MET),  # 17 years 364 days
    ("1944-05-20", "2024-05-20", MET),      # 80th birthday
    ("1943-05-21", "2024-05-20", MET),      # 80 years 364 days: 81st birthday is tomorrow
    ("1943-05-20", "2024-05-20", NOT_MET),  # 81st birthday
    ("2004-02-29", "2022-02-28", MET),      # leap-day birthday counted on 28 Feb: 18
    ("2004-02-29", "2022-02-27", NOT_MET),  # one day before: 17
])
def test_age_in_completed_years_at_consent(born: str, consent: str, status: Status) -> None:
    assert judge("AGE", date_of_birth=born, consent_date=consent).status is status


def test_age_messages_and_unknown() -> None:
    assert texts(judge("AGE", date_of_birth="2006-05-21")) == [
        "age at consent 17 years is below 18 years"]
    assert texts(judge("AGE", date_of_birth="1943-05-20")) == [
        "age at consent 81 years is above 80 years"]
    assert judge("AGE", date_of_birth=None).missing == ("date_of_birth",)
    assert judge("AGE", date_of_birth=None, consent_date=None).missing == (
        "date_of_birth", "consent_date")
    assert completed_years(date(1962, 3, 14), date(2024, 3, 13)) == 61


def test_sex_all_admits_any_recorded_sex() -> None:
    assert judge("SEX", sex="female").status is MET
    assert judge("SEX", sex="male").status is MET
    assert judge("SEX", sex=None).missing == ("sex",)
    female_only = PROTOCOL.model_copy(update={"eligibility": PROTOCOL.eligibility.model_copy(
        update={"sex": "FEMALE"})})
    assert judge("SEX", female_only, sex="male").status is NOT_MET
    assert judge("SEX", female_only, sex="female").status is MET


# --- IN1 "The recent pathology results showed HR-positive and HER2-negative." --------------------


@pytest.mark.parametrize(("pathology", "status", "missing"), [
    ({"er": "negative", "er_percent": 0}, MET, ()),  # HR-positive through PR alone
    ({"er": "negative", "er_percent": 0, "pr": "negative", "pr_percent": 0}, NOT_MET, ()),
    ({"er": None, "er_percent": 1, "pr": None, "pr_percent": None}, MET, ()),  # ASCO/CAP ≥ 1 %
    ({"er": None, "er_percent": 0.5, "pr": "negative", "pr_percent": None}, NOT_MET, ()),
    ({"er": None, "er_percent": None, "pr": "negative", "pr_percent": 0}, UNKNOWN,
     ("pathology.er",)),
    ({"er": "negative", "er_percent": 5, "pr": "negative", "pr_percent": 0}, UNKNOWN,
     ("pathology.er",)),  # status contradicts the percentage: check the report
    ({"her2_ihc": "0"}, MET, ()),
    ({"her2_ihc": "2+", "her2_ish": "negative"}, MET, ()),
    ({"her2_ihc": "2+"}, UNKNOWN, ("pathology.her2_ish",)),
    ({"her2_ihc": "2+", "her2_ish": "not_done"}, UNKNOWN, ("pathology.her2_ish",)),
    ({"her2_ihc": "2+", "her2_ish": "positive"}, NOT_MET, ()),
    ({"her2_ihc": "3+"}, NOT_MET, ()),
    ({"her2_ihc": None}, UNKNOWN, ("pathology.her2_ihc",)),
    ({"report_date": None}, UNKNOWN, ("pathology.report_date",)),
])
def test_in1_hormone_receptor_and_her2(pathology: dict[str, Any], status: Status,
                                       missing: tuple[str, ...]) -> None:
    c = judge("IN1", pathology={**BASE["pathology"], **pathology})
    assert (c.status, c.missing) == (status, missing)


def test_in1_reasons_and_no_pathology() -> None:
    assert texts(judge("IN1", pathology__her2_ihc="3+")) == ["HER2-positive (IHC 3+, ISH -)"]
    assert texts(judge("IN1", pathology__er="negative", pathology__er_percent=5,
                       pathology__pr="negative", pathology__pr_percent=0)) == [
        "ER is reported negative but 5 percent of nuclei stained (positive from 1 %); check the "
        "report"]
    assert judge("IN1", pathology=None).missing == (
        "pathology.report_date", "pathology.er", "pathology.her2_ihc")


def test_in1_optional_pathology_age_setting() -> None:
    """Report 2024-05-10, decision 2024-06-03: 24 days old."""
    limit = Setting(label="Pathology report age", group="eligibility", value=24, unit="days",
                    comparator="<=", status="site_decision", source="test", criteria=("IN1",))
    assert judge("IN1", with_settings(pathology_max_age_days=limit)).status is MET
    shorter = with_settings(pathology_max_age_days=limit.model_copy(update={"value": 23}))
    c = judge("IN1", shorter)  # issue 18 item 2: too old is unknown (repeat it), not "not met"
    assert (c.status, c.missing) == (UNKNOWN, ("pathology.report_date",))
    assert texts(c) == ["Pathology report of 2024-05-10 is 24 days old on 2024-06-03, older "
                        "than its window of 23 days (site decision): repeat it"]
    undated = judge("IN1", shorter, decision_date=None)
    assert undated.missing == ("decision_date",)
    assert judge("IN1").status is MET  # the bundled file has no such setting


# --- IN2 "18F-FES-PET/CT showed at least one ER-positive lesion." -------------------------------


def test_in2_at_least_one_er_positive_lesion() -> None:
    assert judge("IN2", fes_pet__er_positive_lesions=1).status is MET
    c = judge("IN2", fes_pet__er_positive_lesions=0)
    assert c.status is NOT_MET
    assert texts(c) == ["0 ER-positive lesions on FES PET/CT (ER-positive: SUVmax ≥ 1.5); at "
                        "least 1"]
    assert judge("IN2", fes_pet__er_positive_lesions=None).missing == (
        "fes_pet.er_positive_lesions",)
    assert judge("IN2", fes_pet=None).missing == ("fes_pet.er_positive_lesions",)
    two = with_settings(fes_er_positive_lesions_min=2)
    assert judge("IN2", two, fes_pet__er_positive_lesions=1).status is NOT_MET


# --- IN3 ECOG 0-2; IN4 expected survival ≥ 3 months -------------------------------------------


def test_in3_ecog() -> None:
    assert judge("IN3", ecog=2).status is MET
    assert judge("IN3", ecog=0).status is MET
    c = judge("IN3", ecog=3)
    assert (c.status, texts(c)) == (NOT_MET, ["ECOG performance status 3 is above 2"])
    assert judge("IN3", ecog=None).missing == ("ecog",)
    assert judge("IN3", with_settings(ecog_max=1), ecog=2).status is NOT_MET


def test_in4_expected_survival() -> None:
    assert judge("IN4", expected_survival_months=3).status is MET
    c = judge("IN4", expected_survival_months=2.9)
    assert (c.status, texts(c)) == (NOT_MET, ["Expected survival 2.9 months is below 3 months"])
    assert judge("IN4", expected_survival_months=None).missing == ("expected_survival_months",)


# --- IN5 previous antitumor therapy ---------------------------------------------------------------


def line(agents: list[str], setting: str = "advanced", start: str = "2020-01-01",
         **extra: Any) -> dict[str, Any]:
    return {"agents": agents, "setting": setting, "start_date": start, **extra}


def test_in5_parts_1_and_2_cdk46_inhibitor() -> None:
    """(1) (neo)adjuvant P/A/R followed by relapse, or (2) P/A/R for metastatic disease."""
    assert judge("IN5", treatment_lines=[line(["ribociclib", "fulvestrant"])]).status is MET
    adjuvant = line(["abemaciclib", "anastrozole"], "adjuvant", relapse_during_or_after=True)
    assert judge("IN5", treatment_lines=[adjuvant]).status is MET
    neo = line(["palbociclib", "letrozole"], "neoadjuvant", relapse_during_or_after=True)
    assert judge("IN5", treatment_lines=[neo]).status is MET
    no_relapse = {**adjuvant, "relapse_during_or_after": False}
    c = judge("IN5", treatment_lines=[no_relapse])
    assert c.status is NOT_MET
    assert "(part 1)" in texts(c)[0] and "(part 2)" in texts(c)[0]
    pending = {**adjuvant, "relapse_during_or_after": None}
    assert judge("IN5", treatment_lines=[line(["letrozole"]), pending]).missing == (
        "treatment_lines[1].relapse_during_or_after",)
    assert judge("IN5", treatment_lines=[line(["letrozole"])]).status is NOT_MET
    assert judge("IN5", treatment_lines=[]).status is NOT_MET
    assert judge("IN5", treatment_lines=None).missing == ("treatment_lines",)
    # dalpiciclib is not one of the three named in IN5 (and is excluded by EX2 anyway)
    assert judge("IN5", treatment_lines=[line(["dalpiciclib", "letrozole"])]).status is NOT_MET


def test_in5_part_3_at_most_one_chemotherapy_line_for_advanced_disease() -> None:
    cdk = line(["palbociclib", "letrozole"])
    one = [cdk, line(["paclitaxel", "capecitabine"], start="2022-01-01")]
    assert judge("IN5", treatment_lines=one).status is MET
    spelled = [line(["Ribo-ciclib", "Fulvestrant"]), line(["Nab Paclitaxel"]),
               line(["gemcitabine", "carboplatin"])]  # case, spaces and hyphens ignored
    assert texts(judge("IN5", treatment_lines=spelled)) == [
        "2 lines of chemotherapy for recurrent or metastatic disease; at most 1 (part 3)",
        "treatment_lines[0]: ribo-ciclib + fulvestrant (advanced) from 2020-01-01 to ongoing, "
        "stopped: not recorded"]
    two = [*one, line(["eribulin"], start="2023-01-01")]
    c = judge("IN5", treatment_lines=two)
    assert (c.status, texts(c)) == (NOT_MET, [
        "2 lines of chemotherapy for recurrent or metastatic disease; at most 1 (part 3)",
        "treatment_lines[0]: palbociclib + letrozole (advanced) from 2020-01-01 to ongoing, "
        "stopped: not recorded"])
    adjuvant_chemo = [cdk, line(["epirubicin", "cyclophosphamide"], "adjuvant"),
                      line(["docetaxel"], "adjuvant"), line(["capecitabine"])]
    assert judge("IN5", treatment_lines=adjuvant_chemo).status is MET
    assert judge("IN5", with_settings(prior_chemotherapy_lines_max=2),
                 treatment_lines=two).status is MET


def test_in5_antibody_drug_conjugate_follows_the_site_setting() -> None:
    lines = [line(["palbociclib", "letrozole"]), line(["capecitabine"]),
             line(["trastuzumab deruxtecan"])]
    assert judge("IN5", treatment_lines=lines).status is MET
    counted = with_settings(adc_counts_as_chemotherapy_line=True)
    assert judge("IN5", counted, treatment_lines=lines).status is NOT_MET


def test_in5_part_4_at_most_three_endocrine_lines_for_advanced_disease() -> None:
    three = [line(["palbociclib", "letrozole"]), line(["fulvestrant"]),
             line(["exemestane", "everolimus"]), line(["goserelin"])]  # OFS alone: no line
    assert judge("IN5", treatment_lines=three).status is MET
    four = [*three, line(["Tamoxifen"])]
    c = judge("IN5", treatment_lines=four)
    assert (c.status, texts(c)) == (NOT_MET, [
        "4 lines of endocrine therapy for recurrent or metastatic disease; at most 3 (part 4)",
        "treatment_lines[0]: palbociclib + letrozole (advanced) from 2020-01-01 to ongoing, "
        "stopped: not recorded"])
    assert judge("IN5", with_settings(prior_endocrine_lines_max=4),
                 treatment_lines=four).status is MET


def test_in5_unrecognised_agent_is_shown_not_counted() -> None:
    c = judge("IN5", treatment_lines=[line(["palbociclib", "letrozole"]), line(["drug x"])])
    assert c.status is MET
    assert texts(c) == ['treatment_lines[1]: "drug x" is not a recognised agent and is counted '
                        "as neither chemotherapy nor endocrine therapy",
                        "treatment_lines[0]: palbociclib + letrozole (advanced) from 2020-01-01 "
                        "to ongoing, stopped: not recorded"]


# --- IN6 FDG PET willing; IN9 recovered to grade ≤ 1 ---------------------------------------------


def test_in6_willing_to_undergo_fdg_pet() -> None:
    assert judge("IN6", fdg_pet_willing=True).status is MET
    assert texts(judge("IN6", fdg_pet_willing=False)) == [
        "not willing to undergo 18F-FDG PET/CT"]
    assert judge("IN6", fdg_pet_willing=None).missing == ("fdg_pet_willing",)


def test_in9_prior_toxicity_grade() -> None:
    assert judge("IN9", worst_unresolved_prior_toxicity_grade=0).status is MET
    assert judge("IN9", worst_unresolved_prior_toxicity_grade=1).status is MET
    c = judge("IN9", worst_unresolved_prior_toxicity_grade=2)
    assert (c.status, texts(c)) == (NOT_MET, [
        "Worst unresolved adverse event of previous treatment: grade 2 is above 1 CTCAE grade"])
    assert judge("IN9", worst_unresolved_prior_toxicity_grade=None).missing == (
        "worst_unresolved_prior_toxicity_grade",)
    assert judge("IN9", with_settings(prior_toxicity_max_grade=2),
                 worst_unresolved_prior_toxicity_grade=2).status is MET


# --- IN7 measurable lesion outside the skull (RECIST 1.1 §3.1) -----------------------------------


def lesion(size: float, method: str = "CT", node: bool = False, skull: bool = True
           ) -> dict[str, Any]:
    return {"location": "site", "outside_skull": skull, "lymph_node": node, "method": method,
            "short_axis_mm" if node else "longest_diameter_mm": size}


@pytest.mark.parametrize(("lesion_", "status"), [
    (lesion(10), MET), (lesion(9.9), NOT_MET), (lesion(10, "MRI"), MET),
    (lesion(10, "caliper"), MET), (lesion(20, "X-ray"), MET), (lesion(19, "X-ray"), NOT_MET),
    (lesion(15, node=True), MET), (lesion(14.9, node=True), NOT_MET),
    (lesion(20, "caliper", node=True), NOT_MET), (lesion(30, skull=False), NOT_MET),
])
def test_in7_recist_measurability(lesion_: dict[str, Any], status: Status) -> None:
    assert judge("IN7", measurable_lesions=[lesion_]).status is status


def test_in7_reasons_and_unknown() -> None:
    c = judge("IN7", measurable_lesions=[lesion(9, "CT"), lesion(40, skull=False)])
    assert texts(c) == ["0 measurable lesions outside the skull (RECIST 1.1); at least 1",
                        "site: 9 mm is below 10 mm (CT)", "site: inside the skull"]
    assert judge("IN7", measurable_lesions=[]).status is NOT_MET
    assert judge("IN7", measurable_lesions=None).missing == ("measurable_lesions",)
    assert judge("IN7", measurable_lesions=[lesion(9), lesion(12)]).status is MET
    assert judge("IN7", with_settings(recist_non_nodal_min_mm=15),
                 measurable_lesions=[lesion(12)]).status is NOT_MET


# --- IN8 organ function (domain.md §5; units domain.md §4) ----------------------------------------


def lab(value: float, unit: str, uln: float | None = None) -> dict[str, Any]:
    return {"value": value, "unit": unit} | ({"uln": uln} if uln is not None else {})


@pytest.mark.parametrize(("field", "measurement", "status"), [
    ("anc", lab(1.5, "10^9/L"), MET),          # exactly the limit
    ("anc", lab(1.49, "10^9/L"), NOT_MET),
    ("anc", lab(1500, "/mm3"), MET),           # 1500 /mm³ = 1.5 ×10⁹/L
    ("anc", lab(1490, "/mm3"), NOT_MET),
    ("anc", lab(1500, "cells/uL"), MET),
    ("platelets", lab(100, "10^9/L"), MET),
    ("platelets", lab(99, "10^9/L"), NOT_MET),
    ("platelets", lab(100000, "/mm3"), MET),
    ("hemoglobin", lab(90, "g/L"), MET),
    ("hemoglobin", lab(9.0, "g/dL"), MET),     # 9.0 g/dL = 90 g/L
    ("hemoglobin", lab(8.9, "g/dL"), NOT_MET),
    ("hemoglobin", lab(5.5854, "mmol/L"), MET),  # 9 g/dL × 0.6206 = 5.5854 mmol/L = 90 g/L
    ("hemoglobin", lab(5.58, "mmol/L"), NOT_MET),  # 5.58 / 0.6206 × 10 = 89.91 g/L
    ("total_bilirubin", lab(30, "umol/L", 20), MET),   # 1.5 × ULN
    ("total_bilirubin", lab(31, "umol/L", 20), NOT_MET),
    ("total_bilirubin", lab(1.8, "mg/dL", 1.2), MET),  # ratio is unit-free: 1.5 × ULN
    ("alt", lab(100, "U/L", 40), MET),                 # 2.5 × ULN
    ("alt", lab(104, "U/L", 40), NOT_MET),             # 2.6 × ULN, no liver metastases
    ("ast", lab(104, "U/L", 40), NOT_MET),
    ("creatinine", lab(145.5, "umol/L", 97), MET),     # 1.5 × ULN
    ("creatinine", lab(1.5, "mg/dL", 1.0), MET),
])
def test_in8_single_values(field: str, measurement: dict[str, Any], status: Status) -> None:
    assert judge("IN8", **{f"labs__{field}": measurement}).status is status


def test_in8_reasons_name_value_unit_and_limit() -> None:
    assert texts(judge("IN8", labs__anc=lab(1.49, "10^9/L"))) == [
        "ANC 1.49 ×10⁹/L is below 1.5 ×10⁹/L"]
    assert texts(judge("IN8", labs__hemoglobin=lab(8.9, "g/dL"))) == [
        "Haemoglobin 8.9 g/dL (89 g/L) is below 90 g/L"]
    assert texts(judge("IN8", labs__alt=lab(104, "U/L", 40))) == [
        "ALT 2.6 × ULN (104 U/L, ULN 40 U/L) is above 2.5 × ULN"]
    c = judge("IN8", labs__anc=lab(1.2, "10^9/L"), labs__qtcf_ms=480)
    assert texts(c) == ["ANC 1.2 ×10⁹/L is below 1.5 ×10⁹/L", "QTcF 480 ms is above 470 ms"]


@pytest.mark.parametrize(("alt", "liver", "status", "missing"), [
    (160, True, MET, ()),                           # 4 × ULN with liver metastases
    (200, True, MET, ()),                           # 5 × ULN: the limit with liver metastases
    (160, False, NOT_MET, ()),
    (160, None, UNKNOWN, ("liver_metastases",)),    # between 2.5 and 5 × ULN
    (240, True, NOT_MET, ()),                       # 6 × ULN
    (240, None, NOT_MET, ()),                       # above both limits
    (100, None, MET, ()),                           # within 2.5 × ULN: liver status irrelevant
])
def test_in8_alt_with_liver_metastases(alt: float, liver: bool | None, status: Status,
                                       missing: tuple[str, ...]) -> None:
    c = judge("IN8", labs__alt=lab(alt, "U/L", 40), liver_metastases=liver)
    assert (c.status, c.missing) == (status, missing)


def test_in8_creatinine_or_clearance() -> None:
    high = lab(194, "umol/L", 97)  # 2 × ULN
    assert judge("IN8", labs__creatinine=high, labs__creatinine_clearance_ml_min=50).status \
        is MET
    c = judge("IN8", labs__creatinine=high, labs__creatinine_clearance_ml_min=49)
    assert (c.status, texts(c)) == (NOT_MET, [
        "Creatinine 2 × ULN (194 µmol/L, ULN 97 µmol/L) is above 1.5 × ULN",
        "Creatinine clearance 49 mL/min is below 50 mL/min"])
    c = judge("IN8", labs__creatinine=high, labs__creatinine_clearance_ml_min=None)
    assert (c.status, c.missing) == (UNKNOWN, ("labs.creatinine_clearance_ml_min",))
    assert judge("IN8", labs__creatinine=None, labs__creatinine_clearance_ml_min=60).status \
        is MET
    assert judge("IN8", labs__creatinine=None, labs__creatinine_clearance_ml_min=None).missing \
        == ("labs.creatinine", "labs.creatinine_clearance_ml_min")
    assert judge("IN8", labs__creatinine=None, labs__creatinine_clearance_ml_min=40).missing \
        == ("labs.creatinine",)


def test_in8_qtcf_and_missing_labs() -> None:
    assert judge("IN8", labs__qtcf_ms=470).status is MET
    assert judge("IN8", labs__qtcf_ms=471).status is NOT_MET
    assert judge("IN8", labs=None).missing == (
        "labs.anc", "labs.platelets", "labs.hemoglobin", "labs.total_bilirubin", "labs.alt",
        "labs.ast", "labs.creatinine", "labs.creatinine_clearance_ml_min", "labs.qtcf_ms",
        "labs.collection_date")
    assert judge("IN8", labs__platelets=None).missing == ("labs.platelets",)


def test_in8_thresholds_units_and_comparators_come_from_the_protocol_file() -> None:
    anc = {"labs__anc": lab(1.8, "10^9/L")}
    assert judge("IN8", **anc).status is MET
    assert judge("IN8", with_settings(anc_min=2.0), **anc).status is NOT_MET
    strict = with_settings(anc_min={"comparator": ">"})
    c = judge("IN8", strict, labs__anc=lab(1.5, "10^9/L"))
    assert texts(c) == ["ANC 1.5 ×10⁹/L is not above 1.5 ×10⁹/L"]
    in_g_dl = with_settings(haemoglobin_min={"value": 10.0, "unit": "g/dL"})
    assert judge("IN8", in_g_dl, labs__hemoglobin=lab(95, "g/L")).status is NOT_MET
    assert judge("IN8", in_g_dl, labs__hemoglobin=lab(100, "g/L")).status is MET
    assert judge("IN8", with_settings(alt_ast_max_uln=3.0),
                 labs__alt=lab(120, "U/L", 40)).status is MET
    bad_unit = with_settings(anc_min={"unit": "mg/furlong"})
    with pytest.raises(ValidationError) as caught:
        judge("IN8", bad_unit)
    assert caught.value.field == "site_settings.anc_min.unit"


# --- EX1 all lesions ER-negative; EX2 dalpiciclib -------------------------------------------------


def test_ex1_all_lesions_er_negative() -> None:
    c = judge("EX1", fes_pet__lesions_read=5, fes_pet__er_positive_lesions=0)
    assert (c.status, texts(c)) == (MET, ["all 5 lesions read on FES PET/CT are ER-negative"])
    assert judge("EX1", fes_pet__er_positive_lesions=1).status is NOT_MET
    none_read = judge("EX1", fes_pet__lesions_read=0, fes_pet__er_positive_lesions=0)
    assert (none_read.status, none_read.missing) == (UNKNOWN, ())
    assert texts(none_read) == ["no lesion could be read on FES PET/CT"]
    assert judge("EX1", fes_pet=None).missing == (
        "fes_pet.lesions_read", "fes_pet.er_positive_lesions")


def test_ex2_previous_dalpiciclib() -> None:
    assert judge("EX2", prior_dalpiciclib=True).status is MET
    in_line = judge("EX2", treatment_lines=[line(["Dalpiciclib", "fulvestrant"])])
    assert (in_line.status, texts(in_line)) == (MET, ["dalpiciclib in treatment_lines[0]"])
    assert judge("EX2", prior_dalpiciclib=False).status is NOT_MET
    assert judge("EX2", prior_dalpiciclib=None).missing == ("prior_dalpiciclib",)


# --- EX3-EX7, EX10: yes/no questions --------------------------------------------------------------


@pytest.mark.parametrize(("cid", "field"), [
    ("EX3", "leptomeningeal_metastasis"), ("EX4", "cns_metastasis"),
    ("EX5", "visceral_crisis"), ("EX5", "rapid_progression"),
    ("EX5", "unsuitable_for_endocrine_therapy"), ("EX6", "ascites"),
    ("EX6", "symptomatic_pleural_effusion"), ("EX6", "pericardial_effusion_needing_drainage"),
    ("EX7", "swallowing_or_absorption_problem"), ("EX10", "known_allergy_to_regimen"),
])
def test_yes_no_exclusions(cid: str, field: str) -> None:
    yes = judge(cid, **{field: True})
    assert yes.status is MET and len(yes.reasons) == 1
    assert judge(cid, **{field: False}).status is NOT_MET
    assert judge(cid, **{field: None}).missing == (field,)


def test_ex5_any_of_three_and_ex6_names_the_drainage_window() -> None:
    c = judge("EX5", visceral_crisis=True, rapid_progression=None)
    assert c.status is MET and texts(c) == ["recorded: visceral crisis"]
    assert judge("EX5", visceral_crisis=None, rapid_progression=None).missing == (
        "visceral_crisis", "rapid_progression")
    assert texts(judge("EX6", pericardial_effusion_needing_drainage=True)) == [
        "recorded: pericardial effusion requiring drainage within the first 4 weeks of "
        "treatment"]


# --- EX8 other malignancy within 5 years ----------------------------------------------------------


def cancer(category: str, diagnosed: str, curative: bool | None = None) -> dict[str, Any]:
    return {"type": category.replace("_", " "), "category": category,
            "diagnosis_date": diagnosed, "curative_intent": curative}


@pytest.mark.parametrize(("malignancy", "status", "missing"), [
    (cancer("other", "2019-06-03"), NOT_MET, ()),  # same calendar day 5 years before: outside
    (cancer("other", "2019-06-04"), MET, ()),      # 5 years minus one day: inside
    (cancer("other", "2024-01-15"), MET, ()),
    (cancer("basal_cell_skin", "2023-01-01"), NOT_MET, ()),
    (cancer("squamous_cell_skin", "2023-01-01"), NOT_MET, ()),
    (cancer("cervical_intraepithelial_neoplasia", "2023-01-01"), NOT_MET, ()),
    (cancer("papillary_thyroid", "2023-01-01"), NOT_MET, ()),
    (cancer("non_melanoma_skin", "2023-01-01", True), NOT_MET, ()),
    (cancer("non_melanoma_skin", "2023-01-01", False), MET, ()),
    (cancer("non_melanoma_skin", "2023-01-01", None), UNKNOWN,
     ("other_malignancies[0].curative_intent",)),
    (cancer("non_melanoma_skin", "2015-01-01", None), NOT_MET, ()),  # outside the window
])
def test_ex8_other_malignancy(malignancy: dict[str, Any], status: Status,
                              missing: tuple[str, ...]) -> None:
    c = judge("EX8", other_malignancies=[malignancy])
    assert (c.status, c.missing) == (status, missing)


def test_ex8_messages_leap_day_setting_and_unknown() -> None:
    assert texts(judge("EX8", other_malignancies=[cancer("other", "2021-03-01")])) == [
        "other diagnosed 2021-03-01, within 5 years"]
    # decision 2024-02-29: 5 years back is 2019-02-28 (no 29 February in 2019)
    leap = {"decision_date": None}
    assert judge("EX8", on=date(2024, 2, 29), **leap,
                 other_malignancies=[cancer("other", "2019-02-28")]).status is NOT_MET
    assert judge("EX8", on=date(2024, 2, 29), **leap,
                 other_malignancies=[cancer("other", "2019-03-01")]).status is MET
    assert judge("EX8", with_settings(other_malignancy_lookback_years=3),
                 other_malignancies=[cancer("other", "2020-06-03")]).status is NOT_MET
    assert judge("EX8", other_malignancies=None).missing == ("other_malignancies",)
    undated = judge("EX8", other_malignancies=[cancer("other", "2023-01-01")], **leap)
    assert (undated.status, undated.missing) == (UNKNOWN, ("decision_date",))
    assert judge("EX8", other_malignancies=[], **leap).status is NOT_MET


# --- EX9 major surgery or injury within 4 weeks, or planned -------------------------------------


def event(kind: str, when: str) -> dict[str, Any]:
    return {"kind": kind, "description": "mastectomy" if kind == "surgery" else "fracture",
            "date": when}


@pytest.mark.parametrize(("events", "planned", "status", "missing"), [
    ([event("surgery", "2024-05-06")], False, NOT_MET, ()),  # 28 days before 2024-06-03
    ([event("surgery", "2024-05-07")], False, MET, ()),      # 27 days before
    ([event("injury", "2024-05-07")], False, MET, ()),
    ([], True, MET, ()),
    ([], False, NOT_MET, ()),
    ([], None, UNKNOWN, ("major_surgery_planned",)),
    (None, False, UNKNOWN, ("major_surgery_or_injury",)),
])
def test_ex9_major_surgery_or_injury(events: list[dict[str, Any]] | None, planned: bool | None,
                                     status: Status, missing: tuple[str, ...]) -> None:
    c = judge("EX9", major_surgery_or_injury=events, major_surgery_planned=planned)
    assert (c.status, c.missing) == (status, missing)


def test_ex9_message_setting_and_undated() -> None:
    c = judge("EX9", major_surgery_or_injury=[event("surgery", "2024-05-20")])
    assert texts(c) == ["major surgery on 2024-05-20 (mastectomy), within 28 days before the "
                        "decision date"]
    assert judge("EX9", with_settings(major_surgery_lookback_weeks=6),
                 major_surgery_or_injury=[event("surgery", "2024-05-01")]).status is MET
    undated = judge("EX9", decision_date=None,
                    major_surgery_or_injury=[event("surgery", "2024-05-20")])
    assert undated.missing == ("decision_date",)
