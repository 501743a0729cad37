"""Coming back after a query step (issue 20 item 1): the monitor who raises a query or verifies
a form from the form status grid returns to the page they came from (``next``, a path of this
site only); the coordinator who opens a query's form to correct the value carries the query
along (``?query=<id>``), and the correction's save goes back to the query's answer.
"""

from __future__ import annotations

from urllib.parse import urlsplit

__all__ = ["answer_url", "local_path", "with_param", "with_query"]


def local_path(raw: str | None, default: str) -> str:
    """``raw`` when it is a path on this site (``/...``, no scheme, host or backslash), else
    ``default``: a ``next`` parameter never sends a user elsewhere."""
    if not raw or not raw.startswith("/") or raw.startswith("//") or "\\" in raw:
        return default
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in raw):
        return default
    return raw


def with_param(url: str, name: str, value: object) -> str:
    """``url`` with ``name=value`` added to its query string (before any ``#fragment``)."""
    path, hash_, fragment = url.partition("#")
    joined = f"{path}{'&' if '?' in path else '?'}{name}={value}"
    return f"{joined}{hash_}{fragment}"


def with_query(url: str, query_id: int) -> str:
    """The form page ``url`` opened for query ``query_id`` (its save returns to the query)."""
    return with_param(url, "query", query_id)


def answer_url(raw: str | None, default: str) -> str:
    """Where a form's save goes: the answer of query ``raw`` when the page was opened for one,
    else ``default``."""
    if raw and raw.isdigit():
        return f"/queries/{int(raw)}?corrected=1#answer"
    return default
