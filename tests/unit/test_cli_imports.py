"""Commands that need no database start at once (issue 23 item 2): ``dawna --help`` and the
quick commands import none of the heavy libraries, which each command module imports inside the
commands that use them (docs/architecture.md, "CLI modules"); the top-level group is lazy, so
``dawna --help`` imports no command module and ``dawna COMMAND --help`` only that command's.
Checked on the modules loaded in a fresh interpreter after the command ran, not by timing; and
the lazy group's list (``dawna.cli.COMMANDS``) against the commands the modules define."""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import subprocess
import sys
import tempfile
import typing
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
import typer.core
from typer.models import ParameterInfo

HEAVY = ("sqlalchemy", "pandas", "lifelines", "matplotlib", "numpy", "sklearn", "scipy",
         "argon2", "fastapi", "jinja2", "alembic", "psycopg")
PROBE = """
import json, sys
sys.argv = ["dawna", *json.loads(sys.argv[1])]
from dawna.cli import main
try:
    main()
except SystemExit as exc:
    code = exc.code
print("\\n" + json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def _run(args: list[str]) -> dict[str, typing.Any]:
    """``dawna ARGS`` in a fresh interpreter: its exit code and the modules it loaded."""
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(args)], capture_output=True,
                          text=True, timeout=120, check=False)
    report: dict[str, typing.Any] = json.loads(done.stdout.rstrip().rsplit("\n", 1)[-1])
    assert report["code"] == 0, done.stderr
    return report


#: What help needs no more of: pydantic (Typer converts every value through it), Rich (Typer's
#: Rich help; a command's tables), Babel (the catalogues), PyYAML, click (Typer carries its own).
NOT_FOR_HELP = ("pydantic", "pydantic_core", "rich", "babel", "yaml", "click", *HEAVY)
HELP_MODULES = {"dawna.cli", "dawna.cli.common"}


@pytest.mark.parametrize(("args", "modules"), [
    (["--help"], set()),
    (["screen", "--help"], {"dawna.cli.screen"}),
    (["recist", "--help"], {"dawna.cli.recist"}),
    (["simulate", "--help"], {"dawna.cli.simulate"}),
], ids=lambda a: " ".join(a) if isinstance(a, list) else "")
def test_help_imports_only_its_command(args: list[str], modules: set[str]) -> None:
    """``dawna --help`` lists every command without importing its module; ``dawna COMMAND
    --help`` imports that command's module only, and no converter, table or catalogue library."""
    report = _run(args)
    loaded = {m.split(".")[0] for m in report["modules"]}
    assert sorted(loaded & set(NOT_FOR_HELP)) == []
    assert {m for m in report["modules"] if m.startswith("dawna.cli")} == HELP_MODULES | modules


@pytest.mark.parametrize("args", [
    ["--help"],
    ["ctcae", "ANC", "0.8", "10^9/L"],
    ["calendar", "--regimen", "A:letrozole", "--start", "2024-03-01", "--cycles", "1",
     "--format", "json"],
    ["screen", "--help"],
    ["treatment", "--help"],
    ["export", "usdm", str(Path(tempfile.gettempdir()) / "dawna-usdm-import-probe")],
], ids=lambda a: " ".join(a[:2]))
def test_quick_commands_import_no_heavy_library(args: list[str]) -> None:
    report = _run(args)
    loaded = {m.split(".")[0] for m in report["modules"]}
    assert sorted(loaded & set(HEAVY)) == []
    assert "dawna.store.models" not in report["modules"]


def test_importing_auth_computes_no_password_hash() -> None:
    """The dummy hash an unknown user's password is checked against is made at the first login,
    not at import (it cost every command 0.1 s)."""
    probe = ("import dawna.services.auth as auth; "
             "print(auth._dummy_hash.cache_info().currsize, auth._hasher.cache_info().currsize)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0", "0"]


# --- the lazy group's list against the commands of the modules ---------------------------------


def _typer_apps(app: typer.Typer) -> Iterator[typer.Typer]:
    yield app
    for group in app.registered_groups:
        assert group.typer_instance is not None
        yield from _typer_apps(group.typer_instance)


def _cli_modules() -> list[typing.Any]:
    import dawna.cli

    return [importlib.import_module(f"dawna.cli.{m.name}")
            for m in pkgutil.iter_modules(dawna.cli.__path__) if m.name != "__main__"]


def _is_command(function: typing.Any) -> bool:
    """A function whose parameters Typer reads: a ``typer.Argument(...)`` default, an
    ``Annotated[..., typer.Option(...)]`` or a module-level alias of one (``As``)."""
    names = vars(sys.modules[function.__module__])
    for parameter in inspect.signature(function).parameters.values():
        text = str(parameter.annotation)  # a string: the modules postpone their annotations
        alias = getattr(names.get(text), "__metadata__", ())
        if (isinstance(parameter.default, ParameterInfo) or "typer." in text
                or any(isinstance(m, ParameterInfo) for m in alias)):
            return True
    return False


def test_the_lazy_list_names_every_command_of_the_modules() -> None:
    """Every Typer group and every command function defined in ``dawna/cli/`` is reachable from
    ``dawna.cli.COMMANDS`` (a command left out of the list would be unreachable)."""
    from dawna.cli import app

    apps = list(_typer_apps(app))
    mounted = {id(a) for a in apps}
    commands = {id(c.callback) for a in apps for c in a.registered_commands}
    defined_apps, defined_commands = [], []
    for module in _cli_modules():
        for name, value in vars(module).items():
            if isinstance(value, typer.Typer) and id(value) not in mounted:
                defined_apps.append(f"{module.__name__}.{name}")
            elif (inspect.isfunction(value) and value.__module__ == module.__name__
                  and _is_command(value) and id(value) not in commands):
                defined_commands.append(f"{module.__name__}.{name}")
    assert defined_apps == []
    assert defined_commands == []


def test_the_lazy_list_repeats_each_commands_help() -> None:
    """``dawna --help`` shows, for each command, the first paragraph of the command's own help,
    and the lazy group answers each name with the command of that name."""
    import typer.main

    from dawna.cli import COMMANDS, LazyGroup, app

    built = typer.main.get_command(app)
    assert isinstance(built, typer.core.TyperGroup)
    assert sorted(built.commands) == sorted(e.name for e in COMMANDS)
    for entry in COMMANDS:
        own = " ".join((built.commands[entry.name].help or "").split("\n\n")[0].split())
        assert entry.help == own, entry.name
    group = LazyGroup()
    with group.make_context("dawna", ["--install-completion", "--show-completion"],
                            resilient_parsing=True) as ctx:
        assert group.list_commands(ctx) == [e.name for e in COMMANDS]
        for entry in COMMANDS:
            command = group.get_command(ctx, entry.name)
            assert command is not None and command.name == entry.name
        assert group.get_command(ctx, "no-such-command") is None
