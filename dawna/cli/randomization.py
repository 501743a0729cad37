"""``dawna randomization ...`` and ``dawna randomize``: the same services as the web pages."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from dawna.cli.common import actor, database, get_settings, principal
from dawna.errors import ValidationError
from dawna.i18n import _

app = typer.Typer(help="The allocation list: generate, go live, verify, balance.",
                  no_args_is_help=True)
console = Console()


@app.command()
def generate(reason: Annotated[str, typer.Option(help="Reason (audit trail).")],
             size: Annotated[int | None, typer.Option(
                 help="Positions per stratum (default: the protocol file's).")] = None) -> None:
    """Generate the allocation list once, from a new secret seed (sealed in the database)."""
    from dawna.services import randomization

    st = randomization.generate(database(), get_settings(), actor(), reason, size)
    console.print(_("allocation list generated: {n} positions, fingerprint {f}").format(
        n=st.capacity, f=st.fingerprint))


@app.command("go-live")
def go_live(reason: Annotated[str, typer.Option(help="Reason (audit trail).")]) -> None:
    """Lock the randomization configuration; randomizing becomes possible."""
    from dawna.services import randomization

    st = randomization.go_live(database(), actor(), reason)
    console.print(_("randomization live since {t}").format(t=st.live_at))


@app.command()
def verify() -> None:
    """Recompute the list from the sealed seed and check every allocation made."""
    from dawna.services import randomization_report

    report = randomization_report.verify(database(), get_settings())
    console.print(_("{n} allocations checked; fingerprint {state}").format(
        n=report.checked, state=_("matches") if report.fingerprint_ok else _("does NOT match")))
    for line in report.mismatches:
        console.print(f"[red]{line}[/red]")
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def balance(as_user: Annotated[str, typer.Option("--as", help="Statistician's user name.")]
            ) -> None:
    """Allocations by arm within each stratum, factor level and site."""
    from dawna.services import randomization_report

    db = database()
    report = randomization_report.balance(db, principal(db, as_user))
    for key in ("strata", "factors", "sites"):
        table = Table(title=key)
        table.add_column("")
        for arm in report["arms"]:
            table.add_column(arm)
        for name, counts in report[key].items():
            table.add_row(name, *[str(counts[a]) for a in report["arms"]])
        console.print(table)


def randomize_command(
        pseudonym: Annotated[str, typer.Argument(help="Participant pseudonym (DF-...).")],
        as_user: Annotated[str, typer.Option("--as", help="Investigator or coordinator.")],
        factor: Annotated[list[str], typer.Option(help="FACTOR=LEVEL, once per factor.")],
        choice: Annotated[list[str], typer.Option(help="GROUP=OPTION, once per choice group.")],
        ) -> None:
    """Randomize a signed-eligible participant (prints the allocation as JSON)."""
    from dawna.services import randomization

    def pairs(items: list[str], name: str) -> dict[str, str]:
        out = {}
        for item in items:
            key, sep, value = item.partition("=")
            if not sep or not key or not value:
                raise ValidationError(_("write {item!r} as NAME=VALUE").format(item=item),
                                      field=name)
            out[key] = value
        return out

    db = database()
    view = randomization.randomize(db, get_settings(), principal(db, as_user), pseudonym,
                                   pairs(factor, "factor"), pairs(choice, "choice"))
    print(json.dumps({**view.__dict__, "randomized_at": view.randomized_at.isoformat()},
                     ensure_ascii=False, indent=2))
