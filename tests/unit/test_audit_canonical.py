"""The audit chain's serialization (``docs/audit-trail.md``) is byte for byte what it was.

``reference`` below is the serialization as written before it was made faster (issue 23 item 3):
``json.dumps`` of the typed list with ``strftime`` for the time. Every hash already stored was
computed that way, so the current code must produce exactly the same bytes on awkward values.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from dawna.store import audit_chain
from dawna.store.audit_chain import FIELDS

TEXTS = ['say "no"', "back\\slash", "line\nbreak\ttab\r", "不良事件 3 级", "🙂", "\u2028\u2029",
         "", " ", "\x00\x1f\x7f", "é", "\ud7ff\ue000\uffff", "𝔘𝔫𝔦", "<>&'", "null", "1e3",
         "a" * 5000]
LONDON = ZoneInfo("Europe/London")
TIMES = [
    datetime(2026, 3, 1, 2, 30, 0, 5, tzinfo=UTC),
    datetime(2026, 3, 1, 2, 30, 0, 0, tzinfo=UTC),
    datetime(2026, 3, 1, 10, 30, 59, 999999, tzinfo=timezone(timedelta(hours=8))),
    datetime(2026, 3, 1, 10, 30, tzinfo=timezone(timedelta(hours=-3, minutes=-30))),
    datetime(2026, 3, 1, 10, 30, 1, 7),  # naive: read as UTC
    datetime(2026, 10, 25, 1, 30, tzinfo=LONDON, fold=0),  # the hour the clock goes back
    datetime(2026, 10, 25, 1, 30, tzinfo=LONDON, fold=1),
    datetime(2026, 10, 25, 0, 30, tzinfo=UTC, fold=1),
    datetime(999, 12, 31, 23, 59, 59, tzinfo=UTC),
    datetime(1, 1, 2, tzinfo=UTC),
    datetime(1000, 1, 1, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2000, 2, 29, tzinfo=timezone(timedelta(hours=14))),
]
NUMBERS = [None, 0, 1, -1, 7, 2**31, 2**63 + 1, True, "12"]


def reference(prev_hash: str, record: dict[str, Any]) -> bytes:
    values: list[Any] = [prev_hash]
    for name in FIELDS:
        value = record.get(name)
        if name == "at":
            if value.tzinfo is None:
                value = value.replace(tzinfo=UTC)
            value = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        elif name in ("actor_id", "site_id"):
            value = None if value is None else int(value)
        elif value is not None:
            value = str(value)
        values.append(value)
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _records() -> list[dict[str, Any]]:
    out = []
    for i in range(max(len(TEXTS), len(TIMES), len(NUMBERS)) * 3):
        text = TEXTS[i % len(TEXTS)]
        out.append({
            "at": TIMES[i % len(TIMES)], "actor_id": NUMBERS[i % len(NUMBERS)],
            "actor": text if i % 2 else "alice", "action": "update", "table_name": "site",
            "row_id": i, "site_id": NUMBERS[(i + 3) % len(NUMBERS)],
            "field": None if i % 5 == 0 else "name",
            "old_value": None if i % 3 == 0 else text, "new_value": text[::-1],
            "reason": TEXTS[(i + 1) % len(TEXTS)],
        })
    out.append({"at": TIMES[0]})  # every other field missing: null
    return out


@pytest.mark.parametrize("prev_hash", [audit_chain.GENESIS, "ab" * 32, "", "不"])
def test_canonical_bytes_are_unchanged(prev_hash: str) -> None:
    for record in _records():
        expected = reference(prev_hash, record)
        assert audit_chain.canonical(prev_hash, record) == expected
        values = tuple(record.get(name) for name in FIELDS)
        assert audit_chain.canonical_values(prev_hash, values) == expected
        assert audit_chain.values_hash(prev_hash, values) == hashlib.sha256(expected).hexdigest()
        assert audit_chain.record_hash(prev_hash, record) == hashlib.sha256(expected).hexdigest()
        assert audit_chain._joined(prev_hash, audit_chain._tail(record)) == expected


def test_time_text_is_strftimes() -> None:
    for at in TIMES * 2:  # twice: the second time from the cache of recent times
        aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
        assert audit_chain.time_text(at) == aware.astimezone(UTC).strftime(
            "%Y-%m-%dT%H:%M:%S.%fZ")
        assert audit_chain._time_text(at) == audit_chain.time_text(at)
    # the two readings of the repeated hour are an hour apart, whatever was asked before
    fold0, fold1 = TIMES[5], TIMES[6]
    assert audit_chain._time_text(fold0) == "2026-10-25T00:30:00.000000Z"
    assert audit_chain._time_text(fold1) == "2026-10-25T01:30:00.000000Z"
