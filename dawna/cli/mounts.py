"""The ``dawna`` groups made of commands from several modules: ``user`` (with ``password``),
``protocol`` (with the amendments), ``export``, ``treatment`` (with safety reporting and the
oral drugs) and ``clinical`` (with corrections). Each function imports its modules and mounts
them when that group is first asked for (``dawna.cli.COMMANDS`` names them ``mounts:NAME``), so
that a command outside the group does not import them (issue 23 item 2). Cached: a group is
mounted once per process.
"""

from __future__ import annotations

from functools import cache

import typer

__all__ = ["clinical", "export", "protocol", "treatment", "user"]


@cache
def user() -> typer.Typer:
    from dawna.cli import admin, passwords

    admin.user_app.command("password")(passwords.password)
    return admin.user_app


@cache
def protocol() -> typer.Typer:
    from dawna.cli import protocol as commands
    from dawna.cli import protocol_versions

    commands.app.command("amend")(protocol_versions.amend)
    commands.app.command("versions")(protocol_versions.versions)
    commands.app.command("diff")(protocol_versions.diff)
    return commands.app


@cache
def export() -> typer.Typer:
    from dawna.cli import analysis, clinical, define, odm, sdtm, site_export, usdm

    analysis.export_app.command("clinical")(clinical.export)
    analysis.export_app.command("site-data")(site_export.site_data)
    analysis.export_app.command("usdm")(usdm.export_usdm)
    analysis.export_app.command("sdtm")(sdtm.export_sdtm)
    analysis.export_app.command("define")(define.export_define)
    analysis.export_app.command("odm")(odm.export_odm)
    return analysis.export_app


@cache
def treatment() -> typer.Typer:
    from dawna.cli import oral_drugs, susar
    from dawna.cli import treatment as commands

    commands.app.command("susar-report")(susar.susar_report)
    commands.app.command("susars")(susar.susars)
    commands.app.command("terms")(susar.terms)
    commands.app.command("pregnancy-test")(oral_drugs.pregnancy_test)
    commands.app.command("hbv")(oral_drugs.hbv)
    commands.app.command("dispense")(oral_drugs.dispense)
    commands.app.command("drug-return")(oral_drugs.drug_return)
    commands.app.command("diary")(oral_drugs.diary)
    commands.app.command("accountability")(oral_drugs.accountability)
    return commands.app


@cache
def clinical() -> typer.Typer:
    from dawna.cli import clinical as commands
    from dawna.cli import form_edits

    commands.app.command("correct")(form_edits.correct)
    commands.app.command("delete")(form_edits.delete)
    return commands.app
