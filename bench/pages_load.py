"""Pages under load (issue 23 item 4): p50/p95 of the participant list, a participant page, its
treatment page, the dashboard and the safety list at U concurrent users, through the real server
(``dawna serve --workers W``) on PostgreSQL holding the full demo trial.

Creates a fresh PostgreSQL database (or reuses ``--db NAME`` if it already holds the demo, to
skip the two-minute load), migrates it, loads the demo (``dawna demo``), starts the server on a
free loopback port, logs in U sessions (alternately the demo's coordinator and investigator at
PUMCH), then each user opens the five pages R times in a row (a randomly chosen randomized
participant of its site each round), all users at once; ``--think S`` makes each user pause a
random time (exponential, mean S seconds) after each page, as a person reads it (``--think 0``:
every user fires its next request as soon as the last one answers, a closed loop far harsher
than 50 people at work); ``--ramp S`` starts the users one after the other over S seconds, as
load tools ramp up (``--ramp 0``, the default: all in the same instant, so that in the first
round all 50 ask for the same kind of page at once, on a server that has built none yet);
``--write-every S`` adds a 51st session, a coordinator recording vital signs for a randomly
chosen participant on treatment every S seconds during the load (an audited write: the lists
and that participant's pages are built again on their next request; its answers are counted
as ``write 201``; each run adds these rows to a reused database). Requests are bounded in
count (U x R x 5) and time (``--timeout``). It reports per page the p50, p95 and max latency
(and the p95 over the second half of the rounds, where fewer pages are seen for the first time
since the server started), the requests per second, the status codes,
the CPU seconds of each server process (how evenly the workers shared the load), and the CPU
seconds the server processes and this client spent per request during the load (counted from
the moment the server is idle after the logins: the logins' password hashes and each worker's
start-up imports are not in it); ``--trace FILE`` writes every request's start, page, latency
and round. Each user sends its pages over one keep-alive socket with a minimal HTTP/1.1 GET
(``--client raw``, about 0.1-0.2 ms of client CPU per page; ``--client httpx``: an
``httpx.AsyncClient`` per user, 1.3-1.9 ms), as the client shares the machine's cores with the
server. The server is stopped and a database it created is dropped at the end. Loopback only.

    .venv/bin/python bench/pages_load.py [--users 50] [--rounds 4] [--workers 2]
        [--pg postgresql://postgres@127.0.0.1:5432/postgres] [--db NAME] [--keep]
        [--think 0] [--ramp 0] [--write-every 0] [--timeout 600] [--code DIR]
        [--server-log FILE]
        [--no-access-log] [--client raw|httpx] [--trace FILE] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[1]
DAWNA = [sys.executable, "-m", "dawna"]  # the dawna/ of ROOT, or of --code (PYTHONPATH)
SECRET = "bench-secret-" + "x" * 40
PASSWORD = "dawna-demo-2026"
TICK = os.sysconf("SC_CLK_TCK")
PAGES = ("participants", "participant", "treatment", "dashboard", "safety")
#: every request of the load: (its start, its page, its seconds, its round), for ``--trace``
TRACE: list[tuple[float, str, float, int]] = []


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _processes() -> dict[int, tuple[int, float]]:
    """Every process now: its parent's pid and its CPU seconds (user + system), by pid."""
    procs: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            procs[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK)
    return procs


def _tree_cpu(root: int) -> float:
    """CPU seconds (user + system) of ``root`` and its descendants."""
    procs = _processes()
    pids, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, (ppid, _cpu) in procs.items():
            if ppid == parent and pid not in pids:
                pids.add(pid)
                frontier.append(pid)
    return sum(procs[p][1] for p in pids if p in procs)


def _workers_cpu(root: int) -> dict[int, float]:
    """CPU seconds of each child process of ``root`` (the server's workers), by pid."""
    return {pid: cpu for pid, (ppid, cpu) in _processes().items() if ppid == root}


