"""``dawna registry ...``: import ClinicalTrials.gov API v2 records, export the DAWNA-FES
protocol as one, list studies, show related trials and a protocol-file skeleton."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from dawna.cli.common import actor, database, read_json_object
from dawna.i18n import _

app = typer.Typer(help="Registry records (ClinicalTrials.gov API v2 JSON).", no_args_is_help=True)
console = Console()


@app.command("import")
def import_(file: Annotated[Path, typer.Argument(help="A v2 study record, or a v2 search "
                                                 "result with a list of studies.")],
            reason: Annotated[str | None, typer.Option(help="Reason (audit trail).")] = None
            ) -> None:
    """Import (or update) studies; a malformed record imports nothing and names the path."""
    from dawna.services import registry

    data = read_json_object(file, _("a study record"))
    done = registry.import_studies(database(), actor(), data, reason)
    for row, created in done:
        console.print((_("imported {id}: {title}") if created else
                       _("updated {id}: {title}")).format(id=row.nct_id, title=row.title),
                      highlight=False)


@app.command()
def export(out: Annotated[Path | None, typer.Option(help="Write here instead of stdout.")]
           = None) -> None:
    """The DAWNA-FES protocol's registry record as ClinicalTrials.gov API v2 JSON."""
    from dawna.protocol import bundled_protocol
    from dawna.protocol.ctgov import to_v2

    text = json.dumps(to_v2(bundled_protocol()), indent=2, ensure_ascii=False)
    if out is None:
        typer.echo(text)
    else:
        out.write_text(text + "\n", encoding="utf-8")


@app.command("list")
def list_(q: str = "", condition: str = "", drug: str = "", status: str = "",
          phase: str = "") -> None:
    """Imported studies, filtered like the study list page."""
    from dawna.services import registry

    for row in registry.list_studies(database(), q, condition, drug, status, phase):
        typer.echo(f"{row.nct_id}\t{row.overall_status or ''}\t{row.phases}\t{row.title}")


@app.command()
def related(nct_id: str, limit: int = 5) -> None:
    """The most similar imported studies, with the reason for each match."""
    from dawna.services import registry

    for match in registry.related(database(), nct_id, limit):
        console.print(f"{match.nct_id}  {match.score:.3f}  {match.title}", highlight=False)
        for reason in match.reasons:
            console.print(f"    {reason}", highlight=False)


@app.command()
def skeleton(nct_id: str) -> None:
    """A protocol-file skeleton of an imported study (criteria numbered, rules not written)."""
    import yaml

    from dawna.protocol.ctgov import protocol_skeleton
    from dawna.services import registry

    _row, study = registry.get(database(), nct_id)
    typer.echo(yaml.safe_dump(protocol_skeleton(study), allow_unicode=True, sort_keys=False))
