"""``dawna export site-data DIR``: every form's data of the user's sites (the whole trial for
the data manager) as CSV or Excel, with the data dictionary; identifiers only for roles that
may see them; recorded in the audit trail (issue 20 item 7)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from dawna.cli.common import database, principal
from dawna.i18n import _
from dawna.services.form_catalogue import FORMS

__all__ = ["site_data"]


class Format(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


def site_data(directory: Annotated[Path, typer.Argument(help="Output folder.")],
              user: Annotated[str, typer.Option("--as", help="User name acting (their sites "
                                                             "and roles apply).")],
              site: Annotated[str | None, typer.Option(
                  help="Only this site (code); default: every site you may export.")] = None,
              output: Annotated[Format, typer.Option("--format")] = Format.CSV) -> None:
    """Every form's data, one file per form, and data_dictionary.csv (and .xlsx)."""
    from rich.progress import Progress

    from dawna.exports import site_files
    from dawna.services import site_export

    db = database()
    who = principal(db, user)
    with Progress(transient=True) as bar:
        task = bar.add_task(_("Reading the forms"), total=2 * len(FORMS) + 2)
        data = site_export.site_data(db, who, site, progress=lambda _f: bar.advance(task))
        bar.update(task, description=_("Writing the files"))
        paths = site_files.write_dir(data.tables, data.dictionary, output.value, directory,
                                     progress=lambda _f: bar.advance(task))
    site_export.record_export(db, who, data, output.value)
    for path in paths:
        typer.echo(str(path))
    typer.echo(_("{count} files; sites {sites}; identifiers {included}").format(
        count=len(paths), sites=", ".join(data.sites),
        included=_("included") if data.identifiers else _("left out")))
