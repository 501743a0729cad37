"""Fill an empty database with the simulated demo trial described in ``dawna/demo/trial.yaml``.

Registrations go through the same services as the web application, so the demo data carries the
same audit trail a real site would produce.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time, timedelta
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import func, select

from dawna.clock import local_today, simulated
from dawna.config import Settings
from dawna.demo import amendment as demo_amendment
from dawna.demo import analysis_cases as demo_analysis_cases
from dawna.demo import clinical as demo_clinical
from dawna.demo import course as demo_course
from dawna.demo import depots as demo_depots
from dawna.demo import deviations as demo_deviations
from dawna.demo import oral_drugs as demo_oral_drugs
from dawna.demo import pet as demo_pet
from dawna.demo import queries as demo_queries
from dawna.demo import randomization as demo_randomization
from dawna.demo import safety_reporting as demo_safety_reporting
from dawna.demo import screening as demo_screening
from dawna.demo import treatment as demo_treatment
from dawna.demo import tumour as demo_tumour
from dawna.demo.clock import horizon, moment
from dawna.errors import ConflictError, ValidationError
from dawna.i18n import _
from dawna.services import admin, participants
from dawna.services.access import Principal
from dawna.services.auth import principal_of
from dawna.services.schemas import ParticipantCreate, ParticipantUpdate, SiteCreate, UserCreate
from dawna.store.audit import Actor
from dawna.store.db import Database
from dawna.store.models import Participant, Role, Site, User

SYSTEM = Actor(user_id=None, username="system:demo")


@dataclass
class DemoSummary:
    sites: int
    users: list[tuple[str, str, str]]  # username, password, roles
    participants: int
    screened: int = 0
    randomized: int = 0
    tumour_assessments: int = 0
    follow_up_contacts: int = 0
    treated: int = 0
    cycles: int = 0
    adverse_events: int = 0
    dose_decisions: int = 0


def demo_config() -> dict[str, Any]:
    text = resources.files("dawna.demo").joinpath("trial.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def is_empty(db: Database) -> bool:
    with db.sessions() as session:
        return not (session.scalar(select(func.count()).select_from(Site)) or 0)


def _phone(rng: random.Random) -> str:
    return f"+86-1{rng.randint(30, 89)}-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"


def _spread_dates(rng: random.Random, start: date, end: date, n: int) -> list[date]:
    days = max((end - start).days, 1)
    return sorted(start + timedelta(days=rng.randint(0, days)) for _ in range(n))


def scaled_config(size: int | None = None) -> dict[str, Any]:
    """The demo configuration, with the sites' participant counts scaled to ``size`` in total
    (the same shares; at least one per site) when given: the tests load a smaller trial."""
    cfg = demo_config()
    if size is not None:
        if size < len(cfg["sites"]):
            raise ValidationError(_("at least one participant per site"), field="participants")
        total = sum(s["participants"] for s in cfg["sites"])
        for site in cfg["sites"]:
            site["participants"] = max(1, round(size * site["participants"] / total))
    return cfg


def load(db: Database, settings: Settings,
         progress: Callable[[str], None] | None = None,
         size: int | None = None, as_of: date | None = None) -> DemoSummary:
    """Load the demo trial as it stands today, or as it stood at the end of ``as_of``: nothing
    after that day is simulated, so a training database (or a test) shows the same stage of the
    trial whatever the day it is loaded (without it, the 2023 trial ages with the calendar)."""
    if settings.env == "production":
        raise ValidationError(_("demo data is refused in production"), field="env")
    cfg = scaled_config(size)
    start = date.fromisoformat(str(cfg["accrual_start"]))
    if as_of is not None and not start <= as_of <= local_today(settings.zone):
        raise ValidationError(_("the demo date must lie between the start of accrual ({start}) "
                                "and today").format(start=start.isoformat()), field="as_of")
    if not is_empty(db):
        raise ConflictError(_("the database already holds data; demo data goes only into an "
                              "empty database"), field="database")
    if as_of is None:
        return _load(db, settings, cfg, progress)
    end = moment(as_of, 20, settings.zone)
    with horizon(end), simulated(end):
        return _load(db, settings, cfg, progress)


def _load(db: Database, settings: Settings, cfg: dict[str, Any],
          progress: Callable[[str], None] | None) -> DemoSummary:
    rng = random.Random(cfg["seed"])  # noqa: S311 - simulation, not security
    reason = "Simulated demo trial loaded"
    for s in cfg["sites"]:
        admin.create_site(db, SYSTEM, SiteCreate(code=s["code"], name=s["name"], city=s["city"]),
                          reason)
    logins = []
    for u in cfg["users"]:
        admin.create_user(db, SYSTEM, UserCreate(username=u["username"],
                                                 display_name=u["display_name"],
                                                 password=cfg["password"],
                                                 locale=u.get("locale")), reason)
        for grant in u["roles"]:
            admin.grant_role(db, SYSTEM, u["username"], grant["site"], Role(grant["role"]),
                             reason)
        logins.append((u["username"], cfg["password"],
                       ", ".join(f"{g['role']}@{g['site']}" for g in u["roles"])))
    with db.sessions() as session:
        users = session.scalars(select(User)).all()
        first_site = session.scalars(select(Site.id).order_by(Site.id)).first()
        administrator = _holder(users, first_site, Role.ADMINISTRATOR) if first_site else None
    demo_amendment.load(db, settings, cfg.get("amendment"), administrator)
    today = local_today(settings.zone)
    total = 0
    registered: list[tuple[Any, str, date]] = []
    to_screen: list[tuple[Principal, Principal | None, str, date]] = []
    for s in cfg["sites"]:
        with db.sessions() as session:
            site_id = session.scalars(select(Site.id).where(Site.code == s["code"])).one()
            users = session.scalars(select(User)).all()
            writer = _holder(users, site_id, Role.COORDINATOR)
            signer = _holder(users, site_id, Role.INVESTIGATOR)
            assert writer is not None, f"demo site {s['code']} needs a coordinator"
        start = date.fromisoformat(str(cfg["accrual_start"]))
        accrual_end = min(today, start + timedelta(days=round(30.4375 * cfg["accrual_months"])))
        dates = _spread_dates(rng, start, accrual_end, s["participants"])
        for i, consent in enumerate(dates):
            name = rng.choice(cfg["family_names"]) + rng.choice(cfg["given_names"])
            phone = _phone(rng)
            with simulated(moment(consent, 9, settings.zone)):
                detail = participants.register(db, settings, writer, ParticipantCreate(
                    site_code=s["code"], consent_date=consent,
                    consent_time=time(9, rng.randint(0, 59)),
                    consent_obtained_by=s.get("consent_obtained_by", "Simulated investigator"),
                    full_name=name,
                    medical_record_number=f"{s['code']}{rng.randint(1000000, 9999999)}-{i}",
                    phone=phone))
            registered.append((writer, detail.pseudonym, consent))
            to_screen.append((writer, signer, detail.pseudonym, consent))
            total += 1
            if progress:
                progress(detail.pseudonym)
    for writer, pseudonym, consent in rng.sample(registered,
                                                 k=min(cfg["corrections"], len(registered))):
        with simulated(moment(consent + timedelta(days=3), 15, settings.zone)):
            version = participants.get_participant(db, writer, pseudonym).version or 1
            participants.update(db, settings, writer, pseudonym, ParticipantUpdate(
                phone=_phone(rng), version=version,
                reason="Phone number corrected after call-back (source: clinic record)"))
    screened = demo_screening.simulate(db, settings, cfg["screening"] | {
        "password": cfg["password"]}, rng, to_screen, today)
    with db.sessions() as session:
        users = session.scalars(select(User)).all()
        pet_readers = {site_id: _holder(users, site_id, Role.IMAGING_READER)
                       or _holder(users, site_id, Role.INVESTIGATOR)
                       for site_id in session.scalars(select(Site.id))}
        sites_of = dict(session.execute(select(Participant.pseudonym, Participant.site_id)).all())
    demo_pet.simulate(db, settings, rng, [(writer, pet_readers[sites_of[pseudonym]], pseudonym)
                                          for writer, _signer, pseudonym, _consent in to_screen])
    coordinators = {}
    with db.sessions() as session:
        users = session.scalars(select(User)).all()
        for site_id in session.scalars(select(Site.id)):
            holder = _holder(users, site_id, Role.COORDINATOR)
            if holder is not None:
                coordinators[site_id] = holder
    start = date.fromisoformat(str(cfg["accrual_start"]))
    randomized = demo_randomization.simulate(db, settings, SYSTEM, rng, coordinators, start)
    demo_randomization.correction_story(db, settings, coordinators, today)
    investigators = {}
    with db.sessions() as session:
        users = session.scalars(select(User)).all()
        for site_id in coordinators:
            investigators[site_id] = _holder(users, site_id, Role.INVESTIGATOR) \
                or coordinators[site_id]
    treated = demo_treatment.start(db, settings, cfg["treatment"], rng, investigators,
                                   coordinators)
    readers = {}
    with db.sessions() as session:
        users = session.scalars(select(User)).all()
        for site_id, coordinator in coordinators.items():
            readers[site_id] = _holder(users, site_id, Role.IMAGING_READER) or coordinator
    assessed = demo_tumour.simulate(db, settings, cfg["tumour"], rng, readers)
    safety_counts = demo_treatment.continue_treatment(db, settings, cfg["treatment"], rng,
                                                      investigators, coordinators)
    demo_depots.give(db, settings, coordinators)  # own clock, own random stream
    demo_oral_drugs.record(db, settings, coordinators)  # own random stream
    demo_clinical.fill(db, settings, coordinators)  # own random stream
    contacts = demo_course.finish(db, settings, cfg["course"], rng, coordinators)
    demo_analysis_cases.add(db, settings, coordinators, readers)
    demo_treatment.recent_sae(db, settings, coordinators)
    demo_safety_reporting.recent_susar(db, settings, coordinators)
    with db.sessions() as session:
        users = session.scalars(select(User)).all()
        monitors = {site_id: m for site_id in coordinators
                    if (m := _holder(users, site_id, Role.MONITOR)) is not None}
    demo_queries.simulate(db, settings, monitors, coordinators)
    demo_deviations.log(db, settings, coordinators, investigators)
    _import_registry(db)
    _sign_off(db, settings, cfg["password"])
    return DemoSummary(sites=len(cfg["sites"]), users=logins, participants=total,
                       screened=screened, randomized=randomized, tumour_assessments=assessed,
                       follow_up_contacts=contacts, treated=treated,
                       cycles=safety_counts["cycles"] + treated,
                       adverse_events=safety_counts["adverse_events"],
                       dose_decisions=safety_counts["dose_decisions"])


def _import_registry(db: Database) -> None:
    """The DAWNA-FES record (exported from the protocol file) and the invented records in
    ``dawna/demo/registry/``, so the study list and "More related trials" have content."""
    import json

    from dawna.protocol import bundled_protocol
    from dawna.protocol.ctgov import to_v2
    from dawna.services import registry

    records = [to_v2(bundled_protocol())]
    for item in sorted(resources.files("dawna.demo").joinpath("registry").iterdir(),
                       key=lambda f: f.name):
        if item.name.endswith(".json"):
            records.append(json.loads(item.read_text(encoding="utf-8")))
    registry.import_studies(db, SYSTEM, {"studies": records},
                            "Simulated demo trial: registry records")


def _sign_off(db: Database, settings: Settings, password: str) -> None:
    """Signatures, locks and a data freeze (``dawna/demo/signoff.py``), at the first site."""
    from dawna.demo import signoff as demo_signoff

    with db.sessions() as session:
        users = session.scalars(select(User)).all()
        site_id = session.scalars(select(Site.id).order_by(Site.id)).first()
        if site_id is None:
            return
        investigator = _holder(users, site_id, Role.INVESTIGATOR)
        data_manager = _holder(users, site_id, Role.DATA_MANAGER)
    demo_signoff.sign_and_lock(db, settings, investigator, data_manager, site_id, password)


def _holder(users: Any, site_id: int, role: Role) -> Principal | None:
    for u in users:
        if any(m.site_id == site_id and m.role == role for m in u.memberships):
            return principal_of(u)
    return None
