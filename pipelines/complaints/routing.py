"""Where a complaint is and who answers it: province, district, sub-district and LAO, from coordinates or,
failing those, from the Thai address written on the ticket; the method is recorded, and a complaint that
cannot be placed is kept and flagged `unplaced`, never dropped.

- By coordinates: the real district polygons of the reference data (point in polygon through shapely's
  STRtree, all points at once); in that district, the nearest sub-district centre.
- The LAO (the register has no LAO boundaries): a point within a municipality's registered area around its
  registered centre (a disc of that area: municipalities are compact towns) goes to that municipality
  (the nearest, where discs overlap); else the LAO of the district named after the ticket's sub-district (94 % of LAOs are: อบต./เทศบาลตำบล X governs ตำบล X); where several share that name (a
  municipality and an SAO of one tambon), the one whose registered centre is nearest the point, else the
  municipality (complaints come mostly from the built-up area it governs); where none does, the nearest
  registered LAO centre in the district (centres the register lacks sit at the district's centroid and
  are used only when no LAO of the district has one). Bangkok's 50 khet all answer to the BMA.
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
_MUNICIPALITIES = ("city_municipality", "town_municipality", "subdistrict_municipality")
# of the LAOs named after one tambon, the one taken when no registered centre tells them apart
_PREFERENCE = {"city_municipality": 0, "town_municipality": 1, "subdistrict_municipality": 2,
               "subdistrict_admin_org": 3}


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
    laos: pd.DataFrame  # lao_code, lao_type, district_code, province_code, lat, lon, registered (centre known),
    # radius_km (of a disc of the registered area; municipalities with a registered centre, else NaN)
    subdistrict_laos: pd.DataFrame  # subdistrict_code, lao_code, lat, lon (NaN: not registered), preference
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
    laos["registered"] = (reference.laos.set_index("lao_code")["coord_source"] == "register").reindex(
        laos["lao_code"]).to_numpy()
    area = reference.laos.set_index("lao_code")["area_km2"].reindex(laos["lao_code"]).to_numpy()
    laos["radius_km"] = np.sqrt(area / np.pi)
    laos.loc[~(laos["registered"] & laos["lao_type"].isin(_MUNICIPALITIES) & (area > 0) & (area < 1000)),
             "radius_km"] = np.nan
    named = laos.assign(key=reference.laos.set_index("lao_code")["name_th"].reindex(laos["lao_code"]).map(
        clean_name).to_numpy())
    by_name = subdistricts.assign(key=subdistricts["name_th"].map(clean_name))[["subdistrict_code", "district_code",
                                                                                "key"]]
    subdistrict_laos = by_name.merge(named, on=["district_code", "key"])
    subdistrict_laos = subdistrict_laos.assign(
        lat=subdistrict_laos["lat"].where(subdistrict_laos["registered"]),
        lon=subdistrict_laos["lon"].where(subdistrict_laos["registered"]),
        preference=subdistrict_laos["lao_type"].map(_PREFERENCE).fillna(len(_PREFERENCE)).astype(int))[
        ["subdistrict_code", "lao_code", "lat", "lon", "preference"]]
    return Gazetteer(provinces=reference.provinces[["province_code", "name_th", "name_en"]],
                     districts=reference.districts[["district_code", "province_code", "name_th", "name_en"]],
                     subdistricts=subdistricts, laos=laos, subdistrict_laos=subdistrict_laos, polygons=polygons,
                     polygon_district=np.array([c for _, c in kept], dtype=object), tree=STRtree(polygons))


def _nearest(points: pd.DataFrame, candidates: pd.DataFrame, code: str) -> pd.Series:
    """For each point (lon, lat, district_code), the code of the nearest candidate in the same district."""
    out = pd.Series(None, index=points.index, dtype=object)
    groups = candidates.dropna(subset=["lat", "lon"]).groupby("district_code")
    for district, rows in points.groupby("district_code"):
        if district not in groups.groups:
            continue
        inside = groups.get_group(district)
        if "registered" in inside and inside["registered"].any():  # an imputed centre is no real position
            inside = inside[inside["registered"]]
        d2 = ((rows["lon"].to_numpy()[:, None] - inside["lon"].to_numpy()[None, :]) ** 2
              + (rows["lat"].to_numpy()[:, None] - inside["lat"].to_numpy()[None, :]) ** 2)
        out.loc[rows.index] = inside[code].to_numpy()[d2.argmin(axis=1)]
    return out


def _by_subdistrict_name(sub: pd.Series, lon: pd.Series, lat: pd.Series, gaz: Gazetteer) -> pd.Series:
    """For each ticket with a sub-district, the LAO of its district named after it (see the module docstring);
    None where no LAO is."""
    rows = pd.DataFrame({"ticket": sub.index, "subdistrict_code": sub.to_numpy(),
                         "x": pd.to_numeric(lon.reindex(sub.index), errors="coerce").to_numpy(dtype=float),
                         "y": pd.to_numeric(lat.reindex(sub.index), errors="coerce").to_numpy(dtype=float)}
                        ).dropna(subset=["subdistrict_code"])
    pairs = rows.merge(gaz.subdistrict_laos, on="subdistrict_code")
    if pairs.empty:
        return pd.Series(None, index=sub.index, dtype=object)
    pairs["d2"] = ((pairs["x"] - pairs["lon"]) ** 2 + (pairs["y"] - pairs["lat"]) ** 2).fillna(np.inf)
    best = pairs.sort_values(["ticket", "d2", "preference", "lao_code"]).drop_duplicates("ticket")
    return pd.Series(best["lao_code"].to_numpy(), index=best["ticket"].to_numpy(), dtype=object).reindex(sub.index)


def _in_municipality(points: pd.DataFrame, gaz: Gazetteer) -> pd.Series:
    """For each point (lon, lat, district_code), the nearest municipality of its district whose disc of
    registered area around its registered centre holds it; None where none does."""
    towns = gaz.laos.dropna(subset=["radius_km"])
    pairs = points.reset_index(names="ticket").merge(towns[["district_code", "lao_code", "lon", "lat", "radius_km"]],
                                                     on="district_code", suffixes=("", "_lao"))
    km = np.hypot((pairs["lon"] - pairs["lon_lao"]) * 111.32 * np.cos(np.radians(pairs["lat"])),
                  (pairs["lat"] - pairs["lat_lao"]) * 110.57)
    inside = pairs.assign(km=km)[km <= pairs["radius_km"]].sort_values(["ticket", "km"]).drop_duplicates("ticket")
    return pd.Series(inside["lao_code"].to_numpy(), index=inside["ticket"].to_numpy(), dtype=object
                     ).reindex(points.index)


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


def _blank(value: object) -> object:
    """A missing value (None, NaN) as "", which clean_name makes of it too; anything else as it is."""
    return "" if value is None or value != value else value


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
    # each written address is looked up once, however many tickets give it (a blank is "" for the lookup)
    addresses: dict[tuple, str | None] = {}
    for i in tickets.index[district.isna()]:
        key = (_blank(tickets.at[i, "province"]), _blank(tickets.at[i, "district"]))
        if key not in addresses:
            addresses[key] = _by_address(*key, gaz)
        if (found := addresses[key]) is not None:
            district.at[i], method.at[i] = found, "address"
    out["district_code"] = district
    out["province_code"] = district.str[:2]
    points = pd.DataFrame({"lon": tickets["lon"], "lat": tickets["lat"], "district_code": district})
    by_point = points[method == "coords"]
    sub = _nearest(by_point, gaz.subdistricts, "subdistrict_code").reindex(tickets.index)
    named: dict[tuple, str | None] = {}
    for i in tickets.index[method == "address"]:
        key = (district.at[i], _blank(tickets.at[i, "subdistrict"]))
        if key not in named:
            inside = gaz.subdistricts[gaz.subdistricts["district_code"] == key[0]]
            named[key] = _match(clean_name(key[1]), dict(zip(inside["name_th"].map(clean_name),
                                                             inside["subdistrict_code"], strict=True)))
        sub.at[i] = named[key]
    out["subdistrict_code"] = sub
    lao = _by_subdistrict_name(sub, tickets["lon"].where(method == "coords"), tickets["lat"].where(method == "coords"),
                               gaz)
    town = _in_municipality(by_point, gaz)
    lao.loc[town.dropna().index] = town.dropna()
    nearest = _nearest(by_point[lao.reindex(by_point.index).isna()], gaz.laos, "lao_code")
    lao.loc[nearest.index] = nearest
    centre = gaz.subdistricts.groupby("district_code")[["lon", "lat"]].mean()
    unnamed = points[(method == "address") & lao.isna()]
    by_address = unnamed.drop(columns=["lon", "lat"]).join(centre, on="district_code")
    if len(by_address):
        lao.loc[by_address.index] = _nearest(by_address, gaz.laos, "lao_code")
    lao[out["province_code"] == "10"] = BANGKOK_CODE
    out["lao_code"] = lao
    out["place_method"] = method
    return out[list(PLACED_COLUMNS)]
