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


P = Permission
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMINISTRATOR: frozenset({P.PARTICIPANT_VIEW, P.AUDIT_VIEW, P.USER_MANAGE}),
    Role.INVESTIGATOR: frozenset({P.PARTICIPANT_VIEW, P.PARTICIPANT_CREATE, P.PARTICIPANT_EDIT,
                                  P.IDENTITY_VIEW, P.AUDIT_VIEW, P.ELIGIBILITY_SIGN,
                                  P.RANDOMIZE, P.TUMOUR_ASSESS, P.PET_READ,
                                  P.TREATMENT_VIEW, P.TREATMENT_RECORD, P.DOSE_PRESCRIBE}),
    Role.COORDINATOR: frozenset({P.PARTICIPANT_VIEW, P.PARTICIPANT_CREATE, P.PARTICIPANT_EDIT,
                                 P.IDENTITY_VIEW, P.RANDOMIZE, P.TUMOUR_ASSESS,
                                 P.TREATMENT_VIEW, P.TREATMENT_RECORD}),
    Role.IMAGING_READER: frozenset({P.PARTICIPANT_VIEW, P.TUMOUR_ASSESS, P.PET_READ}),
    Role.STATISTICIAN: frozenset({P.PARTICIPANT_VIEW, P.RANDOMIZATION_MANAGE, P.TREATMENT_VIEW}),
    Role.MONITOR: frozenset({P.PARTICIPANT_VIEW, P.IDENTITY_VIEW, P.AUDIT_VIEW,
                             P.TREATMENT_VIEW}),
}


def role_label(role: Role) -> str:
    labels = {
        Role.ADMINISTRATOR: _("Administrator"),
        Role.INVESTIGATOR: _("Investigator"),
        Role.COORDINATOR: _("Research coordinator"),
        Role.IMAGING_READER: _("Imaging reader"),
        Role.STATISTICIAN: _("Statistician"),
        Role.MONITOR: _("Monitor"),
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
