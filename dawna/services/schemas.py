"""Commands and answers of the services (pydantic), kept apart from the SQLAlchemy models.

Identity fields appear only in ``ParticipantDetail.identity``, filled for roles allowed to see it.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    field_validator,
    model_validator,
)

from dawna.store.models import ParticipantStatus

#: A date-time answered as ``datetime.isoformat()`` (``+00:00``, as the answers built by hand
#: before they had a model), not pydantic's ``Z``.
IsoDateTime = Annotated[datetime, PlainSerializer(lambda value: value.isoformat(),
                                                  return_type=str, when_used="json")]
#: A number answered as it was computed: a whole number stays whole (``3``, not ``3.0``).
Number = int | float

PHONE = re.compile(r"^\+?[0-9][0-9 \-]{5,22}[0-9]$")
MRN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-]{2,31}$")


class _Command(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _phone(value: str | None) -> str | None:
    if value in (None, ""):
        return None
    if not PHONE.match(value):
        raise ValueError("must be a telephone number of digits, spaces or dashes, e.g. "
                         "+86-133-6617-1269")
    return value


class ParticipantCreate(_Command):
    """Registration; with ``consent_date`` the participant is registered as consented (the
    version defaults to the one in force that day), without it as pre-screening."""

    site_code: str = Field(min_length=1, max_length=16)
    consent_date: date | None = None
    consent_time: time | None = None
    consent_version: str | None = Field(default=None, min_length=1, max_length=20)
    consent_obtained_by: str | None = Field(default=None, min_length=1, max_length=200)
    full_name: str = Field(min_length=1, max_length=200)
    medical_record_number: str = Field(min_length=3, max_length=32)
    phone: str | None = Field(default=None, max_length=24)

    @field_validator("medical_record_number")
    @classmethod
    def _mrn(cls, value: str) -> str:
        if not MRN.match(value):
            raise ValueError("must be 3-32 letters, digits or dashes")
        return value

    _check_phone = field_validator("phone")(_phone)

    @model_validator(mode="after")
    def _consent_details(self) -> ParticipantCreate:
        if self.consent_date is None and (self.consent_time or self.consent_version
                                          or self.consent_obtained_by):
            raise ValueError("consent_date is required with the consent's time, version or "
                             "the person who obtained it")
        return self


class ParticipantUpdate(_Command):
    """Fields left as None are unchanged; ``reason`` is always required (ICH E6(R3) 3.16.1)."""

    consent_date: date | None = None
    full_name: str | None = Field(default=None, min_length=1, max_length=200)
    medical_record_number: str | None = Field(default=None, min_length=3, max_length=32)
    phone: str | None = Field(default=None, max_length=24)
    reason: str = Field(min_length=3, max_length=2000)
    #: the version of the record the change was made on (``ParticipantDetail.version``)
    version: int = Field(ge=1)

    @field_validator("medical_record_number")
    @classmethod
    def _mrn(cls, value: str | None) -> str | None:
        if value is not None and not MRN.match(value):
            raise ValueError("must be 3-32 letters, digits or dashes")
        return value

    _check_phone = field_validator("phone")(_phone)


class IdentityPublic(BaseModel):
    full_name: str
    medical_record_number: str
    phone: str | None


class ParticipantPublic(BaseModel):
    pseudonym: str
    screening_number: str
    site_code: str
    site_name: str
    status: ParticipantStatus
    consent_date: date | None
    created_at: datetime


class ParticipantDetail(ParticipantPublic):
    identity: IdentityPublic | None = None
    #: send it back with a correction (optimistic locking; None: no identity record)
    version: int | None = None


class SitePublic(BaseModel):
    code: str
    name: str


class AuditEntry(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    table_name: str
    row_id: str
    site_code: str | None
    field: str | None
    old_value: str | None
    new_value: str | None
    reason: str
    # In words (issue 20 item 5): the form and field labels and the values as the forms show
    # them, in the reader's language; the participant the record belongs to and the page that
    # shows the form, when the reader's roles open it.
    form: str = ""
    field_label: str = ""
    old_text: str = ""
    new_text: str = ""
    participant: str | None = None
    link: str | None = None


class SiteCreate(_Command):
    code: str = Field(pattern=r"^[A-Z0-9][A-Z0-9\-]{1,15}$")
    name: str = Field(min_length=2, max_length=200)
    city: str = Field(default="", max_length=100)


class UserCreate(_Command):
    username: str = Field(pattern=r"^[a-z][a-z0-9_.\-]{2,63}$")
    display_name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=10, max_length=256)
    locale: str | None = Field(default=None, pattern=r"^(en|zh_CN)$")
