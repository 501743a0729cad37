"""Randomizations per second under a burst (issue 19 item 8), with duplicates.

Fires N participants (and D of them a second time, at the same moment) at
``dawna.services.randomization.randomize`` from a pool of threads, on a fresh SQLite file or a
fresh PostgreSQL database, then checks what the test suite checks (each participant allocated
once, duplicates refused with ConflictError, ``allocation.sequence`` 1..N) and prints
randomizations/s. It measures the service (one process; the HTTP layer and the deployment's
worker processes come on top); the tests never time anything.

    .venv/bin/python bench/randomization_burst.py [--n 200] [--dupes 20] [--threads 16]
        [--pg postgresql://postgres@127.0.0.1:5432/postgres] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from helpers import SYSTEM, principal, two_site_trial  # noqa: E402
from randomization_data import CHOICES, STRATA, _signed_eligible  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from dawna.config import Settings  # noqa: E402
from dawna.errors import ConflictError  # noqa: E402
from dawna.services import randomization  # noqa: E402
from dawna.store.db import Database  # noqa: E402
from dawna.store.migrate import upgrade  # noqa: E402
from dawna.store.models import Allocation  # noqa: E402


def _database(pg: str | None, tmp: Path) -> tuple[str, Any]:
    if pg is None:
        url = f"sqlite:///{tmp / 'bench.sqlite3'}"
        return url, None
    import psycopg

    name = f"dawna_bench_{uuid.uuid4().hex[:10]}"
    admin = psycopg.connect(pg, autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    base = pg.rsplit("/", 1)[0]
    return f"{base}/{name}", (admin, name)


def run(n: int, dupes: int, threads: int, pg: str | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        url, cleanup = _database(pg, Path(tmp))
        try:
            upgrade(url)
            settings = Settings(env="test", database_url=url, secret_key="b" * 40)
            db = Database(url)
            two_site_trial(db)
            randomization.generate(db, settings, SYSTEM, "bench list", n // 4 + 10)
            randomization.go_live(db, SYSTEM, "bench go-live")
            ids = _signed_eligible(db, n)
            coord = principal(db, "coord_a")
            requests = [(pid, STRATA[i % 4]) for i, pid in enumerate(ids)]
            for i in range(dupes):  # the duplicate right after its first request
                j = requests.index((ids[i * (n // max(dupes, 1))], STRATA[(i * (n // max(
                    dupes, 1))) % 4]))
                requests.insert(j + 1, requests[j])

            def go(req: tuple[str, dict[str, str]]) -> str:
                try:
                    randomization.randomize(db, settings, coord, req[0], req[1], CHOICES)
                    return "ok"
                except ConflictError:
                    return "409"
                except Exception as exc:  # a 500 in the server
                    return f"error: {exc!r}"

            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=threads) as pool:
                outcomes = list(pool.map(go, requests))
            elapsed = time.perf_counter() - started
            with db.sessions() as s:
                sequences = sorted(s.scalars(select(Allocation.sequence)).all())
                distinct = s.scalar(select(func.count(func.distinct(Allocation.participant_id))))
            db.dispose()
        finally:
            if cleanup is not None:
                admin, name = cleanup
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                admin.close()
    ok = outcomes.count("ok")
    return {"database": "postgresql" if pg else "sqlite", "requests": len(requests),
            "allocated": ok, "conflicts_409": outcomes.count("409"),
            "errors_500": [o for o in outcomes if o.startswith("error")],
            "participants_allocated": distinct, "sequence_1_to_n": sequences == list(
                range(1, ok + 1)), "seconds": round(elapsed, 3),
            "randomizations_per_second": round(ok / elapsed, 1), "threads": threads}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--dupes", type=int, default=20)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--pg", default=None, help="PostgreSQL admin URL (default: SQLite)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args.n, args.dupes, args.threads, args.pg)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>28}: {value}")


if __name__ == "__main__":
    main()
