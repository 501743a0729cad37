"""``dawna export sdtm DIR``: the SDTM data sets (SDTMIG 3.4) of the user's sites as of a data cut,
as SAS transport v5 and CSV, with the variable metadata, the self-check report and the
manifest; recorded in the audit trail (issue 22 items 1, 3 and 8; ``docs/sdtm.md``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from dawna.cli.common import database, day, get_settings, principal
from dawna.i18n import _

__all__ = ["export_sdtm"]

console = Console()


def export_sdtm(directory: Annotated[Path, typer.Argument(help="Output folder.")],
                user: Annotated[str, typer.Option("--as", help="User name acting (their "
                                                               "sites apply).")],
                cutoff: Annotated[str | None, typer.Option(
                    help="Data cut-off (YYYY-MM-DD); default today.")] = None,
                freeze: Annotated[str | None, typer.Option(
                    help="A data freeze: its cut-off, refused if data in its window changed "
                         "after it.")] = None) -> None:
    """SDTM domains (DM, DS, IE, SV, AE, CM, MH, EX, LB, VS, EG, TU, TR, RS, TS, TA, TE, TV,
    TI, SUPP--) as XPT and CSV, variables.csv, sdtm-checks.csv, sdtm-report.txt and
    manifest.json."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from dawna.exports.sdtm import ORDER
    from dawna.services import freezes, sdtm_export

    db = database()
    who = principal(db, user)
    cut = freezes.cut_for(db, who, None if cutoff is None else day(cutoff, "cutoff"), freeze)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  transient=True, console=console) as bar:
        task = bar.add_task(_("SDTM export"), total=5 + len(ORDER))
        result = sdtm_export.export(db, get_settings(), who, directory, cutoff=cut,
                                    freeze=freeze, progress=lambda _s: bar.advance(task))
    table = Table(title=_("SDTM data sets, data cut {cut}").format(cut=result.data_cut))
    for column in (_("Domain"), _("Label"), _("Rows")):
        table.add_column(column)
    for d in result.domains:
        table.add_row(d.name, d.label, str(d.rows))
    console.print(table)
    if result.domains_without_data:
        console.print(_("No data yet (not written): {names}").format(
            names=", ".join(result.domains_without_data)), highlight=False)
    console.print(_("Self-check findings: {n} (sdtm-checks.csv)").format(
        n=len(result.findings)), highlight=False)
    typer.echo(str(directory))
