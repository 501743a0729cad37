"""The reference safety information per drug in the protocol file (issue 17 item 10; ICH E2A
II.C): every drug the regimens name has its document and version, each still to be confirmed
with the sponsor; a drug not listed falls to the "other" entry; one entry per drug."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest

from dawna.errors import ValidationError
from dawna.protocol import bundled_protocol, load_protocol

BUNDLED = resources.files("dawna.protocols").joinpath("dawna_fes.yaml").read_text(encoding="utf-8")


def test_every_regimen_drug_has_its_reference_safety_information_to_confirm() -> None:
    protocol = bundled_protocol()
    arms = BUNDLED[BUNDLED.index("\narms:"):BUNDLED.index("\neligibility:")]
    drugs = set(re.findall(r"drug: ([a-z_]+)", arms))
    assert {"dalpiciclib", "letrozole", "fulvestrant", "goserelin", "paclitaxel",
            "capecitabine", "carboplatin", "gemcitabine"} <= drugs
    for drug in drugs:
        rsi = protocol.rsi(drug)
        assert rsi is not None and rsi.drug == drug, drug
    assert all(doc.status.value == "to_confirm" for doc in protocol.rsi_documents)
    assert "Dalpiciclib" in (protocol.rsi("dalpiciclib") or pytest.fail()).document


def test_a_physician_entered_drug_falls_to_the_other_entry() -> None:
    rsi = bundled_protocol().rsi("eribulin")
    assert rsi is not None and rsi.drug == "other"


def test_a_drug_listed_twice_is_refused_naming_the_entry(tmp_path: Path) -> None:
    old = "  - drug: letrozole\n"
    assert BUNDLED.count(old) == 1
    file = tmp_path / "broken.yaml"
    file.write_text(BUNDLED.replace(old, "  - drug: dalpiciclib\n"), encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        load_protocol(file)
    assert caught.value.field == "rsi_documents[1].drug"
