"""CPU of the audit chain on SQLite (issue 23 item 3, branch chain2): appending N records in one
transaction (what an ODM import's commit does) and checking the chain back (``audit verify``'s
hashing), in a fresh migrated database; and the canonical serialization of one record.

    python bench/audit_chain.py [--n 68000] [--code DIR] [--json]

``--code DIR``: an older ``dawna/`` imported first (the figure before a change). Process CPU
(``time.process_time``); the database is a temporary file, removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if "--code" in sys.argv:
    sys.path.insert(0, str(Path(sys.argv[sys.argv.index("--code") + 1]).resolve()))
else:
    sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=68000)
    parser.add_argument("--code", type=Path, default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    from datetime import UTC, datetime, timedelta

    from sqlalchemy.orm import Session

    from dawna.store import audit_chain, audit_verify
    from dawna.store.db import Database

    out: dict[str, float | int] = {"records": args.n}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/chain.sqlite3"
        code = str(args.code.resolve()) if args.code else str(ROOT)
        subprocess.run([sys.executable, "-m", "dawna.cli", "db", "upgrade"], check=True,
                       capture_output=True, env=os.environ | {
                           "DAWNA_DATABASE_URL": url, "DAWNA_ENV": "test", "PYTHONPATH": code})
        db = Database(url)
        t0 = datetime(2026, 3, 1, tzinfo=UTC)
        rows = [{"at": t0 + timedelta(seconds=i // 7), "actor_id": 7, "actor": "alice",
                 "action": "update", "table_name": "lab_result", "row_id": str(i),
                 "site_id": 1 + i % 3, "field": "value",
                 "old_value": None if i % 4 == 0 else str(i), "new_value": f"{i}.5 不良",
                 "reason": "import"} for i in range(args.n)]
        with db.engine.begin() as conn:
            start = time.process_time()
            audit_chain.append(conn, rows)
            out["append_cpu_s"] = round(time.process_time() - start, 3)
        with Session(db.engine) as s:
            start = time.process_time()
            problems = audit_verify.check_chain(s)
            out["check_chain_cpu_s"] = round(time.process_time() - start, 3)
            assert problems == [], problems
        db.dispose()
    record = dict(rows[1], prev_hash=None, hash=None)
    prev = audit_chain.GENESIS
    out["canonical_us"] = round(min(timeit.repeat(lambda: audit_chain.canonical(prev, record),
                                                  number=20000, repeat=5)) / 20000 * 1e6, 2)
    out["load_1"] = os.getloadavg()[0]
    if args.json:
        print(json.dumps(out))
    else:
        for key, value in out.items():
            print(f"{key:>20}: {value}")


if __name__ == "__main__":
    main()
