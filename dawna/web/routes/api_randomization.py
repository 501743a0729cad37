"""JSON API for randomization (participant allocation; list management for the statistician)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Depends, Request
from pydantic import BaseModel, Field
from starlette import concurrency

from dawna.services import randomization, randomization_report
from dawna.services.schemas_randomization import (
    ListStatusOut,
    RandomizationOut,
    VerificationOut,
)
from dawna.services.scope import actor_of
from dawna.web.deps import CurrentUser, DbDep, SettingsDep, user_or_login
from dawna.web.routing import Router
from dawna.web.security import csrf_protect

router = Router(prefix="/api", tags=["randomization"])


class RandomizeIn(BaseModel):
    factors: dict[str, str] = Field(description="Level of every stratification factor.")
    choices: dict[str, str] = Field(description="Regimen choice per choice group, declared "
                                                "before the arm is known.")


class AllocationOut(BaseModel):
    pseudonym: str
    arm: str
    arm_label: str
    stratum: str
    factors: dict[str, str]
    regimen: dict[str, Any]
    randomized_at: datetime
    randomized_by: str


class ReasonIn(BaseModel):
    reason: str = Field(min_length=3, max_length=2000)


@router.get("/participants/{pseudonym}/randomization", response_model=AllocationOut | None)
def get_allocation(pseudonym: str, db: DbDep, user: CurrentUser) -> AllocationOut | None:
    view = randomization.allocation_of(db, user, pseudonym)
    return AllocationOut(**view.__dict__) if view else None


@router.post("/participants/{pseudonym}/randomization", response_model=AllocationOut,
             status_code=201, dependencies=[Depends(csrf_protect)])
async def randomize(pseudonym: str, body: RandomizeIn, request: Request, db: DbDep,
                    settings: SettingsDep) -> AllocationOut:
    """A coroutine handing the session look-up and the service to a worker thread in one go:
    FastAPI runs a plain dependency (the user's session) and validates a plain function's
    answer on worker threads too, each hand-over queued behind every request waiting for a
    thread, so in a burst each answer waited for the whole queue, three times (issue 23)."""

    def work() -> randomization.AllocationView:
        user = user_or_login(request, db)
        return randomization.randomize(db, settings, user, pseudonym, body.factors,
                                       body.choices)

    view = await concurrency.run_in_threadpool(work)
    return AllocationOut(**view.__dict__)


@router.get("/randomization", response_model=RandomizationOut)
def list_status(db: DbDep, user: CurrentUser) -> dict[str, Any]:
    """Status of the list (never its contents) and, for the statistician, the balance."""
    randomization.require_manager(user)
    return {"status": randomization.status(db).__dict__,
            "balance": randomization_report.balance(db, user)}


@router.post("/randomization/list", response_model=ListStatusOut,
             dependencies=[Depends(csrf_protect)])
def generate(body: ReasonIn, db: DbDep, settings: SettingsDep, user: CurrentUser) -> dict[str, Any]:
    randomization.require_manager(user)
    return randomization.generate(db, settings, actor_of(user), body.reason).__dict__


@router.post("/randomization/go-live", response_model=ListStatusOut,
             dependencies=[Depends(csrf_protect)])
def go_live(body: ReasonIn, db: DbDep, user: CurrentUser) -> dict[str, Any]:
    randomization.require_manager(user)
    return randomization.go_live(db, actor_of(user), body.reason).__dict__


@router.get("/randomization/verification", response_model=VerificationOut)
def verify(request: Request, db: DbDep, user: CurrentUser) -> dict[str, Any]:
    randomization.require_manager(user)
    report = randomization_report.verify(db, request.app.state.settings)
    return {"ok": report.ok, "checked": report.checked, "fingerprint_ok": report.fingerprint_ok,
            "mismatches": report.mismatches}
