"""SUV of a sphere in an uploaded PET series: the files are written to a private temporary
folder, read as one series and measured by ``dawna.imaging.pet_series``; nothing is stored.

SUV definitions and what a series must carry: ``dawna.imaging.pet_series`` and
``dawna.rules.suv``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel

from dawna.errors import ValidationError
from dawna.i18n import _

__all__ = ["SuvOfSphere", "suv_of_files"]


class SuvOfSphere(BaseModel):
    """SUVmax, SUVmean and SUVpeak (to three decimals) of the sphere, the voxels in it, and the
    series' tracer and patient ID."""

    suvmax: float
    suvmean: float
    suvpeak: float
    voxels: int
    tracer: str
    patient_id: str


def suv_of_files(files: Sequence[bytes], center: tuple[float, float, float],
                 radius: float) -> SuvOfSphere:
    """SUV of a sphere in uploaded DICOM files (written to a private temporary folder)."""
    from dawna.imaging.pet_series import load_series, sphere_stats
    from dawna.rules.suv import SuvError

    if not files:
        raise ValidationError(_("choose the files of one PET series"), field="files")
    with tempfile.TemporaryDirectory(prefix="dawna-suv-") as folder:
        for i, content in enumerate(files):
            (Path(folder) / f"{i:05d}.dcm").write_bytes(content)
        try:
            series = load_series(Path(folder))
            stats = sphere_stats(series, center, radius)
        except SuvError as exc:
            raise ValidationError(exc.message, field=exc.attribute) from None
    return SuvOfSphere(suvmax=round(stats.suvmax, 3), suvmean=round(stats.suvmean, 3),
                       suvpeak=round(stats.suvpeak, 3), voxels=stats.voxels,
                       tracer=series.tracer, patient_id=series.patient_id)
