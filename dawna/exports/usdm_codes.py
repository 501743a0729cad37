"""Building blocks of the USDM 4.0 export: ids, codes and small value objects.

Codes come from the pinned file ``dawna/exports/usdm_codes.yaml`` (CDISC USDM 4.0 controlled
terminology, ``Deliverables/CT/USDM_CT.xlsx`` of CDISC DDF-RA v4.0.0, and the SDTM terminology
codes of the USDM 4.0 example studies; each entry names its source). A protocol value without a
pinned code is refused, naming the protocol field, rather than written with a made-up code.

Ids: first-class objects take an id built from the protocol's own key (``StudyArm_A``,
``EligibilityCriterion_IN3``, ``Encounter_screening``), so the same protocol gives the same ids
in every export; value objects (codes, quantities) are numbered in the order they are written,
which the same protocol also repeats. Every id is checked unique when it is made (USDM 4.0
Implementation Guide: ids unique within the study version).
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from importlib import resources
from typing import Any

import yaml

from dawna.errors import ValidationError
from dawna.i18n import _

__all__ = ["Ids", "codes_file", "extension_zh", "pinned_code"]

Json = dict[str, Any]

# The extension attribute that carries a Chinese text beside the English one (docs/usdm.md):
# USDM 4.0 has one text per attribute and no language tag on it.
ZH_EXTENSION_URL = "urn:dawna:usdm:text:zh-CN"


@functools.lru_cache(maxsize=1)
def codes_file() -> Json:
    """The pinned codes (``usdm_codes.yaml``), read once."""
    text = resources.files("dawna.exports").joinpath("usdm_codes.yaml").read_text(
        encoding="utf-8")
    loaded: Json = yaml.safe_load(text)
    return loaded


def pinned_code(codelist: str, key: str, *, field: str) -> Json:
    """The entry of ``key`` in ``codelist``; a ValidationError naming ``field`` when none is
    pinned."""
    entry: Json | None = codes_file()["codes"][codelist].get(key)
    if entry is None:
        raise ValidationError(_("no USDM code is pinned for {value} ({field}); add it to "
                                "dawna/exports/usdm_codes.yaml with its source").format(
                                    value=key, field=field), field=field)
    return entry


class Ids:
    """Makes the ids of one document and refuses a duplicate."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.seen: set[str] = set()

    def named(self, kind: str, key: str) -> str:
        """``Kind_key`` from a protocol key (characters outside ``[A-Za-z0-9_-]`` become ``_``)."""
        return self._add(f"{kind}_{re.sub(r'[^A-Za-z0-9_-]', '_', key)}")

    def new(self, kind: str) -> str:
        """The next numbered id of ``kind`` (``Code_1``, ``Code_2`` ...)."""
        self.counts[kind] += 1
        return self._add(f"{kind}_{self.counts[kind]}")

    def _add(self, value: str) -> str:
        if value in self.seen:
            raise ValidationError(_("duplicate USDM id {id}").format(id=value), field="id")
        self.seen.add(value)
        return value

    # --- value objects ------------------------------------------------------------------------

    def code(self, codelist: str, key: str, *, field: str) -> Json:
        """A USDM ``Code`` for the protocol value ``key`` of ``codelist``."""
        entry = pinned_code(codelist, key, field=field)
        pinned = codes_file()
        return {"id": self.new("Code"), "extensionAttributes": [], "code": entry["code"],
                "codeSystem": pinned["code_system"],
                "codeSystemVersion": pinned["code_system_version"],
                "decode": entry["decode"], "instanceType": "Code"}

    def alias(self, codelist: str, key: str, *, field: str) -> Json:
        """A USDM ``AliasCode`` whose standard code is that of ``key``."""
        return {"id": self.new("AliasCode"), "extensionAttributes": [],
                "standardCode": self.code(codelist, key, field=field),
                "standardCodeAliases": [], "instanceType": "AliasCode"}

    def quantity(self, value: float, unit: str | None, *, field: str) -> Json:
        """A ``Quantity``; ``unit`` a key of the pinned ``unit`` codelist (None: no unit)."""
        return {"id": self.new("Quantity"), "extensionAttributes": [], "value": value,
                "unit": self.alias("unit", unit, field=field) if unit else None,
                "instanceType": "Quantity"}

    def note(self, text: str) -> Json:
        """A ``CommentAnnotation`` (the protocol file's notes and sources)."""
        return {"id": self.new("CommentAnnotation"), "extensionAttributes": [], "text": text,
                "codes": [], "instanceType": "CommentAnnotation"}

    def rule(self, name: str, text: str) -> Json:
        """A ``TransitionRule``."""
        return {"id": self.new("TransitionRule"), "extensionAttributes": [], "name": name,
                "label": None, "description": None, "text": text,
                "instanceType": "TransitionRule"}


def extension_zh(ids: Ids, text: str | None) -> list[Json]:
    """The ``extensionAttributes`` carrying a Simplified Chinese text (none without one)."""
    if not text:
        return []
    return [{"id": ids.new("ExtensionAttribute"), "url": ZH_EXTENSION_URL, "valueString": text,
             "extensionAttributes": [], "instanceType": "ExtensionAttribute"}]
