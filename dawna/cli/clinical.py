"""``dawna clinical ...``: the clinical forms from the command line (issue 21 items 1-4):
record a concomitant medication, a medical history condition, vital signs or an ECG
(``--set field=value``, the names of the JSON API), show a participant's forms, and compute a
QTcF without a database."""

from __future__ import annotations

import csv
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from dawna.cli.common import OutputFormat, database, get_settings, principal
from dawna.errors import ValidationError
from dawna.i18n import _, gettext
from dawna.rules import ecg
from dawna.rules.rule_errors import RuleError

if TYPE_CHECKING:  # the command line starts without SQLAlchemy (docs/architecture.md)
    pass

app = typer.Typer(help="Clinical forms: concomitant medications, medical history, vital signs, "
                       "ECG.", no_args_is_help=True)
As = Annotated[str, typer.Option("--as", help="User name acting (their roles apply).")]


class Form(StrEnum):
    CONMED = "conmed"
    HISTORY = "history"
    VITALS = "vitals"
    ECG = "ecg"


def forms() -> dict[Form, tuple[Any, Any]]:
    """Each form's input model and service (imported when a command runs)."""
    from dawna.services import clinical

    return {Form.CONMED: (clinical.ConmedIn, clinical.record_conmed),
            Form.HISTORY: (clinical.HistoryIn, clinical.record_history),
            Form.VITALS: (clinical.VitalsIn, clinical.record_vitals),
            Form.ECG: (clinical.EcgIn, clinical.record_ecg)}


def pairs_of(values: list[str]) -> dict[str, str]:
    out = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValidationError(_("--set takes field=value: {item}").format(item=item),
                                  field="set")
        out[key.strip()] = value.strip()
    return out


@app.command()
def record(form: Form, pseudonym: str, user: As,
           values: Annotated[list[str], typer.Option(
               "--set", help="field=value, repeated (e.g. --set weight_kg=58.5).")]) -> None:
    """Record one form; a refused value names its field and nothing is stored."""
    from dawna.validation import validate

    model, save = forms()[form]
    db = database()
    entry = validate(model, pairs_of(values), root="set")
    row = save(db, get_settings(), principal(db, user), pseudonym, entry)
    typer.echo(row.model_dump_json(indent=2))


@app.command("stop")
def stop_medication(pseudonym: str, conmed_id: int, user: As,
                    on: Annotated[str, typer.Option("--on", help="Stop date (YYYY-MM-DD).")],
                    version: Annotated[int, typer.Option(help="The version shown.")]) -> None:
    """Stop an ongoing concomitant medication."""
    from dawna.services import clinical
    from dawna.validation import validate

    db = database()
    entry = validate(clinical.ConmedStopIn, {"stop_date": on, "version": version}, root="set")
    row = clinical.stop_conmed(db, get_settings(), principal(db, user), pseudonym, conmed_id,
                               entry.stop_date, entry.version)
    typer.echo(row.model_dump_json(indent=2))


@app.command()
def show(pseudonym: str, user: As,
         format: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TEXT) -> None:
    """A participant's clinical forms, the weight prompt and the CYP3A warnings."""
    from dawna.services import clinical

    db = database()
    view = clinical.clinical_view(db, get_settings(), principal(db, user), pseudonym)
    if format is OutputFormat.JSON:
        typer.echo(view.model_dump_json(indent=2))
        return
    for w in view.cyp3a_warnings:
        typer.echo(_("WARNING: {text}").format(text=w))
    for c in view.conmeds:
        typer.echo(_("medication: {drug} {route} {freq} from {start}{flag}").format(
            drug=c.drug, route=c.route, freq=c.frequency, start=c.start_date,
            flag=" [" + (c.cyp3a or "") + "]" if c.cyp3a else ""))
    for h in view.history:
        typer.echo(_("history: {condition}{ae}").format(
            condition=h.condition, ae=" [AE]" if h.adverse_event else ""))
    for r in view.vitals:
        typer.echo(_("vital signs {date}: {kg} kg, temperature {t}").format(
            date=r.measured_on, kg=r.weight_kg, t=r.temperature_c or "-"))
    for e in view.ecgs:
        typer.echo(_("ECG {date}: QTcF {qtcf} ms, grade {grade}").format(
            date=e.recorded_on, qtcf=e.qtcf_ms, grade=e.grade))
    prompt = view.weight_prompt
    if prompt and prompt.recompute:
        typer.echo(_("weight changed {pct} % from the dosing weight: recompute the doses")
                   .format(pct=prompt.percent))
        for d in prompt.doses:
            typer.echo(f"  {d.drug}: {d.current_dose} -> {d.new_dose} {d.unit}")


@app.command()
def qtcf(qt: Annotated[float, typer.Option("--qt", help="QT in ms.")],
         rr: Annotated[float | None, typer.Option("--rr", help="RR in ms.")] = None,
         rate: Annotated[float | None, typer.Option("--rate", help="Heart rate /min.")] = None,
         baseline: Annotated[float | None, typer.Option(help="Baseline QTcF, ms.")] = None
         ) -> None:
    """QTcF by Fridericia (QT / RR^(1/3), RR in seconds) and its CTCAE v5.0 grade."""
    try:
        value = ecg.fridericia_ms(qt, rr, rate)
    except RuleError as exc:
        raise exc.translated(gettext) from None
    typer.echo(_("QTcF {value} ms, CTCAE grade {grade}").format(
        value=f"{value:.1f}", grade=ecg.qtc_grade(value, baseline)))


#: form -> file name (the SDTM domain each becomes: CM, MH, VS, EG; issue 22 maps them).
EXPORT_FILES = {"concomitant_medication": "cm.csv", "medical_history": "mh.csv",
                "vital_signs": "vs.csv", "ecg": "eg.csv"}


@app.command("export")
def export(directory: Annotated[Path, typer.Argument(help="Output folder.")], user: As) -> None:
    """Every clinical form at the user's sites as CSV (cm, mh, vs, eg .csv: participant, site,
    then the form's columns), the source of the CM, MH, VS and EG data sets; the sites where you
    hold data.export."""
    from dawna.services import clinical
    from dawna.services.export_access import exporter

    db = database()
    acting = exporter(principal(db, user))
    directory.mkdir(parents=True, exist_ok=True)
    for form, name in EXPORT_FILES.items():
        model_columns = ("participant", "site", *clinical.EXPORTS[form][1])
        rows = clinical.export_rows(db, acting, form)
        with (directory / name).open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=model_columns)
            writer.writeheader()
            writer.writerows(rows)
        typer.echo(_("{file}: {n} rows").format(file=name, n=len(rows)))
