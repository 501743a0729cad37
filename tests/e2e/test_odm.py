"""CDISC ODM 1.3.2 of the whole study (issue 22 item 4) on the scaled demo trial: the file passes
the ODM 1.3.2 schema (libxml2 on the XSD shipped in odmlib, applied here apart from the export's
own check; ``tests/unit/test_xml_schema.py`` holds it to the pure-Python ``xmlschema`` on small
documents), odmlib's own parser reads it back
and its counts match the store (independent SQL), and ``dawna import odm`` puts it back into an
empty database equal to the source record by record (every table, modulo the passwords, which do
not travel), with the audit trail in its original order and ``dawna audit verify`` passing.
Refusals (a non-empty database, a file that fails the schema, an unknown OID) leave nothing.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_runner import invoke
from fastapi.testclient import TestClient
from helpers import demo_logins
from lxml import etree
from odmlib import loader, odm_loader, schema_manager
from sqlalchemy import create_engine, text

from dawna.exports.manifest import verify_manifest

pytestmark = pytest.mark.xdist_group("demo_exports")
NS = "{http://www.cdisc.org/ns/odm/v1.3}"
#: not trial data (services/odm_read_store.NOT_EXPORTED), and the export's own audit event
SKIPPED = {"audit_record", "audit_chain_head", "login_event", "user_session", "login_throttle",
           "alembic_version", "data_version"}  # data_version: derived from the chain, not data
AUDIT_FIELDS = ("at", "actor_id", "actor", "action", "table_name", "row_id", "site_id", "field",
                "old_value", "new_value", "reason")


def _env(path: Path | str) -> dict[str, str]:
    url = path if isinstance(path, str) else f"sqlite:///{path}"
    return {"DAWNA_DATABASE_URL": url, "DAWNA_ENV": "test",
            "DAWNA_PASSWORD_HASH_COST": "test", "DAWNA_SECRET_KEY": "o" * 40}


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Path:
    path = tmp_path_factory.mktemp("odm") / "demo.sqlite3"
    shutil.copy(demo_template, path)
    return path


@pytest.fixture(scope="module")
def exported(source: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """The export of an investigator of both sites (data.export and identity.view everywhere:
    the complete study), and the last audit record before it (its own event comes after)."""
    done = invoke(["user", "grant", "investigator", "--role", "investigator", "--site", "SIM2",
                   "--reason", "ODM export of the whole study"], env=_env(source))
    assert done.returncode == 0, done.stderr
    last = _scalar(source, "SELECT max(id) FROM audit_record")
    out = tmp_path_factory.mktemp("odm-out")
    done = invoke(["export", "odm", str(out), "--as", "investigator"], env=_env(source))
    assert done.returncode == 0, done.stderr
    return out / "odm.xml", last


@pytest.fixture(scope="module")
def document(exported: tuple[Path, int]) -> Any:
    reader = loader.ODMLoader(odm_loader.XMLODMLoader(
        model_package="odm_1_3_2", ns_uri="http://www.cdisc.org/ns/odm/v1.3"))
    reader.open_odm_document(str(exported[0]))
    return reader.root()


@pytest.fixture
def empty(tmp_path: Path, sqlite_template: Path) -> Path:
    path = tmp_path / "empty.sqlite3"
    shutil.copy(sqlite_template, path)
    return path


def _scalar(path: Path, query: str, *args: object) -> Any:
    with sqlite3.connect(path) as c:
        return c.execute(query, args).fetchone()[0]


def _tables(path: Path) -> list[str]:
    with sqlite3.connect(path) as c:
        return [r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                if r[0] not in SKIPPED and not r[0].startswith("sqlite_")]


def test_the_export_passes_the_odm_schema_and_its_manifest(exported: tuple[Path, int]) -> None:
    path = exported[0]
    safe = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    schema = etree.XMLSchema(etree.parse(schema_manager.get_schema_path("odm", "1.3.2"), safe))
    assert schema.validate(etree.parse(str(path), safe)), schema.error_log
    manifest = verify_manifest(path.parent)
    assert manifest["kind"] == "odm" and manifest["pseudonymized"] is False
    assert [f["name"] for f in manifest["files"]] == ["odm.xml"]


def test_odmlib_reads_back_what_the_store_holds(source: Path, exported: tuple[Path, int],
                                               document: Any) -> None:
    last = exported[1]
    clinical = document.ClinicalData[0]
    assert len(clinical.SubjectData) == _scalar(source, "SELECT count(*) FROM participant")
    per_form: dict[str, int] = {}
    audits = []
    signatures = 0
    for subject in clinical.SubjectData:
        signatures += subject.Signature is not None
        for form in subject.StudyEventData[0].FormData:
            for group in form.ItemGroupData:
                per_form[form.FormOID] = per_form.get(form.FormOID, 0) + 1
                signatures += group.Signature is not None
                if form.FormOID == "F.AUDIT":
                    audits.append(group)
    for table in ("participant", "participant_identity", "lab_result", "adverse_event",
                  "treatment_cycle", "consent", "susar_report", "status_event", "data_query",
                  "form_signature"):
        stored = _scalar(source, f"SELECT count(*) FROM {table}")
        assert per_form.get(f"F.{table.upper()}", 0) == stored, table
    audits += [g for g in document.ReferenceData[0].ItemGroupData if g.ItemGroupOID == "IG.AUDIT"]
    records = sum(len(json.loads(next(i.Value for i in g.ItemData
                                      if i.ItemOID == "IT.AUDIT.CHANGES"))) for g in audits)
    assert records == _scalar(source, "SELECT count(*) FROM audit_record WHERE id <= ?", last)
    first = audits[0].AuditRecord
    assert first.UserRef.UserOID.startswith("USR.") and first.LocationRef.LocationOID
    assert first.DateTimeStamp._content and first.SourceID._content.startswith("audit_record ")
    assert signatures == _scalar(source, "SELECT count(*) FROM form_signature "
                                 "WHERE voided_at IS NULL")
    metadata = document.Study[0].MetaDataVersion[0]
    with sqlite3.connect(source) as c:
        columns = sum(len(c.execute(f"PRAGMA table_info({t})").fetchall())
                      for t in _tables(source))
    assert len(metadata.ItemDef) == columns - 1 + 5  # no password hash; five audit items
    labels = {t.lang: t._content for t in metadata.FormDef[0].Description.TranslatedText}
    assert set(labels) == {"en", "zh"}
    assert {u.OID for u in document.AdminData[0].User} >= {"USR.datamanager", "USR.admin"}


def _normal(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.dumps(json.loads(value), sort_keys=True)
        except ValueError:
            return value
    return value


def _rows(path: Path, table: str, skip: set[str] = frozenset()) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as c:
        cursor = c.execute(f"SELECT * FROM {table}")
        names = [d[0] for d in cursor.description]
        return sorted((tuple(_normal(v) for n, v in zip(names, row, strict=True) if n not in skip)
                       for row in cursor), key=repr)


def test_the_round_trip_into_an_empty_database_loses_nothing(
        source: Path, exported: tuple[Path, int], empty: Path) -> None:
    path, last = exported
    done = invoke(["import", "odm", str(path)], env=_env(empty))
    assert done.returncode == 0, done.stderr
    for table in _tables(source):
        skip = {"password_hash", "is_active"} if table == "app_user" else set()
        assert _rows(empty, table, skip) == _rows(source, table, skip), table
    assert _scalar(empty, "SELECT count(*) FROM app_user WHERE is_active") == 0
    fields = ", ".join(AUDIT_FIELDS)
    with sqlite3.connect(source) as c:
        before = c.execute(f"SELECT {fields} FROM audit_record WHERE id <= ? ORDER BY id",
                           (last,)).fetchall()
        head = c.execute("SELECT hash FROM audit_record WHERE id = ?", (last,)).fetchone()[0]
    with sqlite3.connect(empty) as c:
        after = c.execute(f"SELECT {fields} FROM audit_record ORDER BY id").fetchall()
        event = c.execute("SELECT new_value FROM audit_record WHERE table_name = 'odm_import' "
                          "AND field = 'file'").fetchall()
        chained = c.execute("SELECT hash FROM audit_record WHERE id = ?", (last,)).fetchone()[0]
    assert after[:len(before)] == before
    # the chain's serialization holds no record id: the same records chain to the same hashes
    assert chained == head == json.loads((path.parent / "manifest.json").read_text())[
        "audit_chain_head"]
    assert event == [("odm.xml",)]
    verified = invoke(["audit", "verify"], env=_env(empty))
    assert verified.returncode == 0, verified.stdout + verified.stderr


@pytest.fixture(scope="module")
def first(exported: tuple[Path, int], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The export cut down to its first participant and reference rows (the 10 MB file is
    parsed once for every test that imports a cut)."""
    ET.register_namespace("", NS[1:-1])
    tree = ET.parse(exported[0])
    clinical = tree.getroot().find(NS + "ClinicalData")
    for subject in clinical.findall(NS + "SubjectData")[1:]:
        clinical.remove(subject)
    out = tmp_path_factory.mktemp("odm-first") / "first.xml"
    tree.write(out, xml_declaration=True, encoding="utf-8")
    return out


