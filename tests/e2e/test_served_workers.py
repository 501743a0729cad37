"""``dawna serve --workers 2`` as deployed (issue 23 item 4, serving.py): each worker
listens on a socket of its own (``SO_REUSEPORT``), so the kernel shares the connections of many
users arriving at once between both workers, instead of the first worker to wake taking them
all; a worker that dies is replaced by one that listens again; a second server on the same
port is refused, not let into the group to take part of the users.

Read from ``/proc`` (Linux, as the feature): which process holds which listening and
connected socket. Nothing is timed: the waits are for a state, with a generous deadline."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from typer.testing import CliRunner

from dawna import serving
from dawna.cli import app
from dawna.config import get_settings

pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(not serving.reuse_port(), reason="SO_REUSEPORT shares "
                                 "connections on Linux only; elsewhere uvicorn's own workers")]

T = TypeVar("T")
SECRET = "served-workers-test-" + "s" * 40
CONNECTIONS = 40  # all on one worker by chance: 2 x 2**-40


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _sockets(port: int) -> dict[int, str]:
    """Every IPv4 TCP socket on local port ``port``: its inode and state (0A listening,
    01 connected)."""
    found = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].rsplit(":", 1)[1], 16) == port:
            found[int(fields[9])] = fields[3]
    return found


def _held(pid: int) -> set[int]:
    """The inodes of the sockets process ``pid`` holds."""
    inodes = set()
    fd_dir = Path(f"/proc/{pid}/fd")
    for fd in fd_dir.iterdir() if fd_dir.exists() else ():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


def _by_worker(server: int, port: int, state: str) -> dict[int, int]:
    """For each child of ``server``: how many of its sockets on ``port`` are in ``state``
    (TIME_WAIT sockets, held by no process, have inode 0 and are never counted)."""
    on_port = _sockets(port)
    return {child: sum(1 for inode in _held(child) if on_port.get(inode) == state)
            for child in _children(server)}


def _until(what: str, read: Callable[[], T], ok: Callable[[T], bool],
           deadline_s: float = 180.0) -> T:
    """``read()`` again until ``ok`` of it (then that reading), failing after ``deadline_s``.
    Every reading of sockets is polled so: the kernel writes ``/proc/net/tcp`` in pieces, and
    with other tests opening and closing connections a reading may miss a socket."""
    deadline = time.monotonic() + deadline_s
    while True:
        value = read()
        if ok(value):
            return value
        assert time.monotonic() < deadline, f"never happened: {what}: last {value}"
        time.sleep(0.2)


def _listeners(server: int, port: int) -> list[int]:
    return sorted(pid for pid, n in _by_worker(server, port, "0A").items() if n == 1)


def _listening(port: int) -> int:
    return sum(1 for state in _sockets(port).values() if state == "0A")


def _get(port: int) -> socket.socket:
    """A connection that has asked for the login page and read its whole answer (kept open)."""
    conn = socket.create_connection(("127.0.0.1", port))
    conn.sendall(b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data:
        data += conn.recv(65536)
    head, body = data.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 200"), head
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length:"))
    while len(body) < length:
        body += conn.recv(65536)
    return conn


@pytest.fixture(scope="module")
def served(pg_pool: object, pg_template: str) -> Iterator[tuple[subprocess.Popen[bytes], int,
                                                                str]]:
    [url] = list(pg_pool.fresh(pg_template))  # type: ignore[attr-defined]
    port = _free_port()
    env = os.environ | {"DAWNA_DATABASE_URL": url, "DAWNA_SECRET_KEY": SECRET,
                        "DAWNA_ENV": "test", "DAWNA_PRELOAD_ANALYSIS": "0",
                        "DAWNA_WARM_PAGES": "0"}
    server = subprocess.Popen([sys.executable, "-m", "dawna", "serve", "--workers", "2",
                               "--port", str(port), "--no-access-log"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _until("two workers listening", lambda: _listeners(server.pid, port),
               lambda found: len(found) == 2 or server.poll() is not None)
        assert server.poll() is None, "the server stopped"
        yield server, port, url
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:  # pragma: no cover - only if it hangs
            server.kill()
            server.wait()


def test_each_worker_listens_and_takes_a_share_of_the_connections(
        served: tuple[subprocess.Popen[bytes], int, str]) -> None:
    server, port, _url = served
    workers = _until("two workers listening, two sockets", lambda: (
        _listeners(server.pid, port), _listening(port)), lambda got: len(got[0]) == 2
        and got[1] == 2)[0]
    assert not _held(server.pid) & set(_sockets(port))  # the supervisor holds none
    opened = [_get(port) for _ in range(CONNECTIONS)]
    try:
        # both took some (all on one worker by chance: 2 x 2**-40); polled, as every reading
        _until("each worker holding some of the connections",
               lambda: _by_worker(server.pid, port, "01"),
               lambda held: sum(held.values()) == CONNECTIONS
               and all(held.get(w, 0) > 0 for w in workers), deadline_s=60)
    finally:
        for conn in opened:
            conn.close()


def test_a_dead_worker_is_replaced_by_one_listening_again(
        served: tuple[subprocess.Popen[bytes], int, str]) -> None:
    server, port, _url = served
    dead, alive = _until("two workers listening", lambda: _listeners(server.pid, port),
                         lambda found: len(found) == 2)
    os.kill(dead, signal.SIGKILL)
    now = _until("a new worker listening beside the one alive",
                 lambda: _listeners(server.pid, port),
                 lambda found: len(found) == 2 and alive in found and dead not in found)
    [replaced] = [w for w in now if w != alive]
    opened = [_get(port) for _ in range(CONNECTIONS)]
    try:
        _until("both workers holding some of the connections",
               lambda: _by_worker(server.pid, port, "01"),
               lambda held: sum(held.values()) == CONNECTIONS
               and held.get(replaced, 0) > 0 and held.get(alive, 0) > 0, deadline_s=60)
    finally:
        for conn in opened:
            conn.close()


def test_a_second_server_on_the_same_port_is_refused(
        served: tuple[subprocess.Popen[bytes], int, str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Bound with SO_REUSEPORT, it would join the workers' group and take part of the users."""
    server, port, url = served
    before = _until("two workers listening", lambda: _listeners(server.pid, port),
                    lambda found: len(found) == 2)
    monkeypatch.setenv("DAWNA_DATABASE_URL", url)
    monkeypatch.setenv("DAWNA_SECRET_KEY", SECRET)
    get_settings.cache_clear()
    try:
        refused = CliRunner().invoke(app, ["serve", "--workers", "2", "--port", str(port)],
                                     env={"COLUMNS": "200"})
    finally:
        get_settings.cache_clear()
    assert refused.exit_code == 2, refused.output
    assert f"127.0.0.1:{port} is in use" in " ".join(refused.output.split())
    assert "--port" in refused.output
    # the same two workers, and no third socket joined them
    _until("the same two listening", lambda: (_listeners(server.pid, port), _listening(port)),
           lambda got: got == (before, 2), deadline_s=30)
