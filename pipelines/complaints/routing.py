"""Where a complaint is and who answers it: province, district, sub-district and LAO, from coordinates or,
failing those, from the Thai address written on the ticket; the method is recorded, and a complaint that
cannot be placed is kept and flagged `unplaced`, never dropped.

- By coordinates: the real district polygons of the reference data (point in polygon through shapely's
  STRtree, all points at once); in that district, the nearest sub-district centre and the nearest LAO
  centre of the register (municipalities and SAOs; Bangkok's 50 khet all answer to the BMA).
- By address: province, district (เขต/อำเภอ) and sub-district (แขวง/ตำบล) names with their prefixes and
  abbreviations stripped, matched exactly, else by rapidfuzz's similarity (≥ 85) within the level above,
  so spelling variants still place; a district name matched in no province or in several is left unplaced.
- The responsible unit follows from the LAO's type and the problem type (pipelines.complaints.units)."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from khlang.domain.reference import BANGKOK_CODE, PROVINCE_WIDE_TYPES, load_reference

__all__ = ["Gazetteer", "load_gazetteer", "place", "clean_name", "PLACED_COLUMNS"]

PLACED_COLUMNS = ("province_code", "district_code", "subdistrict_code", "lao_code", "place_method")
_PREFIXES = re.compile(r"^(?:จังหวัด|จ\.|กิ่งอำเภอ|อำเภอ|อ\.|เขต|ข\.|แขวง|ตำบล|ต\.|เทศบาล(?:นคร|เมือง|ตำบล)?|"
                       r"khet|amphoe|tambon|khwaeng)\s*", re.IGNORECASE)
_PROVINCE_ALIASES = {"กทม": "กรุงเทพมหานคร", "กทม.": "กรุงเทพมหานคร", "กรุงเทพ": "กรุงเทพมหานคร",
                     "กรุงเทพฯ": "กรุงเทพมหานคร", "bangkok": "กรุงเทพมหานคร"}
_SIMILAR = 85


def clean_name(name: object) -> str:
    """A place name without its level prefix (อำเภอ, อ., เขต, แขวง, ตำบล, ต., จังหวัด …) and spaces."""
    if name is None or name != name:
        return ""
    text = str(name).strip()
    for _ in range(2):
        text = _PREFIXES.sub("", text).strip()
    text = _PROVINCE_ALIASES.get(text.lower(), text)
    return re.sub(r"\s+", "", text)


@dataclass(frozen=True)
class Gazetteer:
    provinces: pd.DataFrame  # province_code, name_th, name_en
    districts: pd.DataFrame  # district_code, province_code, name_th, name_en, polygon row
    subdistricts: pd.DataFrame  # subdistrict_code, district_code, name_th, lat, lon
    laos: pd.DataFrame  # lao_code, lao_type, district_code, province_code, lat, lon
    polygons: list
    polygon_district: np.ndarray  # district_code of each polygon
    tree: object


def _polygon_codes(features: list[dict], provinces: pd.DataFrame, districts: pd.DataFrame) -> list[str | None]:
    """District codes of the boundary features, by province then district name (Thai, else English)."""
    from rapidfuzz import process

    province_of = dict(zip(provinces["name_th"], provinces["province_code"], strict=True))
    codes = []
    for feature in features:
        props = feature["properties"]
        province = province_of.get(props["ADM1_TH"])
        inside = districts[districts["province_code"] == province]
        by_th = dict(zip(inside["name_th"].map(clean_name), inside["district_code"], strict=True))
        by_en = dict(zip(inside["name_en"].str.lower(), inside["district_code"], strict=True))
        code = by_th.get(clean_name(props["ADM2_TH"])) or by_en.get(str(props["ADM2_EN"]).lower())
        if code is None and by_th:
            best = process.extractOne(clean_name(props["ADM2_TH"]), list(by_th), score_cutoff=_SIMILAR)
            code = by_th[best[0]] if best else None
        codes.append(code)
    return codes


@functools.lru_cache(maxsize=2)
def load_gazetteer(thailand_dir: Path) -> Gazetteer:
    from shapely import STRtree
    from shapely.geometry import shape

    reference = load_reference(Path(thailand_dir))
    features = json.loads((Path(thailand_dir) / "district_boundaries.geojson").read_text(encoding="utf-8"))["features"]
    codes = _polygon_codes(features, reference.provinces, reference.districts)
    kept = [(shape(f["geometry"]), c) for f, c in zip(features, codes, strict=True) if c is not None]
    polygons = [p for p, _ in kept]
    raw = pd.read_csv(Path(thailand_dir) / "sub_districts.csv", dtype={"SUB_DISTRICT_CODE": str})
    subdistricts = pd.DataFrame({"subdistrict_code": raw["SUB_DISTRICT_CODE"].str.zfill(6),
                                 "name_th": raw["SUB_DISTRICT_THAI"], "lat": pd.to_numeric(raw["LATITUDE"]),
                                 "lon": pd.to_numeric(raw["LONGITUDE"])})
    subdistricts["district_code"] = subdistricts["subdistrict_code"].str[:4]
    laos = reference.laos[~reference.laos["lao_type"].isin(PROVINCE_WIDE_TYPES)][
        ["lao_code", "lao_type", "district_code", "province_code", "lat", "lon"]].reset_index(drop=True)
    return Gazetteer(provinces=reference.provinces[["province_code", "name_th", "name_en"]],
                     districts=reference.districts[["district_code", "province_code", "name_th", "name_en"]],
                     subdistricts=subdistricts, laos=laos, polygons=polygons,
                     polygon_district=np.array([c for _, c in kept], dtype=object), tree=STRtree(polygons))


def _nearest(points: pd.DataFrame, candidates: pd.DataFrame, code: str) -> pd.Series:
    """For each point (lon, lat, district_code), the code of the nearest candidate in the same district."""
    out = pd.Series(None, index=points.index, dtype=object)
    groups = candidates.dropna(subset=["lat", "lon"]).groupby("district_code")
    for district, rows in points.groupby("district_code"):
        if district not in groups.groups:
            continue
        inside = groups.get_group(district)
        d2 = ((rows["lon"].to_numpy()[:, None] - inside["lon"].to_numpy()[None, :]) ** 2
              + (rows["lat"].to_numpy()[:, None] - inside["lat"].to_numpy()[None, :]) ** 2)
        out.loc[rows.index] = inside[code].to_numpy()[d2.argmin(axis=1)]
    return out


def _by_coordinates(lon: pd.Series, lat: pd.Series, gaz: Gazetteer) -> pd.Series:
    from shapely import points

    district = pd.Series(None, index=lon.index, dtype=object)
    ok = lon.notna() & lat.notna() & lon.between(-180, 180) & lat.between(-90, 90)
    if ok.any():
        inside, which = gaz.tree.query(points(lon[ok].to_numpy(), lat[ok].to_numpy()), predicate="within")
        index = lon.index[ok.to_numpy()][inside]
        found = pd.Series(gaz.polygon_district[which], index=index)
        district.loc[found.index[~found.index.duplicated()]] = found[~found.index.duplicated()]
    return district


def _match(name: str, choices: dict[str, str]) -> str | None:
    from rapidfuzz import process

    if not name or not choices:
        return None
    if name in choices:
        return choices[name]
    best = process.extractOne(name, list(choices), score_cutoff=_SIMILAR)
    return choices[best[0]] if best else None


def _by_address(province: str, district: str, gaz: Gazetteer) -> str | None:
    """The district code a written address names, or None."""
    province, district = clean_name(province), clean_name(district)
    province_code = _match(province, {**dict(zip(gaz.provinces["name_th"], gaz.provinces["province_code"],
                                                 strict=True)),
                                      **dict(zip(gaz.provinces["name_en"].str.lower(), gaz.provinces["province_code"],
                                                 strict=True))}) if province else None
    rows = gaz.districts if province_code is None else gaz.districts[gaz.districts["province_code"] == province_code]
    names = rows.assign(key=rows["name_th"].map(clean_name))
    exact = names[names["key"] == district]
    if len(exact) == 1:
        return str(exact["district_code"].iloc[0])
    if province_code is None:  # a bare district name: only when exactly one district in the country has it
        return None
    return _match(district, dict(zip(names["key"], names["district_code"], strict=True)))


def place(tickets: pd.DataFrame, gaz: Gazetteer) -> pd.DataFrame:
    """PLACED_COLUMNS for tickets with columns lon, lat, province, district, subdistrict (any may be blank)."""
    out = pd.DataFrame(index=tickets.index)
    district = _by_coordinates(tickets["lon"], tickets["lat"], gaz)
    method = pd.Series(np.where(district.notna(), "coords", "unplaced"), index=tickets.index, dtype=object)
    for i in tickets.index[district.isna()]:
        found = _by_address(tickets.at[i, "province"], tickets.at[i, "district"], gaz)
        if found is not None:
            district.at[i], method.at[i] = found, "address"
    out["district_code"] = district
    out["province_code"] = district.str[:2]
    points = pd.DataFrame({"lon": tickets["lon"], "lat": tickets["lat"], "district_code": district})
    by_point = points[method == "coords"]
    sub = _nearest(by_point, gaz.subdistricts, "subdistrict_code").reindex(tickets.index)
    for i in tickets.index[method == "address"]:
        inside = gaz.subdistricts[gaz.subdistricts["district_code"] == district.at[i]]
        sub.at[i] = _match(clean_name(tickets.at[i, "subdistrict"]),
                           dict(zip(inside["name_th"].map(clean_name), inside["subdistrict_code"], strict=True)))
    out["subdistrict_code"] = sub
    lao = _nearest(by_point, gaz.laos, "lao_code").reindex(tickets.index)
    centre = gaz.subdistricts.groupby("district_code")[["lon", "lat"]].mean()
    by_address = points[method == "address"].drop(columns=["lon", "lat"]).join(centre, on="district_code")
    if len(by_address):
        lao.loc[by_address.index] = _nearest(by_address, gaz.laos, "lao_code")
    lao[out["province_code"] == "10"] = BANGKOK_CODE
    out["lao_code"] = lao
    out["place_method"] = method
    return out[list(PLACED_COLUMNS)]
