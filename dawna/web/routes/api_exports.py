"""JSON API of the site data export (issue 20 item 7): what an export holds (sites, whether
identifiers are included, forms with their row and variable counts). The files themselves are
downloaded from ``/exports/site-data.zip``."""

from __future__ import annotations

from dawna.services import odm_export, site_export
from dawna.services.odm_export import OdmExport
from dawna.services.site_export import SiteExportSummary
from dawna.web.deps import DbDep, Exporter
from dawna.web.routing import Router

router = Router(prefix="/api", tags=["exports"])


@router.get("/exports/site-data", response_model=SiteExportSummary)
def site_data_summary(db: DbDep, user: Exporter, site: str | None = None) -> SiteExportSummary:
    return site_export.summary(db, user, site)


@router.get("/exports/odm", response_model=OdmExport)
def odm_summary(db: DbDep, user: Exporter, site: str | None = None) -> OdmExport:
    """What the ODM 1.3.2 export holds (participants, item groups per form, audit records,
    signatures, identifiers or not); the file is downloaded from ``/exports/odm.zip``."""
    return odm_export.summary(db, user, site)
