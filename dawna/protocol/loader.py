"""Load a protocol file (YAML) into :class:`dawna.protocol.schema.Protocol`.

Every failure is a :class:`dawna.errors.ValidationError` with a one-line message: a missing or
unreadable file, a YAML syntax error or duplicate key (with line and column), or a schema error,
reported as the dotted path of the bad field and the rule it breaks, e.g.
``eligibility.inclusion[2].id: must match IN<number>`` with ``field`` set to that path.

The bundled DAWNA-FES file (``dawna/protocols/dawna_fes.yaml``) is read with
:mod:`importlib.resources` and cached: :func:`bundled_protocol` returns the same frozen object on
every call.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import Any

import pydantic
import yaml
from pydantic_core import ErrorDetails

from dawna.errors import ValidationError
from dawna.protocol.schema import Protocol

__all__ = ["BUNDLED_FILE", "bundled_protocol", "load_protocol", "parse_protocol"]

BUNDLED_PACKAGE = "dawna.protocols"
BUNDLED_FILE = "dawna_fes.yaml"

_MESSAGES = {
    "extra_forbidden": "unknown key",
    "missing": "required key is missing",
}


def load_protocol(path: str | Path | None = None) -> Protocol:
    """Read and validate a protocol file; ``None`` returns the bundled DAWNA-FES protocol."""
    if path is None:
        return bundled_protocol()
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValidationError(f"protocol file not found: {file}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(f"cannot read protocol file {file}: {exc}") from None
    return parse_protocol(text, source=str(file))


@functools.lru_cache(maxsize=1)
def bundled_protocol() -> Protocol:
    """The DAWNA-FES protocol shipped with dawna (parsed once, then cached)."""
    text = resources.files(BUNDLED_PACKAGE).joinpath(BUNDLED_FILE).read_text(encoding="utf-8")
    return parse_protocol(text, source=f"{BUNDLED_PACKAGE}/{BUNDLED_FILE}")


def parse_protocol(text: str, *, source: str = "<text>") -> Protocol:
    """Validate the YAML ``text`` of a protocol; ``source`` names it in error messages."""
    data = _read_yaml(text, source)
    if not isinstance(data, dict):
        raise ValidationError(f"{source}: a protocol file must be a YAML mapping of keys")
    try:
        return Protocol.model_validate(data)
    except pydantic.ValidationError as exc:
        errors = exc.errors(include_url=False)
        path, message = _describe(errors[0])
        more = len(errors) - 1
        suffix = f"; {more} more error{'s' if more > 1 else ''}" if more else ""
        raise ValidationError(f"{path}: {message} (in {source}{suffix})", field=path) from None


# --- YAML ---------------------------------------------------------------------------------------


#: libyaml's parser where PyYAML was built with it (its wheels are): the protocol file parsed
#: in C, 0.2-0.3 s less for every command that reads it (``bench/README.md``); the same safe
#: constructors, so the same objects
_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_SafeLoader):  # type: ignore[misc]
    """SafeLoader that refuses a key given twice in one mapping (PyYAML keeps the last)."""


class _PythonStrictLoader(yaml.SafeLoader):
    """The same, with PyYAML's own parser: for the message of a file libyaml refused (its
    messages are terser: an undefined alias without its name, a tab not named)."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: set[Any] = set()
    for key_node, _value_node in node.value:
        key = loader.construct_object(key_node)
        if not _hashable(key):
            continue  # construct_mapping reports an unhashable key
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    mapping: dict[Any, Any] = loader.construct_mapping(node)
    return mapping


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


for _loader in (_StrictLoader, _PythonStrictLoader):
    _loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _read_yaml(text: str, source: str) -> Any:
    try:
        try:
            return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
        except yaml.YAMLError:
            if _SafeLoader is yaml.SafeLoader:  # no libyaml: this was PyYAML's message
                raise
            # refused: PyYAML's parser, for its message (or the same refusal if it accepts)
            yaml.load(text, Loader=_PythonStrictLoader)  # noqa: S506 - a SafeLoader subclass
            raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = " ".join(str(exc.problem or exc.context or "invalid YAML").split())
        raise ValidationError(f"{source}: YAML error{where}: {problem}") from None
    except yaml.YAMLError as exc:
        raise ValidationError(f"{source}: YAML error: {' '.join(str(exc).split())}") from None


# --- pydantic errors ----------------------------------------------------------------------------


def _dotted(loc: tuple[int | str, ...]) -> str:
    """``('eligibility', 'inclusion', 2, 'id')`` -> ``eligibility.inclusion[2].id``."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part == "[key]":
            path += " (key)"
        else:
            path += f".{part}" if path else str(part)
    return path


def _describe(error: ErrorDetails) -> tuple[str, str]:
    """Dotted path and one-line message of a pydantic error (rule errors carry a sub-path)."""
    path = _dotted(tuple(error["loc"]))
    ctx = error.get("ctx") or {}
    sub = ctx.get("path") if error["type"] == "protocol_rule" else None
    if isinstance(sub, str) and sub:
        path = f"{path}{sub}" if not path or sub.startswith("[") else f"{path}.{sub}"
    message = _MESSAGES.get(error["type"], error["msg"])
    message = message.removeprefix("Value error, ")
    value = error.get("input")
    if error["type"] not in _MESSAGES and error["type"] != "protocol_rule" and _short(value):
        message += f" (got {value!r})"
    return path or "(top level)", " ".join(message.split())


def _short(value: Any) -> bool:
    return isinstance(value, str | int | float | bool) and len(repr(value)) <= 40
