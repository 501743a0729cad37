"""The RxNorm codes pinned for the FHIR export (exports/fhir_codes.yaml, ``medications``)
against the public sources copied in docs/rxnorm/ingredients.tsv: each code is the one at
least two sources give for the drug's RxNorm name, and no source gives another."""

from __future__ import annotations

import csv
from pathlib import Path

from dawna.exports.fhir import codes
from dawna.protocol import bundled_protocol

SOURCES = Path(__file__).parents[2] / "docs" / "rxnorm" / "ingredients.tsv"


def test_each_pinned_rxnorm_code_is_the_one_two_sources_give() -> None:
    with SOURCES.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, delimiter="\t"))
    by_name = {r[0]: [c for c in (r[1], r[2], r[4]) if c] for r in rows[1:]}
    assert all(r[3] in ("IN", "") for r in rows[1:])  # ingredients, not clinical drugs
    pinned = codes()["medications"]
    assert pinned
    for drug, row in pinned.items():
        given = by_name[row["display"]]
        assert len(given) >= 2 and set(given) == {row["code"]}, (drug, given)


def test_every_protocol_drug_is_coded_except_dalpiciclib() -> None:
    drugs = {d.drug for d in bundled_protocol().rsi_documents} - {"other"}
    assert drugs - set(codes()["medications"]) == {"dalpiciclib"}
