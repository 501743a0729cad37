"""``dawna treatment susar-report``, ``dawna treatment susars`` and ``dawna treatment terms``:
SUSAR reports to the ethics committee and the authority with their ICH E2A clocks, and the
CTCAE v5.0 terms found in English or Chinese, through the same services and rules as the web
pages (registered on the ``dawna treatment`` group in :mod:`dawna.cli`)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from dawna.cli.common import OutputFormat, database, day, get_settings, principal
from dawna.i18n import _

__all__ = ["susar_report", "susars", "terms"]

As = Annotated[str, typer.Option("--as", help="User name acting (their roles apply).")]


def susar_report(
    pseudonym: str, user: As,
    number: Annotated[int, typer.Option(help="The adverse event's number.")],
    kind: Annotated[str, typer.Option(help="initial or follow_up.")],
    to: Annotated[str, typer.Option("--to", help="ethics_committee or authority.")],
    sent_on: Annotated[str, typer.Option(help="Date sent (YYYY-MM-DD, site calendar).")],
    sent_by: Annotated[str | None, typer.Option(help="Who sent it (default: --as).")] = None,
    reference: Annotated[str | None, typer.Option(help="The recipient's reference.")] = None,
) -> None:
    """Record a SUSAR report sent to the ethics committee or the authority."""
    from dawna.services import safety
    from dawna.validation import validate

    report = validate(safety.SusarReportIn, {
        "kind": kind, "recipient": to, "sent_on": day(sent_on, "sent_on").isoformat(),
        "sent_by": sent_by, "reference": reference}, root="susar_report")
    db = database()
    safety.record_susar_report(db, get_settings(), principal(db, user), pseudonym, number,
                               report)
    typer.echo(_("SUSAR report recorded: adverse event {n}, {kind}, to {to}").format(
        n=number, kind=kind, to=to))


def susars(user: As,
           format: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TEXT
           ) -> None:
    """The SUSARs of your sites: each clock's due day (site calendar) and status."""
    from dawna.services import safety
    from dawna.services.treatment.schemas_safety import SusarOut

    db = database()
    rows = safety.site_susars(db, get_settings(), principal(db, user))
    if format is OutputFormat.JSON:
        typer.echo(json.dumps({"susars": [SusarOut.of(r).model_dump() for r in rows]},
                              indent=2, ensure_ascii=False))
        return
    for r in rows:
        for d in r.deadlines:
            missing = ", ".join(d.missing) or "-"
            typer.echo(_("SUSAR {id} #{n} {term}: {kind} due {due} ({status}; still to: "
                         "{missing})").format(id=r.pseudonym, n=r.number, term=r.term,
                                              kind=d.kind, due=d.due_on.isoformat(),
                                              status=d.status, missing=missing))


def terms(query: Annotated[str, typer.Argument(help="English or Chinese, e.g. nausea, 恶心.")],
          format: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TEXT
          ) -> None:
    """CTCAE v5.0 terms matching QUERY in English or Chinese, best first (no database)."""
    from dawna.rules.ctcae_search import search_terms
    from dawna.services.treatment.schemas_safety import CtcaeTermOut

    found = search_terms(query)
    if format is OutputFormat.JSON:
        typer.echo(json.dumps({"query": query, "terms": [CtcaeTermOut.of(t).model_dump()
                                                         for t in found]},
                              indent=2, ensure_ascii=False))
        return
    if not found:
        typer.echo(_("no CTCAE v5.0 term matches {query}").format(query=query))
    for t in found:
        grades = ", ".join(str(g) for g in sorted(t.grades))
        typer.echo(f"{t.term} · {t.zh} ({t.soc}; {_('grades')} {grades})")
