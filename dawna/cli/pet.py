"""``dawna pet ...``: SUV of a sphere in a PET DICOM series (no database) and a participant's
PET reads (the same services as the web pages)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from dawna.cli.common import OutputFormat, database, principal, read_json_object
from dawna.errors import ValidationError
from dawna.i18n import _

app = typer.Typer(help="PET/CT: SUV from DICOM, FES and FDG lesion reads.", no_args_is_help=True)
console = Console()


@app.command()
def suv(series: Annotated[Path, typer.Argument(help="Folder holding one PET DICOM series.")],
        center_mm: Annotated[tuple[float, float, float], typer.Option(
            "--center-mm", help="Sphere centre X Y Z in patient coordinates (mm).")],
        radius_mm: Annotated[float, typer.Option("--radius-mm", help="Sphere radius (mm).")],
        format: OutputFormat = typer.Option(OutputFormat.TEXT, "--format")) -> None:
    """SUVmax, SUVmean and SUVpeak (1 cm³) of a sphere: body-weight SUV, decay corrected."""
    from dawna.imaging.pet_series import load_series, sphere_stats
    from dawna.rules.suv import SuvError

    try:
        loaded = load_series(series)
        stats = sphere_stats(loaded, center_mm, radius_mm)
    except SuvError as exc:
        raise ValidationError(exc.message, field=exc.attribute) from None
    result = {"suvmax": round(stats.suvmax, 4), "suvmean": round(stats.suvmean, 4),
              "suvpeak": round(stats.suvpeak, 4), "voxels": stats.voxels,
              "center_mm": list(center_mm), "radius_mm": radius_mm,
              "patient_id": loaded.patient_id, "tracer": loaded.tracer, **loaded.info}
    if format is OutputFormat.JSON:
        typer.echo(json.dumps(result, indent=2, ensure_ascii=False))
        return
    console.print(_("SUVmax {max}  SUVmean {mean}  SUVpeak {peak}  ({n} voxels)").format(
        max=result["suvmax"], mean=result["suvmean"], peak=result["suvpeak"], n=stats.voxels),
        highlight=False)
    console.print(_("{tracer}, patient {patient}; {weight} kg, {dose} MBq injected {injection}; "
                    "units {units}, decay correction {decay}").format(
        tracer=loaded.tracer, patient=loaded.patient_id, weight=loaded.info["weight_kg"],
        dose=round((loaded.info["injected_bq"] or 0) / 1e6, 1),
        injection=loaded.info["injection"], units=loaded.info["units"],
        decay=loaded.info["decay_correction"]), highlight=False)


As = Annotated[str, typer.Option("--as", help="User name acting (their roles apply).")]


@app.command()
def show(pseudonym: str, user: As,
         format: OutputFormat = typer.Option(OutputFormat.JSON, "--format")) -> None:
    """A participant's PET studies and the FES/FDG summary (JSON)."""
    from dawna.services import pet
    from dawna.services.pet_summary import summary_json

    db = database()
    typer.echo(json.dumps(summary_json(pet.get(db, principal(db, user), pseudonym)),
                          indent=2, ensure_ascii=False))


@app.command()
def register(pseudonym: str, user: As, tracer: Annotated[str, typer.Option()],
             scan_date: Annotated[str, typer.Option()],
             injected_mbq: Annotated[float, typer.Option()],
             weight_kg: Annotated[float, typer.Option()],
             uptake_min: Annotated[float, typer.Option()]) -> None:
    """Register a scan; it waits on the readers' worklist."""
    from dawna.config import get_settings
    from dawna.services import pet

    db = database()
    study_id = pet.register_scan(db, get_settings(), principal(db, user), pseudonym, {
        "tracer": tracer, "scan_date": scan_date, "injected_mbq": injected_mbq,
        "weight_kg": weight_kg, "uptake_min": uptake_min})
    console.print(_("study {id} registered, awaiting its read").format(id=study_id))


@app.command()
def read(pseudonym: str, study_id: int, file: Path, user: As,
         reason: Annotated[str | None, typer.Option(help="Required to change a read.")] = None
         ) -> None:
    """Record a read from FILE.json: ``{"read_date", "lesions": [{"id", "organ", "suvmax",
    ...}]}``; a read without lesions needs ``"no_evaluable_lesion": true``."""
    from datetime import date

    from dawna.config import get_settings
    from dawna.services import pet

    data = read_json_object(file, _("a PET read"))
    lesions = data.get("lesions")
    if not isinstance(lesions, list):
        raise ValidationError(_("a list of lesions is required"), field="lesions")
    raw = data.get("read_date")
    try:
        on = date.fromisoformat(str(raw)) if raw else None
    except ValueError:
        raise ValidationError(_("not a date (YYYY-MM-DD): {value}").format(value=raw),
                              field="read_date") from None
    db = database()
    view = pet.read(db, get_settings(), principal(db, user), pseudonym, study_id, lesions, on,
                    reason, no_evaluable_lesion=data.get("no_evaluable_lesion") is True)
    console.print(_("{read} lesions read on FES, {positive} ER-positive; heterogeneity "
                    "{kind}").format(read=view.summary.lesions_read,
                                     positive=view.summary.er_positive,
                                     kind=view.summary.heterogeneity or "-"), highlight=False)


@app.command()
def worklist(user: As) -> None:
    """Studies awaiting a read at the user's sites."""
    from dawna.services import pet

    db = database()
    for w in pet.worklist(db, principal(db, user)):
        typer.echo(f"{w.study_id}\t{w.pseudonym}\t{w.site_code}\t{w.tracer}\t"
                   f"{w.scan_date.isoformat()}")


@app.command()
def covariates(user: As) -> None:
    """Baseline PET covariates per participant of the sites where you hold data.export (CSV on
    standard output; recorded in the audit trail)."""
    import csv
    import sys

    from dawna.services import pet
    from dawna.services.access import Permission
    from dawna.services.export_access import exporter
    from dawna.services.export_events import record_export

    db = database()
    who = exporter(principal(db, user))
    rows = pet.covariates(db, who)
    writer = csv.DictWriter(sys.stdout, fieldnames=pet.COVARIATE_COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    record_export(db, who, "pet-covariates", who.sites_with(Permission.DATA_EXPORT),
                  {"rows": len(rows), "pseudonymized": True})
