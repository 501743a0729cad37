"""The manifest of an export folder (issue 22 item 8): every file with its size, SHA-256 and row
count, the data cut, what kind of export it is, whether identifiers were left out, and the
software version that wrote it, so a recipient can check that what arrived is what was sent
(ICH E6(R3) §4.2 and Annex 1 §3.16.1: data integrity and traceability of transferred data;
``docs/exports.md``).

``write_manifest`` writes ``manifest.json`` beside the files; ``verify_manifest`` recomputes every
checksum and names the first file that is missing or differs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import Any

from dawna.clock import utcnow
from dawna.errors import ValidationError
from dawna.i18n import _

__all__ = ["MANIFEST", "ManifestFile", "software_version", "verify_manifest", "write_manifest"]

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class ManifestFile:
    name: str
    bytes: int
    sha256: str
    rows: int | None


def software_version() -> str:
    try:
        return metadata.version("dawna")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "unknown"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_manifest(directory: Path, kind: str, rows: Mapping[str, int | None], *,
                   data_cut: date | None, pseudonymized: bool,
                   extra: Mapping[str, Any] | None = None) -> Path:
    """Write ``manifest.json`` for the files named in ``rows`` (file name relative to
    ``directory`` → its number of data rows, ``None`` where rows mean nothing, e.g. an XML
    document); returns its path. A named file that does not exist is a ValidationError."""
    files = []
    for name in sorted(rows):
        path = directory / name
        if not path.is_file():
            raise ValidationError(_("no such export file: {name}").format(name=name),
                                  field="manifest")
        files.append(ManifestFile(name=name, bytes=path.stat().st_size, sha256=_sha256(path),
                                  rows=rows[name]))
    body = {"kind": kind, "software": "dawna", "version": software_version(),
            "generated_at": utcnow().isoformat(timespec="seconds"),
            "data_cut": data_cut.isoformat() if data_cut else None,
            "pseudonymized": pseudonymized,
            "files": [f.__dict__ for f in files]} | dict(extra or {})
    out = directory / MANIFEST
    out.write_text(json.dumps(body, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return out


def verify_manifest(directory: Path) -> dict[str, Any]:
    """The manifest of ``directory`` after checking every file's size and SHA-256; a missing or
    altered file is a ValidationError naming it."""
    try:
        body: dict[str, Any] = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValidationError(_("no manifest.json in {folder}").format(folder=str(directory)),
                              field="manifest") from None
    for entry in body["files"]:
        path = directory / entry["name"]
        if not path.is_file():
            raise ValidationError(_("{name} is listed in the manifest but missing").format(
                name=entry["name"]), field=entry["name"])
        if path.stat().st_size != entry["bytes"] or _sha256(path) != entry["sha256"]:
            raise ValidationError(_("{name} differs from its checksum in the manifest").format(
                name=entry["name"]), field=entry["name"])
    return body
