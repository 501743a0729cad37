"""Cold and warm times of the Results page, the report and ``/api/results/pfs`` (issue 23 item 1),
with the SQL statements each request runs.

Runs the web application in-process (FastAPI's ``TestClient``, no network) on a copy of a demo
database (load the full demo first: ``dawna demo`` without ``--participants``), logged in as the
demo statistician, optionally in Chinese. For each of the three requests it reports:

- ``first``: the first request of its kind in the process (the Results page, measured first,
  includes the imports of pandas, lifelines and matplotlib);
- ``cold``: the best of ``--repeat`` requests with nothing cached (the results cache cleared
  before each, when the code has one; the code before the cache rebuilds on every request);
- ``warm``: the best of ``--repeat`` requests right after one that built the same results;
- ``cold_cpu``, ``warm_cpu``: the same requests' CPU time (this process, server threads
  included), less dependent on a shared machine's load than the wall time;
- ``statements``: SQL statements run by a cold request and by a warm one (a SQLAlchemy
  ``before_cursor_execute`` listener on the engine).

The Results page counts what a browser loads: the page, and when it defers its heavy part to
an HTMX request (``hx-get`` with ``data-results-body``), that request too. ``--code DIR`` runs an
older ``dawna/`` (``git archive <commit> dawna | tar -x -C DIR``) for the figure before a change.

    .venv/bin/python bench/results_cache.py --database /tmp/demo.sqlite3 [--repeat 3]
        [--locale zh_CN] [--code DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "dawna-demo-2026"
BODY = re.compile(r'hx-get="([^"]+)"[^>]*data-results-body')


def _setup(code: str | None) -> None:
    sys.path[:0] = [code or str(ROOT)]


def _login(client: Any, locale: str | None) -> None:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, "no CSRF token on /login"
    answer = client.post("/login", data={"username": "statistician", "password": PASSWORD,
                                         "csrf_token": token.group(1)}, follow_redirects=False)
    assert answer.status_code == 303, answer.status_code
    if locale:
        client.cookies.set("dawna_lang", locale)


def _results_page(client: Any) -> int:
    page = client.get("/results")
    assert page.status_code == 200, page.text[:300]
    found = BODY.search(page.text)
    if found:  # the heavy part, loaded by HTMX
        body = client.get(found.group(1).replace("&amp;", "&"), headers={"HX-Request": "true"})
        assert body.status_code == 200, body.text[:300]
        assert 'data-testid="km-pfs"' in body.text
    else:
        assert 'data-testid="km-pfs"' in page.text
    return page.status_code


def _report(client: Any) -> int:
    answer = client.get("/results/report.html")
    assert answer.status_code == 200, answer.text[:300]
    return answer.status_code


def _pfs(client: Any) -> int:
    answer = client.get("/api/results/pfs")
    assert answer.status_code == 200, answer.text[:300]
    return answer.status_code


def _clear() -> None:
    try:
        from dawna.services import results_cache  # type: ignore[attr-defined]
    except ImportError:
        return  # the code before the cache: nothing kept between requests
    results_cache.clear()


def _timed(request: Any, client: Any) -> tuple[float, float]:
    """Wall and CPU seconds of one request (the CPU of this process, the server's threads
    included: it depends far less than the wall time on the other load of a shared machine)."""
    wall, cpu = time.perf_counter(), time.process_time()
    request(client)
    return time.perf_counter() - wall, time.process_time() - cpu


def run(database: Path, repeat: int, locale: str | None, code: str | None) -> dict[str, Any]:
    _setup(code)
    from fastapi.testclient import TestClient
    from sqlalchemy import event

    import dawna
    from dawna.config import Settings
    from dawna.store.db import Database
    from dawna.web.app import create_app

    out: dict[str, Any] = {"code": str(Path(dawna.__file__).parent), "locale": locale or "en"}
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "demo.sqlite3"
        shutil.copy(database, target)
        settings = Settings(env="test", database_url=f"sqlite:///{target}", secret_key="b" * 40)
        db = Database(settings.database_url)
        count = [0]

        def counted(*_args: Any) -> None:
            count[0] += 1

        event.listen(db.engine, "before_cursor_execute", counted)
        with TestClient(create_app(settings, db)) as client:
            _login(client, locale)
            for name, request in (("results_page", _results_page), ("report", _report),
                                  ("api_results_pfs", _pfs)):
                _clear()
                started = time.perf_counter()
                request(client)
                first = time.perf_counter() - started
                colds, warms, statements = [], [], {}
                for _ in range(repeat):
                    _clear()
                    count[0] = 0
                    colds.append(_timed(request, client))
                    statements["cold"] = count[0]
                    count[0] = 0
                    warms.append(_timed(request, client))
                    statements["warm"] = count[0]
                out[name] = {"first": round(first, 3),
                             "cold": round(min(w for w, _c in colds), 3),
                             "cold_cpu": round(min(c for _w, c in colds), 3),
                             "warm": round(min(w for w, _c in warms), 3),
                             "warm_cpu": round(min(c for _w, c in warms), 3),
                             "statements": statements}
        db.dispose()
    with open("/proc/loadavg") as f:
        out["loadavg"] = f.read().strip()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", type=Path, required=True,
                        help="a SQLite file holding the demo trial (it is copied, not changed)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--locale", default=None, help="e.g. zh_CN (default: English)")
    parser.add_argument("--code", default=None, help="a folder holding an older dawna/")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args.database, args.repeat, args.locale, args.code)
    if args.json:
        print(json.dumps(result))
        return
    for key, value in result.items():
        print(f"{key:>16}: {value}")


if __name__ == "__main__":
    main()
