"""The XML schema checks of the exports (``exports/xml_schema.py``, libxml2 through lxml) on
small hand-written ODM 1.3.2 documents: a valid one passes and a broken one is refused naming
its element and line, each as the pure-Python ``xmlschema`` (the independent reference, on
the same odmlib XSD) judges it; a document declaring a DTD or entities (billion laughs, an
external entity, an external DTD) is refused before anything reads it, with no entity
expanded and nothing fetched."""

from __future__ import annotations

from pathlib import Path

import pytest
import xmlschema
from odmlib import schema_manager

from dawna.errors import ValidationError
from dawna.exports.define_xml import validate_define
from dawna.exports.odm_write import validate

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
        '<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3" FileOID="F.1" FileType="Snapshot" '
        'CreationDateTime="2026-11-30T12:00:00" ODMVersion="1.3.2">\n')
STUDY = ('  <Study OID="S.1">\n'
         '    <GlobalVariables>\n'
         '      <StudyName>DAWNA-FES</StudyName>\n'
         '      <StudyDescription>test</StudyDescription>\n'
         '      <ProtocolName>NCT05861830</ProtocolName>\n'
         '    </GlobalVariables>\n'
         '  </Study>\n')
CLINICAL = ('  <ClinicalData StudyOID="S.1" MetaDataVersionOID="MDV.1">\n'
            '    <SubjectData SubjectKey="P001"/>\n'
            '    <SubjectData SubjectKey="P002">\n'
            '      <StudyEventData StudyEventOID="SE.STUDY">\n'
            '        <FormData FormOID="F.LAB"><ItemGroupData ItemGroupOID="IG.LAB">\n'
            '          <ItemData ItemOID="IT.LAB.VALUE" Value="1.5"/>\n'
            '        </ItemGroupData></FormData>\n'
            '      </StudyEventData>\n'
            '    </SubjectData>\n'
            '  </ClinicalData>\n')
VALID = HEAD + STUDY + CLINICAL + "</ODM>\n"


@pytest.fixture(scope="module")
def reference() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(schema_manager.get_schema_path("odm", "1.3.2"))


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "odm.xml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_document_passes_as_the_reference_says(tmp_path: Path,
                                                       reference: xmlschema.XMLSchema) -> None:
    path = _file(tmp_path, VALID)
    assert reference.is_valid(str(path))
    validate(path)


@pytest.mark.parametrize(("text", "element", "line", "words"), [
    (VALID.replace(' FileOID="F.1"', ""), "/ODM", 2, "'FileOID' is required"),
    (VALID.replace('<ItemData ItemOID="IT.LAB.VALUE" Value="1.5"/>',
                   '<ItemData ItemOID="IT.LAB.VALUE" Value="1.5" Colour="red"/>'),
     "/ODM/ClinicalData/SubjectData[2]/StudyEventData/FormData/ItemGroupData/ItemData", 15,
     "'Colour' is not allowed"),
    (VALID.replace("<ProtocolName>NCT05861830</ProtocolName>", ""),
     "/ODM/Study/GlobalVariables", 4, "Missing child element(s)"),
    (VALID.replace('FileType="Snapshot"', 'FileType="Everything"'), "/ODM", 2,
     "'Everything' is not an element of the set"),
], ids=["missing attribute", "unknown attribute deep down", "missing element", "bad value"])
def test_a_document_breaking_the_schema_is_refused_naming_element_and_line(
        tmp_path: Path, reference: xmlschema.XMLSchema, text: str, element: str, line: int,
        words: str) -> None:
    path = _file(tmp_path, text)
    assert not reference.is_valid(str(path))
    with pytest.raises(ValidationError) as refused:
        validate(path)
    message = str(refused.value)
    assert f"at {element} (line {line})" in message, message
    assert words in message and "{http" not in message
    assert refused.value.field == element


LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE ODM [\n <!ENTITY a "ha">\n'
          ' <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">\n'
          ' <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">\n'
          ' <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">\n]>\n')


@pytest.mark.parametrize("text", [
    LAUGHS + VALID.split("\n", 1)[1].replace('FileOID="F.1"', 'FileOID="&d;"'),
    '<?xml version="1.0"?>\n<!DOCTYPE ODM [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
    + VALID.split("\n", 1)[1].replace("<StudyName>DAWNA-FES", "<StudyName>&x;"),
    '<?xml version="1.0"?>\n<!DOCTYPE ODM SYSTEM "http://127.0.0.1:9/odm.dtd">\n'
    + VALID.split("\n", 1)[1],
], ids=["billion laughs", "external entity", "external DTD"])
def test_a_dtd_or_entity_is_refused_and_nothing_is_expanded(tmp_path: Path, text: str) -> None:
    path = _file(tmp_path, text)
    with pytest.raises(ValidationError) as refused:
        validate(path)
    message = str(refused.value)
    assert refused.value.field == "file" and "not an XML file dawna reads" in message
    assert "DOCTYPE" in message and "hahaha" not in message and "root:" not in message


def test_a_file_that_is_not_xml_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as refused:
        validate(_file(tmp_path, VALID[:200]))
    assert refused.value.field == "file" and "odm.xml" in str(refused.value)


def test_define_xml_with_a_dtd_is_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        validate_define(LAUGHS + VALID.split("\n", 1)[1])
    assert refused.value.field == "define.xml" and "DOCTYPE" in str(refused.value)
