"""Define-XML 2.1 of the ADaM data sets from a small hand-made trial: the document validates
against the Define-XML 2.1 schema shipped with odmlib (read by ``xmlschema`` here), lengths are
the longest value in UTF-8 bytes (counted by hand below), and broken metadata are refused
naming ``DATASET.VARIABLE`` before anything is written (CDISC Define-XML Specification v2.1
§4.3.3; SAS TS-140 labels ≤ 40 bytes)."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest
import xmlschema
from odmlib import schema_manager

from dawna.analysis import adam
from dawna.analysis.adam import AdverseEventRecord, ResponseRecord, SubjectRecord
from dawna.errors import ValidationError
from dawna.exports.define import write_adam_define
from dawna.exports.define_adam import adam_define
from dawna.exports.define_model import DefineError, Variable, check_define
from dawna.exports.define_xml import define_xml, validate_define

R = date(2024, 3, 12)
CUTOFF = date(2024, 12, 31)
NS = {"odm": "http://www.cdisc.org/ns/odm/v1.3", "def": "http://www.cdisc.org/ns/def/v2.1"}
TERM = "中性粒细胞计数降低"  # 9 CJK characters, 3 bytes each in UTF-8


def _data() -> adam.AdamData:
    p1 = SubjectRecord(
        pseudonym="P001", site="SITEA", arm="A", arm_label="Arm A", randomized=R,
        factors={"visceral_metastasis": "yes", "cdk46i_setting": "advanced"},
        cycle_starts=(date(2024, 3, 14),),
        responses=(ResponseRecord(date(2024, 5, 7), date(2024, 5, 7), "SD", -10.5),
                   ResponseRecord(date(2024, 7, 2), date(2024, 7, 2), "PD", 25.0)),
        progression_date=date(2024, 7, 2),
        adverse_events=(AdverseEventRecord(1, TERM, 3, date(2024, 4, 1)),))
    p2 = SubjectRecord(pseudonym="P002", site="SITEA", arm="B", arm_label="Arm B",
                       randomized=R, factors={"visceral_metastasis": "no",
                                              "cdk46i_setting": "adjuvant"})
    return adam.derive([p1, p2], CUTOFF)


def _items(text: str) -> dict[str, ET.Element]:
    root = ET.fromstring(text.encode("utf-8"))
    return {e.get("OID", ""): e for e in root.iterfind(".//odm:ItemDef", NS)}


def test_the_document_validates_and_lengths_are_utf8_bytes_of_the_longest_value() -> None:
    text = define_xml(adam_define(_data()))
    schema = xmlschema.XMLSchema(schema_manager.get_schema_path("define", "2.1"))
    schema.validate(text)
    items = _items(text)
    assert items["IT.ADAE.AEDECOD"].get("Length") == str(9 * 3)
    assert items["IT.ADSL.USUBJID"].get("Length") == str(len("DAWNA-FES-P001"))
    # PCHG -10.5 and 25.0: a float with one decimal, "-10.5" is 5 characters
    pchg = items["IT.ADRS.PCHG"]
    assert (pchg.get("DataType"), pchg.get("SignificantDigits"), pchg.get("Length")) == (
        "float", "1", "5")
    # dates are SAS day numbers shown as DATE9.; 2024-03-12 is 23447 days after 1960-01-01
    randdt = items["IT.ADSL.RANDDT"]
    assert (randdt.get("DataType"), randdt.get("Length"),
            randdt.get(f"{{{NS['def']}}}DisplayFormat")) == ("integer", "5", "DATE9.")
    origin = items["IT.ADTTE.ARMCD"].find("def:Origin", NS)
    assert origin is not None and origin.get("Type") == "Predecessor"


def _with_label(data: adam.AdamData, dataset: str, variable: str, label: str) -> adam.AdamData:
    table = data.definitions.copy()
    table.loc[table["DATASET"].eq(dataset) & table["VARIABLE"].eq(variable), "LABEL"] = label
    return dataclasses.replace(data, definitions=table)


def test_a_label_over_40_bytes_is_refused_naming_it_and_nothing_is_written(
        tmp_path: Path) -> None:
    data = _with_label(_data(), "ADSL", "AGE", "Age at Randomization in completed years!!")
    with pytest.raises(DefineError) as refused:
        write_adam_define(data, tmp_path / "out")
    assert refused.value.field == "ADSL.AGE" and "41" in str(refused.value)
    assert not (tmp_path / "out").exists()


def test_a_variable_missing_from_the_data_or_the_metadata_is_refused_naming_it() -> None:
    data = _data()
    with pytest.raises(DefineError) as missing:
        adam_define(dataclasses.replace(data, adsl=data.adsl.drop(columns=["FESCAT"])))
    assert missing.value.field == "ADSL.FESCAT"
    with pytest.raises(DefineError) as extra:
        adam_define(dataclasses.replace(data, adae=data.adae.assign(AEXTRA="x")))
    assert extra.value.field == "ADAE.AEXTRA"


def test_a_value_outside_its_codelist_is_refused_naming_it() -> None:
    data = _data()
    with pytest.raises(DefineError) as refused:
        adam_define(dataclasses.replace(data, adsl=data.adsl.assign(SEX="X")))
    assert refused.value.field == "ADSL.SEX" and "CL.SEX" in str(refused.value)


def test_a_derived_variable_without_its_derivation_is_refused() -> None:
    doc = adam_define(_data())
    adsl = doc.datasets[0]
    broken = Variable(name="AGE", label="Age", data_type="integer", length=2, origin="Derived")
    variables = tuple(broken if v.name == "AGE" else v for v in adsl.variables)
    doc = dataclasses.replace(doc, datasets=(dataclasses.replace(adsl, variables=variables),
                                             *doc.datasets[1:]))
    with pytest.raises(DefineError) as refused:
        check_define(doc)
    assert refused.value.field == "ADSL.AGE"


def test_the_schema_refuses_a_document_it_does_not_allow() -> None:
    text = define_xml(adam_define(_data()))
    with pytest.raises(ValidationError) as refused:
        validate_define(text.replace('Purpose="Analysis"', 'Purpose="Analysis" Colour="red"',
                                     1))
    assert refused.value.field == "define.xml"
    # the first data set's ItemGroupDef and its line (counted in the document), in site words
    line = text[:text.index('Purpose="Analysis"')].count("\n") + 1
    assert (f"at /ODM/Study/MetaDataVersion/ItemGroupDef[1] (line {line}): Element "
            f"'ItemGroupDef', attribute 'Colour': The attribute 'Colour' is not allowed"
            ) in str(refused.value)


def test_sdtm_domains_are_described_and_must_match_their_data() -> None:
    import pandas as pd

    from dawna.exports.define_sdtm import sdtm_define
    from dawna.exports.sdtm_spec import DOMAINS

    frames = {name: pd.DataFrame(columns=DOMAINS[name].names())
              for name in ("DM", "DS", "LB", "AE")}
    text = define_xml(sdtm_define(frames, cutoff=CUTOFF))
    validate_define(text)
    root = ET.fromstring(text.encode("utf-8"))
    ds = root.find(".//odm:ItemGroupDef[@Name='DS']", NS)
    assert ds is not None and (ds.get("Purpose"), ds.get("Domain")) == ("Tabulation", "DS")
    # DSDECOD takes NCOMPLT or PROTMLST terms: one list, the union, each term's NCI code kept
    # (NCI EVS file of CDISC CT, docs/cdisc: ADVERSE EVENT C41331, INFORMED CONSENT OBTAINED
    # C16735, RANDOMIZED C114209)
    decod = root.find(".//odm:CodeList[@OID='CL.DS.DSDECOD']", NS)
    assert decod is not None
    codes = {e.get("CodedValue"): a.get("Name") for e in decod
             for a in e.iterfind("odm:Alias", NS)}
    assert codes["ADVERSE EVENT"] == "C41331"
    assert codes["INFORMED CONSENT OBTAINED"] == "C16735" and codes["RANDOMIZED"] == "C114209"
    # a test code dawna adds to the extensible LBTESTCD list is marked as such, with no code
    # (Define-XML 2.1 §4.3.4); a CDISC term keeps its code and is not marked
    extended = f"{{{NS['def']}}}ExtendedValue"
    lbtestcd = {e.get("CodedValue"): e for e in root.iterfind(".//odm:CodeList/*", NS)
                if e.get("CodedValue") in ("HBSAG", "ALT")}
    assert lbtestcd["HBSAG"].get(extended) == "Yes"
    assert lbtestcd["HBSAG"].find("odm:Alias", NS) is None
    assert lbtestcd["ALT"].get(extended) is None
    alias = lbtestcd["ALT"].find("odm:Alias", NS)
    assert alias is not None and alias.get("Name") == "C64433"
    # the MedDRA-coded variables name the dictionary and the version CTCAE v5.0 is coded to
    # (AEDECOD holds the CTCAE term, not always a MedDRA preferred term: no dictionary named)
    assert root.find(".//odm:ItemDef[@OID='IT.AE.AEDECOD']/odm:CodeListRef", NS) is None
    decod = root.find(".//odm:ItemDef[@OID='IT.AE.AELLT']/odm:CodeListRef", NS)
    assert decod is not None
    meddra = root.find(f".//odm:CodeList[@OID='{decod.get('CodeListOID')}']", NS)
    assert meddra is not None
    external = meddra.find("odm:ExternalCodeList", NS)
    assert external is not None
    assert (external.get("Dictionary"), external.get("Version")) == ("MedDRA", "20.1")
    with pytest.raises(DefineError) as refused:
        sdtm_define({"DM": frames["DM"].drop(columns=["SEX"])})
    assert refused.value.field == "DM.SEX"
