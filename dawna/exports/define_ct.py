"""Codelists of Define-XML from the pinned controlled terminology of ``exports/sdtm_ct.yaml``
(CDISC SDTM Controlled Terminology 2024-03-29, NCI EVS; ``docs/sdtm.md``): the codelist's and
each term's NCI code become ``Alias Context="nci:ExtCodeID"`` and the package a def:Standard of
Type CT (CDISC Define-XML Specification v2.1 §4.2.2 and §4.3.4; ``docs/define-xml.md``)."""

from __future__ import annotations

from collections.abc import Iterable

from dawna.exports.define_model import CodeList, Standard, Term
from dawna.exports.sdtm_spec import codelists, ct_source

__all__ = ["ct_codelist", "ct_standard"]


def ct_standard() -> Standard:
    date = ct_source()["package_date"]
    return Standard(oid=f"STD.CT.SDTM.{date}", name="CDISC/NCI", type="CT", version=date,
                    publishing_set="SDTM")


def ct_codelist(keys: Iterable[str], oid: str, values: Iterable[str] | None = None,
                name: str | None = None) -> CodeList:
    """The codelist ``oid`` of the pinned codelists ``keys`` (several: their union, as when a
    variable takes terms of two lists), with ``values`` as its terms when given (codes looked
    up in the pinned lists; a value not there has none)."""
    lists = codelists()
    chosen = [lists[k] for k in keys]
    codes: dict[str, str | None] = {}
    for c in chosen:
        codes.update({str(t): code for t, code in c["terms"].items()})
    sponsor = all(c.get("sponsor") for c in chosen)
    external = next((c["external"] for c in chosen if c.get("external")), None)
    version = next((str(c["version"]) for c in chosen if c.get("version")), None)
    # a value of a CDISC list with no C-code: one dawna adds (``extended`` in sdtm_ct.yaml),
    # or one the data hold that the pinned list lacks (Define-XML 2.1 §4.3.4)
    cdisc = not sponsor and not external
    terms = tuple(Term(v, nci_code=codes.get(v), extended=cdisc and codes.get(v) is None)
                  for v in (codes if values is None else values))
    closed = [t.value for t in terms if t.extended and not all(c["extensible"] for c in chosen)]
    if closed:  # CDISC lets no one add terms to a non-extensible list (a defect of dawna's)
        raise ValueError(f"{oid}: {', '.join(closed)} not in the non-extensible codelist "
                         f"{' / '.join(keys)}")
    return CodeList(oid=oid, name=name or "; ".join(c["name"] for c in chosen),
                    data_type="text", terms=() if external else terms,
                    nci_code=chosen[0]["code"] if len(chosen) == 1 else None,
                    cdisc=not sponsor, external=external, external_version=version,
                    standard=None if sponsor or external else ct_standard().oid)
