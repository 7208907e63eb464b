"""Thai and English strings of the app: `t(key, lang)` plus labels for metrics, levels, LAO types, units."""

from __future__ import annotations

from app.i18n_complaints import COMPLAINT_STRINGS
from khlang.domain.metrics import METRICS
from khlang.domain.reference import LAO_TYPES

__all__ = ["LANGS", "STRINGS", "t", "metric_label", "tier_label", "level_label", "lao_type_label", "family_label",
           "unit_name"]

LANGS = ("th", "en")

# key -> (Thai, English); `{name}` placeholders are filled by t(..., name=...)
STRINGS: dict[str, tuple[str, str]] = {
    "app_title": ("คลัง: ระบบสนับสนุนการตัดสินใจ อปท.", "Khlang: LAO decision support"),
    "language": ("ภาษา", "Language"),
    "era": ("ปี", "Years"),
    "era_be": ("พ.ศ.", "BE"),
    "era_ce": ("ค.ศ.", "CE"),
    "thai_digits": ("ตัวเลขไทย", "Thai digits"),
    "api_down": ("เชื่อมต่อ API ของคลังไม่ได้ที่ {url}: {error}. เริ่ม API ด้วยคำสั่ง `khlang serve`",
                 "The Khlang API at {url} is not reachable: {error}. Start it with `khlang serve`"),
    "api_error": ("API ตอบกลับข้อผิดพลาด: {error}", "The API answered with an error: {error}"),
    "data_as_of": ("ข้อมูลถึง {month} · พยากรณ์เผยแพร่ {published}", "Data up to {month} · forecasts published {published}"),
    "loading": ("กำลังโหลดข้อมูล…", "Loading…"),
    "download_csv": ("ดาวน์โหลด CSV", "Download CSV"),
    "download_xlsx": ("ดาวน์โหลด Excel", "Download Excel"),
    "no_data": ("ไม่มีข้อมูล", "No data"),
    # pages
    "page_overview": ("ภาพรวม", "Overview"),
    "page_drilldown": ("เจาะลึกรายหน่วย", "Drill-down"),
    "page_welfare": ("วางแผนงบเบี้ยยังชีพ", "Welfare budget planner"),
    "page_tracker": ("ติดตามการเบิกจ่าย", "Budget tracker"),
    "page_waste": ("ขยะมูลฝอย", "Waste"),
    "page_models": ("แบบจำลอง", "Models"),
    "page_quality": ("คุณภาพข้อมูล", "Data quality"),
    # overview
    "family": ("หมวด", "Family"),
    "metric": ("ตัวชี้วัด", "Metric"),
    "this_fy": ("ปีนี้ {fy}", "This year {fy}"),
    "vs_fy": ("เทียบ {fy}", "vs {fy}"),
    "next_fy": ("ปีหน้า {fy} (พยากรณ์)", "Next year {fy} (forecast)"),
    "nation_total": ("รวมทั้งประเทศ", "National total"),
    "by_region": ("รายภาค", "By region"),
    "by_province": ("รายจังหวัด", "By province"),
    "map_colour": ("ระบายสีแผนที่ตาม", "Colour the map by"),
    "map_value": ("ค่าพยากรณ์ปีหน้า", "Next year's forecast"),
    "map_change": ("การเปลี่ยนแปลงจากปีนี้ (%)", "Change vs this year (%)"),
    "map_caption": ("จังหวัดที่ไม่มีข้อมูลเป็นสีเทา · คลิกจังหวัดเพื่อเจาะลึก",
                    "Provinces without data are grey · click a province to drill into it"),
    "drill_into": ("เจาะลึกจังหวัด", "Drill into province"),
    "open": ("เปิด", "Open"),
    "change": ("เปลี่ยนแปลง", "Change"),
    "value": ("ค่า", "Value"),
    "months_note": ("ปีนี้ = เดือนจริงที่มี + พยากรณ์เดือนที่เหลือ", "This year = months reported + forecast for the rest"),
    # drill-down
    "level": ("ระดับ", "Level"),
    "unit": ("หน่วย", "Unit"),
    "code": ("รหัส", "Code"),
    "all_of": ("ทั้งหมด: {name}", "All of {name}"),
    "search": ("ค้นหาชื่อหรือรหัส", "Search name or code"),
    "children": ("หน่วยย่อย", "Children"),
    "up": ("ขึ้นหนึ่งระดับ", "Up one level"),
    "years_shown": ("จำนวนปีข้อมูลย้อนหลังที่แสดง", "Years of history shown"),
    "history": ("ข้อมูลจริง", "History"),
    "forecast": ("พยากรณ์", "Forecast"),
    "band80": ("ช่วง 80%", "80% band"),
    "band95": ("ช่วง 95%", "95% band"),
    "coherence": ("ผลรวมพยากรณ์หน่วยย่อยเท่ากับหน่วยแม่", "Children's forecasts sum to the parent's"),
    "coherence_gap": ("ส่วนต่างสูงสุด {gap} ({share} ของค่าพยากรณ์)", "Largest gap {gap} ({share} of the forecast)"),
    "coherence_none": ("หน่วยนี้ไม่มีหน่วยย่อย", "This unit has no children"),
    "children_sum": ("ผลรวมหน่วยย่อย", "Sum of children"),
    "gap": ("ส่วนต่าง", "Gap"),
    "model_used": ("แบบจำลอง {model} รุ่น {version}", "Model {model} version {version}"),
    "no_forecast": ("ไม่มีพยากรณ์ของตัวชี้วัดนี้สำหรับหน่วยนี้: {error}", "No forecast of this metric for this unit: {error}"),
    "date": ("เดือน", "Month"),
    "fiscal_year": ("ปีงบประมาณ", "Fiscal year"),
    # welfare
    "tier": ("กลุ่ม", "Tier"),
    "recipients": ("ผู้รับ (คน/เดือน)", "Recipients (persons/month)"),
    "rate": ("อัตรา (บาท/เดือน)", "Rate (baht/month)"),
    "budget": ("งบประมาณ", "Budget"),
    "baseline_budget": ("งบตามพยากรณ์", "Forecast budget"),
    "scenario_budget": ("งบตามสมมติฐาน", "What-if budget"),
    "whatif": ("สมมติฐาน (คำนวณใหม่ทันที)", "What-if (recomputed at once)"),
    "ageing_pct": ("ปรับจำนวนผู้สูงอายุ/การขอรับ (%)", "Ageing / take-up adjustment (%)"),
    "ageing_help": ("เพิ่มหรือลดจำนวนผู้รับเบี้ยผู้สูงอายุทุกกลุ่มตามร้อยละนี้",
                    "Raises or lowers the elderly recipients of every tier by this percentage"),
    "disability_pct": ("ปรับจำนวนผู้รับเบี้ยความพิการ (%)", "Disability take-up adjustment (%)"),
    "income_test": ("ใช้เกณฑ์รายได้ (ส.ค. 2566)", "Apply the income test (Aug 2023)"),
    "income_share": ("สัดส่วนผู้สูงอายุที่ถูกตัดสิทธิ์ (%)", "Share of elderly excluded (%)"),
    "income_help": ("เกณฑ์รายได้ตัดผู้สูงอายุที่มีรายได้เกินเกณฑ์ออก: สมมติว่าตัดออกตามสัดส่วนนี้ทุกกลุ่มอายุ "
                    "(เบี้ยความพิการไม่เปลี่ยน)",
                    "The income test excludes elderly people above the income line: assumed here to remove this "
                    "share of every age tier (the disability allowance is unchanged)"),
    "welfare_scope": ("งบเบี้ยยังชีพ: {unit}", "Allowance budget: {unit}"),
    "total": ("รวม", "Total"),
    "band_note": ("ช่วง 95% เป็นผลรวมขอบเขตรายเดือน (ระมัดระวัง)", "95% band: sum of the monthly bounds (conservative)"),
    "per_unit": ("งบรายหน่วยย่อย", "Budget per child unit"),
    "rate_tier": ("อัตรา {tier} (บาท/เดือน)", "Rate {tier} (baht/month)"),
    "reset": ("คืนค่าเดิม", "Reset"),
    "not_forecast": ("ไม่มีพยากรณ์", "not forecast"),
    # tracker
    "tracker_metric": ("ประเภทงบ", "Budget type"),
    "spent_so_far": ("เบิกจ่ายแล้วปีนี้", "Disbursed so far this year"),
    "usual_curve": ("สัดส่วนสะสมตามปกติ", "Usual cumulative share"),
    "expected_by_now": ("ควรเบิกจ่ายถึงตอนนี้", "Expected by now"),
    "forecast_year": ("พยากรณ์ทั้งปี", "Full-year forecast"),
    "cumulative": ("สะสม", "Cumulative"),
    "lagging": ("เบิกจ่ายล่าช้า", "Lagging"),
    "overspending": ("เบิกจ่ายเร็วเกิน", "Overspending"),
    "on_track": ("ตามแผน", "On track"),
    "status": ("สถานะ", "Status"),
    "tolerance": ("เกณฑ์แจ้งเตือน (± จุดร้อยละของสัดส่วนปกติ)", "Flag threshold (± percentage points of the usual share)"),
    "cutoff_month": ("ตัดยอด ณ สิ้นเดือน", "Cut-off: end of"),
    "pick_province": ("เลือกจังหวัด อำเภอ หรือ อปท. เพื่อดูรายชื่อ อปท. ที่ถูกแจ้งเตือน",
                      "Choose a province, district or LAO to list the flagged LAOs"),
    "none_flagged": ("ไม่มี อปท. ที่ถูกแจ้งเตือน", "No LAO is flagged"),
    "months_reported": ("เดือนที่รายงาน", "Months reported"),
    "actual_share": ("สัดส่วนของยอดปีก่อนที่เบิกแล้ว", "Share of last year's total disbursed"),
    "gap_pp": ("ส่วนต่าง (จุดร้อยละ)", "Gap (percentage points)"),
    "projected_year_end": ("คาดการณ์สิ้นปีตามจังหวะปกติ", "Year-end at the usual pace"),
    "flagged": ("อปท. ที่ถูกแจ้งเตือน", "Flagged LAOs"),
    "all_laos": ("อปท. ทั้งหมด", "All LAOs"),
    "share_of_forecast": ("สัดส่วนของพยากรณ์ทั้งปี", "Share of the year's forecast"),
    "months_elapsed": ("เดือนที่ผ่านไป {n} ของ 12", "{n} of 12 months elapsed"),
    "history_years": ("ปีที่ใช้คำนวณเส้นปกติ", "Years behind the usual curve"),
    # waste
    "per_capita": ("ต่อหัว", "Per capita"),
    "no_population": ("ยังไม่มีจำนวนประชากรที่ อปท. รายงาน จึงคำนวณขยะต่อหัวไม่ได้; กลุ่มเปรียบเทียบใช้ประเภท อปท. "
                      "และขนาดพื้นที่ (ตร.กม.) แทน",
                      "No unit here has reported its registered population yet, so waste per capita cannot be "
                      "computed; peers are LAOs of the same type and area band (km²) instead"),
    "population": ("ประชากรตามทะเบียนราษฎร์", "Registered population"),
    "population_fy": ("ปีงบประมาณของข้อมูลประชากร", "Population as of FY"),
    "population_band": ("ขนาดประชากร", "Population band"),
    "peer_median_per_capita": ("มัธยฐานกลุ่ม ต่อหัว", "Peer median per capita"),
    "vs_peers_per_capita": ("ต่อหัวเทียบกับกลุ่ม", "Per capita vs peers"),
    "peer_group": ("กลุ่มเปรียบเทียบ", "Peer group"),
    "peer_median": ("มัธยฐานกลุ่ม", "Peer median"),
    "vs_peers": ("เทียบกับกลุ่ม", "vs peers"),
    "peer_tick": ("ขีดสีส้ม = มัธยฐานของกลุ่มเปรียบเทียบ (ประเภทและขนาดประชากรเดียวกัน; ขนาดพื้นที่เมื่อไม่มีข้อมูลประชากร)",
                  "Orange tick = the peer median (same type and population band; area band where no population)"),
    "national_type_mean": ("ค่าเฉลี่ยทั้งประเทศของประเภทเดียวกัน (ตัน/วัน ต่อ อปท.)",
                           "National mean of the type (tonnes/day per LAO)"),
    "vs_national": ("เทียบค่าเฉลี่ยประเทศ", "vs national mean"),
    "area_band": ("ขนาดพื้นที่", "Area band"),
    "lao_type": ("ประเภท อปท.", "LAO type"),
    "province": ("จังหวัด", "Province"),
    "per_area": ("ต่อพื้นที่ (ตัน/วัน/ตร.กม.)", "Per area (tonnes/day/km²)"),
    "source_year": ("ปีงบประมาณของข้อมูล", "Fiscal year of the data"),
    # models
    "best_other": ("แบบจำลองอื่นที่ดีที่สุด (base)", "Best other model (base)"),
    "champion": ("แชมป์", "Champion"),
    "challenger": ("ผู้ท้าชิง", "Challenger"),
    "none": ("ไม่มี", "none"),
    "score": ("คะแนน backtest (MASE เฉลี่ย)", "Backtest score (mean MASE)"),
    "mlflow_link": ("เปิดการรันใน MLflow", "Open the run in MLflow"),
    "mlflow_link_challenger": ("เปิดการรันของผู้ท้าชิงใน MLflow", "Open the challenger's run in MLflow"),
    "head_to_head": ("แชมป์เทียบผู้ท้าชิง รายระดับ (พยากรณ์หลังปรับให้สอดคล้อง)",
                     "Champion vs challenger per level (reconciled forecasts)"),
    "mase_change": ("MASE ผู้ท้าชิงเทียบแชมป์", "Challenger MASE vs champion"),
    "accuracy": ("ความแม่นยำ backtest รายระดับ", "Backtest accuracy per level"),
    "stage": ("ขั้น", "Stage"),
    "model": ("แบบจำลอง", "Model"),
    "family_error": ("อ่านข้อมูลแบบจำลองไม่ได้: {error}", "Could not read the models: {error}"),
    # quality
    "files": ("ไฟล์", "Files"),
    "records_in": ("ระเบียนเข้า", "Records in"),
    "records_stored": ("จัดเก็บ", "Stored"),
    "records_quarantined": ("กักกัน", "Quarantined"),
    "reasons": ("เหตุผลที่กักกัน", "Quarantine reasons"),
    "per_file_reason": ("ระเบียนที่กักกัน รายไฟล์และเหตุผล", "Quarantined records by file and reason"),
    "per_file": ("รายไฟล์", "Per file"),
    "file": ("ไฟล์", "File"),
    "only_quarantined": ("เฉพาะไฟล์ที่มีระเบียนถูกกักกัน", "Only files with quarantined records"),
}


