"""Participant reads and the site-scoping rule, on the in-memory unit of work: a participant at
another site is not found (its existence is not disclosed),
identity is shown only to roles holding ``identity.view``, imaging readers are kept blind to the
arm (protocol setting ``imaging_reader_blind_to_arm``)."""

from __future__ import annotations

import pytest
from fakes import FakeUnitOfWork, participant, site

from dawna.errors import NotFound
from dawna.services import participants
from dawna.services.access import Permission, Principal
from dawna.services.scope import find_visible
from dawna.store.models import ParticipantIdentity, Role

NORTH = site(1, "CN01", "North Hospital")
SOUTH = site(2, "CN02", "South Hospital")


def _trial() -> FakeUnitOfWork:
    people = [
        participant(1, NORTH, 1, "DF-AAAAAA", identity=ParticipantIdentity(
            full_name="Li Na", medical_record_number="MRN-001", phone=None)),
        participant(2, NORTH, 2, "DF-BBBBBB"),
        participant(3, SOUTH, 1, "DF-CCCCCC"),
    ]
    return FakeUnitOfWork(sites=[SOUTH, NORTH], participants=people)


def _user(**roles: Role) -> Principal:
    ids = {"north": 1, "south": 2}
    return Principal(user_id=7, username="tester", display_name="Tester",
                     roles={ids[k]: frozenset({r}) for k, r in roles.items()})


def test_a_participant_at_one_of_the_users_sites_is_found() -> None:
    with _trial() as uow:
        p = find_visible(uow, _user(north=Role.COORDINATOR), "DF-BBBBBB")
    assert (p.pseudonym, p.site.code) == ("DF-BBBBBB", "CN01")


def test_another_sites_participant_is_not_found_like_one_that_does_not_exist() -> None:
    user = _user(north=Role.COORDINATOR)
    with _trial() as uow:
        with pytest.raises(NotFound) as elsewhere:
            find_visible(uow, user, "DF-CCCCCC")
        with pytest.raises(NotFound) as nowhere:
            find_visible(uow, user, "DF-ZZZZZZ")
    assert elsewhere.value.field == nowhere.value.field == "participant"
    assert str(elsewhere.value).replace("DF-CCCCCC", "?") == \
        str(nowhere.value).replace("DF-ZZZZZZ", "?")


def test_identity_is_shown_only_to_roles_holding_identity_view() -> None:
    with _trial() as uow:
        coordinator = participants.detail_in(uow, _user(north=Role.COORDINATOR), "DF-AAAAAA")
        reader = participants.detail_in(uow, _user(north=Role.IMAGING_READER), "DF-AAAAAA")
    assert coordinator.identity is not None
    assert coordinator.identity.medical_record_number == "MRN-001"
    assert reader.identity is None
    assert reader.model_dump(exclude={"identity"}) == coordinator.model_dump(exclude={"identity"})


def test_the_list_is_scoped_to_the_users_sites_searched_and_ordered() -> None:
    both = _user(north=Role.COORDINATOR, south=Role.MONITOR)
    with _trial() as uow:
        everyone = participants.listed_in(uow, both)
        north_only = participants.listed_in(uow, _user(north=Role.COORDINATOR))
        by_site = participants.listed_in(uow, both, site_code="CN02")
        by_term = participants.listed_in(uow, both, search=" bbb ")
    assert [p.screening_number for p in everyone] == ["CN01-S001", "CN01-S002", "CN02-S001"]
    assert [p.pseudonym for p in north_only] == ["DF-AAAAAA", "DF-BBBBBB"]
    assert [p.pseudonym for p in by_site] == ["DF-CCCCCC"]
    assert [p.pseudonym for p in by_term] == ["DF-BBBBBB"]


def test_site_pickers_offer_the_sites_where_the_permission_is_held() -> None:
    user = _user(north=Role.COORDINATOR, south=Role.MONITOR)
    with _trial() as uow:
        viewing = participants.sites_in(uow, user)
        creating = participants.sites_in(uow, user, Permission.PARTICIPANT_CREATE)
    assert [(s.code, s.name) for s in viewing] == [("CN01", "North Hospital"),
                                                   ("CN02", "South Hospital")]
    assert [s.code for s in creating] == ["CN01"]


def test_imaging_readers_are_kept_blind_to_the_arm() -> None:
    with _trial() as uow:
        assert participants.arm_blinded_in(uow, _user(north=Role.IMAGING_READER), "CN01")
        assert not participants.arm_blinded_in(uow, _user(north=Role.INVESTIGATOR), "CN01")
        with pytest.raises(NotFound):
            participants.arm_blinded_in(uow, _user(north=Role.INVESTIGATOR), "XX99")


def test_a_read_only_unit_cannot_commit() -> None:
    with _trial() as uow, pytest.raises(RuntimeError):
        uow.commit()
    assert not uow.committed
