"""The templates' gettext (``web/templating.py`` ``_template_gettext``, ``_template_ngettext``)
shows what Jinja's own newstyle gettext shows (the reference: ``install_gettext_callables(...,
newstyle=True)`` on a fresh environment with the same catalogues), in both languages, escaped
and not, with and without variables, for ``_()``, ``{% trans %}`` and plurals."""

from __future__ import annotations

import pytest
from jinja2 import Environment, select_autoescape

from dawna.i18n import gettext, ngettext, use_locale
from dawna.web.templating import templates

SNIPPETS = (
    "{{ _('Participants') }}",
    "{{ _('Participants') }}{{ _('Participants') }}",  # the second from the kept translation
    "{{ _('Treatment') }} {{ _('no such message, kept as written') }}",
    "{{ _('%(n)s of %(m)s', n='<b>1</b>', m=2) }}",  # variables escaped
    "{{ _('100%% & more') }}",  # a format string even without variables
    "{% trans %}Participants{% endtrans %}",
    "{% trans who='<i>x</i>' %}Signed by {{ who }}{% endtrans %}",
    "{% trans count=1 %}{{ count }} participant{% pluralize %}{{ count }} participants"
    "{% endtrans %}",
    "{% trans count=3 %}{{ count }} participant{% pluralize %}{{ count }} participants"
    "{% endtrans %}",
    "{{ ngettext('%(num)s day', '%(num)s days', 2) }}",
    "{% autoescape false %}{{ _('%(n)s of %(m)s', n='<b>1</b>', m=2) }}"
    "{{ _('100%% & more') }}{% endautoescape %}",
)


def _reference() -> Environment:
    env = Environment(extensions=["jinja2.ext.i18n"],
                      autoescape=select_autoescape(["html"]))
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    return env


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_templates_show_what_jinjas_own_gettext_shows(locale: str) -> None:
    reference = _reference()
    with use_locale(locale):
        for snippet in SNIPPETS:
            for _twice in range(2):  # the second time from what was kept
                ours = templates.env.from_string(snippet).render()
                assert ours == reference.from_string(snippet).render(), snippet
    # a real message, translated: the Chinese page shows Chinese
    with use_locale("zh_CN"):
        shown = templates.env.from_string("{{ _('Participants') }}").render()
    with use_locale("en"):
        assert templates.env.from_string("{{ _('Participants') }}").render() == "Participants"
    assert shown != "Participants"


def test_the_language_of_the_moment_is_used_after_another_was_kept() -> None:
    template = templates.env.from_string("{{ _('Participants') }}")
    with use_locale("zh_CN"):
        chinese = template.render()
    with use_locale("en"):
        assert template.render() == "Participants"
    with use_locale("zh_CN"):
        assert template.render() == chinese
