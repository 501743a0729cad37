"""``dawna forms status``: the form status grid (issue 20 item 3) as a table, one column per
visit of the protocol's schedule, each form a symbol (the legend is printed below)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from dawna.cli.common import OutputFormat, database, get_settings, principal
from dawna.i18n import _
from dawna.services.schemas_forms import (  # pydantic only: no database at start-up
    STATE_LABELS,
    STATE_SYMBOLS,
    FormCellOut,
)

__all__ = ["app"]

app = typer.Typer(help="Case report forms: where each stands against the schedule.",
                  no_args_is_help=True)
console = Console(highlight=False, soft_wrap=True)
As = Annotated[str, typer.Option("--as", help="User name acting (their sites and roles apply).")]


def _text(cell: FormCellOut | None, unscheduled: bool) -> str:
    if cell is None:
        return "·"
    if cell.state is None:
        return " "
    symbol = STATE_SYMBOLS.get(cell.state, "?")
    if unscheduled:
        return f"{symbol}{cell.entered}"
    if cell.expected > 1 or cell.entered > 1:
        return f"{symbol}{cell.entered}/{cell.expected}"
    return symbol


@app.command("status")
def status(user: As,
           site: Annotated[str | None, typer.Option(help="One of your sites, by code.")] = None,
           state: Annotated[str | None, typer.Option(
               help="Only participants with a form in this state: " + ", ".join(STATE_LABELS))
           ] = None,
           page: Annotated[int, typer.Option(help="Page of participants.")] = 1,
           per_page: Annotated[int, typer.Option(help="Participants a page (at most 500).")] = 100,
           output: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TEXT) -> None:
    """Participants × the visits of the schedule of activities at your sites: one symbol per
    form of the visit, with entered/expected for repeated visits."""
    from dawna.services import form_status

    db = database()
    settings = get_settings()
    out = form_status.grid(db, settings, principal(db, user), site=site, state=state,
                           page=page, per_page=per_page)
    if output is OutputFormat.JSON:
        typer.echo(out.model_dump_json(indent=2))
        return
    table = Table(title=_("Form status on {day} ({zone})").format(day=out.today.isoformat(),
                                                                  zone=out.zone))
    table.add_column(_("Participant"))
    table.add_column(_("Site"))
    for column in out.columns:
        table.add_column(column.label)
    for row in out.rows:
        table.add_row(row.pseudonym, row.site_code, *(
            " ".join(_text(row.cells.get(f"{c.visit}/{f.form}"),
                           c.visit == form_status.UNSCHEDULED) for f in c.forms)
            for c in out.columns))
    console.print(table)
    for column in out.columns:
        console.print(f"{column.label}: " + ", ".join(f.label for f in column.forms))
    console.print("  ".join(f"{STATE_SYMBOLS[s]} {_(label)}" for s, label in STATE_LABELS.items()))
    console.print(_("Page {page} of {pages} ({total} participants)").format(
        page=out.page, pages=out.pages, total=out.total))
