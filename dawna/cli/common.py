"""What every ``dawna`` command shares: the database of the settings, the user named by
``--as USER`` and the actor of the audit trail, JSON documents read from files, dates given as
options, the ``--format`` choice, and errors printed as one line.

The command line is a thin caller of the services, as the web pages are: it opens no session
and imports no store model (docs/architecture.md).
"""

from __future__ import annotations

import getpass
import json
import os
import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from dawna.errors import DawnaError, ValidationError
from dawna.i18n import _, set_locale

if TYPE_CHECKING:  # the command line starts without SQLAlchemy (docs/architecture.md)
    from typer._click import Command

    from dawna.config import Settings
    from dawna.services.access import Principal
    from dawna.services.admin import Actor
    from dawna.store.db import Database

__all__ = ["OutputFormat", "actor", "database", "day", "get_settings", "principal",
           "read_json_object", "read_text", "run"]


class OutputFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


def get_settings() -> Settings:
    """The settings (``DAWNA_*``), imported when a command needs them: pydantic-settings is
    slow to import and most commands that need no database never ask."""
    from dawna.config import get_settings as settings_of_environment

    return settings_of_environment()


def database() -> Database:
    """The database of the settings (``DAWNA_DATABASE_URL``)."""
    from dawna.store.db import Database

    return Database(get_settings().database_url)


def principal(db: Database, username: str) -> Principal:
    """The named user acting from the command line (their roles and sites apply); an unknown
    name is an error on ``as``."""
    from dawna.services.auth import principal_named

    return principal_named(db, username, field="as")


def actor() -> Actor:
    """The audit trail's actor of an administrative command: the operating-system user."""
    from dawna.services.admin import Actor

    return Actor(user_id=None, username=f"cli:{getpass.getuser()}")


def day(value: str, field: str = "date") -> date:
    """A date option (YYYY-MM-DD); anything else is a ValidationError on ``field``."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(_("not a date (YYYY-MM-DD): {value}").format(value=value),
                              field=field) from None


def read_text(file: Path) -> str:
    """The UTF-8 text of ``file``; a missing or unreadable file is a ValidationError on the
    field ``file``."""
    try:
        return file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValidationError(_("file not found: {file}").format(file=file),
                              field="file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(_("cannot read {file}: {error}").format(file=file, error=exc),
                              field="file") from None


def read_json_object(file: Path, what: str) -> dict[str, Any]:
    """The JSON object in ``file``; a missing, unreadable or invalid file is a ValidationError
    on the field ``file``. ``what`` names the document in the message (already translated)."""
    text = read_text(file)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            _("invalid JSON at line {line}, column {column}: {error}").format(
                line=exc.lineno, column=exc.colno, error=exc.msg), field="file") from None
    if not isinstance(data, dict):
        raise ValidationError(_("{what} must be a JSON object").format(what=what), field="file")
    return data


def run(command: Command) -> None:
    """Run the click ``command`` (``dawna.cli.LazyGroup``) in the user's language (``LANG``),
    turning dawna errors into one line on stderr and exit code 1 (docs/architecture.md, Errors).
    A usage error (missing or invalid argument, unknown command) is click's message and exit
    code 2. Typer (0.29) carries its own copy of click: its exceptions, not click's, arrive."""
    set_locale("zh_CN" if os.environ.get("LANG", "").lower().startswith("zh") else "en")
    try:
        code = command.main(standalone_mode=False)
    except DawnaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.TyperException as exc:  # click's ClickException: usage errors
        show = getattr(exc, "show", None)
        if show is None:
            print(f"error: {exc.format_message()}", file=sys.stderr)
        else:
            show()
        sys.exit(exc.exit_code)
    except typer.Abort:
        print("error: aborted", file=sys.stderr)
        sys.exit(1)
    except Exception as exc:  # one line for anything unforeseen; DAWNA_DEBUG=1 re-raises
        if os.environ.get("DAWNA_DEBUG"):
            raise
        print(f"error: {type(exc).__name__}: {exc} (set DAWNA_DEBUG=1 for details)",
              file=sys.stderr)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
