"""``dawna screen FILE``: judge a screening record (JSON) against the bundled protocol.

No database: the record is read from a file in the format of
:class:`dawna.rules.screening_record.ScreeningRecord` (docs/screening-record.md; ``--schema``
prints its JSON Schema) and judged by :func:`dawna.rules.eligibility.evaluate` against the
DAWNA-FES protocol shipped with dawna. The CLI registers it with ``app.command("screen")(screen)``.

Output: a table of the criteria (id, status, reasons, missing fields) and the outcome, or with
``--format json``::

    {"outcome": "incomplete", "decision_date": "2024-06-03",
     "criteria": [{"id": "AGE", "kind": "inclusion", "text": "...", "status": "met",
                   "reasons": [], "missing": []}, ...],
     "missing": ["labs.anc", ...]}

A judged record exits 0 whatever the outcome. A missing or unreadable file, invalid JSON or a
record that breaks the format raises :class:`dawna.errors.ValidationError` naming the field
(``treatment_lines[1].stop_date``); the CLI prints ``error: <field>: <message>`` and exits 1.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from dawna.cli.common import OutputFormat, get_settings, read_json_object
from dawna.errors import ValidationError
from dawna.i18n import _, gettext

if TYPE_CHECKING:  # the rules and the protocol load when a record is judged
    from dawna.rules.eligibility import EligibilityResult, Status
    from dawna.rules.screening_record import ScreeningRecord

__all__ = ["OutputFormat", "load_record", "result_json", "screen"]


def load_record(file: Path) -> ScreeningRecord:
    """Read and validate a screening record file; every problem is a ValidationError."""
    from dawna.rules.screening_record import ScreeningRecord
    from dawna.validation import validate

    data = read_json_object(file, _("a screening record"))
    return validate(ScreeningRecord, data, root="record", count_more=True)


def result_json(result: EligibilityResult) -> dict[str, Any]:
    """The result as plain data, reasons rendered with :func:`dawna.i18n.gettext`."""
    return {
        "outcome": result.outcome.value,
        "decision_date": result.decision_date.isoformat() if result.decision_date else None,
        "criteria": [{"id": c.id, "kind": c.kind, "text": c.text, "status": c.status.value,
                      "reasons": [m.render(gettext) for m in c.reasons],
                      "missing": list(c.missing)} for c in result.criteria],
        "missing": list(result.missing),
    }


def _status_label(kind: str, status: Status) -> str:
    from dawna.rules.eligibility import Status

    if kind == "exclusion":
        return {Status.MET: _("applies (excluded)"), Status.NOT_MET: _("does not apply"),
                Status.UNKNOWN: _("unknown")}[status]
    return {Status.MET: _("met"), Status.NOT_MET: _("not met"),
            Status.UNKNOWN: _("unknown")}[status]


def _print_table(result: EligibilityResult) -> None:
    from rich.console import Console  # Rich loads when a table is printed, not for --help
    from rich.table import Table

    from dawna.rules.eligibility import Status

    console = Console()
    table = Table(title=_("Eligibility, judged on {date}").format(
        date=result.decision_date.isoformat() if result.decision_date else "-"))
    for column in (_("Criterion"), _("Status"), _("Reason"), _("Missing")):
        table.add_column(column)
    for c in result.criteria:
        style = "bold red" if c.blocks else "yellow" if c.status is Status.UNKNOWN else ""
        table.add_row(c.id, _status_label(c.kind, c.status),
                      "\n".join(m.render(gettext) for m in c.reasons), "\n".join(c.missing),
                      style=style)
    console.print(table)
    labels = {"eligible": _("eligible"), "ineligible": _("not eligible"),
              "incomplete": _("incomplete")}
    console.print(_("Outcome: {outcome}").format(outcome=labels[result.outcome.value]),
                  highlight=False)
    if result.failed:
        console.print(_("Failed: {ids}").format(ids=", ".join(c.id for c in result.failed)),
                      highlight=False)
    if result.missing:
        console.print(_("Missing: {fields}").format(fields=", ".join(result.missing)),
                      highlight=False)


def screen(
    file: Path | None = typer.Argument(
        None, help="Screening record (JSON); see docs/screening-record.md.", show_default=False),
    format: OutputFormat = typer.Option(OutputFormat.TEXT, "--format",
                                        help="text (a table) or json."),
    schema: bool = typer.Option(False, "--schema",
                                help="Print the JSON Schema of a screening record and stop."),
    decision_date: str | None = typer.Option(
        None, "--decision-date", help="Judge on this date (YYYY-MM-DD) instead of the "
        "record's decision_date.", show_default=False),
    confirm_implausible: bool = typer.Option(
        False, "--confirm-implausible", help="Accept values outside their usual range (the "
        "protocol file's plausibility block); impossible values are refused regardless."),
) -> None:
    """Judge a screening record against the DAWNA-FES eligibility criteria (no database)."""
    from dawna.clock import local_today
    from dawna.protocol import bundled_protocol
    from dawna.rules.eligibility import evaluate as evaluate_record
    from dawna.rules.screening_record import ScreeningRecord
    from dawna.services.plausibility import check_screening

    if schema:
        typer.echo(json.dumps(ScreeningRecord.model_json_schema(), indent=2, ensure_ascii=False))
        return
    if file is None:
        raise ValidationError(_("give a screening record file, or --schema"), field="file")
    on: date | None = None
    if decision_date is not None:
        try:
            on = date.fromisoformat(decision_date)
        except ValueError:
            raise ValidationError(_("not a date (YYYY-MM-DD): {value}").format(
                value=decision_date), field="decision_date") from None
    record = load_record(file)
    check_screening(record, on or record.decision_date or local_today(get_settings().zone),
                    confirm_implausible)
    result = evaluate_record(record, bundled_protocol(), on)
    if format is OutputFormat.JSON:
        typer.echo(json.dumps(result_json(result), indent=2, ensure_ascii=False))
    else:
        _print_table(result)
