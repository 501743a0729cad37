"""The SDTM export as a use case (issue 22 items 1, 3, 7, 8): read the store as of the data cut
at the reader's sites (``services/sdtm_data.py``), build the data sets and run the self-checks
(``exports/sdtm.py``), write the files with their manifest, and record the export in the audit
trail (``services/export_events.py``: reader, sites, data cut, pseudonymized). The data cut
defaults to today at the site; SDTM carries no identifier, so the export is always
pseudonymized whatever the reader's roles (``docs/sdtm.md``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from pydantic import BaseModel

from dawna.clock import local_today
from dawna.config import Settings
from dawna.exports.sdtm import SdtmData, build_sdtm, write_sdtm
from dawna.exports.sdtm_spec import DOMAINS, IG_VERSION, ct_source
from dawna.protocol import bundled_protocol
from dawna.services.access import Principal
from dawna.services.export_access import exporter
from dawna.services.export_events import record_export
from dawna.services.protocol_versions import in_force
from dawna.services.sdtm_data import read_sdtm, sdtm_sites
from dawna.store.db import Database
from dawna.store.uow import UnitOfWork

__all__ = ["SdtmDomain", "SdtmFinding", "SdtmSummary", "build", "export", "summary"]


class SdtmDomain(BaseModel):
    name: str
    label: str
    rows: int


class SdtmFinding(BaseModel):
    check: str
    dataset: str
    variable: str
    usubjid: str
    row: int | None
    message: str


class SdtmSummary(BaseModel):
    """What an SDTM export of the reader's sites holds at a data cut."""

    standard: str
    controlled_terminology: str
    data_cut: date
    pseudonymized: bool
    domains: list[SdtmDomain]
    domains_without_data: list[str]
    findings: list[SdtmFinding]


def build(db: Database, settings: Settings, principal: Principal, *,
          cutoff: date | None = None,
          progress: Callable[[str], None] | None = None) -> SdtmData:
    """The SDTM data sets of the reader's export sites (``data.export``,
    :func:`~dawna.services.export_access.exporter`) as of ``cutoff`` (default today)."""
    sites = sdtm_sites(exporter(principal))
    cut = cutoff or local_today(settings.zone)
    with UnitOfWork(db) as uow:
        data = read_sdtm(uow.session, settings, sites, cut)
        version = in_force(uow.session, cut).label
    if progress:
        progress("read")
    return build_sdtm(data, bundled_protocol(), protocol_version=version, progress=progress)


def _summary(data: SdtmData) -> SdtmSummary:
    return SdtmSummary(
        standard=f"SDTMIG {IG_VERSION}", controlled_terminology=ct_source()["package_date"],
        data_cut=data.cutoff, pseudonymized=True,
        domains=[SdtmDomain(name=n, label=DOMAINS[n].label, rows=len(df))
                 for n, df in data.frames.items()],
        domains_without_data=list(data.empty),
        findings=[SdtmFinding(**f.__dict__) for f in data.findings])


def summary(db: Database, settings: Settings, principal: Principal, *,
            cutoff: date | None = None) -> SdtmSummary:
    return _summary(build(db, settings, principal, cutoff=cutoff))


def export(db: Database, settings: Settings, principal: Principal, out_dir: Path, *,
           cutoff: date | None = None, freeze: str | None = None,
           progress: Callable[[str], None] | None = None) -> SdtmSummary:
    """Build, write into ``out_dir`` with the manifest, and record the export."""
    data = build(db, settings, principal, cutoff=cutoff, progress=progress)
    files = write_sdtm(data, out_dir, progress=progress)
    record_export(db, principal, "sdtm", sdtm_sites(exporter(principal)), {
        "data_cut": data.cutoff.isoformat(), "freeze": freeze, "pseudonymized": True,
        "files": len(files), "self_check_findings": len(data.findings)})
    return _summary(data)
