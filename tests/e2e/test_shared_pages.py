"""Pages kept as rendered (issue 23 item 4, ``web/templating.py`` ``shared_page``): the
participant list, a participant page, its treatment page, the dashboard and the safety list are
rendered once per data version and roles, and served to every user with the same roles. Checked
here against the page as a fresh render gives it (the cache emptied): a second user with the same
roles gets the same page with their own CSRF token (one that their session's forms accept) and
their own name; a write shows on the next request; a user of the other site, or an imaging
reader, never gets a kept page (404, 403, or the reader's own page, blind to the arm); the
serious adverse events of the dashboard and the safety list are this request's (hours left, gone
once reported)."""

from __future__ import annotations

import re
from datetime import UTC, date, timedelta
from zoneinfo import ZoneInfo

import pytest
from helpers import PASSWORD, SYSTEM, csrf_of, principal
from treatment_data import on_letrozole, randomized_to

from dawna.clock import simulated, utcnow
from dawna.config import Settings
from dawna.services import admin, page_cache, safety
from dawna.services.schemas import UserCreate
from dawna.store.db import Database
from dawna.store.models import Role

NAME = 'Ann <b>"Two"</b> & Co'  # escaped where the page shows it


@pytest.fixture
def pid(app_db: Database, settings: Settings) -> str:
    page_cache.clear()
    pseudonym = on_letrozole(app_db, settings)
    admin.create_user(app_db, SYSTEM, UserCreate(username="coord_a2", display_name=NAME,
                                                 password=PASSWORD), "test set-up")
    admin.grant_role(app_db, SYSTEM, "coord_a2", "SITEA", Role.COORDINATOR, "test set-up")
    yield pseudonym
    page_cache.clear()


def _prescribe(client, pid: str) -> None:  # type: ignore[no-untyped-def]
    """The investigator confirms the plan (dalpiciclib and letrozole), as a prescriber does."""
    form = client.get(f"/participants/{pid}/treatment/plan")
    answer = client.post(f"/participants/{pid}/treatment/plan", data={
        "measures.weight_kg": "58", "female": "true", "csrf_token": csrf_of(form.text)},
        follow_redirects=False)
    assert answer.status_code == 303, answer.text[:800]


RELATED = {"dalpiciclib": "related", "letrozole": "not_related"}


def _tokens(html: str) -> set[str]:
    return set(re.findall(r'name="csrf_token" value="([^"]+)"', html)) | set(
        re.findall(r'"X-CSRF-Token": "([^"]+)"', html))


def _plain(html: str, token: str) -> str:
    """The page without what is the user's own (their token and the name shown as theirs)."""
    return re.sub(r'data-testid="current-user">[^<]*<', 'data-testid="current-user">NAME<',
                  html.replace(token, "TOKEN"))


def test_a_second_user_with_the_same_roles_gets_the_kept_page_with_their_own_token_and_name(
        client_for, pid: str) -> None:  # type: ignore[no-untyped-def]
    one, two = client_for("coord_a"), client_for("coord_a2")
    escaped = "Ann &lt;b&gt;&#34;Two&#34;&lt;/b&gt; &amp; Co"
    for url in ("/participants", f"/participants/{pid}", f"/participants/{pid}/treatment",
                "/dashboard", "/safety"):
        first = one.get(url)
        kept = page_cache.size()
        second = two.get(url)
        assert first.status_code == second.status_code == 200, url
        assert page_cache.size() == kept, url  # served from the kept page, nothing new built
        (token_one,), (token_two,) = _tokens(first.text), _tokens(second.text)
        assert token_one != token_two
        assert token_one == one.cookies["dawna_csrf"] and token_two == two.cookies["dawna_csrf"]
        assert f'data-testid="current-user">{escaped}<' in second.text and NAME not in second.text
        assert 'data-testid="current-user">coord_a<' in first.text
        page_cache.clear()  # the same page rendered afresh for the second user
        fresh = two.get(url)
        assert second.text == fresh.text.replace(csrf_of(fresh.text), token_two), url
        assert _plain(first.text, token_one) == _plain(second.text, token_two), url
    # the token of the kept page is the second user's own: their form is accepted
    answer = two.post("/language", data={"locale": "en", "next": "/participants",
                                         "csrf_token": token_two}, follow_redirects=False)
    assert answer.status_code == 303


def test_a_write_shows_on_the_next_kept_page(client_for, app_db: Database, settings: Settings,
                                              pid: str) -> None:  # type: ignore[no-untyped-def]
    _prescribe(client_for("inv_a"), pid)
    coord = client_for("coord_a")
    before = coord.get(f"/participants/{pid}/treatment").text
    assert "Nausea" not in before
    assert coord.get(f"/participants/{pid}/treatment").text.replace(
        csrf_of(before), "") == before.replace(csrf_of(before), "")
    listing = coord.get("/participants").text
    safety.record_ae(app_db, settings, principal(app_db, "coord_a"), pid, safety.AeIn(
        term="Nausea", grade=1, start_date=date(2024, 3, 20),
        relatedness=RELATED))
    assert "Nausea" in coord.get(f"/participants/{pid}/treatment").text
    # a new participant: the next list has them
    other = randomized_to(app_db, settings, "B", "letrozole", mrn="MRN-5151")
    assert other not in listing and other in coord.get("/participants").text


