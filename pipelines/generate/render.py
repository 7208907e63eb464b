"""Text of cells as agencies print them: numbers (decimals, thousands, '-' for zero, Thai digits),
years in BE or CE, months and periods."""

from __future__ import annotations

import numpy as np

from khlang.domain.thai import MONTHS_EN_ABBR, MONTHS_TH_ABBR, THAI_DIGITS
from pipelines.generate.styles import FileStyle

__all__ = ["format_values", "format_codes", "display_year", "time_text", "thai"]

_TO_THAI = str.maketrans("0123456789", THAI_DIGITS)


def thai(texts: list[str], style: FileStyle) -> list[str]:
    return [s.translate(_TO_THAI) for s in texts] if style.thai_digits else texts


def format_values(values: np.ndarray, decimals: int, style: FileStyle) -> np.ndarray:
    """Object array of cell text; NaN -> ''."""
    flat = np.asarray(values, dtype=float).ravel()
    out = np.full(flat.shape, "", dtype=object)
    ok = np.isfinite(flat)
    present = flat[ok]
    if decimals == 0 and not style.thousands:
        texts = present.astype(np.int64).astype(str).tolist()
    else:
        fmt = f"{{:{',' if style.thousands else ''}.{decimals}f}}"
        texts = [fmt.format(v) for v in present.tolist()]
    if style.dash_zero:
        zero = (present == 0).tolist()
        texts = ["-" if z else s for s, z in zip(texts, zero, strict=True)]
    out[ok] = thai(texts, style)
    return out.reshape(np.shape(values))


def format_codes(codes: np.ndarray, style: FileStyle) -> np.ndarray:
    return np.array(thai([str(c) for c in codes], style), dtype=object)


def display_year(year_ce: np.ndarray | int, style: FileStyle) -> np.ndarray:
    """The number a file writes for a CE year (a fiscal year's CE number is BE - 543)."""
    return np.asarray(year_ce) + (543 if style.year_system == "BE" else 0)


def time_text(shown_year: np.ndarray, month: np.ndarray, style: FileStyle) -> dict[str, np.ndarray]:
    """Cells of the time columns (role -> text) for years as shown (already BE or CE) and months."""
    years = [str(int(y)) for y in np.asarray(shown_year).ravel()]
    months = np.asarray(month).ravel().astype(int)
    names = MONTHS_TH_ABBR if style.language == "th" else MONTHS_EN_ABBR
    if style.period_style == "year_month":
        return {"year": np.array(thai(years, style), dtype=object),
                "month": np.array(thai([str(m) for m in months], style), dtype=object)}
    if style.period_style == "year_month_name":
        return {"year": np.array(thai(years, style), dtype=object),
                "month": np.array([names[m - 1] for m in months], dtype=object)}
    if style.period_style == "period_iso":
        return {"period": np.array(thai([f"{y}-{m:02d}" for y, m in zip(years, months, strict=True)], style),
                                   dtype=object)}
    return {"period": np.array(thai([f"{names[m - 1]} {y}" for y, m in zip(years, months, strict=True)], style),
                               dtype=object)}
