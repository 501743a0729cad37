"""Issue 20, review fix: the prescription form of a multi-drug chemotherapy regimen names each
drug next to its dose (in English and Chinese), offers only the variants of the option chosen at
randomization, and asks for a dose only where the protocol file gives a range (capecitabine
alone: 1000–1250 mg/m², dawna/protocols/dawna_fes.yaml)."""

from __future__ import annotations

import re

import pytest
from helpers import SYSTEM
from sqlalchemy import select
from treatment_data import randomized_to

from dawna.config import Settings
from dawna.services import randomization
from dawna.store.db import Database
from dawna.store.models import Allocation
from dawna.store.uow import UnitOfWork


@pytest.fixture
def pid(app_db: Database, settings: Settings) -> str:
    randomization.generate(app_db, settings, SYSTEM, "list for the test")
    randomization.go_live(app_db, SYSTEM, "go live for the test")
    return randomized_to(app_db, settings, "B", "gemcitabine_platinum")


def _drugs(html: str) -> dict[str, str]:
    """data-drug -> the text of its line in the plan form."""
    form = html.split('data-testid="plan-drugs"', 1)[1].split("</fieldset>", 1)[0]
    return {m.group(1): re.sub(r"<[^>]+>", " ", m.group(2))
            for m in re.finditer(r'data-drug="([a-z]+)">(.*?)</(?:p|label)>', form, re.S)}


def test_each_drug_is_named_next_to_its_dose_and_ranges_only_where_the_protocol_has_one(
        client_for, pid: str, app_db: Database) -> None:  # type: ignore[no-untyped-def]
    url = f"/participants/{pid}/treatment/plan"
    en = client_for("inv_a").get(url).text
    drugs = _drugs(en)
    assert list(drugs) == ["gemcitabine", "cisplatin"]  # the option's drugs, in its order
    assert "1250 mg/m2" in drugs["gemcitabine"] and "75 mg/m2" in drugs["cisplatin"]
    assert 'name="chosen.' not in en  # both doses are fixed: no dose to pick
    variants = re.findall(r'<option value="([a-z_]+)"', en.split('name="variants.chemotherapy"')[1]
                          .split("</select>")[0])
    assert variants == ["gemcitabine_platinum", "gemcitabine_carboplatin"]

    zh = _drugs(client_for("inv_a", locale="zh-CN").get(url).text)
    assert "吉西他滨" in zh["gemcitabine"] and "1250 mg/m2" in zh["gemcitabine"]
    assert "顺铂" in zh["cisplatin"] and "75 mg/m2" in zh["cisplatin"]

    with UnitOfWork(app_db, SYSTEM, "test set-up: capecitabine alone") as uow:
        allocation = uow.session.scalars(select(Allocation)).all()[-1]
        allocation.regimen = {"chemotherapy": {"arm": "B", "option": "capecitabine",
                                               "label": "capecitabine"}}
        uow.commit()
    en = client_for("inv_a").get(url).text
    assert re.findall(r'name="(chosen\.[a-z]+)"', en) == ["chosen.capecitabine"]
    assert "1000–1250 mg/m2" in _drugs(en)["capecitabine"]
    assert 'name="variants.chemotherapy"' not in en  # capecitabine alone has no variant
    zh = _drugs(client_for("inv_a", locale="zh-CN").get(url).text)
    assert "卡培他滨" in zh["capecitabine"] and "1000–1250" in zh["capecitabine"]
