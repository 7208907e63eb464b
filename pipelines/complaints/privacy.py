"""Personal data in free Thai text, found and masked before it reaches the store, the API or the app (PDPA).

What is masked, each by its own pattern, in this order:
- national ID numbers: 13 digits (plain or 1-2345-67890-12-3) whose check digit holds; a 13-digit number
  with a wrong check digit is not an ID (ticket and invoice numbers stay);
- e-mail addresses;
- phone numbers: Thai mobiles (06/08/09 + 8 digits), landlines (02–07 + 7 digits), +66 forms, with or without
  separators; dates (12/05/2565), amounts (1,500 บาท), years and ticket ids do not fit these shapes;
- vehicle plates: optional leading digit, one or two Thai consonants, 1–4 digits (กข 1234, 1กข-1234), not
  inside a Thai word; after ทะเบียน/รถ any such shape, elsewhere only two consonants, a separator and 3–4
  digits that are not a month (พค 2565), a unit (กม 120) or a short word (คน 100); pole numbers (ข48) stay;
- house numbers after บ้านเลขที่ / เลขที่ (123/45);
- names after the titles นาย, นาง, นางสาว, น.ส. (first name and surname), not words such as นายก or นายอำเภอ.

`mask(text)` returns the masked text and what it found: pure, no state."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

__all__ = ["Masked", "mask", "mask_many", "thai_id_valid", "TOKENS"]

TOKENS = {"national_id": "[เลขบัตรประชาชน]", "email": "[อีเมล]", "phone": "[โทรศัพท์]",
          "plate": "[ทะเบียนรถ]", "house_number": "[บ้านเลขที่]", "name": "[ชื่อ]"}

_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_ID = re.compile(r"(?<![\d\-])(\d[\s\-]?\d{4}[\s\-]?\d{5}[\s\-]?\d{2}[\s\-]?\d)(?![\d\-])")
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
_PHONE = re.compile(
    r"(?<![\d/.,\-])(?:"
    r"(?:\+66|0066)[\s\-]?\(?0?\)?[\s\-]?[1-9](?:[\s\-]?\d){7,8}"  # +66 8x xxx xxxx, +66 2 xxx xxxx
    r"|0[689]\d[\s\-]?\d{3}[\s\-]?\d{4}"                              # 08x-xxx-xxxx
    r"|0[689]\d{8}"
    r"|0[2-7][\s\-]?\d{3}[\s\-]?\d{4}"                                # 02-xxx-xxxx
    r")(?![\d/,])")
_NOT_PLATE = {"กม", "ซม", "มม", "ตร", "ชม", "นน", "กก", "ลบ", "จน", "คน", "ผม", "ตน", "ปม",  # units, words
              "มค", "กพ", "มีค", "พค", "กค", "สค", "กย", "ตค", "พย", "ธค",  # months
              "พศ", "คศ", "กท", "มท", "นร"}  # eras, the prefixes of official letters (กท 0907/…)
_PLATE = re.compile(r"(?<![ก-๙A-Za-z\d])(\d?)([ก-ฮ]{1,2})([\s\-]?)(\d{1,4})(?![\d/:.,]\d|\d|/)")
_PLATE_CONTEXT = re.compile(r"(?:ทะเบียน|รถ[ก-๙]{0,12})\s*$")
_HOUSE = re.compile(r"((บ้าน)?เลขที่\s*:?\s*)(\d+(?:/\d+)?)(?![\d\-A-Za-z])")
_NOT_HOUSE = ("เรื่อง", "หนังสือ", "คำร้อง", "ใบ", "อ้างอิง", "คดี", "สัญญา")  # เลขที่ of a document
_NOT_NAMES = ("นายก", "นายอำเภอ", "นายจ้าง", "นายทุน", "นายหน้า", "นายช่าง", "นายตรวจ", "นายทหาร", "นายด่าน",
              "นายตำรวจ", "นายประกัน", "นางพยาบาล", "นางฟ้า", "นางงาม", "นางแบบ", "นางรำ", "นางเลิ้ง", "นางลิ้นจี")
_NAME = re.compile(r"(นางสาว|น\.ส\.|นาย|นาง)\s*([ก-๙]{2,30})(\s+[ก-๙]{2,30})?")
_BEFORE_NAME = ("ชื่อ", "โดย", "ผม", "ฉัน", "ข้าพเจ้า", "และ", "กับ", "ถึง", "จาก")  # Thai words a title may follow


@dataclass(frozen=True)
class Masked:
    text: str
    found: Counter = field(default_factory=Counter)  # kind -> how many were masked


def thai_id_valid(digits: str) -> bool:
    """The check digit of a 13-digit Thai national ID: (11 - sum(d_i * (13 - i)) mod 11) mod 10."""
    if len(digits) != 13 or not digits.isdigit() or digits[0] == "0":
        return False
    total = sum(int(d) * (13 - i) for i, d in enumerate(digits[:12]))
    return (11 - total % 11) % 10 == int(digits[12])


def _sub(pattern: re.Pattern, kind: str, text: str, found: Counter, keep=None) -> str:
    def replace(match: re.Match) -> str:
        if keep is not None and keep(match):
            return match.group(0)
        found[kind] += 1
        return TOKENS[kind]
    return pattern.sub(replace, text)


def _not_id(match: re.Match) -> bool:
    return not thai_id_valid(re.sub(r"[\s\-]", "", match.group(1)))


def _not_plate(match: re.Match) -> bool:
    lead, letters, separator, digits = match.groups()
    if letters in _NOT_PLATE:
        return True
    if _PLATE_CONTEXT.search(match.string[max(0, match.start() - 24):match.start()]):
        return False
    return not (len(letters) == 2 and separator and len(digits) >= 3)


def _house(match: re.Match, found: Counter) -> str:
    if not match.group(2) and match.string[max(0, match.start() - 12):match.start()].endswith(_NOT_HOUSE):
        return match.group(0)
    found["house_number"] += 1
    return match.group(1) + TOKENS["house_number"]


def _name(match: re.Match, found: Counter) -> str:
    title, first = match.group(1), match.group(2)
    before = match.string[max(0, match.start() - 10):match.start()]
    inside_word = bool(before) and "ก" <= before[-1] <= "๙" and not before.endswith(_BEFORE_NAME)
    if inside_word or (title + first).startswith(_NOT_NAMES) or (title == "นาง" and first.startswith("สาว")):
        return match.group(0)
    found["name"] += 1
    return title + TOKENS["name"]


def mask(text: str | None) -> Masked:
    """The text with personal data replaced by a token per kind (TOKENS), and the count of each kind."""
    if text is None or text != text:  # None or NaN
        return Masked("")
    found: Counter = Counter()
    out = str(text).translate(_THAI_DIGITS)
    out = _sub(_ID, "national_id", out, found, keep=_not_id)
    out = _sub(_EMAIL, "email", out, found)
    out = _sub(_PHONE, "phone", out, found)
    out = _HOUSE.sub(lambda m: _house(m, found), out)
    out = _sub(_PLATE, "plate", out, found, keep=_not_plate)
    out = _NAME.sub(lambda m: _name(m, found), out)
    return Masked(out, found)


def mask_many(texts) -> tuple[list[str], Counter]:
    """Mask every text; the total count of each kind found."""
    total: Counter = Counter()
    out = []
    for text in texts:
        masked = mask(text)
        out.append(masked.text)
        total.update(masked.found)
    return out, total
