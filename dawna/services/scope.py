"""Who acts and what they may see: the actor of a principal for the audit trail, and the one
rule that scopes a participant to the user's sites.

Shared by every service that works on one participant (registration, the course, screening,
randomization, PET/CT, tumour assessment, treatment); it imports none of them, so none of them
needs another to find a participant.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from dawna.errors import NotFound
from dawna.i18n import _
from dawna.services.access import Permission, Principal
from dawna.store.audit import Actor
from dawna.store.models import Participant
from dawna.store.repositories import (
    ParticipantRepository,
    ReadUnit,
    SiteRepository,
)

__all__ = ["actor_of", "find_visible", "load_visible"]


def actor_of(principal: Principal) -> Actor:
    return Actor(user_id=principal.user_id, username=principal.username)


def find_visible(uow: ReadUnit, principal: Principal, pseudonym: str,
                 for_update: bool = False) -> Participant:
    """The participant ``pseudonym`` at one of the principal's sites, through the unit of work's
    participant repository; any other participant is ``NotFound`` (never "forbidden": its
    existence at another site is not disclosed)."""
    p = uow.participants.visible(pseudonym, principal.sites_with(Permission.PARTICIPANT_VIEW),
                                 for_update=for_update)
    if p is None:
        raise NotFound(
            _("no participant {id} at your sites").format(id=pseudonym), field="participant"
        )
    return p


class _SessionUnit:
    """The repositories over a session a service already holds."""

    def __init__(self, session: Session) -> None:
        self.participants = ParticipantRepository(session)
        self.sites = SiteRepository(session)


def load_visible(session: Session, principal: Principal, pseudonym: str,
                 for_update: bool = False) -> Participant:
    """:func:`find_visible` for a service holding a session (``for_update``: the participant's
    row stays locked until the transaction ends, so two requests for one participant run one
    after the other)."""
    return find_visible(_SessionUnit(session), principal, pseudonym, for_update)
