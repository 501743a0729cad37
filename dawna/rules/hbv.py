"""Hepatitis B screening before chemotherapy and antiviral prophylaxis.

Sources (summaries in docs/pregnancy-and-hbv.md): Chinese Society of Hepatology / Chinese
Society of Infectious Diseases, "Guidelines for the prevention and treatment of chronic
hepatitis B (2022 version)" (慢性乙型肝炎防治指南（2022年版）), section on immunosuppressive
and cytotoxic therapy; CSCO expert consensus on HBV reactivation in patients with cancer
receiving anticancer therapy: HBsAg and anti-HBc (and HBV DNA) are tested before chemotherapy;
an HBsAg-positive patient, or an HBsAg-negative anti-HBc-positive patient with detectable HBV
DNA, starts entecavir or tenofovir (TDF/TAF) before (or at the latest with) the first cycle;
an HBsAg-negative anti-HBc-positive patient with undetectable DNA is monitored (ALT, HBsAg,
HBV DNA every 1-3 months).
"""

from __future__ import annotations

from dataclasses import dataclass

from dawna.rules.messages import N_, Message
from dawna.rules.rule_errors import RuleError

__all__ = ["PROPHYLAXIS_DRUGS", "HbvAdvice", "advice"]

PROPHYLAXIS_DRUGS = ("entecavir", "tenofovir disoproxil", "tenofovir alafenamide")


@dataclass(frozen=True)
class HbvAdvice:
    prophylaxis: bool
    monitor: bool
    reason: Message


def advice(hbsag_positive: bool, anti_hbc_positive: bool,
           hbv_dna_iu_ml: float | None) -> HbvAdvice:
    """Prophylaxis, monitoring or nothing, from the three results (DNA in IU/mL; 0 or None =
    undetectable / not done). A negative value is refused on ``hbv_dna_iu_ml``."""
    if hbv_dna_iu_ml is not None and hbv_dna_iu_ml < 0:
        raise RuleError("hbv_dna_iu_ml", Message(N_("cannot be negative ({value})"),
                                                 {"value": str(hbv_dna_iu_ml)}))
    detectable = bool(hbv_dna_iu_ml)
    if hbsag_positive:
        return HbvAdvice(True, True, Message(N_(
            "HBsAg positive: antiviral prophylaxis (entecavir or tenofovir) before cycle 1")))
    if anti_hbc_positive and detectable:
        return HbvAdvice(True, True, Message(N_(
            "anti-HBc positive with detectable HBV DNA: antiviral prophylaxis (entecavir or "
            "tenofovir) before cycle 1")))
    if anti_hbc_positive:
        return HbvAdvice(False, True, Message(N_(
            "anti-HBc positive, HBV DNA undetectable: monitor ALT, HBsAg and HBV DNA every "
            "1-3 months")))
    return HbvAdvice(False, False, Message(N_("no hepatitis B marker: no prophylaxis")))
