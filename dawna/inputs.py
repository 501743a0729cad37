"""The first problem pydantic finds in a user-supplied document, as one
:class:`dawna.errors.ValidationError` naming its path (``treatment_lines[1].stop_date``) and
counting the other problems.

A thin name for ``dawna.validation.from_pydantic(exc, root=..., count_more=True)``, kept for the
services and routes that still call it; new code calls :func:`dawna.validation.validate`
(``count_more=True``). Reading a JSON file is the command line's (:mod:`dawna.cli.common`).
"""

from __future__ import annotations

from pydantic import ValidationError as PydanticValidationError

from dawna.errors import ValidationError
from dawna.validation import from_pydantic

__all__ = ["first_error"]


def first_error(exc: PydanticValidationError, root: str = "record") -> ValidationError:
    """The first problem of a pydantic error as a ValidationError naming its path (the one
    converter, :func:`dawna.validation.from_pydantic`, counting the other problems)."""
    return from_pydantic(exc, root=root, count_more=True)
