"""``dawna user password``: an administrator sets a user's password (a login event and an
audited change, the hash redacted in the trail)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from dawna.cli.common import actor, database
from dawna.i18n import _

__all__ = ["password"]


def password(username: Annotated[str, typer.Argument(help="Login name.")],
             password_stdin: Annotated[bool, typer.Option(
                 "--password-stdin", help="Read the new password from standard input.")] = False,
             reason: Annotated[str, typer.Option(help="Reason (audit trail).")] =
             "Password set from the command line",
             activate: Annotated[bool, typer.Option(
                 "--activate", help="Also re-activate the account (e.g. after dawna import "
                                    "odm).")] = False) -> None:
    """Set USERNAME's password (asked, or read from stdin)."""
    from dawna.services import passwords

    if password_stdin:
        new = sys.stdin.readline().rstrip("\n")
    else:
        new = typer.prompt(_("Password"), hide_input=True, confirmation_prompt=True)
    passwords.set_password(database(), actor(), username, new, reason, activate)
    typer.echo(_("password of %(name)s changed") % {"name": username})
