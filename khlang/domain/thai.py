"""Thai text: digits, month names and abbreviations, number strings as printed in reports."""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "THAI_DIGITS", "MONTHS_TH", "MONTHS_TH_ABBR", "MONTHS_EN", "MONTHS_EN_ABBR",
    "to_thai_digits", "from_thai_digits", "parse_month", "parse_number", "format_thai_number",
]

THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"
_TO_ARABIC = str.maketrans(THAI_DIGITS, "0123456789")
_TO_THAI = str.maketrans("0123456789", THAI_DIGITS)

MONTHS_TH = ("มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
             "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม")
MONTHS_TH_ABBR = ("ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
                  "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.")
MONTHS_EN = ("January", "February", "March", "April", "May", "June",
             "July", "August", "September", "October", "November", "December")
MONTHS_EN_ABBR = tuple(m[:3] for m in MONTHS_EN)

_MONTH_LOOKUP: dict[str, int] = {}
for _i in range(12):
    for _name in (MONTHS_TH[_i], MONTHS_TH_ABBR[_i], MONTHS_EN[_i], MONTHS_EN_ABBR[_i]):
        _MONTH_LOOKUP[_name.lower()] = _i + 1
        _MONTH_LOOKUP[_name.lower().replace(".", "").replace(" ", "")] = _i + 1


def to_thai_digits(text: str) -> str:
    """'2567' -> '๒๕๖๗'."""
    return str(text).translate(_TO_THAI)


def from_thai_digits(text: str) -> str:
    """'๒๕๖๗' -> '2567'; other characters unchanged."""
    return str(text).translate(_TO_ARABIC)


def parse_month(text: str | int) -> int:
    """A month as a number 1-12 from '1', '๑', 'ม.ค.', 'มกราคม', 'Jan', 'January'. Raises ValueError."""
    if isinstance(text, int):
        month = text
    else:
        s = unicodedata.normalize("NFC", from_thai_digits(str(text))).strip().lower()
        if s.isdigit():
            month = int(s)
        else:
            key = s.replace(" ", "")
            month = _MONTH_LOOKUP.get(key) or _MONTH_LOOKUP.get(key.replace(".", ""), 0)
    if not 1 <= month <= 12:
        raise ValueError(f"not a month: {text!r}")
    return month


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def parse_number(text: object) -> float:
    """A number as printed in Thai reports: Thai digits, thousands separators, '-' for zero,
    parentheses for negatives. Raises ValueError when the text is not a number."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text)
    s = from_thai_digits(str(text)).strip().replace(",", "").replace("\u00a0", "").replace(" ", "")
    if s in {"-", "–", "—"}:
        return 0.0
    negative = s.startswith("(") and s.endswith(")")
    if negative:
        s = s[1:-1]
    if not _NUMBER.match(s):
        raise ValueError(f"not a number: {text!r}")
    value = float(s)
    return -value if negative else value


def format_thai_number(value: float, decimals: int = 0, thai_digits: bool = False) -> str:
    """12345.6 -> '12,346' (or '๑๒,๓๔๖' with thai_digits)."""
    text = f"{value:,.{decimals}f}"
    return to_thai_digits(text) if thai_digits else text
