"""``dawna analysis ...``, ``dawna export adam`` and ``dawna report``: the trial's results from the
command line, through the same services as the Results page (the named user's sites apply).

pandas, lifelines and matplotlib are imported inside the commands: every other command of the
CLI starts without them (seconds saved on each run)."""

from __future__ import annotations

import json
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from dawna.cli.common import OutputFormat, database, day, get_settings, principal
from dawna.errors import ValidationError
from dawna.i18n import _

if TYPE_CHECKING:  # the command line starts without SQLAlchemy (docs/architecture.md)
    from dawna.store.db import Database

app = typer.Typer(help="The trial's results: survival, response, safety.", no_args_is_help=True)
export_app = typer.Typer(help="Data exports.", no_args_is_help=True)
console = Console()
As = Annotated[str, typer.Option("--as", help="User name acting (their sites apply).")]
Cutoff = Annotated[str | None, typer.Option(help="Data cut-off (YYYY-MM-DD); default today.")]
Freeze = Annotated[str | None, typer.Option(
    help="A data freeze: its cut-off, refused if data in its window changed after it.")]


class Transform(StrEnum):
    LOG = "log"
    LOG_LOG = "log-log"
    PLAIN = "plain"


def _cutoff(value: str | None) -> date | None:
    return None if value is None else day(value, "cutoff")


def _cut(db: Database, user: str, cutoff: str | None, freeze: str | None) -> date | None:
    """``--cutoff`` or the cut-off of ``--freeze`` (refused if data in its window changed)."""
    from dawna.services import freezes

    return freezes.cut_for(db, principal(db, user), _cutoff(cutoff), freeze)


def _print_survival(data: dict[str, Any], title: str) -> None:
    table = Table(title=title)
    for column in (_("Arm"), "n", _("Events"), _("Median"), _("95 % CI")):
        table.add_column(column)

    def f(x: Any) -> str:
        return _("NR") if x is None else f"{x:.2f}"
    for arm, a in data["arms"].items():
        table.add_row(arm, str(a["n"]), str(a["events"]), f(a["median"]),
                      f"{f(a['ci_lower'])}–{f(a['ci_upper'])}")
    console.print(table)
    lr = data["logrank"]
    console.print(_("log-rank chi-square {chisq:.3f}, p {p:.4f}").format(**lr), highlight=False)
    if data.get("logrank_stratified"):
        console.print(_("stratified log-rank chi-square {chisq:.3f}, p {p:.4f}").format(
            **data["logrank_stratified"]), highlight=False)
    for key, label in (("hazard_ratio", _("hazard ratio A vs B")),
                       ("hazard_ratio_stratified", _("stratified hazard ratio A vs B"))):
        hr = data.get(key)
        if hr:
            console.print(f"{label}: {hr['hr']:.3f} ({hr['ci_lower']:.3f}–{hr['ci_upper']:.3f})",
                          highlight=False)


def _survival(param: str, user: str, fmt: OutputFormat, transform: Transform,
              cutoff: str | None, freeze: str | None = None) -> None:
    from dawna.services import results

    db = database()
    data = results.time_to_event(db, get_settings(), principal(db, user), param=param,
                                 transform=transform.value,
                                 cutoff=_cut(db, user, cutoff, freeze))
    if fmt is OutputFormat.JSON:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
    else:
        _print_survival(data, param)


@app.command()
def pfs(user: As, format: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TEXT,
        transform: Annotated[Transform, typer.Option(
            help="Confidence interval transform of the median (R survfit conf.type).")]
        = Transform.LOG, cutoff: Cutoff = None, freeze: Freeze = None) -> None:
    """Progression-free survival: per arm n, events, median and 95 % CI; log-rank,
    stratified log-rank, Cox hazard ratio (Efron ties) unstratified and stratified."""
    _survival("PFS", user, format, transform, cutoff, freeze)


@app.command("os")
def overall(user: As,
            format: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TEXT,
            transform: Annotated[Transform, typer.Option()] = Transform.LOG,
            cutoff: Cutoff = None, freeze: Freeze = None) -> None:
    """Overall survival, as for PFS."""
    _survival("OS", user, format, transform, cutoff, freeze)


@app.command()
def response(user: As, cutoff: Cutoff = None, freeze: Freeze = None) -> None:
    """Objective response and clinical benefit rates per arm (Clopper–Pearson) and the
    difference A − B (Newcombe), as JSON."""
    from dawna.services import results
    from dawna.services.analysis_data import analysis_data

    db = database()
    adam = analysis_data(db, get_settings(), principal(db, user),
                         cutoff=_cut(db, user, cutoff, freeze))
    typer.echo(json.dumps(results.response(adam), indent=2, ensure_ascii=False))


