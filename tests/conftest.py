"""Shared fixtures: fresh databases (SQLite file and PostgreSQL), settings, principals.

PostgreSQL: one migrated template database per run, then a fresh database per test created from
it and dropped afterwards, both off the test's path (``pg_pool``, tests/pg_pool.py). Unreachable
PostgreSQL skips those tests locally but fails under ``CI=true``, where they must run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from demo_build import DEMO_FILE, FAILED_FILE, no_flush_to_disk
from pg_pool import PG_ADMIN, Pool
from pg_pool import admin_conn as _pg_admin_conn
from pg_pool import url_of as _pg_url
from scheduling import arrange
from sqlalchemy import event
from sqlalchemy.engine import Engine

from dawna.config import Settings, get_settings
from dawna.store.db import Database
from dawna.store.migrate import upgrade

#: ``flush_barrier`` (two requests at the same moment) for the concurrency tests.
pytest_plugins = ["races"]
# Password hashes in tests: Argon2id with the cheapest parameters (0.1 s less per user and login;
# the setting is refused in production, tests/unit/test_access_and_config.py). Set before any
# ``get_settings()`` and inherited by the command-line subprocesses.
os.environ.setdefault("DAWNA_PASSWORD_HASH_COST", "test")
get_settings.cache_clear()



event.listen(Engine, "connect", no_flush_to_disk)  # tests/demo_build.py says why


IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="session")
def pg_pool() -> Iterator[Any]:
    """Each test's PostgreSQL database made ahead of need and dropped in the background
    (tests/pg_pool.py); whatever it made is dropped at the end of the session."""
    try:
        _pg_admin_conn().close()
    except Exception as exc:  # pragma: no cover - depends on the machine
        if IN_CI:
            pytest.fail(f"PostgreSQL unreachable at {PG_ADMIN} under CI=true: {exc}")
        pytest.skip(f"PostgreSQL unreachable at {PG_ADMIN}: {exc}")
    pool = Pool(_pg_admin_conn, _pg_url)
    yield pool
    pool.close()


@pytest.fixture(scope="session")
def pg_template(pg_pool: Any) -> Iterator[str]:
    conn = _pg_admin_conn()
    name = f"dawna_tpl_{uuid.uuid4().hex[:10]}"
    conn.execute(f'CREATE DATABASE "{name}"')
    try:
        upgrade(_pg_url(name))
        yield name
    finally:
        pg_pool.forget(name)
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tpl") / "template.sqlite3"
    upgrade(f"sqlite:///{path}")
    return path


class _DemoBuild:
    """The run's one demo load (tests/demo_build.py), in a subprocess started by whichever test
    process first finds a test reading it; every process waits for the file only when a test
    needs it."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        try:
            os.close(os.open(self.dir / "started", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return  # another worker started it
        root = Path(__file__).resolve().parent
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            [str(root), str(root.parent), os.environ.get("PYTHONPATH", "")]))
        with open(self.dir / "build.log", "wb") as log:
            self.proc = subprocess.Popen([sys.executable, str(root / "demo_build.py"),
                                          str(self.dir)], env=env, stdout=log,
                                         stderr=subprocess.STDOUT)

    def wait(self) -> Path:
        self.start()
        done, failed = self.dir / DEMO_FILE, self.dir / FAILED_FILE
        deadline = time.monotonic() + 1800
        while not done.exists():
            if failed.exists():
                pytest.fail(f"the demo load failed:\n{failed.read_text(encoding='utf-8')}")
            if self.proc is not None and self.proc.poll() not in (None, 0):
                pytest.fail(f"the demo load exited with {self.proc.returncode}, "
                            f"see {self.dir / 'build.log'}")
            if time.monotonic() > deadline:
                pytest.fail(f"no demo after 30 minutes in {self.dir}")
            time.sleep(0.1)
        return done

    def finish(self, interrupted: bool) -> None:
        if self.proc is not None and self.proc.poll() is None:
            if interrupted:
                self.proc.kill()
            self.proc.wait()  # another worker may still be waiting for it


_DEMO_BUILD = pytest.StashKey[_DemoBuild]()


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist's controller: every worker builds or reads the demo in one directory."""
    base = node.config._tmp_path_factory.getbasetemp()
    node.workerinput["dawna_demo_dir"] = str(base / "demo")


def _demo_build(config: pytest.Config) -> _DemoBuild:
    if _DEMO_BUILD not in config.stash:
        shared = getattr(config, "workerinput", {}).get("dawna_demo_dir")
        directory = Path(shared) if shared else \
            config._tmp_path_factory.getbasetemp() / "demo"  # type: ignore[attr-defined]
        config.stash[_DEMO_BUILD] = _DemoBuild(directory)
    return config.stash[_DEMO_BUILD]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _DEMO_BUILD in session.config.stash:
        session.config.stash[_DEMO_BUILD].finish(exitstatus == pytest.ExitCode.INTERRUPTED)