STRINGS.update(COMPLAINT_STRINGS)

def t(key: str, lang: str = "th", **values: object) -> str:
    """The string `key` in `lang` ('th' or 'en') with its placeholders filled."""
    th, en = STRINGS[key]
    text = th if lang == "th" else en
    return text.format(**values) if values else text


_LEVELS = {"nation": ("ประเทศ", "Nation"), "region": ("ภาค", "Region"), "province": ("จังหวัด", "Province"),
           "district": ("อำเภอ", "District"), "lao": ("อปท.", "LAO")}
_FAMILIES = {"budget": ("งบประมาณ (เบิกจ่าย)", "Budget (disbursement)"), "waste": ("ขยะมูลฝอย", "Solid waste"),
             "welfare": ("เบี้ยยังชีพ (ผู้รับ)", "Welfare (recipients)")}
_UNITS = {"baht": ("บาท", "baht"), "tonnes/day": ("ตัน/วัน", "tonnes/day"), "persons": ("คน", "persons")}
_ITEMS = {"elderly_allowance": ("เบี้ยยังชีพผู้สูงอายุ รวม", "Elderly allowance, total"),
          "disability_allowance": ("เบี้ยความพิการ รวม", "Disability allowance, total")}


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "th" else pair[1]


def metric_label(name: str, lang: str = "th") -> str:
    """A metric's (or welfare total's) label; unknown names come back as they are."""
    if name in METRICS:
        m = METRICS[name]
        return m.label_th if lang == "th" else m.label_en
    return _pick(_ITEMS[name], lang) if name in _ITEMS else name


