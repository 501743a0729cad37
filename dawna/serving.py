"""``dawna serve``'s worker processes: one listening socket per worker (``SO_REUSEPORT``), so the
kernel shares new connections evenly between the workers (issue 23 item 4).

uvicorn's own supervisor (``uvicorn.run(..., workers=N)``) binds one socket and hands it to
every worker. Each worker's event loop, woken by a waiting connection, accepts every connection
it finds waiting (uvloop and asyncio both accept in a loop until none is left), and keeps each
one for its keep-alive requests. When many users arrive at once, the first worker to wake takes
most of them: in the 50-user benchmark one worker did 77 % of the work while the other core sat
half idle (``bench/README.md``, 2026-12-07 20:03 UTC: 17.2 against 5.0 CPU seconds). With
``SO_REUSEPORT`` each worker binds a socket of its own to the same address, and Linux gives each
new connection to one of them by a hash of its addresses and ports: as many connections each,
whoever wakes first (socket(7), ``SO_REUSEPORT``; nginx's ``listen ... reuseport``).

What it costs, and how it is kept safe:
- Connections waiting in a worker's own queue when that worker dies are reset; the new worker
  binds its own socket. With one shared socket they would wait for another worker. Workers
  die only on a crash or an out-of-memory kill; a restart of the whole service (``systemctl
  restart``) closes every connection either way.
- Any process of the same user may join the group of sockets on that port with
  ``SO_REUSEPORT``, and would then get a share of the connections: a second ``dawna serve`` on
  the same port (an older version forgotten, say) would serve part of the users silently.
  Before it starts the workers, :func:`run` binds the port without ``SO_REUSEPORT``, which
  fails while any socket holds it, and refuses to start (``PortTaken``); while the workers run,
  the same check makes any second ``dawna serve`` refuse.
- Linux only: elsewhere ``SO_REUSEPORT`` does not share connections (BSD and macOS give them
  all to one socket), so there, and with one worker, uvicorn's own supervisor runs as before.

The rest is uvicorn's supervisor unchanged (``uvicorn.supervisors.Multiprocess``: the health
checks, a dead worker replaced, SIGHUP restarts, SIGTERM and SIGINT stop): only the worker it
starts is :class:`OwnSocketWorker`, which binds its own socket before it serves.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import socket
import sys
from collections.abc import Iterator
from typing import Any

from uvicorn.supervisors.multiprocess import Process as UvicornWorker

__all__ = ["OwnSocketWorker", "PortTaken", "listening_socket", "port_free", "reuse_port",
           "run"]

logger = logging.getLogger("uvicorn.error")


class PortTaken(OSError):
    """Another socket holds the address: another server is listening there."""


def reuse_port() -> bool:
    """Whether the kernel shares connections between sockets bound with ``SO_REUSEPORT``
    (Linux 3.9 and later)."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET  # as uvicorn's bind_socket


def listening_socket(host: str, port: int, *, shared: bool) -> socket.socket:
    """A TCP socket bound to ``host``:``port`` (not yet listening: the worker's server calls
    ``listen`` with uvicorn's backlog), with ``SO_REUSEPORT`` when ``shared``."""
    sock = socket.socket(_family(host), socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # past TIME_WAIT, as uvicorn
        if shared:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def port_free(host: str, port: int) -> bool:
    """Whether no socket holds ``host``:``port``: a bind without ``SO_REUSEPORT`` fails while
    any socket, with it or not, is bound there."""
    try:
        listening_socket(host, port, shared=False).close()
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            return False
        raise
    return True


class OwnSocketWorker(UvicornWorker):
    """uvicorn's worker process, serving on a socket it binds itself with ``SO_REUSEPORT``
    instead of the supervisor's (which hands it none)."""

    def target(self, sockets: list[socket.socket] | None = None) -> None:  # pragma: no cover
        # runs in the worker process (coverage does not follow it; tests/e2e test it served)
        from uvicorn.config import STARTUP_FAILURE

        config = self.config
        try:
            sock = listening_socket(config.host, config.port, shared=True)
        except OSError as exc:
            # uvicorn's supervisor stops on this exit code instead of restarting the worker
            logger.error("cannot bind %s:%s: %s", config.host, config.port, exc)
            sys.exit(STARTUP_FAILURE)
        super().target([sock])


@contextlib.contextmanager
def _own_socket_workers() -> Iterator[None]:
    """uvicorn's supervisor starting :class:`OwnSocketWorker` where it starts a worker (it names
    its worker class ``Process`` in its module: at start, on a worker's death, SIGHUP and
    SIGTTIN); put back after."""
    from uvicorn.supervisors import multiprocess

    before = multiprocess.Process
    setattr(multiprocess, "Process", OwnSocketWorker)  # noqa: B010 (a class, for mypy)
    try:
        yield
    finally:
        setattr(multiprocess, "Process", before)  # noqa: B010


def run(app: str, *, host: str, port: int, workers: int, **options: Any) -> None:
    """Serve ``app`` (an import string) on ``host``:``port`` with ``workers`` processes: with
    more than one on Linux, each on its own ``SO_REUSEPORT`` socket under uvicorn's supervisor;
    otherwise (and for port 0, any free port) ``uvicorn.run``. ``options``: uvicorn's
    ``Config`` settings. Raises :class:`PortTaken` when a socket already holds the address."""
    import uvicorn

    # port 0 (any free port) would give each worker a port of its own: one shared socket then
    if workers <= 1 or port == 0 or not reuse_port():
        uvicorn.run(app, host=host, port=port, workers=workers, **options)
        return
    from uvicorn.supervisors import Multiprocess

    if not port_free(host, port):
        raise PortTaken(errno.EADDRINUSE, f"{host}:{port} is in use")
    config = uvicorn.Config(app, host=host, port=port, workers=workers, **options)
    with _own_socket_workers():
        Multiprocess(config, sockets=[]).run()
