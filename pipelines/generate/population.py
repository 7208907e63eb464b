"""Synthetic population per LAO: the province's population (from real waste at 1.1 kg/person/day)
split among its non-PAO units by type weight and area; tourism intensity per unit."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["KG_PER_PERSON_DAY", "TOURISM", "province_population", "lao_table", "population_by_fy"]

KG_PER_PERSON_DAY = 1.1
# Province tourism intensity 0..1 (share of waste swing in the high season, COVID exposure).
TOURISM = {"83": 1.0, "81": 0.8, "82": 0.7, "20": 0.6, "84": 0.6, "50": 0.5, "77": 0.5, "23": 0.4,
           "76": 0.3, "57": 0.3, "10": 0.25}
# Typical residents of one unit, and waste per resident relative to the province mean.
_TYPE_SIZE = {"city_municipality": 90_000.0, "town_municipality": 22_000.0, "subdistrict_municipality": 7_500.0,
              "subdistrict_admin_org": 6_500.0, "special_admin_area": 120_000.0, "bangkok": 1.0}
_WASTE_INTENSITY = {"city_municipality": 1.35, "town_municipality": 1.25, "subdistrict_municipality": 1.05,
                    "subdistrict_admin_org": 0.85, "special_admin_area": 2.2, "bangkok": 1.0}
_TOURISM_BY_TYPE = {"city_municipality": 1.0, "town_municipality": 1.1, "subdistrict_municipality": 0.8,
                    "subdistrict_admin_org": 0.55, "special_admin_area": 1.5, "bangkok": 1.0,
                    "provincial_admin_org": 1.0}


def province_population(waste_yearly: pd.DataFrame, year_be: int = 2565) -> pd.Series:
    """Persons per province from real generated tonnes/day of `year_be`."""
    year = waste_yearly[waste_yearly["year_be"] == year_be].set_index("province_code")["generated_ton_day"]
    return (year * 1000.0 / KG_PER_PERSON_DAY).rename("population")


def _area_factor(laos: pd.DataFrame) -> np.ndarray:
    area = laos["area_km2"].to_numpy(dtype=float)
    median = laos.groupby("lao_type")["area_km2"].transform(
        lambda a: a[(a > 0.5) & (a < 3000)].median()).to_numpy(dtype=float)
    median = np.where(np.isfinite(median), median, 30.0)
    bad = ~np.isfinite(area) | (area < 0.5) | (area > 3000)  # the register holds zeros and typos
    area = np.where(bad, median, area)
    return (area / median) ** 0.35


def lao_table(laos: pd.DataFrame, province_pop: pd.Series, rng: np.random.Generator) -> pd.DataFrame:
    """One row per unit: population (persons; PAOs: the province's), tourism, waste share in province."""
    out = laos[["lao_code", "name_th", "lao_type", "province_code", "region_code", "area_km2"]].copy().reset_index(drop=True)
    is_pao = (out["lao_type"] == "provincial_admin_org").to_numpy()
    size = out["lao_type"].map(_TYPE_SIZE).fillna(0.0).to_numpy()
    weight = size * _area_factor(out) * rng.lognormal(0.0, 0.35, len(out))
    weight[is_pao] = 0.0
    prov_weight = pd.Series(weight).groupby(out["province_code"]).transform("sum").to_numpy()
    prov_pop = out["province_code"].map(province_pop).to_numpy(dtype=float)
    population = np.where(is_pao, prov_pop, prov_pop * weight / np.where(prov_weight > 0, prov_weight, 1.0))
    out["population"] = np.maximum(np.rint(population), 200).astype(np.int64)
    prov_tourism = out["province_code"].map(TOURISM).fillna(0.0).to_numpy()
    own = out["lao_type"].map(_TOURISM_BY_TYPE).to_numpy() * rng.uniform(0.6, 1.4, len(out))
    out["tourism"] = np.round(np.clip(prov_tourism * own, 0.0, 1.5), 3)
    out["tourist"] = out["tourism"] > 0
    out["reports_waste"] = ~is_pao
    out["reports_welfare"] = ~is_pao
    share = np.where(is_pao, 0.0, weight * out["lao_type"].map(_WASTE_INTENSITY).fillna(1.0).to_numpy()
                     * (1.0 + 0.3 * out["tourism"].to_numpy()))
    prov_share = pd.Series(share).groupby(out["province_code"]).transform("sum").to_numpy()
    out["waste_share"] = share / np.where(prov_share > 0, prov_share, 1.0)
    return out.drop(columns=["area_km2"])


def population_by_fy(units: pd.DataFrame, n_fy: int, base_fy_index: int, rng: np.random.Generator) -> np.ndarray:
    """[unit, fiscal year] registered residents: the unit's population in the base year (FY2565), grown
    or shrunk by its own yearly rate (about +0.2 %/year, spread 0.8 points: towns grow, remote
    subdistricts empty), with small registration corrections; NaN for units that report no waste
    (PAOs: their residents are their LAOs')."""
    base = units["population"].to_numpy(dtype=float)
    growth = np.clip(rng.normal(0.002, 0.008, len(units)), -0.02, 0.04)
    years = np.arange(n_fy, dtype=float) - base_fy_index
    series = base[:, None] * (1.0 + growth[:, None]) ** years[None, :]
    series *= rng.lognormal(0.0, 0.002, series.shape)
    reports = units["reports_waste"].to_numpy(dtype=bool)
    return np.where(reports[:, None], np.maximum(np.rint(series), 1.0), np.nan)
