"""Randomizations per second through the real server (issue 19 item 8, issue 23 item 3).

Creates a fresh PostgreSQL database, migrates it, loads two sites, their users, a live
allocation list and N participants signed eligible (D of them to be sent twice), starts
``dawna serve --workers W`` on a free loopback port with that database, logs in as the
coordinator over the JSON API, then fires all N + D ``POST /api/participants/{id}/randomization``
requests at the same moment (each its own connection; a duplicate right next to its first
request; with ``--keep-alive`` the connections are opened before, as a coordinator's browser
keeps its own) and waits for every answer (bounded by ``--timeout``). ``--plain`` serves with
uvicorn on asyncio and h11 (the figure without uvloop and httptools); ``--template NAME`` keeps
the prepared database (``NAME_<n>``, dropped by hand) and copies it for each run. It reports
throughput, the p50 and p95 latency, the status codes, the CPU seconds the server processes
and their PostgreSQL backends spent per randomization from the burst's start (a figure the
machine's other load changes far less than the wall time), and checks the store: each
participant allocated once, ``allocation.sequence`` 1..N, no (stratum, position) slot used
twice. The server is stopped and the database dropped at the end. Loopback only; nothing is
timed in the test suite.

    .venv/bin/python bench/randomization_server.py [--n 200] [--dupes 20] [--workers 3]
        [--pg postgresql://postgres@127.0.0.1:5432/postgres] [--timeout 120]
        [--concurrency C] [--code DIR] [--no-access-log] [--keep-alive] [--plain]
        [--template NAME] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

import httpx  # noqa: E402
import psycopg  # noqa: E402
from helpers import PASSWORD, SYSTEM, two_site_trial  # noqa: E402
from lock_timing import summary as lock_timing_summary  # noqa: E402
from randomization_data import CHOICES, STRATA, _signed_eligible  # noqa: E402
from raw_http import RawClient  # noqa: E402

from dawna.config import Settings  # noqa: E402
from dawna.services import randomization  # noqa: E402
from dawna.store.db import Database  # noqa: E402
from dawna.store.migrate import upgrade  # noqa: E402

SECRET = "bench-secret-" + "x" * 40
TICK = os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def _processes() -> list[tuple[int, int, str]]:
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        out.append((int(entry.name), int(stat.rsplit(")", 1)[1].split()[1]), cmd))
    return out


def _server_pids(root: int) -> list[int]:
    procs = _processes()
    pids, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid, _cmd in procs:
            if ppid == parent and pid not in pids:
                pids.add(pid)
                frontier.append(pid)
    return sorted(pids)


def _backend_pids(dbname: str) -> list[int]:
    return [pid for pid, _ppid, cmd in _processes() if cmd.startswith("postgres:")
            and f" {dbname} " in cmd]


def _cpu(pids: list[int]) -> dict[int, float]:
    return {pid: _cpu_seconds(pid) for pid in pids}


def _prepare(url: str, n: int) -> list[str]:
    upgrade(url)
    settings = Settings(env="test", database_url=url, secret_key=SECRET)
    db = Database(url)
    try:
        two_site_trial(db)
        randomization.generate(db, settings, SYSTEM, "bench list", n // 4 + 10)
        randomization.go_live(db, SYSTEM, "bench go-live")
        return _signed_eligible(db, n)
    finally:
        db.dispose()


def _start(url: str, workers: int, port: int, code: Path | None,
           log: Any, access_log: bool = True, plain: bool = False,
           timing: Path | None = None) -> subprocess.Popen[bytes]:
    env = os.environ | {"DAWNA_DATABASE_URL": url, "DAWNA_SECRET_KEY": SECRET,
                        "DAWNA_ENV": "test", "DAWNA_COOKIE_SECURE": "false",
                        "PYTHONPATH": str(ROOT)}  # this checkout's dawna, not an installed one
    command = [sys.executable, "-m", "dawna.cli", "serve", "--port", str(port),
               "--workers", str(workers)] + ([] if access_log else ["--no-access-log"])
    if code is not None or plain:  # an older dawna/ (the figure before a change), or asyncio+h11
        env["PYTHONPATH"] = str(code or ROOT)
        command = [sys.executable, "-m", "uvicorn", "dawna.web.app:create_app", "--factory",
                   "--port", str(port), "--workers", str(workers),
                   "--timeout-worker-healthcheck", "60"] + ([] if access_log else
                                                            ["--no-access-log"])
        if plain:  # what uvicorn uses when neither uvloop nor httptools is installed
            command += ["--loop", "asyncio", "--http", "h11"]
    if timing is not None:  # every worker loads lock_timing.py through sitecustomize
        env["PYTHONPATH"] = f"{timing.parent}:{env['PYTHONPATH']}"
        env["DAWNA_BENCH_LOCK_TIMING"] = str(timing)
    return subprocess.Popen(command, env=env, cwd=code or ROOT, stdout=subprocess.DEVNULL,
                            stderr=log, start_new_session=True)


def _wait_ready(base: str, server: subprocess.Popen[bytes], workers: int, log: Path) -> None:
    """Until every worker has imported the application and run its start-up (uvicorn logs
    "Application startup complete." once per worker), so that no import is counted as the
    burst's CPU."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("the server stopped: " + log.read_text())
        if log.read_text().count("Application startup complete") >= workers:
            return
        time.sleep(0.5)
    raise RuntimeError("the server did not start within 300 s")