def _small(first: Path, out: Path, edit: Callable[[ET.Element], None]) -> Path:
    """The export cut down to its first participant and reference rows, then ``edit``ed."""
    ET.register_namespace("", NS[1:-1])
    tree = ET.parse(first)
    edit(tree.getroot())
    tree.write(out, xml_declaration=True, encoding="utf-8")
    return out


def _first_lab(root: ET.Element) -> ET.Element:
    return next(e for e in root.iter(NS + "ItemData") if e.get("ItemOID", "").startswith(
        "IT.PARTICIPANT."))


@pytest.mark.parametrize(("edit", "named"), [
    (lambda root: _first_lab(root).set("ItemOID", "IT.PARTICIPANT.SHOE_SIZE"),
     "IT.PARTICIPANT.SHOE_SIZE"),
    (lambda root: next(root.iter(NS + "ItemGroupData")).set("ItemGroupOID", "IG.NOPE"),
     "IG.NOPE"),
    (lambda root: root.attrib.pop("FileOID"), "FileOID"),
], ids=["unknown ItemOID", "unknown ItemGroupOID", "fails the schema"])
def test_a_bad_file_is_refused_naming_the_element_and_nothing_is_written(
        first: Path, empty: Path, tmp_path: Path, edit: Callable[[ET.Element], None],
        named: str) -> None:
    bad = _small(first, tmp_path / "bad.xml", edit)
    done = invoke(["import", "odm", str(bad)], env=_env(empty))
    assert done.returncode == 1
    assert named in done.stderr
    assert all(_scalar(empty, f"SELECT count(*) FROM {t}") == 0 for t in _tables(empty))
    assert _scalar(empty, "SELECT count(*) FROM audit_record") == 0


