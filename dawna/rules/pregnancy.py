"""Pregnancy testing of women of childbearing potential before the FES scan and before dosing.

Sources (summaries in docs/pregnancy-and-hbv.md):

- ICH M3(R2) §11.3 and the Clinical Trial Facilitation Group "Recommendations related to
  contraception and pregnancy testing in clinical trials" (2020): a woman of childbearing
  potential (fertile, following menarche and until postmenopausal unless permanently sterile)
  has a negative pregnancy test before the first dose and uses contraception.
- Cerianna (fluoroestradiol F 18) prescribing information §8.1/§8.3: verify the pregnancy status
  of females of reproductive potential before administering it.
- Dalpiciclib, aromatase inhibitors, capecitabine: contraindicated in pregnancy (labels);
  the registry record NCT05861830 lists no pregnancy criterion, so the protocol's general rule
  applies: a positive test blocks the scan and dosing.

Decision (the test "should precede"): a test dated after the scan or the first dose it is
meant to clear does not clear it; recording it for that purpose is refused on ``test_date``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dawna.rules.menopause import MenopausalStatus
from dawna.rules.messages import N_, Message
from dawna.rules.rule_errors import RuleError, RuleViolation

__all__ = [
    "PURPOSES",
    "RESULTS",
    "Test",
    "check_purpose_date",
    "childbearing_potential",
    "clearance",
]

PURPOSES = ("fes_scan", "treatment")
RESULTS = ("negative", "positive")


@dataclass(frozen=True)
class Test:
    test_date: date
    result: str
    purpose: str


def childbearing_potential(female: bool, status: MenopausalStatus | None,
                           sterile: bool = False) -> bool:
    """A woman is of childbearing potential unless postmenopausal or permanently sterile
    (CTFG 2020 §1); a man is not tested."""
    if not female or sterile:
        return False
    return status is not MenopausalStatus.POSTMENOPAUSAL


def check_purpose_date(test_date: date, event: date | None, purpose: str) -> None:
    """A test for ``purpose`` must be on or before the event it clears (``event``: the
    registered scan or the first dose, when there is one)."""
    if purpose not in PURPOSES:
        raise RuleError("purpose", Message(N_("unknown purpose {value}"), {"value": purpose}))
    if event is not None and test_date > event:
        raise RuleError("test_date", Message(N_(
            "{date} is after the {what} on {event} it should precede"),
            {"date": test_date.isoformat(), "event": event.isoformat(),
             "what": Message(N_("FES scan") if purpose == "fes_scan" else N_("first dose"))}))


def clearance(tests: list[Test], on: date, window_days: int, what: str) -> Message | None:
    """Whether the tests clear the scan or dose on ``on`` (``what``: ``fes_scan`` or
    ``treatment``): None when the latest test on or before ``on`` is negative and at most
    ``window_days`` old; otherwise the reason. A positive latest test raises
    :class:`RuleViolation` on ``pregnancy_test`` (it blocks); a missing or old test is only the
    returned reason (shown as a warning: the protocol's registry record has no such criterion)."""
    usable = sorted((t for t in tests if t.test_date <= on), key=lambda t: t.test_date)
    label = Message(N_("the FES scan") if what == "fes_scan" else N_("dosing"))
    if usable and usable[-1].result == "positive":
        raise RuleViolation("pregnancy_test", Message(N_(
            "a positive pregnancy test on {date} blocks {what}"),
            {"date": usable[-1].test_date.isoformat(), "what": label}))
    if not usable or (on - usable[-1].test_date).days > window_days:
        return Message(N_("a woman of childbearing potential needs a negative pregnancy test "
                          "within {days} days before {what}"),
                       {"days": str(window_days), "what": label})
    return None
