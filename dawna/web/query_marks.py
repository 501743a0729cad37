"""Open queries marked next to the fields of a form page (issue 20 item 1).

``query_markers(pseudonym)`` is a template global: the page asks once for the participant's
unresolved queries (kept on the request, so every template and macro of one page shares one
look-up), and the functions of the template global ``qmark`` put a marker next to a field (or
a form's heading) that links to the participant's queries.

A field is addressed as the audit trail addresses it (``services/form_rows.py``): a column, or a
dotted path inside a JSON document (``record.labs.anc.value``). A marker next to a field counts
the queries on that path and on the paths below it (a marker at ``record.labs.anc`` counts a
query on ``record.labs.anc.value``); without a row id it counts every row of that kind of form
(the forms a participant has once: registration, identity, screening).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jinja2 import pass_context
from markupsafe import Markup, escape

from dawna.i18n import gettext
from dawna.services import query_lists

__all__ = ["Markers", "qmark", "query_markers"]


@dataclass(frozen=True)
class Markers:
    pseudonym: str
    counts: dict[tuple[str, str, str], int] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"/participants/{self.pseudonym}/queries"

    def on_field(self, table: str, row_id: object | None = None, name: str = "",
                 also: str | None = None) -> int:
        """Unresolved queries on the field ``name`` of the form (and on the paths below it);
        ``name`` "" counts the queries on the whole form only. ``also``: a second path shown
        by the same input (a column that repeats a field of the form's document)."""
        row = None if row_id is None else str(row_id)
        names = [x for x in (name, also) if x is not None]
        return sum(n for (t, r, f), n in self.counts.items()
                   if t == table and (row is None or r == row)
                   and any(f == x or (x and f.startswith(x + ".")) for x in names))

    def on_form(self, table: str, row_id: object | None = None) -> int:
        """Every unresolved query on the form (its fields included); without ``row_id``, on
        every form of that kind."""
        return sum(n for (t, r, _f), n in self.counts.items()
                   if t == table and (row_id is None or r == str(row_id)))


@pass_context
def query_markers(context: Any, pseudonym: str) -> Markers:
    """The participant's unresolved queries by form and field (none without a user), looked up
    once per request."""
    user = context.get("user")
    request = context.get("request")
    if user is None or request is None:
        return Markers(pseudonym)
    cache: dict[str, Markers] = getattr(request.state, "query_markers", None) or {}
    if pseudonym not in cache:
        cache[pseudonym] = Markers(pseudonym, query_lists.field_markers(
            request.app.state.db, user, pseudonym))
        request.state.query_markers = cache
    return cache[pseudonym]


class _Marks:
    """``qmark.on_field(qm, table, row_id, name, also)``, ``qmark.on_form(qm, table, row_id)``
    and ``qmark.on_whole(qm, table, row_id)``: the marker next to a field, a form's heading or a
    row (nothing where no query is open), as HTML. Plain functions rather than Jinja macros (the
    markup of ``templates/queries/_marker.html`` before): a page calls them some tens of times,
    and a macro call costs ten times a function's (issue 23 item 4)."""

    @staticmethod
    def _link(qm: Markers, n: int, table: str, row_id: object | None, suffix: str) -> Markup:
        anchor = f"#q-{escape(table)}-{escape(row_id)}" if row_id is not None else ""
        row = f"-{escape(row_id)}" if row_id is not None else ""
        return Markup(  # noqa: S704 (every part escaped)
            f' <a class="query-marker" href="{escape(qm.url)}{anchor}" '
            f'title="{escape(gettext("Open queries"))}" '
            f'data-testid="query-marker-{escape(table)}{row}{suffix}">?&#8239;{n}</a>')

    def on_field(self, qm: Markers | None, table: str, row_id: object | None = None,
                 name: str = "", also: str | None = None) -> Markup:
        n = qm.on_field(table, row_id, name, also) if qm else 0
        return self._link(qm, n, table, row_id, f"-{escape(name)}" if name else "") \
            if qm and n else Markup()

    def on_form(self, qm: Markers | None, table: str, row_id: object | None = None) -> Markup:
        n = qm.on_form(table, row_id) if qm else 0
        return self._link(qm, n, table, row_id, "") if qm and n else Markup()

    def on_whole(self, qm: Markers | None, table: str, row_id: object | None = None) -> Markup:
        """Only the queries on the whole form (no field): next to a row of a list whose fields
        are not shown one by one."""
        n = qm.on_field(table, row_id, "") if qm else 0
        return self._link(qm, n, table, row_id, "-form") if qm and n else Markup()


#: the template global ``qmark``
qmark = _Marks()
