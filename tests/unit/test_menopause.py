"""Menopausal status by NCCN Breast Cancer MENO-1, one case per criterion, and arm A's
suppression rule (registry record NCT05861830; ASCO male breast cancer guideline 2020)."""

from __future__ import annotations

import pytest

from dawna.rules.menopause import (
    MenopausalStatus as S,
)
from dawna.rules.menopause import (
    MenopauseEvidence,
    menopausal_status,
    suppression_requirement,
)
from dawna.rules.rule_errors import RuleError


def woman(age: int, **kw: object) -> MenopauseEvidence:
    return MenopauseEvidence(sex="female", age_years=age, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(("evidence", "status"), [
    # MENO-1 (1): prior bilateral oophorectomy, whatever the age
    (woman(41, bilateral_oophorectomy=True), S.POSTMENOPAUSAL),
    # MENO-1 (2): age >= 60, even with menses recorded
    (woman(60, menses_regular=True), S.POSTMENOPAUSAL),
    (woman(59, menses_regular=True), S.PREMENOPAUSAL),
    # MENO-1 (3): < 60, >= 12 months amenorrhoea, no confounder, FSH/E2 postmenopausal
    (woman(52, months_since_last_menses=12, fsh_estradiol_postmenopausal=True), S.POSTMENOPAUSAL),
    (woman(52, months_since_last_menses=11, fsh_estradiol_postmenopausal=True),
     S.PERIMENOPAUSAL),
    (woman(52, months_since_last_menses=24), S.UNDETERMINED),  # FSH/E2 not measured
    (woman(52, months_since_last_menses=24, fsh_estradiol_postmenopausal=False),
     S.PERIMENOPAUSAL),
    # amenorrhoea after chemotherapy is not a reliable sign on its own
    (woman(45, months_since_last_menses=18, amenorrhoea_confounders=frozenset({"chemotherapy"})),
     S.UNDETERMINED),
    (woman(45, months_since_last_menses=18, amenorrhoea_confounders=frozenset({"chemotherapy"}),
           fsh_estradiol_postmenopausal=True), S.POSTMENOPAUSAL),
    # MENO-1 (4): < 60 on tamoxifen: FSH and estradiol decide
    (woman(50, on_tamoxifen_or_toremifene=True), S.UNDETERMINED),
    (woman(50, on_tamoxifen_or_toremifene=True, fsh_estradiol_postmenopausal=True),
     S.POSTMENOPAUSAL),
    # an LHRH agonist: status cannot be assigned, treated as premenopausal
    (woman(44, on_gnrh_agonist=True, months_since_last_menses=30), S.PREMENOPAUSAL),
    (woman(38, menses_regular=False), S.PERIMENOPAUSAL),
    (woman(38), S.UNDETERMINED),  # nothing recorded about menses
    (MenopauseEvidence(sex="male", age_years=66), S.NOT_APPLICABLE),
])
def test_status_by_nccn_meno_1(evidence: MenopauseEvidence, status: S) -> None:
    assert menopausal_status(evidence).status is status


@pytest.mark.parametrize(("status", "drug", "required", "kind", "blocking"), [
    (S.PREMENOPAUSAL, "letrozole", True, "ovarian", False),
    (S.PERIMENOPAUSAL, "fulvestrant", True, "ovarian", False),  # any partner, not only AIs
    (S.POSTMENOPAUSAL, "anastrozole", False, None, False),
    (S.UNDETERMINED, "exemestane", True, "ovarian", True),      # blocks the choice
    (S.NOT_APPLICABLE, "letrozole", True, "testicular", False),  # a man on an AI
    (S.NOT_APPLICABLE, "tamoxifen", False, None, False),
])
def test_suppression_for_arm_a(status: S, drug: str, required: bool, kind: str | None,
                               blocking: bool) -> None:
    rule = suppression_requirement(status, drug)
    assert (rule.required, rule.kind, rule.blocking) == (required, kind, blocking)


def test_gnrh_for_men_is_a_protocol_setting() -> None:
    assert not suppression_requirement(S.NOT_APPLICABLE, "letrozole",
                                       gnrh_for_men_on_ai=False).required


@pytest.mark.parametrize(("evidence", "field"), [
    (MenopauseEvidence(sex="x", age_years=50), "sex"),
    (woman(7), "age_years"),
    (woman(50, months_since_last_menses=-1), "months_since_last_menses"),
    (woman(50, amenorrhoea_confounders=frozenset({"stress"})), "amenorrhoea_confounders"),
])
def test_bad_evidence_names_its_field(evidence: MenopauseEvidence, field: str) -> None:
    with pytest.raises(RuleError) as caught:
        menopausal_status(evidence)
    assert caught.value.field == field
