"""SDTM (CDISC SDTM Implementation Guide v3.4) data sets from plain records as of a data cut,
their self-checks, and the files: each domain with data as SAS transport v5 and CSV (through
``exports/adam_files.py``: the v5 limits are checked on every data set before anything is
written), ``variables.csv``, ``datasets.csv`` and ``codelists.csv`` (the metadata of
``sdtm_spec`` with the lengths written, for Define-XML), ``sdtm-checks.csv`` (the findings
of ``sdtm_checks``), ``sdtm-report.txt``
(domains and rows, domains without data, CT version) and ``manifest.json``.

A domain without data is not written (an empty data set says nothing a reviewer can use) and is
named in the report; it appears once its data exist. Sources and scope: ``docs/sdtm.md``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd  # type: ignore[import-untyped, unused-ignore]

from dawna.errors import ValidationError
from dawna.exports import sdtm_design as design
from dawna.exports import sdtm_events as events
from dawna.exports import sdtm_findings as findings
from dawna.exports import sdtm_subject as subject
from dawna.exports.adam_files import check_xpt, write_dataset
from dawna.exports.manifest import write_manifest
from dawna.exports.sdtm_checks import Finding, findings_frame, run_checks
from dawna.exports.sdtm_records import SdtmInput
from dawna.exports.sdtm_spec import (
    DOMAINS,
    IG_VERSION,
    codelist_table,
    ct_source,
    dataset_table,
    spec_table,
)
from dawna.i18n import _
from dawna.protocol.schema import Protocol

__all__ = ["ORDER", "SdtmData", "build_sdtm", "write_sdtm"]

ORDER = ("DM", "DS", "IE", "SV", "AE", "CM", "MH", "EX", "LB", "VS", "EG", "TU", "TR", "RS",
         "TS", "TA", "TE", "TV", "TI", "SUPPAE", "SUPPCM", "SUPPEX")
Progress = Callable[[str], None]


@dataclass(frozen=True)
class SdtmData:
    cutoff: date
    frames: dict[str, pd.DataFrame]
    empty: tuple[str, ...]
    findings: tuple[Finding, ...]

    def rows(self) -> dict[str, int]:
        return {name: len(df) for name, df in self.frames.items()}


def labels_of(name: str) -> dict[str, str]:
    return {v.name: v.label for v in DOMAINS[name].variables}


def types_of(name: str) -> dict[str, str]:
    return {v.name: v.type for v in DOMAINS[name].variables}


def build_sdtm(data: SdtmInput, protocol: Protocol, *, protocol_version: str = "1",
               progress: Progress | None = None) -> SdtmData:
    """Every domain built from ``data`` and the protocol, then the self-checks."""
    step = progress or (lambda _name: None)
    times = events.timelines(data)
    built: dict[str, pd.DataFrame] = {}
    supp: dict[str, list[dict[str, object]]] = {}
    built["DM"] = subject.build_dm(data, times, design.arms(protocol))
    built["DS"] = subject.build_ds(data, times)
    built["IE"] = subject.build_ie(data, times, design.criteria(protocol))
    built["SV"] = subject.build_sv(data, times)
    step("DM")
    built["AE"], supp["SUPPAE"] = events.build_ae(data, times)
    built["CM"], supp["SUPPCM"] = events.build_cm(data, times)
    built["MH"] = events.build_mh(data)
    built["EX"], supp["SUPPEX"] = events.build_ex(data, times)
    step("AE")
    for name, build in (("LB", findings.build_lb), ("VS", findings.build_vs),
                        ("EG", findings.build_eg), ("TU", findings.build_tu),
                        ("TR", findings.build_tr), ("RS", findings.build_rs)):
        built[name] = build(data, times)
    step("LB")
    cycles: dict[str, int] = defaultdict(int)
    arm_of = {s.pseudonym: s.arm for s in data.subjects}
    for e in data.exposures:
        arm = arm_of.get(e.pseudonym)
        if arm and e.cycle:
            cycles[arm] = max(cycles[arm], e.cycle)
    built["TS"] = design.build_ts(protocol, data.cutoff)
    built["TA"] = design.build_ta(protocol)
    built["TE"] = design.build_te(protocol)
    built["TV"] = design.build_tv(protocol, cycles)
    built["TI"] = design.build_ti(protocol, protocol_version)
    for name, rows in supp.items():
        built[name] = pd.DataFrame(rows, columns=DOMAINS[name].names())
    step("TS")
    frames = {n: built[n] for n in ORDER if len(built[n])}
    empty = tuple(n for n in ORDER if not len(built[n]))
    found = run_checks(frames, {n: labels_of(n) for n in frames})
    return SdtmData(cutoff=data.cutoff, frames=frames, empty=empty, findings=tuple(found))


def _lengths(frames: dict[str, pd.DataFrame]) -> dict[tuple[str, str], int]:
    out = {}
    for name, df in frames.items():
        for v in DOMAINS[name].variables:
            if v.type == "Num":
                out[(name, v.name)] = 8
            else:
                texts = [str(x) for x in df[v.name].tolist() if isinstance(x, str)]
                out[(name, v.name)] = max((len(t.encode("utf-8")) for t in texts), default=1)
    return out


def _report(result: SdtmData) -> str:
    source = ct_source()
    lines = [f"SDTM IG {IG_VERSION} export of DAWNA-FES, data cut {result.cutoff}",
             f"Controlled terminology: {source['standard']} {source['package_date']}", "",
             "Domains written (rows):"]
    lines += [f"  {name:<8} {len(df)}" for name, df in result.frames.items()]
    lines += ["", "Domains without data (not written): " + (", ".join(result.empty) or "none"),
              "", f"Self-check findings: {len(result.findings)} (sdtm-checks.csv)"]
    return "\n".join(lines) + "\n"


def write_sdtm(result: SdtmData, out_dir: Path, *, progress: Progress | None = None
               ) -> dict[str, int | None]:
    """Write the export into ``out_dir`` (created if missing) and its manifest; returns file
    name → rows. Refuses before writing anything when a data set breaks a v5 limit."""
    step = progress or (lambda _name: None)
    for name, df in result.frames.items():
        check_xpt(df, name, labels_of(name), dataset_label=DOMAINS[name].label)
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ValidationError(_("{path} exists and is not a folder").format(path=out_dir),
                              field="out_dir")
    out_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".sdtm-", dir=out_dir))
    rows: dict[str, int | None] = {}
    try:
        for name, df in result.frames.items():
            for file in write_dataset(df, work, name.lower(), name, DOMAINS[name].label,
                                      labels_of(name), types_of(name), result.cutoff):
                rows[file] = len(df)
            step(name)
        spec = spec_table(_lengths(result.frames))
        spec = spec[spec["DATASET"].isin(list(result.frames))]
        spec.to_csv(work / "variables.csv", index=False, encoding="utf-8", lineterminator="\n")
        rows["variables.csv"] = len(spec)
        used = sorted({c for v in spec["CODELIST"] for c in str(v).split("|") if c})
        for file, table in (("datasets.csv", dataset_table(list(result.frames))),
                            ("codelists.csv", codelist_table(used))):
            table.to_csv(work / file, index=False, encoding="utf-8", lineterminator="\n")
            rows[file] = len(table)
        checks = findings_frame(result.findings)
        checks.to_csv(work / "sdtm-checks.csv", index=False, encoding="utf-8",
                      lineterminator="\n")
        rows["sdtm-checks.csv"] = len(checks)
        (work / "sdtm-report.txt").write_text(_report(result), encoding="utf-8")
        rows["sdtm-report.txt"] = None
        for file in rows:
            os.replace(work / file, out_dir / file)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    write_manifest(out_dir, "sdtm", rows, data_cut=result.cutoff, pseudonymized=True,
                   extra={"standard": f"SDTMIG {IG_VERSION}",
                          "controlled_terminology": ct_source()["package_date"],
                          "domains": result.rows(), "domains_without_data": list(result.empty),
                          "self_check_findings": len(result.findings)})
    return rows
