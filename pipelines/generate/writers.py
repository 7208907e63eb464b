"""Writing a rendered table as an agency file (CSV in UTF-8 / UTF-8 with BOM / cp874, or .xlsx with
an optional title row and merged group header), atomically: a temp name in the folder, then os.replace."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter

from pipelines.generate.styles import FileStyle

__all__ = ["write_table", "atomic_write_bytes", "atomic_path"]

_FIXED_TIME = dt.datetime(2025, 10, 1, 8, 0, 0)  # workbook properties: fixed for byte-identical output
_GROUP_LABELS = {  # merged group headers above the value columns (xlsx title layout)
    "welfare": ("จำนวนผู้รับเบี้ยยังชีพผู้สูงอายุ (คน)", "จำนวนผู้รับเบี้ยความพิการ (คน)"),
    "budget": ("ผลการเบิกจ่ายงบประมาณ (บาท)",),
    "waste": ("ปริมาณขยะมูลฝอยชุมชน",),
}


class atomic_path:  # noqa: N801 - used like open()
    """Context manager yielding a temp path next to `path`; renamed onto it on success."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.tmp = self.path.with_name(f".{self.path.name}.tmp-{os.getpid()}")

    def __enter__(self) -> Path:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return self.tmp

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            os.replace(self.tmp, self.path)
        else:
            self.tmp.unlink(missing_ok=True)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def _write_csv(frame: pd.DataFrame, style: FileStyle, path: Path) -> None:
    text = frame.to_csv(index=False, lineterminator="\r\n" if style.crlf else "\n")
    atomic_write_bytes(path, text.encode(style.encoding))  # strict: cp874 must encode every cell


def _write_xlsx(frame: pd.DataFrame, style: FileStyle, path: Path, family: str, title: str,
                value_columns: int, numeric_columns: list[int]) -> None:
    with atomic_path(path) as tmp:
        book = xlsxwriter.Workbook(str(tmp), {"constant_memory": True, "strings_to_numbers": False})
        book.set_properties({"created": _FIXED_TIME, "author": "Khlang generator"})
        sheet = book.add_worksheet("data" if style.language == "en" else "ข้อมูล")
        bold = book.add_format({"bold": True, "align": "center"})
        n_cols = frame.shape[1]
        row0 = 0
        if style.title_rows:
            sheet.merge_range(0, 0, 0, n_cols - 1, title, bold)
            first_value = n_cols - value_columns
            labels = _GROUP_LABELS[family]
            if family == "welfare" and value_columns == 6:
                spans = [(first_value, first_value + 3, labels[0]), (first_value + 4, first_value + 5, labels[1])]
            else:
                spans = [(first_value, n_cols - 1, labels[0])]
            for c0, c1, label in spans:
                if c1 > c0:
                    sheet.merge_range(1, c0, 1, c1, label, bold)
                else:
                    sheet.write_string(1, c0, label, bold)
            row0 = 2
        sheet.write_row(row0, 0, list(frame.columns), bold)
        numbers = {c: pd.to_numeric(frame.iloc[:, c], errors="coerce").to_numpy() for c in numeric_columns}
        columns = [frame.iloc[:, c].to_numpy() for c in range(n_cols)]
        for r in range(len(frame)):
            for c in range(n_cols):
                text = columns[c][r]
                if text == "":
                    continue
                number = numbers[c][r] if c in numbers else np.nan
                if np.isfinite(number):
                    sheet.write_number(row0 + 1 + r, c, float(number))
                else:
                    sheet.write_string(row0 + 1 + r, c, text)
        book.close()


def write_table(frame: pd.DataFrame, style: FileStyle, path: Path, family: str, title: str,
                value_columns: int, numeric_columns: list[int]) -> None:
    """Write `frame` (cell text) in `style`. numeric_columns: positions written as Excel numbers when
    the text is a plain number (years, months, values of files without Thai digits or separators)."""
    if style.is_xlsx:
        _write_xlsx(frame, style, path, family, title, value_columns, numeric_columns)
    else:
        _write_csv(frame, style, path)
