"""The participant's pre-treatment tests and oral drug accountability page (issue 21 items
5-7): pregnancy tests with contraception, hepatitis B screening and prophylaxis, bottles
dispensed and returned per cycle with compliance, the dose diary and the relative dose
intensity per drug."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from dawna.errors import DawnaError, ValidationError
from dawna.i18n import _
from dawna.services.treatment import dispensing, pretreatment
from dawna.validation import validate
from dawna.web.deps import CurrentUser, DbDep, RecordId, SettingsDep
from dawna.web.forms import nest
from dawna.web.security import csrf_protect
from dawna.web.templating import render

router = APIRouter(include_in_schema=False)


def _pairs(form: Any) -> list[tuple[str, str]]:
    return [(k, v) for k, v in form.multi_items() if isinstance(v, str) and k != "csrf_token"]


def _page(request: Request, db: Any, settings: Any, user: Any, pseudonym: str,
          error: DawnaError | None = None, form: dict[str, str] | None = None) -> Response:
    context = {"pseudonym": pseudonym,
               "pre": pretreatment.pretreatment_view(db, settings, user, pseudonym),
               "acc": dispensing.accountability(db, user, pseudonym),
               "error": error, "form": form or {}}
    return render(request, "oral_drugs/page.html", context,
                  status_code=error.status_code if error else 200)


@router.get("/participants/{pseudonym}/drugs")
def page(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
         pseudonym: str) -> Response:
    return _page(request, db, settings, user, pseudonym)


def diary_days(data: dict[str, Any]) -> dict[str, Any]:
    """A diary from the form: ``first_day``, ``last_day`` and ``missed`` (cycle days, as
    "3, 7") become ``days`` (each date taken or missed)."""
    out = {k: v for k, v in data.items() if k not in ("first_day", "last_day", "missed")}
    try:
        first = date.fromisoformat(str(data.get("first_day", "")))
    except ValueError:
        raise ValidationError(_("not a date (YYYY-MM-DD): {value}").format(
            value=data.get("first_day") or "-"), field="first_day") from None
    try:
        last = date.fromisoformat(str(data.get("last_day", "")))
    except ValueError:
        raise ValidationError(_("not a date (YYYY-MM-DD): {value}").format(
            value=data.get("last_day") or "-"), field="last_day") from None
    if last < first or (last - first).days > 99:
        raise ValidationError(_("the last day is before the first day or more than 100 days "
                                "after it"), field="last_day")
    try:
        missed = {int(x) for x in str(data.get("missed", "")).replace(";", ",").split(",")
                  if x.strip()}
    except ValueError:
        raise ValidationError(_("days missed are day numbers separated by commas"),
                              field="missed") from None
    n = (last - first).days + 1
    if any(not 1 <= d <= n for d in missed):
        raise ValidationError(_("days missed are between day 1 and day {n}").format(n=n),
                              field="missed")
    out["days"] = {(first + timedelta(days=i)).isoformat(): (i + 1) not in missed
                   for i in range(n)}
    return out


async def _save(request: Request, db: Any, settings: Any, user: Any, pseudonym: str,
                action: Any, anchor: str) -> Response:
    form = await request.form()
    data = nest(_pairs(form))
    try:
        action(data)
    except DawnaError as error:
        return _page(request, db, settings, user, pseudonym, error,
                     dict(_pairs(form)))
    return RedirectResponse(f"/participants/{pseudonym}/drugs?saved=1#{anchor}",
                            status_code=303)


@router.post("/participants/{pseudonym}/drugs/pregnancy", dependencies=[Depends(csrf_protect)])
async def pregnancy_save(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
                         pseudonym: str) -> Response:
    return await _save(request, db, settings, user, pseudonym, lambda d: (
        pretreatment.record_pregnancy_test(db, settings, user, pseudonym, validate(
            pretreatment.PregnancyTestIn, d, root="request", form=True))), "pregnancy")


@router.post("/participants/{pseudonym}/drugs/hbv", dependencies=[Depends(csrf_protect)])
async def hbv_save(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
                   pseudonym: str) -> Response:
    def action(d: dict[str, Any]) -> None:
        for key in ("hbsag_positive", "anti_hbc_positive"):
            d[key] = d.get(key) == "true"
        for key in ("hbv_dna_iu_ml", "prophylaxis_drug", "prophylaxis_start"):
            if d.get(key) == "":
                d[key] = None
        pretreatment.record_hbv(db, settings, user, pseudonym, validate(
            pretreatment.HbvIn, d, root="request", form=True))
    return await _save(request, db, settings, user, pseudonym, action, "hbv")


@router.post("/participants/{pseudonym}/drugs/dispense", dependencies=[Depends(csrf_protect)])
async def dispense_save(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
                        pseudonym: str) -> Response:
    return await _save(request, db, settings, user, pseudonym, lambda d: (
        dispensing.dispense(db, settings, user, pseudonym, validate(
            dispensing.DispenseIn, {k: v for k, v in d.items() if v != ""}, root="request",
            form=True))), "dispensing")


@router.post("/participants/{pseudonym}/drugs/dispense/{dispensing_id}/return",
             dependencies=[Depends(csrf_protect)])
async def return_save(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
                      pseudonym: str, dispensing_id: RecordId) -> Response:
    return await _save(request, db, settings, user, pseudonym, lambda d: (
        dispensing.record_return(db, settings, user, pseudonym, dispensing_id, validate(
            dispensing.ReturnIn, d, root="request", form=True))), "dispensing")


@router.post("/participants/{pseudonym}/drugs/diary", dependencies=[Depends(csrf_protect)])
async def diary_save(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
                     pseudonym: str) -> Response:
    return await _save(request, db, settings, user, pseudonym, lambda d: (
        dispensing.record_diary(db, settings, user, pseudonym, validate(
            dispensing.DiaryIn, diary_days(d), root="request", form=True))), "diary")
