"""Roles, permissions and per-site scoping.

A user holds roles per site (``membership``). A permission is granted at a site when any of the
user's roles at that site carries it; nothing is granted across sites. Identity data (names,
record numbers, phones) is a separate permission, held by the roles that meet the patient
(investigator, coordinator) and by the monitor for source data verification (ICH E6(R3) 3.11.4).
Treatment and safety data show the allocated arm, so imaging readers (kept blind to the arm) do
not see them; only investigators prescribe (confirm doses, decide dose modifications).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from dawna.errors import PermissionDenied
from dawna.i18n import _
from dawna.store.models import Role


class Permission(enum.StrEnum):
    PARTICIPANT_VIEW = "participant.view"
    PARTICIPANT_CREATE = "participant.create"
    PARTICIPANT_EDIT = "participant.edit"
    IDENTITY_VIEW = "identity.view"
    AUDIT_VIEW = "audit.view"
    USER_MANAGE = "user.manage"
    ELIGIBILITY_SIGN = "eligibility.sign"
    RANDOMIZE = "randomize"
    RANDOMIZATION_MANAGE = "randomization.manage"
    TUMOUR_ASSESS = "tumour.assess"
    PET_READ = "pet.read"
    TREATMENT_VIEW = "treatment.view"
    TREATMENT_RECORD = "treatment.record"
    DOSE_PRESCRIBE = "dose.prescribe"
    # Data management (issue 20): queries, source data verification, signatures, locks.
    QUERY_RAISE = "query.raise"
    QUERY_ANSWER = "query.answer"
    SDV_MARK = "sdv.mark"
    FORM_SIGN = "form.sign"
    FORM_LOCK = "form.lock"
    DATA_FREEZE = "data.freeze"
    DATA_EXPORT = "data.export"
    DEVIATION_ACKNOWLEDGE = "deviation.acknowledge"
    PROTOCOL_AMEND = "protocol.amend"


P = Permission
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMINISTRATOR: frozenset({P.PARTICIPANT_VIEW, P.AUDIT_VIEW, P.USER_MANAGE,
                                   P.PROTOCOL_AMEND}),
    Role.INVESTIGATOR: frozenset({P.PARTICIPANT_VIEW, P.PARTICIPANT_CREATE, P.PARTICIPANT_EDIT,
                                  P.IDENTITY_VIEW, P.AUDIT_VIEW, P.ELIGIBILITY_SIGN,
                                  P.RANDOMIZE, P.TUMOUR_ASSESS, P.PET_READ,
                                  P.TREATMENT_VIEW, P.TREATMENT_RECORD, P.DOSE_PRESCRIBE,
                                  P.QUERY_ANSWER, P.FORM_SIGN, P.DATA_EXPORT,
                                  P.DEVIATION_ACKNOWLEDGE}),
    Role.COORDINATOR: frozenset({P.PARTICIPANT_VIEW, P.PARTICIPANT_CREATE, P.PARTICIPANT_EDIT,
                                 P.IDENTITY_VIEW, P.RANDOMIZE, P.TUMOUR_ASSESS,
                                 P.TREATMENT_VIEW, P.TREATMENT_RECORD, P.QUERY_ANSWER,
                                 P.DATA_EXPORT}),
    Role.IMAGING_READER: frozenset({P.PARTICIPANT_VIEW, P.TUMOUR_ASSESS, P.PET_READ}),
    # The statistician takes the data for the analysis (ADaM, SDTM, Define-XML, FHIR: every
    # data export, pseudonymized: no identifiers), docs/exports.md "Who may export".
    Role.STATISTICIAN: frozenset({P.PARTICIPANT_VIEW, P.RANDOMIZATION_MANAGE, P.TREATMENT_VIEW,
                                  P.DATA_EXPORT}),
    Role.MONITOR: frozenset({P.PARTICIPANT_VIEW, P.IDENTITY_VIEW, P.AUDIT_VIEW,
                             P.TREATMENT_VIEW, P.QUERY_RAISE, P.SDV_MARK}),
    # The data manager reviews data without meeting patients: no identifiers (PIPL minimum
    # necessary), no prescribing; raises queries, locks forms, freezes the data for a cut and
    # exports the whole trial (ICH E6(R3) 4.2, data management).
    Role.DATA_MANAGER: frozenset({P.PARTICIPANT_VIEW, P.AUDIT_VIEW, P.TREATMENT_VIEW,
                                  P.QUERY_RAISE, P.FORM_LOCK, P.DATA_FREEZE,
                                  P.DATA_EXPORT}),
}


def role_label(role: Role) -> str:
    labels = {
        Role.ADMINISTRATOR: _("Administrator"),
        Role.INVESTIGATOR: _("Investigator"),
        Role.COORDINATOR: _("Research coordinator"),
        Role.IMAGING_READER: _("Imaging reader"),
        Role.STATISTICIAN: _("Statistician"),
        Role.MONITOR: _("Monitor"),
        Role.DATA_MANAGER: _("Data manager"),
    }
    return labels[role]


@dataclass(frozen=True)
class Principal:
    """The logged-in user and the roles they hold at each site."""

    user_id: int
    username: str
    display_name: str
    roles: dict[int, frozenset[Role]] = field(default_factory=dict)
    locale: str | None = None

    def can(self, permission: Permission, site_id: int) -> bool:
        return any(permission in ROLE_PERMISSIONS[r] for r in self.roles.get(site_id, ()))

    def sites_with(self, permission: Permission) -> list[int]:
        return sorted(s for s in self.roles if self.can(permission, s))

    def can_anywhere(self, permission: Permission) -> bool:
        return bool(self.sites_with(permission))

    def all_roles(self) -> set[Role]:
        return {r for roles in self.roles.values() for r in roles}

    def require(self, permission: Permission, site_id: int) -> None:
        if not self.can(permission, site_id):
            raise PermissionDenied(
                _("your roles at this site do not allow this ({permission})").format(
                    permission=permission.value
                ),
                field="site",
            )


def arm_hidden_from(principal: Principal, site_id: int) -> bool:
    """Imaging readers are kept blind to the allocated arm when the protocol file says so
    (``imaging_reader_blind_to_arm``; FDA 2018 endpoints guidance on blinded imaging review): a
    user whose only role at the site is imaging reader does not see the allocation."""
    from dawna.protocol import bundled_protocol

    roles = principal.roles.get(site_id, frozenset())
    blind = bool(bundled_protocol().setting("imaging_reader_blind_to_arm").value)
    return blind and bool(roles) and roles <= {Role.IMAGING_READER}
