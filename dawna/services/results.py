"""The trial's results from its analysis data sets: progression-free and overall survival
(Kaplan–Meier, log-rank, Cox), response and clinical benefit rates, safety by worst CTCAE grade,
the exploratory PFS by FES heterogeneity, and the trial report's figures and tables.

Statistics: ``dawna.analysis.survival`` and ``response_stats`` (checked against R's survival
package and ``binom.test``); data sets: ``dawna.services.analysis_data`` (ADaM-like, censoring
rules of domain.md §3). An analysis the data cannot support (no participant, no event, an arm
with nobody) is refused with a message on the field ``data``, never shown as NaN.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import Any, Literal

from dawna.analysis import response_stats, survival
from dawna.analysis.adam import AdamData, pfs_frame, worst_grade_table
from dawna.analysis.adam_tte import DAYS_PER_MONTH
from dawna.clock import local_today
from dawna.config import Settings
from dawna.errors import ValidationError
from dawna.i18n import _
from dawna.services import results_cache
from dawna.services.access import Principal
from dawna.services.analysis_data import analysis_data
from dawna.store.db import Database

__all__ = ["Transform", "fes_subgroups", "forest", "response", "safety_table", "survival_of",
           "time_to_event"]

Transform = Literal["log", "log-log", "plain"]
ARMS = ("A", "B")


def _refuse(exc: survival.AnalysisError, what: str) -> ValidationError:
    return ValidationError(_("{what} cannot be analysed: {reason}").format(
        what=what, reason=exc.message), field="data")


def survival_of(adam: AdamData, param: str = "PFS", transform: Transform = "log",
                what: str | None = None) -> dict[str, Any]:
    """Kaplan–Meier per arm (median and 95 % CI with ``transform``), log-rank, stratified
    log-rank (by the randomization strata), Cox HR of A relative to B (Efron ties),
    unstratified and stratified; times in months."""
    frame = pfs_frame(adam.adtte, param)
    label = what or param
    if len(frame) == 0:
        raise ValidationError(_("{what} cannot be analysed: no randomized participant").format(
            what=label), field="data")
    missing = [arm for arm in ARMS if arm not in set(frame["arm"])]
    if missing:
        raise ValidationError(_("{what} cannot be analysed: arm {arm} has no participant")
                              .format(what=label, arm=", ".join(missing)), field="data")
    try:
        return survival.pfs_summary(list(frame["time_months"]), list(frame["event"]),
                                    list(frame["arm"]), list(frame["stratum"]),
                                    transform=transform)
    except survival.AnalysisError as exc:
        raise _refuse(exc, label) from None


def time_to_event(db: Database, settings: Settings, principal: Principal, *,
                  param: str = "PFS", transform: Transform = "log",
                  cutoff: date | None = None) -> dict[str, Any]:
    """``dawna analysis pfs|os``: the summary with the data cut-off and the censoring counts;
    built once per data version, cut, scope and language (``services.results_cache``)."""
    cut = cutoff or local_today(settings.zone)
    entry = results_cache.key(("time_to_event", param, transform), db, settings, principal,
                              cut)
    return copy.deepcopy(results_cache.cached(
        entry, lambda: _time_to_event(db, settings, principal, param, transform, cut)))


def _time_to_event(db: Database, settings: Settings, principal: Principal, param: str,
                   transform: Transform, cutoff: date) -> dict[str, Any]:
    adam = analysis_data(db, settings, principal, cutoff=cutoff)
    out = survival_of(adam, param, transform)
    rows = adam.adtte[adam.adtte["PARAMCD"] == param]
    out["parameter"] = param
    out["time_unit"] = "months"
    out["days_per_month"] = DAYS_PER_MONTH
    out["censoring"] = {str(k): int(v) for k, v in Counter(
        f"{c} {d}".strip() for c, d in zip(rows["CNSR"], rows["CNSDTDSC"], strict=True)
        if int(c) != 0).items()}
    return out


def response(adam: AdamData) -> dict[str, Any]:
    """Objective response (confirmed CR/PR) and clinical benefit (CR, PR, or stable disease for
    at least 24 weeks) per arm with Clopper–Pearson 95 % CIs, and the difference A − B with
    Newcombe's hybrid score interval (ADRS flags ORRFL / CBRFL)."""
    best = adam.adrs[adam.adrs["PARAMCD"] == "BOR"]
    out: dict[str, Any] = {"arms": {}, "differences": {}}
    counts: dict[str, dict[str, tuple[int, int]]] = {"ORR": {}, "CBR": {}}
    for arm in ARMS:
        rows = best[best["ARMCD"] == arm]
        n = len(rows)
        arm_out: dict[str, Any] = {"n": n, "best": {k: int(v) for k, v in Counter(
            rows["AVALC"].astype(str)).items()}}
        for name, flag in (("ORR", "ORRFL"), ("CBR", "CBRFL")):
            x = int((rows[flag] == "Y").sum())
            counts[name][arm] = (x, n)
            arm_out[name] = (response_stats.clopper_pearson(x, n).as_dict() if n else None)
        out["arms"][arm] = arm_out
    for name in ("ORR", "CBR"):
        (x1, n1), (x2, n2) = counts[name]["A"], counts[name]["B"]
        out["differences"][name] = (response_stats.rate_difference(x1, n1, x2, n2)
                                    if n1 and n2 else None)
    return out


