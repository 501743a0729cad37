"""Who may take which export: one rule for every export route and command (``docs/exports.md``
"Who may export").

- **Data exports** (participant-level data sets in files meant to leave dawna: site data, ODM,
  SDTM, Define-XML, ADaM, FHIR, the clinical forms' CSV, the PET covariates) need
  ``data.export`` at each site exported and hold only those sites (:func:`exporter`);
  identifiers only where the reader also holds ``identity.view`` (PIPL art. 51); each is
  recorded in the audit trail. Every role holding ``data.export`` also holds ``treatment.view``
  and the imaging reader holds neither, so an arm-blind reader never receives one.
- **Listings** (a page's table as a file: the deviation log, the adverse events, the screening
  log, the audit trail, treatment calendars) need the page's own permission: the file holds
  what the page shows, no more.
- **Results** (the statistical report, the registry's results tables): ``treatment.view``, as
  the Results page.
- **Protocol documents** (USDM, the protocol skeleton of a registry record) hold no
  participant data: any logged-in user.

:data:`EXPORTS` lists every export with its routes and commands; a test derives the export
routes from the application and fails on one missing here or answering other roles.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass

from dawna.errors import PermissionDenied
from dawna.i18n import _
from dawna.services.access import Permission, Principal

__all__ = ["EXPORTS", "ExportKind", "ExportRule", "exporter"]


class ExportKind(enum.StrEnum):
    DATA = "data"
    LISTING = "listing"
    RESULTS = "results"
    PROTOCOL = "protocol"


@dataclass(frozen=True)
class ExportRule:
    """One export: its name, kind, the permission it needs (None: any logged-in user), its web
    routes (as the application declares them) and its commands."""

    name: str
    kind: ExportKind
    permission: Permission | None
    routes: tuple[str, ...] = ()
    commands: tuple[str, ...] = ()


P, K = Permission, ExportKind
#: Every export of dawna (``docs/exports.md`` shows the same table).
EXPORTS: tuple[ExportRule, ...] = (
    ExportRule("Site data (every form, CSV or Excel, dictionary)", K.DATA, P.DATA_EXPORT,
               ("/exports", "/exports/site-data.zip", "/api/exports/site-data"),
               ("dawna export site-data",)),
    ExportRule("CDISC ODM 1.3.2", K.DATA, P.DATA_EXPORT,
               ("/exports/odm.zip", "/api/exports/odm"), ("dawna export odm",)),
    ExportRule("SDTM", K.DATA, P.DATA_EXPORT,
               ("/exports/sdtm", "/exports/sdtm.zip", "/api/exports/sdtm"),
               ("dawna export sdtm",)),
    ExportRule("Define-XML 2.1", K.DATA, P.DATA_EXPORT, (), ("dawna export define",)),
    ExportRule("ADaM", K.DATA, P.DATA_EXPORT, ("/results/adam.zip",), ("dawna export adam",)),
    ExportRule("FHIR R4 / mCODE", K.DATA, P.DATA_EXPORT, ("/exports/fhir.zip", "/fhir/$export"),
               ("dawna export fhir",)),
    ExportRule("Clinical forms (CM, MH, VS, EG) as CSV", K.DATA, P.DATA_EXPORT, (),
               ("dawna export clinical", "dawna clinical export")),
    ExportRule("PET baseline covariates", K.DATA, P.DATA_EXPORT, ("/pet/covariates.csv",),
               ("dawna pet covariates",)),
    ExportRule("Deviation log", K.LISTING, P.TREATMENT_VIEW, ("/deviations.csv",),
               ("dawna deviations list --csv",)),
    ExportRule("Adverse event listing", K.LISTING, P.TREATMENT_VIEW,
               ("/safety/adverse-events.csv",), ("dawna treatment ae-export",)),
    ExportRule("Screening log", K.LISTING, P.PARTICIPANT_VIEW, ("/screening-log.csv",)),
    ExportRule("Audit trail", K.LISTING, P.AUDIT_VIEW, ("/audit.csv",),
               ("dawna audit trail --csv",)),
    ExportRule("Treatment calendars (iCalendar)", K.LISTING, P.TREATMENT_VIEW,
               ("/participants/{pseudonym}/treatment/calendar.ics",
                "/treatment/site-calendar.ics")),
    ExportRule("Statistical report", K.RESULTS, P.TREATMENT_VIEW, ("/results/report.html",),
               ("dawna report",)),
    ExportRule("Registry results tables", K.RESULTS, P.TREATMENT_VIEW,
               ("/results/registry.json",)),
    ExportRule("Protocol as CDISC USDM 4.0", K.PROTOCOL, None,
               ("/protocol-versions/{label}/usdm.json", "/api/protocol/usdm"),
               ("dawna export usdm",)),
    ExportRule("Protocol skeleton of a registry record", K.PROTOCOL, None,
               ("/studies/{nct_id}/protocol.yaml",), ("dawna registry skeleton",)),
    ExportRule("Protocol as a ClinicalTrials.gov record", K.PROTOCOL, None, (),
               ("dawna registry export",)),
)


def exporter(principal: Principal) -> Principal:
    """``principal`` as a data exporter: their roles at the sites where they hold
    ``data.export`` only, so that every service reading for the export (which scopes by its own
    permissions, ``identity.view`` for identifiers among them) sees those sites and no other.
    Refused (403) naming ``data.export`` where they hold it nowhere."""
    sites = set(principal.sites_with(Permission.DATA_EXPORT))
    if not sites:
        raise PermissionDenied(_("your roles do not include exporting data ({permission})")
                               .format(permission=Permission.DATA_EXPORT.value), field="role")
    return dataclasses.replace(principal, roles={
        site: roles for site, roles in principal.roles.items() if site in sites})
