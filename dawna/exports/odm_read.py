"""Read the item group data of an ODM 1.3.2 file (``ReferenceData`` and ``ClinicalData``), for
``dawna import odm`` (``services/odm_import.py``; ``docs/odm.md``).

Streamed with the standard library's ``iterparse`` (a whole study in one file), after the file
passed the ODM 1.3.2 schema (``exports/odm_write.validate``). Each ``ItemGroupData`` becomes a
:class:`Group`: its OID and repeat key, its items by OID (an item ``IsNull="Yes"`` is None), its
``AuditRecord`` if any and where it stands in the file, so an unknown OID can be named with its
element.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["NS", "Audit", "Group", "groups"]

NS = "{http://www.cdisc.org/ns/odm/v1.3}"


@dataclass(frozen=True)
class Audit:
    user: str
    location: str
    at: str
    reason: str
    source: str


@dataclass(frozen=True)
class Group:
    oid: str
    key: str
    items: dict[str, str | None]
    audit: Audit | None
    where: str


def _audit(element: ET.Element) -> Audit:
    def text(tag: str) -> str:
        found = element.find(NS + tag)
        return (found.text or "") if found is not None else ""

    def ref(tag: str, attr: str) -> str:
        found = element.find(NS + tag)
        return found.get(attr, "") if found is not None else ""
    return Audit(user=ref("UserRef", "UserOID"), location=ref("LocationRef", "LocationOID"),
                 at=text("DateTimeStamp"), reason=text("ReasonForChange"),
                 source=text("SourceID"))


def groups(path: Path) -> Iterator[Group]:
    """Every ``ItemGroupData`` of the reference and clinical data, in file order."""
    subject = ""
    data = False
    # the file passed the schema check, which refuses entity and DTD declarations (defused)
    for event, element in ET.iterparse(str(path), events=("start", "end")):  # noqa: S314
        tag = element.tag
        if event == "start":
            if tag in (NS + "ReferenceData", NS + "ClinicalData"):
                data = True
            elif tag == NS + "SubjectData":
                subject = element.get("SubjectKey", "")
            continue
        if tag == NS + "ItemGroupData" and data:
            items = {i.get("ItemOID", ""): None if i.get("IsNull") == "Yes" else
                     i.get("Value", "") for i in element.iter(NS + "ItemData")}
            audit = element.find(NS + "AuditRecord")
            oid, key = element.get("ItemGroupOID", ""), element.get("ItemGroupRepeatKey", "")
            where = (f"SubjectData[@SubjectKey='{subject}']/" if subject else "ReferenceData/")
            yield Group(oid, key, items, _audit(audit) if audit is not None else None,
                        f"{where}ItemGroupData[@ItemGroupOID='{oid}'][@ItemGroupRepeatKey="
                        f"'{key}']")
            element.clear()
        elif tag == NS + "SubjectData":
            subject = ""
            element.clear()
        elif tag in (NS + "ReferenceData", NS + "ClinicalData"):
            data = False
