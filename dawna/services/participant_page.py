"""What the participant's page reads of the participant, in one unit of work (issue 23 item 4:
a cold participant page read the participant in four units of work, one per part)."""

from __future__ import annotations

from dataclasses import dataclass

from dawna.services.access import Principal, arm_hidden_from
from dawna.services.participants import detail_of
from dawna.services.randomization import AllocationView, allocation_in
from dawna.services.schemas import ParticipantDetail
from dawna.services.scope import find_visible
from dawna.store.db import Database
from dawna.store.uow import UnitOfWork

__all__ = ["PageRead", "page_read"]


@dataclass(frozen=True)
class PageRead:
    """What the participant's page reads of the participant: their detail, their allocation
    as the user may see it, whether the user is kept blind to the arm, and their site's id
    (what a kept page checks the user's right against)."""

    detail: ParticipantDetail
    allocation: AllocationView | None
    arm_blinded: bool
    site_id: int


def page_read(db: Database, principal: Principal, pseudonym: str) -> PageRead:
    """The participant's page's reads of the participant in one unit of work (the participant
    read once; ``NotFound`` outside the principal's sites): what ``get_participant``,
    ``randomization.allocation_of``, ``arm_blinded`` and ``site_id_of`` give one by one."""
    with UnitOfWork(db) as uow:
        p = find_visible(uow, principal, pseudonym)
        return PageRead(detail=detail_of(p, principal),
                        allocation=allocation_in(uow.session, principal, p),
                        arm_blinded=arm_hidden_from(principal, p.site_id), site_id=p.site_id)
