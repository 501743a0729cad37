"""The files of a site data export (issue 20 item 7): one file per form, as CSV (UTF-8 with a
byte-order mark, so Excel reads Chinese) or as an Excel workbook (the form's data and its part
of the data dictionary as two sheets), and the whole data dictionary as ``data_dictionary.csv``
(and ``.xlsx``). Text that starts like a formula (``=``, ``+``, ``-``, ``@``) is written to Excel
as text, never as a formula.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd  # type: ignore[import-untyped, unused-ignore]
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

DICTIONARY = "data_dictionary"
_FORMULA = ("=", "+", "-", "@")


def _sheet(book: Workbook, title: str, frame: pd.DataFrame) -> None:
    sheet = book.create_sheet(title=title[:31])
    sheet.append([str(c) for c in frame.columns])
    for row in frame.itertuples(index=False, name=None):
        cells: list[Any] = []
        for value in row:
            if value is None or (isinstance(value, float) and pd.isna(value)):
                cells.append(None)
            elif isinstance(value, str) and value.startswith(_FORMULA):
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"  # never a formula
                cells.append(cell)
            else:
                cells.append(value.item() if hasattr(value, "item") else value)
        sheet.append(cells)


def _xlsx(sheets: dict[str, pd.DataFrame]) -> bytes:
    book = Workbook(write_only=True)
    for title, frame in sheets.items():
        _sheet(book, title, frame)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _csv(frame: pd.DataFrame) -> bytes:
    return bytes(frame.to_csv(index=False).encode("utf-8-sig"))


def files(tables: dict[str, pd.DataFrame], dictionary: pd.DataFrame, fmt: str
          ) -> Iterator[tuple[str, bytes]]:
    """``(file name, content)`` of every file of the export, the dictionary last."""
    for form, frame in tables.items():
        if fmt == "xlsx":
            part = dictionary[dictionary["form"] == form] if len(dictionary) else dictionary
            yield f"{form}.xlsx", _xlsx({"data": frame, "dictionary": part})
        else:
            yield f"{form}.csv", _csv(frame)
    yield f"{DICTIONARY}.csv", _csv(dictionary)
    if fmt == "xlsx":
        yield f"{DICTIONARY}.xlsx", _xlsx({"dictionary": dictionary})


def write_dir(tables: dict[str, pd.DataFrame], dictionary: pd.DataFrame, fmt: str,
              directory: Path, progress: Callable[[str], None] | None = None) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in files(tables, dictionary, fmt):
        path = directory / name
        path.write_bytes(content)
        written.append(path)
        if progress:
            progress(name)
    return written


def zipped(tables: dict[str, pd.DataFrame], dictionary: pd.DataFrame, fmt: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files(tables, dictionary, fmt):
            archive.writestr(name, content)
    return out.getvalue()
