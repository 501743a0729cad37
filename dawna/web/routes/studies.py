"""Imported registry studies: the public study list with search and each study's page with
"More related trials" (``dawna.services.registry``); the JSON API for the same."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from dawna.protocol.ctgov import split_eligibility
from dawna.services import registry
from dawna.services.schemas_registry import StudyDetailOut, StudyRowOut
from dawna.web.deps import DbDep, OptionalUser
from dawna.web.routing import Router
from dawna.web.templating import render

router = Router()


@router.get("/studies", include_in_schema=False)
def study_list(request: Request, db: DbDep, user: OptionalUser, q: str = "",
               condition: str = "", drug: str = "", status: str = "",
               phase: str = "") -> Response:
    rows = registry.list_studies(db, q, condition, drug, status, phase)
    return render(request, "studies/list.html", {
        "rows": rows, "f": {"q": q, "condition": condition, "drug": drug, "status": status,
                            "phase": phase}})


@router.get("/studies/{nct_id}", include_in_schema=False)
def study_detail(request: Request, db: DbDep, user: OptionalUser, nct_id: str) -> Response:
    row, study = registry.get(db, nct_id)
    inclusion, exclusion = split_eligibility(study.eligibility_text)
    return render(request, "studies/detail.html", {
        "row": row, "s": study, "inclusion": inclusion, "exclusion": exclusion,
        "related": registry.related(db, nct_id)})


@router.get("/studies/{nct_id}/protocol.yaml", include_in_schema=False)
def skeleton(db: DbDep, nct_id: str) -> Response:
    """The protocol-file skeleton of an imported study (criteria numbered, rules unwritten)."""
    import yaml

    from dawna.protocol.ctgov import protocol_skeleton

    _row, study = registry.get(db, nct_id)
    text = yaml.safe_dump(protocol_skeleton(study), allow_unicode=True, sort_keys=False)
    return Response(text, media_type="application/yaml; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{nct_id}-protocol-skeleton.yaml"'})


@router.get("/api/studies", tags=["registry"], response_model=list[StudyRowOut])
def api_list(db: DbDep, q: str = "", condition: str = "", drug: str = "", status: str = "",
             phase: str = "") -> list[dict[str, Any]]:
    return [row.__dict__ for row in registry.list_studies(db, q, condition, drug, status,
                                                          phase)]


@router.get("/api/studies/{nct_id}", tags=["registry"], response_model=StudyDetailOut)
def api_detail(db: DbDep, nct_id: str) -> dict[str, Any]:
    _row, study = registry.get(db, nct_id)
    inclusion, exclusion = split_eligibility(study.eligibility_text)
    return {**study.model_dump(), "inclusion": inclusion, "exclusion": exclusion,
            "related": [r.__dict__ for r in registry.related(db, nct_id)]}
