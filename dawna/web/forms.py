"""Turn a flat HTML form (``labs.anc.value``, ``treatment_lines.0.agents``) into nested data.

Empty inputs mean "not entered" and are dropped; list rows left wholly empty are dropped; list
fields named in ``COMMA_LISTS`` are split on commas.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

COMMA_LISTS = {"agents"}
SKIP = {"csrf_token", "reason", "version", "password", "confirm"}


def _set(tree: dict[str, Any], parts: list[str], value: Any) -> None:
    node: Any = tree
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        key: Any = int(part) if part.isdigit() else part
        if isinstance(node, dict):
            if last:
                node[key] = value
            else:
                node = node.setdefault(key, {})
        else:  # pragma: no cover - indices are always dict keys until lists are built
            raise ValueError(parts)


def _listify(node: Any) -> Any:
    if isinstance(node, dict):
        if node and all(isinstance(k, int) for k in node):
            items = [_listify(node[k]) for k in sorted(node)]
            return [item for item in items if item not in ({}, None, [])]
        return {k: _listify(v) for k, v in node.items()}
    return node


def _prune(node: Any) -> Any:
    if isinstance(node, dict):
        pruned = {k: _prune(v) for k, v in node.items()}
        return {k: v for k, v in pruned.items() if v not in ({}, None)}
    if isinstance(node, list):
        return [_prune(v) for v in node]
    return node


def nest(pairs: Iterable[tuple[str, str]], list_fields: set[str] | None = None) -> dict[str, Any]:
    """``[("labs.anc.value", "1.2")]`` → ``{"labs": {"anc": {"value": "1.2"}}}``.

    ``list_fields`` names top-level lists that were shown on the form: when every row is empty,
    they become ``[]`` (the coordinator answered "none"), not "not entered".
    """
    tree: dict[str, Any] = {}
    for name, raw in pairs:
        if name in SKIP:
            continue
        value = raw.strip()
        if value == "":
            continue
        parts = name.split(".")
        if parts[-1] in COMMA_LISTS:
            _set(tree, parts, [a.strip() for a in value.split(",") if a.strip()])
        else:
            _set(tree, parts, value)
    out: dict[str, Any] = _prune(_listify(tree))
    for name in list_fields or ():
        if out.get(f"{name}__none") == "true":
            out[name] = []
        out.pop(f"{name}__none", None)
    return out
