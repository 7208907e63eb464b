"""The header vocabulary of agency files: Thai and English names of Khlang's columns and metrics.

The generator writes files with these headers and ingest recognises them. Three layouts exist:

- `long`:        lao_code, item, (year, month | period), value                one record per row
- `wide_metrics`: lao_code, (year, month | period), <one column per metric>   k records per row
- `wide_months`: lao_code, item, fiscal_year, <ต.ค. … ก.ย. month columns>    12 records per row (e-LAAS style)

Years may be BE or CE in any of them; `fiscal_year` columns hold the fiscal year."""

from __future__ import annotations

import re
import unicodedata

from khlang.domain.metrics import BUDGET_TYPES, ELDERLY_TIERS, METRICS
from khlang.domain.thai import MONTHS_EN_ABBR, MONTHS_TH_ABBR

__all__ = ["FIELD_ALIASES", "METRIC_ALIASES", "MONTH_COLUMN_ALIASES", "normalise_header", "field_of",
           "metric_of", "month_of_column", "headers_for"]


def normalise_header(text: object) -> str:
    """Header text compared case-, space- and BOM-insensitively, in Unicode NFC."""
    s = unicodedata.normalize("NFC", str(text)).replace("\ufeff", "").strip().lower()
    return re.sub(r"\s+", " ", s)


# field -> (English header, Thai header, other accepted spellings)
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "lao_code": ("lao_code", "รหัส อปท.", "dla_code", "dla code", "รหัสองค์กรปกครองส่วนท้องถิ่น", "รหัส"),
    "lao_name": ("lao_name", "ชื่อ อปท.", "name", "ชื่อองค์กรปกครองส่วนท้องถิ่น"),
    "province": ("province", "จังหวัด"),
    "district": ("district", "อำเภอ"),
    "year": ("year", "ปี", "ปี พ.ศ.", "ปี ค.ศ.", "calendar_year"),
    "fiscal_year": ("fiscal_year", "ปีงบประมาณ", "fy", "ปีงบประมาณ พ.ศ."),
    "month": ("month", "เดือน"),
    "period": ("period", "งวด", "เดือน/ปี", "เดือนปี"),
    "item": ("item", "รายการ", "metric", "ตัวชี้วัด"),
    "value": ("value", "จำนวน", "ค่า", "amount", "มูลค่า"),
    "unit": ("unit", "หน่วย"),
    "remark": ("remark", "หมายเหตุ", "note"),
}

_BUDGET_TH = {"personnel": "งบบุคลากร", "operations": "งบดำเนินงาน", "investment": "งบลงทุน",
              "subsidies": "งบเงินอุดหนุน", "central_fund": "งบกลาง", "other": "งบรายจ่ายอื่น"}

# metric -> (English header, Thai header, other accepted spellings). The metric's own name is accepted too.
METRIC_ALIASES: dict[str, tuple[str, ...]] = {
    **{f"budget_{t}": (t.replace("_", " "), _BUDGET_TH[t], f"disbursed_{t}", f"เบิกจ่าย{_BUDGET_TH[t]}")
       for t in BUDGET_TYPES},
    "budget_appropriation": ("appropriation", "งบประมาณรายจ่ายประจำปี", "annual budget", "งบประมาณที่ได้รับ"),
    "population_registered": ("registered population", "ประชากรตามทะเบียนราษฎร์", "population", "จำนวนประชากร",
                              "ประชากร"),
    "waste_generated": ("waste (tonnes/day)", "ปริมาณขยะ (ตัน/วัน)", "waste_tpd", "ขยะมูลฝอย (ตัน/วัน)",
                        "waste generated"),
    **{f"elderly_{tier}": (f"elderly {tier.replace('_plus', '+').replace('_', '-')}",
                           f"ผู้สูงอายุ {tier.replace('_plus', '+').replace('_', '-')} ปี",
                           tier.replace("_plus", "+").replace("_", "-"),
                           f"อายุ {tier.replace('_plus', '+').replace('_', '-')} ปี")
       for tier in ELDERLY_TIERS},
    "disability_standard": ("disability (800 baht)", "ผู้พิการ (800 บาท)", "disability standard",
                            "เบี้ยความพิการ 800 บาท"),
    "disability_higher": ("disability (1,000 baht)", "ผู้พิการ (1,000 บาท)", "disability 1000",
                          "เบี้ยความพิการ 1,000 บาท"),
}

# Month columns of the wide_months layout, by calendar month number.
MONTH_COLUMN_ALIASES: dict[int, tuple[str, ...]] = {
    i + 1: (MONTHS_EN_ABBR[i], MONTHS_TH_ABBR[i]) for i in range(12)
}

_FIELD_LOOKUP = {normalise_header(a): f for f, aliases in FIELD_ALIASES.items() for a in (f, *aliases)}
_METRIC_LOOKUP = {normalise_header(a): m for m, aliases in METRIC_ALIASES.items() for a in (m, *aliases)}
_METRIC_LOOKUP.update({normalise_header(m.label_th): m.name for m in METRICS.values()})
_METRIC_LOOKUP.update({normalise_header(m.label_en): m.name for m in METRICS.values()})
_MONTH_LOOKUP = {normalise_header(a): mo for mo, aliases in MONTH_COLUMN_ALIASES.items() for a in aliases}


def field_of(header: object) -> str | None:
    """The canonical field a header names, or None."""
    return _FIELD_LOOKUP.get(normalise_header(header))


def metric_of(header: object) -> str | None:
    """The metric a header (or an `item` cell) names, or None."""
    return _METRIC_LOOKUP.get(normalise_header(header))


def month_of_column(header: object) -> int | None:
    """The calendar month of a wide_months column header (ต.ค. -> 10), or None."""
    return _MONTH_LOOKUP.get(normalise_header(header))


def headers_for(language: str) -> dict[str, str]:
    """Field and metric headers as a generator writes them: language 'en' or 'th'."""
    i = 0 if language == "en" else 1
    out = {f: aliases[i] for f, aliases in FIELD_ALIASES.items()}
    out.update({m: aliases[i] for m, aliases in METRIC_ALIASES.items()})
    return out
