"""Verification of the allocations made and the balance report for the statistician.

``verify`` recomputes the list from the sealed seed and checks the stored fingerprint, every
allocation's arm, its position and its stratum, and that no position was used twice or skipped
(for minimization: replays every decision in order). ``balance`` counts allocations by arm
within each stratum, factor level and site.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from dawna.config import Settings
from dawna.errors import ProtocolViolation, ValidationError
from dawna.i18n import _
from dawna.protocol.randomization_config import RandomizationSettings
from dawna.rules import randomization as rules
from dawna.services.access import Principal
from dawna.services.randomization import (
    fingerprint_of,
    require_manager,
    seal_key,
    stratum_lists,
)
from dawna.services.randomization_live import SEAL_CONTEXT, active_list
from dawna.store.db import Database
from dawna.store.models import Allocation, Site, StratumCounter
from dawna.store.uow import UnitOfWork


@dataclass
class Verification:
    checked: int = 0
    fingerprint_ok: bool = False
    mismatches: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.fingerprint_ok and not self.mismatches


def verify(db: Database, settings: Settings) -> Verification:
    report = Verification()
    with UnitOfWork(db) as uow:
        s = uow.session
        lst = active_list(s)
        if lst is None:
            raise ProtocolViolation(_("no allocation list has been generated"),
                                    field="randomization")
        cfg = RandomizationSettings.model_validate(lst.settings)
        try:
            seed = rules.unseal(lst.seed_sealed, seal_key(settings), SEAL_CONTEXT)
        except ValidationError:
            report.mismatches.append(_("the sealed seed cannot be opened with this server's "
                                       "secret key"))
            return report
        report.fingerprint_ok = fingerprint_of(seed, cfg, lst.size_per_stratum) == lst.fingerprint
        if not report.fingerprint_ok:
            report.mismatches.append(_("the list recomputed from the seed does not match the "
                                       "fingerprint sealed at generation"))
        made = s.scalars(select(Allocation).where(Allocation.list_id == lst.id)
                         .order_by(Allocation.sequence)).all()
        report.checked = len(made)
        if cfg.method == "permuted_blocks":
            expected = stratum_lists(seed, cfg, lst.size_per_stratum)
            report.mismatches += rules.verify_allocations(
                {k: list(v) for k, v in expected.items()},
                [(a.stratum, a.position, a.arm) for a in made])
        else:
            counts: dict[str, dict[str, dict[str, int]]] = {
                f.name: {lv: dict.fromkeys(cfg.arms, 0) for lv in f.levels} for f in cfg.factors}
            weights = {f.name: float(cfg.minimization.weights.get(f.name, 1.0))
                       for f in cfg.factors}
            for n, a in enumerate(made, start=1):
                if a.position != n:
                    report.mismatches.append(_("allocation {n} has position {p}").format(
                        n=n, p=a.position))
                u = rules.uniform(seed, f"min:{a.position}", a.position)
                decision = rules.minimization_assign(
                    counts, dict(a.factors), tuple(cfg.arms), weights,
                    cfg.minimization.imbalance, cfg.minimization.probability, u,
                    ratio=tuple(cfg.ratio))
                if decision.arm != a.arm:
                    report.mismatches.append(_("allocation {n}: arm {arm} recorded, {expected} "
                                               "recomputed").format(n=n, arm=a.arm,
                                                                    expected=decision.arm))
                for name, level in a.factors.items():
                    counts[name][level][a.arm] += 1
        used = dict(s.execute(select(StratumCounter.stratum, StratumCounter.used)
                              .where(StratumCounter.list_id == lst.id)).all())
        per_stratum = Counter(a.stratum for a in made)
        for stratum, n in used.items():
            if per_stratum.get(stratum, 0) != n:
                report.mismatches.append(_("stratum {s}: counter {n}, allocations {m}").format(
                    s=stratum, n=n, m=per_stratum.get(stratum, 0)))
    return report


def balance(db: Database, principal: Principal) -> dict[str, Any]:
    """Allocations by arm overall, within each stratum, factor level and site."""
    require_manager(principal)
    with UnitOfWork(db) as uow:
        s = uow.session
        lst = active_list(s)
        if lst is None:
            return {"arms": [], "total": {}, "strata": {}, "factors": {}, "sites": {}}
        arms = list(RandomizationSettings.model_validate(lst.settings).arms)
        codes = dict(s.execute(select(Site.id, Site.code)).all())
        total: Counter[str] = Counter()
        strata: dict[str, Counter[str]] = defaultdict(Counter)
        factors: dict[str, Counter[str]] = defaultdict(Counter)
        sites: dict[str, Counter[str]] = defaultdict(Counter)
        for a in s.scalars(select(Allocation).where(Allocation.list_id == lst.id)):
            total[a.arm] += 1
            strata[a.stratum][a.arm] += 1
            sites[codes.get(a.site_id, "?")][a.arm] += 1
            for name, level in a.factors.items():
                factors[f"{name}={level}"][a.arm] += 1

        def table(c: dict[str, Counter[str]]) -> dict[str, dict[str, int]]:
            return {k: {arm: v.get(arm, 0) for arm in arms} for k, v in sorted(c.items())}

        return {"arms": arms, "total": {arm: total.get(arm, 0) for arm in arms},
                "strata": table(strata), "factors": table(factors), "sites": table(sites)}
