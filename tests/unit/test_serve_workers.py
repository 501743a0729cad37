"""``dawna serve --workers N`` (issue 23 item 4, issue 19 item 8): uvicorn gets the application
as an import string and a factory, so each worker process builds its own application and
connection pool from the DAWNA_* environment; SQLite is refused more than one worker (its
randomizations are serialised inside one process); several workers on Linux run under
uvicorn's supervisor each on a socket of its own (serving.py; served for real in
tests/e2e/test_served_workers.py)."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from typer.testing import CliRunner

from dawna import serving
from dawna.cli import app
from dawna.config import get_settings

runner = CliRunner()


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []
    monkeypatch.delenv("DAWNA_PRELOAD_ANALYSIS", raising=False)  # serve sets it; undone after
    monkeypatch.delenv("DAWNA_WARM_PAGES", raising=False)  # the same
    # the settings an application made in this process (one worker) would read at that moment
    monkeypatch.setattr(serving, "run", lambda target, **kw: calls.append({
        "target": target, **kw, "settings": get_settings()}))
    get_settings.cache_clear()
    yield calls
    get_settings.cache_clear()


def test_several_workers_on_postgresql_get_the_factory_by_import_string(
        served: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAWNA_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    result = runner.invoke(app, ["serve", "--workers", "5", "--port", "8123"])
    assert result.exit_code == 0, result.output
    [call] = served
    assert call["target"] == "dawna.web.app:create_app" and call["factory"] is True
    assert call["workers"] == 5 and call["port"] == 8123 and call["server_header"] is False
    assert call["timeout_worker_healthcheck"] >= 30  # slow imports are not taken for hangs


def test_sqlite_is_served_by_one_worker(served: list[dict[str, Any]], tmp_path: Any,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from dawna.store.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'one.sqlite3'}"
    upgrade(url)
    monkeypatch.setenv("DAWNA_DATABASE_URL", url)
    refused = runner.invoke(app, ["serve", "--workers", "2"])
    assert refused.exit_code != 0 and "--workers" in refused.output and not served
    assert runner.invoke(app, ["serve"]).exit_code == 0 and served[0]["workers"] == 1


def test_a_database_at_another_schema_version_is_not_served(
        served: list[dict[str, Any]], tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A database one migration behind (0025, before the participants' data versions), or
    never migrated, is refused naming both versions; at the last migration it is served."""
    from dawna.store.migrate import head_revision, upgrade

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    monkeypatch.setenv("DAWNA_DATABASE_URL", url)
    never = runner.invoke(app, ["serve"], env={"COLUMNS": "200"})
    assert never.exit_code != 0 and "schema version -" in never.output and not served
    upgrade(url, "0025")
    behind = runner.invoke(app, ["serve"], env={"COLUMNS": "200"})
    assert behind.exit_code != 0 and not served
    assert f"schema version 0025, this version of dawna serves {head_revision()}" \
        in " ".join(behind.output.split()), behind.output
    upgrade(url)
    assert runner.invoke(app, ["serve"]).exit_code == 0 and len(served) == 1


def test_served_workers_preload_the_analysis_libraries(served: list[dict[str, Any]],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """`dawna serve` asks each worker to import the analysis libraries at its start (the first
    Results page of a worker otherwise pays about a second of imports); an app built without
    it, as in tests, does not."""
    import os
    import subprocess
    import sys

    monkeypatch.setenv("DAWNA_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    get_settings()  # read before `dawna serve` runs: it must not keep what was read then
    assert runner.invoke(app, ["serve", "--workers", "2"]).exit_code == 0
    # one worker: the application is made in this process, from the settings read here
    assert served[0]["settings"].preload_analysis is True
    assert served[0]["settings"].warm_pages is True
    assert os.environ["DAWNA_PRELOAD_ANALYSIS"] == "1"
    assert os.environ["DAWNA_WARM_PAGES"] == "1"  # the participants' page data, at start
    get_settings.cache_clear()
    assert get_settings().preload_analysis is True and get_settings().warm_pages is True
    code = ("import sys\nfrom dawna.web.app import preload_analysis\n"
            "assert 'lifelines' not in sys.modules\npreload_analysis()\n"
            "assert 'lifelines' in sys.modules\n"
            "assert 'matplotlib.backends.backend_svg' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def _recorded(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    """What ``serving.run`` started: ``uvicorn.run``'s arguments, or the supervisor with the
    worker class uvicorn's module names at that moment."""
    import uvicorn
    from uvicorn.supervisors import multiprocess

    started: list[tuple[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: started.append(("uvicorn.run", kw)))

    def supervise(self: Any) -> None:
        started.append(("supervisor", (multiprocess.Process, self.sockets,
                                       self.processes_num, self.config.port)))

    monkeypatch.setattr(multiprocess.Multiprocess, "run", supervise)
    return started


def test_several_workers_each_bind_their_own_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    from uvicorn.supervisors import multiprocess

    started = _recorded(monkeypatch)
    uvicorns = multiprocess.Process
    with socket.socket() as probe:  # a free port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    serving.run("dawna.web.app:create_app", factory=True, host="127.0.0.1", port=port,
                workers=3)
    if serving.reuse_port():
        # the supervisor hands out no socket; each worker binds its own
        assert started == [("supervisor", (serving.OwnSocketWorker, [], 3, port))]
        assert issubclass(serving.OwnSocketWorker, uvicorns)
    else:  # pragma: no cover - not Linux: uvicorn's own workers on one socket
        assert started[0][0] == "uvicorn.run"
    assert multiprocess.Process is uvicorns  # put back


def test_one_worker_or_any_free_port_is_uvicorns_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """Port 0 too: each worker binding its own socket would get a port of its own."""
    started = _recorded(monkeypatch)
    serving.run("dawna.web.app:create_app", factory=True, host="127.0.0.1", port=1,
                workers=1)
    serving.run("dawna.web.app:create_app", host="127.0.0.1", port=0, workers=2)
    assert started == [("uvicorn.run", {"factory": True, "host": "127.0.0.1", "port": 1,
                                        "workers": 1}),
                       ("uvicorn.run", {"host": "127.0.0.1", "port": 0, "workers": 2})]


@pytest.mark.skipif(not serving.reuse_port(), reason="Linux only")
def test_a_port_held_by_any_socket_is_refused_before_a_worker_starts(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Even one bound with SO_REUSEPORT (which the workers' sockets would join)."""
    started = _recorded(monkeypatch)
    for shared in (False, True):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        holder = serving.listening_socket("127.0.0.1", port, shared=shared)
        try:
            holder.listen()
            assert not serving.port_free("127.0.0.1", port)
            with pytest.raises(serving.PortTaken):
                serving.run("x:y", host="127.0.0.1", port=port, workers=2)
        finally:
            holder.close()
        assert serving.port_free("127.0.0.1", port)
    assert started == []
