"""Concomitant medications and dalpiciclib's CYP3A interactions (issue 21 item 1).

Dalpiciclib, like palbociclib, is metabolised mainly by CYP3A: a strong CYP3A inhibitor raises
its exposure, a strong inducer lowers it (palbociclib label §7.1/§7.2: avoid strong CYP3A
inhibitors and inducers). Which drugs are strong inhibitors or inducers is the FDA's "Drug
Development and Drug Interactions | Table of Substrates, Inhibitors and Inducers" (and its
healthcare-professional page, "FDA's Examples of Drugs that Interact with CYP Enzymes and
Transporter Systems", Table 1), transcribed in ``docs/cyp3a.md``; the coded list the site uses is
``dawna/protocols/conmeds.yaml`` (read by :mod:`dawna.protocol.conmeds`).

Rules here:

- :func:`cyp3a_flag`: the strong-CYP3A class of a drug named on entry or at prescription,
  matched on its name (case, spaces and punctuation ignored; a combination such as
  "lopinavir/ritonavir" matches on any part) or on its ATC code;
- :func:`overlaps_treatment`: a medication taken on at least one day of treatment (start on or
  before the last treatment day, and stop, or ongoing, on or after the first) — a strong CYP3A
  inhibitor or inducer taken during treatment is a prohibited medication, a protocol deviation;
- :func:`check_dates`: a stop before the start, or a stop given for an ongoing medication, is
  refused naming the field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from dawna.protocol.conmeds import CodedDrug
from dawna.rules.messages import N_, Message
from dawna.rules.rule_errors import RuleError, refuse_stop_before_start

__all__ = ["STRONG_CLASSES", "CodedDrug", "Cyp3aFlag", "check_dates", "cyp3a_flag",
           "normalise", "overlaps_treatment"]

#: The classes that are flagged (moderate ones are listed but only shown, not flagged).
STRONG_CLASSES = frozenset({"strong_inhibitor", "strong_inducer"})


@dataclass(frozen=True)
class Cyp3aFlag:
    """A strong CYP3A inhibitor or inducer found: the coded drug and its class."""

    drug: CodedDrug
    cyp3a: str

    @property
    def message(self) -> Message:
        text = (N_("{drug} is a strong CYP3A inhibitor: it raises dalpiciclib exposure; avoid "
                   "during treatment (FDA table of CYP3A inhibitors)")
                if self.cyp3a == "strong_inhibitor" else
                N_("{drug} is a strong CYP3A inducer: it lowers dalpiciclib exposure; avoid "
                   "during treatment (FDA table of CYP3A inducers)"))
        return Message(text, {"drug": self.drug.name})


def normalise(name: str) -> str:
    """Lower case, letters and digits only: "St. John's wort" -> "stjohnswort"."""
    return re.sub(r"[^0-9a-z\u4e00-\u9fff]", "", name.lower())


def _parts(name: str) -> list[str]:
    return [normalise(p) for p in re.split(r"[/+,;]| and ", name.lower()) if normalise(p)]


def cyp3a_flag(name: str, atc: str | None, coded: Iterable[CodedDrug]) -> Cyp3aFlag | None:
    """The strong CYP3A class of the drug ``name`` (or ATC code ``atc``), or None.

    A part of a combination counts ("lopinavir/ritonavir" is flagged for ritonavir); the
    Chinese name matches too."""
    wanted = set(_parts(name)) | {normalise(name)}
    code = (atc or "").strip().upper()
    for drug in coded:
        if drug.cyp3a not in STRONG_CLASSES:
            continue
        names = {normalise(drug.name), normalise(drug.name_zh)} - {""}
        if names & wanted or (code and drug.atc and drug.atc.upper() == code):
            return Cyp3aFlag(drug, drug.cyp3a)
    return None


def overlaps_treatment(start: date | None, stop: date | None, ongoing: bool,
                       first_dose: date | None, last_dose: date | None) -> bool:
    """Whether a medication from ``start`` to ``stop`` (or ongoing) is taken on a day of
    treatment from ``first_dose`` to ``last_dose`` (None: still on treatment). Without a first
    dose nothing overlaps; an unknown start counts as before treatment."""
    if first_dose is None:
        return False
    if last_dose is not None and start is not None and start > last_dose:
        return False
    return ongoing or stop is None or stop >= first_dose


def check_dates(start: date | None, stop: date | None, ongoing: bool) -> None:
    """A stop before the start, an ongoing medication with a stop date, or neither a stop nor
    ongoing: refused naming ``stop_date``."""
    if ongoing and stop is not None:
        raise RuleError("stop_date", Message(N_("an ongoing medication has no stop date")))
    if not ongoing and stop is None:
        raise RuleError("stop_date", Message(N_("give the stop date, or tick ongoing")))
    refuse_stop_before_start(start, stop)
