"""The export manifest against hashlib computed here, and its check of altered or missing files."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import pytest

from dawna.errors import ValidationError
from dawna.exports.manifest import MANIFEST, verify_manifest, write_manifest


def test_manifest_lists_each_file_with_its_checksum_and_rows(tmp_path: Path) -> None:
    (tmp_path / "dm.csv").write_bytes(b"USUBJID\nDF-1\nDF-2\n")
    (tmp_path / "define.xml").write_bytes(b"<ODM/>")
    path = write_manifest(tmp_path, "sdtm", {"dm.csv": 2, "define.xml": None},
                          data_cut=date(2025, 6, 30), pseudonymized=True, extra={"domains": 1})
    body = json.loads(path.read_text(encoding="utf-8"))
    assert path.name == MANIFEST
    assert body["kind"] == "sdtm" and body["data_cut"] == "2025-06-30"
    assert body["pseudonymized"] is True and body["domains"] == 1
    assert body["files"] == [
        {"name": "define.xml", "bytes": 6, "sha256": hashlib.sha256(b"<ODM/>").hexdigest(),
         "rows": None},
        {"name": "dm.csv", "bytes": 18,
         "sha256": hashlib.sha256(b"USUBJID\nDF-1\nDF-2\n").hexdigest(), "rows": 2}]
    assert verify_manifest(tmp_path)["kind"] == "sdtm"


def test_an_altered_or_missing_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "dm.csv").write_bytes(b"a\n")
    (tmp_path / "ae.csv").write_bytes(b"b\n")
    write_manifest(tmp_path, "sdtm", {"dm.csv": 1, "ae.csv": 1}, data_cut=None,
                   pseudonymized=False)
    (tmp_path / "dm.csv").write_bytes(b"c\n")  # same size, other bytes
    with pytest.raises(ValidationError) as altered:
        verify_manifest(tmp_path)
    assert altered.value.field == "dm.csv"
    (tmp_path / "ae.csv").unlink()
    with pytest.raises(ValidationError) as missing:
        verify_manifest(tmp_path)
    assert missing.value.field == "ae.csv"
    with pytest.raises(ValidationError) as unknown:
        write_manifest(tmp_path, "sdtm", {"nope.csv": 0}, data_cut=None, pseudonymized=True)
    assert unknown.value.field == "manifest"
