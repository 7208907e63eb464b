"""Synthetic citizens' complaints (Traffy Fondue-style tickets) for the LAOs of a scale: a stand-in for the
LAO-level tickets that are not public, in the columns of the real exports (pipelines.complaints.traffy).

- Volume: weekly Poisson counts (gamma-mixed) per unit from its residents, type (a city municipality far more
  per resident than an SAO), tourism and engagement; the platform is taken up over time (Bangkok mid-2022,
  the other units around 2023, each at its own date), so earlier years hold few tickets.
- Types: the real label shares, tilted for towns and rural units (fewer footpaths and traffic, more roads,
  lighting, garbage) and by season: floods and drains in the rains (Jul–Oct; Nov–Dec on the Gulf side of the
  South), PM2.5 in the dry cool season (Dec–Mar; Feb–Apr and stronger in the North); ~12 % have two types.
- Texts: Thai templates per type with place words, some with a fake phone, name, plate or house number (for
  the masking); some tickets re-report one nearby within days. Place: near the unit's centre (Bangkok: one
  of its khet), Thai address columns sometimes blank, abbreviated or misspelt, a few without coordinates.
- Workflow seen at the end date: waiting, forwarded, in progress, done (lognormal durations by type: bridges
  and roads slow, lighting and garbage quick), some never answered; `timestamp` <= `last_activity` < end.
- Dirt: dirty_share of the rows, one fault each (DIRTY_KINDS: the reason the import gives it).
Pure numpy/pandas with one seeded Generator: the same arguments give the same frame."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path
from string import Formatter

import numpy as np
import pandas as pd

from khlang.domain.reference import LAO_TYPES, ReferenceData
from pipelines.generate.writers import atomic_path

__all__ = ["TYPES", "DIRTY_KINDS", "COLUMNS", "TICKETS_FILE", "generate_complaints", "write_complaints"]

COLUMNS = ("ticket_id", "type", "text", "organization", "coords", "district", "subdistrict", "province",
           "timestamp", "state", "last_activity", "source")
TICKETS_FILE = "complaints/tickets.csv.gz"  # gzip like the real exports; ingest's discover skips .gz
DIRTY_KINDS = ("missing_ticket_id", "empty_text", "mojibake_text", "invalid_timestamp", "bad_coordinates",
               "unknown_state", "duplicate_ticket")  # = the reasons of pipelines.complaints.intake
_SALT = 0x7A1F  # the complaints stream differs from the other series' streams of the same seed
# type: (share of labelled tickets in the real data, rural tilt, resolution median in days, two-type clause)
_TYPE_TABLE = {
    "ถนน": (.2757, 1.5, 25, "ถนนก็เป็นหลุม"), "ทางเท้า": (.1786, .25, 20, "ทางเท้าก็ชำรุด"),
    "ความปลอดภัย": (.1379, .8, 10, "ไม่ปลอดภัยเลย"), "ความสะอาด": (.099, 1.0, 3, "สกปรกมาก"),
    "จราจร": (.089, .4, 7, "ทำให้รถติด"), "กีดขวาง": (.0752, .6, 4, "กีดขวางทางสัญจร"),
    "น้ำท่วม": (.0633, 1.3, 5, "น้ำท่วมขังด้วย"), "แสงสว่าง": (.0598, 1.8, 4, "กลางคืนไฟมืด"),
    "ท่อระบายน้ำ": (.0551, .9, 12, "ท่อระบายน้ำอุดตัน"), "เสียงรบกวน": (.0475, .8, 3, "เสียงดังรบกวน"),
    "ป้าย": (.0431, .5, 10, "ป้ายล้มด้วย"), "สะพาน": (.0383, 1.2, 45, "สะพานก็ชำรุด"),
    "คลอง": (.032, 1.1, 15, "น้ำในคลองเน่า"), "ต้นไม้": (.03, 1.3, 6, "กิ่งไม้รก"),
    "สายไฟ": (.0257, 1.2, 12, "สายไฟห้อยต่ำ"), "สัตว์จรจัด": (.0236, 1.4, 8, "มีสุนัขจรจัด"),
    "ขยะ": (.0161, 2.5, 2, "ขยะไม่มีคนเก็บ"), "PM2.5": (.0051, 1.5, 6, "ฝุ่นเยอะ"), "คนจรจัด": (.0044, .2, 5, "มีคนไร้บ้าน"),
}
TYPES = tuple(_TYPE_TABLE)
_SHARE, _RURAL, _MEDIAN_DAYS = (np.array([v[i] for v in _TYPE_TABLE.values()], dtype=float) for i in range(3))
_CLAUSE = [v[3] for v in _TYPE_TABLE.values()]
_K = {t: k for k, t in enumerate(TYPES)}
_CO = {"ถนน": ("ทางเท้า", "ท่อระบายน้ำ", "ความปลอดภัย"), "ทางเท้า": ("ถนน", "กีดขวาง", "ความปลอดภัย"),
       "ความปลอดภัย": ("แสงสว่าง", "ถนน"), "ความสะอาด": ("ขยะ", "คลอง", "ทางเท้า"), "จราจร": ("กีดขวาง", "ถนน", "ป้าย"),
       "กีดขวาง": ("ทางเท้า", "จราจร"), "น้ำท่วม": ("ท่อระบายน้ำ", "ถนน"), "แสงสว่าง": ("ความปลอดภัย", "สายไฟ"),
       "ท่อระบายน้ำ": ("น้ำท่วม", "ความสะอาด"), "เสียงรบกวน": ("ความปลอดภัย",), "ป้าย": ("ทางเท้า", "จราจร"),
       "สะพาน": ("ถนน", "ความปลอดภัย"), "คลอง": ("ความสะอาด", "น้ำท่วม"), "ต้นไม้": ("สายไฟ", "กีดขวาง"),
       "สายไฟ": ("ความปลอดภัย", "ต้นไม้"), "สัตว์จรจัด": ("ความปลอดภัย", "ความสะอาด"), "ขยะ": ("ความสะอาด",),
       "PM2.5": ("ความสะอาด",), "คนจรจัด": ("ความปลอดภัย", "ความสะอาด")}
_SEASON = {  # January .. December; other types flat
    "น้ำท่วม": [.3, .2, .2, .3, .7, 1.1, 1.7, 2.2, 2.8, 2.8, 1.3, .5],
    "ท่อระบายน้ำ": [.7, .6, .6, .7, 1.0, 1.2, 1.4, 1.5, 1.6, 1.5, 1.0, .8],
    "ต้นไม้": [.7, .7, .9, 1.3, 1.4, 1.2, 1.1, 1.1, 1.2, 1.1, .8, .7],
    "ถนน": [.9, .9, .9, .9, 1.0, 1.05, 1.1, 1.15, 1.2, 1.2, 1.0, .9],
    "PM2.5": [3.0, 3.2, 2.6, 1.2, .3, .1, .1, .1, .1, .2, .8, 2.3],
    "เสียงรบกวน": [1.2, 1.0, 1.0, 1.4, 1.0, .9, .9, .9, .9, 1.0, 1.0, 1.3],
    "ขยะ": [1.2, .9, .9, 1.3, 1.0, .9, .9, .9, .9, 1.0, 1.0, 1.2],
    "ความสะอาด": [1.1, 1.0, 1.0, 1.2, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.1],
}
_NORTH_PM = [2.5, 4.5, 6.0, 4.0, .5, .1, .1, .1, .1, .2, .6, 1.5]  # burning season in the North
_GULF_SOUTH = {"80", "84", "86", "90", "93", "94", "95", "96"}  # north-east monsoon: rains Oct–Jan
# tickets per 1,000 residents a year once the platform is taken up, class (0 urban, 1 town, 2 rural), residents
# of a typical unit (where `units` has no population)
_RATE = {"bangkok": (10.0, 0, 5.5e6), "special_admin_area": (10.0, 0, 120e3), "city_municipality": (6.0, 0, 90e3),
         "town_municipality": (3.0, 1, 22e3), "subdistrict_municipality": (1.0, 2, 7.5e3),
         "subdistrict_admin_org": (0.4, 2, 6.5e3), "provincial_admin_org": (0.02, 1, 900e3)}
_HOURS = np.array([1, .5, .3, .3, .5, 1.5, 4, 6, 7, 7, 6.5, 6, 6, 6, 6, 6, 6, 6.5, 7, 7, 6, 4.5, 3, 2])  # local
_TEMPLATES = {k: v.split("|") for k, v in {  # {p}: where; {n}, {d}: a depth in cm, a count of days or months
    "ถนน": "ถนนเป็นหลุมเป็นบ่อ{p}รถสัญจรลำบาก|ถนนชำรุด{p}ผิวถนนแตกร้าวเป็นแนวยาว|{p}ถนนทรุดตัว เป็นหลุมลึก อันตรายกับรถจักรยานยนต์|ขอให้ซ่อมถนน{p}เป็นหลุมมา {d} เดือนแล้ว|ฝาท่อบนถนน{p}ยุบ ถนนไม่เรียบ",
    "ทางเท้า": "ทางเท้า{p}ชำรุด อิฐตัวหนอนหลุด เดินลำบาก|ทางเท้าแตก{p}มีน้ำขังเวลาฝนตก|{p}ทางเท้าทรุด กระเบื้องหลุด คนเดินสะดุดล้ม|ร้านค้าวางของบนทางเท้า{p}คนเดินต้องลงไปเดินบนถนน",
    "ความปลอดภัย": "{p}เปลี่ยว ไม่มีไฟ กลัวมิจฉาชีพ|มีกลุ่มวัยรุ่นมั่วสุม{p}ตอนกลางคืน|ขอติดตั้งกล้องวงจรปิด{p}เกิดเหตุลักขโมยบ่อย|ราวกั้นชำรุด{p}เสี่ยงอุบัติเหตุ",
    "ความสะอาด": "มีขยะกองสะสม{p}ส่งกลิ่นเหม็น|{p}สกปรกมาก มีเศษขยะเต็มไปหมด|ขอให้มาทำความสะอาด{p}มีน้ำเสียเจิ่งนอง|มีคนลักลอบทิ้งขยะ{p}เป็นประจำ",
    "จราจร": "รถติดมาก{p}ช่วงเช้าและเย็น|ไฟจราจร{p}เสีย รถติดยาว|ขอเจ้าหน้าที่มาอำนวยการจราจร{p}ช่วงเลิกเรียน|รถวิ่งย้อนศร{p}อันตรายมาก",
    "กีดขวาง": "มีรถจอดกีดขวาง{p}รถผ่านไม่ได้|วางสิ่งของกีดขวางทางเข้าออก{p}|{p}มีรถจอดซ้อนคัน ขวางทางสัญจร|ร้านค้ารุกล้ำผิวจราจร{p}",
    "น้ำท่วม": "น้ำท่วมขัง{p}สูงประมาณ {n} ซม. รถเล็กผ่านไม่ได้|ฝนตกทีไรน้ำท่วม{p}ทุกครั้ง|{p}น้ำท่วมเข้าบ้านเรือน ขอความช่วยเหลือ|น้ำระบายไม่ทัน ท่วมขัง{p}มา {d} วันแล้ว",
    "แสงสว่าง": "ไฟส่องสว่าง{p}ดับ มืดมาก|เสาไฟฟ้า{p}ไฟไม่ติดหลายต้น|{p}ไฟทางดับ {d} วันแล้ว ขอให้มาซ่อม|ขอติดตั้งไฟส่องสว่างเพิ่ม{p}",
    "ท่อระบายน้ำ": "ท่อระบายน้ำ{p}อุดตัน น้ำไม่ไหล|ฝาท่อระบายน้ำ{p}ชำรุด เปิดอยู่ อันตราย|{p}ท่อตัน ส่งกลิ่นเหม็น ขอให้มาลอกท่อ|น้ำเน่าไหลย้อนจากท่อระบายน้ำ{p}",
    "เสียงรบกวน": "เสียงดังจากร้านเหล้า{p}จนถึงตีสอง|มีการก่อสร้างเสียงดัง{p}ทั้งกลางคืน|{p}มีคนเปิดเพลงเสียงดังทุกคืน|รถแต่งท่อเสียงดัง{p}ตอนดึก",
    "ป้าย": "ป้ายโฆษณา{p}ติดตั้งไม่ถูกต้อง บังทัศนวิสัย|ป้ายบอกทาง{p}ล้ม|{p}มีป้ายหาเสียงเก่าค้างอยู่ ขอให้เก็บ|ป้ายชื่อซอย{p}ชำรุด อ่านไม่ออก",
    "สะพาน": "สะพาน{p}ชำรุด ราวสะพานหัก|สะพานลอย{p}สกปรกและชำรุด|{p}สะพานทรุดตัว เป็นรอยร้าว กลัวพัง|คอสะพาน{p}ยุบ รถกระแทกแรง",
    "คลอง": "คลอง{p}มีผักตบชวาเต็ม น้ำไม่ไหล|น้ำในคลอง{p}เน่าเสีย ส่งกลิ่น|{p}ตลิ่งคลองพัง ขอให้มาซ่อม|มีขยะลอยในคลอง{p}จำนวนมาก",
    "ต้นไม้": "ต้นไม้{p}ล้มขวางถนน|กิ่งไม้{p}ยื่นพาดสายไฟ ขอให้มาตัด|{p}ต้นไม้ใหญ่เอนเอียง กลัวล้มทับบ้าน|ขอให้ตัดแต่งกิ่งไม้{p}บังไฟส่องสว่าง",
    "สายไฟ": "สายไฟ{p}ห้อยต่ำ รถสูงเกี่ยวขาด|สายสื่อสาร{p}พันกันรกรุงรัง|{p}สายไฟขาด ตกลงมาบนทางเท้า อันตราย|เสาไฟฟ้า{p}เอียง สายไฟตึง",
    "สัตว์จรจัด": "สุนัขจรจัด{p}ไล่กัดคน|มีหมาจรจัดจำนวนมาก{p}เด็กไม่กล้าเดินผ่าน|{p}มีแมวจรจัดถ่ายเรี่ยราด|ขอให้มาจับสุนัขจรจัด{p}",
    "ขยะ": "รถเก็บขยะไม่มาเก็บ{p}{d} วันแล้ว|ถังขยะ{p}ล้น ส่งกลิ่นเหม็น|{p}ขยะไม่ได้เก็บมาหลายวัน|ขอถังขยะเพิ่ม{p}",
    "PM2.5": "ฝุ่นควันหนามาก{p}หายใจลำบาก|มีการเผาขยะเผาหญ้า{p}ควันเต็มไปหมด|{p}ค่าฝุ่น PM2.5 สูง ขอให้ฉีดน้ำลดฝุ่น|ไซต์ก่อสร้าง{p}ฝุ่นฟุ้งกระจาย",
    "คนจรจัด": "มีคนไร้บ้านนอน{p}|{p}มีคนเร่ร่อนมาอาศัยอยู่ ขอให้ช่วยเหลือ|คนจรจัด{p}ส่งเสียงดังรบกวน",
}.items()}
_PLACES = ("ซอย {n}|ปากซอย {n}|หน้าตลาดสด|หน้าโรงเรียน|หน้าเซเว่น|ป้ายรถเมล์|หน้าวัด|หน้าโรงพยาบาล|ในหมู่บ้านจัดสรร|หน้าคอนโด|ใต้สะพาน|ทางเข้าชุมชน|แยกไฟแดง|ถนนเทศบาล {n}|หน้าห้าง".split("|"),  # urban, rural
           "หมู่ {m}|หมู่ที่ {m}|ถนนสายหมู่ {m}|ทางเข้าวัด|หน้าโรงเรียนประจำตำบล|ศาลาประชาคมหมู่ {m}|ทางไปทุ่งนา|หน้าสถานีอนามัย|ข้างตลาดนัด|ถนนลาดยางหมู่ {m}|สามแยก{v}|ทางเข้า{v}".split("|"))
_VILLAGES = ["บ้านใหม่", "บ้านหนองบัว", "บ้านโคก", "บ้านนา", "บ้านดอน", "บ้านสระ", "บ้านทุ่ง", "บ้านป่า"]
_PREP = ["บริเวณ", "ที่", "แถว", "ตรง", ""]
_PREFIX = ["", "", "", "", "แจ้งปัญหา", "รบกวนตรวจสอบ", "ร้องเรียน", "ขอความอนุเคราะห์", "แจ้งเรื่อง"]
_SUFFIX = ["", "", "", "", " ขอบคุณครับ", " ขอบคุณค่ะ", " ช่วยด่วนด้วยครับ", " เป็นแบบนี้มานานแล้ว", " รบกวนด้วยนะคะ",
           " แจ้งหลายครั้งแล้ว"]
_FIRST, _LAST = ["สมชาย", "สมศรี", "วิชัย", "มาลี", "ประเสริฐ", "สุดารัตน์", "อนุชา", "กาญจนา"], ["ใจดี", "รักชาติ", "มีสุข", "บุญมา"]
_REPEAT, _SLOW_STEPS = [" (แจ้งซ้ำ)", " ยังไม่ได้รับการแก้ไข", " ยังไม่มีใครมาดู"], ["ของบประมาณ", "จัดซื้อจัดจ้าง", "ศึกษาปัญหา"]
_BAD_STATE, _BAD_TIME = ["ปิดเรื่อง", "closed", "เสร็จ", "รอดำเนินการ"], ["31/31/2566 99:00", "ไม่ระบุ", "2023-13-45 25:61:00"]


def _units(reference: ReferenceData, units: pd.DataFrame) -> pd.DataFrame:
    """One row per unit with what the tickets need (the reference's place and names, the generator's size)."""
    cols = ["lao_code", "name_th", "lao_type", "province_code", "district_code", "region_code", "lat", "lon", "area_km2"]
    out = units[["lao_code"] + [c for c in ("population", "tourism") if c in units]].merge(
        reference.laos[cols], on="lao_code", how="left", validate="one_to_one")
    if "population" not in out:
        out["population"] = out["lao_type"].map(lambda t: _RATE[t][2])
    out["tourism"] = out["tourism"] if "tourism" in out else 0.0
    out["organization"] = out["lao_type"].map(lambda t: LAO_TYPES[t][0]) + out["name_th"]
    out.loc[out["lao_type"] == "bangkok", "organization"] = "กรุงเทพมหานคร"
    area = out["area_km2"].where(out["area_km2"].between(1, 500), 40.0)
    out["spread_km"] = np.clip(0.2 * np.sqrt(area), 0.3, 2.5)
    out.loc[out["lao_type"] == "provincial_admin_org", "spread_km"] = 1.5
    out["district_th"] = out["district_code"].map(reference.districts.set_index("district_code")["name_th"]).fillna("")
    out["province_th"] = out["province_code"].map(reference.provinces.set_index("province_code")["name_th"])
    out["tambon"] = np.where(out["lao_type"].isin(["provincial_admin_org", "bangkok"]), "", out["name_th"])
    out["cls"] = out["lao_type"].map(lambda t: _RATE[t][1])
    out["profile"] = np.where(out["province_code"].isin(_GULF_SOUTH), 1, np.where(out["region_code"] == 1, 2, 0))
    return out


def _type_tables() -> tuple[np.ndarray, np.ndarray]:
    """(cumulative type probabilities [class, profile, month, type], relative volume [class, profile, month])."""
    season = np.ones((3, 12, len(TYPES)))
    for t, s in _SEASON.items():
        season[:, :, _K[t]] = s
    for t in ("น้ำท่วม", "ท่อระบายน้ำ"):
        season[1, :, _K[t]] = np.roll(_SEASON[t], 2)
    season[2, :, _K["PM2.5"]] = _NORTH_PM
    weight = np.stack([_SHARE, _SHARE * np.sqrt(_RURAL), _SHARE * _RURAL])  # class x type
    w = weight[:, None, None, :] * season[None]
    w[:, 2, :, _K["PM2.5"]] *= 3.0
    volume = w.sum(-1) / weight.sum(-1)[:, None, None]
    return np.cumsum(w / w.sum(-1, keepdims=True), axis=-1), volume


def _tickets(u: pd.DataFrame, start: dt.date, end: dt.date, rng: np.random.Generator) -> pd.DataFrame:
    """When (float days since 1970, UTC), by whom and what type: the weekly counts expanded to tickets."""
    d0, d1 = (int(np.datetime64(d, "D").astype(np.int64)) for d in (start, end))
    weeks = d0 + 7 * np.arange(max(1, -(-(d1 - d0) // 7)))
    month = (weeks + 3).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12
    years = 1970 + (weeks + 3.5) / 365.2425
    bkk = (u["lao_type"] == "bangkok").to_numpy()
    mid = np.where(bkk, 2022.4, 2022.8 + rng.normal(0, 0.6, len(u)))
    adoption = 1 / (1 + np.exp(-(years[None, :] - mid[:, None]) / np.where(bkk, 0.12, 0.5)[:, None]))
    rate = u["lao_type"].map(lambda t: _RATE[t][0]).to_numpy() * u["population"].to_numpy(float) / 1000
    rate *= np.where(bkk, 1.0, rng.lognormal(0, 0.5, len(u))) * (1 + 0.5 * u["tourism"].to_numpy(float))
    cum, volume = _type_tables()
    cls, profile = u["cls"].to_numpy(), u["profile"].to_numpy()
    lam = rate[:, None] / 52.18 * adoption * volume[cls][np.arange(len(u)), profile][:, month]
    lam *= rng.gamma(4.0, 0.25, lam.shape)
    flat = np.repeat(np.arange(lam.size), rng.poisson(lam).ravel())
    unit, week = flat // len(weeks), flat % len(weeks)
    hour = rng.choice(24, size=len(unit), p=_HOURS / _HOURS.sum())
    t = weeks[week] + rng.integers(0, 7, len(unit)) + (hour + rng.random(len(unit)) - 7) / 24
    keep = (t >= d0) & (t < d1)
    unit, t = unit[keep], t[keep]
    m = ((t + 7 / 24).astype(np.int64).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)) % 12
    group = (cls[unit] * 3 + profile[unit]) * 12 + m  # one searchsorted over every group's cumulative shares
    flat_cum = (cum.reshape(-1, len(TYPES)) + np.arange(cum.size // len(TYPES))[:, None]).ravel()
    kind = np.searchsorted(flat_cum, group + rng.random(len(unit)), side="right") - group * len(TYPES)
    return pd.DataFrame({"unit": unit, "t": t, "kind": np.clip(kind, 0, len(TYPES) - 1)})


def _repeats(tk: pd.DataFrame, d1: float, rng: np.random.Generator, share: float = 0.07) -> pd.DataFrame:
    """Re-reports of a share of tickets: same unit and type, nearby, within days (flag `of`: the original)."""
    tk = tk.assign(of=-1)
    pick = np.flatnonzero(rng.random(len(tk)) < share)
    again = tk.iloc[pick].assign(of=pick, t=lambda f: f["t"] + np.minimum(rng.exponential(3.0, len(f)), 14))
    return pd.concat([tk, again[again["t"] < d1]], ignore_index=True)


def _pieces(templates: list[str], fields: int) -> list[np.ndarray]:
    """Each template as its literal pieces and field names: [literal 0, field 1, literal 1, …] padded to
    `fields` fields, as object arrays over the templates (so texts are built by array concatenation)."""
    rows = []
    for template in templates:
        parsed = [(lit, f or "") for lit, f, _, _ in Formatter().parse(template)]
        parsed += [("", "")] * (fields + 1 - len(parsed))
        rows.append([x for lit, f in parsed for x in (lit, f)][:2 * fields + 1])
    return [np.array(col, dtype=object) for col in zip(*rows, strict=True)]


_TPL = _pieces([t for ts in _TEMPLATES.values() for t in ts], 2)  # literal, "p", literal, "n"/"d"/"", literal
_TPL_START = np.cumsum([0] + [len(ts) for ts in _TEMPLATES.values()])
_PLACE = _pieces(_PLACES[0] + _PLACES[1], 1)  # literal, "n"/"m"/"v"/"", literal
_NUMS = np.array([str(i) for i in range(200)], dtype=object)
_D3, _D4, _D5 = (np.array([f"{i:0{w}d}" for i in range(10 ** w)], dtype=object) for w in (3, 4, 5))  # zero-padded


def _pick(options: list[str] | tuple[str, ...], draw: np.ndarray) -> np.ndarray:
    return np.asarray(options, dtype=object)[draw % len(options)]


def _texts(tk: pd.DataFrame, u: pd.DataFrame, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The citizen's text of each ticket, and its type field."""
    n = len(tk)
    kind, rural = tk["kind"].to_numpy(), (u["cls"].to_numpy() == 2)[tk["unit"].to_numpy()]
    of = tk["of"].to_numpy()
    rep = of >= 0  # a re-report: about the same place, 40 % in the same words
    d = {k: rng.integers(0, 1 << 30, n) for k in ("tpl", "place", "prep", "pre", "suf", "n", "m", "v", "x")}
    for k in ("place", "prep", "n", "m", "v"):
        d[k][rep] = d[k][of[rep]]
    same = rep & (rng.random(n) < 0.4)
    d["tpl"][same] = d["tpl"][of[same]]
    second, two = np.full(n, -1), rng.random(n) < 0.12
    for k, t in enumerate(TYPES):
        rows = np.flatnonzero(two & (kind == k))
        second[rows] = np.array([_K[c] for c in _CO[t]])[rng.integers(0, len(_CO[t]), len(rows))]
    second[rep] = second[of[rep]]
    pi = np.where(rural, len(_PLACES[0]) + d["place"] % len(_PLACES[1]), d["place"] % len(_PLACES[0]))
    value = {"n": _NUMS[d["n"] % 120 + 1], "m": _NUMS[d["m"] % 15 + 1], "v": _pick(_VILLAGES, d["v"]), "": ""}
    place = _PLACE[0][pi] + np.select([_PLACE[1][pi] == f for f in "nmv"], [value[f] for f in "nmv"], "") \
        + _PLACE[2][pi]
    tambon = u["tambon"].to_numpy(object)[tk["unit"].to_numpy()]
    place = np.where((tambon != "") & (d["place"] % 7 == 0), place + " ต." + tambon, place)
    ti = _TPL_START[kind] + d["tpl"] % np.diff(_TPL_START)[kind]
    number = np.select([_TPL[3][ti] == "n", _TPL[3][ti] == "d"], [_NUMS[d["n"] % 70 + 10], _NUMS[d["m"] % 12 + 2]], "")
    pre, lit0 = _pick(_PREFIX, d["pre"]), _TPL[0][ti]  # joined by single spaces, none doubled
    head = np.where(pre == "", lit0, np.where(lit0 == "", pre, pre + " " + lit0))
    core = np.where(head == "", "", head + " ") + _pick(_PREP, d["prep"]) + place
    tail = _TPL[2][ti] + number + _TPL[4][ti]
    text = (np.where(tail == "", core, core + " " + tail)
            + np.where(second >= 0, " และ" + np.array(_CLAUSE, dtype=object)[second], "") + _pick(_SUFFIX, d["suf"]))
    x, c = d["x"] % 1000 / 1000, d["x"]
    noisy = np.isin(kind, [_K[t] for t in ("กีดขวาง", "จราจร", "เสียงรบกวน")])
    extra = np.select(
        [x < 0.04, x < 0.07, (x < 0.085) & noisy, x < 0.095, same],
        [" ติดต่อกลับ 0" + _pick(list("896"), c) + _pick(list("0123456789"), c // 3) + "-" + _D3[c // 7 % 1000]
         + "-" + _D4[c // 11 % 10_000],
         " แจ้งโดย " + _pick(["นาย", "นางสาว"], c) + _pick(_FIRST, c // 3) + " " + _pick(_LAST, c // 7),
         " รถทะเบียน " + _pick(list("กขคงจฉ"), c) + _pick(list("กขคงจฉ"), c // 7) + " " + _D4[c // 11 % 9000 + 1000],
         " หน้าบ้านเลขที่ " + _NUMS[c // 3 % 199 + 1] + "/" + _NUMS[c // 7 % 30 + 1],
         _pick(_REPEAT, c)], "")
    types = np.where(second >= 0, _pick(TYPES, kind) + "," + _pick(TYPES, second), _pick(TYPES, kind))
    blank = rng.random(n)
    types = np.where(blank < 0.04, "", np.where(blank < 0.07, "อื่นๆ", types))
    return (text + extra).astype(object), types


def _workflow(tk: pd.DataFrame, u: pd.DataFrame, d1: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(state, last activity in days) of each ticket seen at d1: forwarded, in progress and done after
    lognormal delays; some units leave tickets unanswered, some tickets stop half way."""
    n, t0, kind, unit = len(tk), tk["t"].to_numpy(), tk["kind"].to_numpy(), tk["unit"].to_numpy()
    ignore = rng.beta(2, 9, len(u)) * np.where(u["cls"].to_numpy() == 2, 1.3, 1.0)
    t1 = t0 + rng.lognormal(np.log(0.5), 1.2, n)
    t2 = t1 + rng.lognormal(np.log(1.5), 1.0, n)
    t3 = t2 + rng.lognormal(np.log(_MEDIAN_DAYS[kind]), 0.9)
    r = rng.random((4, n))
    reach1 = (r[0] >= ignore[unit]) & (t1 < d1)
    not_ours = reach1 & (r[1] < 0.02)
    reach2 = reach1 & ~not_ours & (r[1] >= 0.08) & (t2 < d1)
    reach3 = reach2 & (r[2] >= 0.06) & (t3 < d1)
    state = np.full(n, "รอรับเรื่อง", dtype=object)
    state[reach1] = np.where(r[3][reach1] < 0.07, "ส่งต่อ(ใหม่)", "ส่งเรื่องแล้ว")
    state[not_ours] = "ไม่เกี่ยวข้อง"
    slow = np.isin(kind, [_K[t] for t in ("ถนน", "สะพาน", "คลอง", "ท่อระบายน้ำ")]) & (r[3] < 0.15)
    state[reach2] = np.where(slow, _pick(_SLOW_STEPS, rng.integers(0, 1 << 30, n)), "กำลังดำเนินการ")[reach2]
    state[reach3] = "เสร็จสิ้น"
    last = np.where(reach3, t3, np.where(reach2, t2, np.where(reach1, t1, t0)))
    return state, last


def _times(days: np.ndarray) -> np.ndarray:
    stamps = np.datetime_as_string((days * 86_400e6).astype(np.int64).astype("datetime64[us]"), unit="us")
    return (np.char.add(np.char.replace(stamps, "T", " "), "+00") if len(days) else stamps).astype(object)


def _misspell(names: np.ndarray, pick: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = names.copy()
    for i in np.flatnonzero(pick & (np.char.str_len(names.astype(str)) > 3)):
        j = int(rng.integers(1, len(out[i]) - 1))
        out[i] = out[i][:j] + out[i][j + 1:]
    return out


def _addresses(tk: pd.DataFrame, u: pd.DataFrame, reference: ReferenceData, rng: np.random.Generator) -> dict:
    """coords, district, subdistrict, province and organization of each ticket."""
    n, unit = len(tk), tk["unit"].to_numpy()
    lat, lon, spread = (u[c].to_numpy(float)[unit] for c in ("lat", "lon", "spread_km"))
    district, org, tambon = (u[c].to_numpy(object)[unit] for c in ("district_th", "organization", "tambon"))
    bkk = (u["lao_type"].to_numpy() == "bangkok")[unit]
    if bkk.any():
        khet = reference.districts[(reference.districts["province_code"] == "10")
                                   & reference.districts["lat"].notna()].reset_index(drop=True)
        k = rng.integers(0, len(khet), int(bkk.sum()))
        lat[bkk], lon[bkk], spread[bkk] = khet["lat"].to_numpy()[k], khet["lon"].to_numpy()[k], 1.2
        district[bkk] = khet["name_th"].to_numpy()[k]
        org[bkk] = np.char.add(np.char.add("เขต", district[bkk].astype(str)), ", กรุงเทพมหานคร")
    dy, dx = rng.normal(0, 1, (2, n)) * spread / 110.6
    of = tk["of"].to_numpy()
    rep = of >= 0
    dy[rep], dx[rep] = dy[of[rep]] + rng.normal(0, 3e-4, rep.sum()), dx[of[rep]] + rng.normal(0, 3e-4, rep.sum())
    lat, lon = lat + dy, lon + dx / np.cos(np.radians(lat))
    known = np.isfinite(lon) & np.isfinite(lat)
    lon5, lat5 = (np.rint(np.where(known, x, 0) * 1e5).astype(np.int64) for x in (lon, lat))
    coords = _NUMS[lon5 // 10**5] + "." + _D5[lon5 % 10**5] + "," + _NUMS[lat5 // 10**5] + "." + _D5[lat5 % 10**5]
    r = rng.random((4, n))
    coords[(r[0] < 0.03) | ~known] = ""
    province = u["province_th"].to_numpy(object)[unit]
    province = np.where(r[1] < 0.04, "", np.where(r[1] < 0.08, "จ." + province, np.where(
        bkk & (r[1] < 0.2), "กทม.", province)))
    district = np.where(r[2] < 0.05, "", np.where(r[2] < 0.15, np.where(bkk, "เขต", "อ.").astype(object) + district, district))
    subdistrict = np.where(r[3] < 0.2, "", np.where(r[3] < 0.35, "ต." + tambon, tambon))
    subdistrict[bkk] = ""
    typo = rng.random((2, n)) < 0.02
    return {"coords": coords, "district": _misspell(district, typo[0], rng),
            "subdistrict": subdistrict, "province": _misspell(province, typo[1], rng), "organization": org}


def _ticket_ids(days: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """YYYY-XXXXXX: the year reported and six letters or digits, unique."""
    code = rng.choice(36 ** 6, size=len(days), replace=False)
    year = days.astype(np.int64).astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    out = _D4[year] + "-"
    for power in range(5, -1, -1):
        out = out + np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"), dtype=object)[code // 36 ** power % 36]
    return out.astype(object)


def _dirt(frame: pd.DataFrame, share: float, rng: np.random.Generator) -> np.ndarray:
    """Spoil round(share * rows) rows, one fault each (in place); the kind per row ('' = clean)."""
    kind = np.full(len(frame), "", dtype=object)
    k = min(int(round(share * len(frame))), len(frame) - 1)
    if k <= 0:
        return kind
    rows = np.sort(rng.choice(np.arange(1, len(frame)), size=k, replace=False))
    kind[rows] = np.array(DIRTY_KINDS, dtype=object)[rng.integers(0, len(DIRTY_KINDS), k)]
    clean = np.flatnonzero(kind == "")
    for i, what in zip(rows, kind[rows], strict=True):
        col, j = frame.columns.get_loc, int(rng.integers(1 << 30))
        if what == "missing_ticket_id":
            frame.iat[i, col("ticket_id")] = ""
        elif what == "empty_text":
            frame.iat[i, col("text")] = ("", "  ")[j % 2]
        elif what == "mojibake_text":
            frame.iat[i, col("text")] = frame.iat[i, col("text")].encode("utf-8").decode("cp1252", "replace")
        elif what == "invalid_timestamp":
            frame.iat[i, col("timestamp")] = _BAD_TIME[j % len(_BAD_TIME)]
        elif what == "bad_coordinates":
            lon, _, lat = (frame.iat[i, col("coords")] or "100.5,13.7").partition(",")
            frame.iat[i, col("coords")] = (f"{lat},{lon}", "0,0", "ไม่ทราบ")[j % 3]
        elif what == "unknown_state":
            frame.iat[i, col("state")] = _BAD_STATE[j % len(_BAD_STATE)]
        else:  # the id of a clean row earlier in the file
            earlier = clean[clean < i]
            frame.iat[i, col("ticket_id")] = frame.iat[int(earlier[j % len(earlier)]), col("ticket_id")]
    return kind


def generate_complaints(reference: ReferenceData, units: pd.DataFrame, start: dt.date, end: dt.date, seed: int,
                        dirty_share: float = 0.002, truth: bool = False) -> pd.DataFrame:
    """Tickets of `units` (a frame with lao_code; population and tourism when it has them) reported from
    `start` up to, not including, `end`, in the Traffy columns (COLUMNS), ordered by time. truth=True adds
    lao_code, repeat_of (the ticket_id re-reported, '' if none) and dirt (the DIRTY_KINDS of spoilt rows)."""
    rng = np.random.default_rng([_SALT, seed])
    u = _units(reference, units.reset_index(drop=True))
    d1 = float(np.datetime64(end, "D").astype(np.int64))
    tk = _repeats(_tickets(u, start, end, rng), d1, rng)
    texts, types = _texts(tk, u, rng)
    state, last = _workflow(tk, u, d1, rng)
    where = _addresses(tk, u, reference, rng)
    ids = _ticket_ids(tk["t"].to_numpy(), rng)
    stamps, last_text = _times(tk["t"].to_numpy()), _times(last)
    blank = rng.random((2, len(tk)))
    state[blank[0] < 0.02], last_text[blank[1] < 0.03] = "", ""
    of = tk["of"].to_numpy()
    frame = pd.DataFrame({"ticket_id": ids, "type": types, "text": texts, **where, "timestamp": stamps,
                          "state": state, "last_activity": last_text, "source": f"khlang-generator:{seed}",
                          "lao_code": u["lao_code"].to_numpy()[tk["unit"].to_numpy()],
                          "repeat_of": np.where(of >= 0, ids[np.maximum(of, 0)], "")})
    order = np.lexsort((ids.astype(str), tk["t"].to_numpy()))
    frame = frame.iloc[order][list(COLUMNS) + ["lao_code", "repeat_of"]].reset_index(drop=True)
    frame["dirt"] = _dirt(frame, dirty_share, rng)
    return frame if truth else frame[list(COLUMNS)]


def write_complaints(frame: pd.DataFrame, raw_dir: Path, chunk: int = 200_000) -> Path:
    """raw_dir/complaints/tickets.csv.gz: UTF-8 CSV of the Traffy columns, gzip without a name or time in its
    header (same frame, same bytes), written atomically in chunks."""
    path = Path(raw_dir) / TICKETS_FILE
    frame = frame[[c for c in COLUMNS if c in frame]]
    with atomic_path(path) as tmp, open(tmp, "wb") as raw, \
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=3, mtime=0) as out:
        for first in range(0, max(len(frame), 1), chunk):
            out.write(frame.iloc[first:first + chunk].to_csv(index=False, header=first == 0,
                                                             lineterminator="\n").encode("utf-8"))
    return path