def test_other_sites_and_readers_never_get_a_kept_page(client_for,  # type: ignore[no-untyped-def]
                                                       pid: str) -> None:
    coord = client_for("coord_a")
    page = coord.get(f"/participants/{pid}")
    assert 'data-testid="allocation"' in page.text
    assert coord.get(f"/participants/{pid}/treatment").status_code == 200
    assert pid in coord.get("/participants").text
    other = client_for("coord_b")
    assert other.get(f"/participants/{pid}").status_code == 404
    assert other.get(f"/participants/{pid}/treatment").status_code == 404
    assert pid not in other.get("/participants").text
    reader = client_for("reader_a")
    blind = reader.get(f"/participants/{pid}")
    assert blind.status_code == 200 and 'data-testid="arm-blinded"' in blind.text
    assert 'data-testid="allocation"' not in blind.text and "letrozole" not in blind.text
    assert reader.get(f"/participants/{pid}/treatment").status_code == 403
    # and the coordinator's kept page is still the coordinator's
    again = coord.get(f"/participants/{pid}")
    assert 'data-testid="allocation"' in again.text


def test_a_deactivated_user_is_refused_at_once(client_for, app_db: Database,  # type: ignore[no-untyped-def]
                                               pid: str) -> None:
    one, two = client_for("coord_a"), client_for("coord_a2")
    assert two.get(f"/participants/{pid}").status_code == 200
    admin.deactivate_user(app_db, SYSTEM, "coord_a2", "test")
    assert one.get(f"/participants/{pid}").status_code == 200  # the data are the same
    for url in (f"/participants/{pid}", "/participants", "/dashboard"):
        refused = two.get(url, follow_redirects=False)
        assert refused.status_code == 303 and refused.headers["location"].startswith("/login")


def test_the_dashboards_serious_events_are_this_requests(  # type: ignore[no-untyped-def]
        client_for, app_db: Database, settings: Settings, pid: str) -> None:
    _prescribe(client_for("inv_a"), pid)
    coord = client_for("coord_a")
    assert 'data-testid="dashboard-saes"' not in coord.get("/dashboard").text
    aware = (utcnow() - timedelta(hours=3)).astimezone(UTC)
    local = aware.astimezone(ZoneInfo("Asia/Shanghai"))
    number = safety.record_ae(app_db, settings, principal(app_db, "coord_a"), pid, safety.AeIn(
        term="Febrile neutropenia", grade=3, start_date=local.date(), serious=True,
        relatedness=RELATED, seriousness=["hospitalisation"], expectedness="expected",
        aware_at=aware))
    shown = coord.get("/dashboard").text
    assert 'data-testid="dashboard-saes"' in shown and "Febrile neutropenia" in shown
    assert re.search(r"\((2[01]\.\d) h left\)", shown)
    listed = coord.get("/safety").text
    assert "Febrile neutropenia" in listed and re.search(r"2[01]\.\d h left", listed)
    # the kept events, the hours left of each request
    user = principal(app_db, "coord_a")
    at = page_cache.version(app_db)
    with simulated(aware + timedelta(hours=1)):
        (early,) = safety.unreported_saes(app_db, user, at)
    kept = page_cache.size()
    with simulated(aware + timedelta(hours=2)):
        (late,) = safety.unreported_saes(app_db, user, at)
    assert page_cache.size() == kept
    assert (early.hours_left, late.hours_left) == (23.0, 22.0) and not late.overdue
    safety.report_sae(app_db, settings, user, pid, number)
    assert 'data-testid="dashboard-saes"' not in coord.get("/dashboard").text
    assert "Every serious adverse event has been reported." in coord.get("/safety").text


def test_a_query_string_page_is_not_kept(client_for, pid: str) -> None:  # type: ignore[no-untyped-def]
    coord = client_for("coord_a")
    assert pid in coord.get(f"/participants?q={pid}").text
    assert "Saved." in coord.get(f"/participants/{pid}?saved=1").text
    # nothing of a page with a query string was kept: the plain page is built now
    kept = page_cache.size()
    assert "Saved." not in coord.get(f"/participants/{pid}").text
    assert page_cache.size() == kept + 1


def test_a_write_for_one_participant_leaves_anothers_pages_kept(  # type: ignore[no-untyped-def]
        client_for, app_db: Database, settings: Settings, pid: str) -> None:
    """Another participant's page and treatment page are served as kept after a write for
    this one (nothing built: the kept entries do not grow, the pages are the same), while this
    participant's pages are built again (data_version, services/page_cache.py)."""
    from dawna.services import clinical

    other = randomized_to(app_db, settings, "B", "letrozole", mrn="MRN-6161")
    coord = client_for("coord_a")
    urls = (f"/participants/{other}", f"/participants/{other}/treatment")
    before = {url: coord.get(url).text for url in urls}
    coord.get(f"/participants/{pid}")
    kept = page_cache.size()
    clinical.record_vitals(app_db, settings, principal(app_db, "coord_a"), pid,
                           clinical.VitalsIn(measured_on=date(2024, 3, 20), timepoint="cycle 1",
                                             weight_kg=58.5))
    for url in urls:
        again = coord.get(url).text
        assert again.replace(csrf_of(again), "") == \
            before[url].replace(csrf_of(before[url]), ""), url
    assert page_cache.size() == kept  # served as kept: nothing built
    assert coord.get(f"/participants/{pid}").status_code == 200
    assert page_cache.size() > kept  # this participant's page built again after the write