async def _warm(base: str, cookies: dict[str, str], workers: int) -> None:
    """Logged-in reads spread over the workers: each opens its first database connections."""
    async with httpx.AsyncClient(base_url=base, cookies=cookies, timeout=60) as client:
        answers = await asyncio.gather(*[client.get("/api/me") for _ in range(8 * workers)])
    assert all(a.status_code == 200 for a in answers)


def _wait_quiet(pids: list[int], deadline_s: float = 120.0) -> float:
    """Until the server's processes have finished their start-up work in the background (the
    analysis libraries imported and the page data built in each worker: ``dawna serve``'s
    preload and warm-up, docs/deployment.md): two half-second spans in a row in which they used
    under 10 ms of CPU together. Without it the first seconds of a burst share the cores with
    that work and its CPU counts as the burst's. Returns the seconds waited."""
    started = time.monotonic()
    quiet, last = 0, sum(_cpu(pids).values())
    while quiet < 2 and time.monotonic() - started < deadline_s:
        time.sleep(0.5)
        now = sum(_cpu(pids).values())
        quiet = quiet + 1 if now - last < 0.01 else 0
        last = now
    return time.monotonic() - started


def _login(base: str) -> tuple[dict[str, str], str]:
    with httpx.Client(base_url=base) as client:
        client.get("/login").raise_for_status()
        answer = client.post("/api/session", json={"username": "coord_a", "password": PASSWORD},
                             headers={"x-csrf-token": client.cookies["dawna_csrf"]})
        answer.raise_for_status()
        return dict(client.cookies), str(answer.json()["csrf_token"])


async def _burst(base: str, requests: list[tuple[str, dict[str, str]]],
                 cookies: dict[str, str], csrf: str, timeout: float,
                 concurrency: int, keep_alive: bool = False,
                 client_kind: str = "raw") -> list[tuple[int | str, float]]:
    """All requests at once. Each on a connection of its own, opened with the request; with
    ``keep_alive`` the connections are opened (one logged-in read each) before the gate opens,
    as a coordinator's browser keeps its connection to the server. ``client_kind``: ``raw``
    (:class:`raw_http.RawClient`) or ``httpx`` (the client of the earlier figures)."""
    gate = asyncio.Event()
    bound = asyncio.Semaphore(concurrency)
    if client_kind == "raw":
        raw = RawClient(base, cookies, csrf, keep_alive)
        kept = ([await raw.open() for _ in range(min(concurrency, len(requests)))]
                if keep_alive else [])
        if kept:
            assert {await raw.request(c, "GET", "/api/me") for c in kept} == {200}

        async def one(i: int, pid: str, factors: dict[str, str]) -> tuple[int | str, float]:
            await gate.wait()
            async with bound:
                started = time.perf_counter()
                body = json.dumps({"factors": factors, "choices": CHOICES}).encode()
                try:
                    streams = kept[i % len(kept)] if kept else await raw.open()
                    status = await raw.request(streams, "POST",
                                               f"/api/participants/{pid}/randomization", body)
                    if not kept:
                        streams[1].close()
                    return status, time.perf_counter() - started
                except (OSError, asyncio.IncompleteReadError) as exc:
                    return type(exc).__name__, time.perf_counter() - started

        return await _gated(gate, [one(i, pid, f) for i, (pid, f) in enumerate(requests)],
                            timeout)
    limits = httpx.Limits(max_connections=concurrency,
                          max_keepalive_connections=concurrency if keep_alive else 0)
    async with httpx.AsyncClient(base_url=base, cookies=cookies, limits=limits,
                                 timeout=timeout, headers={"x-csrf-token": csrf}) as client:
        if keep_alive:
            opened = await asyncio.gather(*[client.get("/api/me")
                                            for _ in range(min(concurrency, len(requests)))])
            assert all(a.status_code == 200 for a in opened)

        async def one_httpx(pid: str, factors: dict[str, str]) -> tuple[int | str, float]:
            await gate.wait()
            started = time.perf_counter()
            try:
                answer = await client.post(f"/api/participants/{pid}/randomization",
                                           json={"factors": factors, "choices": CHOICES})
                return answer.status_code, time.perf_counter() - started
            except httpx.HTTPError as exc:
                return type(exc).__name__, time.perf_counter() - started

        return await _gated(gate, [one_httpx(pid, f) for pid, f in requests], timeout)


