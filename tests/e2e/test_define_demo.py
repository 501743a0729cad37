"""``dawna export define`` (ADaM and SDTM) on the demo trial (32 participants): ``define.xml``
validates against
the Define-XML 2.1 schema shipped with odmlib, odmlib's Define-XML 2.1 loader reads it back,
and every data set and variable of the XPT files (read with pyreadstat) is in it with the same
label and a Length at least its longest value, and nothing else is; every derived variable
has its MethodDef; ``define.html`` lists every data set and variable; the manifest checks out
and the export is in the audit trail (issue 22 items 2 and 8)."""

from __future__ import annotations

import shutil
import sqlite3
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pyreadstat
import pytest
import xmlschema
from cli_runner import invoke
from odmlib import define_loader, loader, schema_manager

from dawna.exports.manifest import verify_manifest

pytestmark = pytest.mark.xdist_group("demo_exports")



@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Path:
    db = tmp_path_factory.mktemp("define") / "demo.sqlite3"
    shutil.copy(demo_template, db)
    return db


@pytest.fixture(scope="module", params=["adam", "sdtm"])
def export(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
           demo: Path) -> tuple[Path, Path]:
    db = demo
    out = tmp_path_factory.mktemp("define") / request.param
    run = invoke(["export", "define", str(out), "--as", "statistician", "--standard",
                  request.param],
                 {"DAWNA_DATABASE_URL": f"sqlite:///{db}", "DAWNA_ENV": "test",
                  "LANG": "C.UTF-8"})
    assert run.returncode == 0, run.stderr
    return out, db


def _xpt(out: Path, stem: str) -> tuple[Any, Any]:
    return pyreadstat.read_xport(str(out / f"{stem}.xpt"), encoding="utf-8")


def _stems(out: Path) -> list[str]:
    """The XPT files written, in the order of the data sets."""
    return [p.stem for p in sorted(out.glob("*.xpt"))]


def _metadata(out: Path) -> Any:
    reader = loader.ODMLoader(define_loader.XMLDefineLoader(
        model_package="define_2_1", ns_uri="http://www.cdisc.org/ns/def/v2.1"))
    reader.open_odm_document(str(out / "define.xml"))
    return reader.MetaDataVersion()


def _text(described: Any) -> str:
    return str(described.Description.TranslatedText[0]._content)


@pytest.fixture(scope="module")
def define_schema() -> xmlschema.XMLSchema:
    """The independent reference: the pure-Python ``xmlschema`` (the export checks with
    libxml2) on the Define-XML 2.1 XSD shipped with odmlib, read once for both standards."""
    return xmlschema.XMLSchema(schema_manager.get_schema_path("define", "2.1"))


def test_define_xml_validates_against_the_define_xml_2_1_schema(
        export: tuple[Path, Path], define_schema: xmlschema.XMLSchema) -> None:
    out, _db = export
    define_schema.validate(str(out / "define.xml"))


def test_every_xpt_data_set_and_variable_is_described_with_label_and_length(
        export: tuple[Path, Path]) -> None:
    out, _db = export
    mdv = _metadata(out)
    items = {i.OID: i for i in mdv.ItemDef}
    groups = {g.Name: g for g in mdv.ItemGroupDef}
    assert sorted(groups) == sorted(s.upper() for s in _stems(out)) and len(groups) >= 4
    for stem in _stems(out):
        frame, meta = _xpt(out, stem)
        group = groups[meta.table_name]
        assert _text(group) == meta.file_label
        assert group.leaf.href == f"{stem}.xpt"
        assert group.Purpose == ("Analysis" if stem.startswith("ad") else "Tabulation")
        described = [items[ref.ItemOID] for ref in group.ItemRef]
        assert [i.Name for i in described] == meta.column_names  # and nothing else
        for item in described:
            assert _text(item) == meta.column_names_to_labels[item.Name], item.OID
            values = [v for v in frame[item.Name].tolist() if v == v and v not in ("", None)]
            if item.DataType == "text":
                longest = max([len(str(v).encode("utf-8")) for v in values] or [1])
                assert item.Length >= longest, item.OID
            elif item.DataType == "integer" and item.DisplayFormat is None:
                assert item.Length >= max([len(str(int(v))) for v in values] or [1]), item.OID
            elif item.DataType == "float":
                assert item.SignificantDigits is not None, item.OID


def test_every_derived_variable_has_its_method(export: tuple[Path, Path]) -> None:
    mdv = _metadata(export[0])
    methods = {m.OID: _text(m) for m in mdv.MethodDef}
    origins = {i.OID: i.Origin[0].Type for i in mdv.ItemDef}
    derived = 0
    for group in mdv.ItemGroupDef:
        for ref in group.ItemRef:
            if origins[ref.ItemOID] == "Derived":
                derived += 1
                assert ref.MethodOID in methods and methods[ref.MethodOID].strip(), ref.ItemOID
            else:
                assert ref.MethodOID is None, ref.ItemOID
    assert derived == len(methods) > 0
    codelists = {c.OID for c in mdv.CodeList}
    assert all(i.CodeListRef.CodeListOID in codelists for i in mdv.ItemDef if i.CodeListRef)


class _Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []
        self.dataset = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table" and a.get("data-dataset"):
            self.dataset = a["data-dataset"] or ""
        if tag == "tr" and a.get("data-variable"):
            self.found.append((self.dataset, a["data-variable"] or ""))


def test_the_html_rendering_lists_every_data_set_and_variable(
        export: tuple[Path, Path]) -> None:
    out, _db = export
    parser = _Cells()
    parser.feed((out / "define.html").read_text(encoding="utf-8"))
    metas = {meta.table_name: meta for meta in (_xpt(out, s)[1] for s in _stems(out))}
    assert sorted(parser.found) == sorted((name, column) for name, meta in metas.items()
                                          for column in meta.column_names)


def test_the_manifest_checks_out_and_the_export_is_in_the_audit_trail(
        export: tuple[Path, Path]) -> None:
    out, db = export
    body = verify_manifest(out)
    kind = f"{out.name}-define"
    assert body["kind"] == kind and body["pseudonymized"] is True
    assert {f["name"] for f in body["files"]} >= {"define.xml", "define.html",
                                                  *(f"{s}.xpt" for s in _stems(out))}
    with sqlite3.connect(db) as c:
        kinds = c.execute("SELECT site_id, new_value FROM audit_record WHERE table_name = "
                          "'data_export' AND field = 'kind' AND new_value = ?",
                          (kind,)).fetchall()
        sites = {s for (s,) in c.execute("SELECT id FROM site")}
    # one event per site of the statistician (both demo sites), each of this kind
    assert {s for s, _kind in kinds} == sites
