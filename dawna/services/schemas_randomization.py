"""Answers of the randomization API for the list manager: the list's status (never its
contents), the balance of allocations, the verification report."""

from __future__ import annotations

from pydantic import BaseModel

from dawna.services.schemas import IsoDateTime

__all__ = ["BalanceOut", "ListStatusOut", "RandomizationOut", "VerificationOut"]


class ListStatusOut(BaseModel):
    """``randomization.ListStatus``: whether a list exists, its method, whether it is live,
    who made it and when, its fingerprint, positions used and capacity."""

    exists: bool
    method: str | None
    live: bool
    created_at: IsoDateTime | None
    created_by: str | None
    live_at: IsoDateTime | None
    fingerprint: str | None
    used: int
    capacity: int


class BalanceOut(BaseModel):
    """Allocations by arm overall, within each stratum, factor level (``name=level``) and site."""

    arms: list[str]
    total: dict[str, int]
    strata: dict[str, dict[str, int]]
    factors: dict[str, dict[str, int]]
    sites: dict[str, dict[str, int]]


class RandomizationOut(BaseModel):
    status: ListStatusOut
    balance: BalanceOut


class VerificationOut(BaseModel):
    """The list recomputed from the sealed seed against the stored fingerprint and every
    allocation (``randomization_report.verify``)."""

    ok: bool
    checked: int
    fingerprint_ok: bool
    mismatches: list[str]
