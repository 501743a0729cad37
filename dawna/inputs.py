"""Reading user-supplied JSON documents: a file read as one JSON object, and the first problem
pydantic finds turned into one :class:`dawna.errors.ValidationError` naming its path
(``treatment_lines[1].stop_date``). Used by the CLI commands that read files and by the web and
API routes that take documents."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError as PydanticValidationError

from dawna.errors import ValidationError
from dawna.i18n import _
from dawna.rules.screening_record import dotted
from dawna.validation import from_pydantic

__all__ = ["dotted", "first_error", "read_json_object"]


def read_json_object(file: Path, what: str) -> dict[str, Any]:
    """The JSON object in ``file``; a missing, unreadable or invalid file is a ValidationError
    on the field ``file``. ``what`` names the document in the message (already translated)."""
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValidationError(_("file not found: {file}").format(file=file),
                              field="file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(_("cannot read {file}: {error}").format(file=file, error=exc),
                              field="file") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            _("invalid JSON at line {line}, column {column}: {error}").format(
                line=exc.lineno, column=exc.colno, error=exc.msg), field="file") from None
    if not isinstance(data, dict):
        raise ValidationError(_("{what} must be a JSON object").format(what=what), field="file")
    return data


def first_error(exc: PydanticValidationError, root: str = "record") -> ValidationError:
    """The first problem of a pydantic error as a ValidationError naming its path (the one
    converter, :func:`dawna.validation.from_pydantic`, counting the other problems)."""
    return from_pydantic(exc, root=root, count_more=True)
