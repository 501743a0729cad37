"""The ``dawna`` command line (Typer). Errors print one line and exit non-zero."""

from __future__ import annotations

import getpass
import os
import sys
from typing import Annotated

import click
import typer
from pydantic import ValidationError as PydanticValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from dawna.analysis_commands import app as analysis_app
from dawna.analysis_commands import export_app, report
from dawna.config import get_settings
from dawna.course_commands import app as course_app
from dawna.course_commands import dashboard as dashboard_command
from dawna.errors import DawnaError, ValidationError
from dawna.i18n import _, set_locale
from dawna.pet_commands import app as pet_app
from dawna.protocol.commands import app as protocol_app
from dawna.randomization_commands import app as randomization_app
from dawna.randomization_commands import randomize_command
from dawna.recist_command import recist
from dawna.registry_commands import app as registry_app
from dawna.screen_command import screen
from dawna.simulate_command import simulate
from dawna.store.audit import Actor
from dawna.store.db import Database
from dawna.store.models import Role
from dawna.treatment_commands import app as treatment_app
from dawna.treatment_commands import calendar as calendar_command
from dawna.treatment_commands import ctcae_command
from dawna.validation import from_pydantic

app = typer.Typer(help="dawna: the DAWNA-FES (NCT05861830) trial software.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
user_app = typer.Typer(help="Users and their roles per site.", no_args_is_help=True)
site_app = typer.Typer(help="Trial sites.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(site_app, name="site")
app.add_typer(protocol_app, name="protocol")
app.command("screen")(screen)
app.command("recist")(recist)
app.add_typer(course_app, name="course")
app.add_typer(pet_app, name="pet")
app.add_typer(registry_app, name="registry")
app.command("dashboard")(dashboard_command)
app.command("calendar")(calendar_command)
app.command("ctcae")(ctcae_command)
app.command("simulate")(simulate)
app.add_typer(analysis_app, name="analysis")
app.add_typer(export_app, name="export")
app.command("report")(report)
app.add_typer(treatment_app, name="treatment")
app.add_typer(randomization_app, name="randomization")
app.command("randomize")(randomize_command)

console = Console()


def _cli_actor() -> Actor:
    return Actor(user_id=None, username=f"cli:{getpass.getuser()}")


def _database() -> Database:
    return Database(get_settings().database_url)


def _pydantic(exc: PydanticValidationError) -> ValidationError:
    return from_pydantic(exc)


@app.command()
def serve(host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="TCP port.")] = 8000) -> None:
    """Serve the web application."""
    import uvicorn

    from dawna.web.app import create_app

    settings = get_settings()
    console.print(_("dawna is serving on [bold]http://{host}:{port}/study[/bold] "
                    "(database: {db})").format(host=host, port=port,
                                              db=Database(settings.database_url).engine.url
                                              .render_as_string(hide_password=True)))
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


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

    rev = current_revision(_database())
    console.print(f"{rev or '-'} (head: {head_revision()})")


@app.command()
def demo(if_empty: Annotated[bool, typer.Option(
        "--if-empty", help="Do nothing (and succeed) when the database already holds data.")]
         = False,
         participants: Annotated[int | None, typer.Option(
             help="Register this many participants in all (default: the configuration's, "
                  "about 134 for 80 randomized).", show_default=False)] = None) -> None:
    """Fill an empty database with the simulated demo trial (dawna/demo/trial.yaml)."""
    from dawna import demo as demo_service

    settings = get_settings()
    db = _database()
    if if_empty and not demo_service.is_empty(db):
        console.print(_("database already holds data; demo not loaded"))
        return
    cfg = demo_service.scaled_config(participants)
    total = sum(s["participants"] for s in cfg["sites"])
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=console) as progress:
        task = progress.add_task(_("Registering simulated participants"), total=total)
        summary = demo_service.load(db, settings, progress=lambda _p: progress.advance(task),
                                    size=participants)
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

    try:
        data = SiteCreate(code=code, name=name, city=city)
    except PydanticValidationError as exc:
        raise _pydantic(exc) from exc
    admin.create_site(_database(), _cli_actor(), data, reason)
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

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt(_("Password"), hide_input=True, confirmation_prompt=True)
    try:
        data = UserCreate(username=username, display_name=name, password=password,
                          locale=locale)
    except PydanticValidationError as exc:
        raise _pydantic(exc) from exc
    db = _database()
    admin.create_user(db, _cli_actor(), data, reason)
    admin.grant_role(db, _cli_actor(), username, site, role, reason)
    console.print(_("user {name} created with role {role} at {site}").format(
        name=username, role=role.value, site=site))


@user_app.command("grant")
def user_grant(username: Annotated[str, typer.Argument(help="Login name.")],
               role: Annotated[Role, typer.Option(help="Role to grant.")],
               site: Annotated[str, typer.Option(help="Site code.")],
               reason: Annotated[str, typer.Option(help="Reason (audit trail).")]) -> None:
    """Grant a user a further role at a site."""
    from dawna.services import admin

    admin.grant_role(_database(), _cli_actor(), username, site, role, reason)
    console.print(_("{role} granted to {name} at {site}").format(
        name=username, role=role.value, site=site))


def main() -> None:
    """Entry point: run the Typer app, turning dawna errors into one line and exit code 1."""
    set_locale("zh_CN" if os.environ.get("LANG", "").lower().startswith("zh") else "en")
    try:
        code = app(standalone_mode=False)
    except DawnaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        print("error: aborted", file=sys.stderr)
        sys.exit(1)
    except Exception as exc:  # one line for anything unforeseen; DAWNA_DEBUG=1 re-raises
        if os.environ.get("DAWNA_DEBUG"):
            raise
        print(f"error: {type(exc).__name__}: {exc} (set DAWNA_DEBUG=1 for details)",
              file=sys.stderr)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
