"""The USDM 4.0 export where users reach it (issue 22 item 6): ``dawna export usdm DIR`` without a
database (the shipped file or ``--protocol FILE``) and for a stored version, ``GET
/api/protocol/usdm`` and the download on the protocol version table. Every document is checked
with jsonschema against the vendored USDM 4.0 schema, read here directly."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from cli_runner import invoke
from jsonschema import Draft202012Validator
from protocol_data import v2_text

from dawna.exports.manifest import verify_manifest

SCHEMA = Path(str(resources.files("dawna.exports"))) / "schemas" / "usdm-4.0" / "USDM_API.json"
IN1 = "The recent pathology results showed HR-positive and HER2-negative."
NO_DATABASE = {"DAWNA_DATABASE_URL": "sqlite:////nonexistent-folder/none.sqlite3",
               "DAWNA_ENV": "test"}


def problems(document: dict[str, Any]) -> list[str]:
    api = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = Draft202012Validator({"$ref": "#/components/schemas/Wrapper-Input",
                                      "components": api["components"]})
    return [f"{e.json_path}: {e.message[:200]}" for e in validator.iter_errors(document)]


def criterion_texts(document: dict[str, Any]) -> list[str]:
    return [i["text"] for i in document["study"]["versions"][0]["eligibilityCriterionItems"]]


def test_the_command_exports_the_shipped_protocol_without_a_database(tmp_path: Path) -> None:
    done = invoke(["export", "usdm", str(tmp_path / "out")], env=NO_DATABASE)
    assert done.returncode == 0, done.stderr
    assert "valid against the USDM 4.0 schema" in done.stdout
    document = json.loads((tmp_path / "out" / "usdm.json").read_text(encoding="utf-8"))
    assert problems(document) == []
    assert document["study"]["versions"][0]["versionIdentifier"] == "1"
    assert criterion_texts(document)[0] == IN1
    manifest = verify_manifest(tmp_path / "out")
    assert manifest["kind"] == "usdm" and manifest["pseudonymized"] is True
    assert [f["name"] for f in manifest["files"]] == ["usdm.json"]
    assert manifest["data_cut"] is None and manifest["usdm_version"] == "4.0.0"


def test_another_protocol_file_is_exported_and_a_broken_one_refused(tmp_path: Path) -> None:
    amended = tmp_path / "amended.yaml"
    amended.write_text(v2_text(extra=((IN1, "Pathology: HR-positive, HER2-negative or "
                                            "HER2-low."),)), encoding="utf-8")
    done = invoke(["export", "usdm", str(tmp_path / "out"), "--protocol", str(amended),
                   "--label", "2-draft"], env=NO_DATABASE)
    assert done.returncode == 0, done.stderr
    document = json.loads((tmp_path / "out" / "usdm.json").read_text(encoding="utf-8"))
    assert problems(document) == []
    assert document["study"]["versions"][0]["versionIdentifier"] == "2-draft"
    assert criterion_texts(document)[0] == "Pathology: HR-positive, HER2-negative or HER2-low."
    broken = tmp_path / "broken.yaml"
    broken.write_text(v2_text().replace("  phase: PHASE3", "  phase: PHASE9"),
                      encoding="utf-8")
    refused = invoke(["export", "usdm", str(tmp_path / "none"), "--protocol", str(broken)],
                     env=NO_DATABASE)
    assert refused.returncode == 1 and "registry.phase" in refused.stderr
    assert not (tmp_path / "none" / "usdm.json").exists()


def test_a_stored_version_is_exported_from_the_database(cli_env: None, tmp_path: Path) -> None:
    done = invoke(["export", "usdm", str(tmp_path / "out"), "--in-force"])
    assert done.returncode == 0, done.stderr
    document = json.loads((tmp_path / "out" / "usdm.json").read_text(encoding="utf-8"))
    assert document["study"]["versions"][0]["versionIdentifier"] == "1"
    unknown = invoke(["export", "usdm", str(tmp_path / "other"), "--version-id", "9"])
    assert unknown.returncode == 1 and "no protocol version 9" in unknown.stderr


def test_the_api_and_the_download_give_the_valid_document(client_for) -> None:  # type: ignore[no-untyped-def]
    coord = client_for("coord_a")
    answer = coord.get("/api/protocol/usdm")
    assert answer.status_code == 200
    document = answer.json()
    assert problems(document) == []
    assert document["usdmVersion"] == "4.0.0"
    design = document["study"]["versions"][0]["studyDesigns"][0]
    assert [a["name"] for a in design["arms"]] == ["Arm A", "Arm B"]
    assert coord.get("/api/protocol/usdm", params={"version": "9"}).status_code == 404
    page = coord.get("/protocol-versions")
    assert 'href="/protocol-versions/1/usdm.json"' in page.text
    download = coord.get("/protocol-versions/1/usdm.json")
    assert download.status_code == 200
    assert download.headers["content-disposition"] == (
        'attachment; filename="NCT05861830-usdm-v1.json"')
    assert download.json() == document
    anonymous = client_for(None).get("/protocol-versions/1/usdm.json", follow_redirects=False)
    assert anonymous.status_code == 303 and "/login" in anonymous.headers["location"]
