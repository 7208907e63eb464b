"""Reference tables from the real data in shared/data/thailand: LAOs, provinces, districts, regions."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

__all__ = [
    "ReferenceData", "ReferenceDataError", "load_reference", "BANGKOK_CODE", "REGIONS", "LAO_TYPES",
    "TYPE_DIGIT",
]

BANGKOK_CODE = "1100000"  # not in the DLA register: type digit 1 (special), province 10, no amphoe
# Region codes are Khlang's own (the waste file names six regions in Thai).
REGIONS = {
    1: ("ภาคเหนือ", "North"), 2: ("ภาคตะวันออกเฉียงเหนือ", "Northeast"), 3: ("ภาคกลาง", "Central"),
    4: ("ภาคตะวันออก", "East"), 5: ("ภาคตะวันตก", "West"), 6: ("ภาคใต้", "South"),
}
LAO_TYPES = {  # register type -> (Thai, English)
    "provincial_admin_org": ("องค์การบริหารส่วนจังหวัด", "Provincial Administrative Organisation"),
    "city_municipality": ("เทศบาลนคร", "City municipality"),
    "town_municipality": ("เทศบาลเมือง", "Town municipality"),
    "subdistrict_municipality": ("เทศบาลตำบล", "Subdistrict municipality"),
    "subdistrict_admin_org": ("องค์การบริหารส่วนตำบล", "Subdistrict Administrative Organisation"),
    "special_admin_area": ("เมืองพัทยา", "Pattaya City"),
    "bangkok": ("กรุงเทพมหานคร", "Bangkok Metropolitan Administration"),
}
TYPE_DIGIT = {"provincial_admin_org": "2", "city_municipality": "3", "special_admin_area": "3",
              "town_municipality": "4", "subdistrict_municipality": "5", "subdistrict_admin_org": "6",
              "bangkok": "1"}
# LAOs that cover a whole province roll up to the province directly, beside its districts.
PROVINCE_WIDE_TYPES = ("provincial_admin_org", "bangkok")


class ReferenceDataError(ValueError):
    """The reference data broke one of its invariants (code digits, unknown district …)."""


@dataclass(frozen=True)
class ReferenceData:
    """The real reference tables. `laos` has one row per unit, keyed by the 7-digit `lao_code`."""

    laos: pd.DataFrame
    districts: pd.DataFrame
    provinces: pd.DataFrame
    regions: pd.DataFrame
    notes: tuple[str, ...] = field(default=())

    def lao_codes(self) -> set[str]:
        return set(self.laos["lao_code"])

    def subset(self, province_codes: list[str]) -> ReferenceData:
        """Only the given provinces (and their districts and LAOs)."""
        keep = set(province_codes)
        return ReferenceData(
            laos=self.laos[self.laos["province_code"].isin(keep)].reset_index(drop=True),
            districts=self.districts[self.districts["province_code"].isin(keep)].reset_index(drop=True),
            provinces=self.provinces[self.provinces["province_code"].isin(keep)].reset_index(drop=True),
            regions=self.regions, notes=self.notes)


def _read_provinces(folder: Path) -> pd.DataFrame:
    raw = pd.read_csv(folder / "provinces.csv", dtype=str)
    regions = pd.read_csv(folder / "waste_province_yearly.csv", dtype=str)[
        ["province_tis_code", "region_th"]].drop_duplicates("province_tis_code")
    code_of_region = {th: code for code, (th, _) in REGIONS.items()}
    out = pd.DataFrame({"province_code": raw["CODE"].str.zfill(2), "name_th": raw["PROVINCE_THAI"],
                        "name_en": raw["PROVINCE_ENGLISH"]})
    region = out["province_code"].map(dict(zip(regions["province_tis_code"].str.zfill(2),
                                               regions["region_th"], strict=True)))
    if region.isna().any():
        raise ReferenceDataError(f"provinces without a region: {list(out.loc[region.isna(), 'name_en'])}")
    out["region_code"] = region.map(code_of_region).astype("int8")
    return out.sort_values("province_code").reset_index(drop=True)


def _read_districts(folder: Path) -> pd.DataFrame:
    raw = pd.read_csv(folder / "districts.csv", dtype=str)
    out = pd.DataFrame({"district_code": raw["DISTRICT_CODE"].str.zfill(4), "name_th": raw["DISTRICT_THAI"],
                        "name_en": raw["DISTRICT_ENGLISH"]})
    out["province_code"] = out["district_code"].str[:2]
    sub = pd.read_csv(folder / "sub_districts.csv", dtype={"SUB_DISTRICT_CODE": str})
    sub["district_code"] = sub["SUB_DISTRICT_CODE"].str.zfill(6).str[:4]
    centroid = sub.groupby("district_code")[["LATITUDE", "LONGITUDE"]].mean()
    out["lat"] = out["district_code"].map(centroid["LATITUDE"])
    out["lon"] = out["district_code"].map(centroid["LONGITUDE"])
    return out.sort_values("district_code").reset_index(drop=True)


def _read_laos(folder: Path, provinces: pd.DataFrame, districts: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    doc = json.loads((folder / "lao_register.json").read_text(encoding="utf-8"))
    raw = pd.DataFrame(doc["localAuthorities"])
    if len(raw) != doc.get("recordCount", len(raw)):
        raise ReferenceDataError(f"register holds {len(raw)} records, says {doc['recordCount']}")
    laos = pd.DataFrame({
        "lao_code": raw["dlaCode"].astype(str), "name_th": raw["nameTh"], "name_en": raw["nameEn"],
        "lao_type": raw["type"], "province_code": raw["provinceCode"].astype(str).str.zfill(2),
        "lat": pd.to_numeric(raw["centerLat"]), "lon": pd.to_numeric(raw["centerLon"]),
        "area_km2": pd.to_numeric(raw["areaKm2"]), "district_name_th": raw["districtNameTh"]})
    problems: list[str] = []
    bad = ~laos["lao_code"].str.fullmatch(r"\d{7}")
    problems += [f"{c}: not 7 digits" for c in laos.loc[bad, "lao_code"]]
    bad = laos["lao_code"].str[1:3] != laos["province_code"]
    problems += [f"{c}: province digits differ from provinceCode" for c in laos.loc[bad, "lao_code"]]
    problems += [f"{c}: unknown province" for c in laos.loc[~laos["province_code"].isin(provinces["province_code"]), "lao_code"]]
    if laos["lao_code"].duplicated().any():
        problems += [f"{c}: duplicate code" for c in laos.loc[laos["lao_code"].duplicated(), "lao_code"]]
    # Amphoe digits locate municipalities and SAOs; a PAO's code carries its capital district.
    laos["district_code"] = laos["lao_code"].str[1:5]
    local = ~laos["lao_type"].isin(PROVINCE_WIDE_TYPES)
    known = laos["district_code"].isin(districts["district_code"])
    problems += [f"{c}: unknown district {d}" for c, d in laos.loc[local & ~known, ["lao_code", "district_code"]].values]
    names = laos["district_code"].map(districts.set_index("district_code")["name_th"])
    bad = local & known & (names != laos["district_name_th"])
    problems += [f"{c}: district name differs from code" for c in laos.loc[bad, "lao_code"]]
    if problems:
        raise ReferenceDataError(f"{len(problems)} register problems, first: {problems[:5]}")
    notes = [f"{c}: type digit {c[0]} but type {t}" for c, t in laos[["lao_code", "lao_type"]].values
             if TYPE_DIGIT.get(t) != c[0]]
    return laos, notes


def _add_bangkok(laos: pd.DataFrame, provinces: pd.DataFrame, districts: pd.DataFrame) -> pd.DataFrame:
    bkk_districts = districts[districts["province_code"] == "10"]
    bangkok = pd.DataFrame([{
        "lao_code": BANGKOK_CODE, "name_th": "กรุงเทพมหานคร", "name_en": "Bangkok Metropolitan Administration",
        "lao_type": "bangkok", "province_code": "10", "lat": 13.7563, "lon": 100.5018, "area_km2": 1568.7,
        "district_name_th": None, "district_code": None}])
    assert len(bkk_districts) == 50, "Bangkok has 50 khet"
    return pd.concat([laos, bangkok], ignore_index=True)


@functools.lru_cache(maxsize=4)
def load_reference(thailand_dir: Path) -> ReferenceData:
    """Load and validate the register (7,849 LAOs) plus Bangkok, with region and coordinates.
    LAOs without coordinates are placed at their district's centroid (`coord_source`)."""
    folder = Path(thailand_dir)
    if not (folder / "lao_register.json").is_file():
        raise FileNotFoundError(f"reference data not found in {folder} (set KHLANG_DATA_DIR or [paths] data_dir)")
    provinces = _read_provinces(folder)
    districts = _read_districts(folder)
    laos, notes = _read_laos(folder, provinces, districts)
    laos = _add_bangkok(laos, provinces, districts)
    centroid = districts.set_index("district_code")
    missing = laos["lat"].isna() | laos["lon"].isna()
    laos["coord_source"] = "register"
    laos.loc[missing, "coord_source"] = "district_centroid"
    laos.loc[missing, "lat"] = laos.loc[missing, "district_code"].map(centroid["lat"])
    laos.loc[missing, "lon"] = laos.loc[missing, "district_code"].map(centroid["lon"])
    # A district with no sub-district coordinates: fall back to the province's mean position.
    still = laos["lat"].isna() | laos["lon"].isna()
    if still.any():
        mean = districts.groupby("province_code")[["lat", "lon"]].mean()
        laos.loc[still, "coord_source"] = "province_centroid"
        laos.loc[still, "lat"] = laos.loc[still, "province_code"].map(mean["lat"])
        laos.loc[still, "lon"] = laos.loc[still, "province_code"].map(mean["lon"])
    laos["region_code"] = laos["province_code"].map(provinces.set_index("province_code")["region_code"]).astype("int8")
    laos["rolls_up_to"] = laos["lao_type"].map(lambda t: "province" if t in PROVINCE_WIDE_TYPES else "district")
    laos = laos.drop(columns=["district_name_th"]).sort_values("lao_code").reset_index(drop=True)
    regions = pd.DataFrame([{"region_code": k, "name_th": th, "name_en": en} for k, (th, en) in REGIONS.items()])
    return ReferenceData(laos=laos, districts=districts, provinces=provinces, regions=regions, notes=tuple(notes))
