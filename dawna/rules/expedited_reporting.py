"""Expedited reporting of serious adverse events: which event is a SUSAR, and its clocks.

Sources (copied in ``docs/safety-reporting.md``):

- ICH E2A (1994), "Clinical Safety Data Management: Definitions and Standards for Expedited
  Reporting", section II.A (serious: results in death, is life-threatening, requires or prolongs
  hospitalisation, results in persistent or significant disability/incapacity, or is a congenital
  anomaly/birth defect; medically important events by judgement), section II.C (unexpected: not
  consistent with the applicable product information, the reference safety information), and
  section III.A.2: a serious, unexpected adverse drug reaction with a suspected causal relationship
  (a **SUSAR**) is reported

  * fatal or life-threatening: as soon as possible, **no later than 7 calendar days** after first
    knowledge by the sponsor, followed by as complete a report as possible **within 8 additional
    calendar days**;
  * all others: **no later than 15 calendar days** after first knowledge.

- China, NMPA/CDE (2018) 《药物临床试验期间安全性数据快速报告标准和程序》: the same 7 (+8) and
  15 day clocks for SUSARs during drug trials, day 0 being the day the sponsor first learns of
  the case.
- ICH E6(R2) 4.11.1 / E6(R3) 3.17: every SAE to the sponsor immediately (the 24-hour clock kept
  elsewhere in dawna, ``sae_report_hours`` in the protocol file).

Counting: day 0 is the *local calendar day at the site* on which the investigator (for dawna, the
site, which is the sponsor's first knowledge in this investigator-initiated trial) became aware;
"no later than N calendar days" means by the end of local day N. A deadline is therefore a local
date, shown with the site's zone; it is overdue from the first instant of the next local day.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dawna.rules.messages import N_, Message
from dawna.rules.rule_errors import RuleError

__all__ = [
    "FATAL_OR_LIFE_THREATENING_DAYS",
    "FOLLOW_UP_DAYS",
    "OTHER_SUSAR_DAYS",
    "Deadline",
    "Expectedness",
    "SusarClocks",
    "awareness_day",
    "is_susar",
    "susar_clocks",
]

#: ICH E2A III.A.2.a: fatal or life-threatening SUSARs, first report.
FATAL_OR_LIFE_THREATENING_DAYS = 7
#: ICH E2A III.A.2.a: the complete follow-up report "within 8 additional calendar days".
FOLLOW_UP_DAYS = 8
#: ICH E2A III.A.2.b: all other SUSARs.
OTHER_SUSAR_DAYS = 15




class Expectedness(enum.StrEnum):
    """ICH E2A II.C: judged against the reference safety information of the drug."""

    EXPECTED = "expected"
    UNEXPECTED = "unexpected"


def is_susar(*, serious: bool, related: bool, expectedness: Expectedness | str | None) -> bool:
    """A serious adverse event with a suspected causal relationship to a trial drug that is not
    listed in that drug's reference safety information (ICH E2A III.A.2).

    A serious and related event cannot be classified without its expectedness: refused on the
    field ``expectedness`` (nothing is stored).
    """
    if not (serious and related):
        return False
    if expectedness is None or expectedness == "":
        raise RuleError("expectedness", Message(N_(
            "a serious event suspected to be related to a trial drug needs its expectedness "
            "against the reference safety information (ICH E2A II.C)")))
    return Expectedness(expectedness) is Expectedness.UNEXPECTED


def awareness_day(aware_at: datetime, zone: ZoneInfo) -> date:
    """Day 0 of the clocks: the local calendar day at the site of first awareness."""
    if aware_at.tzinfo is None:
        raise RuleError("awareness_time",
                             Message(N_("the awareness time must carry its time zone")))
    return aware_at.astimezone(zone).date()


@dataclass(frozen=True)
class Deadline:
    """A report due by the end of local day ``due_on`` (day 0 = awareness)."""

    kind: str  # "initial" or "follow_up"
    days: int
    due_on: date
    zone: ZoneInfo
    rule: Message

    @property
    def overdue_from(self) -> datetime:
        """The first instant (aware) at which the report is late: local midnight after due_on."""
        return datetime.combine(self.due_on + timedelta(days=1), time(0), self.zone)

    def overdue(self, now: datetime, reported_at: datetime | None = None) -> bool:
        """Late if not reported before :attr:`overdue_from` (or reported after it)."""
        moment = reported_at if reported_at is not None else now
        return moment >= self.overdue_from

    def days_left(self, now: datetime) -> int:
        """Whole local days until the due day (0 on the due day, negative once late)."""
        return (self.due_on - now.astimezone(self.zone).date()).days


@dataclass(frozen=True)
class SusarClocks:
    initial: Deadline
    follow_up: Deadline | None


def susar_clocks(aware_at: datetime, *, fatal_or_life_threatening: bool, zone: ZoneInfo,
                 initial_reported_on: date | None = None) -> SusarClocks:
    """The expedited-report deadlines of a SUSAR (ICH E2A III.A.2; NMPA 2018).

    Fatal or life-threatening: initial report by day 7, then the complete report within 8 more
    calendar days of the initial report (day 15 at the latest when the initial one was on day
    7). Otherwise: one report by day 15.
    """
    day0 = awareness_day(aware_at, zone)
    if fatal_or_life_threatening:
        initial = Deadline(
            "initial", FATAL_OR_LIFE_THREATENING_DAYS,
            day0 + timedelta(days=FATAL_OR_LIFE_THREATENING_DAYS), zone,
            Message(N_("fatal or life-threatening SUSAR: report within 7 calendar days of first "
                       "awareness (ICH E2A III.A.2.a)")))
        if initial_reported_on is not None and initial_reported_on < day0:
            raise RuleError("initial_reported_on", Message(
                N_("the initial report cannot precede first awareness of the event")))
        base = initial_reported_on if initial_reported_on is not None else initial.due_on
        follow = Deadline(
            "follow_up", FOLLOW_UP_DAYS, min(base, initial.due_on) + timedelta(days=FOLLOW_UP_DAYS),
            zone,
            Message(N_("complete follow-up report within 8 further calendar days "
                       "(ICH E2A III.A.2.a)")))
        return SusarClocks(initial, follow)
    initial = Deadline(
        "initial", OTHER_SUSAR_DAYS, day0 + timedelta(days=OTHER_SUSAR_DAYS), zone,
        Message(N_("SUSAR: report within 15 calendar days of first awareness "
                   "(ICH E2A III.A.2.b)")))
    return SusarClocks(initial, None)
