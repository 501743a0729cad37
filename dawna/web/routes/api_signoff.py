"""JSON API of sign-off and locks (issue 20 item 4): a participant's casebook with its signatures
and locks, the investigator's signature of a form or the casebook (password re-entered), the
data manager's locks and unlocks, and data freezes for an analysis cut."""

from __future__ import annotations

from fastapi import Depends, Request
from pydantic import BaseModel, Field

from dawna.services import freezes, locks, signoff
from dawna.services.schemas_signoff import (
    CasebookSignoff,
    FreezeCheck,
    FreezeIn,
    FreezeOut,
    LockIn,
    SignatureOut,
    SignIn,
)
from dawna.web.deps import CurrentUser, DbDep, SettingsDep, client_address
from dawna.web.routing import Router
from dawna.web.security import csrf_protect

router = Router(prefix="/api", tags=["sign-off"])


class FormSignIn(SignIn):
    """A signature of one form (``table_name`` and ``row_id``) or, with neither, the casebook."""

    table_name: str | None = Field(default=None, max_length=64)
    row_id: str | None = Field(default=None, max_length=64)


class FormLockIn(LockIn):
    table_name: str | None = Field(default=None, max_length=64)
    row_id: str | None = Field(default=None, max_length=64)


class LockDone(BaseModel):
    pseudonym: str
    table_name: str | None
    row_id: str | None
    locked: bool


class UnfreezeIn(LockIn):
    """Lifting a freeze: the reason."""


@router.get("/participants/{pseudonym}/casebook", response_model=CasebookSignoff)
def casebook(pseudonym: str, db: DbDep, user: CurrentUser) -> CasebookSignoff:
    return signoff.casebook(db, user, pseudonym)


@router.post("/participants/{pseudonym}/signatures", response_model=SignatureOut,
             dependencies=[Depends(csrf_protect)])
def sign(pseudonym: str, body: FormSignIn, request: Request, db: DbDep, settings: SettingsDep,
         user: CurrentUser) -> SignatureOut:
    command = SignIn.model_validate(body.model_dump(exclude={"table_name", "row_id"}))
    return signoff.sign(db, settings, user, pseudonym, body.table_name, body.row_id, command,
                        address=client_address(request))


@router.post("/participants/{pseudonym}/locks", response_model=LockDone,
             dependencies=[Depends(csrf_protect)])
def lock(pseudonym: str, body: FormLockIn, db: DbDep, user: CurrentUser) -> LockDone:
    locks.lock(db, user, pseudonym, body.table_name, body.row_id, body.reason)
    return LockDone(pseudonym=pseudonym, table_name=body.table_name, row_id=body.row_id,
                    locked=True)


@router.post("/participants/{pseudonym}/unlock", response_model=LockDone,
             dependencies=[Depends(csrf_protect)])
def unlock(pseudonym: str, body: FormLockIn, db: DbDep, user: CurrentUser) -> LockDone:
    locks.unlock(db, user, pseudonym, body.table_name, body.row_id, body.reason)
    return LockDone(pseudonym=pseudonym, table_name=body.table_name, row_id=body.row_id,
                    locked=False)


@router.get("/freezes", response_model=list[FreezeOut])
def freeze_list(db: DbDep, user: CurrentUser) -> list[FreezeOut]:
    return freezes.list_freezes(db, user)


@router.post("/freezes", response_model=FreezeOut, dependencies=[Depends(csrf_protect)])
def freeze(body: FreezeIn, db: DbDep, settings: SettingsDep, user: CurrentUser) -> FreezeOut:
    return freezes.freeze(db, settings, user, body)


@router.get("/freezes/{name}", response_model=FreezeCheck)
def freeze_check(name: str, db: DbDep, user: CurrentUser) -> FreezeCheck:
    return freezes.check(db, user, name)


@router.post("/freezes/{name}/unfreeze", response_model=FreezeOut,
             dependencies=[Depends(csrf_protect)])
def unfreeze(name: str, body: UnfreezeIn, db: DbDep, user: CurrentUser) -> FreezeOut:
    return freezes.unfreeze(db, user, name, body.reason)
