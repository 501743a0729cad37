"""The coded list of concomitant medications (``dawna/protocols/conmeds.yaml``): names, Chinese
names, ATC codes and the CYP3A class from the FDA table (its source and transcription:
``docs/cyp3a.md``). The rule that flags is :mod:`dawna.rules.cyp3a`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

__all__ = ["CONMEDS_FILE", "CodedDrug", "coded_drugs", "coded_source"]

CONMEDS_FILE = "conmeds.yaml"


@dataclass(frozen=True)
class CodedDrug:
    """One drug of the coded list: its name, Chinese name, ATC code (None where it has none,
    e.g. grapefruit juice) and CYP3A class (``strong_inhibitor``, ``strong_inducer``,
    ``moderate_inhibitor``, ``moderate_inducer`` or None)."""

    name: str
    name_zh: str
    atc: str | None
    cyp3a: str | None = None


@cache
def _document() -> dict[str, object]:
    text = resources.files("dawna.protocols").joinpath(CONMEDS_FILE).read_text(encoding="utf-8")
    return dict(yaml.safe_load(text))


def coded_drugs() -> tuple[CodedDrug, ...]:
    """Every drug of the coded list, in file order."""
    rows = _document()["drugs"]
    assert isinstance(rows, list)
    return tuple(CodedDrug(name=str(r["name"]), name_zh=str(r.get("zh") or ""),
                           atc=r.get("atc"), cyp3a=r.get("cyp3a")) for r in rows)


def coded_source() -> str:
    return str(_document()["source"])
