"""A PET DICOM series read with pydicom, turned into body-weight SUV, and the SUVmax, SUVmean and
SUVpeak of a sphere given in patient coordinates (mm).

- Geometry (DICOM PS3.3 C.7.6.2.1.1): the centre of pixel (row r, column c) of a slice is
  ImagePositionPatient + r·ΔR·Ycos + c·ΔC·Xcos, with Xcos, Ycos the two direction cosines of
  ImageOrientationPatient and PixelSpacing = [ΔR (between rows), ΔC (between columns)].
- Pixel value = stored value × RescaleSlope + RescaleIntercept; SUV by :mod:`dawna.rules.suv`.
- SUVmax and SUVmean over the voxels whose centres lie in the sphere; SUVpeak = the highest mean
  over a 1 cm³ sphere (radius 6.2035 mm) centred on a voxel of the sphere (PERCIST 1.0, Wahl et
  al., J Nucl Med 2009;50 Suppl 1:122S, "SUVpeak").

Refused, naming the attribute: files that are not DICOM, a series mixing patients, series or
tracers, non-PET images, and what SUV needs and lacks (``dawna.rules.suv.SuvError``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
from pydicom.errors import InvalidDicomError

from dawna.rules.suv import F18_HALF_LIFE_S, SuvError, SuvInputs, suv_factor

__all__ = ["PEAK_RADIUS_MM", "Series", "SphereStats", "load_series", "sphere_stats"]

PEAK_RADIUS_MM = 10 * (3 / (4 * math.pi)) ** (1 / 3)  # 1 cm³ sphere: 6.2035 mm


@dataclass(frozen=True)
class Series:
    suv: list[np.ndarray]            # one 2-D array per slice, sorted along the normal
    positions: list[np.ndarray]      # ImagePositionPatient per slice
    row_dir: np.ndarray              # Xcos: direction of increasing column index
    col_dir: np.ndarray              # Ycos: direction of increasing row index
    spacing: tuple[float, float]     # (ΔR, ΔC)
    patient_id: str
    tracer: str
    info: dict[str, Any]


@dataclass(frozen=True)
class SphereStats:
    suvmax: float
    suvmean: float
    suvpeak: float
    voxels: int


def _dt(date: str | None, time: str | None) -> datetime | None:
    if not date or not time:
        return None
    digits = (str(date) + str(time).split(".")[0]).strip()
    frac = str(time).split(".")[1] if "." in str(time) else "0"
    try:
        base = datetime.strptime(digits[:14].ljust(14, "0"), "%Y%m%d%H%M%S")
    except ValueError:
        return None
    return base.replace(microsecond=int(frac[:6].ljust(6, "0")))


def _datetime(value: str | None) -> datetime | None:
    if not value:
        return None
    text = str(value).split("+")[0].split("-")[0] if len(str(value)) > 8 else str(value)
    return _dt(text[:8], text[8:] or None)


def _values(value: Any) -> tuple[str, ...]:
    """A DICOM multi-valued string (a single value reads as a plain string)."""
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        return tuple(v for v in value.split("\\") if v)
    return tuple(str(v) for v in value)


def _tracer(ds: Any) -> tuple[str, Any]:
    seq = getattr(ds, "RadiopharmaceuticalInformationSequence", None)
    if not seq:
        raise SuvError("RadiopharmaceuticalInformationSequence", "is missing")
    info = seq[0]
    return str(getattr(info, "Radiopharmaceutical", "") or "").strip(), info


def load_series(directory: Path) -> Series:
    """Read every file of ``directory`` as one PET series and convert it to SUVbw."""
    if not directory.is_dir():
        raise SuvError("series", f"{directory} is not a directory")
    files = sorted(p for p in directory.iterdir() if p.is_file())
    if not files:
        raise SuvError("series", f"{directory} holds no file")
    slices = []
    for path in files:
        try:
            slices.append(pydicom.dcmread(path))
        except (InvalidDicomError, OSError) as exc:
            raise SuvError("series", f"{path.name} is not a DICOM file ({exc})") from None
    first = slices[0]
    for ds in slices:
        if str(getattr(ds, "Modality", "")) != "PT":
            raise SuvError("Modality", f"{getattr(ds, 'Modality', '-')} is not PT (PET)")
        for attribute in ("PatientID", "SeriesInstanceUID"):
            if str(getattr(ds, attribute, "")) != str(getattr(first, attribute, "")):
                raise SuvError(attribute, "the series mixes "
                               + ("patients" if attribute == "PatientID" else "series"))
        if _tracer(ds)[0] != _tracer(first)[0]:
            raise SuvError("Radiopharmaceutical", "the series mixes tracers")
    tracer, info = _tracer(first)
    orientation = np.array([float(v) for v in first.ImageOrientationPatient])
    row_dir, col_dir = orientation[:3], orientation[3:]
    normal = np.cross(row_dir, col_dir)
    slices.sort(key=lambda ds: float(np.dot([float(v) for v in ds.ImagePositionPatient], normal)))
    acquisitions = [_dt(getattr(ds, "AcquisitionDate", None) or getattr(ds, "SeriesDate", None),
                        getattr(ds, "AcquisitionTime", None)) for ds in slices]
    known = [a for a in acquisitions if a is not None]
    if not known:
        raise SuvError("AcquisitionTime", "is missing")
    series_time = _dt(getattr(first, "SeriesDate", None), getattr(first, "SeriesTime", None))
    injection = _datetime(getattr(info, "RadiopharmaceuticalStartDateTime", None)) or _dt(
        getattr(first, "SeriesDate", None), getattr(info, "RadiopharmaceuticalStartTime", None))
    weight = getattr(first, "PatientWeight", None)
    dose = getattr(info, "RadionuclideTotalDose", None)
    half_life = getattr(info, "RadionuclideHalfLife", None)
    scale = first.get((0x7053, 0x1009))
    inputs = SuvInputs(
        units=str(getattr(first, "Units", "")), decay_correction=str(
            getattr(first, "DecayCorrection", "")),
        corrected_image=_values(getattr(first, "CorrectedImage", None)),
        weight_kg=float(weight) if weight not in (None, "") else None,
        total_dose_bq=float(dose) if dose not in (None, "") else None,
        half_life_s=float(half_life) if half_life not in (None, "") else None,
        injection=injection, series=series_time, earliest_acquisition=min(known),
        cnts_scale=float(scale.value) if scale is not None else None)
    suv = []
    for ds, acquired in zip(slices, acquisitions, strict=True):
        slope = float(getattr(ds, "RescaleSlope", 1) or 1)
        intercept = float(getattr(ds, "RescaleIntercept", 0) or 0)
        factor = suv_factor(inputs, acquired)
        suv.append((ds.pixel_array.astype(np.float64) * slope + intercept) * factor)
    return Series(
        suv=suv, positions=[np.array([float(v) for v in ds.ImagePositionPatient])
                            for ds in slices],
        row_dir=row_dir, col_dir=col_dir,
        spacing=(float(first.PixelSpacing[0]), float(first.PixelSpacing[1])),
        patient_id=str(getattr(first, "PatientID", "")), tracer=tracer,
        info={"units": inputs.units, "decay_correction": inputs.decay_correction,
              "weight_kg": inputs.weight_kg, "injected_bq": inputs.total_dose_bq,
              "half_life_s": inputs.half_life_s or F18_HALF_LIFE_S,
              "injection": injection.isoformat() if injection else None,
              "series_time": series_time.isoformat() if series_time else None,
              "slices": len(slices)})


def _voxels(series: Series, center: np.ndarray, reach: float) -> tuple[np.ndarray, np.ndarray]:
    """Centres (n×3) and SUVs (n) of the voxels within ``reach`` mm of ``center``."""
    normal = np.cross(series.row_dir, series.col_dir)
    d_row, d_col = series.spacing
    points, values = [], []
    for position, image in zip(series.positions, series.suv, strict=True):
        offset = center - position
        if abs(float(np.dot(offset, normal))) > reach:
            continue
        c0, r0 = np.dot(offset, series.row_dir) / d_col, np.dot(offset, series.col_dir) / d_row
        rows = np.arange(max(0, math.floor(r0 - reach / d_row)),
                         min(image.shape[0], math.ceil(r0 + reach / d_row) + 1))
        cols = np.arange(max(0, math.floor(c0 - reach / d_col)),
                         min(image.shape[1], math.ceil(c0 + reach / d_col) + 1))
        if rows.size == 0 or cols.size == 0:
            continue
        rr, cc = np.meshgrid(rows, cols, indexing="ij")
        xyz = (position + rr[..., None] * d_row * series.col_dir
               + cc[..., None] * d_col * series.row_dir)
        inside = np.linalg.norm(xyz - center, axis=-1) <= reach
        points.append(xyz[inside])
        values.append(image[rr[inside], cc[inside]])
    if not points:
        return np.empty((0, 3)), np.empty(0)
    return np.concatenate(points), np.concatenate(values)


def sphere_stats(series: Series, center_mm: tuple[float, float, float],
                 radius_mm: float) -> SphereStats:
    if not 0 < radius_mm <= 200:
        raise SuvError("radius_mm", "must be above 0 and at most 200 mm")
    center = np.array(center_mm, dtype=np.float64)
    points, values = _voxels(series, center, radius_mm)
    if values.size == 0:
        raise SuvError("center_mm", "the sphere holds no voxel centre of this series")
    near_points, near_values = _voxels(series, center, radius_mm + PEAK_RADIUS_MM)
    peak = max(float(near_values[np.linalg.norm(near_points - p, axis=1) <= PEAK_RADIUS_MM]
                     .mean()) for p in points)
    return SphereStats(suvmax=float(values.max()), suvmean=float(values.mean()), suvpeak=peak,
                       voxels=int(values.size))
