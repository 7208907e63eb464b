"""app.tables: the CSV and Excel downloads of every table."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd

from app.tables import csv_bytes, xlsx_bytes

FRAME = pd.DataFrame({"name": ["ภูเก็ต", "กะทู้"], "baht": [1_776_924_965.66, 12.5],
                      "published_at": pd.to_datetime(["2026-11-26T01:30:00Z"] * 2)})


def test_csv_has_a_bom_for_excel_and_reads_back():
    data = csv_bytes(FRAME)
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert back["name"].tolist() == ["ภูเก็ต", "กะทู้"]
    assert back["baht"].tolist() == FRAME["baht"].tolist()


def test_xlsx_reads_back_with_thai_text_and_numbers():
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(FRAME, "welfare/budget: 2570")))
    sheet = book.active
    assert sheet.title == "welfare_budget_ 2570"
    rows = list(sheet.values)
    assert rows[0] == ("name", "baht", "published_at")
    assert rows[1][:2] == ("ภูเก็ต", 1_776_924_965.66)
