"""``dawna export odm DIR`` and ``dawna import odm FILE``: the whole study as CDISC ODM 1.3.2
and back into an empty database (issue 22 item 4; ``docs/odm.md``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dawna.cli.common import actor, database, principal
from dawna.i18n import _

__all__ = ["export_odm", "import_app", "import_odm"]

import_app = typer.Typer(help="Imports into an empty database.", no_args_is_help=True)


def export_odm(directory: Annotated[Path, typer.Argument(help="Output folder.")],
               user: Annotated[str, typer.Option("--as", help="User name acting (their sites "
                                                              "and roles apply).")],
               site: Annotated[str | None, typer.Option(
                   help="Only this site (code); default: every site you may export.")] = None
               ) -> None:
    """The whole study as ODM 1.3.2 (odm.xml, validated against the schema) with manifest.json;
    identifiers only for roles that may see them; recorded in the audit trail."""
    from rich.progress import Progress

    from dawna.services import odm_export

    db = database()
    who = principal(db, user)
    with Progress(transient=True) as bar:
        task = bar.add_task(_("Reading the store"), total=None)

        def advance(step: str, total: int) -> None:
            bar.update(task, description=step, total=total, advance=1)
        result = odm_export.export(db, who, directory, site, progress=advance)
    typer.echo(result.file)
    typer.echo(_("{subjects} participants, {changes} audited changes ({records} audit records), "
                 "{signatures} signatures; {size} bytes in {seconds} s; identifiers "
                 "{included}").format(
        subjects=result.subjects, changes=result.audit_changes, records=result.audit_records,
        signatures=result.signatures, size=result.bytes, seconds=result.seconds,
        included=_("included") if result.identifiers else _("left out")))


@import_app.command("odm")
def import_odm(file: Annotated[Path, typer.Argument(help="An ODM 1.3.2 file written by "
                                                         "dawna export odm.")]) -> None:
    """Read an ODM file back into an empty database: every row with its values and the audit
    trail; users come without passwords and stay disabled until their password is reset."""
    from dawna.services import odm_import

    result = odm_import.import_odm(database(), file, actor())
    typer.echo(_("{rows} rows in {tables} tables and {records} audit records imported from "
                 "{file}; {users} users disabled until their password is reset").format(
        rows=sum(result.rows.values()), tables=len(result.rows), records=result.audit_records,
        file=result.file, users=result.users_disabled))
