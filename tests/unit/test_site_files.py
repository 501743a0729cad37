"""Site export files (issue 20 item 7): text that starts like a spreadsheet formula stays text in
Excel (OWASP "CSV injection": =, +, -, @), numbers stay numbers, and a CSV keeps Chinese
readable in Excel (UTF-8 with a byte-order mark)."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd

from dawna.exports import site_files


def test_formula_like_text_stays_text_and_numbers_stay_numbers() -> None:
    tables = {"note": pd.DataFrame({"text": ["=HYPERLINK(\"x\")", "-2+3", "@SUM(A1)", "李秀兰"],
                                    "value": [1, 2.5, 3, 4]})}
    dictionary = pd.DataFrame({"form": ["note", "note"], "variable": ["text", "value"]})
    files = dict(site_files.files(tables, dictionary, "xlsx"))
    sheet = openpyxl.load_workbook(io.BytesIO(files["note.xlsx"]))["data"]
    cells = list(sheet.iter_rows(min_row=2))
    assert [c[0].data_type for c in cells] == ["s", "s", "s", "s"]
    assert [c[0].value for c in cells] == tables["note"]["text"].tolist()
    assert [c[1].value for c in cells] == [1, 2.5, 3, 4]
    assert set(files) == {"note.xlsx", "data_dictionary.csv", "data_dictionary.xlsx"}
    csv_files = dict(site_files.files(tables, dictionary, "csv"))
    assert csv_files["note.csv"].startswith(b"\xef\xbb\xbf")
    assert "李秀兰" in csv_files["note.csv"].decode("utf-8-sig")
