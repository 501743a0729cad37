"""Each arm B regimen entry names its drugs' modification rules in the protocol file, citing
the label section (issue 17 item 8), and the calendar counts blood before every dose that a
count decides: day 8 of gemcitabine with carboplatin AUC 2 (Gemzar PI §2: "blood counts before
each dose"; O'Shaughnessy 2014: days 1 and 8), days 8 and 15 of weekly paclitaxel."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError as PydanticError

from dawna.protocol import bundled_protocol
from dawna.protocol.regimen import Modification, Schedule
from dawna.rules.regimens import build_calendar, default_lab_rule, regimen_from_id

PROTOCOL = bundled_protocol()


def test_every_arm_b_drug_has_a_rule_citing_its_label() -> None:
    for regimen_id in ("B:paclitaxel_capecitabine", "B:weekly_paclitaxel",
                       "B:paclitaxel_carboplatin", "B:capecitabine", "B:platinum",
                       "B:cisplatin", "B:gemcitabine_platinum", "B:gemcitabine_carboplatin"):
        for drug in regimen_from_id(PROTOCOL, regimen_id).drugs:
            assert drug.modification is not None, (regimen_id, drug.drug)
            assert "domain.md" not in drug.modification.source
    gem = regimen_from_id(PROTOCOL, "B:gemcitabine_carboplatin").drug("gemcitabine")
    assert gem.modification is not None
    assert (gem.modification.rule, gem.modification.table) == (
        "gemcitabine_day8", "gemcitabine_with_carboplatin")
    assert "Gemzar" in gem.modification.source and "§2" in gem.modification.source
    cis = regimen_from_id(PROTOCOL, "B:gemcitabine_platinum").drug("gemcitabine")
    assert cis.modification is not None and cis.modification.provenance == "to_confirm"
    cape = regimen_from_id(PROTOCOL, "B:capecitabine").drug("capecitabine")
    assert cape.modification is not None and cape.modification.rule == "capecitabine_label"


@pytest.mark.parametrize(("regimen_id", "days"), [
    ("B:gemcitabine_carboplatin", (1, 8)), ("B:weekly_paclitaxel", (1, 8, 15)),
    ("B:paclitaxel_carboplatin", (1,)), ("A:letrozole", (1,))])
def test_blood_counts_are_scheduled_before_each_counted_dose(regimen_id: str,
                                                             days: tuple[int, ...]) -> None:
    regimen = regimen_from_id(PROTOCOL, regimen_id)
    assert default_lab_rule(regimen).days == days
    events = build_calendar(regimen, date(2024, 3, 14), 1)
    # 2024-03-14 is day 1; day 8 is 21 March, day 15 is 28 March
    labs = sorted(e.day for e in events if e.kind == "lab")
    expected = sorted(set(days) | ({15} if regimen_id.startswith("A:") else set()))
    assert labs == expected


def test_a_rule_for_a_drug_not_in_the_entry_or_a_day8_rule_without_table_is_refused() -> None:
    component = {"drug": "gemcitabine", "dose": 1000, "unit": "mg/m2", "route": "IV",
                 "frequency": "ONCE", "days": [1, 8], "provenance": "site_decision",
                 "source": "x"}
    with pytest.raises(PydanticError, match=r"eribulin. is not a drug of g"):
        Schedule.model_validate({"id": "g", "label": "G", "components": [component],
                                 "modification": [{"drug": "eribulin", "rule": "generic_day1",
                                                   "provenance": "confirmed", "source": "x"}]})
    with pytest.raises(PydanticError, match="table"):
        Modification.model_validate({"drug": "gemcitabine", "rule": "gemcitabine_day8",
                                     "provenance": "confirmed", "source": "x"})
