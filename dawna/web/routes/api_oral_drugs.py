"""JSON API of the pre-treatment tests and oral drug accountability (issue 21 items 5-7)."""

from __future__ import annotations

from dawna.services.treatment import dispensing, pretreatment
from dawna.web.deps import CurrentUser, DbDep, RecordId, SettingsDep
from dawna.web.routes.api_treatment import CSRF
from dawna.web.routing import Router

router = Router(prefix="/api", tags=["pre-treatment tests and oral drugs"])


@router.get("/participants/{pseudonym}/pretreatment",
            response_model=pretreatment.PretreatmentView)
def get_pretreatment(pseudonym: str, db: DbDep, settings: SettingsDep,
                     user: CurrentUser) -> pretreatment.PretreatmentView:
    """Pregnancy tests, hepatitis B screening and the warnings that stand."""
    return pretreatment.pretreatment_view(db, settings, user, pseudonym)


@router.post("/participants/{pseudonym}/pregnancy-tests", dependencies=CSRF,
             response_model=pretreatment.PretreatmentView)
def post_pregnancy_test(pseudonym: str, body: pretreatment.PregnancyTestIn, db: DbDep,
                        settings: SettingsDep,
                        user: CurrentUser) -> pretreatment.PretreatmentView:
    """Record a pregnancy test (a test after the scan or dose it should precede: 422 naming
    test_date)."""
    pretreatment.record_pregnancy_test(db, settings, user, pseudonym, body)
    return pretreatment.pretreatment_view(db, settings, user, pseudonym)


@router.post("/participants/{pseudonym}/hbv-screenings", dependencies=CSRF,
             response_model=pretreatment.PretreatmentView)
def post_hbv(pseudonym: str, body: pretreatment.HbvIn, db: DbDep, settings: SettingsDep,
             user: CurrentUser) -> pretreatment.PretreatmentView:
    """Record hepatitis B screening and the prophylaxis started."""
    pretreatment.record_hbv(db, settings, user, pseudonym, body)
    return pretreatment.pretreatment_view(db, settings, user, pseudonym)


@router.get("/participants/{pseudonym}/dispensing", response_model=dispensing.AccountabilityOut)
def get_dispensing(pseudonym: str, db: DbDep,
                   user: CurrentUser) -> dispensing.AccountabilityOut:
    """Dispensings with compliance and diary counts, and the relative dose intensity."""
    return dispensing.accountability(db, user, pseudonym)


@router.post("/participants/{pseudonym}/dispensing", dependencies=CSRF,
             response_model=dispensing.AccountabilityOut)
def post_dispensing(pseudonym: str, body: dispensing.DispenseIn, db: DbDep,
                    settings: SettingsDep, user: CurrentUser) -> dispensing.AccountabilityOut:
    """Record bottles of an oral drug dispensed for a cycle."""
    dispensing.dispense(db, settings, user, pseudonym, body)
    return dispensing.accountability(db, user, pseudonym)


@router.post("/participants/{pseudonym}/dispensing/{dispensing_id}/return", dependencies=CSRF,
             response_model=dispensing.AccountabilityOut)
def post_return(pseudonym: str, dispensing_id: RecordId, body: dispensing.ReturnIn, db: DbDep,
                settings: SettingsDep, user: CurrentUser) -> dispensing.AccountabilityOut:
    """Record what came back (more returned than dispensed: 422 naming units_returned)."""
    dispensing.record_return(db, settings, user, pseudonym, dispensing_id, body)
    return dispensing.accountability(db, user, pseudonym)


@router.post("/participants/{pseudonym}/dose-diary", dependencies=CSRF,
             response_model=dispensing.AccountabilityOut)
def post_diary(pseudonym: str, body: dispensing.DiaryIn, db: DbDep, settings: SettingsDep,
               user: CurrentUser) -> dispensing.AccountabilityOut:
    """Enter one cycle of the participant's dose diary (each day taken or missed)."""
    dispensing.record_diary(db, settings, user, pseudonym, body)
    return dispensing.accountability(db, user, pseudonym)
