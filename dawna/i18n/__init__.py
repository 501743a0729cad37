"""Translations (Babel/gettext) and locale-aware formatting.

The site team reads Simplified Chinese, the sponsor English. Every user-facing string goes through
``gettext`` (``_``); catalogues live in ``dawna/i18n/locales/<locale>/LC_MESSAGES/messages.po`` and
are compiled in memory when first used, so a clean checkout needs no build step. The locale of the
current request or command is held in a context variable.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:  # Babel loads at the first translation (the command line starts without it)
    from babel.support import LazyProxy, Translations

LOCALES = ("en", "zh_CN")
LOCALE_NAMES = {"en": "English", "zh_CN": "简体中文"}
CATALOGUES = Path(__file__).parent / "locales"
DOMAIN = "messages"

_current: ContextVar[str] = ContextVar("dawna_locale", default="en")


@lru_cache(maxsize=len(LOCALES))
def translations(locale: str) -> Translations:
    """The compiled catalogue of ``locale`` (read from its .po file once per process)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from babel.support import Translations

    po_path = CATALOGUES / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_path.exists():
        return Translations()
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buf = BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return Translations(fp=buf, domain=DOMAIN)


def current_locale() -> str:
    return _current.get()


def set_locale(locale: str) -> None:
    _current.set(locale if locale in LOCALES else "en")


@contextmanager
def use_locale(locale: str) -> Iterator[None]:
    token = _current.set(locale if locale in LOCALES else "en")
    try:
        yield
    finally:
        _current.reset(token)


def gettext(message: str) -> str:
    return translations(_current.get()).ugettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).ungettext(singular, plural, n)


def lazy_gettext(message: str) -> LazyProxy:
    """For module-level strings: translated when rendered, in the locale of that moment."""
    from babel.support import LazyProxy

    return LazyProxy(gettext, message, enable_cache=False)


_ = gettext


def negotiate(accept_language: str | None, default: str = "zh_CN") -> str:
    """Pick a catalogue from an HTTP Accept-Language header (RFC 9110 section 12.5.4)."""
    if not accept_language:
        return default
    wanted: list[tuple[float, str]] = []
    for part in accept_language.split(","):
        piece = part.strip()
        if not piece:
            continue
        tag, _sep, params = piece.partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        wanted.append((quality, tag.strip().replace("-", "_")))
    for _q, tag in sorted(wanted, key=lambda t: -t[0]):
        lowered = tag.lower()
        if lowered.startswith("zh"):
            return "zh_CN"
        if lowered.startswith("en"):
            return "en"
    return default


def format_local(moment: datetime | None, zone: ZoneInfo, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    """A stored UTC time shown in the site's zone, with the zone named (e.g. +08:00)."""
    if moment is None:
        return ""
    from babel import Locale
    from babel.dates import format_datetime

    local = moment.astimezone(zone)
    offset = local.strftime("%z")
    text = format_datetime(local, fmt, tzinfo=zone, locale=Locale.parse(_current.get()))
    return f"{text} (UTC{offset[:3]}:{offset[3:]})"
