"""Imported studies through the web: the study list with search, a study's page with its
numbered criteria and "More related trials" with reasons, the DAWNA-FES study page, the API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from helpers import SYSTEM

from dawna.services import registry

REF = Path(__file__).parents[1] / "reference" / "ctgov"


def _load(name: str) -> dict[str, Any]:
    return json.loads((REF / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _import(db) -> None:  # type: ignore[no-untyped-def]
    registry.import_studies(db, SYSTEM, {"studies": [_load(n) for n in (
        "NCT05861830.json", "NCT90000001.json", "NCT90000002.json")]})


def test_study_list_search_and_pages(client_for, app_db) -> None:  # type: ignore[no-untyped-def]
    client = client_for(None)  # public pages
    assert "No study matches" in client.get("/studies").text
    _import(app_db)
    listing = client.get("/studies", params={"condition": "breast"})
    assert listing.text.count("data-nct=") == 2
    assert client.get("/studies", params={"drug": "metformin"}).text.count("data-nct=") == 1
    page = client.get("/studies/NCT90000001")
    assert page.status_code == 200
    assert "<li>Progression on or after a CDK4/6 inhibitor</li>" in page.text
    assert 'data-nct="NCT05861830"' in page.text  # related, with its reasons
    assert "same conditions: advanced breast cancer" in page.text
    study = client.get("/study")
    assert 'data-testid="more-related"' in study.text and 'data-nct="NCT90000001"' in study.text
    assert client.get("/studies/NCT00000000").status_code == 404
    skeleton = client.get("/studies/NCT90000001/protocol.yaml")
    assert skeleton.status_code == 200 and "id: EX2" in skeleton.text


def test_api(client_for, app_db) -> None:  # type: ignore[no-untyped-def]
    _import(app_db)
    client = client_for(None)
    rows = client.get("/api/studies", params={"phase": "PHASE2"}).json()
    assert [r["nct_id"] for r in rows] == ["NCT90000001"]
    detail = client.get("/api/studies/NCT05861830").json()
    assert len(detail["inclusion"]) == 9 and len(detail["exclusion"]) == 10
    assert detail["related"][0]["nct_id"] == "NCT90000001"
