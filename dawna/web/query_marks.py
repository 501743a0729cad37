"""Open queries marked next to the fields of a form page (issue 20 item 1).

``query_markers(pseudonym)`` is a template global: the page asks once for the participant's
unresolved queries (kept on the request, so every template and macro of one page shares one
look-up), and the macros of ``templates/queries/_marker.html`` put a marker next to a field (or
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

from dawna.services import query_lists

__all__ = ["Markers", "query_markers"]


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
