"""The ``dawna`` command line (Typer): one module per area, sharing :mod:`dawna.cli.common`.
Errors print one line and exit non-zero.

Entry points: the console script ``dawna`` (``dawna.cli:main``), ``python -m dawna`` and
``python -m dawna.cli``.

The top-level group is lazy (issue 23 item 2; click's "lazy loading of subcommands"):
:data:`COMMANDS` gives each command's name, its one-line help, as ``dawna --help`` lists it,
and where it lives, and a command's module is imported only when that command runs or shows its
help. ``dawna --help`` therefore imports Typer and this module, no command module.
``tests/unit/test_cli_imports.py`` checks that :data:`COMMANDS` names every command of the
modules and repeats their help. The whole Typer app, every command mounted (the tests walk and
invoke it), is :data:`app`, built on first use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping
from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING, Any, NamedTuple

import typer
from typer.core import TyperGroup, TyperOption

from dawna.cli.common import run

if TYPE_CHECKING:
    from typer._click import Command, Context, HelpFormatter

__all__ = ["COMMANDS", "HELP", "Entry", "LazyGroup", "app", "load", "main", "target"]

HELP = "dawna: the DAWNA-FES (NCT05861830) trial software."


class Entry(NamedTuple):
    """A top-level command: its name, its one-line help (the first paragraph of the command's own
    help) and where it lives, ``MODULE:ATTRIBUTE`` in ``dawna.cli``: a ``typer.Typer`` group or a
    command function; ``mounts:NAME`` is a function of :mod:`dawna.cli.mounts` that mounts a
    group from several modules."""

    name: str
    help: str
    target: str


# The order of ``dawna --help``: the single commands, then the groups.
COMMANDS: tuple[Entry, ...] = (
    Entry("screen", "Judge a screening record against the DAWNA-FES eligibility criteria (no "
          "database).", "screen:screen"),
    Entry("recist", "Evaluate a RECIST 1.1 case: timepoint responses, best overall response, "
          "progression.", "recist:recist"),
    Entry("dashboard", "Counts by state (CONSORT flow), re-consent due, follow-up contacts due.",
          "course:dashboard"),
    Entry("calendar", "Print a treatment calendar: every dose day, visit, blood count and tumour "
          "assessment.", "schedule:calendar"),
    Entry("ctcae", "The CTCAE v5.0 grade of a laboratory value, with the rule applied.",
          "schedule:ctcae_command"),
    Entry("simulate", "Simulate the trial design: power, events, duration and the detectable "
          "hazard ratio.", "simulate:simulate"),
    Entry("report", "The trial report: CONSORT, baseline, Kaplan–Meier, forest, waterfall, "
          "swimmer, spider, response and safety tables, registry results tables.",
          "analysis:report"),
    Entry("randomize", "Randomize a signed-eligible participant (prints the allocation as JSON).",
          "randomization:randomize_command"),
    Entry("serve", "Serve the web application.", "admin:serve"),
    Entry("demo", "Fill an empty database with the simulated demo trial "
          "(dawna/demo/trial.yaml).", "admin:demo"),
    Entry("db", "Database schema (Alembic migrations).", "admin:db_app"),
    Entry("user", "Users and their roles per site.", "mounts:user"),
    Entry("site", "Trial sites.", "admin:site_app"),
    Entry("protocol", "Validate and show study protocol files (the trial's registry record as "
          "data).", "mounts:protocol"),
    Entry("eligibility", "Eligibility: save or correct a screening record, signed and corrected "
          "decisions, protocol deviations.", "eligibility:app"),
    Entry("deviations", "Protocol deviations: list, record, detect, acknowledge, review.",
          "deviations:app"),
    Entry("course", "A participant's course: consent, treatment, follow-up, end of study.",
          "course:app"),
    Entry("pet", "PET/CT: SUV from DICOM, FES and FDG lesion reads.", "pet:app"),
    Entry("registry", "Registry records (ClinicalTrials.gov API v2 JSON).", "registry:app"),
    Entry("analysis", "The trial's results: survival, response, safety.", "analysis:app"),
    Entry("export", "Data exports.", "mounts:export"),
    Entry("import", "Imports into an empty database.", "odm:import_app"),
    Entry("treatment", "Treatment and safety: plan, cycles, labs, adverse events, doses.",
          "mounts:treatment"),
    Entry("clinical", "Clinical forms: concomitant medications, medical history, vital signs, "
          "ECG.", "mounts:clinical"),
    Entry("randomization", "The allocation list: generate, go live, verify, balance.",
          "randomization:app"),
    Entry("sign", "Sign a form or a casebook (21 CFR 11.50; password re-entered).",
          "signoff:sign_app"),
    Entry("lock", "Lock or unlock a form or a casebook (data manager).", "signoff:lock_app"),
    Entry("freeze", "Data freezes for an analysis cut (data manager).", "signoff:freeze_app"),
    Entry("audit", "The audit trail: read it, verify its hash chain and rows, print its head.",
          "audit:app"),
    Entry("forms", "Case report forms: where each stands against the schedule.", "forms:app"),
    Entry("queries", "Data queries: raise, answer, close, re-open; the edit checks.",
          "queries:app"),
    Entry("sdv", "Source data verification: mark forms or fields verified; progress.",
          "queries:sdv_app"),
)
_ENTRIES = {e.name: e for e in COMMANDS}


def target(entry: Entry) -> typer.Typer | Callable[..., Any]:
    """The Typer group or the command function of ``entry`` (its module imported now)."""
    module, _sep, attribute = entry.target.partition(":")
    found = getattr(import_module(f"dawna.cli.{module}"), attribute)
    return found() if module == "mounts" else found  # type: ignore[no-any-return]


def _first_paragraph(text: str | None) -> str:
    return " ".join((text or "").split("\n\n")[0].split())


class _Group(TyperGroup):
    """A group of ``dawna`` (``dawna treatment``): its list of commands gives each command's
    first paragraph in full, wrapped, as Typer's Rich help did (click cuts it to one line)."""

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, _first_paragraph(command.short_help or command.help)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _mount(app: typer.Typer, entry: Entry) -> None:
    found = target(entry)
    if isinstance(found, typer.Typer):
        app.add_typer(found, name=entry.name, cls=_Group)
    else:
        app.command(entry.name)(found)


