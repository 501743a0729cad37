"""JSON API for PET/CT: a participant's studies and summary, scan registration, the read, the
readers' worklist and SUV from uploaded DICOM files."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import Depends, File, Form, UploadFile
from pydantic import BaseModel, Field

from dawna.services import pet, pet_upload
from dawna.services.pet_summary import summary_json
from dawna.services.schemas_pet import PetSummaryOut, RegisteredScanOut, WorkItemOut
from dawna.web.deps import CurrentUser, DbDep, RecordId, SettingsDep
from dawna.web.routing import Router
from dawna.web.security import csrf_protect

router = Router(prefix="/api", tags=["PET/CT"])


class ReadIn(BaseModel):
    lesions: list[dict[str, Any]] = Field(max_length=100)
    read_date: dt.date | None = None
    no_evaluable_lesion: bool = False
    reason: str | None = Field(default=None, max_length=2000)
    version: int | None = None


@router.get("/participants/{pseudonym}/pet", response_model=PetSummaryOut)
def get_pet(pseudonym: str, db: DbDep, user: CurrentUser) -> dict[str, Any]:
    return summary_json(pet.get(db, user, pseudonym))


@router.post("/participants/{pseudonym}/pet", response_model=RegisteredScanOut,
             dependencies=[Depends(csrf_protect)])
def post_scan(pseudonym: str, body: dict[str, Any], db: DbDep, settings: SettingsDep,
              user: CurrentUser) -> dict[str, Any]:
    """Register a scan: ``{"tracer", "scan_date", "injected_mbq", "weight_kg", "uptake_min"}``."""
    study_id = pet.register_scan(db, settings, user, pseudonym, body)
    return {"id": study_id, **summary_json(pet.get(db, user, pseudonym))}


@router.put("/participants/{pseudonym}/pet/{study_id}/read", response_model=PetSummaryOut,
            dependencies=[Depends(csrf_protect)])
def put_read(pseudonym: str, study_id: RecordId, body: ReadIn, db: DbDep, settings: SettingsDep,
             user: CurrentUser) -> dict[str, Any]:
    return summary_json(pet.read(db, settings, user, pseudonym, study_id, body.lesions,
                                 body.read_date, body.reason, body.version,
                                 no_evaluable_lesion=body.no_evaluable_lesion))


@router.get("/pet/worklist", response_model=list[WorkItemOut])
def get_worklist(db: DbDep, user: CurrentUser) -> list[dict[str, Any]]:
    return [{"pseudonym": w.pseudonym, "site": w.site_code, "study_id": w.study_id,
             "tracer": w.tracer, "scan_date": w.scan_date.isoformat()}
            for w in pet.worklist(db, user)]


@router.post("/pet/suv", response_model=pet_upload.SuvOfSphere,
             dependencies=[Depends(csrf_protect)])
def post_suv(user: CurrentUser, files: list[UploadFile] = File(...),
             x: float = Form(...), y: float = Form(...), z: float = Form(...),
             radius_mm: float = Form(...)) -> pet_upload.SuvOfSphere:
    """SUVmax, SUVmean and SUVpeak of a sphere in an uploaded PET series (nothing stored)."""
    return pet_upload.suv_of_files([f.file.read() for f in files], (x, y, z), radius_mm)