@app.command()
def safety(user: As, cutoff: Cutoff = None, freeze: Freeze = None) -> None:
    """Participants by worst CTCAE grade per arm and term, as JSON rows."""
    from dawna.services import results
    from dawna.services.analysis_data import analysis_data

    db = database()
    adam = analysis_data(db, get_settings(), principal(db, user),
                         cutoff=_cut(db, user, cutoff, freeze))
    typer.echo(json.dumps(results.safety_table(adam), indent=2, ensure_ascii=False))


@app.command("registry-results")
def registry_results(user: As, cutoff: Cutoff = None, freeze: Freeze = None,
                     out: Annotated[Path | None, typer.Option(
                         help="JSON file to write (default: print).")] = None) -> None:
    """The registry's results tables (ClinicalTrials.gov results data elements: participant
    flow with reasons for not completing, baseline age groups, sex, race and ethnicity,
    all-cause mortality, serious and other adverse events) as JSON."""
    from dawna.services.registry_results import registry_results as build

    db = database()
    data = build(db, get_settings(), principal(db, user),
                 cutoff=_cut(db, user, cutoff, freeze))
    text = json.dumps(data, indent=2, ensure_ascii=False)
    if out is None:
        typer.echo(text)
    else:
        out.write_text(text + "\n", encoding="utf-8")
        typer.echo(str(out))


@export_app.command("adam")
def export_adam(directory: Annotated[Path, typer.Argument(help="Output folder.")], user: As,
                cutoff: Cutoff = None, freeze: Freeze = None) -> None:
    """ADSL, ADTTE, ADRS, ADAE as CSV and SAS transport v5, and the definitions table, of the
    sites where you hold data.export (recorded in the audit trail)."""
    from dawna.exports.adam_files import write_adam
    from dawna.services.access import Permission
    from dawna.services.analysis_data import analysis_data
    from dawna.services.export_access import exporter
    from dawna.services.export_events import record_export

    db = database()
    who = exporter(principal(db, user))
    data = analysis_data(db, get_settings(), who, cutoff=_cut(db, user, cutoff, freeze))
    paths = write_adam(data, directory)
    record_export(db, who, "adam", who.sites_with(Permission.DATA_EXPORT), {
        "data_cut": data.cutoff.isoformat() if data.cutoff else None, "freeze": freeze,
        "pseudonymized": True, "files": [p.name for p in paths]})
    for path in paths:
        typer.echo(str(path))


def report(user: As, out: Annotated[Path, typer.Option(help="HTML file to write.")]
           = Path("dawna-report.html"),
           pdf: Annotated[Path | None, typer.Option(
               help="Also write a PDF (needs WeasyPrint installed).")] = None,
           cutoff: Cutoff = None, freeze: Freeze = None) -> None:
    """The trial report: CONSORT, baseline, Kaplan–Meier, forest, waterfall, swimmer, spider,
    response and safety tables, registry results tables."""
    from dawna.services import report as report_service
    from dawna.services.report_html import render_report

    settings = get_settings()
    db = database()
    built = report_service.build(db, settings, principal(db, user),
                                 cutoff=_cut(db, user, cutoff, freeze))
    html = render_report(built, settings, settings.env != "production")
    out.write_text(html, encoding="utf-8")
    typer.echo(str(out))
    if pdf is not None:
        try:
            import weasyprint  # type: ignore[import-not-found, unused-ignore]
        except ImportError:
            raise ValidationError(_("PDF needs WeasyPrint, which is not installed; the HTML "
                                    "report was written"), field="pdf") from None
        weasyprint.HTML(string=html).write_pdf(str(pdf))  # pragma: no cover
        typer.echo(str(pdf))


@export_app.command("fhir")
def export_fhir(directory: Annotated[Path, typer.Argument(help="Output folder.")], user: As,
                base_url: Annotated[str, typer.Option(
                    help="The FHIR endpoint's root, for each entry's fullUrl.")]
                = "http://localhost:8000/fhir") -> None:
    """FHIR R4 with mCODE STU4: bundle.json (a collection Bundle) and one NDJSON file per
    resource type, with manifest.json; pseudonymized unless your role may see identifiers."""
    from rich.progress import Progress

    from dawna.services import fhir_data

    db = database()
    who = principal(db, user)
    sites = fhir_data.export_sites(db, who)
    total = fhir_data.count(db, who, [i for i, _c in sites])
    with Progress(transient=True) as bar:
        task = bar.add_task(_("Building the FHIR resources"), total=total)
        done = fhir_data.export(db, get_settings(), who, directory, base_url,
                               progress=lambda _p: bar.advance(task))
    for name, count in sorted(done.files.items()):
        typer.echo(f"{directory / name}\t{count}")
    typer.echo(_("FHIR export of sites {sites}; identifiers {included}").format(
        sites=", ".join(done.sites),
        included=_("left out") if done.pseudonymized else _("included")))
