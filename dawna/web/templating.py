"""Jinja2 with the gettext extension, local-time filters and the CSRF token in every form."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import Response

from dawna.config import Settings
from dawna.i18n import LOCALE_NAMES, current_locale, format_local, gettext, ngettext
from dawna.services.access import Permission, role_label
from dawna.services.report_html import iso_date, svg_data
from dawna.web.present import (
    arm_name,
    code_label,
    component_text,
    days_text,
    drug_label,
    field_text,
    plain,
    regimen_text,
    state_label,
    status_label,
    stratum_text,
)
from dawna.web.query_marks import query_markers
from dawna.web.security import csrf_token

TEMPLATES = Path(__file__).parent / "templates"

_env = Environment(loader=FileSystemLoader(str(TEMPLATES)), extensions=["jinja2.ext.i18n"],
                   autoescape=select_autoescape(["html"]))
templates = Jinja2Templates(env=_env)
templates.env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
templates.env.globals["Permission"] = Permission
templates.env.globals["role_label"] = role_label
templates.env.globals["LOCALE_NAMES"] = LOCALE_NAMES
templates.env.globals["translate"] = gettext  # for rules.Message.render
templates.env.globals["query_markers"] = query_markers  # queries next to fields (issue 20)


templates.env.filters["isodate"] = iso_date
templates.env.filters["svg_data"] = svg_data
templates.env.filters["code"] = code_label
templates.env.filters["component"] = component_text
templates.env.filters["days"] = days_text
templates.env.filters["plain"] = plain
templates.env.filters["field_text"] = field_text
templates.env.filters["drug"] = drug_label
templates.env.filters["state"] = state_label
templates.env.filters["status"] = status_label
templates.env.filters["arm"] = arm_name
templates.env.filters["stratum"] = stratum_text
templates.env.filters["regimen"] = regimen_text


def render(request: Request, name: str, context: dict[str, Any] | None = None,
           status_code: int = 200) -> Response:
    settings: Settings = request.app.state.settings
    ctx: dict[str, Any] = {
        "user": getattr(request.state, "principal", None),
        "csrf_token": csrf_token(request),
        "locale": current_locale(),
        "site_zone": settings.site_timezone,
        "localtime": lambda dt: format_local(dt, settings.zone) if isinstance(dt, datetime)
        else "",
    }
    ctx.update(context or {})
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)
