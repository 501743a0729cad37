"""The pinned controlled terminology (dawna/exports/sdtm_ct.yaml) against the NCI EVS file of
CDISC SDTM Controlled Terminology 2023-12-15 (the rows dawna uses, unchanged:
docs/cdisc/sdtm-ct-2023-12-15-subset.tsv; docs/cdisc/README.md says where they come from)."""

from __future__ import annotations

import csv
from pathlib import Path

from dawna.exports.sdtm_spec import codelists

REFERENCE = Path(__file__).parents[2] / "docs" / "cdisc" / "sdtm-ct-2023-12-15-subset.tsv"


def _reference() -> tuple[dict[str, dict[str, str]], dict[tuple[str, str], str]]:
    with REFERENCE.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    lists = {r["Code"]: r for r in rows if not r["Codelist Code"]}
    terms = {(r["Codelist Code"], r["CDISC Submission Value"]): r["Code"]
             for r in rows if r["Codelist Code"]}
    return lists, terms


def _cdisc_lists() -> dict[str, dict]:  # type: ignore[type-arg]
    return {k: c for k, c in codelists().items() if not c.get("sponsor") and not c.get("external")}


def test_every_pinned_codelist_has_its_cdisc_code_name_and_extensibility() -> None:
    lists, _ = _reference()
    pinned = _cdisc_lists()
    assert len(pinned) >= 25
    for key, c in pinned.items():
        row = lists.get(c["code"])
        assert row is not None, key
        assert c["name"] == row["Codelist Name"], key
        assert c["extensible"] == (row["Codelist Extensible (Yes/No)"] == "Yes"), key


def test_every_term_has_the_code_of_its_cdisc_term_or_is_a_declared_extension() -> None:
    _lists, terms = _reference()
    wrong, undeclared = [], []
    for key, c in _cdisc_lists().items():
        extended = set(c.get("extended") or ())
        assert extended <= set(c["terms"]), key
        if extended:
            assert c["extensible"], f"{key}: only an extensible list can be extended"
        for term, code in c["terms"].items():
            expected = terms.get((c["code"], str(term)))
            if str(term) in extended:
                assert expected is None and code is None, (key, term)
            elif expected is None:
                undeclared.append((key, term))
            elif code != expected:
                wrong.append((key, term, code, expected))
    assert wrong == [] and undeclared == []


def test_the_reference_rows_are_the_nci_file_format() -> None:
    """The subset keeps the file's eight columns and C-codes (a guard against an edited copy)."""
    with REFERENCE.open(encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh, delimiter="\t"))
    assert header == ["Code", "Codelist Code", "Codelist Extensible (Yes/No)", "Codelist Name",
                      "CDISC Submission Value", "CDISC Synonym(s)", "CDISC Definition",
                      "NCI Preferred Term"]
    lists, terms = _reference()
    assert lists["C74457"]["CDISC Submission Value"] == "RACE"
    assert terms[("C71620", "ms")] == "C41140"  # millisecond: "msec" is only a synonym
    assert all(code.startswith("C") for code in (*lists, *terms.values()))


def test_a_define_codelist_extends_only_an_extensible_cdisc_list() -> None:
    """Define-XML: a term the data add gets def:ExtendedValue, but only where CDISC allows
    additions (LBTESTCD is extensible, RACE is not: RACE MULTIPLE is not in C74457)."""
    import pytest

    from dawna.exports.define_ct import ct_codelist

    lb = ct_codelist(["LBTESTCD"], "CL.LBTESTCD", ["ALT", "HBSAG", "GGT"])
    assert [(t.value, t.nci_code, t.extended) for t in lb.terms] == [
        ("ALT", "C64433", False), ("HBSAG", None, True), ("GGT", None, True)]
    race = ct_codelist(["RACE"], "CL.RACE", ["ASIAN", "OTHER"])
    assert [(t.nci_code, t.extended) for t in race.terms] == [("C41260", False),
                                                                ("C17649", False)]
    with pytest.raises(ValueError, match="MULTIPLE"):
        ct_codelist(["RACE"], "CL.RACE", ["ASIAN", "MULTIPLE"])


def test_the_usdm_codes_of_sdtm_codelists_are_their_cdisc_terms() -> None:
    """exports/usdm_codes.yaml: each group whose comment names an SDTM codelist (trial phase
    C66737, route C66729 ...) holds terms of that list, decoded by the NCI preferred term as the
    USDM 4.0 examples do (or the submission value)."""
    import re

    import yaml

    lists, _terms = _reference()
    text = (Path(__file__).parents[2] / "dawna" / "exports" / "usdm_codes.yaml").read_text(
        encoding="utf-8")
    groups = dict(re.findall(r"^  ([a-z_]+):.*\((C\d+)\)", text, re.M))
    codes = yaml.safe_load(text)["codes"]
    with REFERENCE.open(encoding="utf-8", newline="") as fh:
        rows = {(r["Codelist Code"], r["Code"]): r
                for r in csv.DictReader(fh, delimiter="\t") if r["Codelist Code"]}
    checked = 0
    for group, codelist in groups.items():
        if codelist not in lists:
            continue  # a USDM codelist (USDM_CT.xlsx), not an SDTM one
        for key, entry in codes[group].items():
            row = rows.get((codelist, entry["code"]))
            assert row is not None, (group, key, entry["code"])
            names = {row["NCI Preferred Term"].lower(), row["CDISC Submission Value"].lower()}
            assert entry["decode"].lower() in names, (group, key, entry["decode"], names)
            checked += 1
    assert checked >= 25
