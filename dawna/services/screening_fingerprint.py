"""The fingerprint an investigator's eligibility signature keeps of the screening record
(``eligibility_signature.record_sha256``): SHA-256 of the record as canonical JSON (keys sorted,
UTF-8), so that a change of the record after signing is seen (21 CFR 11.70: the signature is
linked to the record it signs; docs/regulations/21cfr11-signatures.md)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from dawna.rules.screening_record import ScreeningRecord

__all__ = ["LATER_FIELDS", "NOT_SIGNED", "fingerprint"]

#: Fields added to the record after signatures were first stored (issue 18): left out of the
#: signed document while empty, so a record signed before they existed keeps its fingerprint.
#: A new field of the record must be added here, or to NOT_SIGNED.
LATER_FIELDS: tuple[tuple[str, ...], ...] = (
    ("imaging_date",), ("labs", "collection_date"), ("fes_pet", "washout_result_confirmed"),
    ("treatment_lines", "*", "failure_confirmed"), ("menopause",))
#: Fields the investigator's eligibility signature does not cover, filled or not: they decide
#: no criterion (race and ethnicity, 2026-12-08), so recording them after the signature does not
#: void it. Their changes are in the audit trail, and a form or casebook signature still covers
#: the whole record (store/signoff_guard.py).
NOT_SIGNED = ("race", "ethnicity")


def _drop_empty(node: Any, path: tuple[str, ...]) -> None:
    if isinstance(node, list):
        for item in node:
            _drop_empty(item, path)
    elif isinstance(node, dict) and path:
        head, rest = path[0], path[1:]
        if head == "*":
            _drop_empty(node, rest)
        elif not rest:
            if head in node and node[head] is None:
                del node[head]
        elif head in node:
            _drop_empty(node[head], rest[1:] if rest[0] == "*" else rest)


def fingerprint(record: ScreeningRecord) -> str:
    data = record.model_dump(mode="json")
    for path in LATER_FIELDS:
        _drop_empty(data, path)
    for key in NOT_SIGNED:
        data.pop(key, None)
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
