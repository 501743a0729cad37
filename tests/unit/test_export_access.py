"""``export_access.exporter``: a data export reads the sites where the reader holds
``data.export`` and no other, whatever else they see (``docs/exports.md`` "Who may export")."""

from __future__ import annotations

import pytest

from dawna.errors import PermissionDenied
from dawna.services.access import Permission, Principal
from dawna.services.export_access import EXPORTS, ExportKind, exporter
from dawna.store.roles import Role


def _who(roles: dict[int, set[Role]]) -> Principal:
    return Principal(user_id=1, username="u", display_name="u",
                     roles={site: frozenset(r) for site, r in roles.items()})


def test_the_export_reads_only_the_sites_with_data_export() -> None:
    # data manager at site 1, monitor at site 2: the monitor's site sees treatment data and
    # identifiers, but is not exported
    who = exporter(_who({1: {Role.DATA_MANAGER}, 2: {Role.MONITOR}}))
    assert who.sites_with(Permission.TREATMENT_VIEW) == [1]
    assert who.sites_with(Permission.IDENTITY_VIEW) == []
    assert who.username == "u" and who.user_id == 1


def test_identifiers_only_where_identity_view_is_held_at_an_exported_site() -> None:
    who = exporter(_who({1: {Role.COORDINATOR}, 2: {Role.STATISTICIAN}}))
    assert who.sites_with(Permission.DATA_EXPORT) == [1, 2]
    assert who.sites_with(Permission.IDENTITY_VIEW) == [1]


@pytest.mark.parametrize("role", [Role.MONITOR, Role.IMAGING_READER, Role.ADMINISTRATOR])
def test_roles_without_data_export_are_refused_naming_it(role: Role) -> None:
    with pytest.raises(PermissionDenied) as refused:
        exporter(_who({1: {role}}))
    assert "data.export" in str(refused.value)


def test_every_data_export_needs_data_export() -> None:
    assert {r.permission for r in EXPORTS if r.kind is ExportKind.DATA} == {
        Permission.DATA_EXPORT}
