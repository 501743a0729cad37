"""Commands and answers of sign-off, locks and data freezes (issue 20 item 4): what a signature
shows (21 CFR 11.50: printed name, date and time, meaning), what a lock says, a casebook with
the state of each form, a freeze with its data cut-off and audit-chain head."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["CasebookSignoff", "FormSignoff", "FreezeChange", "FreezeCheck", "FreezeIn",
           "FreezeOut", "LockIn", "LockOut", "SignIn", "SignatureOut"]

Meaning = Literal["review", "approval", "authorship"]


class _Command(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SignIn(_Command):
    """An electronic signature: the password re-entered (21 CFR 11.200(a)(1)), the meaning
    chosen, the box ticked; ``content_sha256`` (and ``version`` for a form) as read, so a form
    changed since it was shown is a conflict rather than a signature of unseen data."""

    password: str = Field(default="", max_length=200)
    meaning: Meaning = "review"
    confirm: bool = False
    content_sha256: str | None = Field(default=None, max_length=64)
    version: int | None = None


class LockIn(_Command):
    """A lock or an unlock: the data manager's reason (required, at least 3 characters)."""

    reason: str = Field(min_length=3, max_length=2000)


class SignatureOut(BaseModel):
    id: int
    scope: str
    table_name: str | None
    row_id: str | None
    signer_name: str
    signer_username: str
    signed_at: datetime
    meaning_code: str
    #: the statement as signed, in the signer's language (21 CFR 11.50)
    meaning: str
    content_sha256: str
    valid: bool
    voided_at: datetime | None
    void_reason: str | None
    #: the same statement in the reader's language
    meaning_shown: str = ""


class LockOut(BaseModel):
    id: int
    scope: str
    table_name: str | None
    row_id: str | None
    source: str
    locked_by: str
    locked_at: datetime
    reason: str


class FormSignoff(BaseModel):
    """One form of a casebook: its signature (the latest, valid or void) and lock in force;
    ``locked`` also when the whole casebook is locked."""

    table_name: str
    row_id: str
    label: str
    content_sha256: str
    version: int | None
    signature: SignatureOut | None
    lock: LockOut | None
    locked: bool


class CasebookSignoff(BaseModel):
    pseudonym: str
    content_sha256: str
    signature: SignatureOut | None
    lock: LockOut | None
    forms: list[FormSignoff]


class FreezeIn(_Command):
    name: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    cut_off: date
    description: str = Field(min_length=3, max_length=2000)


class FreezeOut(BaseModel):
    name: str
    cut_off: date
    description: str
    frozen_at: datetime
    frozen_by: str
    chain_last_id: int
    chain_hash: str
    active: bool
    unfrozen_at: datetime | None
    unfrozen_by: str | None
    unfreeze_reason: str | None


class FreezeChange(BaseModel):
    """An audited change made after the freeze to data dated on or before its cut-off."""

    at: datetime
    actor: str
    action: str
    table_name: str
    row_id: str
    field: str | None
    data_date: date | None


class FreezeCheck(BaseModel):
    freeze: FreezeOut
    changes: list[FreezeChange]
    unchanged: bool
