"""Simulated tumour assessments for the demo trial (settings in ``dawna/demo/trial.yaml``).

Each randomized participant gets RECIST baseline lesions read at the screening scan, then an
assessment every protocol interval (8 weeks) from randomization, a few days either side, until
progression or today. The simulation draws lesion sizes, not responses: the time to
progression is exponential with the arm's median (``docs/domain.md`` §7: arm A about 7 months
when every FES lesion is ER-positive and about 3 when mixed, arm B about 5.5), the depth of
response before it is drawn per participant, and dawna's RECIST engine then derives every
timepoint response and the best overall response from the sizes, as it would for a real site.
Everything is entered through the services by the site's imaging reader, at the simulated time.
"""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from dawna.clock import local_today, simulated
from dawna.config import Settings
from dawna.demo.clock import moment
from dawna.protocol import bundled_protocol
from dawna.services import screening, tumour
from dawna.services.access import Principal
from dawna.store.db import Database
from dawna.store.models import Allocation, Participant

ORGANS = ["liver", "right lung", "left lung", "soft tissue, chest wall", "adrenal gland",
          "peritoneum"]
NODES = ["left axillary lymph node", "mediastinal lymph node", "supraclavicular lymph node"]
NON_TARGETS = ["bone (thoracic spine)", "bone (pelvis)", "pleural effusion", "bone (rib)"]
DAYS_PER_MONTH = 30.4375


def _baseline(rng: random.Random, cfg: dict[str, Any], day: date) -> dict[str, Any]:
    lesions: list[dict[str, Any]] = []
    organs = rng.sample(ORGANS, k=len(ORGANS))
    for i in range(rng.randint(*cfg["targets"])):
        nodes = sum(1 for x in lesions if x.get("nodal"))
        if i > 0 and nodes < 2 and rng.random() < cfg["nodal_target_probability"]:
            lesions.append({"id": f"T{i + 1}", "organ": rng.choice(NODES), "nodal": True,
                            "method": "CT", "diameter_mm": rng.randint(15, 32), "target": True})
        else:
            lesions.append({"id": f"T{i + 1}", "organ": organs[i], "method": "CT",
                            "diameter_mm": rng.randint(12, 48), "target": True})
    for j, organ in enumerate(rng.sample(NON_TARGETS, k=rng.randint(*cfg["non_targets"]))):
        lesions.append({"id": f"NT{j + 1}", "organ": organ, "target": False})
    return {"date": day.isoformat(), "lesions": lesions}


def _size(base: float, nodal: bool, factor: float) -> float | str:
    size = round(base * factor)
    if nodal:
        return max(size, 4)
    if size < 4:
        return 0
    return "too_small" if size < 5 else size


def _follow_up(rng: random.Random, cfg: dict[str, Any], baseline: dict[str, Any], day: date,
               factor: float, progressed: bool) -> dict[str, Any]:
    targets = [x for x in baseline["lesions"] if x["target"]]
    sizes: dict[str, Any] = {t["id"]: _size(t["diameter_mm"], t.get("nodal", False), factor)
                             for t in targets}
    new = "no"
    if progressed and rng.random() < cfg["new_lesion_at_progression"]:
        new = "yes"
    for t in targets:
        if rng.random() < cfg["not_evaluated"]:
            sizes[t["id"]] = None
    gone = factor <= 0.15
    non_target = {x["id"]: "absent" if gone else "present"
                  for x in baseline["lesions"] if not x["target"]}
    return {"date": day.isoformat(), "target": sizes, "non_target": non_target,
            "new_lesions": new}


def _median_months(cfg: dict[str, Any], arm: str, fes: Any) -> float:
    medians = cfg["median_pfs_months"]
    if arm != "A":
        return float(medians["B"])
    all_positive = fes is not None and fes.lesions_read and (
        fes.er_positive_lesions == fes.lesions_read)
    return float(medians["A_all_fes_positive"] if all_positive else medians["A_mixed"])


def simulate(db: Database, settings: Settings, cfg: dict[str, Any], rng: random.Random,
             readers: dict[int, Principal]) -> int:
    """Enter baselines and follow-ups for every randomized demo participant; returns how many
    assessments were entered (baselines included)."""
    protocol = bundled_protocol()
    interval = int(protocol.setting_number("tumour_assessment_interval_weeks")) * 7
    window = int(cfg["window_days"])
    today = local_today(settings.zone)
    with db.sessions() as s:
        randomized = s.execute(
            select(Participant.pseudonym, Participant.site_id, Allocation.arm,
                   Allocation.randomized_at)
            .join(Allocation, Allocation.participant_id == Participant.id)
            .order_by(Allocation.randomized_at)).all()
    entered = 0
    for pseudonym, site_id, arm, randomized_at in randomized:
        reader = readers[site_id]
        record = screening.get(db, settings, reader, pseudonym).record
        start = randomized_at.astimezone(settings.zone).date()
        scan = record.fes_pet.scan_date if record.fes_pet else None
        base_day = scan if scan and start - timedelta(days=28) <= scan < start else (
            start - timedelta(days=rng.randint(2, 10)))
        baseline = _baseline(rng, cfg, base_day)
        with simulated(moment(base_day, 17, settings.zone)):
            tumour.save_baseline(db, settings, reader, pseudonym,
                                 tumour.parse_baseline(baseline))
        entered += 1
        median = _median_months(cfg, arm, record.fes_pet) * DAYS_PER_MONTH
        progression_day = start + timedelta(days=rng.expovariate(math.log(2) / median))
        depth = rng.uniform(*cfg["best_change"][arm])
        nadir = 1.0
        k = 1
        while True:
            day = start + timedelta(days=k * interval + rng.randint(-window, window))
            if day >= today:
                break
            progressed = day >= progression_day
            weeks = (day - start).days / 7
            factor = 1 + depth * min(weeks / 16, 1) + rng.gauss(0, 0.03)
            if progressed:
                factor = nadir * (1 + rng.uniform(*cfg["progression_growth"])) + 0.15
            nadir = min(nadir, factor)
            visit = _follow_up(rng, cfg, baseline, day, max(factor, 0.0), progressed)
            with simulated(moment(day + timedelta(days=1), 15, settings.zone)):
                tumour.save_assessment(db, settings, reader, pseudonym,
                                       tumour.parse_assessment(visit))
            entered += 1
            if progressed:
                break
            k += 1
    return entered
