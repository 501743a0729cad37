"""Body-weight standardized uptake value (SUVbw) from the quantities a PET DICOM header holds.

Source: QIBA FDG-PET/CT profile SUV pseudo-code, as implemented in cornerstonejs/calculate-suv
(``docs/domain.md`` §6):

- Units (0054,1001) BQML: activity concentration in Bq/mL; GML: already SUVbw (factor 1); CNTS:
  counts, usable only with a vendor activity-concentration scale factor (Philips (7053,1009)).
- Corrected Image (0028,0051) must contain ATTN; DECY too unless Decay Correction (0054,1102) is
  NONE, when each slice's activity is decay corrected here to its acquisition time.
- Reference time: Series Date/Time when not after the earliest Acquisition Date/Time, else the
  earliest acquisition (for Decay Correction START); the injection time for ADMIN.
- Injection time: Radiopharmaceutical Start DateTime, else Series Date + Radiopharmaceutical
  Start Time. Decayed dose = Radionuclide Total Dose (Bq) × 2^(−Δt / half-life); half-life from
  the header, else F-18's 6586.2 s. Δt < 0 is an error.
- SUVbw = activity (Bq/mL) × weight (kg) × 1000 (g/kg) / decayed dose (Bq).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["F18_HALF_LIFE_S", "SuvError", "SuvInputs", "decayed_dose", "suv_factor"]

F18_HALF_LIFE_S = 6586.2


class SuvError(Exception):
    """A header that does not allow SUV: ``attribute`` names what is missing or wrong."""

    def __init__(self, attribute: str, message: str) -> None:
        super().__init__(f"{attribute}: {message}")
        self.attribute = attribute
        self.message = message


@dataclass(frozen=True)
class SuvInputs:
    units: str
    corrected_image: tuple[str, ...]
    decay_correction: str
    weight_kg: float | None
    total_dose_bq: float | None
    half_life_s: float | None
    injection: datetime | None
    series: datetime | None
    earliest_acquisition: datetime
    cnts_scale: float | None = None


def decayed_dose(dose_bq: float, elapsed_s: float, half_life_s: float) -> float:
    """Dose remaining after ``elapsed_s``: dose × 2^(−Δt / T½)."""
    if elapsed_s < 0:
        raise SuvError("RadiopharmaceuticalStartDateTime",
                       "the injection is after the reference time (Δt < 0)")
    return dose_bq * 2 ** (-elapsed_s / half_life_s)


def suv_factor(h: SuvInputs, acquisition: datetime | None = None) -> float:
    """The factor turning a stored-and-rescaled pixel value into SUVbw. ``acquisition`` is the
    slice's own acquisition time, used when the images are not decay corrected (NONE)."""
    units = h.units.upper()
    if units == "GML":
        return 1.0
    if units not in ("BQML", "CNTS"):
        raise SuvError("Units", f"{h.units!r} is not BQML, GML or CNTS")
    if units == "CNTS" and h.cnts_scale is None:
        raise SuvError("Units", "CNTS needs the vendor activity concentration scale factor "
                                "(7053,1009), which this series lacks")
    flags = {f.upper() for f in h.corrected_image}
    if "ATTN" not in flags:
        raise SuvError("CorrectedImage", "does not contain ATTN (attenuation corrected)")
    decay = h.decay_correction.upper()
    if decay not in ("START", "ADMIN", "NONE"):
        raise SuvError("DecayCorrection", f"{h.decay_correction!r} is not START, ADMIN or NONE")
    if decay != "NONE" and "DECY" not in flags:
        raise SuvError("CorrectedImage", "does not contain DECY (decay corrected)")
    if h.weight_kg is None or h.weight_kg <= 0:
        raise SuvError("PatientWeight", "is missing or not positive")
    if h.total_dose_bq is None or h.total_dose_bq <= 0:
        raise SuvError("RadionuclideTotalDose", "is missing or not positive")
    if h.injection is None:
        raise SuvError("RadiopharmaceuticalStartDateTime",
                       "is missing (nor Radiopharmaceutical Start Time with the Series Date)")
    half_life = h.half_life_s or F18_HALF_LIFE_S
    if decay == "ADMIN":
        dose = h.total_dose_bq
    else:
        if decay == "START":
            if h.series is None:
                raise SuvError("SeriesTime", "is missing")
            reference = h.series if h.series <= h.earliest_acquisition \
                else h.earliest_acquisition
        else:
            reference = acquisition or h.earliest_acquisition
        dose = decayed_dose(h.total_dose_bq, (reference - h.injection).total_seconds(),
                            half_life)
    scale = h.cnts_scale if units == "CNTS" and h.cnts_scale is not None else 1.0
    return float(scale * h.weight_kg * 1000.0 / dose)
