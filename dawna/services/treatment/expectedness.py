"""Expectedness of a serious adverse event against the reference safety information (RSI) of
the drugs it is suspected to be related to.

Rules: ICH E2A II.C (unexpected: not consistent with the applicable product information, the
RSI named per drug in the protocol file, ``rsi_documents``) and III.A.2 (a serious, related and
unexpected event is a SUSAR): :func:`dawna.rules.expedited_reporting.is_susar`, which refuses a
serious related event without its expectedness.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dawna.protocol import bundled_protocol
from dawna.rules.expedited_reporting import is_susar
from dawna.rules.messages import N_
from dawna.rules.rule_errors import RuleError
from dawna.services.treatment.common import rule_error

__all__ = ["EXPECTEDNESS", "Rsi", "check_expectedness", "related_drugs", "rsi_of"]

#: ICH E2A II.C.
EXPECTEDNESS = {"expected": N_("Expected (listed in the reference safety information)"),
                "unexpected": N_("Unexpected (not in the reference safety information)")}


@dataclass(frozen=True)
class Rsi:
    """The reference safety information a judgement of expectedness used."""

    document: str | None
    version: str | None
    to_confirm: bool


def related_drugs(relatedness: Mapping[str, str]) -> list[str]:
    return sorted(d for d, v in relatedness.items() if v == "related")


def rsi_of(drugs: list[str]) -> Rsi:
    """The protocol's RSI of each drug (its own entry, else the one for other drugs); several
    drugs are listed as ``drug: document`` / ``drug: version`` joined by "; "."""
    protocol = bundled_protocol()
    named = [(d, r) for d in drugs if (r := protocol.rsi(d)) is not None]
    if not named:
        return Rsi(None, None, False)
    to_confirm = any(r.status.value == "to_confirm" for _, r in named)
    if len(named) == 1:
        return Rsi(named[0][1].document, named[0][1].version, to_confirm)
    return Rsi("; ".join(f"{d}: {r.document}" for d, r in named),
               "; ".join(f"{d}: {r.version}" for d, r in named), to_confirm)


def check_expectedness(*, serious: bool, relatedness: Mapping[str, str],
                       expectedness: str | None) -> bool:
    """Whether the event is a SUSAR; a serious related event without expectedness is refused
    on the field ``expectedness``."""
    try:
        return is_susar(serious=serious, related=bool(related_drugs(relatedness)),
                        expectedness=expectedness)
    except RuleError as exc:
        raise rule_error(exc) from None