def _typer_app() -> typer.Typer:
    # Plain help (click's layout): Typer's Rich help costs every ``--help`` 0.4 s of imports.
    return typer.Typer(help=HELP, no_args_is_help=True, pretty_exceptions_enable=False,
                       rich_markup_mode=None)


def load(name: str) -> Command:
    """The click command of the top-level command ``name``, its module imported now; built in
    the locale of the moment (help texts given through ``_()`` are read in it)."""
    holder = _typer_app()
    _mount(holder, _ENTRIES[name])
    return typer.main.get_group(holder).commands[name]


class _Commands(MutableMapping[str, "Command"]):
    """The commands of :class:`LazyGroup`: every name of :data:`COMMANDS`, each loaded when it
    is first looked up (suggestions for a mistyped name read the names only)."""

    def __init__(self) -> None:
        self._loaded: dict[str, Command] = {}

    def __getitem__(self, name: str) -> Command:
        if name not in self._loaded:
            if name not in _ENTRIES:
                raise KeyError(name)
            self._loaded[name] = load(name)
        return self._loaded[name]

    def __setitem__(self, name: str, command: Command) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        raise TypeError("the commands of dawna are fixed (dawna.cli.COMMANDS)")

    def __iter__(self) -> Iterator[str]:
        return iter(_ENTRIES)

    def __len__(self) -> int:
        return len(_ENTRIES)


class _Flag(TyperOption):
    """A flag of the top-level group (``--help``, ``--install-completion``,
    ``--show-completion``) that is not given stays None without being converted: Typer converts
    every value, None too, through a pydantic ``TypeAdapter``, whose import cost every
    ``dawna COMMAND --help`` 0.2 s."""

    def process_value(self, ctx: Context, value: Any) -> Any:
        if value is not None:
            return super().process_value(ctx, value)
        return value if self.callback is None else self.callback(ctx, self, value)


class LazyGroup(_Group):
    """``dawna``: lists :data:`COMMANDS` from their names and one-line helps, and imports a
    command's module when it is invoked (or its help shown)."""

    def __init__(self) -> None:
        params = list(typer.main.get_install_completion_arguments())
        for param in params:
            param.__class__ = _Flag
        super().__init__(name="dawna", help=HELP, no_args_is_help=True, rich_markup_mode=None,
                         params=params)
        self.commands = _Commands()

    def get_help_option(self, ctx: Context) -> TyperOption | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.__class__ = _Flag
        return option

    def list_commands(self, ctx: Context) -> list[str]:
        return list(_ENTRIES)

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(e.name, e.help) for e in COMMANDS])


@cache
def _full_app() -> typer.Typer:
    app = _typer_app()
    for entry in COMMANDS:
        _mount(app, entry)
    return app


def __getattr__(name: str) -> Any:
    """``dawna.cli.app``: the whole Typer app, every module imported (for the tests and for
    tools that walk the commands); the console script does not use it."""
    if name == "app":
        return _full_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if TYPE_CHECKING:
    app: typer.Typer


def main() -> None:
    """Entry point: run the lazy group, turning dawna errors into one line and exit code 1."""
    run(LazyGroup())
