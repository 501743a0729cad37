r"""Survival statistics for progression-free survival (domain.md §3): Kaplan–Meier per arm with the
median and its confidence interval, the log-rank test (unstratified and stratified) and the Cox
hazard ratio (unstratified and stratified). Each result equals R's ``survival`` package (3.5-3,
R 4.2.2) to 1e-6: ``tests/reference/survival/reference.R`` computes the reference numbers and
``tests/unit/test_survival.py`` compares them.

The parts live by subject and are re-exported here: :mod:`dawna.analysis.survival_km`
(Kaplan–Meier, median and its confidence interval), :mod:`dawna.analysis.survival_logrank_cox`
(log-rank test, Cox hazard ratio, strata) and :mod:`dawna.analysis.survival_inputs` (input
checks, :class:`AnalysisError`); :func:`pfs_summary` puts them together for the report.

References: Kaplan EL, Meier P. JASA 1958;53:457–481. Greenwood M. Rep Public Health Med Subj
1926;33. Brookmeyer R, Crowley J. Biometrics 1982;38:29–41. Mantel N. Cancer Chemother Rep
1966;50:163–170. Cox DR. JRSS B 1972;34:187–220. Efron B. JASA 1977;72:557–565. Kalbfleisch JD,
Prentice RL. The Statistical Analysis of Failure Time Data, 2nd ed., Wiley 2002. Therneau TM,
``survival`` R package documentation: ``survfit.formula``, ``print.survfit``, ``survdiff``,
``coxph``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dawna.analysis.survival_inputs import AnalysisError
from dawna.analysis.survival_km import KmArm, Transform, kaplan_meier
from dawna.analysis.survival_logrank_cox import HazardRatio, LogRank, cox_hazard_ratio, logrank

__all__ = [
    "AnalysisError",
    "HazardRatio",
    "KmArm",
    "LogRank",
    "cox_hazard_ratio",
    "kaplan_meier",
    "logrank",
    "pfs_summary",
]



# ---- summary ------------------------------------------------------------------------------------

def pfs_summary(times: Sequence[Any], events: Sequence[Any], arms: Sequence[Any],
                strata: Sequence[Any] | None = None, transform: Transform = "log", *,
                experimental: str = "A", control: str = "B",
                conf_level: float = 0.95) -> dict[str, Any]:
    """Everything for the PFS section of the report, JSON-serializable: per arm n, events, median
    and CI (with the Kaplan–Meier table); log-rank χ², df and p; the hazard ratio of
    ``experimental`` relative to ``control`` with CI; the stratified test and hazard ratio when
    ``strata`` is given (``None`` otherwise). Raises ``AnalysisError`` when any part cannot be
    computed (e.g. no events)."""
    km = kaplan_meier(times, events, arms, transform=transform, conf_level=conf_level)
    for arm in (experimental, control):
        if arm not in km:
            raise AnalysisError(f"arm {arm} has no participants in the data")
    test = logrank(times, events, arms)
    hr = cox_hazard_ratio(times, events, arms, experimental=experimental, control=control,
                          conf_level=conf_level)
    test_s = hr_s = None
    if strata is not None:
        test_s = logrank(times, events, arms, strata)
        hr_s = cox_hazard_ratio(times, events, arms, strata, experimental=experimental,
                                control=control, conf_level=conf_level)
    return {
        "transform": transform,
        "conf_level": conf_level,
        "experimental_arm": experimental,
        "control_arm": control,
        "arms": {arm: result.as_dict() for arm, result in km.items()},
        "logrank": test.as_dict(),
        "hazard_ratio": hr.as_dict(),
        "logrank_stratified": None if test_s is None else test_s.as_dict(),
        "hazard_ratio_stratified": None if hr_s is None else hr_s.as_dict(),
    }
