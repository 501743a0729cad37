"""Randomization pages: the randomize form on a participant, and the statistician's page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from dawna.errors import DawnaError, PermissionDenied, ValidationError
from dawna.i18n import _
from dawna.protocol import bundled_protocol
from dawna.services import randomization, randomization_report, screening
from dawna.services.access import Permission
from dawna.services.regimen_choice import required_groups, status_key
from dawna.services.scope import actor_of
from dawna.web.deps import CurrentUser, DbDep, SettingsDep
from dawna.web.routing import Router
from dawna.web.security import csrf_protect
from dawna.web.templating import render

router = Router(include_in_schema=False)


def _form(request: Request, view: screening.ScreeningView, values: dict[str, str],
          error: DawnaError | None = None, status_code: int = 200) -> Response:
    protocol = bundled_protocol()
    cfg = protocol.randomization
    key: str | None = view.record.menopausal_status  # or "male" from the criteria
    problem = None
    if view.record.decision_date is not None:
        try:
            key = status_key(view.record, view.record.decision_date)
        except ValidationError as exc:  # shown above the form; randomizing refuses it too
            problem = exc
    groups = required_groups(protocol, key)
    return render(request, "randomization/form.html", {
        "p": view.participant, "cfg": cfg, "groups": groups, "values": values,
        "error": error or problem,
        "signature": view.signature, "status": randomization.status(request.app.state.db),
    }, status_code=status_code)


@router.get("/participants/{pseudonym}/randomize")
def randomize_form(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
                   pseudonym: str) -> Response:
    view = screening.get(db, settings, user, pseudonym)
    values = randomization.suggest_factors(view.record)
    return _form(request, view, values)


@router.post("/participants/{pseudonym}/randomize", dependencies=[Depends(csrf_protect)])
async def randomize_submit(request: Request, db: DbDep, settings: SettingsDep,
                           user: CurrentUser, pseudonym: str) -> Response:
    form = await request.form()
    values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    cfg = bundled_protocol().randomization
    names = {f.name for f in cfg.factors} if cfg else set()
    factors = {k.removeprefix("factor."): v for k, v in values.items()
               if k.startswith("factor.") and v}
    choices = {k.removeprefix("choice."): v for k, v in values.items()
               if k.startswith("choice.") and v}
    try:
        if values.get("confirm") != "yes":
            raise ValidationError(_("tick the box to confirm that the participant is to be "
                                    "randomized now"), field="confirm")
        missing = sorted(names - factors.keys())
        if missing:
            raise ValidationError(_("choose a level of every stratification factor"),
                                  field=missing[0])
        randomization.randomize(db, settings, user, pseudonym, factors, choices)
    except DawnaError as error:
        view = screening.get(db, settings, user, pseudonym)
        return _form(request, view, values, error=error, status_code=error.status_code)
    return RedirectResponse(f"/participants/{pseudonym}?randomized=1", status_code=303)


def _manager(user: CurrentUser) -> Any:
    if not user.can_anywhere(Permission.RANDOMIZATION_MANAGE):
        raise PermissionDenied(_("only the trial statistician manages the randomization list"),
                               field="role")
    return user


def _manage_page(request: Request, db: DbDep, user: Any, error: DawnaError | None = None,
                 verify: bool = False) -> Response:
    context: dict[str, Any] = {"status": randomization.status(db),
                               "balance": randomization_report.balance(db, user),
                               "cfg": bundled_protocol().randomization, "error": error}
    if verify:
        context["verification"] = randomization_report.verify(db, request.app.state.settings)
    return render(request, "randomization/manage.html", context,
                  status_code=error.status_code if error else 200)


@router.get("/randomization")
def manage_page(request: Request, db: DbDep, user: CurrentUser, verify: str = "") -> Response:
    _manager(user)
    return _manage_page(request, db, user, verify=bool(verify))


@router.post("/randomization/generate", dependencies=[Depends(csrf_protect)])
def generate_list(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
                  reason: Annotated[str, Form()] = "") -> Response:
    _manager(user)
    try:
        if len(reason.strip()) < 3:
            raise ValidationError(_("a reason is required"), field="reason")
        randomization.generate(db, settings, actor_of(user), reason.strip())
    except DawnaError as error:
        return _manage_page(request, db, user, error)
    return RedirectResponse("/randomization", status_code=303)


@router.post("/randomization/go-live", dependencies=[Depends(csrf_protect)])
def go_live(request: Request, db: DbDep, user: CurrentUser,
            reason: Annotated[str, Form()] = "") -> Response:
    _manager(user)
    try:
        if len(reason.strip()) < 3:
            raise ValidationError(_("a reason is required"), field="reason")
        randomization.go_live(db, actor_of(user), reason.strip())
    except DawnaError as error:
        return _manage_page(request, db, user, error)
    return RedirectResponse("/randomization", status_code=303)
