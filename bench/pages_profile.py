"""Where the server CPU of the five pages under load goes (issue 23 item 4), in this process.

Opens a database holding the full demo trial (default: a copy of the SQLite file given, so the
original is never written), builds the application in this process and sends each page's GET
``--n`` times straight into the ASGI application (no socket, no uvicorn: the HTTP parsing of the
real server comes on top), FastAPI's thread pool replaced by a direct call so that everything
runs on this thread. The pages are those of ``pages_load.py``: the participant list, a
participant page, its treatment page, the dashboard and the safety list, for the demo's
coordinator (``--user``), each request for the next randomized participant of the user's
sites. After ``--warm`` visits of each participant's page, it reports per page the process CPU
per request (``time.process_time``), the SQL statements per request and the size of the answer,
as the load test meets them (pages seen before, kept by ``services/page_cache.py`` until the
data change) and cold (the cache emptied before every request: each page built from the
database, as after a write); with ``--profile`` the functions of the warm requests by
cumulative and own CPU time (cProfile with ``time.process_time``). Nothing is timed in the
tests.

    dawna demo --as-of 2026-12-06      # into DAWNA_DATABASE_URL=sqlite:////tmp/x/demo.sqlite3
    python bench/pages_profile.py /tmp/x/demo.sqlite3 [--n 50] [--warm 2] [--page treatment]
        [--user coordinator] [--profile] [--top 40] [--code DIR] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import os
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]
if "--code" in sys.argv:  # an older dawna/ (the figure before a change), imported first
    sys.path.insert(0, str(Path(sys.argv[sys.argv.index("--code") + 1]).resolve()))

from randomization_profile import _call, _cookie_header, _cookies, _inline_threadpool  # noqa: E402
from sqlalchemy import event  # noqa: E402

from dawna.config import Settings  # noqa: E402
from dawna.store.db import Database  # noqa: E402

PAGES = ("participants", "participant", "treatment", "dashboard", "safety")
PASSWORD = "dawna-demo-2026"
SECRET = "bench-secret-" + "x" * 40


def _url(page: str, pid: str) -> str:
    return {"participants": "/participants", "participant": f"/participants/{pid}",
            "treatment": f"/participants/{pid}/treatment", "dashboard": "/dashboard",
            "safety": "/safety"}[page]


def run(source: str, n: int, warm: int, pages: tuple[str, ...], user: str, profile: bool,
        top: int, profile_cold: bool = False) -> dict[str, Any]:
    from dawna.web.app import create_app

    with tempfile.TemporaryDirectory() as tmp:
        if source.startswith(("postgresql", "sqlite:")):
            url = source
        else:
            copy = Path(tmp) / "demo.sqlite3"
            shutil.copyfile(source, copy)
            url = f"sqlite:///{copy}"
        settings = Settings(env="test", database_url=url, secret_key=SECRET,
                            cookie_secure=False)
        db = Database(url)
        app = create_app(settings, db)
        _inline_threadpool()
        statements = [0]

        def count(*_args: Any) -> None:
            statements[0] += 1

        event.listen(db.engine, "before_cursor_execute", count)
        loop = asyncio.new_event_loop()

        def get(path: str, headers: dict[str, str]) -> tuple[int, bytes]:
            status, _h, body = loop.run_until_complete(_call(app, "GET", path, b"", headers))
            return status, body

        jar: dict[str, str] = {}
        _status, got, _body = loop.run_until_complete(_call(app, "GET", "/login"))
        _cookies(got, jar)
        status, got, body = loop.run_until_complete(_call(
            app, "POST", "/api/session",
            json.dumps({"username": user, "password": PASSWORD}).encode(),
            {"content-type": "application/json", "x-csrf-token": jar["dawna_csrf"],
             "cookie": _cookie_header(jar)}))
        assert status == 200, body
        _cookies(got, jar)
        headers = {"cookie": _cookie_header(jar), "accept-language": "en"}
        _status, listing = get("/api/participants", headers | {"accept": "application/json"})
        pids = [p["pseudonym"] for p in json.loads(listing) if p["status"] in (
            "on_treatment", "end_of_treatment", "follow_up", "end_of_study")]
        report: dict[str, Any] = {"database": url.split(":", 1)[0], "user": user,
                                  "requests_per_page": n, "participants": len(pids),
                                  "pages": {}}
        try:
            from dawna.services import page_cache
            clear = page_cache.clear
        except ImportError:  # the code before the cache (--code)
            def clear() -> None:
                return None
        for page in pages:
            urls = [_url(page, pids[i % len(pids)]) for i in range(n)]
            for url in urls[:len(pids)] * warm:  # every participant's page seen before
                status, body = get(url, headers)
                assert status == 200, (page, status, body[:300])
            figures: dict[str, Any] = {}
            for cold in (False, True):
                profiler = cProfile.Profile(time.process_time) \
                    if profile and cold == profile_cold else None
                statements[0] = 0
                size = 0
                cpu = 0.0
                for url in urls:
                    if cold:
                        clear()  # every request builds its page from the database
                    cpu0 = time.process_time()
                    if profiler:
                        profiler.enable()
                    status, body = get(url, headers)
                    if profiler:
                        profiler.disable()
                    cpu += time.process_time() - cpu0
                    assert status == 200, (page, status, body[:300])
                    size += len(body)
                prefix = "cold_" if cold else ""
                figures |= {f"{prefix}cpu_ms": round(1000 * cpu / n, 2),
                            f"{prefix}statements": round(statements[0] / n, 1)}
                figures["kbytes"] = round(size / n / 1024, 1)
                if profiler:
                    for order in ("cumulative", "tottime"):
                        out = io.StringIO()
                        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(top)
                        figures[f"profile_{order}"] = out.getvalue()
            report["pages"][page] = figures
        loop.close()
        db.dispose()
        for name in ("cpu_ms", "cold_cpu_ms"):
            report[f"mean_{name}"] = round(sum(p[name] for p in report["pages"].values())
                                           / len(report["pages"]), 2)
        return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", help="a SQLite file holding the demo (copied), or a URL")
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--warm", type=int, default=1)
    parser.add_argument("--page", action="append", choices=PAGES, default=None)
    parser.add_argument("--user", default="coordinator")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--profile-cold", action="store_true",
                        help="profile the cold requests (cache emptied) instead of the warm")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--code", type=Path, default=None,
                        help="import the dawna package under this directory instead (e.g. "
                             "`git archive main dawna | tar -x -C DIR`: the figure before)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report = run(args.database, args.n, args.warm, tuple(args.page or PAGES), args.user,
                 args.profile or args.profile_cold, args.top, args.profile_cold)
    if args.json:
        print(json.dumps(report))
        return
    print(f"{report['user']} on {report['database']}, {report['participants']} randomized "
          f"participants in view, {report['requests_per_page']} requests per page")
    for page, f in report["pages"].items():
        print(f"  {page:12s} CPU {f['cpu_ms']:6.2f} ms  statements {f['statements']:5.1f}  "
              f"| cold {f['cold_cpu_ms']:6.2f} ms  statements {f['cold_statements']:5.1f}  "
              f"| {f['kbytes']:6.1f} kB")
        for key in ("profile_cumulative", "profile_tottime"):
            if key in f:
                print(f[key])
    print(f"  mean CPU per page {report['mean_cpu_ms']:.2f} ms (cold "
          f"{report['mean_cold_cpu_ms']:.2f} ms); load {' '.join(map(str, os.getloadavg()))}")


if __name__ == "__main__":
    main()
