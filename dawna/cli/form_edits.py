"""``dawna clinical correct / delete``: correct an entry of an issue 21 form (the entry's
fields with ``--set field=value``, as ``dawna clinical record``), or delete one entered in
error; both with the version shown and a reason (``services/form_edits.py``). A stale version
is refused naming the current one; a refused correction changes nothing."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from typing import Annotated, Any

import typer

from dawna.cli.clinical import As, pairs_of
from dawna.cli.common import database, get_settings, principal
from dawna.errors import ValidationError
from dawna.i18n import _


class EditForm(StrEnum):
    CONMEDS = "conmeds"
    HISTORY = "history"
    VITALS = "vitals"
    ECG = "ecg"
    PREGNANCY = "pregnancy"
    HBV = "hbv"
    DISPENSING = "dispensing"
    DIARY = "diary"


Version = Annotated[int, typer.Option("--version", help="The version shown (from show).")]
Reason = Annotated[str, typer.Option("--reason", help="Why (kept in the audit trail).")]


def diary_days(data: dict[str, Any]) -> dict[str, Any]:
    """A diary as the page enters it: ``first_day``, ``last_day`` and ``missed`` (cycle day
    numbers, "3,7") become ``days``."""
    if "first_day" not in data and "last_day" not in data:
        return data
    out = {k: v for k, v in data.items() if k not in ("first_day", "last_day", "missed")}
    try:
        first = date.fromisoformat(str(data.get("first_day")))
        last = date.fromisoformat(str(data.get("last_day")))
        gone = {int(x) for x in str(data.get("missed", "")).split(",") if x.strip()}
    except ValueError:
        raise ValidationError(_("give first_day and last_day (YYYY-MM-DD) and missed as day "
                                "numbers separated by commas"), field="set") from None
    out["days"] = {(first + timedelta(days=i)).isoformat(): (i + 1) not in gone
                   for i in range((last - first).days + 1)}
    return out


def correct(form: EditForm, pseudonym: str, row_id: int, user: As, version: Version,
            reason: Reason,
            values: Annotated[list[str], typer.Option(
                "--set", help="field=value, repeated: every field of the entry as corrected "
                              "(show --format json gives the stored ones).")]) -> None:
    """Correct one entry (checked as a new entry is)."""
    from dawna.services import form_edits
    from dawna.validation import validate

    data = pairs_of(values)
    if form is EditForm.DIARY:
        data = diary_days(data)
    db = database()
    entry = validate(form_edits.CORRECTIONS[form.value],
                     {**data, "version": version, "reason": reason}, root="set")
    form_edits.correct(db, get_settings(), principal(db, user), pseudonym, form.value, row_id,
                       entry, version=version, reason=reason)
    typer.echo(_("{form} {id} corrected").format(form=form.value, id=row_id))


def delete(form: EditForm, pseudonym: str, row_id: int, user: As, version: Version,
           reason: Reason) -> None:
    """Delete one entry entered in error; the audit trail keeps what it held."""
    from dawna.services import form_edits
    from dawna.validation import validate

    db = database()
    entry = validate(form_edits.DeleteIn, {"version": version, "reason": reason}, root="set")
    form_edits.delete(db, get_settings(), principal(db, user), pseudonym, form.value, row_id,
                      version=entry.version, reason=entry.reason)
    typer.echo(_("{form} {id} deleted").format(form=form.value, id=row_id))
