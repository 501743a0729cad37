"""The form status grid (issue 20 item 3): participants × the visits and forms of the protocol's
schedule of activities, colour-coded like the REDCap record status dashboard, each cell a link
to the page where the form is entered; and one participant's forms, occurrence by occurrence."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response

from dawna.errors import DawnaError
from dawna.i18n import _
from dawna.services import form_status, query_lists
from dawna.services.access import Permission, Principal
from dawna.services.form_catalogue import form_label
from dawna.services.schemas_forms import STATE_LABELS, STATE_SYMBOLS
from dawna.web.deps import CurrentUser, DbDep, SettingsDep
from dawna.web.routing import Router
from dawna.web.templating import render

router = Router(include_in_schema=False)

#: Where each form is entered or read (``{p}``: the participant's pseudonym).
FORM_PAGES = {
    "consent": "/participants/{p}#course", "screening": "/participants/{p}/screening",
    "eligibility_signature": "/participants/{p}/screening", "pet_study": "/participants/{p}/pet",
    "tumour_assessment": "/participants/{p}/tumour", "allocation": "/participants/{p}/randomize",
    "treatment_plan": "/participants/{p}/treatment#plan",
    "treatment_cycle": "/participants/{p}/treatment#cycles",
    "lab_result": "/participants/{p}/treatment#due",
    "depot_dose": "/participants/{p}/treatment#depots",
    "adverse_event": "/participants/{p}/treatment#aes", "dose_decision": "/participants/{p}/dose",
    "status_event": "/participants/{p}#course", "follow_up_contact": "/participants/{p}#course",
    "protocol_deviation": "/participants/{p}/eligibility-decisions",
    "susar_report": "/participants/{p}/treatment#aes",
    "concomitant_medication": "/participants/{p}/clinical#conmeds",
    "medical_history": "/participants/{p}/clinical#history",
    "vital_signs": "/participants/{p}/clinical#vitals", "ecg": "/participants/{p}/clinical#ecg",
}


def form_page(form: str, pseudonym: str) -> str:
    return FORM_PAGES.get(form, "/participants/{p}").format(p=pseudonym)


def _states() -> dict[str, object]:
    return {"state_labels": {k: _(v) for k, v in STATE_LABELS.items()},
            "state_symbols": STATE_SYMBOLS, "form_page": form_page, "form_label": form_label}


def _number(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 1


def _raise_link(form: str, row_id: int, back: str) -> str:
    """The page raising a query on one form, returning to ``back`` once raised."""
    return "/queries/new?" + urlencode({"table_name": form, "row_id": row_id, "next": back})


def _actions(user: Principal) -> dict[str, object]:
    """What the user may do on a form of a site (the links shown only to those allowed)."""
    return {"raise_link": _raise_link,
            "can_raise": lambda site_id: user.can(Permission.QUERY_RAISE, site_id),
            "can_verify": lambda site_id: user.can(Permission.SDV_MARK, site_id),
            "can_answer": lambda site_id: user.can(Permission.QUERY_ANSWER, site_id)}


@router.get("/forms")
def grid_page(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
              site: str = "", state: str = "", page: str = "1") -> Response:
    kept = urlencode([(k, v) for k, v in request.query_params.multi_items()
                      if k not in ("raised", "verified")])
    here = "/forms" + (f"?{kept}" if kept else "")
    extra = {**_states(), **_actions(user), "here": here}
    try:
        out = form_status.grid(db, settings, user, site=site or None, state=state or None,
                               page=_number(page))
    except DawnaError as error:
        out = form_status.grid(db, settings, user)
        return render(request, "forms/grid.html", {"g": out, "error": error, **extra},
                      status_code=error.status_code)
    return render(request, "forms/grid.html", {"g": out, **extra})


@router.get("/forms/{pseudonym}")
def participant_page(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser,
                     pseudonym: str) -> Response:
    """The participant's forms, each entered one with its open queries (answer) and, for
    those allowed at the site, the links to raise a query and to verify it."""
    out = form_status.participant_forms(db, settings, user, pseudonym)
    unresolved: dict[tuple[str, int], list[query_lists.QueryView]] = {}
    for q in query_lists.participant_queries(db, settings, user, pseudonym):
        if q.status != "closed" and q.row_id.isdigit():
            unresolved.setdefault((q.table_name, int(q.row_id)), []).append(q)
    return render(request, "forms/participant.html", {
        "v": out, "queries_on": unresolved, "here": f"/forms/{out.pseudonym}",
        **_states(), **_actions(user)})
