"""``dawna recist FILE.json``: evaluate a RECIST 1.1 case without the database.

The file holds ``{"baseline": {...}, "assessments": [...], "settings": {...}}`` (README "Tumour
response", :class:`dawna.rules.recist_case.Case`); settings left out come from the DAWNA-FES
protocol file. ``--format json`` prints :func:`dawna.services.recist_documents.result_json`;
the default is a table of the timepoints and the best overall response. A case that breaks a
RECIST rule prints ``error: <field>: <rule>`` and exits 1.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from dawna.cli.common import OutputFormat, read_json_object
from dawna.errors import ValidationError
from dawna.i18n import _, gettext

if TYPE_CHECKING:  # the rules load when a case is evaluated
    from dawna.rules.recist import RecistResult

__all__ = ["recist"]


def _mm(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:+.1f}%"


def _print_table(result: RecistResult) -> None:
    from rich.console import Console  # Rich loads when a table is printed, not for --help
    from rich.table import Table

    console = Console()
    console = Console(width=max(console.width, 112))  # the table needs 112 columns
    table = Table(title=_("RECIST 1.1 response; baseline {date}, sum {sum} mm").format(
        date=result.baseline_date.isoformat(), sum=_mm(result.baseline_sum_mm)))
    for column in (_("Date"), _("Sum (mm)"), _("vs baseline"), _("vs nadir"), _("Target"),
                   _("Non-target"), _("New lesions"), _("Overall")):
        table.add_column(column)
    for t in result.timepoints:
        table.add_row(t.date.isoformat(), _mm(t.sum_mm), _pct(t.change_from_baseline_pct),
                      _pct(t.change_from_nadir_pct), t.target or "-", t.non_target or "-",
                      t.new_lesions, t.overall, style="bold red" if t.overall == "PD" else "")
    console.print(table)
    for t in result.timepoints:
        console.print(f"{t.date.isoformat()}:", highlight=False)
        for rule in t.rules:
            console.print(f"  - {rule.render(gettext)}", highlight=False, soft_wrap=True)
    bor = result.best_overall_response
    label = _("confirmed") if result.require_confirmation else _("unconfirmed")
    console.print(_("Best overall response ({kind}): {response} ({date})").format(
        kind=label, response=bor.response, date=bor.date.isoformat() if bor.date else "-"),
        highlight=False)
    console.print(_("Without confirmation: {unconfirmed}; with confirmation: {confirmed}").format(
        unconfirmed=result.unconfirmed.response, confirmed=result.confirmed.response),
        highlight=False)
    console.print(_("Progression: {date}").format(
        date=result.progression_date.isoformat() if result.progression_date else _("none")),
        highlight=False)


def recist(
    file: Path | None = typer.Argument(None, help="A RECIST case (JSON); see the README.",
                                       show_default=False),
    format: OutputFormat = typer.Option(OutputFormat.TEXT, "--format",
                                        help="text (a table) or json."),
    schema: bool = typer.Option(False, "--schema",
                                help="Print the JSON Schema of a case and stop."),
) -> None:
    """Evaluate a RECIST 1.1 case: timepoint responses, best overall response, progression."""
    from dawna.rules.recist_case import Case
    from dawna.services.recist_documents import case_from_data, evaluate_case, result_json

    if schema:
        typer.echo(json.dumps(Case.model_json_schema(), indent=2, ensure_ascii=False))
        return
    if file is None:
        raise ValidationError(_("give a RECIST case file, or --schema"), field="file")
    case = case_from_data(read_json_object(file, _("a RECIST case")))
    result = evaluate_case(case)
    if format is OutputFormat.JSON:
        typer.echo(json.dumps(result_json(result), indent=2, ensure_ascii=False))
    else:
        _print_table(result)