def safety_table(adam: AdamData) -> list[dict[str, Any]]:
    """Participants by worst CTCAE grade per arm (safety population, treatment-emergent)."""
    table = worst_grade_table(adam.adae, adam.adsl)
    return [{k: (None if v != v else v) for k, v in row.items()}  # NaN -> None
            for row in table.to_dict("records")]


def fes_subgroups(adam: AdamData, transform: Transform = "log",
                  param: str = "PFS") -> list[dict[str, Any]]:
    """Exploratory: ``param`` (the exploratory endpoint's, PFS) per arm within each FES category
    (all FES-positive / mixed / all negative / not read; domain.md §6: FES-negative lesions
    predicted short PFS on CDK4/6i)."""
    frame = pfs_frame(adam.adtte, param)
    out = []
    for category in sorted(set(frame["fescat"])):
        rows = frame[frame["fescat"] == category]
        try:
            arms = survival.kaplan_meier(list(rows["time_months"]), list(rows["event"]),
                                         list(rows["arm"]), transform=transform)
        except survival.AnalysisError as exc:
            out.append({"category": category, "arms": {}, "note": exc.message})
            continue
        out.append({"category": category, "note": "", "arms": {
            arm: {"n": km.n, "events": km.events, "median": km.median,
                  "ci_lower": km.ci_lower, "ci_upper": km.ci_upper}
            for arm, km in arms.items()}})
    return out


def forest(adam: AdamData, labels: Callable[[str, str], str],
           param: str = "PFS") -> list[dict[str, Any]]:
    """Cox HR (A vs B) of ``param`` (the primary time-to-event endpoint's) overall and within
    each subgroup: the randomization strata, FES category and menopausal status; a subgroup
    that cannot support it says so."""
    tte = adam.adtte[adam.adtte["PARAMCD"] == param]
    meno = dict(zip(adam.adsl["USUBJID"], adam.adsl["MENOSTAT"].astype(str), strict=True))
    frame = pfs_frame(adam.adtte, param)
    frame["menostat"] = [meno.get(u, "") for u in tte["USUBJID"]]
    groups: list[tuple[str, Any]] = [(labels("overall", ""), frame)]
    frame = frame.assign(strat1=frame["stratum"].str.split("/").str[0],
                         strat2=frame["stratum"].str.split("/").str[1])
    for column in ("strat1", "strat2", "fescat", "menostat"):
        for value in sorted(set(frame[column])):
            groups.append((labels(column, value), frame[frame[column] == value]))
    rows = []
    for label, rows_of in groups:
        n, events = len(rows_of), int(rows_of["event"].sum()) if len(rows_of) else 0
        row: dict[str, Any] = {"label": label, "n": n, "events": events, "hr": None,
                               "lower": None, "upper": None, "note": ""}
        try:
            hr = survival.cox_hazard_ratio(list(rows_of["time_months"]),
                                           list(rows_of["event"]), list(rows_of["arm"]))
            row.update(hr=hr.hr, lower=hr.ci_lower, upper=hr.ci_upper)
        except (survival.AnalysisError, ValueError, KeyError) as exc:
            row["note"] = getattr(exc, "message", str(exc))
        rows.append(row)
    return rows
