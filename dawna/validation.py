"""The one form and command pipeline: a web form (nested by ``dawna.web.forms.nest``), a JSON
body or CLI options become one validated pydantic command through :func:`validate`, and a
pydantic error becomes one :class:`dawna.errors.ValidationError` naming its field through
:func:`from_pydantic`, in the user's language.

Field paths: ``treatment_lines[1].stop_date`` for documents (JSON bodies, files, CLI), and
``treatment_lines.1.stop_date`` for HTML forms (``form=True``), the names of the form's inputs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import ErrorDetails

from dawna.errors import ValidationError
from dawna.i18n import _

__all__ = ["PydanticValidationError", "field_path", "from_pydantic", "validate"]

M = TypeVar("M", bound=BaseModel)

#: Parts of FastAPI's request-error locations that are not field names.
_WHERE = {"body", "query", "path", "form", "header", "cookie"}


def field_path(loc: Sequence[int | str], *, form: bool = False) -> str:
    """``("treatment_lines", 1, "stop_date")`` -> ``treatment_lines[1].stop_date``
    (``treatment_lines.1.stop_date`` with ``form=True``)."""
    path = ""
    for part in loc:
        if part in _WHERE and not path:
            continue
        if isinstance(part, int) and not form:
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _message(error: ErrorDetails) -> str:
    kind = error["type"]
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    if kind == "missing":
        return _("this field is required")
    if kind == "extra_forbidden":
        return _("unknown field")
    if kind in ("float_parsing", "float_type", "decimal_parsing", "decimal_type"):
        return _("must be a number")
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("must be a whole number")
    if kind in ("date_parsing", "date_from_datetime_parsing", "date_type",
                "date_from_datetime_inexact"):
        return _("must be a date (YYYY-MM-DD)")
    if kind in ("datetime_parsing", "datetime_type", "datetime_from_date_parsing"):
        return _("must be a date and time (YYYY-MM-DDTHH:MM)")
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bound = next(iter(ctx.values()), "")
        return {"greater_than_equal": _("must be at least {bound}"),
                "greater_than": _("must be greater than {bound}"),
                "less_than_equal": _("must be at most {bound}"),
                "less_than": _("must be less than {bound}")}[kind].format(bound=bound)
    if kind == "string_too_long":
        return _("at most {count} characters").format(count=ctx.get("max_length", ""))
    if kind == "string_too_short":
        return _("at least {count} characters").format(count=ctx.get("min_length", ""))
    if kind in ("enum", "literal_error"):
        return _("must be one of: {allowed}").format(allowed=ctx.get("expected", ""))
    return str(error["msg"]).removeprefix("Value error, ")


def from_pydantic(exc: PydanticValidationError | Any, *, root: str = "input",
                  form: bool = False, count_more: bool = False) -> ValidationError:
    """The first problem of a pydantic (or FastAPI request) validation error as a dawna
    ``ValidationError`` naming its field, every problem in its ``problems`` (the pages show
    them all); ``count_more`` adds how many other problems there are to the message.
    Custom rule messages (``ValueError`` in a validator) are kept as written."""
    errors = exc.errors()
    if not errors:
        return ValidationError(_("invalid input"), field=root)
    first = errors[0]
    message = _message(first)
    if count_more and len(errors) > 1:
        message = _("{message} ({count} more problems)").format(message=message,
                                                             count=len(errors) - 1)
    problems = tuple((field_path(tuple(e.get("loc", ())), form=form) or root, _message(e))
                     for e in errors)
    return ValidationError(message, field=problems[0][0],
                           problems=problems if len(problems) > 1 else ())


def validate(model: type[M], data: Any, *, root: str = "input", form: bool = False,
             count_more: bool = False) -> M:
    """``model`` validated from ``data`` (a dict, or a model instance re-validated); any problem
    is one ``ValidationError`` naming its field."""
    try:
        return model.model_validate(data)
    except PydanticValidationError as exc:
        raise from_pydantic(exc, root=root, form=form, count_more=count_more) from None