def tier_label(item: str, lang: str = "th") -> str:
    """A short label of an allowance tier: elderly_70_79 -> 'ผู้สูงอายุ 70–79 ปี' / 'Elderly 70–79',
    disability_higher -> 'ผู้พิการ อัตรา 1,000' / 'Disability, 1,000 rate'; totals and others as metric_label."""
    if item.startswith("elderly_") and item in METRICS:
        ages = item.removeprefix("elderly_").replace("_plus", "+").replace("_", "–")
        return f"ผู้สูงอายุ {ages} ปี" if lang == "th" else f"Elderly {ages}"
    if item.startswith("disability_") and item in METRICS:
        rate = f"{METRICS[item].monthly_rate_baht:,.0f}"
        return f"ผู้พิการ อัตรา {rate}" if lang == "th" else f"Disability, {rate} rate"
    return metric_label(item, lang)


def level_label(level: str, lang: str = "th") -> str:
    return _pick(_LEVELS[level], lang) if level in _LEVELS else level


def lao_type_label(lao_type: str | None, lang: str = "th") -> str:
    return _pick(LAO_TYPES[lao_type], lang) if lao_type in LAO_TYPES else (lao_type or "")


def family_label(family: str, lang: str = "th") -> str:
    return _pick(_FAMILIES[family], lang) if family in _FAMILIES else family


def unit_name(unit: dict, lang: str = "th") -> str:
    """A hierarchy unit's display name ('ภูเก็ต' / 'Phuket'), falling back to the other language, then the code."""
    first, second = ("name_th", "name_en") if lang == "th" else ("name_en", "name_th")
    return str(unit.get(first) or unit.get(second) or unit.get("code"))