@pytest.fixture(scope="session")
def demo_template(request: pytest.FixtureRequest) -> Path:
    """A SQLite file holding the simulated demo trial scaled to 32 participants as it stood at
    the end of helpers.DEMO_AS_OF (tests/demo_build.py), loaded once per test run in a
    subprocess; tests copy it. The modules reading it run on that day (``_demo_day``)."""
    return _demo_build(request.config).wait()


_DEMO_MODULES = pytest.StashKey[set[str]]()


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist names each test's group in its node id
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # pytest-xdist (``--dist loadgroup``) schedules by node id: a test sharing another's id would
    # silently not run (schemathesis' unparametrized items did), so a repeated id stops the run.
    seen: set[str] = set()
    twice = sorted({item.nodeid for item in items if item.nodeid in seen or seen.add(item.nodeid)})
    if twice:
        raise pytest.UsageError(f"tests collected twice under one node id: {twice[:5]}")
    arrange(items)  # long work first, demo modules shared by the workers (tests/scheduling.py)


    config.stash[_DEMO_MODULES] = {item.module.__name__ for item in items
                                   if isinstance(item, pytest.Function)
                                   and "demo_template" in item.fixturenames}


class _GroupsNamed:
    """Under ``--dist loadgroup`` pytest-xdist sends the tests of one ``xdist_group`` to one
    worker by adding ``@group`` to their node ids in the workers' collection. With pytest 9.2 that
    addition had no effect (the node id is read from elsewhere since), so every group was split
    over both workers and each built the group's module set-up (a served trial, a demo copy, a
    Chromium) again. Refuse such a run rather than let it pass slower and unnoticed."""

    @pytest.hookimpl(trylast=True)  # after pytest-xdist's own hook
    def pytest_collection_modifyitems(self, config: pytest.Config,
                                      items: list[pytest.Item]) -> None:
        if not getattr(config.option, "loadgroup", False):
            return
        unnamed = [item.nodeid for item in items
                   if item.get_closest_marker("xdist_group") is not None
                   and "@" not in item.nodeid.rsplit("]", 1)[-1]]
        if unnamed:
            message = (f"pytest-xdist did not name the xdist_group of {len(unnamed)} tests in "
                       f"their node ids (e.g. {unnamed[0]}): the groups would be split over "
                       "the workers; see the pytest pin in pyproject.toml")
            print(f"\nERROR: {message}", file=sys.stderr, flush=True)  # xdist shows no more
            raise pytest.UsageError(message)


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):  # a pytest-xdist worker
        config.pluginmanager.register(_GroupsNamed(), "dawna-xdist-groups-named")


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """Once the tests to run are known (``-k`` and ``-m`` applied): when one reads the demo,
    its load starts (in the first process to get here)."""
    if not session.config.option.collectonly and any(
            isinstance(item, pytest.Function) and "demo_template" in item.fixturenames
            for item in session.items):
        _demo_build(session.config).start()


@pytest.fixture(scope="module", autouse=True)
def _demo_day(request: pytest.FixtureRequest) -> Iterator[None]:
    """In a module with a test reading ``demo_template``, the application's clock runs on the
    evening of the demo's day (helpers.on_demo_day) for all its set-ups and tests: the demo's
    last events are an hour old, as they would be for a demo loaded today."""
    if request.module.__name__ not in request.config.stash.get(_DEMO_MODULES, set()):
        yield
        return
    from helpers import on_demo_day

    with on_demo_day():
        yield


def _trial_stage(request: pytest.FixtureRequest) -> str:
    """The trial template a test's ``trial`` holds (``list_live`` in a module so marked)."""
    return "list_live" if request.node.get_closest_marker("list_live") is not None else "two_site"


