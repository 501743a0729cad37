"""The trial's results through the web, the API and the command line, on the demo trial scaled
to 32 participants: the Results page with every section, the self-contained report, the
analysis data sets as a zip, the PFS API, the design page, and refusals when the data cannot
support an analysis."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from helpers import csrf_of

from dawna.config import Settings
from dawna.store.db import Database
from dawna.web.app import create_app

# one worker loads the demo template (tests/conftest.py) for every module that reads it
pytestmark = pytest.mark.xdist_group("demo")

PASSWORD = "dawna-demo-2026"


@pytest.fixture(scope="module")
def demo_client(tmp_path_factory: pytest.TempPathFactory,
                demo_template: Path) -> Iterator[TestClient]:
    target = tmp_path_factory.mktemp("results") / "demo.sqlite3"
    shutil.copy(demo_template, target)
    settings = Settings(env="test", database_url=f"sqlite:///{target}", secret_key="b" * 40)
    db = Database(settings.database_url)
    with TestClient(create_app(settings, db), raise_server_exceptions=False) as client:
        page = client.get("/login")
        answer = client.post("/login", data={"username": "statistician", "password": PASSWORD,
                                             "csrf_token": csrf_of(page.text)},
                             follow_redirects=False)
        assert answer.status_code == 303
        yield client
    db.dispose()


def _results(client: TestClient, **params: str) -> str:
    """The Results page as a browser shows it: the page, and when its results are not built yet
    the "computing" placeholder's HTMX request for them."""
    page = client.get("/results", params=params)
    assert page.status_code == 200, page.text[:500]
    body = re.search(r'hx-get="([^"]+)"[^>]*data-results-body', page.text)
    if body is None:
        return page.text
    assert 'data-testid="results-computing"' in page.text
    part = client.get(body.group(1).replace("&amp;", "&"), headers={"HX-Request": "true"})
    assert part.status_code == 200, part.text[:500]
    return page.text.replace(body.group(0), "") + part.text


def test_results_page_shows_every_section(demo_client: TestClient) -> None:
    page = SimpleNamespace(text=_results(demo_client))
    for testid in ("consort", "baseline", "km-pfs", "pfs-table", "pfs-tests", "forest",
                   "fes-pfs", "response-table", "waterfall", "swimmer", "safety-table",
                   "registry-table"):
        assert f'data-testid="{testid}"' in page.text, testid
    # the PFS table's counts equal the API's, which equal R (tests/unit/test_survival.py)
    api = demo_client.get("/api/results/pfs").json()
    assert set(api["arms"]) == {"A", "B"}
    table = page.text.split('data-testid="pfs-table"', 1)[1].split("</table>", 1)[0]
    for arm in api["arms"].values():  # the page shows the same n and events as the API
        assert (f'<td class="num">{arm["n"]}</td><td class="num">{arm["events"]}</td>'
                in table), arm
    assert api["logrank"]["df"] == 1 and 0 <= api["logrank"]["p"] <= 1
    assert api["hazard_ratio"]["ties"].lower() == "efron"
    bad = demo_client.get("/api/results/pfs", params={"transform": "cube"})
    assert bad.status_code == 422 and bad.json()["field"] == "transform"


def test_built_results_are_shown_at_once_and_without_scripts(demo_client: TestClient) -> None:
    _results(demo_client, cutoff="2025-01-31")  # built (the placeholder's request, if cold)
    page = demo_client.get("/results", params={"cutoff": "2025-01-31"})
    assert 'data-testid="km-pfs"' in page.text and "results-computing" not in page.text
    # a cut never built: the placeholder, and its link for a browser without scripts waits
    cold = demo_client.get("/results", params={"cutoff": "2025-02-28"})
    assert 'data-testid="results-computing"' in cold.text
    assert 'data-testid="km-pfs"' not in cold.text
    waited = demo_client.get("/results", params={"cutoff": "2025-02-28", "wait": "1"})
    assert 'data-testid="km-pfs"' in waited.text


def test_report_is_one_self_contained_file(demo_client: TestClient) -> None:
    answer = demo_client.get("/results/report.html")
    assert answer.status_code == 200
    assert answer.headers["content-disposition"].startswith("attachment")
    html = answer.text
    assert html.startswith("<!doctype html>") and "data:image/svg+xml;base64," in html
    # nothing loaded from elsewhere: no scripts, stylesheets or images by URL
    assert not re.search(r"<(script|link)\b", html)
    sources = re.findall(r'<img[^>]+src="([^"]+)"', html)
    assert sources and all(src.startswith("data:image/svg+xml;base64,") for src in sources)
    assert not re.search(r'(src|href)="(https?:)?//', html)  # XML namespaces name, not load


def test_analysis_data_sets_zip(demo_client: TestClient) -> None:
    answer = demo_client.get("/results/adam.zip", params={"cutoff": "2026-01-31"})
    assert answer.status_code == 200
    names = set(zipfile.ZipFile(io.BytesIO(answer.content)).namelist())
    assert {"adsl.csv", "adsl.xpt", "adtte.csv", "adtte.xpt", "adrs.csv", "adrs.xpt",
            "adae.csv", "adae.xpt", "definitions.csv"} <= names
    bad = demo_client.get("/results/adam.zip", params={"cutoff": "31/01/2026"})
    assert bad.status_code == 422


def test_an_early_cutoff_cannot_support_the_analysis(demo_client: TestClient) -> None:
    # before the first randomization (accrual starts 2023-06-01): no participant to analyse
    answer = demo_client.get("/api/results/pfs", params={"cutoff": "2023-01-01"})
    assert answer.status_code == 422
    assert answer.json()["field"] == "data" and "NaN" not in answer.text
    assert 'data-testid="pfs-error"' in _results(demo_client, cutoff="2023-01-01")


def test_design_page(demo_client: TestClient) -> None:
    page = demo_client.get("/design", params={"trials": 1000, "seed": 1})
    assert page.status_code == 200 and 'data-testid="power-curve"' in page.text
    # 80 patients, medians 7 vs 4 months: Schoenfeld power 0.674 (tests/unit/test_design.py)
    assert "0.674" in page.text
    bad = demo_client.get("/design", params={"n": 81})
    assert bad.status_code == 422 and 'data-field="n"' in bad.text
