"""Simulated FES and FDG PET/CT reads for the demo trial, consistent with each screening record:
the FES study has as many evaluable lesions and ER-positive lesions as the record says (FES
SUVmax drawn above or below the protocol threshold; sometimes a liver lesion, not evaluable on
FES), and an FDG study the next day reads the same lesions. Scans are registered by the site's
coordinator and read by its imaging reader (or investigator) at their simulated times."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from dawna.clock import local_today, simulated
from dawna.config import Settings
from dawna.demo.clock import moment
from dawna.services import pet, screening
from dawna.services.access import Principal
from dawna.store.db import Database

ORGANS = ["bone (T8 vertebra)", "bone (left ilium)", "right lung", "left axillary lymph node",
          "mediastinal lymph node", "bone (sternum)", "left lung", "pleura"]


def _lesions(rng: random.Random, read: int, positive: int, liver: bool) -> list[dict[str, Any]]:
    lesions = []
    for i in range(read):
        suv = rng.uniform(1.8, 6.5) if i < positive else rng.uniform(0.4, 1.4)
        lesions.append({"id": f"L{i + 1}", "organ": ORGANS[i % len(ORGANS)],
                        "size_mm": rng.randint(8, 35), "suvmax": round(suv, 2),
                        "suvpeak": round(suv * rng.uniform(0.7, 0.9), 2)})
    if liver:
        lesions.append({"id": f"L{read + 1}", "organ": "liver segment 6",
                        "size_mm": rng.randint(12, 40), "suvmax": round(rng.uniform(5, 9), 2)})
    return lesions


def _fdg(rng: random.Random, fes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for lesion in fes:
        er_negative = lesion["suvmax"] < 1.5 and "liver" not in lesion["organ"]
        suv = rng.uniform(3.0, 12.0) if er_negative else rng.uniform(1.2, 8.0)
        out.append({**lesion, "suvmax": round(suv, 2), "suvpeak": round(suv * 0.8, 2)})
    return out


def simulate(db: Database, settings: Settings, rng: random.Random,
             screened: list[tuple[Principal, Principal | None, str]]) -> int:
    """(coordinator, reader, pseudonym) for each screened participant; returns studies read.
    The FDG studies of the last two stay unread, so the readers' worklist shows work."""
    today = local_today(settings.zone)
    done = 0
    waiting = {pseudonym for _c, _r, pseudonym in screened[-2:]}  # left on the worklist
    for coordinator, reader, pseudonym in screened:
        record = screening.get(db, settings, coordinator, pseudonym).record
        fes = record.fes_pet
        if reader is None or fes is None or fes.scan_date is None or fes.lesions_read is None:
            continue
        lesions = _lesions(rng, fes.lesions_read, fes.er_positive_lesions or 0,
                           rng.random() < 0.3)
        studies = [("FES", fes.scan_date, lesions)]
        if fes.scan_date + timedelta(days=2) < today:
            studies.append(("FDG", fes.scan_date + timedelta(days=1), _fdg(rng, lesions)))
        for tracer, day, rows in studies:
            with simulated(moment(day, 8, settings.zone)):
                study_id = pet.register_scan(db, settings, coordinator, pseudonym, {
                    "tracer": tracer, "scan_date": day.isoformat(),
                    "injected_mbq": rng.randint(150, 210) if tracer == "FES"
                    else rng.randint(250, 370),
                    "weight_kg": rng.randint(48, 78), "uptake_min": rng.randint(55, 70)})
            if tracer == "FDG" and pseudonym in waiting:
                continue
            read_on = min(day + timedelta(days=1), today)
            with simulated(moment(read_on, 15, settings.zone)):
                pet.read(db, settings, reader, pseudonym, study_id, rows, read_on)
            done += 1
    return done
