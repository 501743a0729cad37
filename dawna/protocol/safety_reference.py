"""The reference safety information (RSI) of each trial drug: the document, and its version,
against which the investigator judges whether a serious adverse event is expected.

ICH E2A (1994) II.C: an unexpected adverse drug reaction is one "the nature or severity of which
is not consistent with the applicable product information (e.g., Investigator's Brochure for an
unapproved investigational product or package insert/summary of product characteristics for an
approved product)". ICH E6(R3) (appendix B / 3.17) and the CDE 2018 standard for expedited
reporting of safety data during drug trials ask the protocol to name the document and version
used. The documents and versions in the protocol file are marked ``to_confirm`` until the
sponsor names them.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from dawna.protocol.common import Provenance, Slug, StrictModel, Text, fail

__all__ = ["OTHER_DRUGS", "RsiDocument", "check_rsi_documents", "rsi_for"]

#: The entry that covers any drug not named (physician-entered regimens).
OTHER_DRUGS = "other"


class RsiDocument(StrictModel):
    """One drug's reference safety information: which document, which version."""

    drug: Slug
    document: Text
    version: Annotated[str, Field(min_length=1, max_length=60)]
    status: Provenance
    source: Text
    note: str | None = None


def check_rsi_documents(documents: tuple[RsiDocument, ...]) -> None:
    """One entry per drug."""
    seen: set[str] = set()
    for i, doc in enumerate(documents):
        if doc.drug in seen:
            fail(f"rsi_documents[{i}].drug", f"duplicate drug {doc.drug!r}")
        seen.add(doc.drug)


def rsi_for(documents: tuple[RsiDocument, ...], drug: str) -> RsiDocument | None:
    """The drug's RSI, else the entry for other drugs, else None."""
    by_drug = {d.drug: d for d in documents}
    return by_drug.get(drug) or by_drug.get(OTHER_DRUGS)
