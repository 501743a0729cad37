"""Check an XML document against an XSD with libxml2 (through lxml): the ODM 1.3.2 and
Define-XML 2.1 schemas that odmlib ships (``odmlib/schemas``), for ``odm_write.validate`` and
``define_xml.validate_define``.

libxml2 validates the 10 MB ``odm.xml`` of the test demo in about 0.15 s of CPU where the
pure-Python ``xmlschema`` took 4.5 s, and every export is checked before it is handed out
(``bench/README.md``, issue 23 item 6).

Defused, as the ``xmlschema`` check was with ``defuse="always"`` (the documents are files a
site sends in, ``dawna import odm``): the parser resolves no entity, reads no DTD and touches no
network, keeps libxml2's limits on a single text node and nesting (``huge_tree`` off), and a
document that declares a DOCTYPE (a DTD, internal or external, hence any entity) is refused
before the schema is applied. The schemas themselves are read with the same parser: their
imports are the files beside them (an import naming an http address is not fetched).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lxml import etree
from odmlib import schema_manager

from dawna.i18n import _

__all__ = ["NotXml", "SchemaError", "first_error", "parser"]


class NotXml(ValueError):
    """The document is not XML that dawna reads (malformed, or it declares a DOCTYPE)."""


@dataclass(frozen=True)
class SchemaError:
    """The first place where a document breaks the schema."""

    element: str  # e.g. /ODM/ClinicalData/SubjectData[2]/...
    line: int
    reason: str


def parser() -> etree.XMLParser:
    """A parser that resolves no entity, loads no DTD and reads nothing from the network."""
    return etree.XMLParser(resolve_entities=False, load_dtd=False, dtd_validation=False,
                           no_network=True, huge_tree=False, remove_pis=False)


def _schema(standard: str, version: str) -> etree.XMLSchema:
    """A validator of its own for each check (about 6 ms to read): a validator keeps the
    errors of its last run, so one shared by two threads (two exports at once) could report
    the other's."""
    path = schema_manager.get_schema_path(standard, version)
    return etree.XMLSchema(etree.parse(path, parser()))


def _parse(source: Path | bytes) -> etree._ElementTree:
    try:
        if isinstance(source, bytes):
            tree = etree.ElementTree(etree.fromstring(source, parser()))
        else:
            tree = etree.parse(str(source), parser())
    except etree.XMLSyntaxError as exc:
        raise NotXml(str(exc)) from None
    info = tree.docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None \
            or info.system_url or info.public_id:
        raise NotXml(_("a DOCTYPE (a DTD or entity declarations) is not accepted"))
    return tree


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else str(tag)


def _path(element: etree._Element) -> str:
    """``/ODM/ClinicalData/SubjectData[2]``: local names, with the position among siblings of
    the same name where there are several."""
    steps = []
    node: etree._Element | None = element
    while node is not None:
        name = _local(node.tag)
        parent = node.getparent()
        if parent is not None:
            same = [c for c in parent if c.tag == node.tag]
            if len(same) > 1:
                name += f"[{same.index(node) + 1}]"
        steps.append(name)
        node = parent
    return "/" + "/".join(reversed(steps))


def _where(tree: etree._ElementTree, entry: etree._LogEntry) -> str:
    if entry.path:
        try:
            found = tree.xpath(entry.path)
        except etree.XPathError:
            found = None
        if isinstance(found, list) and found and isinstance(found[0], etree._Element):
            return _path(found[0])
    return entry.path or "/"


def first_error(source: Path | bytes, standard: str, version: str) -> SchemaError | None:
    """The first schema error of ``source`` (a file or the bytes of a document) against
    odmlib's ``standard``/``version`` schema, or None when it is valid. Raises
    :class:`NotXml` for a malformed document or one with a DOCTYPE."""
    schema = _schema(standard, version)
    tree = _parse(source)
    if schema.validate(tree):
        return None
    entry = schema.error_log[0]
    namespace = etree.QName(tree.getroot()).namespace
    reason = entry.message.replace(f"{{{namespace}}}", "") if namespace else entry.message
    return SchemaError(_where(tree, entry), entry.line, reason)
