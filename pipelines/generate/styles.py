"""How each file is written, drawn per file from the seed: format and encoding, header language,
year system, Thai digits, thousands separators, '-' for zero, optional columns, period style."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

__all__ = ["FileStyle", "ENCODINGS", "draw_styles", "balanced", "XLSX_MAX_CELLS"]

ENCODINGS = ("utf-8", "utf-8-sig", "cp874", "xlsx")  # "xlsx" = an Excel workbook, not a text encoding
# Cycled over the shuffled files, so any four files already show every format; xlsx stays a minority.
_FORMAT_CYCLE = ("utf-8", "utf-8-sig", "cp874", "xlsx", "utf-8", "cp874", "utf-8-sig", "utf-8", "xlsx", "utf-8",
                 "utf-8-sig", "cp874")
XLSX_MAX_CELLS = 60_000  # bigger tables fall back to CSV: xlsxwriter needs ~25 µs a cell
PERIOD_STYLES = ("year_month", "year_month_name", "period_iso", "period_name")


@dataclass(frozen=True)
class FileStyle:
    encoding: str  # utf-8 | utf-8-sig | cp874 | xlsx
    language: str  # en | th (headers and item names)
    year_system: str  # BE | CE
    thai_digits: bool  # codes, years and values written with ๐-๙
    thousands: bool  # 1,234,567.00
    dash_zero: bool  # "-" for zero
    lao_name: bool  # an extra lao_name column
    period_style: str  # one of PERIOD_STYLES (long and wide_metrics layouts)
    title_rows: bool  # xlsx: a title row and a merged group-header row above the header
    crlf: bool  # Windows line ends (CSV)

    @property
    def is_xlsx(self) -> bool:
        return self.encoding == "xlsx"

    @property
    def header_row(self) -> int:
        """1-based line (sheet row) of the header; data start on the next one."""
        return 3 if self.is_xlsx and self.title_rows else 1

    def as_csv(self) -> FileStyle:
        return replace(self, encoding="utf-8-sig", title_rows=False)


def balanced(rng: np.random.Generator, n: int, share: float) -> np.ndarray:
    """n flags with about `share` True, at least one of each when n >= 2."""
    k = int(round(share * n))
    if n >= 2:
        k = min(max(k, 1), n - 1)
    flags = np.zeros(n, dtype=bool)
    flags[:k] = True
    return rng.permutation(flags)


def draw_styles(n: int, rng: np.random.Generator) -> list[FileStyle]:
    """Styles for n files (in the caller's deterministic file order)."""
    order = rng.permutation(n)
    encodings = [_FORMAT_CYCLE[int(pos) % len(_FORMAT_CYCLE)] for pos in np.argsort(order)]
    thai = balanced(rng, n, 0.5)
    be = balanced(rng, n, 0.65)
    thai_digits = balanced(rng, n, 0.15)
    thousands = balanced(rng, n, 0.25)
    dash = balanced(rng, n, 0.25)
    names = balanced(rng, n, 0.35)
    titles = balanced(rng, n, 0.6)
    crlf = rng.random(n) < 0.4
    periods = rng.choice(len(PERIOD_STYLES), n, p=[0.55, 0.15, 0.15, 0.15])
    return [FileStyle(encoding=encodings[i], language="th" if thai[i] else "en",
                      year_system="BE" if be[i] else "CE", thai_digits=bool(thai_digits[i]),
                      thousands=bool(thousands[i]), dash_zero=bool(dash[i]), lao_name=bool(names[i]),
                      period_style=PERIOD_STYLES[int(periods[i])], title_rows=bool(titles[i]),
                      crlf=bool(crlf[i] or encodings[i] == "cp874"))
            for i in range(n)]
