"""The client address recorded with login events (issue 19 item 4): the peer address as the
server sees it (behind a reverse proxy, run uvicorn with ``--proxy-headers`` and
``--forwarded-allow-ips`` so this is the user's address, not the proxy's)."""

from __future__ import annotations

from fastapi import Request


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None