def _on_trial(request: pytest.FixtureRequest) -> bool:
    """The test's ``trial`` is the one below (not a module's own fixture of that name)."""
    defs = request.node._fixtureinfo.name2fixturedefs.get("trial", ())
    return bool(defs) and getattr(defs[-1].func, "__module__", "") == __name__ \
        and defs[-1].func.__name__ == "trial"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A freshly migrated, empty database of each kind; for a test using ``trial``, made at
    once from the trial's template (one database created per test instead of two)."""
    backend = str(request.param)
    templates = request.getfixturevalue("trial_templates") if _on_trial(request) else None
    stage = _trial_stage(request)
    if backend == "sqlite":
        target = tmp_path / "dawna.sqlite3"
        shutil.copy(templates.get(backend, stage) if templates else
                    request.getfixturevalue("sqlite_template"), target)
        url = f"sqlite:///{target}"
        if templates:
            templates.made_from[str(target)] = stage
        yield url
    elif templates:
        for url in request.getfixturevalue("pg_pool").fresh(templates.get(backend, stage)):
            templates.made_from[url.rsplit("/", 1)[1]] = stage
            yield url
    else:
        yield from request.getfixturevalue("pg_pool").fresh(request.getfixturevalue("pg_template"))


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def sqlite_db(tmp_path: Path, sqlite_template: Path) -> Iterator[Database]:
    """SQLite only, for the web and CLI tests (storage itself is tested on both)."""
    target = tmp_path / "web.sqlite3"
    shutil.copy(sqlite_template, target)
    database = Database(f"sqlite:///{target}")
    yield database
    database.dispose()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(env="test", database_url=f"sqlite:///{tmp_path / 'unused.sqlite3'}",
                    secret_key="t" * 40, lockout_failures=5, lockout_minutes=15)


# --- The two-site trial, copied from a template made once per test process -----------------
# helpers.two_site_trial (two sites, seven users) and, for modules marked ``list_live``, the
# randomization list generated and taken live: built once per worker and backend, then copied
# into each test's database (a file copy on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL)
# instead of being written again through the services for every test (issue 23 item 6).

class _TrialTemplates:
    def __init__(self, request: pytest.FixtureRequest, root: Path) -> None:
        self._request = request
        self._root = root
        self._made: dict[tuple[str, str], str] = {}
        self._pg: list[str] = []
        self._pool: Any = None
        #: databases (file path or PostgreSQL name) that ``db_url`` made from a template
        self.made_from: dict[str, str] = {}

    def get(self, backend: str, stage: str) -> str:
        """The SQLite file path or the PostgreSQL database name of ``stage`` (``two_site`` or
        ``list_live``) on ``backend``."""
        key = (backend, stage)
        if key not in self._made:
            self._made[key] = self._build(backend, stage)
        return self._made[key]

    def _build(self, backend: str, stage: str) -> str:
        from helpers import SYSTEM, two_site_trial

        from dawna.services import randomization

        source = (self.get(backend, "two_site") if stage == "list_live" else
                  str(self._request.getfixturevalue(
                      "sqlite_template" if backend == "sqlite" else "pg_template")))
        if backend == "sqlite":
            target = str(self._root / f"{stage}.sqlite3")
            shutil.copy(source, target)
            url = f"sqlite:///{target}"
        else:
            target = f"dawna_tpl_{stage}_{uuid.uuid4().hex[:8]}"
            self._pool = self._request.getfixturevalue("pg_pool")
            with _pg_admin_conn() as conn:
                conn.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
            self._pg.append(target)
            url = _pg_url(target)
        db = Database(url)
        try:
            if stage == "two_site":
                two_site_trial(db)
            else:
                settings = Settings(env="test", database_url=url, secret_key="t" * 40)
                randomization.generate(db, settings, SYSTEM, "list for the test")
                randomization.go_live(db, SYSTEM, "go live for the test")
        finally:
            db.dispose()
        return target

    def copy_into(self, db: Database, stage: str) -> Database:
        """Replace the contents of ``db`` (a fresh test database) with the template ``stage``;
        the same object is returned, so fixtures and tests that hold it see the trial."""
        backend = "sqlite" if db.dialect == "sqlite" else "postgresql"
        name = db.engine.url.database or ""
        if self.made_from.get(name) == stage:
            return db  # db_url made it from this template already
        template = self.get(backend, stage)
        db.dispose()
        if backend == "sqlite":
            for suffix in ("-wal", "-shm"):
                Path(name + suffix).unlink(missing_ok=True)
            shutil.copy(template, name)
        else:
            with _pg_admin_conn() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return db

    def close(self) -> None:
        if self._pg:
            with _pg_admin_conn() as conn:
                for name in self._pg:
                    self._pool.forget(name)
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def trial_templates(request: pytest.FixtureRequest,
                    tmp_path_factory: pytest.TempPathFactory) -> Iterator[_TrialTemplates]:
    templates = _TrialTemplates(request, tmp_path_factory.mktemp("trial-templates"))
    yield templates
    templates.close()


@pytest.fixture
def trial(request: pytest.FixtureRequest, db: Database,
          trial_templates: _TrialTemplates) -> Database:
    """``db`` (SQLite and PostgreSQL) holding helpers.two_site_trial; in a module marked
    ``pytestmark = pytest.mark.list_live`` also the randomization list, generated and live
    (``randomization.generate`` and ``go_live`` by helpers.SYSTEM)."""
    return trial_templates.copy_into(db, _trial_stage(request))
