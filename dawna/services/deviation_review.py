"""The investigator's review of a deviation flagged when the record it was found in changed
after it was acknowledged (:mod:`dawna.services.deviation_sources`, ``docs/deviations.md`` "When
the record behind a deviation changes"): withdrawn or kept, with a comment, audited."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from dawna.clock import utcnow
from dawna.config import Settings
from dawna.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from dawna.i18n import _
from dawna.services import deviation_log
from dawna.services.access import Permission, Principal
from dawna.services.scope import actor_of, load_visible
from dawna.store.db import Database
from dawna.store.models import ProtocolDeviation, Site
from dawna.store.uow import UnitOfWork

__all__ = ["ReviewIn", "review"]


class ReviewIn(BaseModel):
    """The investigator's decision on a deviation flagged for review: withdraw it or keep it,
    with a comment; the version read (a later change is a conflict)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)
    withdraw: bool
    comment: str = Field(min_length=3, max_length=2000)
    version: int | None = None


def review(db: Database, settings: Settings, principal: Principal, pseudonym: str,
           deviation_id: int, decision: ReviewIn) -> deviation_log.DeviationRow:
    """The investigator of the participant's site withdraws or keeps a deviation flagged for
    review, with a comment (kept on the deviation and as the audit trail's reason)."""
    text = decision.comment.strip()
    with UnitOfWork(db, actor_of(principal)) as uow:
        s = uow.session
        p = load_visible(s, principal, pseudonym)
        if not principal.can(Permission.DEVIATION_ACKNOWLEDGE, p.site_id):
            raise PermissionDenied(_("only an investigator of this site can review a protocol "
                                     "deviation"), field="role")
        row = s.scalar(select(ProtocolDeviation).where(
            ProtocolDeviation.id == deviation_id, ProtocolDeviation.participant_id == p.id))
        if row is None:
            raise NotFound(_("no protocol deviation {id} for this participant").format(
                id=deviation_id), field="deviation")
        if row.review is None or row.withdrawn_at is not None:
            raise ConflictError(_("this deviation is not awaiting a review"), field="deviation")
        if decision.version is not None and decision.version != row.version:
            raise ConflictError(_("this deviation changed since you opened it (now version "
                                  "{version}); reload").format(version=row.version),
                                field="version")
        if len(text) < 3:
            raise ValidationError(_("a review needs a comment (at least 3 characters)"),
                                  field="comment")
        if decision.withdraw:
            uow.set_reason(_("Protocol deviation withdrawn after review: {comment}").format(
                comment=text))
            row.withdrawn_at, row.withdrawn_by = utcnow(), principal.username
            row.withdrawal = f"{row.review} · {text}"
        else:
            uow.set_reason(_("Protocol deviation kept after review: {comment}").format(
                comment=text))
            row.acknowledgement = f"{row.acknowledgement or ''} · {text}".strip(" ·")
        row.review = None
        try:
            s.flush()
        except StaleDataError as exc:
            raise ConflictError(_("this deviation was changed by someone else at the same "
                                  "moment"), field="deviation") from exc
        code = s.scalars(select(Site.code).where(Site.id == p.site_id)).one()
        view = deviation_log.row_view(row, p.pseudonym, code)
        uow.commit()
    return view
