"""``dawna export define DIR --as USER``: the ADaM data sets with their Define-XML 2.1
(``define.xml``, validated against the Define-XML 2.1 schema shipped with odmlib) and its HTML
rendering (``define.html``), ``manifest.json``, and the export recorded in the audit trail
(issue 22 item 2; ``docs/define-xml.md``). The Define-XML describes the files written beside
it, so the command writes both."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dawna.cli.analysis import As, Cutoff, Freeze
from dawna.cli.common import database, day, get_settings, principal
from dawna.i18n import _

__all__ = ["export_define"]


def export_define(directory: Annotated[Path, typer.Argument(help="Output folder.")], user: As,
                  cutoff: Cutoff = None, freeze: Freeze = None) -> None:
    """ADaM data sets (CSV, SAS transport v5) with Define-XML 2.1 (define.xml), its HTML
    rendering (define.html) and manifest.json."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from dawna.exports.define import write_adam_define
    from dawna.services import freezes
    from dawna.services.access import Permission
    from dawna.services.analysis_data import analysis_data
    from dawna.services.export_events import record_export

    stages = {"metadata": _("Checking metadata and Define-XML"),
              "datasets": _("Writing data sets"), "define": _("Writing define.xml and "
                                                              "define.html"),
              "manifest": _("Writing manifest.json")}
    db = database()
    who = principal(db, user)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  transient=True) as progress:
        task = progress.add_task(_("Loading analysis data"), total=len(stages) + 2)
        cut = freezes.cut_for(db, who, None if cutoff is None else day(cutoff, "cutoff"),
                              freeze)
        data = analysis_data(db, get_settings(), who, cutoff=cut)

        def step(stage: str) -> None:
            progress.update(task, advance=1, description=stages[stage])
        paths = write_adam_define(data, directory, step)
        progress.update(task, advance=1, description=_("Recording the export"))
        record_export(db, who, "adam-define", who.sites_with(Permission.TREATMENT_VIEW),
                      {"data_cut": data.cutoff.isoformat() if data.cutoff else None,
                       "pseudonymized": True, "files": [p.name for p in paths]})
        progress.update(task, advance=1)
    for path in paths:
        typer.echo(str(path))
    typer.echo(_("Define-XML 2.1 of {n} data sets: valid against the Define-XML 2.1 "
                 "schema").format(n=4))
