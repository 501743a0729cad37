"""JSON API of the form status grid (issue 20 item 3)."""

from __future__ import annotations

from dawna.services import form_status
from dawna.services.schemas_forms import FormStatusOut, ParticipantFormsOut
from dawna.web.deps import CurrentUser, DbDep, SettingsDep
from dawna.web.routing import Router

router = Router(prefix="/api", tags=["form status"])


@router.get("/form-status", response_model=FormStatusOut)
def grid(db: DbDep, settings: SettingsDep, user: CurrentUser, site: str | None = None,
         state: str | None = None, page: int = 1, per_page: int = form_status.PER_PAGE
         ) -> FormStatusOut:
    """Participants × the schedule's visits and forms at your sites; ``state`` keeps the
    participants with a cell in that state (not_due, due, overdue, entered, queried, verified,
    signed, locked, not_expected)."""
    return form_status.grid(db, settings, user, site=site, state=state, page=page,
                            per_page=per_page)


@router.get("/participants/{pseudonym}/form-status", response_model=ParticipantFormsOut)
def participant(db: DbDep, settings: SettingsDep, user: CurrentUser,
                pseudonym: str) -> ParticipantFormsOut:
    """Every expected form of one participant, occurrence by occurrence, with its window."""
    return form_status.participant_forms(db, settings, user, pseudonym)
