"""The trial report: CONSORT flow diagram, baseline characteristics by arm, Kaplan–Meier plots with
numbers at risk, PFS and OS statistics, forest plot of subgroups, waterfall, swimmer and spider
plots, response and safety tables, and the tables of the registry's results section
(participant flow, baseline characteristics, outcome measures, adverse events).

Everything is derived from the analysis data sets (``services.analysis_data``) as of a data
cut-off, so the report, ``dawna export adam`` and ``dawna analysis`` always agree. Sources:
CONSORT 2010 (Schulz et al., BMJ 2010;340:c332) for the flow diagram; ClinicalTrials.gov results
data element definitions for the registry tables; the statistics as in ``services.results``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from statistics import median
from typing import Any

from dawna.analysis import report_plots as figures
from dawna.analysis.adam import AdamData
from dawna.analysis.adam_tte import DAYS_PER_MONTH
from dawna.analysis.plots import SpiderLine, spider_svg
from dawna.clock import local_today, utcnow
from dawna.config import Settings
from dawna.errors import ValidationError
from dawna.i18n import _
from dawna.protocol import Protocol, bundled_protocol
from dawna.services import deviation_log, endpoints, results, results_cache
from dawna.services.access import Principal
from dawna.services.analysis_data import analysis_data
from dawna.services.report_registry import fill_registry
from dawna.services.screening_log import screening_log
from dawna.store.db import Database

__all__ = ["Report", "build", "cache_key"]

ARMS = results.ARMS


@dataclass
class Report:
    """Everything the report template shows; figures are SVG strings."""

    title: str
    nct_id: str
    cutoff: date
    generated_at: datetime
    arm_labels: dict[str, str]
    n: dict[str, int]
    figures: dict[str, str] = field(default_factory=dict)
    baseline: list[dict[str, Any]] = field(default_factory=list)
    exposure: list[dict[str, Any]] = field(default_factory=list)
    pfs: dict[str, Any] | None = None
    pfs_error: str = ""
    os: dict[str, Any] | None = None
    os_error: str = ""
    response: dict[str, Any] | None = None
    fes: list[dict[str, Any]] = field(default_factory=list)
    forest: list[dict[str, Any]] = field(default_factory=list)
    safety: list[dict[str, Any]] = field(default_factory=list)
    flow: list[dict[str, Any]] = field(default_factory=list)
    registry_outcomes: list[dict[str, Any]] = field(default_factory=list)
    registry_baseline: list[dict[str, Any]] = field(default_factory=list)
    mortality: list[dict[str, Any]] = field(default_factory=list)
    serious_events: list[dict[str, Any]] = field(default_factory=list)
    other_events: list[dict[str, Any]] = field(default_factory=list)
    consort_counts: dict[str, Any] = field(default_factory=dict)
    endpoints: list[dict[str, Any]] = field(default_factory=list)  # services.endpoints
    headings: dict[str, str] = field(default_factory=dict)  # section -> endpoint heading
    primary: str = ""  # the primary endpoint's title (protocol file)
    deviation_summary: list[dict[str, Any]] = field(default_factory=list)  # site × category
    deviations: list[dict[str, Any]] = field(default_factory=list)  # the important ones


def _labels(adam: AdamData) -> dict[str, str]:
    out = {arm.id: arm.label for arm in bundled_protocol().arms}
    return {arm: _("Arm {arm}").format(arm=arm) if not out.get(arm) else
            f"{out[arm]}" for arm in ARMS}


def _arm_n(adam: AdamData) -> dict[str, int]:
    return {arm: int((adam.adsl["ARMCD"] == arm).sum()) for arm in ARMS}


def _count_rows(adam: AdamData, column: str, title: str,
                names: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """n (%) per level of an ADSL column, per arm."""
    n = _arm_n(adam)
    rows = [{"label": title, "header": True}]
    for level in sorted(set(adam.adsl[column].astype(str))):
        cells = {}
        for arm in ARMS:
            k = int(((adam.adsl["ARMCD"] == arm) & (adam.adsl[column].astype(str) == level)).sum())
            cells[arm] = f"{k} ({100 * k / n[arm]:.0f} %)" if n[arm] else "0"
        rows.append({"label": (names or {}).get(level, level or "—"), "cells": cells})
    return rows


def _baseline(adam: AdamData) -> list[dict[str, Any]]:
    """Baseline characteristics by arm (CONSORT item 15)."""
    rows: list[dict[str, Any]] = []
    n = _arm_n(adam)
    rows.append({"label": _("Participants randomized"),
                 "cells": {arm: str(n[arm]) for arm in ARMS}})
    ages = {}
    for arm in ARMS:
        values = [int(a) for a in adam.adsl[adam.adsl["ARMCD"] == arm]["AGE"]
                  if a == a and a is not None]
        ages[arm] = (f"{median(values):g} ({min(values)}–{max(values)})" if values else "—")
    rows.append({"label": _("Age, median (range), years"), "cells": ages})
    rows += _count_rows(adam, "MENOSTAT", _("Menopausal status"))
    rows += _count_rows(adam, "STRAT1", _("Visceral metastasis (stratum)"))
    rows += _count_rows(adam, "STRAT2", _("Setting of the prior CDK4/6 inhibitor (stratum)"))
    rows += _count_rows(adam, "FESCAT", _("FES PET/CT at baseline"), {
        "all_positive": _("all lesions FES-positive"), "mixed": _("mixed (heterogeneous)"),
        "all_negative": _("all lesions FES-negative"), "not_read": _("not read")})
    rows += _count_rows(adam, "REGIMEN", _("Regimen"))
    return rows


def _exposure(adam: AdamData) -> list[dict[str, Any]]:
    """Relative dose intensity of each oral drug by arm: median (range) in % and n
    (ADSL RDIDALP, RDIENDO, RDICAPE; rules.dispensing, Longo 1991)."""
    rows = []
    for column, label in (("RDIDALP", _("Dalpiciclib")),
                          ("RDIENDO", _("Oral endocrine therapy")),
                          ("RDICAPE", _("Capecitabine"))):
        if column not in adam.adsl:
            continue
        cells = {}
        for arm in ARMS:
            values = [100 * float(v) for v in adam.adsl[adam.adsl["ARMCD"] == arm][column]
                      if v is not None and v == v]
            cells[arm] = (f"{median(values):.1f} ({min(values):.1f}–{max(values):.1f}), "
                          f"n = {len(values)}" if values else "—")
        if any(v != "—" for v in cells.values()):
            rows.append({"label": label, "cells": cells})
    return rows


def _consort(db: Database, principal: Principal, adam: AdamData,
             labels: dict[str, str]) -> tuple[figures.ConsortFlow, dict[str, Any]]:
    log = screening_log(db, principal).counts
    n = _arm_n(adam)
    randomized = sum(n.values())
    assessed = log.assessed - log.not_started
    reasons: list[tuple[str, int]] = [
        (_("not meeting criterion {id}").format(id=cid), k)
        for cid, k in sorted(log.excluded_by_criterion.items())]
    if log.incomplete:
        reasons.append((_("screening not completed"), log.incomplete))
    waiting = max(0, assessed - randomized - log.excluded - log.incomplete)
    if waiting:
        reasons.append((_("eligible, not (yet) randomized"), waiting))
    received = {arm: int(((adam.adsl["ARMCD"] == arm) & (adam.adsl["SAFFL"] == "Y")).sum())
                for arm in ARMS}
    stopped: dict[str, list[tuple[str, int]]] = {}
    discontinued: dict[str, int] = {}
    for arm in ARMS:
        rows = adam.adsl[(adam.adsl["ARMCD"] == arm) & (adam.adsl["EOTSTT"] == "DISCONTINUED")]
        counts = Counter(str(r) or "—" for r in rows["EOTRSN"])
        discontinued[arm] = len(rows)
        stopped[arm] = sorted(counts.items())
    flow = figures.ConsortFlow(
        assessed=assessed, excluded=max(0, assessed - randomized), exclusion_reasons=reasons,
        randomized=randomized, allocated=n, received=received, discontinued=discontinued,
        discontinuation_reasons=stopped, analysed=n, arm_labels=labels)
    summary: dict[str, Any] = {
        "assessed": assessed, "excluded": max(0, assessed - randomized), "reasons": reasons,
        "randomized": randomized, "allocated": n, "received": received,
        "discontinued": discontinued, "stopped": stopped}
    return flow, summary


def _consort_texts() -> dict[str, str]:
    return {"enrolment": _("Enrolment"), "allocation": _("Allocation"),
            "follow_up": _("Follow-up"), "analysis": _("Analysis (CONSORT stage)"),
            "assessed": _("Assessed for eligibility (n={n})"),
            "excluded": _("Excluded (n={n})"), "randomized": _("Randomized (n={n})"),
            "allocated": _("Allocated to {arm} (n={n})"),
            "received": _("Received allocated intervention (n={n})"),
            "not_received": _("Did not receive allocated intervention (n={n})"),
            "discontinued": _("Discontinued intervention (n={n})"),
            "analysed": _("Analysed (n={n})"), "reason": _("{reason} (n={n})")}


def _km(adam: AdamData, param: str, labels: dict[str, str], title: str) -> str:
    from dawna.analysis import survival
    from dawna.analysis.adam import pfs_frame

    frame = pfs_frame(adam.adtte, param)
    if len(frame) == 0:
        return figures.km_svg({}, arm_labels=labels, empty_label=_("No data"))
    arms = survival.kaplan_meier(list(frame["time_months"]), list(frame["event"]),
                                 list(frame["arm"]))
    return figures.km_svg(arms, arm_labels=labels,
                          time_label=_("Months since randomization"), survival_label=title,
                          at_risk_label=_("Number at risk"), empty_label=_("No data"))


def _forest_label(column: str, value: str) -> str:
    names = {"strat1": _("Visceral metastasis: {value}"),
             "strat2": _("Prior CDK4/6 inhibitor: {value}"),
             "fescat": _("FES PET/CT: {value}"), "menostat": _("Menopausal status: {value}")}
    if column == "overall":
        return _("All participants")
    return names[column].format(value=value or "—")


def _swimmer(adam: AdamData, cutoff: date) -> list[figures.SwimmerLane]:
    lanes = []
    ovr = adam.adrs[adam.adrs["PARAMCD"] == "OVR"]
    for row in adam.adsl.itertuples():
        start = row.RANDDT
        if start is None or start != start:
            continue
        end_day = row.EOSDT if isinstance(row.EOSDT, date) else cutoff
        ongoing = not isinstance(row.TRTEDT, date)
        markers: list[tuple[float, str]] = []
        mine = ovr[ovr["USUBJID"] == row.USUBJID]
        for kind in ("CR", "PR"):
            first = mine[mine["AVALC"] == kind]
            if len(first):
                markers.append((float(first["ADY"].min()) / DAYS_PER_MONTH, kind))
                break
        pd_rows = mine[mine["AVALC"] == "PD"]
        if len(pd_rows):
            markers.append((float(pd_rows["ADY"].min()) / DAYS_PER_MONTH, "PD"))
        if isinstance(row.TRTEDT, date):
            markers.append(((row.TRTEDT - start).days / DAYS_PER_MONTH, "eot"))
        if isinstance(row.DTHDT, date):
            markers.append(((row.DTHDT - start).days / DAYS_PER_MONTH, "death"))
        lanes.append(figures.SwimmerLane(subject=str(row.SUBJID), arm=str(row.ARMCD),
                                         end=max((end_day - start).days, 0) / DAYS_PER_MONTH,
                                         ongoing=ongoing, markers=tuple(markers)))
    return lanes


def _spider(adam: AdamData) -> list[SpiderLine]:
    ovr = adam.adrs[(adam.adrs["PARAMCD"] == "OVR") & adam.adrs["PCHG"].notna()]
    lines = []
    for subject, rows in ovr.groupby("USUBJID"):
        rows = rows.sort_values("ADY")
        lines.append(SpiderLine(label=str(subject).removeprefix("DAWNA-FES-"),
                                weeks=[float(d) / 7 for d in rows["ADY"]],
                                change_pct=[float(x) for x in rows["PCHG"]],
                                responses=[str(x) for x in rows["AVALC"]]))
    return lines


def cache_key(db: Database, settings: Settings, principal: Principal,
              cutoff: date | None = None) -> results_cache.Key:
    """The results cache's entry of the report (``services.results_cache``)."""
    return results_cache.key("report", db, settings, principal,
                             cutoff or local_today(settings.zone))


