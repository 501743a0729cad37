"""RECIST 1.1 response: target, non-target and overall response at each timepoint, the best
overall response (confirmed and unconfirmed) and the date of first progression.

Sources: RECIST 1.1, Eisenhauer et al., Eur J Cancer 2009;45:228-247 — §4.3.1 (target
response), §4.3.2 (non-target response), §4.3.3 (new lesions, equivocal ones), Tables 1 and 2
(timepoint response), §4.4 and Table 3 (best overall response, confirmation); ``docs/domain.md``
§2. Best overall response follows pharmaverse admiralonco ``derive_param_bor`` and
``derive_param_confirmed_bor`` (its rules are restated on :func:`confirmed_bor`). CDISC analysis
dates: the latest scan of an assessment for CR/PR, the earliest for SD/PD/NE.

Sums are computed in decimal arithmetic from the entered millimetres, so "30 % below" and "20 %
above" are decided exactly, not within floating-point error.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from dawna.rules.messages import N_, Message, number
from dawna.rules.recist_case import (
    Assessment,
    Case,
    Limits,
    ResponseSettings,
    check_case,
    measurable,
)

__all__ = [
    "BestResponse",
    "RecistResult",
    "Timepoint",
    "confirmed_bor",
    "evaluate",
    "unconfirmed_bor",
]

CR, PR, SD, PD, NE, NN = "CR", "PR", "SD", "PD", "NE", "NON-CR/NON-PD"
#: RECIST 1.1 §4.3.1 thresholds (guideline constants, not protocol choices).
PR_DECREASE = Decimal("0.30")
PD_INCREASE = Decimal("0.20")
PD_ABSOLUTE_MM = Decimal(5)
#: RECIST 1.1 §4.3.1 (note): a target present but too small to measure counts 5 mm.
TOO_SMALL_MM = Decimal(5)
_RANK = {CR: 1, PR: 2, SD: 3, NN: 4, PD: 5, NE: 6}


def _d(value: float) -> Decimal:
    return Decimal(str(value))


def _mm(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _pct(value: Decimal, reference: Decimal) -> float | None:
    if reference == 0:
        return None
    return float(round((value - reference) / reference * 100, 1))


@dataclass(frozen=True)
class Timepoint:
    """The response at one assessment and the rule that decided each part."""

    date: datetime.date
    adt: datetime.date
    sum_mm: float | None
    assessed_sum_mm: float | None
    change_from_baseline_pct: float | None
    change_from_nadir_pct: float | None
    nadir_mm: float | None
    target: str | None
    non_target: str | None
    new_lesions: str
    overall: str
    rules: tuple[Message, ...]


@dataclass(frozen=True)
class BestResponse:
    response: str
    date: datetime.date | None
    rule: Message


@dataclass(frozen=True)
class RecistResult:
    baseline_date: date
    baseline_sum_mm: float | None
    timepoints: tuple[Timepoint, ...]
    confirmed: BestResponse
    unconfirmed: BestResponse
    require_confirmation: bool
    progression_date: date | None
    first_response_date: date | None
    measurable_outside_skull: int
    notes: tuple[Message, ...] = field(default=())

    @property
    def best_overall_response(self) -> BestResponse:
        return self.confirmed if self.require_confirmation else self.unconfirmed


# --- one timepoint -------------------------------------------------------------------------


def _target_response(values: dict[str, Decimal | None], nodal: dict[str, bool],
                     baseline_sum: Decimal, nadir: Decimal) -> tuple[str, Message]:
    """RECIST 1.1 §4.3.1. PD is tested first and from the assessed lesions alone, so that a
    progression visible on the lesions read is not hidden by one lesion left unread; CR needs
    every non-nodal target gone and every target node under 10 mm short axis (the sum can then
    be above 0); PR a sum at least 30 % below baseline; PD a sum at least 20 % and 5 mm above
    the nadir (the smallest sum so far, baseline included)."""
    measured = {k: v for k, v in values.items() if v is not None}
    total = sum(measured.values(), Decimal(0))
    if total >= nadir * (1 + PD_INCREASE) and total - nadir >= PD_ABSOLUTE_MM:
        return PD, Message(N_("target PD: sum {sum} mm is at least 20% and 5 mm above the nadir "
                              "{nadir} mm"), {"sum": number(float(total)),
                                              "nadir": number(float(nadir))})
    missing = sorted(k for k, v in values.items() if v is None)
    if missing:
        return NE, Message(N_("target NE: not evaluated: {ids}"), {"ids": ", ".join(missing)})
    if all((v < 10) if nodal[k] else (v == 0) for k, v in measured.items()):
        return CR, Message(N_("target CR: every non-nodal target gone and every target node "
                              "under 10 mm (sum {sum} mm)"), {"sum": number(float(total))})
    if total <= baseline_sum * (1 - PR_DECREASE):
        return PR, Message(N_("target PR: sum {sum} mm is at least 30% below the baseline "
                              "{baseline} mm"), {"sum": number(float(total)),
                                                 "baseline": number(float(baseline_sum))})
    return SD, Message(N_("target SD: sum {sum} mm is neither 30% below baseline {baseline} mm "
                          "nor 20% and 5 mm above the nadir {nadir} mm"),
                       {"sum": number(float(total)), "baseline": number(float(baseline_sum)),
                        "nadir": number(float(nadir))})


def _non_target_response(statuses: Mapping[str, str]) -> tuple[str | None, Message | None]:
    """RECIST 1.1 §4.3.2: unequivocal progression = PD; any lesion not evaluated = NE; all
    absent (nodes normal) = CR; otherwise Non-CR/Non-PD. No non-target lesions: none."""
    if not statuses:
        return None, None
    progressed = sorted(k for k, s in statuses.items() if s == "unequivocal_progression")
    if progressed:
        return PD, Message(N_("non-target PD: unequivocal progression of {ids}"),
                           {"ids": ", ".join(progressed)})
    missing = sorted(k for k, s in statuses.items() if s == "not_evaluated")
    if missing:
        return NE, Message(N_("non-target NE: not evaluated: {ids}"), {"ids": ", ".join(missing)})
    if all(s == "absent" for s in statuses.values()):
        return CR, Message(N_("non-target CR: every non-target lesion gone"))
    return NN, Message(N_("non-target Non-CR/Non-PD: non-target lesions persist"))


def _overall(target: str | None, non_target: str | None, new: str) -> tuple[str, Message]:
    """RECIST 1.1 Table 1 (target disease) and Table 2 (non-target disease only)."""
    if PD in (target, non_target) or new == "yes":
        why = (N_("overall PD: new lesion") if new == "yes" and PD not in (target, non_target)
               else N_("overall PD: progression"))
        return PD, Message(why)
    if target is None:  # Table 2
        overall = {CR: CR, NN: NN, NE: NE}[non_target or NE]
        return overall, Message(N_("overall {overall}: non-target disease only (Table 2)"),
                                {"overall": overall})
    # CR needs non-target CR too; PR, SD and NE stand with non-target non-PD or not evaluated
    overall = (CR if non_target in (None, CR) else PR) if target == CR else target
    return overall, Message(N_("overall {overall}: target {target}, non-target {non_target}, "
                               "no new lesion (Table 1)"),
                            {"overall": overall, "target": target,
                             "non_target": non_target or "-"})


def _adt(a: Assessment, overall: str) -> date:
    scans = a.scan_dates or [a.date]
    return max(scans) if overall in (CR, PR) else min(scans)


# --- best overall response (admiralonco rules) --------------------------------------------


def unconfirmed_bor(obs: Sequence[tuple[date, str]], reference: date,
                    sd_min_days: int) -> BestResponse:
    """Best response without confirmation (admiralonco ``derive_param_bor``): the best of the
    timepoint responses up to first PD, SD and Non-CR/Non-PD counting only at or after
    ``reference + sd_min_days`` (else NE); ties go to the earliest date. RECIST 1.1 §4.4.1."""
    window = reference + timedelta(days=sd_min_days)
    ranked = [(d, NE if r in (SD, NN) and d < window else r) for d, r in _until_pd(obs)]
    return _best(ranked, Message(N_("best timepoint response, without confirmation")))


def confirmed_bor(obs: Sequence[tuple[date, str]], reference: date,
                  settings: ResponseSettings) -> BestResponse:
    """Best overall response with confirmation (RECIST 1.1 §4.4, Table 3), as admiralonco
    ``derive_param_confirmed_bor``: up to first PD, an assessment counts as

    - CR if a later CR at least ``confirmation_days`` after it confirms it, with only CR or NE
      (at most ``max_ne_between`` NE) up to the confirming one;
    - PR if a later CR or PR at least ``confirmation_days`` after it confirms it, with only CR,
      PR, SD or NE between (at most ``max_ne_between`` NE, SD only if ``accept_sd_between`` and
      then once) and no PR after a CR;
    - SD if CR, PR or SD at or after ``reference + sd_min_days``; Non-CR/Non-PD likewise;
    - PD if PD; NE otherwise (NE, or SD/Non-CR/Non-PD/unconfirmed response before the SD
      interval).

    The best counts (CR > PR > SD > Non-CR/Non-PD > PD > NE), the earliest on ties."""
    obs = _until_pd(obs)
    window = reference + timedelta(days=settings.sd_min_days)
    confirm = timedelta(days=settings.confirmation_days)
    max_sd = 1 if settings.accept_sd_between else 0
    candidates: list[tuple[date, str]] = []
    for i, (d, r) in enumerate(obs):
        if r == CR and _confirmed(obs, i, {CR}, {CR, NE}, settings.max_ne_between, 0, d + confirm):
            candidates.append((d, CR))
        elif r == PR and _confirmed(obs, i, {CR, PR}, {CR, PR, SD, NE}, settings.max_ne_between,
                                    max_sd, d + confirm):
            candidates.append((d, PR))
        elif r in (CR, PR, SD) and d >= window:
            candidates.append((d, SD))
        elif r == NN and d >= window:
            candidates.append((d, NN))
        elif r == PD:
            candidates.append((d, PD))
        else:
            candidates.append((d, NE))
    return _best(candidates, Message(N_(
        "best response confirmed at least {days} days later; SD at least {sd} days from {ref}"),
        {"days": str(settings.confirmation_days), "sd": str(settings.sd_min_days),
         "ref": reference.isoformat()}))


def _confirmed(obs: Sequence[tuple[date, str]], i: int, confirming: set[str], allowed: set[str],
               max_ne: int, max_sd: int, earliest: date) -> bool:
    for j in range(i + 1, len(obs)):
        d, r = obs[j]
        if r in confirming and d >= earliest:
            between = [resp for _, resp in obs[i + 1:j + 1]]
            if any(resp not in allowed for resp in between):
                return False
            if between.count(NE) > max_ne or between.count(SD) > max_sd:
                return False
            crs = [k for k, resp in enumerate(between) if resp == CR]
            prs = [k for k, resp in enumerate(between) if resp == PR]
            return not (crs and prs and min(crs) < max(prs))
    return False


def _until_pd(obs: Sequence[tuple[date, str]]) -> list[tuple[date, str]]:
    ordered = sorted(obs)
    out: list[tuple[date, str]] = []
    for d, r in ordered:
        out.append((d, r))
        if r == PD:
            break
    return out


def _best(candidates: list[tuple[date, str]], rule: Message) -> BestResponse:
    if not candidates:
        return BestResponse(NE, None, Message(N_("NE: no assessment after baseline")))
    d, r = min(candidates, key=lambda c: (_RANK[c[1]], c[0]))
    return BestResponse(r, d, rule)


# --- the whole case ------------------------------------------------------------------------


def evaluate(case: Case, limits: Limits | None = None) -> RecistResult:
    """Check the case (:func:`dawna.rules.recist_case.check_case`) and evaluate it."""
    limits = limits or Limits()
    check_case(case, limits)
    lesions = case.baseline.lesions
    targets = [lesion for lesion in lesions if lesion.target]
    nodal = {t.id: t.nodal for t in targets}
    baseline_sum = sum((_d(t.diameter_mm or 0) for t in targets), Decimal(0))
    nadir = baseline_sum
    raw: list[tuple[Assessment, Timepoint]] = []
    equivocal_since: int | None = None
    for a in case.assessments:
        rules: list[Message] = []
        target = non_target = None
        total: Decimal | None = None
        assessed: Decimal | None = None
        tp_nadir = nadir
        if targets:
            values = {t.id: _value(a.target.get(t.id)) for t in targets}
            assessed = sum((v for v in values.values() if v is not None), Decimal(0))
            complete = all(v is not None for v in values.values())
            total = assessed if complete else None
            target, why = _target_response(values, nodal, baseline_sum, nadir)
            rules.append(why)
        statuses = {n.id: a.non_target.get(n.id, "not_evaluated")
                    for n in lesions if not n.target}
        non_target, nt_why = _non_target_response(statuses)
        if nt_why is not None:
            rules.append(nt_why)
        overall, why = _overall(target, non_target, a.new_lesions)
        rules.append(why)
        if a.new_lesions == "equivocal":
            rules.append(Message(N_("equivocal new lesion: not progression unless a later "
                                    "assessment confirms it (RECIST 1.1 §4.3.3)")))
        raw.append((a, Timepoint(
            date=a.date, adt=_adt(a, overall), sum_mm=_mm(total), assessed_sum_mm=_mm(assessed),
            change_from_baseline_pct=None if total is None else _pct(total, baseline_sum),
            change_from_nadir_pct=None if total is None else _pct(total, tp_nadir),
            nadir_mm=_mm(tp_nadir) if targets else None, target=target, non_target=non_target,
            new_lesions=a.new_lesions, overall=overall, rules=tuple(rules))))
        if total is not None:
            nadir = min(nadir, total)
        if a.new_lesions == "yes" and equivocal_since is not None:
            _backdate(raw, equivocal_since, a.date)
        equivocal_since = (equivocal_since if equivocal_since is not None else len(raw) - 1) if (
            a.new_lesions == "equivocal") else None
    timepoints = tuple(tp for _, tp in raw)
    obs = [(tp.adt, tp.overall) for tp in timepoints]
    reference = case.settings.reference_date or case.baseline.date
    progression = next((tp.adt for tp in timepoints if tp.overall == PD), None)
    first_response = next((tp.adt for tp in timepoints if tp.overall in (CR, PR)), None)
    if progression is not None and first_response is not None and first_response > progression:
        first_response = None
    return RecistResult(
        baseline_date=case.baseline.date,
        baseline_sum_mm=_mm(baseline_sum) if targets else None,
        timepoints=timepoints,
        confirmed=confirmed_bor(obs, reference, case.settings),
        unconfirmed=unconfirmed_bor(obs, reference, case.settings.sd_min_days),
        require_confirmation=case.settings.require_confirmation,
        progression_date=progression,
        first_response_date=first_response,
        measurable_outside_skull=sum(1 for lesion in lesions
                                     if measurable(lesion, limits) and not lesion.intracranial))


def _value(measurement: float | str | None) -> Decimal | None:
    """RECIST 1.1 §4.3.1 note: "too small to measure" counts 5 mm; a value below 5 mm actually
    measured is used as measured; 0 = disappeared; None = not evaluated."""
    if measurement is None:
        return None
    if measurement == "too_small":
        return TOO_SMALL_MM
    return _d(float(measurement))


def _backdate(raw: list[tuple[Assessment, Timepoint]], start: int, confirmed_on: date) -> None:
    """RECIST 1.1 §4.3.3: an equivocal new lesion confirmed later is progression dated from its
    first observation: the equivocal timepoints become PD."""
    for k in range(start, len(raw) - 1):
        a, tp = raw[k]
        rule = Message(N_("overall PD: the equivocal new lesion of {date} was confirmed on "
                          "{confirmed} (RECIST 1.1 §4.3.3)"),
                       {"date": tp.date.isoformat(), "confirmed": confirmed_on.isoformat()})
        raw[k] = (a, replace(tp, overall=PD, adt=_adt(a, PD), rules=(*tp.rules, rule)))
