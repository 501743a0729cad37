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


def test_a_compiled_catalogue_is_read_only_while_as_new_as_its_po(tmp_path, monkeypatch) -> None:
    """`make install` compiles .mo files; a .po edited since (newer) wins, a missing .mo too."""
    import os

    import dawna.i18n as i18n

    folder = tmp_path / "zh_CN" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    po = folder / "messages.po"

    def write_po(text: str) -> None:
        po.write_text(
            'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
            f'msgid "Participant"\nmsgstr "{text}"\n', encoding="utf-8")

    monkeypatch.setattr(i18n, "CATALOGUES", tmp_path)
    i18n.translations.cache_clear()
    try:
        write_po("受试者")
        assert i18n.translations("zh_CN").gettext("Participant") == "受试者"  # no .mo: the .po
        i18n.write_mo_file(str(po))
        write_po("参与者")  # the .po edited after the .mo was compiled
        old = po.stat().st_mtime - 60
        os.utime(po.with_suffix(".mo"), (old, old))
        i18n.translations.cache_clear()
        assert i18n.translations("zh_CN").gettext("Participant") == "参与者"
        i18n.write_mo_file(str(po))  # compiled again: now the .mo is read, same text
        i18n.translations.cache_clear()
        assert isinstance(i18n.translations("zh_CN"), __import__("gettext").GNUTranslations)
        assert i18n.translations("zh_CN").gettext("Participant") == "参与者"
    finally:
        i18n.translations.cache_clear()


def test_the_installed_compiled_catalogues_say_what_their_po_files_say() -> None:
    """If `make install` left a .mo beside a .po, every message reads the same from both."""
    import gettext

    from dawna.i18n import compile_po

    for locale in ("en", "zh_CN"):
        po = CATALOGUES / locale / "LC_MESSAGES" / "messages.po"
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            continue
        with mo.open("rb") as fh:
            compiled = gettext.GNUTranslations(fh)
        fresh = compile_po(po, locale)
        for message in _catalogue(locale):
            if message.id and isinstance(message.id, str):
                assert compiled.gettext(message.id) == fresh.gettext(message.id), message.id
