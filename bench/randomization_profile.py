"""Where one randomization's server CPU goes (issue 19 item 8, issue 23 item 3).

Creates a fresh PostgreSQL database with the set-up of ``randomization_server.py`` (two sites, a
live list, N participants signed eligible), builds the application in this process and sends
``POST /api/participants/{id}/randomization`` one at a time straight into the ASGI application
(no socket, no uvicorn: the HTTP parsing of the real server comes on top), with FastAPI's thread
pool replaced by a direct call so that everything runs on this thread. The first ``--warm``
requests warm the caches and the connection pool; for the rest it reports the process CPU per
randomization (``time.process_time``), the CPU of the PostgreSQL backend serving the pool
(``/proc``), the SQL statements per request, and with ``--profile`` the functions by cumulative
and own CPU time (cProfile with ``time.process_time``: waiting for PostgreSQL is not
counted). The database is dropped at the end. Nothing is timed in the tests.

    python bench/randomization_profile.py [--n 300] [--warm 20] [--profile] [--top 40]
        [--pg postgresql://postgres@127.0.0.1:5432/postgres] [--code DIR] [--sql] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import os
import pstats
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]
if "--code" in sys.argv:  # an older dawna/ (the figure before a change), imported first
    sys.path.insert(0, str(Path(sys.argv[sys.argv.index("--code") + 1]).resolve()))

import psycopg  # noqa: E402
from randomization_data import CHOICES, STRATA  # noqa: E402
from randomization_server import SECRET, _backend_pids, _cpu, _prepare  # noqa: E402
from sqlalchemy import event  # noqa: E402

from dawna.config import Settings  # noqa: E402
from dawna.store.db import Database  # noqa: E402


def _inline_threadpool() -> None:
    """Run FastAPI's sync endpoints and dependencies on the calling thread (for cProfile)."""
    import fastapi.concurrency
    import fastapi.dependencies.utils
    import fastapi.routing
    import starlette.concurrency

    async def inline(func: Any, *args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    for module in (fastapi.concurrency, fastapi.routing, fastapi.dependencies.utils,
                   starlette.concurrency):
        if hasattr(module, "run_in_threadpool"):
            module.run_in_threadpool = inline  # type: ignore[attr-defined]


async def _call(app: Any, method: str, path: str, body: bytes = b"",
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    raw = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    raw.append((b"content-length", str(len(body)).encode()))
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
             "query_string": b"", "root_path": "", "headers": raw,
             "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000), "app": app}
    sent = False
    status = 0
    out_headers: dict[str, str] = {}
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
            for k, v in message.get("headers", []):
                out_headers.setdefault(k.decode().lower(), v.decode())
                if k.lower() == b"set-cookie":
                    out_headers.setdefault("set-cookie-all", "")
                    out_headers["set-cookie-all"] += v.decode() + "\n"
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, out_headers, b"".join(chunks)


def _cookies(headers: dict[str, str], jar: dict[str, str]) -> None:
    for line in headers.get("set-cookie-all", "").splitlines():
        name, _sep, rest = line.partition("=")
        jar[name] = rest.split(";", 1)[0]


def _cookie_header(jar: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in jar.items())


async def _session(app: Any) -> tuple[dict[str, str], str]:
    from helpers import PASSWORD

    jar: dict[str, str] = {}
    status, headers, _body = await _call(app, "GET", "/login")
    _cookies(headers, jar)
    status, headers, body = await _call(
        app, "POST", "/api/session",
        json.dumps({"username": "coord_a", "password": PASSWORD}).encode(),
        {"content-type": "application/json", "x-csrf-token": jar["dawna_csrf"],
         "cookie": _cookie_header(jar)})
    assert status == 200, body
    _cookies(headers, jar)
    return jar, str(json.loads(body)["csrf_token"])


def run(n: int, warm: int, profile: bool, top: int, pg: str, show_sql: bool = False,
        save: Path | None = None) -> dict[str, Any]:
    from dawna.web.app import create_app

    # DAWNA_BENCH_TAG: a name part telling whose database it is (a helper's branch)
    name = f"dawna_prof_{os.environ.get('DAWNA_BENCH_TAG', '')}{uuid.uuid4().hex[:10]}"
    admin = psycopg.connect(pg, autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{pg.rsplit('/', 1)[0]}/{name}"
    db = None
    try:
        ids = _prepare(url, n)
        settings = Settings(env="test", database_url=url, secret_key=SECRET,
                            cookie_secure=False)
        db = Database(url)
        app = create_app(settings, db)
        _inline_threadpool()
        statements = [0]
        last: list[str] = []

        def count(_conn: Any, _cursor: Any, text: str, *_args: Any) -> None:
            statements[0] += 1
            last.append(" ".join(text.split())[:160])

        event.listen(db.engine, "before_cursor_execute", count)
        loop = asyncio.new_event_loop()
        jar, csrf = loop.run_until_complete(_session(app))
        headers = {"content-type": "application/json", "x-csrf-token": csrf,
                   "cookie": _cookie_header(jar)}

        def randomize(i: int) -> int:
            body = json.dumps({"factors": STRATA[i % 4], "choices": CHOICES}).encode()
            status, _h, answer = loop.run_until_complete(
                _call(app, "POST", f"/api/participants/{ids[i]}/randomization", body, headers))
            assert status == 201, answer
            return status

        for i in range(warm):
            randomize(i)
        backends = _backend_pids(name)
        db_before = _cpu(backends)
        statements[0] = 0
        profiler = cProfile.Profile(time.process_time) if profile else None  # CPU, not wall
        cpu0, wall0 = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        for i in range(warm, n):
            last.clear()
            randomize(i)
        if profiler:
            profiler.disable()
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        db_after = _cpu(backends)
        measured = n - warm
        report: dict[str, Any] = {
            "randomizations": measured,
            "server_cpu_ms_per_randomization": round(1000 * cpu / measured, 2),
            "wall_ms_per_randomization": round(1000 * wall / measured, 2),
            "postgres_cpu_ms_per_randomization": round(
                1000 * sum(db_after[p] - db_before.get(p, 0.0) for p in db_after) / measured, 2),
            "statements_per_randomization": round(statements[0] / measured, 2),
            "profiled": profile,
        }
        if show_sql:
            report["statements_of_the_last_request"] = last
        if profiler and save is not None:
            profiler.dump_stats(str(save))
        if profiler:
            for order in ("cumulative", "tottime"):
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(top)
                report[f"profile_{order}"] = out.getvalue()
        loop.close()
        return report
    finally:
        if db is not None:
            db.dispose()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--warm", type=int, default=20)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--code", type=Path, default=None,
                        help="import the dawna package under this directory instead (e.g. "
                             "`git archive <commit> dawna | tar -x -C DIR`: the figure before)")
    parser.add_argument("--save", type=Path, default=None, help="write the profile (pstats)")
    parser.add_argument("--sql", action="store_true", help="print the last request's SQL")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report = run(args.n, args.warm, args.profile, args.top, args.pg, args.sql, args.save)
    if args.json:
        print(json.dumps(report))
        return
    for key, value in report.items():
        if key.startswith("profile_"):
            print(value)
        elif key.startswith("statements_of"):
            print("\n".join(f"  {i + 1:>2}. {text}" for i, text in enumerate(value)))
        else:
            print(f"{key:>36}: {value}")


if __name__ == "__main__":
    main()