def test_one_participant_imports_into_each_database_and_new_rows_follow_its_keys(
        first: Path, db_url: str, tmp_path: Path) -> None:
    """On PostgreSQL the serial sequences are moved past the imported keys: a site created
    after the import gets a fresh id (a clash would be refused as a conflict)."""
    one = _small(first, tmp_path / "one.xml", lambda root: None)
    done = invoke(["import", "odm", str(one)], env=_env(db_url))
    assert done.returncode == 0, done.stderr
    assert invoke(["site", "create", "NEW1", "--name", "New site"],
                  env=_env(db_url)).returncode == 0
    reset = invoke(["user", "password", "datamanager", "--password-stdin", "--activate"],
                   env=_env(db_url), stdin="imported-and-reset-2026\n")
    assert reset.returncode == 0, reset.stderr
    engine = create_engine(db_url)
    with engine.connect() as c:
        active = dict(c.execute(text("SELECT username, is_active FROM app_user")).all())
    engine.dispose()
    assert {name for name, on in active.items() if on} == {"datamanager"}
    verified = invoke(["audit", "verify"], env=_env(db_url))
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_a_database_that_is_not_empty_is_refused(source: Path, exported: tuple[Path, int]
                                                 ) -> None:
    before = _scalar(source, "SELECT count(*) FROM audit_record")
    done = invoke(["import", "odm", str(exported[0])], env=_env(source))
    assert done.returncode == 1 and "not empty" in done.stderr
    assert _scalar(source, "SELECT count(*) FROM audit_record") == before


@pytest.fixture(scope="module")
def login(source: Path) -> Iterator[Callable[[str], TestClient]]:
    yield from demo_logins(f"sqlite:///{source}", "o")


def test_identifiers_are_left_out_for_the_data_manager(source: Path,
                                                       login: Callable[[str], TestClient]
                                                       ) -> None:
    client = login("datamanager")
    answer = client.get("/api/exports/odm")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["subjects"] == _scalar(source, "SELECT count(*) FROM participant")
    assert body["identifiers"] is False
    assert "participant_identity" not in {f["form"] for f in body["forms"]}
    identified = login("investigator2").get("/api/exports/odm").json()  # SIM2 only
    assert identified["identifiers"] is True and identified["sites"] == ["SIM2"]
    page = client.get("/exports")
    assert page.status_code == 200 and 'id="export-odm"' in page.text
