"""One agency file -> raw tables of text cells: encoding detection, CSV / Excel / Parquet, header rows.

Every cell becomes text (or null) exactly as an agency wrote it; parsing is `values`' job. Line numbers
are kept so a record can always be traced to its line in the file or row in the sheet."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from pipelines.headers import field_of, metric_of, month_of_column

__all__ = ["RawTable", "UnreadableFile", "EmptyFile", "read_raw", "decode_text", "find_header", "SUFFIXES"]

SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".parquet")  # .txt / .tsv: delimited text (Excel's "Unicode text")
_TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
_UTF16_BOMS = ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
_HEADER_SEARCH_ROWS = 30


class UnreadableFile(Exception):
    """The file cannot be read as a table; the message is the one-line reason for the manifest."""


class EmptyFile(Exception):
    """The file holds no data rows."""


@dataclass
class RawTable:
    """Data rows of one CSV file or one sheet, as text, below the detected header row."""

    header: list[str]          # one name per column, as written (merged header cells filled in)
    columns: list[pa.Array]    # string arrays, one per column, one entry per data row
    lines: np.ndarray          # int32, 1-based line (CSV) or sheet row (Excel) of each data row
    lengths: np.ndarray        # int64, fields in each row as written (a row cut off has fewer)
    encoding: str
    sheet: str | None = None

    @property
    def n_rows(self) -> int:
        return len(self.lines)


# --- text -------------------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _utf16_codec(data: bytes) -> tuple[str, int] | None:
    """(codec, bytes of BOM) where the data is UTF-16: Excel's "Unicode text" export (little-endian with
    a BOM), or without a BOM where NUL bytes fall on odd offsets only (LE) or even ones only (BE): the
    high bytes of ASCII digits and separators. UTF-8 and TIS-620 text hold no NUL byte at all."""
    for bom, codec in _UTF16_BOMS:
        if data.startswith(bom):
            return codec, len(bom)
    sample = data[:8192]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd >= 2 and even == 0:
        return "utf-16-le", 0
    if even >= 2 and odd == 0:
        return "utf-16-be", 0
    return None


def _decode_utf16(data: bytes, codec: str, bom: int) -> tuple[str, str]:
    try:
        text = data[bom:].decode(codec)
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"{codec.upper()} text that does not decode: bytes {exc.object[exc.start:exc.end]!r} "
                             f"at offset {exc.start + bom}") from None
    return text, codec if bom else f"{codec} (no byte-order mark)"


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding name): UTF-16 (Excel's "Unicode text", _utf16_codec); else a UTF-8 BOM is dropped,
    then strict UTF-8, then cp874 (TIS-620) is tried; the BOM is not trusted (cp874 exports sometimes
    carry one). Raises UnreadableFile for binary data."""
    if (utf16 := _utf16_codec(data)) is not None:
        text, encoding = _decode_utf16(data, *utf16)
        return _checked_text(text, encoding)
    bom = data.startswith(b"\xef\xbb\xbf")
    body = data[3:] if bom else data
    try:
        text, encoding = body.decode("utf-8"), "utf-8-sig" if bom else "utf-8"
    except UnicodeDecodeError:
        try:
            text, encoding = body.decode("cp874"), "cp874 (despite a UTF-8 BOM)" if bom else "cp874"
        except UnicodeDecodeError as exc:
            raise UnreadableFile(f"neither UTF-8 nor cp874/TIS-620 text: byte 0x{body[exc.start]:02x} "
                                 f"at offset {exc.start + (3 if bom else 0)} (binary file?)") from None
    return _checked_text(text, encoding)


