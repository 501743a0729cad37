"""Every user-facing string is translated; times are shown in the site's zone."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from dawna.i18n import CATALOGUES, format_local, gettext, negotiate, use_locale

PACKAGE = Path(__file__).parents[2] / "dawna"


def _source_messages() -> set[str]:
    keywords = dict(DEFAULT_KEYWORDS) | {"lazy_gettext": None, "N_": None}
    found = extract_from_dir(
        str(PACKAGE),
        method_map=[("**.py", "python"), ("web/templates/**.html", "jinja2")],
        options_map={"web/templates/**.html": {"extensions": "jinja2.ext.i18n"}},
        keywords=keywords,
    )
    out: set[str] = set()
    for _filename, _lineno, message, _comments, _context in found:
        out.add(message[0] if isinstance(message, tuple) else message)
    return out


def _catalogue(locale: str):  # type: ignore[no-untyped-def]
    with (CATALOGUES / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=locale)


def test_every_source_string_has_a_chinese_translation() -> None:
    messages = _source_messages()
    assert len(messages) > 100
    catalogue = _catalogue("zh_CN")
    untranslated = []
    for msgid in sorted(messages):
        entry = catalogue.get(msgid)
        string = entry.string if entry else None
        if isinstance(string, tuple | list):
            string = string[0]
        if not string or (entry is not None and entry.fuzzy):
            untranslated.append(msgid)
    assert untranslated == [], "run `make i18n` and translate these"


def test_translations_keep_their_placeholders() -> None:
    import re

    token = re.compile(r"\{[a-z_]*\}|%\([a-z_]+\)s")
    catalogue = _catalogue("zh_CN")
    broken = [m.id for m in catalogue if m.id and isinstance(m.id, str) and m.string
              and sorted(token.findall(m.id)) != sorted(token.findall(str(m.string)))]
    assert broken == []


def test_gettext_follows_the_current_locale() -> None:
    with use_locale("zh_CN"):
        assert gettext("Results pending") == "结果待公布"
    with use_locale("en"):
        assert gettext("Results pending") == "Results pending"


@pytest.mark.parametrize(("header", "expected"), [
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh_CN"),
    ("en-GB,en;q=0.9", "en"),
    ("fr-FR, en;q=0.5, zh;q=0.8", "zh_CN"),  # highest quality that we have wins
    ("de", "zh_CN"),  # nothing we have: the site's default
    (None, "zh_CN"),
])
def test_language_negotiation(header: str | None, expected: str) -> None:
    assert negotiate(header, default="zh_CN") == expected


def test_utc_times_are_shown_in_asia_shanghai() -> None:
    # 2026-01-31 20:30 UTC is 2026-02-01 04:30 in Beijing (UTC+8, no daylight saving)
    moment = datetime(2026, 1, 31, 20, 30, tzinfo=UTC)
    with use_locale("en"):
        assert format_local(moment, ZoneInfo("Asia/Shanghai")) == "2026-02-01 04:30 (UTC+08:00)"