def _env(url: str, code: Path | None = None) -> dict[str, str]:
    return os.environ | {"DAWNA_DATABASE_URL": url, "DAWNA_SECRET_KEY": SECRET,
                         "DAWNA_ENV": "test", "DAWNA_COOKIE_SECURE": "false",
                         "PYTHONPATH": str((code or ROOT).resolve())}


def _admin(pg: str, sql: str) -> None:
    with psycopg.connect(pg, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def _holds_demo(url: str) -> bool:
    try:
        with psycopg.connect(url.replace("+psycopg", "")) as conn:
            row = conn.execute("SELECT count(*) FROM participant").fetchone()
            return bool(row and row[0] > 0)
    except psycopg.Error:
        return False


async def _login(base: str, username: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=base, timeout=120)
    (await client.get("/login")).raise_for_status()
    answer = await client.post("/api/session", json={"username": username,
                                                      "password": PASSWORD},
                               headers={"x-csrf-token": client.cookies["dawna_csrf"]})
    answer.raise_for_status()
    return client


class RawClient:
    """A GET-only HTTP/1.1 client on one keep-alive loopback connection (asyncio streams), with
    the cookies of a logged-in ``httpx`` client: the answer's status line and headers are parsed,
    its body read whole (``Content-Length`` or chunked) and dropped. Several times lighter per
    request than an ``httpx.AsyncClient`` (``--client httpx``), so that the benchmark's client,
    which shares the machine's two cores with the server, takes less of them."""

    def __init__(self, base: str, cookies: httpx.Cookies) -> None:
        self.host, port = base.removeprefix("http://").split(":")
        self.port = int(port)
        cookie = "; ".join(f"{name}={value}" for name, value in cookies.items())
        self.head = (f"Host: {self.host}:{port}\r\nCookie: {cookie}\r\n"
                     "Accept: text/html\r\nAccept-Language: en\r\n\r\n").encode()
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def get(self, path: str) -> int:
        if self.streams is None:
            self.streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.streams
        try:
            writer.write(b"GET " + path.encode() + b" HTTP/1.1\r\n" + self.head)
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
            status = int(head[9:12])
            if "content-length:" in head:
                length = int(head.split("content-length:", 1)[1].split("\r\n", 1)[0])
                await reader.readexactly(length)
            elif "transfer-encoding: chunked" in head:
                while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                    await reader.readexactly(size + 2)
                await reader.readuntil(b"\r\n")
            if "connection: close" in head:
                await self.aclose()
            return status
        except (OSError, asyncio.IncompleteReadError, ValueError):
            await self.aclose()
            raise

    async def aclose(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


async def _user(client: httpx.AsyncClient | RawClient, rounds: int, pids: list[str],
                rng: random.Random, gate: asyncio.Event, timings: dict[str, list[float]],
                codes: Counter[str], think: float, delay: float = 0.0) -> None:
    await gate.wait()
    if delay > 0:  # --ramp: this user starts later
        await asyncio.sleep(delay)
    for round_ in range(rounds):
        pid = rng.choice(pids)
        for page, url in zip(PAGES, ("/participants", f"/participants/{pid}",
                                     f"/participants/{pid}/treatment", "/dashboard",
                                     "/safety"), strict=True):
            started = time.perf_counter()
            try:
                if isinstance(client, RawClient):
                    codes[f"{page} {await client.get(url)}"] += 1
                else:
                    answer = await client.get(url)
                    codes[f"{page} {answer.status_code}"] += 1
            except (httpx.HTTPError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
                codes[f"{page} {type(exc).__name__}"] += 1
            timings[page].append(time.perf_counter() - started)
            TRACE.append((started, page, timings[page][-1], round_))
            if 2 * round_ >= rounds:  # the second half of the rounds: fewer pages seen first
                timings["late " + page].append(timings[page][-1])
            if think > 0:
                await asyncio.sleep(rng.expovariate(1 / think))


async def _writer(client: httpx.AsyncClient, pids: list[str], every: float, rng: random.Random,
                  gate: asyncio.Event, stop: asyncio.Event, codes: Counter[str]) -> None:
    """``--write-every S``: while the users read, one more coordinator records vital signs for
    a randomly chosen participant on treatment every S seconds (an audited write: the lists
    and that participant's pages are built again on their next request)."""
    await gate.wait()
    while True:
        try:
            await asyncio.wait_for(stop.wait(), every)
            return
        except TimeoutError:
            pass
        started = time.perf_counter()
        answer = await client.post(
            f"/api/participants/{rng.choice(pids)}/vital-signs",
            json={"measured_on": "2026-12-06", "timepoint": f"bench {uuid.uuid4().hex[:12]}",
                  "weight_kg": 61.5},
            headers={"x-csrf-token": client.cookies["dawna_csrf"]})
        codes[f"write {answer.status_code}"] += 1
        TRACE.append((started, "write", time.perf_counter() - started, -2))


def _settle(server: int, quiet: float = 0.05, limit: float = 120.0) -> float:
    """Wait until the server's processes are idle (a worker's start-up imports, the logins'
    password hashes done: less than ``quiet`` CPU seconds in half a second); their CPU now."""
    deadline = time.monotonic() + limit
    cpu = _tree_cpu(server)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = _tree_cpu(server)
        if now - cpu < quiet:
            return now
        cpu = now
    return cpu


async def _load(base: str, users: int, rounds: int, seed: int, think: float, server: int,
                raw: bool = True, ramp: float = 0.0, write_every: float = 0.0
                ) -> tuple[dict[str, list[float]], Counter[str], float, float, float,
                           list[float]]:
    """Timings and codes per page, the load's seconds, and the CPU seconds of the server and
    of this client during the load only (the logins and warm-up before are not counted)."""
    logins = [await _login(base, ("coordinator", "investigator")[i % 2]) for i in range(users)]
    listing = (await logins[0].get("/api/participants")).json()
    pids = [p["pseudonym"] for p in listing if p["status"] in (
        "on_treatment", "end_of_treatment", "follow_up", "end_of_study")]
    writer = await _login(base, "coordinator") if write_every > 0 else None
    for login in logins[:4]:  # warm each worker's connections and caches a little
        await login.get("/dashboard")
    clients: list[httpx.AsyncClient | RawClient] = list(logins)
    if raw:
        clients = [RawClient(base, login.cookies) for login in logins]
        for login in logins:
            await login.aclose()
    timings: dict[str, list[float]] = defaultdict(list)
    codes: Counter[str] = Counter()
    gate = asyncio.Event()
    rng = random.Random(seed)
    tasks = [asyncio.create_task(_user(c, rounds, pids, random.Random(rng.random()), gate,
                                       timings, codes, think, ramp * i / users))
             for i, c in enumerate(clients)]
    stop = asyncio.Event()
    writing = None if writer is None else asyncio.create_task(
        _writer(writer, [p["pseudonym"] for p in listing if p["status"] == "on_treatment"],
                write_every, random.Random(seed + 1), gate, stop, codes))
    await asyncio.sleep(0.05)
    server_cpu = _settle(server)
    workers_before = _workers_cpu(server)
    client_cpu = time.process_time()
    started = time.perf_counter()
    TRACE.clear()
    TRACE.append((started, "start", 0.0, -1))
    gate.set()
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - started
    if writer is not None and writing is not None:
        stop.set()
        await writing
        await writer.aclose()
    client_cpu = time.process_time() - client_cpu
    server_cpu = _tree_cpu(server) - server_cpu
    workers_cpu = sorted((round(cpu - workers_before.get(pid, 0.0), 2)
                          for pid, cpu in _workers_cpu(server).items()), reverse=True)
    for client in clients:
        await client.aclose()
    return timings, codes, elapsed, server_cpu, client_cpu, workers_cpu


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _serve_command(port: int, workers: int, access_log: bool,
                   code: Path | None) -> tuple[list[str], int]:
    """``dawna serve --workers W``; for an older ``--code`` whose ``dawna serve`` has no
    ``--workers`` (before issue 19 item 8 and issue 23 item 3), its single-process ``dawna
    serve``, as that code was deployed: the figure before the change. Returns the command and
    how many worker processes it starts."""
    options = [*([] if access_log else ["--no-access-log"])]
    if code is not None:
        usage = subprocess.run([*DAWNA, "serve", "--help"], env=_env("sqlite://", code),
                               capture_output=True, text=True, cwd=tempfile.gettempdir())
        if "--workers" not in usage.stdout:
            if workers != 1:
                print(f"{code}: `dawna serve` has no --workers: one process", file=sys.stderr)
            return [*DAWNA, "serve", "--port", str(port)], 1
    return [*DAWNA, "serve", "--port", str(port), "--workers", str(workers), *options], workers


def run(users: int, rounds: int, workers: int, pg: str, db: str | None, keep: bool,
        timeout: float, think: float = 0.0, code: Path | None = None,
        server_log: Path | None = None, access_log: bool = True,
        raw: bool = True, ramp: float = 0.0, write_every: float = 0.0,
        after_warm_up: bool = False) -> dict[str, Any]:
    name = db or f"dawna_bench_pages_{uuid.uuid4().hex[:8]}"
    url = pg.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + "/" + name
    created = False
    if not _holds_demo(url):
        if db is None:
            _admin(pg, f'CREATE DATABASE "{name}"')
            created = True
        subprocess.run([*DAWNA, "db", "upgrade"], env=_env(url), check=True,
                       stdout=subprocess.DEVNULL, cwd=ROOT)
        subprocess.run([*DAWNA, "demo"], env=_env(url), check=True, stdout=subprocess.DEVNULL,
                       cwd=ROOT)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.NamedTemporaryFile("w+", suffix=".log") as log:
        command, workers = _serve_command(port, workers, access_log, code)
        server = subprocess.Popen(command,
                                  env=_env(url, code), stdout=subprocess.DEVNULL, stderr=log,
                                  start_new_session=True, cwd=tempfile.gettempdir())
        try:
            deadline = time.monotonic() + 300
            started = "page data of" if after_warm_up else "Application startup complete"
            while Path(log.name).read_text().count(started) < workers:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the server did not start: " + Path(log.name).read_text())
                time.sleep(0.5)
            load_before = os.getloadavg()[0]
            timings, codes, elapsed, cpu, client_cpu, workers_cpu = asyncio.run(asyncio.wait_for(
                _load(base, users, rounds, 20261207, think, server.pid, raw, ramp,
                      write_every), timeout))
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=60)
            if server_log is not None:
                server_log.write_text(Path(log.name).read_text())
    if created and not keep:
        _admin(pg, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    total = sum(len(timings[page]) for page in PAGES)
    return {
        "users": users, "rounds": rounds, "workers": workers, "think_s": think,
        "ramp_s": ramp, "write_every_s": write_every, "after_warm_up": after_warm_up,
        "code": str(code) if code else "this worktree", "access_log": access_log,
        "client": "raw" if raw else "httpx", "requests": total,
        "seconds": elapsed, "requests_per_second": total / elapsed,
        "server_cpu_ms_per_request": 1000 * cpu / total if total else None,
        "client_cpu_ms_per_request": 1000 * client_cpu / total if total else None,
        "server_processes_cpu_s": workers_cpu,
        "load_average_before": load_before, "database": name if keep or db else None,
        "pages": {page: {"p50_ms": 1000 * statistics.median(timings[page]),
                         "p95_ms": 1000 * _quantile(timings[page], 0.95),
                         "max_ms": 1000 * max(timings[page]), "n": len(timings[page])}
                  for page in PAGES if timings[page]},
        "second_half_p95_ms": {page: 1000 * _quantile(timings["late " + page], 0.95)
                               for page in PAGES if timings["late " + page]},
        "codes": dict(sorted(codes.items()))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--db", default=None, help="reuse (or fill) this database")
    parser.add_argument("--keep", action="store_true", help="keep the database it created")
    parser.add_argument("--think", type=float, default=0.0,
                        help="mean pause after each page, seconds (0: closed loop)")
    parser.add_argument("--ramp", type=float, default=0.0,
                        help="start the users one after the other over this many seconds "
                             "(user i after i/U of it), as load tools ramp up; 0: all at once")
    parser.add_argument("--write-every", type=float, default=0.0,
                        help="one more coordinator records vital signs for a random "
                             "participant every this many seconds during the load (each write "
                             "moves the data version); 0: no writes")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--code", type=Path, default=None,
                        help="serve the dawna package under this directory instead (e.g. "
                             "`git archive main dawna | tar -x -C DIR`: the figure before)")
    parser.add_argument("--server-log", type=Path, default=None,
                        help="write the server's log (uvicorn, workers) to this file")
    parser.add_argument("--no-access-log", action="store_true",
                        help="serve without uvicorn's line per request")
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw",
                        help="raw: one keep-alive socket per user, a minimal HTTP/1.1 GET "
                             "(default); httpx: an httpx.AsyncClient per user (heavier)")
    parser.add_argument("--trace", type=Path, default=None,
                        help="write every request (seconds from the start, page, latency, "
                             "round) to this file as JSON lines")
    parser.add_argument("--after-warm-up", action="store_true",
                        help="start the load once every worker has built the participants' "
                             "page data (its log's 'page data of ... kept' line; code since "
                             "services/page_warm.py), not as soon as it answers")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = run(args.users, args.rounds, args.workers, args.pg, args.db, args.keep,
                  args.timeout, args.think, args.code, args.server_log,
                  not args.no_access_log, args.client == "raw", args.ramp, args.write_every,
                  args.after_warm_up)
    if args.trace is not None:
        zero = TRACE[0][0]
        args.trace.write_text("".join(
            json.dumps({"at": round(t - zero, 4), "page": page, "seconds": round(d, 4),
                        "round": r}) + "\n" for t, page, d, r in TRACE[1:]))
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"{figures['code']}: "
          f"{figures['users']} users x {figures['rounds']} rounds x 5 pages, think "
          f"{figures['think_s']:g} s, ramp {figures['ramp_s']:g} s, writes every "
          f"{figures['write_every_s']:g} s, "
          f"{'after the warm-up, ' if figures['after_warm_up'] else ''}"
          f"{figures['workers']} workers: {figures['requests']} requests in "
          f"{figures['seconds']:.1f} s = {figures['requests_per_second']:.1f}/s; server CPU "
          f"{figures['server_cpu_ms_per_request']:.1f} ms per request, client "
          f"({figures['client']}) {figures['client_cpu_ms_per_request']:.1f} ms; load before "
          f"{figures['load_average_before']:.2f}; CPU s per server process "
          f"{figures['server_processes_cpu_s']}")
    for page, f in figures["pages"].items():
        print(f"  {page:12s} p50 {f['p50_ms']:7.0f} ms  p95 {f['p95_ms']:7.0f} ms  "
              f"max {f['max_ms']:7.0f} ms  ({f['n']})")
    print("  p95 over the second half of the rounds: " + ", ".join(
        f"{page} {ms:.0f} ms" for page, ms in figures["second_half_p95_ms"].items()))
    print("  status: " + ", ".join(f"{k}: {v}" for k, v in figures["codes"].items()))
    if figures["database"]:
        print(f"  database kept: {figures['database']} (reuse with --db)")


if __name__ == "__main__":
    sys.exit(main())
