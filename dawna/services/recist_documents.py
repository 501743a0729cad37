"""A RECIST case in and its result out, for the CLI (``dawna recist``), the JSON API and the
web pages: input errors become :class:`dawna.errors.ValidationError` naming the JSON path, the
result becomes plain data with every rule rendered in the reader's language.

Output (README "Tumour response")::

    {"baseline_date": "2026-01-05", "baseline_sum_mm": 60.0,
     "timepoints": [{"date", "adt", "sum_mm", "assessed_sum_mm", "nadir_mm",
                     "change_from_baseline_pct", "change_from_nadir_pct", "target",
                     "non_target", "new_lesions", "overall", "rules": [...]}],
     "best_overall_response", "best_overall_response_date", "confirmed": {...},
     "unconfirmed": {...}, "confirmation_required", "progression_date",
     "first_response_date", "measurable_lesions_outside_skull"}
"""

from __future__ import annotations

from datetime import date
from typing import Any

from dawna.errors import ValidationError
from dawna.i18n import gettext
from dawna.protocol import Protocol, bundled_protocol
from dawna.rules.recist import BestResponse, RecistResult, evaluate
from dawna.rules.recist_case import Case, CaseError, limits_from, settings_from
from dawna.validation import validate

__all__ = ["case_from_data", "evaluate_case", "result_json"]


def case_from_data(data: dict[str, Any], protocol: Protocol | None = None,
                   reference_date: date | None = None) -> Case:
    """Validate a case; settings the document leaves out come from the protocol file."""
    protocol = protocol or bundled_protocol()
    defaults = settings_from(protocol, reference_date).model_dump(mode="json")
    given = data.get("settings")
    merged = dict(data)
    merged["settings"] = {**defaults, **given} if isinstance(given, dict) else (
        defaults if given is None else given)
    return validate(Case, merged, root="case", count_more=True)


def evaluate_case(case: Case, protocol: Protocol | None = None) -> RecistResult:
    """Evaluate; a broken RECIST rule becomes a ValidationError naming the field."""
    try:
        return evaluate(case, limits_from(protocol or bundled_protocol()))
    except CaseError as exc:
        raise ValidationError(exc.message.render(gettext), field=exc.field) from None


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _best(best: BestResponse) -> dict[str, Any]:
    return {"response": best.response, "date": _iso(best.date),
            "rule": best.rule.render(gettext)}


def result_json(result: RecistResult) -> dict[str, Any]:
    bor = result.best_overall_response
    return {
        "baseline_date": result.baseline_date.isoformat(),
        "baseline_sum_mm": result.baseline_sum_mm,
        "timepoints": [{
            "date": t.date.isoformat(), "adt": t.adt.isoformat(), "sum_mm": t.sum_mm,
            "assessed_sum_mm": t.assessed_sum_mm, "nadir_mm": t.nadir_mm,
            "change_from_baseline_pct": t.change_from_baseline_pct,
            "change_from_nadir_pct": t.change_from_nadir_pct, "target": t.target,
            "non_target": t.non_target, "new_lesions": t.new_lesions, "overall": t.overall,
            "rules": [m.render(gettext) for m in t.rules]} for t in result.timepoints],
        "best_overall_response": bor.response,
        "best_overall_response_date": _iso(bor.date),
        "confirmation_required": result.require_confirmation,
        "confirmed": _best(result.confirmed),
        "unconfirmed": _best(result.unconfirmed),
        "progression_date": _iso(result.progression_date),
        "first_response_date": _iso(result.first_response_date),
        "measurable_lesions_outside_skull": result.measurable_outside_skull,
    }