def _checked_text(text: str, encoding: str) -> tuple[str, str]:
    sample = text[:200_000]
    if sample and len(_CONTROL.findall(sample)) > max(2, len(sample) // 1000):
        raise UnreadableFile(f"not text: {len(_CONTROL.findall(sample))} control characters in the first "
                             f"{len(sample)} characters (binary file?)")
    return text, encoding


def _delimiter(text: str) -> str:
    lines = [ln for ln in text[:50_000].splitlines() if ln.strip()][:10]
    counts = {d: sum(ln.count(d) for ln in lines) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _read_csv(data: bytes) -> list[RawTable]:
    if not data.strip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n"):
        raise EmptyFile("file is empty")
    text, encoding = decode_text(data)
    delimiter = _delimiter(text)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        n_lines = text.count("\n") + (0 if text.endswith("\n") else 1)
        if len(rows) == n_lines:
            lines = np.arange(1, len(rows) + 1, dtype=np.int32)
        else:  # quoted fields span lines: find where each record starts
            lines = _record_starts(text, delimiter)
    except csv.Error as exc:
        raise UnreadableFile(f"CSV cannot be parsed: {exc}") from None
    return [_table(rows, lines, encoding, None)]


def _record_starts(text: str, delimiter: str) -> np.ndarray:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    starts, previous = [], 0
    for _ in reader:
        starts.append(previous + 1)
        previous = reader.line_num
    return np.asarray(starts, dtype=np.int32)


def _cell_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10] if hasattr(value, "year") else value.isoformat()
    return str(value)


def _read_xlsx(path: Path) -> list[RawTable]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheets = []
        for index, name in enumerate(workbook.sheet_names):
            sheet = workbook.get_sheet_by_index(index)
            rows = [[_cell_text(v) for v in row] for row in sheet.to_python(skip_empty_area=False)]
            for (r0, c0), (r1, c1) in sheet.merged_cell_ranges or []:
                top_left = rows[r0][c0] if r0 < len(rows) and c0 < len(rows[r0]) else ""
                for r in range(r0, min(r1 + 1, len(rows))):
                    for c in range(c0, min(c1 + 1, len(rows[r]))):
                        rows[r][c] = top_left
            sheets.append((name, rows))
    except Exception as exc:  # calamine raises its own error types for zip / XML damage
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UnreadableFile(f"not a readable .xlsx workbook (truncated or corrupt zip/XML): {first_line}") from None
    tables, problems = [], []
    for name, rows in sheets:
        if not any(any(cell.strip() for cell in row) for row in rows):
            continue
        try:
            tables.append(_table(rows, np.arange(1, len(rows) + 1, dtype=np.int32), "xlsx", name))
        except UnreadableFile as exc:
            problems.append(f"sheet {name!r}: {exc}")
    if not tables:
        if problems:
            raise UnreadableFile("; ".join(problems))
        raise EmptyFile("workbook has no data")
    return tables


def _read_parquet(path: Path) -> list[RawTable]:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:
        raise UnreadableFile(f"not a readable Parquet file: {str(exc).splitlines()[0]}") from None
    if table.num_rows == 0:
        raise EmptyFile("Parquet file has no rows")
    columns = []
    for column in table.columns:
        if pa.types.is_floating(column.type):  # integer-valued floats print as integers, as in Excel
            columns.append(pa.array([None if v is None else _cell_text(v) for v in column.to_pylist()],
                                    type=pa.string()))
        else:
            columns.append(column.cast(pa.string()).combine_chunks())
    lines = np.arange(2, table.num_rows + 2, dtype=np.int32)  # line 1 = the schema's column names
    return [RawTable(header=list(table.column_names), columns=columns, lines=lines,
                     lengths=np.full(table.num_rows, table.num_columns), encoding="parquet")]


# --- header -----------------------------------------------------------------------------------------

def _recognised(name: str) -> str | None:
    if not name.strip():
        return None
    if (f := field_of(name)) is not None:
        return f"field:{f}"
    if (m := metric_of(name)) is not None:
        return f"metric:{m}"
    if (mo := month_of_column(name)) is not None:
        return f"month:{mo}"
    return None


def find_header(rows: list[list[str]]) -> int | None:
    """Index of the header row: among the first rows, the one naming the most known columns, preferring
    one that names lao_code (title rows and merged group headers above it name few or none)."""
    best, best_score = None, (0, 0)
    for r, row in enumerate(rows[:_HEADER_SEARCH_ROWS]):
        kinds = [_recognised(cell) for cell in row]
        score = ("field:lao_code" in kinds, sum(k is not None for k in kinds))
        if score > best_score and (score[0] or score[1] >= 2):
            best, best_score = r, score
    return best


def _table(rows: list[list[str]], lines: np.ndarray, encoding: str, sheet: str | None) -> RawTable:
    h = find_header(rows)
    if h is None:
        first = next((row for row in rows if any(c.strip() for c in row)), [])
        raise UnreadableFile(f"no recognisable header row in the first {_HEADER_SEARCH_ROWS} rows "
                             f"(first row: {', '.join(first[:8])[:120]!r})")
    header = [cell.strip() for cell in rows[h]]
    n = len(header)
    body = rows[h + 1:]
    body_lines = lines[h + 1:]
    keep = np.fromiter(map(any, body), dtype=bool, count=len(body)) if body else np.zeros(0, dtype=bool)
    if keep.size and not keep.all():
        blank_ok = np.fromiter((any(c.strip() for c in row) for row in body), dtype=bool, count=len(body))
        keep &= blank_ok
    index = np.flatnonzero(keep)
    body = [body[i] for i in index] if len(index) != len(body) else body
    body_lines = body_lines[index]
    if not body:
        raise EmptyFile("header only, no data rows")
    lengths = np.fromiter(map(len, body), dtype=np.int64, count=len(body))
    for i in np.flatnonzero(lengths < n):  # few: rows cut off at the end of a damaged file
        body[i] = body[i] + [""] * (n - len(body[i]))
    columns = [pa.array(col, type=pa.string()) for col in zip(*body, strict=False)][:n]
    return RawTable(header=header, columns=columns, lines=body_lines.astype(np.int32), lengths=lengths,
                    encoding=encoding, sheet=sheet)


def read_raw(path: Path) -> list[RawTable]:
    """The raw tables of a file (one per sheet with data). Raises EmptyFile or UnreadableFile."""
    suffix = path.suffix.lower()
    if suffix in _TEXT_SUFFIXES:
        return _read_csv(path.read_bytes())
    if suffix == ".xlsx":
        if path.stat().st_size == 0:
            raise EmptyFile("file is empty")
        return _read_xlsx(path)
    if suffix == ".parquet":
        if path.stat().st_size == 0:
            raise EmptyFile("file is empty")
        return _read_parquet(path)
    raise UnreadableFile(f"unsupported file type {suffix!r}")
