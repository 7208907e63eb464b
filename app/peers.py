"""Waste per LAO against its peers: LAOs of the same type and size. Size is the registered population
band when the unit reports its population (the store's `population_registered`), so the comparison is
waste per capita (kg/person/day) among units of the same type and population band; a unit without a
population falls back to the register's area band (features.static edges), compared in tonnes/day."""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.static import AREA_BAND_EDGES_KM2

__all__ = ["AREA_BAND_EDGES_KM2", "POPULATION_BAND_EDGES", "area_band", "area_band_label", "population_band",
           "population_band_label", "peer_comparison"]

POPULATION_BAND_EDGES = (2_500, 5_000, 10_000, 25_000, 50_000, 100_000)  # registered residents

_AREA_MAX_KM2 = 25_000.0  # beyond it a register "area" is not an area (see features.static)


def _band(values: pd.Series, edges: tuple[float, ...], valid: pd.Series) -> pd.Series:
    """Band 0 (below the first edge) … len(edges) (at or above the last); <NA> where not `valid`."""
    band = pd.Series(np.searchsorted(edges, values.fillna(0), side="right"), index=values.index)
    return band.where(valid).astype("Int64")


def _band_label(band: int | None, edges: tuple[float, ...], unit: str) -> str:
    if band is None or pd.isna(band):
        return "?"
    bounds = (0.0, *edges, np.inf)
    low, high = bounds[int(band)], bounds[int(band) + 1]
    return f"≥ {low:,.0f}{unit}" if np.isinf(high) else f"{low:,.0f}–{high:,.0f}{unit}"


def area_band(area_km2: pd.Series) -> pd.Series:
    """Band 0 (< 10 km2) … 6 (>= 1,000 km2) on AREA_BAND_EDGES_KM2; <NA> when the area is missing or absurd."""
    area = pd.to_numeric(area_km2, errors="coerce").astype(float)
    return _band(area, AREA_BAND_EDGES_KM2, (area > 0) & (area <= _AREA_MAX_KM2))


def area_band_label(band: int | None) -> str:
    """2 -> '25–50 km²'; None -> '?'."""
    return _band_label(band, AREA_BAND_EDGES_KM2, " km²")


def population_band(population: pd.Series) -> pd.Series:
    """Band 0 (< 2,500 residents) … 6 (>= 100,000) on POPULATION_BAND_EDGES; <NA> when unknown or not positive."""
    people = pd.to_numeric(population, errors="coerce").astype(float)
    return _band(people, POPULATION_BAND_EDGES, people > 0)


def population_band_label(band: int | None) -> str:
    """2 -> '5,000–10,000'; None -> '?'."""
    return _band_label(band, POPULATION_BAND_EDGES, "")


def peer_comparison(laos: pd.DataFrame) -> pd.DataFrame:
    """`laos` has code, lao_type, area_km2, tonnes_day and optionally population (persons). Adds area_band,
    population_band, per_km2 (tonnes/day/km2), per_capita (kg/person/day, NaN without population), the
    peer group (type and population band, or type and area band for a unit without population), its size,
    the peer medians of tonnes/day, per km2 and per capita, `vs_peers` = tonnes_day / peer median - 1 and
    `vs_peers_per_capita` = per_capita / peer median per capita - 1."""
    out = laos.copy()
    out["area_band"] = area_band(out["area_km2"])
    area = pd.to_numeric(out["area_km2"], errors="coerce").where(out["area_band"].notna())
    out["per_km2"] = out["tonnes_day"] / area
    population = pd.to_numeric(out["population"], errors="coerce") if "population" in out else pd.Series(
        np.nan, index=out.index)
    out["population_band"] = population_band(population)
    out["per_capita"] = out["tonnes_day"] * 1000.0 / population.where(population > 0)
    by_area = "area " + out["area_band"].astype("string").fillna("?")
    by_people = "population " + out["population_band"].astype("string")
    out["peer_group"] = out["lao_type"].astype(str) + " · " + by_people.where(out["population_band"].notna(), by_area)
    grouped = out.groupby("peer_group")
    out["peers"] = grouped["code"].transform("size")
    out["peer_median"] = grouped["tonnes_day"].transform("median")
    out["peer_median_per_km2"] = grouped["per_km2"].transform("median")
    out["peer_median_per_capita"] = grouped["per_capita"].transform("median")
    out["vs_peers"] = out["tonnes_day"] / out["peer_median"].where(out["peer_median"] > 0) - 1.0
    median_pc = out["peer_median_per_capita"]
    out["vs_peers_per_capita"] = out["per_capita"] / median_pc.where(median_pc > 0) - 1.0
    return out
