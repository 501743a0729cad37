"""The trial's declared endpoints (the protocol file's ``endpoints:``, validated by
``dawna.protocol.endpoints``) as the Results page, the report and the registry tables show
them: role (primary, secondary, exploratory), title, analysis population with the number
analysed per arm, definition, time frame and source; and the heading of each report section
taken from the endpoint it presents, so which endpoint is primary comes from the protocol
file, not from code (ICH E9 §2.2.2).

Populations (ICH E9 §5.2): ITT, every randomized participant (ADSL.ITTFL); SAFETY, every
participant who received at least one dose (ADSL.SAFFL).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dawna.analysis.adam import AdamData
from dawna.i18n import _
from dawna.protocol import Protocol, bundled_protocol
from dawna.protocol.endpoints import Endpoint

__all__ = ["ROLE_ORDER", "declared", "headings", "section_of"]

ROLE_ORDER = {"primary": 0, "secondary": 1, "exploratory": 2}


def section_of(endpoint: Endpoint) -> str:
    """The report section that presents ``endpoint``: pfs, os, fes, response or safety."""
    if endpoint.kind == "time_to_event":
        if endpoint.subgroup == "FESCAT":
            return "fes"
        return "pfs" if endpoint.parameter == "PFS" else "os"
    return "response" if endpoint.kind == "response_rate" else "safety"


def _role(role: str) -> str:
    return {"primary": _("primary endpoint"), "secondary": _("secondary endpoint"),
            "exploratory": _("exploratory endpoint")}[role]


def _population(population: str) -> str:
    return {"ITT": _("all randomized participants (intention to treat)"),
            "SAFETY": _("safety population (at least one dose)")}[population]


def declared(adam: AdamData, arms: Sequence[str],
             protocol: Protocol | None = None) -> list[dict[str, Any]]:
    """One row per declared endpoint, the primary first: id, role, role_label, title, kind,
    population, population_label, n (analysed per arm), definition, time_frame, source,
    section."""
    protocol = protocol or bundled_protocol()
    adsl = adam.adsl
    rows = []
    for e in sorted(protocol.endpoints, key=lambda e: ROLE_ORDER[e.role]):
        members = adsl if e.population == "ITT" else adsl[adsl["SAFFL"] == "Y"]
        rows.append({
            "id": e.id, "role": e.role, "role_label": _role(e.role), "title": e.title,
            "kind": e.kind, "parameter": e.parameter, "flag": e.flag,
            "population": e.population, "population_label": _population(e.population),
            "n": {arm: int((members["ARMCD"] == arm).sum()) for arm in arms},
            "definition": e.definition, "time_frame": e.time_frame, "source": e.source,
            "section": section_of(e)})
    return rows


def headings(rows: Sequence[dict[str, Any]]) -> dict[str, str]:
    """Section -> heading: the titles of the endpoints the section presents, each with its
    role ("Progression-free survival (primary endpoint)")."""
    out: dict[str, list[str]] = {}
    for row in rows:
        out.setdefault(row["section"], []).append(_("%(title)s (%(role)s)") % {
            "title": row["title"], "role": row["role_label"]})
    return {section: "; ".join(titles) for section, titles in out.items()}
