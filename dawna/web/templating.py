"""Jinja2 with the gettext extension, local-time filters and the CSRF token in every form."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, pass_eval_context, select_autoescape
from jinja2.nodes import EvalContext
from markupsafe import Markup, escape
from starlette.responses import HTMLResponse, Response

from dawna.config import Settings
from dawna.i18n import LOCALE_NAMES, current_locale, format_local, gettext, ngettext
from dawna.services import page_cache
from dawna.services.access import Permission, Principal, role_label
from dawna.services.audit_readable import field_choices
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
from dawna.web.query_marks import qmark, query_markers
from dawna.web.security import csrf_token

TEMPLATES = Path(__file__).parent / "templates"

# Templates are compiled once per process; ``auto_reload`` (a stat of each template file on
# every render) only where they are edited, DAWNA_ENV=development (issue 23 item 4).
_env = Environment(loader=FileSystemLoader(str(TEMPLATES)), extensions=["jinja2.ext.i18n"],
                   autoescape=select_autoescape(["html"]),
                   auto_reload=os.environ.get("DAWNA_ENV", "development") == "development")
templates = Jinja2Templates(env=_env)
templates.env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]

#: the messages of the templates as shown, by language and escaping (bounded: cleared when full)
_SHOWN: dict[tuple[str, str, bool], str] = {}


def _as_shown(translation: str, eval_ctx: EvalContext) -> str:
    """A translation as Jinja's newstyle gettext takes it: markup in an escaped template (the
    catalogues are ours, as the templates are), so that ``%`` escapes what fills it in."""
    return Markup(translation) if eval_ctx.autoescape else translation  # noqa: S704


@pass_eval_context
def _template_gettext(eval_ctx: EvalContext, message: str, /, **variables: Any) -> str:
    """``_()`` and ``{% trans %}`` of the templates: Jinja's newstyle gettext (the translation
    a format string, escaped in an escaped template, its variables escaped and filled in), in
    one call instead of Jinja's three, and a message without variables translated once per
    language (13 µs a message with Jinja's own, 5 µs here; a treatment page shows about 180:
    bench/README.md). Its own parameters are positional only, as Jinja's are named so that no
    variable's name can take their place (``{% trans message=x %}``)."""
    if variables:
        return _as_shown(gettext(message), eval_ctx) % variables
    key = (current_locale(), message, eval_ctx.autoescape)
    found = _SHOWN.get(key)
    if found is None:
        found = _as_shown(gettext(message), eval_ctx) % {}
        if len(_SHOWN) >= 8192:
            _SHOWN.clear()
        _SHOWN[key] = found
    return found


@pass_eval_context
def _template_ngettext(eval_ctx: EvalContext, singular: str, plural: str, num: int, /,
                       **variables: Any) -> str:
    """Jinja's newstyle ngettext (``num`` among the variables), in one call."""
    variables.setdefault("num", num)
    return _as_shown(ngettext(singular, plural, num), eval_ctx) % variables


templates.env.globals.update(_=_template_gettext, gettext=_template_gettext,
                             ngettext=_template_ngettext)
templates.env.globals["Permission"] = Permission
templates.env.globals["role_label"] = role_label
templates.env.globals["LOCALE_NAMES"] = LOCALE_NAMES
templates.env.globals["translate"] = gettext  # for rules.Message.render
templates.env.globals["query_markers"] = query_markers  # queries next to fields (issue 20)
templates.env.globals["qmark"] = qmark  # their markers
templates.env.globals["field_choices"] = field_choices  # a form's coded choices, in words


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


def _context(request: Request, user: Principal | None, token: str) -> dict[str, Any]:
    settings: Settings = request.app.state.settings
    return {
        "user": user,
        "csrf_token": token,
        "locale": current_locale(),
        "site_zone": settings.site_timezone,
        "localtime": lambda dt: format_local(dt, settings.zone) if isinstance(dt, datetime)
        else "",
    }


def render(request: Request, name: str, context: dict[str, Any] | None = None,
           status_code: int = 200) -> Response:
    ctx = _context(request, getattr(request.state, "principal", None), csrf_token(request))
    ctx.update(context or {})
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)


# A shared page holds these in place of the two things of a page that are the user's own.
# Random per process: no stored text can contain them.
_CSRF_MARK = "csrf" + secrets.token_hex(16)
_NAME_MARK = "name" + secrets.token_hex(16)
_LIVE_MARK = "live" + secrets.token_hex(16)

#: What a shared page is built from: the site of the participant shown (None for a list of the
#: user's own sites), the template's name and its context.
Built = tuple[int | None, str, dict[str, Any]]


def roles_key(user: Principal) -> tuple[tuple[int, tuple[str, ...]], ...]:
    """The user's roles at each site: two users with the same see the same pages."""
    return tuple(sorted((site, tuple(sorted(r.value for r in roles)))
                        for site, roles in user.roles.items()))


def shared_page(request: Request, user: Principal, permission: Permission,
                at: page_cache.Version, build: Callable[[], Built],
                *key: Any, live: Callable[[], Markup] | None = None) -> Response:
    """A page kept as rendered (``services/page_cache.py``) for every user with the same roles
    at the same sites, until the data change (``at``: read before the data, by the caller).

    ``build()`` reads the data, checking the user's right as any page does, and names the
    template, its context and the participant's site (None for a list of the user's sites).
    Kept: the page rendered with markers where the CSRF token and the user's name go; per
    request: the user's right (``permission`` at the kept site, from the user's roles read this
    request), their CSRF token and name. ``key``: what else the page depends on (the site's
    day). ``live()``: the part of the page that is rendered on every request (the template
    shows it as ``{{ live }}``), such as a clock's hours left. Only a plain GET is kept: one
    with a query string or from HTMX is rendered each time."""
    def rendered() -> tuple[int | None, str]:
        site, name, context = build()
        ctx = _context(request, replace(user, display_name=_NAME_MARK), _CSRF_MARK)
        ctx.update(context, request=request, live=Markup(_LIVE_MARK))  # noqa: S704 (hex, ours)
        return site, templates.get_template(name).render(ctx)

    if request.url.query or request.headers.get("hx-request"):
        site, name, context = build()
        return render(request, name, context | {"live": live() if live else ""})
    what = ("page", request.url.path, roles_key(user), *key)
    site, html = page_cache.cached(what, at, rendered)
    if site is not None and not user.can(permission, site):
        site, html = rendered()  # refused there (build() checks), never served from here
    html = html.replace(_CSRF_MARK, csrf_token(request)).replace(
        _NAME_MARK, str(escape(user.display_name)))
    # the live part last: what it shows is never searched for a marker
    return HTMLResponse(html.replace(_LIVE_MARK, live() if live else ""))


def fragment(request: Request, name: str, context: dict[str, Any]) -> Markup:
    """A part of a page rendered on its own (a ``shared_page``'s ``live`` part): the output of
    an autoescaping template, so markup as it stands."""
    ctx = _context(request, getattr(request.state, "principal", None), csrf_token(request))
    ctx.update(context, request=request)
    return Markup(templates.get_template(name).render(ctx))  # noqa: S704 (autoescaped)
