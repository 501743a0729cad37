"""``dawna serve``, ``dawna db ...``, ``dawna demo``, ``dawna site create`` and
``dawna user ...``: running the application and administering its database, sites and users."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from dawna.cli.common import actor, database, day, get_settings
from dawna.i18n import _
from dawna.store.roles import Role

if TYPE_CHECKING:
    from dawna.store.db import Database

__all__ = ["db_app", "demo", "serve", "site_app", "user_app"]

db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
user_app = typer.Typer(help="Users and their roles per site.", no_args_is_help=True)
site_app = typer.Typer(help="Trial sites.", no_args_is_help=True)
console = Console()
#: Seconds an idle keep-alive connection stays open (above the idle time of common clients and
#: proxies: httpx 5 s, nginx's upstream keepalive_timeout 60 s; docs/deployment.md).
KEEP_ALIVE_S = 75


def serve(host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
          workers: Annotated[int, typer.Option(
              min=1, max=64, help="Worker processes (docs/deployment.md: one per CPU core on "
                                  "PostgreSQL).")] = 1,
          access_log: Annotated[bool, typer.Option(
              help="One log line per request (off when a reverse proxy keeps that log; "
                   "docs/deployment.md).")] = True) -> None:
    """Serve the web application."""
    from dawna import serving
    from dawna.config import get_settings as environment_settings
    from dawna.store.db import Database

    # each worker, at its start, imports the analysis libraries and builds the participants'
    # page data; set before the settings are first read, which one worker (the application
    # made in this process) shares (get_settings keeps what it read)
    os.environ.setdefault("DAWNA_PRELOAD_ANALYSIS", "1")
    os.environ.setdefault("DAWNA_WARM_PAGES", "1")
    environment_settings.cache_clear()
    settings = get_settings()
    db = Database(settings.database_url)
    if workers > 1 and db.dialect == "sqlite":
        # randomization serialises SQLite writers inside one process (services/randomization.py)
        raise typer.BadParameter(_("SQLite is served by one worker process; use PostgreSQL for "
                                   "several"), param_hint="--workers")
    _refuse_another_schema(db)
    console.print(_("dawna is serving on [bold]http://{host}:{port}/study[/bold] "
                    "(database: {db}, {n} worker processes)").format(
        host=host, port=port, n=workers,
        db=db.engine.url.render_as_string(hide_password=True)))
    db.dispose()
    # an import string and a factory: each worker process builds its own application, engine
    # and connection pool from the DAWNA_* environment it inherits. A worker answers the
    # supervisor's health check only once it has imported the application, which takes seconds
    # on a busy machine: with uvicorn's 5 s default the supervisor killed and restarted
    # starting workers in a loop, so it waits a minute.
    # An idle keep-alive connection is closed after KEEP_ALIVE_S, not uvicorn's 5 s: a client
    # (httpx, a reverse proxy) that keeps idle connections for 5 s sent its next request on
    # a connection the server was closing at that moment, and got no answer (RemoteProtocolError,
    # bench/README.md); the server's idle time must outlast its clients'.
    # Several workers on Linux: each listens on a socket of its own (SO_REUSEPORT), so that the
    # kernel shares new connections evenly between them (serving.py says why).
    try:
        serving.run("dawna.web.app:create_app", factory=True, host=host, port=port,
                    workers=workers, timeout_worker_healthcheck=60, log_level="info",
                    timeout_keep_alive=KEEP_ALIVE_S, access_log=access_log,
                    server_header=False)  # no Server header (issue 19 item 11)
    except serving.PortTaken:
        raise typer.BadParameter(_("{host}:{port} is in use: another server listens there "
                                   "(stop it, or choose another port)").format(
            host=host, port=port), param_hint="--port") from None


def _refuse_another_schema(db: Database) -> None:
    """Serve only a database at this version's last migration: an older schema lacks what the
    code reads, and a server of an older version writing to a newer schema would skip what the
    newer migrations added (since 0026: moving the participants' data versions, without which
    the newer servers would keep serving those participants' pages as they were). A database
    that cannot be reached now is left to the workers, as before (it may be starting too)."""
    from dawna.store.migrate import revisions

    found = revisions(db)
    if found is None:
        console.print(_("[yellow]The database's schema version could not be read; serving "
                        "anyway.[/yellow]"))
        return
    current, head = found
    if current != head:
        db.dispose()
        raise typer.BadParameter(_(
            "the database is at schema version {current}, this version of dawna serves {head}: "
            "stop every server, run `dawna db upgrade` (or `dawna db roles`) with this version, "
            "then start the servers of this version only").format(
                current=current or "-", head=head), param_hint="DAWNA_DATABASE_URL")


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply the Alembic migrations up to REVISION (default: head)."""
    from dawna.store.migrate import upgrade

    url = get_settings().database_url
    upgrade(url, revision)
    console.print(_("database at revision {rev}").format(rev=revision))


@db_app.command("current")
def db_current() -> None:
    """Print the database's current migration revision."""
    from dawna.store.migrate import current_revision, head_revision

    rev = current_revision(database())
    console.print(f"{rev or '-'} (head: {head_revision()})")


@db_app.command("roles")
def db_roles(owner: Annotated[str, typer.Option(
                 help="Role that owns the schema and runs the migrations.")] = "dawna_owner",
             app: Annotated[str, typer.Option(
                 help="Role the application connects as (INSERT and SELECT only on the audit "
                      "trail).")] = "dawna_app") -> None:
    """PostgreSQL: create the owner and application roles, migrate as the owner and grant the
    application its rights. Run as a superuser (DAWNA_DATABASE_URL); passwords from
    DAWNA_DB_OWNER_PASSWORD and DAWNA_DB_APP_PASSWORD when set. Idempotent: run it again after
    every upgrade."""
    import os

    from dawna.store.pg_roles import create_roles

    result = create_roles(get_settings().database_url, owner, app,
                          owner_password=os.environ.get("DAWNA_DB_OWNER_PASSWORD"),
                          app_password=os.environ.get("DAWNA_DB_APP_PASSWORD"))
    console.print(_("database %(db)s: %(n)s tables owned by %(owner)s; %(app)s may read and "
                    "write trial data and only add to the audit trail") % {
        "db": result.database, "n": result.tables, "owner": result.owner, "app": result.app},
        highlight=False)


@db_app.command("backup")
def db_backup(file: Annotated[Path, typer.Argument(help="Backup file to write (new).")]) -> None:
    """Back up the whole database to FILE: pg_dump (custom format) on PostgreSQL, the SQLite
    backup API on SQLite. Safe while the application runs."""
    from dawna.store.backup import backup

    result = backup(get_settings().database_url, file)
    console.print(_("%(kind)s backup written to %(file)s (%(size)s bytes)") % {
        "kind": result.kind, "file": result.file, "size": result.size_bytes}, highlight=False)


@db_app.command("restore")
def db_restore(file: Annotated[Path, typer.Argument(help="Backup file made by dawna db backup.")],
               yes: Annotated[bool, typer.Option(
                   "--yes", help="Replace the database without asking.")] = False) -> None:
    """Replace the whole database, audit trail included, with the backup in FILE (pg_restore on
    PostgreSQL, the SQLite backup API on SQLite). Stop the application servers first."""
    from dawna.store.backup import restore

    if not yes and not typer.confirm(_("Replace every record in the database with the backup?")):
        raise typer.Abort()
    result = restore(get_settings().database_url, file)
    console.print(_("%(kind)s database restored from %(file)s") % {
        "kind": result.kind, "file": result.file}, highlight=False)


def demo(if_empty: Annotated[bool, typer.Option(
        "--if-empty", help="Do nothing (and succeed) when the database already holds data.")]
         = False,
         participants: Annotated[int | None, typer.Option(
             help="Register this many participants in all (default: the configuration's, "
                  "about 134 for 80 randomized).", show_default=False)] = None,
         as_of: Annotated[str | None, typer.Option(
             "--as-of", help="Simulate the trial only up to this day (YYYY-MM-DD), e.g. for a "
                             "training database that shows the same stage whatever the day "
                             "(default: today).", show_default=False)] = None) -> None:
    """Fill an empty database with the simulated demo trial (dawna/demo/trial.yaml)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from dawna import demo as demo_service

    settings = get_settings()
    db = database()
    if if_empty and not demo_service.is_empty(db):
        console.print(_("database already holds data; demo not loaded"))
        return
    until = day(as_of, "as_of") if as_of is not None else None
    cfg = demo_service.scaled_config(participants)
    total = sum(s["participants"] for s in cfg["sites"])
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=console) as progress:
        task = progress.add_task(_("Registering simulated participants"), total=total)
        summary = demo_service.load(db, settings, progress=lambda _p: progress.advance(task),
                                    size=participants, as_of=until)
    table = Table(title=_("Demo logins"))
    for column in (_("User name"), _("Password"), _("Roles")):
        table.add_column(column)
    for row in summary.users:
        table.add_row(*row)
    console.print(table)
    console.print(_("{participants} participants registered, {screened} screened, {randomized} "
                    "randomized, {assessments} tumour assessments").format(
        participants=summary.participants, screened=summary.screened,
        randomized=summary.randomized, assessments=summary.tumour_assessments), highlight=False)
    console.print(_("{treated} treated, {cycles} cycles, {aes} adverse events, {decisions} dose "
                    "decisions").format(treated=summary.treated, cycles=summary.cycles,
                                        aes=summary.adverse_events,
                                        decisions=summary.dose_decisions), highlight=False)


@site_app.command("create")
def site_create(code: Annotated[str, typer.Argument(help="Short site code, e.g. PUMCH.")],
                name: Annotated[str, typer.Option(help="Full site name.")],
                city: Annotated[str, typer.Option(help="City.")] = "",
                reason: Annotated[str, typer.Option(help="Reason (audit trail).")] =
                "Site created from the command line") -> None:
    """Create a trial site."""
    from dawna.services import admin
    from dawna.services.schemas import SiteCreate
    from dawna.validation import validate

    data = validate(SiteCreate, {"code": code, "name": name, "city": city})
    admin.create_site(database(), actor(), data, reason)
    console.print(_("site {code} created").format(code=code))


@user_app.command("create")
def user_create(username: Annotated[str, typer.Argument(help="Login name.")],
                name: Annotated[str, typer.Option(help="Display name.")],
                role: Annotated[Role, typer.Option(help="Role at the site.")],
                site: Annotated[str, typer.Option(help="Site code.")],
                password_stdin: Annotated[bool, typer.Option(
                    "--password-stdin", help="Read the password from standard input.")] = False,
                locale: Annotated[str | None, typer.Option(help="en or zh_CN.")] = None,
                reason: Annotated[str, typer.Option(help="Reason (audit trail).")] =
                "User created from the command line") -> None:
    """Create a user holding ROLE at SITE (password asked, or read from stdin)."""
    from dawna.services import admin
    from dawna.services.schemas import UserCreate
    from dawna.validation import validate

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt(_("Password"), hide_input=True, confirmation_prompt=True)
    data = validate(UserCreate, {"username": username, "display_name": name,
                                 "password": password, "locale": locale})
    db = database()
    admin.create_user(db, actor(), data, reason)
    admin.grant_role(db, actor(), username, site, role, reason)
    console.print(_("user {name} created with role {role} at {site}").format(
        name=username, role=role.value, site=site))


@user_app.command("grant")
def user_grant(username: Annotated[str, typer.Argument(help="Login name.")],
               role: Annotated[Role, typer.Option(help="Role to grant.")],
               site: Annotated[str, typer.Option(help="Site code.")],
               reason: Annotated[str, typer.Option(help="Reason (audit trail).")]) -> None:
    """Grant a user a further role at a site."""
    from dawna.services import admin

    admin.grant_role(database(), actor(), username, site, role, reason)
    console.print(_("{role} granted to {name} at {site}").format(
        name=username, role=role.value, site=site))



@user_app.command("deactivate")
def user_deactivate(username: Annotated[str, typer.Argument(help="Login name.")],
                    reason: Annotated[str, typer.Option(help="Reason (audit trail).")]) -> None:
    """Deactivate a user: no more logins or signatures, and their open sessions end at once."""
    from dawna.services import admin

    ended = admin.deactivate_user(database(), actor(), username, reason)
    console.print(_("user %(name)s deactivated; %(n)s open sessions ended")
                  % {"name": username, "n": ended})
