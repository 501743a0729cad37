"""The participant's pre-treatment tests and oral drug accountability page (issue 21 items
5-7): pregnancy tests with contraception, hepatitis B screening and prophylaxis, bottles
dispensed and returned per cycle with compliance, the dose diary and the relative dose
intensity per drug."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response

from dawna.errors import DawnaError, ValidationError
from dawna.i18n import _
from dawna.services import form_edits
from dawna.services.treatment import dispensing, pretreatment
from dawna.validation import validate
from dawna.web.deps import CurrentUser, DbDep, RecordId, SettingsDep
from dawna.web.forms import nest
from dawna.web.routes.clinical import editing_of
from dawna.web.routing import Router
from dawna.web.security import csrf_protect
from dawna.web.templating import render

router = Router(include_in_schema=False)


def _pairs(form: Any) -> list[tuple[str, str]]:
    return [(k, v) for k, v in form.multi_items() if isinstance(v, str) and k != "csrf_token"]


def _page(request: Request, db: Any, settings: Any, user: Any, pseudonym: str,
          error: DawnaError | None = None, form: dict[str, str] | None = None,
          failed: str | None = None, edit: str | None = None) -> Response:
    pre = pretreatment.pretreatment_view(db, settings, user, pseudonym)
    acc = dispensing.accountability(db, user, pseudonym)
    editing = editing_of({"pregnancy": pre.pregnancy_tests, "hbv": pre.hbv,
                          "dispensing": acc.dispensings, "diary": acc.diaries}, edit)
    if editing is not None and form is None:
        failed, form = editing["form"], editing["values"]
        if failed == "diary":
            form["missed"] = ", ".join(str(d) for d in acc_missed(acc, editing["id"]))
    context = {"pseudonym": pseudonym, "pre": pre, "acc": acc, "error": error,
               "form": form or {}, "failed": failed, "editing": editing}
    return render(request, "oral_drugs/page.html", context,
                  status_code=error.status_code if error else 200)


def acc_missed(acc: dispensing.AccountabilityOut, diary_id: int) -> list[int]:
    return next(d.missed for d in acc.diaries if d.id == diary_id)


@router.get("/participants/{pseudonym}/drugs")
def page(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
         pseudonym: str, edit: str | None = None) -> Response:
    return _page(request, db, settings, user, pseudonym, edit=edit)


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
    data = nest(_pairs(form))  # nest leaves out version and reason: the return form has them
    data.update({k: form[k] for k in ("version", "reason") if isinstance(form.get(k), str)
                 and form[k]})
    try:
        action(data)
    except DawnaError as error:
        return _page(request, db, settings, user, pseudonym, error,
                     dict(_pairs(form)), anchor)
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
    return await _save(request, db, settings, user, pseudonym, lambda d: (
        pretreatment.record_hbv(db, settings, user, pseudonym, validate(
            pretreatment.HbvIn, hbv_data(d), root="request", form=True))), "hbv")


def hbv_data(d: dict[str, Any]) -> dict[str, Any]:
    """The screening form's selects as booleans, its empty optional fields as None."""
    for key in ("hbsag_positive", "anti_hbc_positive"):
        d[key] = d.get(key) == "true"
    for key in ("hbv_dna_iu_ml", "prophylaxis_drug", "prophylaxis_start"):
        if d.get(key) == "":
            d[key] = None
    return d


@router.post("/participants/{pseudonym}/drugs/dispense", dependencies=[Depends(csrf_protect)])
async def dispense_save(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
                        pseudonym: str) -> Response:
    return await _save(request, db, settings, user, pseudonym, lambda d: (
        dispensing.dispense(db, settings, user, pseudonym, validate(
            dispensing.DispenseIn, _filled(d), root="request", form=True))), "dispensing")


def _filled(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v != ""}


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


#: form -> how the page's fields become the entry's (as the entry forms do)
ENTRY_DATA = {"pregnancy": lambda d: d, "hbv": hbv_data, "dispensing": _filled,
              "diary": diary_days}


@router.post("/participants/{pseudonym}/drugs/{form}/{row_id}/{action}",
             dependencies=[Depends(csrf_protect)])
async def correct_or_delete(request: Request, db: DbDep, settings: SettingsDep,
                            user: CurrentUser, pseudonym: str, form: str, row_id: RecordId,
                            action: str) -> Response:
    """``correct``: the entry form's fields with ``version`` and ``reason``; ``delete``:
    ``version`` and ``reason``; a refusal shows the correction form again."""
    if form not in ENTRY_DATA or action not in ("correct", "delete"):
        return _page(request, db, settings, user, pseudonym)
    raw = await request.form()
    values = dict(_pairs(raw))
    data = nest([(k, v) for k, v in _pairs(raw) if k not in ("version", "reason")])
    meta = {"version": raw.get("version") or "", "reason": raw.get("reason") or ""}
    try:
        if action == "delete":
            entry = validate(form_edits.DeleteIn, meta, root="request", form=True)
            form_edits.delete(db, settings, user, pseudonym, form, row_id,
                              version=entry.version, reason=entry.reason)
        else:
            checked = validate(form_edits.CORRECTIONS[form], {**ENTRY_DATA[form](data), **meta},
                               root="request", form=True)
            form_edits.correct(db, settings, user, pseudonym, form, row_id, checked,
                               version=checked.version, reason=checked.reason)
    except DawnaError as error:
        if action == "correct":
            return _page(request, db, settings, user, pseudonym, error, values, form,
                         edit=f"{form}:{row_id}")
        return _page(request, db, settings, user, pseudonym, error, edit=f"{form}:{row_id}")
    done = "deleted" if action == "delete" else "saved"
    return RedirectResponse(f"/participants/{pseudonym}/drugs?{done}=1#{form}", status_code=303)
