"""``dawna pet ...``: SUV of a sphere in a PET DICOM series (no database) and a participant's
PET reads (the same services as the web pages)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from dawna.errors import ValidationError
from dawna.i18n import _
from dawna.screen_command import OutputFormat

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
