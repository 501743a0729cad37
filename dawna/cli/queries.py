"""``dawna queries list|show|raise|answer|close|reopen|run-checks`` and ``dawna sdv
mark|marks|progress``: data queries and source data verification (issue 20 items 1 and 2)
through the same services as the web pages and the JSON API."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from dawna.cli.common import OutputFormat, database, get_settings, principal
from dawna.i18n import _
from dawna.validation import validate

if TYPE_CHECKING:  # the command line starts without SQLAlchemy (docs/architecture.md)
    from dawna.services import query_lists

__all__ = ["app", "sdv_app"]

app = typer.Typer(help="Data queries: raise, answer, close, re-open; the edit checks.",
                  no_args_is_help=True)
sdv_app = typer.Typer(help="Source data verification: mark forms or fields verified; progress.",
                      no_args_is_help=True)

As = Annotated[str, typer.Option("--as", help="User name acting (their roles apply).")]
Format = Annotated[OutputFormat, typer.Option("--format")]
Table = Annotated[str, typer.Option("--form", help="The form's table, e.g. lab_result.")]
Row = Annotated[str, typer.Option("--row", help="The form's record number (row id).")]
Field = Annotated[str | None, typer.Option("--field", help="A field (default: the whole form).")]
Version = Annotated[int, typer.Option(help="The query's version you read.")]


def _plain(view: query_lists.QueryView) -> dict[str, Any]:
    return {"id": view.id, "pseudonym": view.pseudonym, "site": view.site_code,
            "form": view.table_name, "row_id": view.row_id, "field": view.field or None,
            "status": view.status, "text": view.text, "check": view.check_id,
            "raised_by": view.raised_by, "raised_at": view.raised_at.isoformat(),
            "age_days": view.age_days, "version": view.version,
            "messages": [{"kind": m.kind, "answer_kind": m.answer_kind, "text": m.text,
                          "actor": m.actor, "at": m.at.isoformat(),
                          "corrections": list(m.corrections)} for m in view.messages]}


def _line(v: query_lists.QueryView) -> str:
    where = f"{v.table_name} {v.row_id}" + (f" {v.field}" if v.field else "")
    return (f"#{v.id} {v.site_code} {v.pseudonym} {where} [{v.status}, v{v.version}, "
            f"{v.age_days} d] {v.text}")


@app.command("list")
def list_queries(user: As, site: Annotated[str | None, typer.Option()] = None,
                 status: Annotated[str | None, typer.Option(
                     help="open, answered or closed.")] = None,
                 form: Annotated[str | None, typer.Option(help="A form's table.")] = None,
                 min_age: Annotated[int | None, typer.Option(help="At least N days old.")] = None,
                 format: Format = OutputFormat.TEXT) -> None:
    """The queries at your sites, oldest first, with their age in days."""
    from dawna.services import query_lists

    db = database()
    rows = query_lists.site_list(db, get_settings(), principal(db, user), query_lists.QueryFilter(
        site=site, status=status, form=form, min_age=min_age))
    if format is OutputFormat.JSON:
        typer.echo(json.dumps({"queries": [_plain(v) for v in rows]}, indent=2,
                              ensure_ascii=False))
        return
    for v in rows:
        typer.echo(_line(v))


@app.command("show")
def show(query_id: int, user: As, format: Format = OutputFormat.TEXT) -> None:
    """One query with its thread."""
    from dawna.services import query_lists

    db = database()
    v = query_lists.get(db, get_settings(), principal(db, user), query_id)
    if format is OutputFormat.JSON:
        typer.echo(json.dumps(_plain(v), indent=2, ensure_ascii=False))
        return
    typer.echo(_line(v))
    for m in v.messages:
        typer.echo(f"  {m.at.isoformat()} {m.actor} {m.kind}"
                   f"{' (' + m.answer_kind + ')' if m.answer_kind else ''}: {m.text}")
        for c in m.corrections:
            typer.echo(f"    {c['field']}: {c['old']} -> {c['new']} ({c['reason']})")


@app.command("raise")
def raise_query(user: As, table: Table, row: Row,
                text: Annotated[str, typer.Option("--text", help="The question.")],
                field: Field = None) -> None:
    """Raise a query on a form or one of its fields."""
    from dawna.services import queries
    from dawna.services.schemas_queries import QueryRaiseIn

    command = validate(QueryRaiseIn, {"table_name": table, "row_id": row, "field": field,
                                      "text": text})
    db = database()
    query_id = queries.raise_query(db, principal(db, user), command)
    typer.echo(_("query {id} raised").format(id=query_id))


@app.command("answer")
def answer(query_id: int, user: As, version: Version,
           text: Annotated[str, typer.Option("--text")],
           corrected: Annotated[bool, typer.Option(
               "--corrected/--explained",
               help="The value was corrected on its form, or is explained.")] = False) -> None:
    """Answer an open query (after correcting the value on its form, with --corrected)."""
    from dawna.services import queries
    from dawna.services.schemas_queries import QueryAnswerIn

    command = validate(QueryAnswerIn, {"text": text, "version": version,
                                       "answer_kind": "corrected" if corrected else "explained"})
    db = database()
    new = queries.answer(db, principal(db, user), query_id, command)
    typer.echo(_("query {id} answered (version {v})").format(id=query_id, v=new))


@app.command("close")
def close(query_id: int, user: As, version: Version,
          text: Annotated[str, typer.Option("--text")] = "") -> None:
    """Close an open or answered query."""
    from dawna.services import queries
    from dawna.services.schemas_queries import QueryStepIn

    db = database()
    new = queries.close(db, principal(db, user), query_id,
                        validate(QueryStepIn, {"text": text, "version": version}))
    typer.echo(_("query {id} closed (version {v})").format(id=query_id, v=new))


@app.command("reopen")
def reopen(query_id: int, user: As, version: Version,
           text: Annotated[str, typer.Option("--text", help="Why it is re-opened.")]) -> None:
    """Re-open an answered or closed query."""
    from dawna.services import queries
    from dawna.services.schemas_queries import QueryStepIn

    db = database()
    new = queries.reopen(db, principal(db, user), query_id,
                         validate(QueryStepIn, {"text": text, "version": version}))
    typer.echo(_("query {id} re-opened (version {v})").format(id=query_id, v=new))


@app.command("run-checks")
def run_checks(user: Annotated[str | None, typer.Option(
        "--as", help="Only the sites where this user raises queries (default: every "
                     "participant).")] = None) -> None:
    """Run the edit checks over the store; a finding already queried is not raised again."""
    from dawna.services import query_checks

    db = database()
    settings = get_settings()
    run = (query_checks.run_for(db, settings, principal(db, user)) if user
           else query_checks.run_checks(db, settings))
    typer.echo(_("edit checks: {p} participants, {f} findings, {r} queries raised, {a} already "
                 "queried").format(p=run.participants, f=run.findings, r=run.raised,
                                   a=run.already))


@sdv_app.command("mark")
def mark(user: As, table: Table, row: Row, field: Field = None) -> None:
    """Mark a form (or one field) verified against the source."""
    from dawna.services import sdv
    from dawna.services.schemas_queries import SdvMarkIn

    command = validate(SdvMarkIn, {"table_name": table, "row_id": row, "field": field})
    db = database()
    m = sdv.mark(db, principal(db, user), command)
    typer.echo(_("verified: {form} {row} {field}").format(form=m.table_name, row=m.row_id,
                                                          field=m.field or _("whole form")))


@sdv_app.command("marks")
def marks(pseudonym: str, user: As,
          cleared: Annotated[bool, typer.Option(help="Also the cleared marks.")] = False) -> None:
    """A participant's verification marks."""
    from dawna.services import sdv

    db = database()
    for m in sdv.marks_of(db, principal(db, user), pseudonym, cleared):
        state = (_("cleared {at} by {who}: {why}").format(
            at=m.cleared_at.isoformat(), who=m.cleared_by, why=m.cleared_reason)
            if m.cleared_at else _("in force"))
        typer.echo(f"{m.table_name} {m.row_id} {m.field or '-'}: {m.verified_by} "
                   f"{m.verified_at.isoformat()} ({state})")


@sdv_app.command("progress")
def progress(user: As, by: Annotated[str, typer.Option(
                 help="participant, form or site.")] = "participant",
             site: Annotated[str | None, typer.Option()] = None,
             format: Format = OutputFormat.TEXT) -> None:
    """Percent of forms verified, per participant, form or site."""
    from dawna.services import sdv

    db = database()
    rows = sdv.progress(db, principal(db, user), by, site)
    if format is OutputFormat.JSON:
        typer.echo(json.dumps({"by": by, "rows": [
            {"key": r.key, "forms": r.forms, "verified": r.verified, "partly": r.partly,
             "percent": r.percent} for r in rows]}, indent=2, ensure_ascii=False))
        return
    for r in rows:
        percent = "-" if r.percent is None else f"{r.percent:.1f} %"
        typer.echo(f"{r.key}: {r.verified}/{r.forms} {percent} ({r.partly} partly)")
