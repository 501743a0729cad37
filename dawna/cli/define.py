"""``dawna export define DIR --as USER [--standard adam|sdtm]``: the data sets with their
Define-XML 2.1 (``define.xml``, validated against the Define-XML 2.1 schema shipped with odmlib)
and its HTML rendering (``define.html``), ``manifest.json`` over all files, and the export
recorded in the audit trail (issue 22 item 2; ``docs/define-xml.md``). A Define-XML describes
the files beside it, so the command writes both: ``adam`` the ADaM data sets (as ``dawna
export adam``), ``sdtm`` the SDTM export (as ``dawna export sdtm``)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from dawna.cli.analysis import As, Cutoff, Freeze
from dawna.cli.common import database, day, get_settings, principal
from dawna.i18n import _

__all__ = ["Standard", "export_define"]


class Standard(StrEnum):
    ADAM = "adam"
    SDTM = "sdtm"


def export_define(directory: Annotated[Path, typer.Argument(help="Output folder.")], user: As,
                  standard: Annotated[Standard, typer.Option(
                      help="Which data sets: ADaM (analysis) or SDTM (tabulation).")]
                  = Standard.ADAM,
                  cutoff: Cutoff = None, freeze: Freeze = None) -> None:
    """ADaM or SDTM data sets (CSV, SAS transport v5) with Define-XML 2.1 (define.xml), its
    HTML rendering (define.html) and manifest.json."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from dawna.exports.define import write_adam_define, write_sdtm_define
    from dawna.services import freezes
    from dawna.services.access import Permission
    from dawna.services.export_events import record_export

    stages = {"metadata": _("Checking metadata and Define-XML"),
              "datasets": _("Writing data sets"),
              "define": _("Writing define.xml and define.html"),
              "manifest": _("Writing manifest.json")}
    from dawna.services.export_access import exporter

    db = database()
    who = exporter(principal(db, user))
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  transient=True) as progress:
        task = progress.add_task(_("Loading data"), total=len(stages) + 2)
        cut = freezes.cut_for(db, who, None if cutoff is None else day(cutoff, "cutoff"),
                              freeze)

        def step(stage: str) -> None:
            if stage in stages:
                progress.update(task, advance=1, description=stages[stage])
        data_cut: date | None
        if standard is Standard.SDTM:
            from dawna.services import sdtm_export

            sdtm = sdtm_export.build(db, get_settings(), who, cutoff=cut)
            paths, data_cut, count = (write_sdtm_define(sdtm, directory, step), sdtm.cutoff,
                                      len(sdtm.frames))
        else:
            from dawna.services.analysis_data import analysis_data

            adam = analysis_data(db, get_settings(), who, cutoff=cut)
            paths, data_cut, count = write_adam_define(adam, directory, step), adam.cutoff, 4
        progress.update(task, advance=1, description=_("Recording the export"))
        record_export(db, who, f"{standard.value}-define",
                      who.sites_with(Permission.DATA_EXPORT),
                      {"data_cut": data_cut.isoformat() if data_cut else None,
                       "freeze": freeze, "pseudonymized": True,
                       "files": [p.name for p in paths]})
        progress.update(task, advance=1)
    for path in paths:
        typer.echo(str(path))
    typer.echo(_("Define-XML 2.1 of {n} data sets: valid against the Define-XML 2.1 "
                 "schema").format(n=count))
