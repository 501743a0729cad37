"""``dawna treatment pregnancy-test / hbv / dispense / drug-return / diary / accountability``:
the pre-treatment tests and oral drug accountability from the command line (issue 21 items
5-7), through the same services as the page and the API."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Annotated

import typer

from dawna.cli.common import OutputFormat, database, day, principal
from dawna.config import get_settings
from dawna.i18n import _

if TYPE_CHECKING:  # the command line starts without SQLAlchemy (docs/architecture.md)
    pass

As = Annotated[str, typer.Option("--as", help="User name acting (their roles apply).")]
Fmt = Annotated[OutputFormat, typer.Option("--format")]


def _show_pre(pseudonym: str, user: str, fmt: OutputFormat) -> None:
    from dawna.services.treatment import pretreatment

    db = database()
    view = pretreatment.pretreatment_view(db, get_settings(), principal(db, user), pseudonym)
    if fmt is OutputFormat.JSON:
        typer.echo(view.model_dump_json(indent=2))
        return
    for t in view.pregnancy_tests:
        typer.echo(f"{t.test_date} {t.purpose} {t.method} {t.result} ({t.contraception})")
    for r in view.hbv:
        typer.echo(f"{r.sample_date} HBsAg {'+' if r.hbsag_positive else '-'} anti-HBc "
                   f"{'+' if r.anti_hbc_positive else '-'} DNA {r.hbv_dna_iu_ml} "
                   f"{r.prophylaxis_drug or ''} {r.prophylaxis_start or ''}".rstrip())
    for line in [*view.pregnancy_warnings, view.hbv_advice, view.hbv_warning]:
        if line:
            typer.echo(line)


def pregnancy_test(pseudonym: str, user: As,
                   test_date: Annotated[str, typer.Option(help="YYYY-MM-DD")],
                   result: Annotated[str, typer.Option(help="negative or positive")],
                   contraception: Annotated[str, typer.Option()],
                   purpose: Annotated[str, typer.Option(help="fes_scan or treatment")]
                   = "treatment",
                   method: Annotated[str, typer.Option(help="serum or urine")] = "serum",
                   format: Fmt = OutputFormat.TEXT) -> None:
    """Record a pregnancy test (a positive test blocks the FES scan and dosing)."""
    from dawna.services.treatment import pretreatment

    db = database()
    pretreatment.record_pregnancy_test(db, get_settings(), principal(db, user), pseudonym,
                                       pretreatment.PregnancyTestIn(
                                           test_date=day(test_date, "test_date"),
                                           purpose=purpose, method=method, result=result,
                                           contraception=contraception))
    _show_pre(pseudonym, user, format)


def hbv(pseudonym: str, user: As, sample_date: Annotated[str, typer.Option()],
        hbsag: Annotated[bool, typer.Option("--hbsag-positive/--hbsag-negative")],
        anti_hbc: Annotated[bool, typer.Option("--anti-hbc-positive/--anti-hbc-negative")],
        dna: Annotated[float | None, typer.Option("--hbv-dna", help="IU/mL")] = None,
        prophylaxis: Annotated[str | None, typer.Option()] = None,
        prophylaxis_start: Annotated[str | None, typer.Option()] = None,
        format: Fmt = OutputFormat.TEXT) -> None:
    """Record hepatitis B screening and the prophylaxis started."""
    from dawna.services.treatment import pretreatment

    db = database()
    pretreatment.record_hbv(db, get_settings(), principal(db, user), pseudonym,
                            pretreatment.HbvIn(
                                sample_date=day(sample_date, "sample_date"),
                                hbsag_positive=hbsag, anti_hbc_positive=anti_hbc,
                                hbv_dna_iu_ml=dna, prophylaxis_drug=prophylaxis,
                                prophylaxis_start=(day(prophylaxis_start, "prophylaxis_start")
                                                   if prophylaxis_start else None)))
    _show_pre(pseudonym, user, format)


def _show_acc(pseudonym: str, user: str, fmt: OutputFormat) -> None:
    from dawna.services.treatment import dispensing

    db = database()
    acc = dispensing.accountability(db, principal(db, user), pseudonym)
    if fmt is OutputFormat.JSON:
        typer.echo(acc.model_dump_json(indent=2))
        return
    for d in acc.dispensings:
        ratio = f"{d.compliance:.1%}" if d.compliance is not None else "-"
        typer.echo(_("cycle {c} {drug} lot {lot}: dispensed {n}, returned {r}, taken {t} of "
                     "{e}, compliance {ratio} (id {id})").format(
            c=d.cycle, drug=d.drug, lot=d.lot_number, n=d.units_dispensed,
            r=d.units_returned if d.units_returned is not None else "-",
            t=d.taken if d.taken is not None else "-", e=d.expected, ratio=ratio, id=d.id))
    for i in acc.intensities:
        rdi = f"{i.relative_dose_intensity:.1%}" if i.relative_dose_intensity is not None else "-"
        typer.echo(_("{drug}: relative dose intensity {rdi} ({actual:g} of {planned:g} mg)")
                   .format(drug=i.drug, rdi=rdi, actual=i.actual_mg, planned=i.planned_mg))


def accountability(pseudonym: str, user: As, format: Fmt = OutputFormat.TEXT) -> None:
    """Show dispensings, compliance and relative dose intensity."""
    _show_acc(pseudonym, user, format)


def dispense(pseudonym: str, user: As, cycle: Annotated[int, typer.Option()],
             drug: Annotated[str, typer.Option()], dispensed_on: Annotated[str, typer.Option()],
             lot: Annotated[str, typer.Option("--lot")],
             expiry: Annotated[str, typer.Option("--expiry")],
             bottles: Annotated[int, typer.Option()], units: Annotated[int, typer.Option()],
             strength_mg: Annotated[float, typer.Option()],
             units_per_day: Annotated[float, typer.Option()],
             days: Annotated[int, typer.Option(help="Prescribed days.")],
             format: Fmt = OutputFormat.TEXT) -> None:
    """Record bottles of an oral drug dispensed for a cycle."""
    from dawna.services.treatment import dispensing

    db = database()
    dispensing.dispense(db, get_settings(), principal(db, user), pseudonym, dispensing.DispenseIn(
        cycle=cycle, drug=drug, dispensed_on=day(dispensed_on, "dispensed_on"), lot_number=lot,
        expiry_date=day(expiry, "expiry_date"), bottles=bottles, units_dispensed=units,
        unit_strength_mg=strength_mg, units_per_day=units_per_day, prescribed_days=days))
    _show_acc(pseudonym, user, format)


def drug_return(pseudonym: str, user: As, dispensing_id: Annotated[int, typer.Option("--id")],
                returned_on: Annotated[str, typer.Option()],
                returned: Annotated[int, typer.Option()],
                lost: Annotated[int, typer.Option()] = 0,
                version: Annotated[int | None, typer.Option(
                    help="The version shown (to correct a return recorded).")] = None,
                reason: Annotated[str | None, typer.Option(
                    help="Why a recorded return is corrected (audit trail).")] = None,
                format: Fmt = OutputFormat.TEXT) -> None:
    """Record what came back of a dispensing (more than dispensed is refused); a recorded
    return is corrected with --version and --reason."""
    from dawna.services.treatment import dispensing

    db = database()
    dispensing.record_return(db, get_settings(), principal(db, user), pseudonym, dispensing_id,
                             dispensing.ReturnIn(returned_on=day(returned_on, "returned_on"),
                                                 units_returned=returned, units_lost=lost,
                                                 version=version, reason=reason))
    _show_acc(pseudonym, user, format)


def diary(pseudonym: str, user: As, cycle: Annotated[int, typer.Option()],
          drug: Annotated[str, typer.Option()], first_day: Annotated[str, typer.Option()],
          last_day: Annotated[str, typer.Option()],
          missed: Annotated[str, typer.Option(help="Cycle days missed, as 3,7.")] = "",
          format: Fmt = OutputFormat.TEXT) -> None:
    """Enter one cycle of the participant's dose diary."""
    from dawna.services.treatment import dispensing

    first, last = day(first_day, "first_day"), day(last_day, "last_day")
    gone = {int(x) for x in missed.split(",") if x.strip()}
    days = {first + timedelta(days=i): (i + 1) not in gone
            for i in range((last - first).days + 1)}
    db = database()
    dispensing.record_diary(db, get_settings(), principal(db, user), pseudonym,
                            dispensing.DiaryIn(cycle=cycle, drug=drug, days=days))
    _show_acc(pseudonym, user, format)

