"""What a new application costs before it answers at full speed (web/app.py
``included_routers``): the CPU of ``create_app`` and of its first requests (the login page,
the participant list, then the JSON list, the safety list and the exports page), then the same
five requests again, for ``--apps`` applications created one after the other in this process,
as the tests create them. FastAPI prepares an included router's routes on the first request
that reaches them; with the routers shared by the applications of a process, only the first
application pays it.

    .venv/bin/python bench/app_prepare.py [--apps 4] [--code DIR]

``--code DIR``: import the dawna package under DIR instead (``git archive <commit> dawna | tar
-x -C DIR``: the figure before). Uses a fresh SQLite database in a temporary directory.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--apps", type=int, default=4)
    parser.add_argument("--code", type=Path, default=None)
    args = parser.parse_args()
    sys.path.insert(0, str((args.code or ROOT).resolve()))
    folder = tempfile.mkdtemp(prefix="dawna_app_prepare_")
    os.environ.update({"DAWNA_SECRET_KEY": "bench-" + "x" * 40, "DAWNA_ENV": "test",
                       "DAWNA_DATABASE_URL": f"sqlite:///{folder}/app.sqlite3"})
    from fastapi.testclient import TestClient

    from dawna.config import get_settings
    from dawna.store.migrate import upgrade
    from dawna.web.app import create_app

    upgrade(os.environ["DAWNA_DATABASE_URL"], "head")
    settings = get_settings()
    paths = ("/login", "/participants", "/api/participants", "/safety", "/exports")
    print(f"dawna from {(args.code or ROOT).resolve()}; CPU seconds (time.process_time)")
    for n in range(1, args.apps + 1):
        started = time.process_time()
        client = TestClient(create_app(settings), raise_server_exceptions=False)
        created = time.process_time()
        for path in paths:
            client.get(path)
        first = time.process_time()
        for path in paths:
            client.get(path)
        again = time.process_time()
        client.close()
        print(f"application {n}: create_app {created - started:.3f} s, first five requests "
              f"{first - created:.3f} s, the same five again {again - first:.3f} s")


if __name__ == "__main__":
    main()
