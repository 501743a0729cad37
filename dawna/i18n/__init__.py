"""Translations (Babel/gettext) and locale-aware formatting.

The site team reads Simplified Chinese, the sponsor English. Every user-facing string goes through
``gettext`` (``_``); catalogues live in ``dawna/i18n/locales/<locale>/LC_MESSAGES/messages.po`` and
are read when first used: from the .mo that ``make install`` compiles beside each .po, or, without
an up-to-date one, compiled in memory from the .po (a clean checkout works without a build step).
The locale of the current request or command is held in a context variable.
"""

from __future__ import annotations

import gettext as gettext_module
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:  # Babel loads at the first lazy string or date format, not at start-up
    from babel.support import LazyProxy

LOCALES = ("en", "zh_CN")
LOCALE_NAMES = {"en": "English", "zh_CN": "简体中文"}
CATALOGUES = Path(__file__).parent / "locales"
DOMAIN = "messages"

_current: ContextVar[str] = ContextVar("dawna_locale", default="en")


@lru_cache(maxsize=len(LOCALES))
def translations(locale: str) -> gettext_module.NullTranslations:
    """The compiled catalogue of ``locale``, loaded once per process.

    ``make install`` compiles each .po into a .mo beside it (``pybabel compile``; not committed);
    a .mo at least as new as its .po is read with the standard library alone (a command starts
    without importing Babel). Without one, or when the .po is newer (a catalogue edited or pulled
    since), the .po is compiled in memory with Babel, so the .po is always what is shown.
    """
    po_path = CATALOGUES / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_path.exists():
        return gettext_module.NullTranslations()
    mo_path = po_path.with_suffix(".mo")
    try:
        fresh = mo_path.stat().st_mtime >= po_path.stat().st_mtime
    except FileNotFoundError:
        fresh = False
    if fresh:
        with mo_path.open("rb") as fh:
            return gettext_module.GNUTranslations(fh)
    return compile_po(po_path, locale)


def compile_po(po_path: Path, locale: str) -> gettext_module.NullTranslations:
    """The catalogue of ``po_path`` compiled in memory (fuzzy entries left out)."""
    return gettext_module.GNUTranslations(BytesIO(mo_bytes(po_path, locale)))


def mo_bytes(po_path: Path, locale: str) -> bytes:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buf = BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    return buf.getvalue()


def write_mo_file(po_file: str) -> None:
    """Compile one .po into the .mo beside it (``make install``): the same bytes as in memory."""
    po_path = Path(po_file)
    locale = po_path.parents[1].name
    tmp = po_path.with_suffix(".mo.tmp")
    tmp.write_bytes(mo_bytes(po_path, locale))
    tmp.replace(po_path.with_suffix(".mo"))


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
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).ngettext(singular, plural, n)


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
