"""Define-XML 2.1 beside the data sets it describes (issue 22 item 2; ``docs/define-xml.md``):
``write_adam_define`` checks the ADaM metadata against the data and the Define-XML document
against the Define-XML 2.1 schema **before** writing anything, then writes the ADaM files
(``adam_files.write_adam``), ``define.xml``, ``define.html`` and ``manifest.json``
(``manifest.write_manifest``; ICH E6(R3) §4.2 traceability of transferred data).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from dawna.analysis.adam import AdamData
from dawna.exports.adam_files import DATASETS, write_adam
from dawna.exports.define_adam import adam_define
from dawna.exports.define_html import DEFINE_HTML, define_html
from dawna.exports.define_model import DefineDocument
from dawna.exports.define_sdtm import sdtm_define
from dawna.exports.define_xml import DEFINE_FILE, define_xml, validate_define
from dawna.exports.manifest import write_manifest
from dawna.exports.sdtm import SdtmData, write_sdtm
from dawna.exports.sdtm_spec import IG_VERSION, ct_source

__all__ = ["DEFINE_FILE", "DEFINE_HTML", "write_adam_define", "write_define", "write_sdtm_define"]

Step = Callable[[str], None]


def _quiet(_step: str) -> None:
    return None


def write_define(doc: DefineDocument, directory: Path) -> list[Path]:
    """Write ``define.xml`` (validated first) and ``define.html`` of ``doc`` into
    ``directory``; the paths written."""
    text = define_xml(doc)
    validate_define(text)
    html = define_html(doc)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / DEFINE_FILE).write_text(text, encoding="utf-8")
    (directory / DEFINE_HTML).write_text(html, encoding="utf-8")
    return [directory / DEFINE_FILE, directory / DEFINE_HTML]


def write_adam_define(data: AdamData, directory: Path, step: Step = _quiet) -> list[Path]:
    """ADaM data sets (CSV, XPT, definitions.csv), ``define.xml``, ``define.html`` and
    ``manifest.json`` in ``directory``; nothing is written when the metadata, the data or the
    document are refused. ``step`` is told each stage (for a progress bar)."""
    step("metadata")
    doc = adam_define(data)
    text = define_xml(doc)
    validate_define(text)
    step("datasets")
    paths = write_adam(data, directory)
    step("define")
    (directory / DEFINE_FILE).write_text(text, encoding="utf-8")
    (directory / DEFINE_HTML).write_text(define_html(doc), encoding="utf-8")
    frames = {"adsl": data.adsl, "adtte": data.adtte, "adrs": data.adrs, "adae": data.adae}
    rows: dict[str, int | None] = {}
    for stem, _name, _label in DATASETS:
        rows[f"{stem}.csv"] = rows[f"{stem}.xpt"] = len(frames[stem])
    rows["definitions.csv"] = len(data.definitions)
    rows[DEFINE_FILE] = rows[DEFINE_HTML] = None
    step("manifest")
    manifest = write_manifest(directory, "adam-define", rows, data_cut=data.cutoff,
                              pseudonymized=True,
                              extra={"define_version": "2.1.0", "standard": "ADaMIG 1.3"})
    return [*paths, directory / DEFINE_FILE, directory / DEFINE_HTML, manifest]


def write_sdtm_define(result: SdtmData, directory: Path, step: Step = _quiet) -> list[Path]:
    """The SDTM export of ``exports/sdtm.py`` (domains with data as XPT and CSV, its metadata
    tables and self-check report), ``define.xml``, ``define.html`` and ``manifest.json`` over
    all of them; nothing is written when the metadata or the document are refused."""
    step("metadata")
    doc = sdtm_define(result.frames, cutoff=result.cutoff)
    text = define_xml(doc)
    validate_define(text)
    step("datasets")
    rows = dict(write_sdtm(result, directory))
    step("define")
    (directory / DEFINE_FILE).write_text(text, encoding="utf-8")
    (directory / DEFINE_HTML).write_text(define_html(doc), encoding="utf-8")
    rows[DEFINE_FILE] = rows[DEFINE_HTML] = None
    step("manifest")
    manifest = write_manifest(directory, "sdtm-define", rows, data_cut=result.cutoff,
                              pseudonymized=True,
                              extra={"define_version": "2.1.0",
                                     "standard": f"SDTMIG {IG_VERSION}",
                                     "controlled_terminology": ct_source()["package_date"],
                                     "domains": result.rows(),
                                     "domains_without_data": list(result.empty)})
    return [*(directory / name for name in rows), manifest]
