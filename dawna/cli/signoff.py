"""``dawna sign ...``, ``dawna lock ...``, ``dawna freeze ...`` (issue 20 item 4): the
investigator's signature of a form or a casebook (password asked for, or from
``DAWNA_SIGN_PASSWORD``), the data manager's locks and unlocks, and data freezes. The same
services as the web pages."""

from __future__ import annotations

import json
import os
from typing import Annotated, Any

import typer
from rich.console import Console

from dawna.cli.common import OutputFormat, database, day, principal
from dawna.i18n import _

sign_app = typer.Typer(help="Sign a form or a casebook (21 CFR 11.50; password re-entered).",
                       no_args_is_help=True)
lock_app = typer.Typer(help="Lock or unlock a form or a casebook (data manager).",
                       no_args_is_help=True)
freeze_app = typer.Typer(help="Data freezes for an analysis cut (data manager).",
                         no_args_is_help=True)
console = Console()
As = Annotated[str, typer.Option("--as", help="User name acting (their roles apply).")]
Table = Annotated[str | None, typer.Option("--form", help="The form's table (e.g. lab_result); "
                                           "without it, the whole casebook.")]
Row = Annotated[str | None, typer.Option("--row", help="The form's row id.")]
Reason = Annotated[str, typer.Option(help="Why (kept in the audit trail).")]
Format = Annotated[OutputFormat, typer.Option("--format")]


def _print(data: Any, fmt: OutputFormat, text: str) -> None:
    if fmt is OutputFormat.JSON:
        print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    else:
        console.print(text, highlight=False)


Meaning = Annotated[str, typer.Option(help="review, approval or authorship")]
Confirm = Annotated[bool, typer.Option("--yes", help="I confirm the meaning of my signature.")]


@sign_app.command("form")
def sign_form(pseudonym: str, user: As, form: Annotated[str, typer.Option(
        "--form", help="The form's table (e.g. lab_result, adverse_event).")],
              row: Annotated[str, typer.Option("--row", help="The form's row id.")],
              meaning: Meaning = "review", yes: Confirm = False,
              format: Format = OutputFormat.TEXT) -> None:
    """Sign one form (an adverse event's signature attests its causality assessment)."""
    _sign(pseudonym, user, form, row, meaning, yes, format)


@sign_app.command("casebook")
def sign_casebook(pseudonym: str, user: As, meaning: Meaning = "approval", yes: Confirm = False,
                  format: Format = OutputFormat.TEXT) -> None:
    """Sign the participant's whole casebook."""
    _sign(pseudonym, user, None, None, meaning, yes, format)


def _sign(pseudonym: str, user: str, form: str | None, row: str | None, meaning: str,
          yes: bool, format: OutputFormat) -> None:
    from dawna.config import get_settings
    from dawna.services import signoff
    from dawna.services.schemas_signoff import SignIn
    from dawna.validation import validate

    db = database()
    who = principal(db, user)
    password = os.environ.get("DAWNA_SIGN_PASSWORD") or typer.prompt(
        _("Password"), hide_input=True)
    command = validate(SignIn, {"password": password, "meaning": meaning, "confirm": yes})
    sig = signoff.sign(db, get_settings(), who, pseudonym, form, row, command, address="cli")
    _print(sig.model_dump(mode="json"), format, _("signed by {name} at {at}: {meaning}").format(
        name=sig.signer_name, at=sig.signed_at.isoformat(), meaning=sig.meaning))


@sign_app.command("status")
def status(pseudonym: str, user: As, format: Format = OutputFormat.TEXT) -> None:
    """The casebook's forms with their signatures and locks."""
    from dawna.services import signoff

    db = database()
    book = signoff.casebook(db, principal(db, user), pseudonym)
    lines = [f"{book.pseudonym} casebook: " + _state(book.signature, book.lock)]
    lines += [f"  {f.table_name} {f.row_id} ({f.label}): {_state(f.signature, f.lock, f.locked)}"
              for f in book.forms]
    _print(book.model_dump(mode="json"), format, "\n".join(lines))


def _state(sig: Any, lock: Any, locked: bool = False) -> str:
    parts = []
    if sig is not None:
        parts.append(_("signed by {name} at {at}").format(name=sig.signer_name,
                                                          at=sig.signed_at.isoformat())
                     if sig.valid else _("signature void: data changed after signing"))
    if lock is not None or locked:
        parts.append(_("locked"))
    return ", ".join(parts) or "-"


@lock_app.command("set")
def lock(pseudonym: str, user: As, reason: Reason, form: Table = None, row: Row = None) -> None:
    """Lock a form (--form TABLE --row ID) or the whole casebook."""
    from dawna.services import locks

    db = database()
    locks.lock(db, principal(db, user), pseudonym, form, row, reason)
    console.print(_("locked"), highlight=False)


@lock_app.command("unlock")
def unlock(pseudonym: str, user: As, reason: Reason, form: Table = None, row: Row = None) -> None:
    """Unlock a form or the whole casebook, with a reason."""
    from dawna.services import locks

    db = database()
    locks.unlock(db, principal(db, user), pseudonym, form, row, reason)
    console.print(_("unlocked"), highlight=False)


@freeze_app.command("create")
def freeze(name: str, user: As, cut_off: Annotated[str, typer.Option(
        "--cut-off", help="The data cut-off date (YYYY-MM-DD).")],
           description: Annotated[str, typer.Option(help="What the freeze is for.")],
           format: Format = OutputFormat.TEXT) -> None:
    """Freeze the data as of the cut-off date under NAME."""
    from dawna.config import get_settings
    from dawna.services import freezes
    from dawna.services.schemas_signoff import FreezeIn
    from dawna.validation import validate

    db = database()
    command = validate(FreezeIn, {"name": name, "cut_off": day(cut_off, "cut_off"),
                                  "description": description})
    made = freezes.freeze(db, get_settings(), principal(db, user), command)
    _print(made.model_dump(mode="json"), format, _(
        "data freeze {name}: cut-off {cut}, audit chain head #{id}").format(
        name=made.name, cut=made.cut_off.isoformat(), id=made.chain_last_id))


@freeze_app.command("check")
def check(name: str, user: As, format: Format = OutputFormat.TEXT) -> None:
    """Changes after the freeze to data dated on or before its cut-off (exit 1 if any)."""
    from dawna.services import freezes

    db = database()
    result = freezes.check(db, principal(db, user), name)
    lines = [f"{c.at.isoformat()} {c.actor} {c.action} {c.table_name} {c.row_id} "
             f"{c.field or ''}" for c in result.changes]
    _print(result.model_dump(mode="json"), format, "\n".join(lines) if lines else _(
        "no data in the cut-off window changed after the freeze"))
    if not result.unchanged:
        raise typer.Exit(1)


@freeze_app.command("list")
def list_freezes(user: As, format: Format = OutputFormat.TEXT) -> None:
    from dawna.services import freezes

    db = database()
    rows = freezes.list_freezes(db, principal(db, user))
    _print([r.model_dump(mode="json") for r in rows], format, "\n".join(
        f"{r.name} {r.cut_off.isoformat()} {'frozen' if r.active else 'lifted'}" for r in rows))


@freeze_app.command("unfreeze")
def unfreeze(name: str, user: As, reason: Reason) -> None:
    """Lift a freeze, with a reason."""
    from dawna.services import freezes

    db = database()
    freezes.unfreeze(db, principal(db, user), name, reason)
    console.print(_("lifted"), highlight=False)
