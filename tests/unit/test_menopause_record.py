"""Menopausal status from the screening record (NCCN Breast Cancer MENO-1) and arm A's regimen
choice: a blank status is refused, pre/perimenopausal women need ovarian function suppression,
a man on an aromatase inhibitor a GnRH agonist (ASCO male breast cancer guideline 2020, 3.3)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from screening_data import eligible_record

from dawna.errors import ValidationError
from dawna.protocol import bundled_protocol
from dawna.rules.menopause import MenopausalStatus
from dawna.rules.menopause_record import assess
from dawna.rules.rule_errors import RuleError
from dawna.rules.screening_record import ScreeningRecord
from dawna.rules.verdict import completed_years
from dawna.services.regimen_choice import status_key, validate_choices
from dawna.services.screening_fingerprint import fingerprint

DECISION = date(2024, 3, 10)


def record(**changes: Any) -> ScreeningRecord:
    data = eligible_record()
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return ScreeningRecord.model_validate(data)


def test_age_in_completed_years() -> None:
    # born 1961-07-15: 62 the day before her 63rd birthday, 63 on it
    assert completed_years(date(1961, 7, 15), date(2024, 7, 14)) == 62
    assert completed_years(date(1961, 7, 15), date(2024, 7, 15)) == 63


def test_blank_menopause_block_is_refused_naming_it() -> None:
    with pytest.raises(RuleError) as blank:
        assess(record(menopause=None), DECISION)
    assert blank.value.field == "menopause"
    with pytest.raises(ValidationError) as at_choice:
        status_key(record(menopause=None), DECISION)
    assert at_choice.value.field == "record.menopause"
    with pytest.raises(RuleError) as no_answer:
        assess(record(menopause={"months_since_last_menses": 3}), DECISION)
    assert no_answer.value.field == "menopause.bilateral_oophorectomy"


def test_a_record_without_a_decision_date_is_refused_naming_it() -> None:
    """Every save fills the decision date, but a stored record may lack it (a row read back
    from a file, ``dawna import odm``): the plan and randomization pass ``None`` on, and the
    age on that date decides the status (was an AttributeError, a 500)."""
    with pytest.raises(ValidationError, match="depends on age") as err:
        status_key(record(decision_date=None), None)
    assert err.value.field == "record.decision_date"


def test_undetermined_status_blocks_the_choice() -> None:
    # 45, 18 months of amenorrhoea after chemotherapy, FSH/E2 not measured: MENO-1 says no status
    r = record(date_of_birth="1978-05-01", menopausal_status=None, menopause={
        "bilateral_oophorectomy": False, "months_since_last_menses": 18,
        "amenorrhoea_confounders": ["chemotherapy"]})
    assert assess(r, DECISION).status is MenopausalStatus.UNDETERMINED
    with pytest.raises(ValidationError, match="FSH and estradiol") as err:
        status_key(r, DECISION)
    assert err.value.field == "record.menopause"


def test_typed_status_contradicting_its_criteria_is_refused() -> None:
    # 44 with regular menses is premenopausal (MENO-1), not "post" as typed
    r = record(date_of_birth="1980-01-01", menopausal_status="post",
               menopause={"bilateral_oophorectomy": False, "menses_regular": True})
    with pytest.raises(RuleError) as err:
        assess(r, DECISION)
    assert err.value.field == "menopausal_status"


def test_criteria_decide_the_status() -> None:
    assert status_key(record(), DECISION) == "post"  # 62: age >= 60
    pre = record(date_of_birth="1980-01-01", menopausal_status=None,
                 menopause={"bilateral_oophorectomy": False, "menses_regular": True})
    assert status_key(pre, DECISION) == "pre"
    oophorectomy = record(date_of_birth="1980-01-01", menopausal_status=None,
                          menopause={"bilateral_oophorectomy": True})
    assert status_key(oophorectomy, DECISION) == "post"
    male = record(sex="male", menopausal_status=None, menopause=None)
    assert status_key(male, DECISION) == "male"


CHOSEN = {"endocrine_therapy": "letrozole", "chemotherapy": "capecitabine"}


def test_premenopausal_woman_on_letrozole_without_suppression_is_refused() -> None:
    with pytest.raises(ValidationError) as err:
        validate_choices(bundled_protocol(), dict(CHOSEN), "pre")
    assert err.value.field == "ovarian_function_suppression"
    ok = validate_choices(bundled_protocol(), CHOSEN | {"ovarian_function_suppression":
                                                        "goserelin"}, "peri")
    assert ok["ovarian_function_suppression"]["option"] == "goserelin"


def test_man_on_an_aromatase_inhibitor_gets_a_gnrh_agonist() -> None:
    protocol = bundled_protocol()
    assert protocol.setting("gnrh_for_men_on_aromatase_inhibitor").value is True
    with pytest.raises(ValidationError, match="GnRH agonist") as err:
        validate_choices(protocol, dict(CHOSEN), "male")
    assert err.value.field == "ovarian_function_suppression"
    with pytest.raises(ValidationError) as oophorectomy:
        validate_choices(protocol, CHOSEN | {"ovarian_function_suppression":
                                             "bilateral_oophorectomy"}, "male")
    assert oophorectomy.value.field == "ovarian_function_suppression"
    ok = validate_choices(protocol, CHOSEN | {"ovarian_function_suppression": "leuprorelin"},
                          "male")
    assert ok["ovarian_function_suppression"]["option"] == "leuprorelin"
    # tamoxifen alone is a man's standard endocrine therapy: no GnRH agonist required
    tamoxifen = validate_choices(protocol, CHOSEN | {"endocrine_therapy": "tamoxifen"}, "male")
    assert "ovarian_function_suppression" not in tamoxifen


def test_absent_menopause_block_keeps_old_fingerprints() -> None:
    old = record(menopause=None)
    # the hash of a record signed before the block existed (no "menopause" key at all)
    import hashlib
    import json
    data = old.model_dump(mode="json")
    del data["menopause"]
    # nor the other fields added later (issue 18; race and ethnicity) while they are empty
    for key in ("imaging_date", "race", "ethnicity"):
        if data.get(key) is None:
            data.pop(key, None)
    for block, key in (("labs", "collection_date"), ("fes_pet", "washout_result_confirmed")):
        if isinstance(data.get(block), dict) and data[block].get(key) is None:
            data[block].pop(key, None)
    for line in data.get("treatment_lines") or []:
        if line.get("failure_confirmed") is None:
            line.pop("failure_confirmed", None)
    legacy = hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False)
                            .encode()).hexdigest()
    assert fingerprint(old) == legacy
    assert fingerprint(record()) != legacy
