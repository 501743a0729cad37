"""A participant's PET studies and FES/FDG summary as plain JSON data: the answer of
``GET /api/participants/{pseudonym}/pet`` and of ``dawna pet show``."""

from __future__ import annotations

from typing import Any

from dawna.services.pet import PetView

__all__ = ["summary_json"]


def summary_json(view: PetView) -> dict[str, Any]:
    s = view.summary
    return {
        "pseudonym": view.participant.pseudonym,
        "lesions_read": s.lesions_read, "er_positive": s.er_positive,
        "at_least_one_er_positive": s.at_least_one_positive,
        "all_er_negative": s.all_negative, "heterogeneity": s.heterogeneity,
        "fdg_avid": s.fdg_avid, "fdg_avid_fes_negative": s.fdg_avid_fes_negative,
        "fdg_avid_fes_negative_share": s.fdg_avid_fes_negative_share,
        "concordance": s.concordance,
        "lesions": {k: {"fes": f.status if f else None, "fdg": g.status if g else None,
                        "fes_overridden": bool(f and f.overridden)}
                    for k, (f, g) in s.calls.items()},
        "studies": [{"id": x.id, "version": x.version, "status": x.status,
                     "read_by": x.read_by, **x.study.model_dump(mode="json")}
                    for x in view.studies],
    }