async def _gated(gate: asyncio.Event, calls: list[Any],
                 timeout: float) -> list[tuple[int | str, float]]:
    """Start every call, open the gate once all wait at it, and measure from there."""
    tasks = [asyncio.create_task(call) for call in calls]
    await asyncio.sleep(0.05)
    pids = _BURST_PIDS[0]
    _BURST_CPU[:] = [_cpu(pids[0]), _cpu(pids[1])]
    own_cpu = time.process_time()
    started = time.perf_counter()
    at_gate = time.monotonic()
    gate.set()
    outcomes = await asyncio.wait_for(asyncio.gather(*tasks), timeout)
    _BURST_CPU.extend([time.process_time() - own_cpu, at_gate, time.perf_counter() - started])
    return list(outcomes)


#: (server pids, backend pids) for the burst; the CPU at the gate's opening, the client's own
#: CPU during the burst, the monotonic clock at the gate and the elapsed time
_BURST_PIDS: list[tuple[list[int], list[int]]] = []
_BURST_CPU: list[Any] = []


def _check(url: str) -> dict[str, Any]:
    with psycopg.connect(url.replace("+psycopg", "")) as conn:
        rows = conn.execute("SELECT participant_id, sequence, stratum, position FROM allocation"
                            ).fetchall()
        head = conn.execute("SELECT count(*) FROM audit_record").fetchone()
    sequences = sorted(r[1] for r in rows)
    return {"allocations": len(rows),
            "participants_allocated": len({r[0] for r in rows}),
            "sequence_1_to_n": sequences == list(range(1, len(rows) + 1)),
            "slots_unique": len({(r[2], r[3]) for r in rows}) == len(rows),
            "audit_records": head[0] if head else 0}


