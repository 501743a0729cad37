"""The ADaM adapter of Define-XML: the variable metadata of ``analysis/adam_meta.py`` and
``analysis/adam_tte.py`` (through ``AdamData.definitions``) and the data being exported become the
neutral metadata of ``define_model.py`` (``docs/define-xml.md``).

- Data sets: ADaM IG v1.3 classes (ADSL subject level; ADTTE basic data structure, time-to-event;
  ADRS basic data structure; ADAE occurrence data structure, adverse event), Purpose "Analysis",
  the XPT file as def:leaf.
- Variables: "Char" → text with Length = the longest value in UTF-8 bytes (at least 1);
  "Num" variables named ``*DT`` → integer SAS dates with DisplayFormat DATE9.; other "Num" →
  integer when every value is whole, else float with SignificantDigits = the most decimals
  written. Lengths come from the data exported (Define-XML 2.1 §4.3.3: the longest value).
- Origins (Define-XML 2.1 §4.3.3.1): a copy of an ADSL variable (derivation ``ADSL.X``) is
  Predecessor; STUDYID is Assigned by the sponsor; everything else is Derived, with its
  derivation as the MethodDef.
- Codelists: the CDISC codelists named in ``adam_meta`` (NCOMPLT C66727, ACN C66767, OUT C66768,
  SEX C66731, RACE C74457, ETHNIC C66790, NY C66742) with their terms, NCI codes from the
  pinned CT of ``sdtm_ct.yaml`` (``define_ct.py``); sponsor-defined lists for
  the other coded variables (arms, parameters, response, strata) from the data.
A variable of the metadata missing from the data, a column of the data missing from the
metadata, and a value outside its codelist are refused, naming ``DATASET.VARIABLE``.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd  # type: ignore[import-untyped, unused-ignore]

from dawna.analysis import adam_meta
from dawna.analysis.adam import ETHNICITIES, RACES, AdamData
from dawna.exports.adam_files import DATASETS
from dawna.exports.define_ct import ct_codelist, ct_standard
from dawna.exports.define_lengths import missing, shape, values_of
from dawna.exports.define_model import (
    CodeList,
    Dataset,
    DefineDocument,
    DefineError,
    Standard,
    Term,
    Variable,
)
from dawna.i18n import _

__all__ = ["ADAM_STANDARD", "STRUCTURE", "adam_define"]

ADAM_STANDARD = Standard(oid="STD.ADAMIG.1.3", name="ADaMIG", version="1.3",
                         publishing_set="ADaM")
#: data set → (structure, class, subclass, keys); ADaM IG v1.3 §3 and ADaM OCCDS v1.1.
STRUCTURE: dict[str, tuple[str, str, str | None, tuple[str, ...]]] = {
    "ADSL": ("One record per subject", "SUBJECT LEVEL ANALYSIS DATASET", None, ("USUBJID",)),
    "ADTTE": ("One record per subject per parameter", "BASIC DATA STRUCTURE", "TIME-TO-EVENT",
              ("USUBJID", "PARAMCD")),
    "ADRS": ("One record per subject per parameter per assessment", "BASIC DATA STRUCTURE",
             None, ("USUBJID", "PARAMCD", "AVISITN")),
    "ADAE": ("One record per subject per adverse event", "OCCURRENCE DATA STRUCTURE",
             "ADVERSE EVENT", ("USUBJID", "AESEQ")),
}
_RESPONSES = ("CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE")
#: codelist OID → (name, NCI codelist code or None for sponsor-defined, terms)
_FIXED: dict[str, tuple[str, str | None, tuple[str, ...]]] = {
    "CL.NY": ("No Yes Response", "C66742", ("N", "Y")),
    "CL.SEX": ("Sex", "C66731", ("F", "M", "U")),
    "CL.RACE": ("Race", "C74457", RACES),
    "CL.ETHNIC": ("Ethnic Group", "C66790", ETHNICITIES),
    "CL.NCOMPLT": ("Completion/Reason for Non-Completion", "C66727", tuple(dict.fromkeys(
        [*adam_meta.EOT_REASONS.values(), *adam_meta.EOS_REASONS.values()]))),
    "CL.ACN": ("Action Taken with Study Treatment", "C66767",
               tuple(adam_meta.AE_ACTIONS.values())),
    "CL.OUT": ("Outcome of Event", "C66768", tuple(adam_meta.AE_OUTCOMES.values())),
    "CL.RESP": ("Response (RECIST 1.1)", None, _RESPONSES),
    "CL.STATUS": ("Status at End of Treatment or Study", None,
                  ("COMPLETED", "DISCONTINUED", "ONGOING")),
    "CL.FESCAT": ("FES PET Patient Category", None,
                  ("all_positive", "mixed", "all_negative", "not_evaluable", "not_read")),
    "CL.MENOSTAT": ("Menopausal Status", None, ("pre", "peri", "post")),
    "CL.TOXGR": ("CTCAE v5.0 Grade", None, ("1", "2", "3", "4", "5")),
}
_USES = {
    **dict.fromkeys(("ITTFL", "SAFFL", "DTHFL", "AESER", "AEREL", "TRTEMFL", "ORRFL",
                     "CBRFL"), "CL.NY"),
    "SEX": "CL.SEX", "RACE": "CL.RACE", "ETHNIC": "CL.ETHNIC", "EOTRSN": "CL.NCOMPLT",
    "EOSRSN": "CL.NCOMPLT", "AEACN": "CL.ACN", "AEOUT": "CL.OUT", "AVALC": "CL.RESP",
    "BOR": "CL.RESP", "UBOR": "CL.RESP", "EOTSTT": "CL.STATUS", "EOSSTT": "CL.STATUS",
    "FESCAT": "CL.FESCAT", "MENOSTAT": "CL.MENOSTAT", "AETOXGR": "CL.TOXGR",
}
#: coded variables whose sponsor-defined list is taken from the data: variable → decode column
_FROM_DATA = {"ARMCD": "ARM", "PARAMCD": "PARAM", "STRAT1": None, "STRAT2": None}


def _origin(dataset: str, name: str, derivation: str, source: str) -> dict[str, object]:
    if dataset != "ADSL" and derivation.strip() == f"ADSL.{name}":
        return {"origin": "Predecessor", "origin_text": derivation}
    if name == "STUDYID":
        return {"origin": "Assigned", "source": "Sponsor", "origin_text": derivation}
    return {"origin": "Derived", "origin_text": derivation, "comment": source}


def _data_codelists(frames: Mapping[str, pd.DataFrame]) -> dict[tuple[str, str], CodeList]:
    """Sponsor-defined lists from the data: one per data set for PARAMCD (its PARAM as
    decode), one shared by every data set for the others (decoded where a data set holds
    the decode column)."""
    terms: dict[str, dict[str, str | None]] = {}
    for dataset, df in frames.items():
        for column, decode in _FROM_DATA.items():
            if column not in df.columns:
                continue
            key = f"{dataset}.PARAMCD" if column == "PARAMCD" else column
            seen = terms.setdefault(key, {})
            labels = df[decode] if decode in df.columns else [None] * len(df)
            for code, label in zip(df[column], labels, strict=True):
                if not missing(code) and code != "":
                    seen[str(code)] = seen.get(str(code)) or (
                        None if label is None or missing(label) else str(label))
    lists = {key: CodeList(oid=f"CL.{key}", name=key.replace(".", " "), data_type="text",
                           cdisc=False, terms=tuple(Term(code, decode=label)
                                                    for code, label in sorted(seen.items())))
             for key, seen in terms.items() if seen}
    return {(dataset, column): lists[f"{dataset}.PARAMCD" if column == "PARAMCD" else column]
            for dataset, df in frames.items() for column in _FROM_DATA
            if column in df.columns and (f"{dataset}.PARAMCD" if column == "PARAMCD"
                                         else column) in lists}


def _check_values(dataset: str, name: str, values: list[object], codelist: CodeList) -> None:
    allowed = {t.value for t in codelist.terms}
    for value in values:
        if str(value) not in allowed:
            raise DefineError(_("the value {value} is not in the codelist {oid}").format(
                value=value, oid=codelist.oid), field=f"{dataset}.{name}")


def adam_define(data: AdamData, *, study: str = "DAWNA-FES",
                description: str = "DAWNA-FES analysis data sets (ADaM)") -> DefineDocument:
    """The Define-XML metadata of the ADaM data sets of ``data`` as written by
    ``exports/adam_files.write_adam``; refuses metadata and data that disagree."""
    frames = {"ADSL": data.adsl, "ADTTE": data.adtte, "ADRS": data.adrs, "ADAE": data.adae}
    fixed = {oid: ct_codelist([oid[3:]], oid, terms, name) if code else
             CodeList(oid=oid, name=name, data_type="text", cdisc=False,
                      terms=tuple(Term(t) for t in terms))
             for oid, (name, code, terms) in _FIXED.items()}
    from_data = _data_codelists(frames)
    used: dict[str, CodeList] = {}
    datasets = []
    for stem, name, label in DATASETS:
        df = frames[name]
        rows = data.definitions[data.definitions["DATASET"] == name]
        meta = list(zip(rows["VARIABLE"], rows["LABEL"], rows["TYPE"], rows["DERIVATION"],
                        rows["SOURCE"], strict=True))
        known = [m[0] for m in meta]
        for column in df.columns:
            if column not in known:
                raise DefineError(_("the data hold a variable the metadata do not describe"),
                                  field=f"{name}.{column}")
        structure, cls, subclass, keys = STRUCTURE[name]
        variables = []
        for var, var_label, kind, derivation, source in meta:
            if var not in df.columns:
                raise DefineError(_("the metadata describe a variable missing from the data"),
                                  field=f"{name}.{var}")
            values = values_of(df, var)
            codelist = from_data.get((name, var)) or fixed.get(_USES.get(var, ""))
            if codelist is not None:
                _check_values(name, var, values, codelist)
                used[codelist.oid] = codelist
            variables.append(Variable(
                name=var, label=var_label, codelist=codelist.oid if codelist else None,
                mandatory=(var in keys or var in ("STUDYID", "USUBJID"))
                and len(values) == len(df) > 0,
                **shape(var, kind, values),  # type: ignore[arg-type]
                **_origin(name, var, derivation, source)))  # type: ignore[arg-type]
        datasets.append(Dataset(name=name, label=label, structure=structure, class_name=cls,
                                subclass=subclass, purpose="Analysis", href=f"{stem}.xpt",
                                variables=tuple(variables), standard=ADAM_STANDARD.oid,
                                keys=keys))
    return DefineDocument(study_name=study, description=description, protocol_name=study,
                          standards=(ADAM_STANDARD, ct_standard()), datasets=tuple(datasets),
                          codelists=tuple(sorted(used.values(), key=lambda c: c.oid)),
                          data_cut=data.cutoff)
