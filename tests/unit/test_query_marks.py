"""The query markers of the form pages (``web/query_marks.py`` ``qmark``, issue 20 and issue 23
item 4) give the markup of the Jinja macros they replaced (``templates/queries/_marker.html``,
the reference), in English and Chinese, with and without open queries, for a field, a dotted
field below it, a second path, a whole form and a row; what they show is escaped."""

from __future__ import annotations

import pytest

from dawna.i18n import set_locale
from dawna.web.query_marks import Markers, qmark
from dawna.web.templating import templates

OPEN = Markers("P-<1>&", {("participant", "None", "screening_number"): 2,
                          ("status_event", "5", ""): 1, ("status_event", "5", "event_date"): 3,
                          ("consent", "7", "signed_on.value"): 1, ("consent", "8", "x"): 4})
FIELDS = [("participant", None, "screening_number"), ("participant", None, ""),
          ("status_event", 5, "event_date"), ("status_event", 5), ("status_event", "5", "event"),
          ("consent", 7, "signed_on"), ("consent", 7, "other", "signed_on"),
          ("consent", None, "x"), ('a"<b>', 9, "c")]
FORMS = [("participant",), ("status_event", 5), ("status_event",), ("consent", 8),
         ("consent", None), ("consent", 6)]


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
@pytest.mark.parametrize("qm", [OPEN, Markers("P-2"), None])
def test_the_markers_equal_the_macros(locale: str, qm: Markers | None) -> None:
    set_locale(locale)
    try:
        macros = templates.env.get_template("queries/_marker.html").module
        for args in FIELDS:
            assert str(qmark.on_field(qm, *args)) == str(macros.on_field(qm, *args)), args
        for args in FORMS:
            assert str(qmark.on_form(qm, *args)) == str(macros.on_form(qm, *args)), args
            assert str(qmark.on_whole(qm, *args)) == str(macros.on_whole(qm, *args)), args
    finally:
        set_locale("en")


def test_a_marker_shows_the_count_and_escapes() -> None:
    set_locale("en")
    shown = str(qmark.on_field(OPEN, "status_event", 5, "event_date"))
    assert shown == (' <a class="query-marker" href="/participants/P-&lt;1&gt;&amp;/queries'
                     '#q-status_event-5" title="Open queries" '
                     'data-testid="query-marker-status_event-5-event_date">?&#8239;3</a>')
    assert str(qmark.on_form(Markers("P-2"), "participant")) == ""
