"""What an amendment changes: a structured diff of two protocol files (issue 20 item 8).

ICH E6(R3) 3.16 and the EU CTR (Article 2(13), "substantial modification") ask that a protocol
amendment states what it changes; this module says it field by field, grouped as a trial team
reads an amendment:

- ``criteria``: the ``eligibility`` block (criterion texts and notes by criterion id, age limits,
  sex);
- ``regimens``: the ``arms`` (drugs, doses, days, dose levels, modification rules) by arm id;
- ``schedule``: a top-level ``schedule`` block if the file has one, and the site settings of the
  visit and assessment calendar (groups ``tumour_assessment`` and ``follow_up``);
- ``settings``: every other site setting (organ function thresholds, evidence windows, dosing,
  safety clocks) by setting name;
- ``randomization``, ``consent_forms``, and ``other`` for anything else (registry record,
  endpoints, plausibility limits, reference safety information).

Items of a list that carry an ``id`` (criteria, arms, options), a ``version`` (consent forms), a
``name`` (stratification factors) or a ``drug`` (components) are matched by it, so removing one
criterion reports that criterion only, not every criterion after it. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from dawna.protocol.schema import Protocol, Setting

__all__ = ["SECTIONS", "Change", "ProtocolDiff", "diff_protocols"]

SECTIONS = ("criteria", "regimens", "schedule", "settings", "randomization", "consent_forms",
            "other")
SCHEDULE_GROUPS = frozenset({"tumour_assessment", "follow_up", "schedule", "visits"})
_KEYS = ("id", "version", "name", "drug")

Kind = Literal["added", "removed", "changed"]


@dataclass(frozen=True)
class Change:
    """One difference: ``path`` is dotted, list items named by their key in brackets
    (``eligibility.inclusion[IN8].text``, ``site_settings.anc_min.value``)."""

    section: str
    kind: Kind
    path: str
    old: Any = None
    new: Any = None


@dataclass(frozen=True)
class ProtocolDiff:
    changes: tuple[Change, ...]
    #: the site settings of both files by name (the newer's where both have it), for labels
    settings: dict[str, Setting] = field(default_factory=dict, compare=False)

    def setting_label(self, path: str, locale: str) -> str:
        """The label of the site setting a ``site_settings.<name>...`` path changes, in
        ``locale`` ("" for any other path)."""
        head, _sep, rest = path.partition(".")
        setting = self.settings.get(rest.split(".")[0]) if head == "site_settings" else None
        return setting.label_for(locale) if setting else ""

    @property
    def empty(self) -> bool:
        return not self.changes

    def section(self, name: str) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.section == name)

    def counts(self) -> dict[str, int]:
        return {name: len(self.section(name)) for name in SECTIONS if self.section(name)}

    def as_json(self) -> dict[str, Any]:
        return {"changes": [{"section": c.section, "kind": c.kind, "path": c.path,
                             "old": c.old, "new": c.new} for c in self.changes],
                "counts": self.counts()}


def diff_protocols(old: Protocol, new: Protocol) -> ProtocolDiff:
    """Every field that differs between ``old`` and ``new``, in section order."""
    before = old.model_dump(mode="json", by_alias=True)
    after = new.model_dump(mode="json", by_alias=True)
    groups = {name: s.group for p in (old, new) for name, s in p.site_settings.items()}
    changes = [Change(_section(path, groups), kind, _render(path), a, b)
               for kind, path, a, b in _walk((), before, after)]
    order = {name: i for i, name in enumerate(SECTIONS)}
    return ProtocolDiff(tuple(sorted(changes, key=lambda c: order[c.section])),
                        {**old.site_settings, **new.site_settings})


def _section(path: tuple[str, ...], groups: dict[str, str]) -> str:
    head = path[0] if path else ""
    if head == "eligibility":
        return "criteria"
    if head == "arms":
        return "regimens"
    if head == "schedule":
        return "schedule"
    if head == "site_settings":
        return "schedule" if len(path) > 1 and groups.get(path[1]) in SCHEDULE_GROUPS \
            else "settings"
    if head in ("randomization", "consent_forms"):
        return head
    return "other"


def _render(path: tuple[str, ...]) -> str:
    out = ""
    for part in path:
        out += part if part.startswith("[") or not out else f".{part}"
    return out


def _key(item: Any, index: int) -> str:
    if isinstance(item, dict):
        for name in _KEYS:
            if isinstance(item.get(name), str | int) and not isinstance(item.get(name), bool):
                return f"[{item[name]}]"
    return f"[{index}]"


def _keyed(items: list[Any]) -> dict[str, Any] | None:
    """The list as a mapping by item key, or None when keys are missing or repeat."""
    keyed = {_key(item, i): item for i, item in enumerate(items)}
    if len(keyed) != len(items) or all(k == f"[{i}]" for i, k in enumerate(keyed)):
        return None
    return keyed


def _walk(path: tuple[str, ...], a: Any, b: Any) -> Iterator[tuple[Kind, tuple[str, ...], Any,
                                                                  Any]]:
    if a == b:
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for name in list(a) + [k for k in b if k not in a]:
            if name not in b:
                if a[name] is not None:
                    yield "removed", (*path, name), a[name], None
            elif name not in a:
                if b[name] is not None:
                    yield "added", (*path, name), None, b[name]
            else:
                yield from _walk((*path, name), a[name], b[name])
        return
    if isinstance(a, list) and isinstance(b, list):
        ka, kb = _keyed(a), _keyed(b)
        if ka is not None and kb is not None:
            yield from _walk_keyed(path, ka, kb)
            return
        if len(a) == len(b) and all(isinstance(x, dict | list) for x in a + b):
            for i, (x, y) in enumerate(zip(a, b, strict=True)):
                yield from _walk((*path, f"[{i}]"), x, y)
            return
    if a is None:
        yield "added", path, None, b
    elif b is None:
        yield "removed", path, a, None
    else:
        yield "changed", path, a, b


def _walk_keyed(path: tuple[str, ...], a: dict[str, Any], b: dict[str, Any]
                ) -> Iterator[tuple[Kind, tuple[str, ...], Any, Any]]:
    for key in list(a) + [k for k in b if k not in a]:
        if key not in b:
            yield "removed", (*path, key), a[key], None
        elif key not in a:
            yield "added", (*path, key), None, b[key]
        else:
            yield from _walk((*path, key), a[key], b[key])
