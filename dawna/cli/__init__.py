"""The ``dawna`` command line (Typer): one module per area, sharing :mod:`dawna.cli.common`.
Errors print one line and exit non-zero.

Entry points: the console script ``dawna`` (``dawna.cli:main``), ``python -m dawna`` and
``python -m dawna.cli``.
"""

from __future__ import annotations

import typer

from dawna.cli import (
    admin,
    analysis,
    audit,
    clinical,
    course,
    define,
    deviations,
    eligibility,
    form_edits,
    forms,
    odm,
    oral_drugs,
    passwords,
    pet,
    protocol,
    protocol_versions,
    queries,
    randomization,
    recist,
    registry,
    schedule,
    screen,
    sdtm,
    signoff,
    simulate,
    site_export,
    susar,
    treatment,
    usdm,
)
from dawna.cli.common import run

__all__ = ["app", "main"]

app = typer.Typer(help="dawna: the DAWNA-FES (NCT05861830) trial software.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
# The order here is the order of ``dawna --help``.
app.add_typer(admin.db_app, name="db")
admin.user_app.command("password")(passwords.password)
app.add_typer(admin.user_app, name="user")
app.add_typer(admin.site_app, name="site")
protocol.app.command("amend")(protocol_versions.amend)
protocol.app.command("versions")(protocol_versions.versions)
protocol.app.command("diff")(protocol_versions.diff)
app.add_typer(protocol.app, name="protocol")
app.command("screen")(screen.screen)
app.add_typer(eligibility.app, name="eligibility")
app.add_typer(deviations.app, name="deviations")
app.command("recist")(recist.recist)
app.add_typer(course.app, name="course")
app.add_typer(pet.app, name="pet")
app.add_typer(registry.app, name="registry")
app.command("dashboard")(course.dashboard)
app.command("calendar")(schedule.calendar)
app.command("ctcae")(schedule.ctcae_command)
app.command("simulate")(simulate.simulate)
app.add_typer(analysis.app, name="analysis")
analysis.export_app.command("clinical")(clinical.export)
app.add_typer(analysis.export_app, name="export")
analysis.export_app.command("site-data")(site_export.site_data)
analysis.export_app.command("usdm")(usdm.export_usdm)
analysis.export_app.command("sdtm")(sdtm.export_sdtm)
analysis.export_app.command("define")(define.export_define)
analysis.export_app.command("odm")(odm.export_odm)
app.add_typer(odm.import_app, name="import")
app.command("report")(analysis.report)
treatment.app.command("susar-report")(susar.susar_report)
treatment.app.command("susars")(susar.susars)
treatment.app.command("terms")(susar.terms)
treatment.app.command("pregnancy-test")(oral_drugs.pregnancy_test)
treatment.app.command("hbv")(oral_drugs.hbv)
treatment.app.command("dispense")(oral_drugs.dispense)
treatment.app.command("drug-return")(oral_drugs.drug_return)
treatment.app.command("diary")(oral_drugs.diary)
treatment.app.command("accountability")(oral_drugs.accountability)
app.add_typer(treatment.app, name="treatment")
clinical.app.command("correct")(form_edits.correct)
clinical.app.command("delete")(form_edits.delete)
app.add_typer(clinical.app, name="clinical")
app.add_typer(randomization.app, name="randomization")
app.command("randomize")(randomization.randomize_command)
app.add_typer(signoff.sign_app, name="sign")
app.add_typer(signoff.lock_app, name="lock")
app.add_typer(signoff.freeze_app, name="freeze")
app.command("serve")(admin.serve)
app.command("demo")(admin.demo)
app.add_typer(audit.app, name="audit")
app.add_typer(forms.app, name="forms")
app.add_typer(queries.app, name="queries")
app.add_typer(queries.sdv_app, name="sdv")


def main() -> None:
    """Entry point: run the Typer app, turning dawna errors into one line and exit code 1."""
    run(app)