def build(db: Database, settings: Settings, principal: Principal, *,
          cutoff: date | None = None, protocol: Protocol | None = None) -> Report:
    """The report as of ``cutoff`` (default today at the site) over the user's sites; its
    endpoints (which is primary, titles, populations) from ``protocol`` (default: the
    bundled protocol file). With the bundled protocol it is built once per data version, cut,
    scope and language and then shared (``services.results_cache``): callers only read it."""
    cut = cutoff or local_today(settings.zone)
    if protocol is not None:
        return _build(db, settings, principal, cut, protocol)
    return results_cache.cached(cache_key(db, settings, principal, cut),
                                lambda: _build(db, settings, principal, cut, None))


def _build(db: Database, settings: Settings, principal: Principal, cut: date,
           protocol: Protocol | None) -> Report:
    adam = analysis_data(db, settings, principal, cutoff=cut)
    labels = _labels(adam)
    protocol = protocol or bundled_protocol()
    report = Report(title=protocol.registry.brief_title, nct_id=protocol.registry.nct_id,
                    cutoff=cut, generated_at=utcnow(), arm_labels=labels, n=_arm_n(adam))
    report.endpoints = endpoints.declared(adam, ARMS, protocol)
    report.headings = endpoints.headings(report.endpoints)
    report.primary = next((e["title"] for e in report.endpoints if e["role"] == "primary"), "")
    titles = {e["parameter"]: e["title"] for e in report.endpoints
              if e["kind"] == "time_to_event" and e["section"] != "fes"}
    flow, report.consort_counts = _consort(db, principal, adam, labels)
    report.figures["consort"] = figures.consort_svg(flow, texts=_consort_texts())
    report.baseline = _baseline(adam)
    report.exposure = _exposure(adam)
    for param, attr, title in (("PFS", "pfs", titles.get("PFS", _("Progression-free survival"))),
                               ("OS", "os", titles.get("OS", _("Overall survival")))):
        try:
            setattr(report, attr, results.survival_of(adam, param, what=title))
            report.figures[f"km_{attr}"] = _km(adam, param, labels, title)
        except ValidationError as error:
            setattr(report, f"{attr}_error", error.message)
    report.response = results.response(adam)
    subgroup = next((e for e in report.endpoints if e["section"] == "fes"), None)
    report.fes = results.fes_subgroups(adam, param=subgroup["parameter"] if subgroup else "PFS")
    primary = next((e for e in report.endpoints if e["kind"] == "time_to_event"
                    and e["section"] != "fes"), None)  # the first: primary when it is one
    report.forest = results.forest(adam, _forest_label,
                                   param=primary["parameter"] if primary else "PFS")
    report.figures["forest"] = figures.forest_svg(
        [figures.ForestRow(label=r["label"], n=r["n"], events=r["events"], hr=r["hr"],
                           lower=r["lower"], upper=r["upper"]) for r in report.forest],
        x_label=_("Hazard ratio (A vs B, 95% CI)"),
        favours=(_("Favours A"), _("Favours B")),
        headers=(_("Subgroup"), _("n (events)"), _("HR (95% CI)")),
        not_estimable=_("not estimable"), empty_label=_("No data"))
    bars = [figures.WaterfallBar(subject=str(r.SUBJID), arm=str(r.ARMCD),
                                 best_pct_change=float(r.BESTPCHG), response=str(r.BOR))
            for r in adam.adsl.itertuples() if r.BESTPCHG == r.BESTPCHG
            and r.BESTPCHG is not None]
    report.figures["waterfall"] = figures.waterfall_svg(
        bars, arm_labels=labels, y_label=_("Best change in target sum from baseline (%)"),
        empty_label=_("No data"))
    report.figures["swimmer"] = figures.swimmer_svg(
        _swimmer(adam, cut), arm_labels=labels, x_label=_("Months since randomization"),
        marker_labels={"CR": _("complete response"), "PR": _("partial response"),
                       "PD": _("progression"), "death": _("death"),
                       "dose_reduction": _("dose reduction"), "eot": _("end of treatment"),
                       "ongoing": _("on treatment")}, empty_label=_("No data"))
    spider = _spider(adam)
    report.figures["spider"] = spider_svg(
        spider, x_label=_("Weeks since baseline"), y_label=_("Change in target sum (%)"),
        pr_label=_("PR threshold (−30 %)"), pd_label=_("PD threshold (+20 %)")).decode(
        "utf-8") if spider else ""
    report.safety = results.safety_table(adam)
    report.deviation_summary, report.deviations = deviation_log.report_tables(
        [d for d in deviation_log.listing(db, principal) if d.occurred_on <= cut])
    fill_registry(report, adam)
    return report
