"""The raw files: they parse back with pandas, their headers are in the shared vocabulary, and they
vary in format, language, digits and layout."""

from __future__ import annotations

import pandas as pd
import pytest

from khlang.domain.thai import THAI_DIGITS
from pipelines.headers import field_of, metric_of, month_of_column


def _read(generated, row: pd.Series) -> pd.DataFrame:
    path = generated.raw / row["source_file"]
    if row["encoding"] == "xlsx":
        return pd.read_excel(path, header=int(row["header_row"]) - 1, dtype=str, engine="calamine")
    return pd.read_csv(path, encoding=row["encoding"], dtype=str, keep_default_na=False)


@pytest.mark.parametrize("which", ["tiny", "small"])
def test_every_file_parses_to_its_row_count_and_known_headers(which, request):
    generated = request.getfixturevalue(which)
    files = generated.table("files")
    assert sorted(files["source_file"]) == sorted(generated.report.files)
    for _, row in files.iterrows():
        frame = _read(generated, row)
        assert len(frame) == row["n_rows"], row["source_file"]
        for header in frame.columns:
            assert field_of(header) or metric_of(header) or month_of_column(header), (row["source_file"], header)
        first = frame.iloc[0]
        code_column = next(c for c in frame.columns if field_of(c) == "lao_code")
        assert len(str(first[code_column])) == 7


def test_formats_vary_at_small_scale(small):
    files = small.table("files")
    assert set(files["encoding"]) == {"utf-8", "utf-8-sig", "cp874", "xlsx"}
    assert set(files["language"]) == {"en", "th"} and set(files["year_system"]) == {"BE", "CE"}
    assert set(files["layout"]) == {"long", "wide_metrics", "wide_months"}
    assert files["thai_digits"].any() and files["thousands"].any() and files["dash_zero"].any()
    assert files["lao_name"].any() and files["late"].any()
    assert (files["encoding"] == "xlsx").mean() < 0.5
    assert (files["header_row"] == 3).any()  # an xlsx with a title and a merged group header


def test_thai_digits_in_some_file(tiny):
    files = tiny.table("files")
    thai = files[files["thai_digits"]]
    assert len(thai)
    for _, row in thai.iterrows():
        body = _read(tiny, row).to_csv(index=False)
        assert any(d in body for d in THAI_DIGITS), row["source_file"]


def test_encodings_are_what_they_say(small):
    files = small.table("files")
    for _, row in files[files["encoding"] != "xlsx"].iterrows():
        data = (small.raw / row["source_file"]).read_bytes()
        assert data.startswith(b"\xef\xbb\xbf") == (row["encoding"] == "utf-8-sig")
        if row["encoding"] == "cp874" and row["language"] == "th":
            with pytest.raises(UnicodeDecodeError):
                data.decode("utf-8")
