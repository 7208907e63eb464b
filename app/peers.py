"""Waste per LAO against its peers: LAOs of the same type and size. Size is the population when the
reference data has it (waste per capita, kg/person/day); it has none today, so size is the register's
area band (features.static edges) and the comparison is tonnes/day and tonnes/day per km2."""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.static import AREA_BAND_EDGES_KM2

__all__ = ["AREA_BAND_EDGES_KM2", "area_band", "area_band_label", "peer_comparison"]

_AREA_MAX_KM2 = 25_000.0  # beyond it a register "area" is not an area (see features.static)


def area_band(area_km2: pd.Series) -> pd.Series:
    """Band 0 (< 10 km2) … 6 (>= 1,000 km2) on AREA_BAND_EDGES_KM2; <NA> when the area is missing or absurd."""
    area = pd.to_numeric(area_km2, errors="coerce").astype(float)
    valid = (area > 0) & (area <= _AREA_MAX_KM2)
    band = pd.Series(np.searchsorted(AREA_BAND_EDGES_KM2, area.fillna(0), side="right"), index=area.index)
    return band.where(valid).astype("Int64")


def area_band_label(band: int | None) -> str:
    """2 -> '25–50 km²'; None -> '?'."""
    if band is None or pd.isna(band):
        return "?"
    edges = (0.0, *AREA_BAND_EDGES_KM2, np.inf)
    low, high = edges[int(band)], edges[int(band) + 1]
    return f"≥ {low:,.0f} km²" if np.isinf(high) else f"{low:,.0f}–{high:,.0f} km²"


def peer_comparison(laos: pd.DataFrame) -> pd.DataFrame:
    """`laos` has code, lao_type, area_km2, tonnes_day and optionally population (persons). Adds area_band,
    per_km2 (tonnes/day/km2), per_capita (kg/person/day, NaN without population), the peer group (type and
    band), its size, the peer median tonnes/day and per km2, and `vs_peers` = tonnes_day / peer median - 1."""
    out = laos.copy()
    out["area_band"] = area_band(out["area_km2"])
    area = pd.to_numeric(out["area_km2"], errors="coerce").where(out["area_band"].notna())
    out["per_km2"] = out["tonnes_day"] / area
    population = pd.to_numeric(out["population"], errors="coerce") if "population" in out else np.nan
    out["per_capita"] = out["tonnes_day"] * 1000.0 / population
    band_key = out["area_band"].astype("string").fillna("?")
    out["peer_group"] = out["lao_type"].astype(str) + " · " + band_key
    grouped = out.groupby("peer_group")
    out["peers"] = grouped["code"].transform("size")
    out["peer_median"] = grouped["tonnes_day"].transform("median")
    out["peer_median_per_km2"] = grouped["per_km2"].transform("median")
    out["vs_peers"] = out["tonnes_day"] / out["peer_median"].where(out["peer_median"] > 0) - 1.0
    return out
