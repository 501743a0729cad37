"""Synthetic PET DICOM series written with pydicom, whose SUVs are known by hand calculation.

Geometry: 8 axial slices of 20 x 20 pixels, 2 mm pixels, slices 2 mm apart; pixel (r, c) of
slice k is centred at (x, y, z) = (-20 + 2c, -20 + 2r, 2k) mm. Stored values are 100 (background)
and 1000 (hot), RescaleSlope 10: 1000 and 10 000 Bq/mL. Patient 70 kg, 370 MBq of F-18 injected
at 10:00:00, series and acquisition at 11:00:00 (Δt = 3600 s), decay corrected to the series
start (START), attenuation and decay corrected, Units BQML.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

PET_STORAGE = "1.2.840.10008.5.1.4.1.1.128"


def write_series(directory: Path, *, hot: tuple[slice, slice, slice] = (
        slice(3, 5), slice(8, 12), slice(8, 12)), overrides: dict[str, Any] | None = None,
        per_slice: dict[int, dict[str, Any]] | None = None,
        radiopharm: dict[str, Any] | None = None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    volume = np.full((8, 20, 20), 100, dtype=np.uint16)
    volume[hot] = 1000
    series_uid = generate_uid()
    for k in range(8):
        ds = Dataset()
        ds.file_meta = FileMetaDataset()
        ds.file_meta.MediaStorageSOPClassUID = PET_STORAGE
        ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.SOPClassUID, ds.SOPInstanceUID = PET_STORAGE, ds.file_meta.MediaStorageSOPInstanceUID
        ds.Modality, ds.PatientID, ds.PatientWeight = "PT", "DF-TEST01", 70
        ds.SeriesInstanceUID = series_uid
        ds.SeriesDate, ds.SeriesTime = "20240310", "110000"
        ds.AcquisitionDate, ds.AcquisitionTime = "20240310", "110000"
        ds.Units, ds.DecayCorrection, ds.CorrectedImage = "BQML", "START", ["ATTN", "DECY"]
        info = Dataset()
        info.Radiopharmaceutical = "Fluoroestradiol F^18^"
        info.RadiopharmaceuticalStartDateTime = "20240310100000"
        info.RadionuclideTotalDose = 370e6
        info.RadionuclideHalfLife = 6586.2
        for key, value in (radiopharm or {}).items():
            if value is None:
                delattr(info, key)
            else:
                setattr(info, key, value)
        ds.RadiopharmaceuticalInformationSequence = [info]
        ds.ImagePositionPatient = [-20.0, -20.0, 2.0 * k]
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.PixelSpacing = [2.0, 2.0]
        ds.SliceThickness = 2.0
        ds.RescaleSlope, ds.RescaleIntercept = 10, 0
        ds.Rows, ds.Columns = 20, 20
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
        ds.PixelData = volume[k].tobytes()
        for key, value in {**(overrides or {}), **((per_slice or {}).get(k, {}))}.items():
            if value is None:
                delattr(ds, key)
            else:
                setattr(ds, key, value)
        ds.save_as(directory / f"slice{k:02d}.dcm", enforce_file_format=True)
    return directory
