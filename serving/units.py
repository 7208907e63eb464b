"""The administrative units the API speaks of: one row per unit of every level (nation, regions, provinces,
districts, LAOs) with its integer code, Thai and English names and its parent, built from the reference
data; and the pure look-ups on it (search, children, path from the nation down).

Codes of different levels never collide (nation 0, regions 1-6, provinces 10-96, districts 4 digits,
LAOs 7 digits), so a parent code alone names the parent. A province-wide LAO (PAO, Bangkok) has its
province as parent, beside the province's districts (khlang.domain.hierarchy)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from khlang.domain.hierarchy import LEVELS
from khlang.domain.reference import ReferenceData
from khlang.domain.thai import from_thai_digits

__all__ = ["LEVEL_ORDER", "UNIT_COLUMNS", "Units", "unit_table"]

LEVEL_ORDER = ("nation", "region", "province", "district", "lao")  # top down
UNIT_COLUMNS = ["level", "code", "name_th", "name_en", "parent_level", "parent_code", "province_code",
                "region_code", "lao_type", "lat", "lon"]
_PARENT_LEVEL = {"region": "nation", "province": "region", "district": "province"}


def unit_table(reference: ReferenceData) -> pd.DataFrame:
    """Every unit of every level: UNIT_COLUMNS (plus private search keys), codes int64, top down then by code."""
    laos, districts, provinces = reference.laos, reference.districts, reference.provinces
    region_of = provinces.set_index("province_code")["region_code"].astype("int64")
    province_wide = laos["rolls_up_to"] == "province"
    lao = pd.DataFrame({
        "level": "lao", "code": laos["lao_code"].astype("int64"), "name_th": laos["name_th"],
        "name_en": laos["name_en"],
        "parent_level": np.where(province_wide, "province", "district"),
        "parent_code": np.where(province_wide, laos["province_code"], laos["district_code"].fillna("-1")).astype("int64"),
        "province_code": laos["province_code"].astype("int64"), "region_code": laos["region_code"].astype("int64"),
        "lao_type": laos["lao_type"], "lat": laos["lat"], "lon": laos["lon"]})
    district = pd.DataFrame({
        "level": "district", "code": districts["district_code"].astype("int64"), "name_th": districts["name_th"],
        "name_en": districts["name_en"], "parent_level": "province",
        "parent_code": districts["province_code"].astype("int64"),
        "province_code": districts["province_code"].astype("int64"),
        "region_code": districts["province_code"].map(region_of), "lao_type": None,
        "lat": districts["lat"], "lon": districts["lon"]})
    # Provinces and regions sit at the mean position of their LAOs (the register has no centroids for them).
    lao_position = laos.assign(province=laos["province_code"].astype("int64")).groupby("province")[["lat", "lon"]].mean()
    province = pd.DataFrame({
        "level": "province", "code": provinces["province_code"].astype("int64"), "name_th": provinces["name_th"],
        "name_en": provinces["name_en"], "parent_level": "region",
        "parent_code": provinces["region_code"].astype("int64"),
        "province_code": provinces["province_code"].astype("int64"),
        "region_code": provinces["region_code"].astype("int64"), "lao_type": None})
    province = province.join(lao_position, on="code")
    region_position = laos.groupby(laos["region_code"].astype("int64"))[["lat", "lon"]].mean()
    region = pd.DataFrame({
        "level": "region", "code": reference.regions["region_code"].astype("int64"),
        "name_th": reference.regions["name_th"], "name_en": reference.regions["name_en"], "parent_level": "nation",
        "parent_code": 0, "province_code": None, "region_code": reference.regions["region_code"].astype("int64"),
        "lao_type": None}).join(region_position, on="code")
    nation = pd.DataFrame([{"level": "nation", "code": 0, "name_th": "ประเทศไทย", "name_en": "Thailand",
                            "parent_level": None, "parent_code": None, "province_code": None, "region_code": None,
                            "lao_type": None, "lat": float(laos["lat"].mean()), "lon": float(laos["lon"].mean())}])
    table = pd.concat([nation, region, province, district, lao], ignore_index=True)[UNIT_COLUMNS]
    for column in ("parent_code", "province_code", "region_code"):
        table[column] = table[column].astype("Int64")
    table["level_rank"] = table["level"].map({lv: i for i, lv in enumerate(LEVEL_ORDER)})
    table = table.sort_values(["level_rank", "code"], kind="stable").drop(columns="level_rank")
    # Search keys made once: the code as text and both names folded (a search is then two scans).
    table["_code_text"] = table["code"].astype(str)
    table["_names"] = (table["name_th"].fillna("") + "\n" + table["name_en"].fillna("")).str.casefold()
    return table.reset_index(drop=True)


class Units:
    """The unit table with its look-ups: by (level, code), children, path, search, JSON-ready records."""

    def __init__(self, table: pd.DataFrame) -> None:
        self.table = table.reset_index(drop=True)
        self._row = {(lv, int(c)): i for i, (lv, c) in enumerate(zip(self.table["level"], self.table["code"], strict=True))}
        self._level_of = {code: lv for lv, code in self._row}  # codes of different levels never collide
        self._children: dict[tuple[str, int], list[int]] = {}
        for i, (lv, code) in enumerate(zip(self.table["parent_level"], self.table["parent_code"], strict=True)):
            if lv is not None and not pd.isna(code):
                self._children.setdefault((lv, int(code)), []).append(i)
        plain = self.table[UNIT_COLUMNS].astype(object).where(self.table[UNIT_COLUMNS].notna(), None)
        self._records = [{k: _plain(v) for k, v in row.items()} for row in plain.to_dict("records")]

    def find(self, level: str, code: int) -> dict[str, Any] | None:
        """The unit (UNIT_COLUMNS), or None when the level has no such code."""
        if level not in LEVELS:
            raise ValueError(f"unknown level {level!r}; levels: {', '.join(LEVELS)}")
        row = self._row.get((level, int(code)))
        return None if row is None else self._records[row]

    def children(self, level: str, code: int) -> list[dict[str, Any]]:
        """The units whose parent is (level, code): a province's districts and its province-wide LAOs."""
        return [self._records[i] for i in self._children.get((level, int(code)), [])]

    def path(self, level: str, code: int) -> list[dict[str, Any]]:
        """Nation down to the unit itself (inclusive)."""
        out = []
        unit = self.find(level, code)
        while unit is not None:
            out.append(unit)
            if unit["parent_level"] is None:
                break
            unit = self.find(unit["parent_level"], unit["parent_code"])
        return out[::-1]

    def search(self, q: str | None = None, level: str | None = None, parent: int | None = None,
               limit: int = 50) -> list[dict[str, Any]]:
        """Units whose code starts with `q` (Arabic or Thai digits) or whose Thai or English name contains it
        (case-insensitive); `parent` keeps the children of the unit with that code (codes of different
        levels never collide); `level` keeps one level, except that `level` equal to the parent's own
        level names the parent (so ?level=province&parent=83 lists Phuket's children, as does
        ?level=district&parent=83 for its districts alone). Top level first, then by code."""
        table = self.table
        if parent is not None:
            parent_level = self._level_of.get(int(parent))
            rows = sorted(self._children.get((parent_level, int(parent)), [])) if parent_level else []
            if level is not None and level == parent_level:
                level = None
            table = table.iloc[rows]
        if level is not None:
            table = table[table["level"] == level]
        if q:
            text = from_thai_digits(q.strip())
            by_code = table["_code_text"].str.startswith(text) if text.isdigit() else False
            table = table[by_code | table["_names"].str.contains(text.casefold(), regex=False)]
        return [self._records[i] for i in table.index[:limit]]


def _plain(value: Any) -> Any:
    """Python scalars for JSON (numpy ints and floats, pandas NA)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value
