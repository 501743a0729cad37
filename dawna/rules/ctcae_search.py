"""Finding a CTCAE v5.0 term by what a coordinator types, in English or Simplified Chinese.

Source of the names: :mod:`dawna.rules.ctcae_terms` (CTCAE v5.0, NCI 2017) and their Chinese
names and usual aliases in :mod:`dawna.rules.ctcae_zh`. Typing 恶心 finds Nausea, 肺炎 finds
Pneumonitis, "neutropenia" finds Neutrophil count decreased.

Matching ignores case, spaces and punctuation. Best first: a name equal to the query, then a
name starting with it, then a word of the name starting with it, then a name containing it;
within a rank the CTCAE (English) name decides. An empty query lists every term.
"""

from __future__ import annotations

import re

from dawna.rules.ctcae_terms import TERMS, ClinicalTerm
from dawna.rules.ctcae_zh import TERM_ALIASES

__all__ = ["search_terms"]


def _norm(text: str) -> str:
    return re.sub(r"[\s\-_,.;:()（）/、，·]+", "", text.casefold())


def _words(text: str) -> list[str]:
    return [_norm(w) for w in re.split(r"[\s\-,/()（）]+", text) if w]


def _rank(query: str, names: tuple[str, ...]) -> int | None:
    best: int | None = None
    for name in names:
        norm = _norm(name)
        if norm == query:
            rank = 0
        elif norm.startswith(query):
            rank = 1
        elif any(w.startswith(query) for w in _words(name)):
            rank = 2
        elif query in norm:
            rank = 3
        else:
            continue
        best = rank if best is None else min(best, rank)
    return best


def search_terms(query: str, limit: int = 20) -> list[ClinicalTerm]:
    """The terms matching ``query`` (English name, Chinese name or alias), best first."""
    q = _norm(query or "")
    if not q:
        return sorted(TERMS.values(), key=lambda t: t.term)[:limit]
    found: list[tuple[int, str, ClinicalTerm]] = []
    for term in TERMS.values():
        rank = _rank(q, (term.term, term.zh, *TERM_ALIASES.get(term.term, ())))
        if rank is not None:
            found.append((rank, term.term, term))
    found.sort(key=lambda x: (x[0], x[1]))
    return [t for _, _, t in found[:limit]]
