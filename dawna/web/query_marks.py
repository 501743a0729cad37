"""Open queries marked next to the fields of a form page (issue 20 item 1).

``query_markers(pseudonym)`` is a template global: the page asks once for the participant's
unresolved queries, and the macros of ``templates/queries/_marker.html`` put a marker next to a
field (or a form's heading) that links to the participant's queries.
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

    def on_field(self, table: str, row_id: object, name: str = "") -> int:
        return self.counts.get((table, str(row_id), name), 0)

    def on_form(self, table: str, row_id: object | None = None) -> int:
        """Every unresolved query on the form (its fields included); without ``row_id``, on
        every form of that kind."""
        return sum(n for (t, r, _f), n in self.counts.items()
                   if t == table and (row_id is None or r == str(row_id)))


@pass_context
def query_markers(context: Any, pseudonym: str) -> Markers:
    """The participant's unresolved queries by form and field (none without a user)."""
    user = context.get("user")
    request = context.get("request")
    if user is None or request is None:
        return Markers(pseudonym)
    return Markers(pseudonym, query_lists.field_markers(request.app.state.db, user, pseudonym))
