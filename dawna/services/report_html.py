"""The trial report (:mod:`dawna.services.report`) as one self-contained HTML document, rendered
without a web request: what ``dawna report`` writes, the same page as the Results page's
download (``analysis/report_standalone.html``).

The templates are the web application's (``dawna/web/templates``, where the translation
catalogue finds their strings); this module reads them with its own Jinja environment, with the
gettext callables and the two filters the report uses, so the command line never imports the web
layer.
"""

from __future__ import annotations

import base64
from datetime import date
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from dawna.config import Settings
from dawna.i18n import current_locale, format_local, gettext, ngettext
from dawna.services.report import Report

__all__ = ["TEMPLATES", "iso_date", "render_report", "svg_data"]

TEMPLATES = Path(__file__).resolve().parents[1] / "web" / "templates"
"""The folder of the report's templates (shared with the web pages)."""

_env = Environment(loader=FileSystemLoader(str(TEMPLATES)), extensions=["jinja2.ext.i18n"],
                   autoescape=select_autoescape(["html"]))
_env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]


def svg_data(svg: str | bytes) -> str:
    """An SVG as a ``data:`` URI for an ``<img>``: its inline styles stay inside the image, so
    the page's Content-Security-Policy (no inline styles) holds, and the ids of several figures
    on one page cannot collide. The ``svg_data`` filter of the report and of the web pages."""
    raw = svg.encode("utf-8") if isinstance(svg, str) else svg
    return "data:image/svg+xml;base64," + base64.b64encode(raw).decode("ascii")


def iso_date(value: date | None) -> str:
    """The ``isodate`` filter of the report and of the web pages ("" for no date)."""
    return value.isoformat() if value else ""


_env.filters["isodate"] = iso_date
_env.filters["svg_data"] = svg_data


def render_report(built: Report, settings: Settings, demo: bool) -> str:
    """The report as one self-contained HTML document in the current language; times in the
    site's zone. ``demo`` adds the note that the data are simulated."""
    template = _env.get_template("analysis/report_standalone.html")
    return template.render(r=built, demo=demo, locale=current_locale(),
                           localtime=lambda dt: format_local(dt, settings.zone))
