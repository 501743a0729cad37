"""The design page: the trial's design simulated (power, events, duration, the detectable hazard
ratio) with the power-against-HR curve, from the same code as ``dawna simulate``."""

from __future__ import annotations

from functools import lru_cache

from fastapi import Request
from fastapi.responses import Response

from dawna.analysis.design import Design, DesignReport, design_report
from dawna.analysis.design_plot import curve_svg
from dawna.errors import DawnaError
from dawna.i18n import current_locale, use_locale
from dawna.web.deps import CurrentUser
from dawna.web.routing import Router
from dawna.web.templating import render

router = Router(include_in_schema=False)
MAX_TRIALS = 20_000  # a page answers in a few seconds (bench/README.md: ~4 µs per trial)


@lru_cache(maxsize=32)
def _simulated(design: Design, trials: int, seed: int) -> DesignReport:
    """A design's report depends only on the design, the trial count and the seed (issue 23:
    the page no longer reruns the same fixed-seed simulation on every request)."""
    return design_report(design, trials, seed=seed)


@lru_cache(maxsize=64)
def _curve(design: Design, trials: int, seed: int, locale: str) -> str:
    with use_locale(locale):
        return curve_svg(_simulated(design, trials, seed))


@router.get("/design")
def design_page(request: Request, user: CurrentUser, n: int = 80, median_a: float = 7.0,
                median_b: float = 4.0, accrual_months: float = 24.0,
                followup_months: float = 12.0, dropout: float = 0.0, alpha: float = 0.05,
                trials: int = 5000, seed: int = 20230515) -> Response:
    form = {"n": n, "median_a": median_a, "median_b": median_b,
            "accrual_months": accrual_months, "followup_months": followup_months,
            "dropout": dropout, "alpha": alpha, "trials": trials, "seed": seed}
    try:
        design = Design(n=n, median_a_months=median_a, median_b_months=median_b,
                        accrual_months=accrual_months, followup_months=followup_months,
                        alpha=alpha, dropout_12m=dropout)
        trials = max(1, min(trials, MAX_TRIALS))
        report = _simulated(design, trials, seed)
    except DawnaError as error:
        return render(request, "analysis/design.html", {"form": form, "r": None, "svg": "",
                                                        "error": error},
                      status_code=error.status_code)
    svg = _curve(design, trials, seed, current_locale())
    return render(request, "analysis/design.html", {"form": form, "r": report, "svg": svg,
                                                    "error": None})
