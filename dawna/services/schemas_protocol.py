"""Inputs and answers of protocol amendments (issue 20 item 8): the amendment an administrator
loads (with its file's text beside it), the version history and the diff between two versions.
Dates are ISO strings in the answers."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["AmendmentFileIn", "AmendmentIn", "ChangeOut", "DiffOut", "ReconsentDueOut",
           "ReconsentListOut", "UsdmOut", "VersionOut", "VersionsOut"]


class AmendmentIn(BaseModel):
    """An amendment: its version label, the ethics committee's approval date, the date it takes
    effect, what it changes, and the consent form version participants must have signed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    version: str = Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    approved_on: date
    effective_on: date
    summary: str = Field(min_length=3, max_length=4000)
    consent_version: str = Field(min_length=1, max_length=20)


class AmendmentFileIn(AmendmentIn):
    """``POST /api/protocol/versions``: the amendment and the text of its protocol file."""

    yaml_text: str = Field(min_length=1, max_length=2_000_000,
                           description="The whole protocol file (YAML), UTF-8 text.")


class VersionOut(BaseModel):
    label: str
    sha256: str
    approved_on: str
    effective_on: str
    summary: str
    consent_version: str | None
    loaded_by: str
    loaded_at: str | None
    stored: bool = Field(description="False for version 1 before any amendment: the bundled "
                         "file, not yet written to the database.")
    in_force: bool = Field(description="In force today at the site.")


class VersionsOut(BaseModel):
    versions: list[VersionOut]
    in_force: str


class ChangeOut(BaseModel):
    section: str = Field(description="criteria, regimens, schedule, settings, randomization, "
                         "consent_forms or other")
    kind: str = Field(description="added, removed or changed")
    path: str
    old: Any = None
    new: Any = None


class DiffOut(BaseModel):
    old: str
    new: str
    counts: dict[str, int]
    changes: list[ChangeOut]


class ReconsentDueOut(BaseModel):
    pseudonym: str
    site: str
    version_signed: str
    version_required: str
    protocol_version: str


class ReconsentListOut(BaseModel):
    """Participants to re-consent under the protocol version in force today."""

    protocol_version: str
    consent_version: str | None
    participants: list[ReconsentDueOut]


class UsdmOut(BaseModel):
    """``GET /api/protocol/usdm``: a protocol version as a CDISC USDM 4.0 document (the API's
    ``Wrapper``), already checked against the USDM 4.0 JSON schema (``docs/usdm.md``)."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    study: dict[str, Any] = Field(description="The USDM Study: its versions, designs, arms, "
                                              "criteria, endpoints, schedule.")
    usdm_version: str = Field(alias="usdmVersion")
    system_name: str | None = Field(default=None, alias="systemName")
    system_version: str | None = Field(default=None, alias="systemVersion")
