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


def test_a_message_kept_in_one_escaping_is_what_the_other_shows_too() -> None:
    """The kept translations are per escaping: markup in an escaped template, plain text where
    nothing is escaped (so that ``|e`` escapes it there), whichever was shown first; as with
    Jinja's own."""
    plain = "{% autoescape false %}{{ _('R&D <kept> once')|e }}{% endautoescape %}"
    escaped = "{{ _('R&D <kept> once')|e }}"
    reference = _reference()
    with use_locale("en"):
        for snippet in (plain, escaped, plain):
            assert templates.env.from_string(snippet).render() == \
                reference.from_string(snippet).render(), snippet
        assert templates.env.from_string(plain).render() == "R&amp;D &lt;kept&gt; once"
        assert templates.env.from_string(escaped).render() == "R&D <kept> once"


@pytest.mark.parametrize("snippet", [
    "{{ _('%(message)s!', message='<x>') }}",
    "{% trans message='<x>' %}{{ message }}!{% endtrans %}",
    "{% trans count=2, singular='<x>' %}{{ singular }} {{ count }} a"
    "{% pluralize %}{{ singular }} {{ count }} b{% endtrans %}",
    "{{ ngettext('%(num)s %(plural)s', '%(num)s %(plural)ss', 2, plural='y') }}",
])
def test_variables_may_have_the_names_of_the_callables_parameters(snippet: str) -> None:
    """A variable named as a parameter of gettext (``message``, ``singular``, ``plural``,
    ``num``) fills the message in, as with Jinja's own, instead of taking the parameter's
    place."""
    with use_locale("en"):
        assert templates.env.from_string(snippet).render() == \
            _reference().from_string(snippet).render()
