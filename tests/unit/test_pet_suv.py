"""SUV from synthetic PET DICOM series (tests/pet_data.py) against hand calculation, following
the QIBA SUV pseudo-code (domain.md §6): SUVbw = activity × weight × 1000 / decayed dose, decayed
dose = dose × 2^(−Δt / 6586.2 s)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pet_data import write_series

from dawna.imaging.pet_series import load_series, sphere_stats
from dawna.rules.suv import SuvError

# Hand calculation: Δt = 11:00 − 10:00 = 3600 s; 3600 / 6586.2 = 0.546598; × ln 2 = 0.378876;
# e^−0.378876 = 0.684633; decayed dose = 370e6 × 0.684633 = 2.533142e8 Bq;
# hot SUV = 10 000 Bq/mL × 70 kg × 1000 g/kg / 2.533142e8 Bq = 2.76337.
DECAYED = 370e6 * 2 ** (-3600 / 6586.2)
HOT = 10_000 * 70 * 1000 / DECAYED          # 2.7633...
BACKGROUND = HOT / 10                       # 0.27633...


def test_hand_calculation_constants() -> None:
    assert pytest.approx(2.533142e8, rel=1e-6) == DECAYED
    assert pytest.approx(2.76337, rel=1e-5) == HOT


def test_sphere_on_the_hot_cube(tmp_path: Path) -> None:
    series = load_series(write_series(tmp_path / "s"))
    # centre between the hot voxels x, y in {-2, 0}, z in {6, 8}: the 8 of them are within
    # 2.5 mm (sqrt(3) = 1.73 mm), the next ones are 3 mm away or more
    stats = sphere_stats(series, (-1.0, -1.0, 7.0), 2.5)
    assert stats.voxels == 8
    assert stats.suvmax == pytest.approx(HOT, rel=1e-9)
    assert stats.suvmean == pytest.approx(HOT, rel=1e-9)
    # the 1 cm³ peak sphere (6.2 mm) around any of them takes in background too
    assert BACKGROUND < stats.suvpeak < HOT
    background = sphere_stats(series, (-16.0, -16.0, 2.0), 3.0)
    assert background.suvmax == pytest.approx(BACKGROUND, rel=1e-9)
    assert background.suvpeak == pytest.approx(BACKGROUND, rel=1e-9)


def test_suvpeak_of_a_uniform_region_is_its_value(tmp_path: Path) -> None:
    big = (slice(0, 8), slice(4, 16), slice(4, 16))  # x, y from -12 to 10 mm, all z
    series = load_series(write_series(tmp_path / "s", hot=big))
    stats = sphere_stats(series, (0.0, 0.0, 7.0), 1.5)
    assert stats.suvpeak == pytest.approx(HOT, rel=1e-9)


def test_decay_correction_admin_uses_the_injected_dose(tmp_path: Path) -> None:
    series = load_series(write_series(tmp_path / "s", overrides={"DecayCorrection": "ADMIN"}))
    stats = sphere_stats(series, (-1.0, -1.0, 7.0), 2.5)
    assert stats.suvmax == pytest.approx(10_000 * 70 * 1000 / 370e6, rel=1e-9)


def test_not_decay_corrected_slices_decay_to_their_own_acquisition(tmp_path: Path) -> None:
    # slice 3 acquired at 11:10:00 (Δt = 4200 s); DECY absent, DecayCorrection NONE
    series = load_series(write_series(
        tmp_path / "s", overrides={"DecayCorrection": "NONE", "CorrectedImage": ["ATTN"]},
        per_slice={3: {"AcquisitionTime": "111000"}}))
    stats = sphere_stats(series, (-2.0, -2.0, 6.0), 0.5)  # one voxel of slice 3
    assert stats.voxels == 1
    assert stats.suvmax == pytest.approx(10_000 * 70_000 / (370e6 * 2 ** (-4200 / 6586.2)),
                                         rel=1e-9)


def test_reference_time_is_the_earliest_acquisition_when_the_series_time_is_later(
        tmp_path: Path) -> None:
    series = load_series(write_series(tmp_path / "s", overrides={"SeriesTime": "113000"}))
    assert sphere_stats(series, (-1.0, -1.0, 7.0), 2.5).suvmax == pytest.approx(HOT, rel=1e-9)


def test_half_life_from_the_header_or_f18(tmp_path: Path) -> None:
    doubled = load_series(write_series(tmp_path / "a", radiopharm={
        "RadionuclideHalfLife": 2 * 6586.2}))
    expected = 10_000 * 70_000 / (370e6 * 2 ** (-3600 / (2 * 6586.2)))
    assert sphere_stats(doubled, (-1.0, -1.0, 7.0), 2.5).suvmax == pytest.approx(expected,
                                                                                   rel=1e-9)
    default = load_series(write_series(tmp_path / "b", radiopharm={
        "RadionuclideHalfLife": None}))
    assert sphere_stats(default, (-1.0, -1.0, 7.0), 2.5).suvmax == pytest.approx(HOT, rel=1e-9)


def test_gml_is_already_suv(tmp_path: Path) -> None:
    series = load_series(write_series(tmp_path / "s", overrides={"Units": "GML",
                                                                  "RescaleSlope": 0.001}))
    assert sphere_stats(series, (-1.0, -1.0, 7.0), 2.5).suvmax == pytest.approx(1.0)


@pytest.mark.parametrize(("overrides", "radiopharm", "attribute"), [
    ({"PatientWeight": None}, None, "PatientWeight"),
    ({}, {"RadionuclideTotalDose": None}, "RadionuclideTotalDose"),
    ({}, {"RadiopharmaceuticalStartDateTime": None}, "RadiopharmaceuticalStartDateTime"),
    ({"Units": "CNTS"}, None, "Units"),
    ({"CorrectedImage": ["DECY"]}, None, "CorrectedImage"),
    ({"CorrectedImage": ["ATTN"]}, None, "CorrectedImage"),   # START without DECY
    ({}, {"RadiopharmaceuticalStartDateTime": "20240310113000"},
     "RadiopharmaceuticalStartDateTime"),                      # injected after the series
    ({"Modality": "CT"}, None, "Modality"),
])
def test_what_suv_needs_and_lacks_is_named(tmp_path: Path, overrides: dict, radiopharm: dict,  # type: ignore[type-arg]
                                           attribute: str) -> None:
    with pytest.raises(SuvError) as caught:
        load_series(write_series(tmp_path / "s", overrides=overrides, radiopharm=radiopharm))
    assert caught.value.attribute == attribute


def test_a_series_mixing_patients_or_tracers_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SuvError) as caught:
        load_series(write_series(tmp_path / "a", per_slice={2: {"PatientID": "DF-OTHER1"}}))
    assert caught.value.attribute == "PatientID"
    mixed = write_series(tmp_path / "b")
    other = write_series(tmp_path / "c", radiopharm={"Radiopharmaceutical": "Fludeoxyglucose"})
    (other / "slice00.dcm").replace(mixed / "slice99.dcm")
    with pytest.raises(SuvError) as caught:
        load_series(mixed)
    assert caught.value.attribute in ("Radiopharmaceutical", "SeriesInstanceUID")
    (mixed / "notes.txt").write_text("not an image")
    with pytest.raises(SuvError) as caught:
        load_series(mixed)
    assert caught.value.attribute == "series"


def test_a_sphere_outside_the_series_is_refused(tmp_path: Path) -> None:
    series = load_series(write_series(tmp_path / "s"))
    with pytest.raises(SuvError) as caught:
        sphere_stats(series, (500.0, 0.0, 0.0), 5.0)
    assert caught.value.attribute == "center_mm"