def run(n: int, dupes: int, workers: int, pg: str, timeout: float,
        concurrency: int | None = None, code: Path | None = None,
        access_log: bool = True, keep_alive: bool = False,
        plain: bool = False, template: str | None = None,
        lock_timing: bool = False, client_kind: str = "raw") -> dict[str, Any]:
    # DAWNA_BENCH_TAG: a name part telling whose database it is (a helper's branch)
    name = f"dawna_bench_{os.environ.get('DAWNA_BENCH_TAG', '')}{uuid.uuid4().hex[:10]}"
    admin = psycopg.connect(pg, autocommit=True)
    url = f"{pg.rsplit('/', 1)[0]}/{name}"
    if template:  # prepared once, copied for each run (the preparation takes minutes)
        template = f"{template}_{n}"
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                         (template,)).fetchone() is None:
            admin.execute(f'CREATE DATABASE "{template}"')
            _prepare(f"{pg.rsplit('/', 1)[0]}/{template}", n)
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    else:
        admin.execute(f'CREATE DATABASE "{name}"')
    server = None
    try:
        ids = ([f"DF-T{i:04d}" for i in range(n)] if template  # _signed_eligible's pseudonyms
               else _prepare(url, n))
        requests = [(pid, STRATA[i % 4]) for i, pid in enumerate(ids)]
        step = n // max(dupes, 1)
        for i in reversed(range(dupes)):  # the duplicate right after its first request
            requests.insert(i * step + 1, requests[i * step])
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        log_path = Path(tempfile.mkstemp(prefix="dawna-bench-", suffix=".log")[1])
        timing = None
        if lock_timing:  # a sitecustomize loading lock_timing.py in every server process
            site = Path(tempfile.mkdtemp(prefix="dawna-bench-site-"))
            (site / "lock_timing.py").write_text((ROOT / "bench" / "lock_timing.py").read_text())
            (site / "sitecustomize.py").write_text(
                "import os\nimport lock_timing\n"
                "lock_timing.install(os.environ['DAWNA_BENCH_LOCK_TIMING'])\n")
            timing = site / "timing.txt"
        with log_path.open("wb") as log:
            server = _start(url, workers, port, code, log, access_log, plain, timing)
        _wait_ready(base, server, workers, log_path)
        cookies, csrf = _login(base)
        asyncio.run(_warm(base, cookies, workers))
        pids = _server_pids(server.pid)
        settled = _wait_quiet(pids)
        _BURST_PIDS[:] = [(pids, _backend_pids(name))]
        outcomes = asyncio.run(_burst(base, requests, cookies, csrf, timeout,
                                      concurrency or len(requests), keep_alive, client_kind))
        before, backends_before, client_cpu, gate, elapsed = _BURST_CPU
        after = _cpu(pids)
        backends_after = _cpu(_backend_pids(name))
        server_cpu = sum(after[p] - before.get(p, 0.0) for p in after)
        db_cpu = sum(v - backends_before.get(p, 0.0) for p, v in backends_after.items())
        load = os.getloadavg()
        store = _check(url)
        timing_summary = lock_timing_summary(str(timing), gate) if timing is not None else {}
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
    codes = Counter(str(code) for code, _t in outcomes)
    created = codes.get("201", 0)
    latencies = sorted(t for _c, t in outcomes)
    return {"workers": workers, "access_log": access_log, "keep_alive": keep_alive,
            "client": client_kind,
            "loop_http": "asyncio+h11" if plain else "auto", "requests": len(requests),
            "in_flight": concurrency or len(requests), "settled_s": round(settled, 1),
            "status_codes": dict(codes),
            "seconds": round(elapsed, 3),
            "randomizations_per_second": round(created / elapsed, 1),
            "latency_p50_ms": round(statistics.median(latencies) * 1000, 1),
            "latency_p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))] * 1000, 1),
            "server_cpu_ms_per_randomization": round(1000 * server_cpu / max(created, 1), 2),
            "postgres_cpu_ms_per_randomization": round(1000 * db_cpu / max(created, 1), 2),
            "client_cpu_ms_per_request": round(1000 * client_cpu / max(len(outcomes), 1), 2),
            **timing_summary,
            "load_average_1_5_15": [round(x, 2) for x in load], **store,
            "ok": (created == n and codes.get("409", 0) == dupes and set(codes) <= {"201", "409"}
                   and store["participants_allocated"] == n and store["sequence_1_to_n"]
                   and store["slots_unique"])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--dupes", type=int, default=20)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="worker processes (default: one per core, docs/deployment.md)")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="PostgreSQL admin URL (a database is created and dropped)")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--concurrency", type=int, default=None,
                        help="requests in flight at once (default: all of them)")
    parser.add_argument("--code", type=Path, default=None,
                        help="serve the dawna package under this directory instead (e.g. "
                             "`git archive <commit> dawna | tar -x -C DIR`: the figure before)")
    parser.add_argument("--no-access-log", dest="access_log", action="store_false",
                        help="serve without uvicorn's line per request (dawna serve "
                             "--no-access-log)")
    parser.add_argument("--keep-alive", action="store_true",
                        help="open every connection before the burst (a browser keeps its "
                             "connection) instead of one new connection per request")
    parser.add_argument("--plain", action="store_true",
                        help="uvicorn on asyncio and h11 even where uvloop and httptools are "
                             "installed (the figure without them)")
    parser.add_argument("--template", default=None,
                        help="keep the prepared database as NAME_<n> and copy it for each run "
                             "(drop it by hand when done)")
    parser.add_argument("--lock-timing", action="store_true",
                        help="time the shared locks in the server (bench/lock_timing.py): "
                             "how long the counters and the audit chain's head are held")
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw",
                        help="raw: HTTP/1.1 by hand on asyncio streams (default, about 0.3 ms "
                             "of CPU per request); httpx: the client of the earlier figures")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args.n, args.dupes, args.workers, args.pg, args.timeout, args.concurrency,
                 args.code, args.access_log, args.keep_alive, args.plain,
                 args.template, args.lock_timing, args.client)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>34}: {value}")
    sys.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
