"""Waste per LAO against its peers: LAOs of the same type and size. Size is the registered population
band when the unit reports its population (the store's `population_registered`), so the comparison is
waste per capita (kg/person/day) among units of the same type and population band; a unit without a
population falls back to the register's area band (features.static edges), compared in tonnes/day."""

from __future__ import annotations

import numpy as np
import pandas as pd

from khlang.domain.size import (
    AREA_BAND_EDGES_KM2,
    POPULATION_BAND_EDGES,
    area_band,
    area_band_label,
    population_band,
    population_band_label,
    size_group,
)

__all__ = ["AREA_BAND_EDGES_KM2", "POPULATION_BAND_EDGES", "area_band", "area_band_label", "population_band",
           "population_band_label", "peer_comparison"]


def peer_comparison(laos: pd.DataFrame) -> pd.DataFrame:
    """`laos` has code, lao_type, area_km2, tonnes_day and optionally population (persons). Adds area_band,
    population_band, per_km2 (tonnes/day/km2), per_capita (kg/person/day, NaN without population), the
    peer group (type and population band, or type and area band for a unit without population), its size,
    the peer medians of tonnes/day, per km2 and per capita, `vs_peers` = tonnes_day / peer median - 1 and
    `vs_peers_per_capita` = per_capita / peer median per capita - 1."""
    out = laos.copy()
    population = pd.to_numeric(out["population"], errors="coerce") if "population" in out else pd.Series(
        np.nan, index=out.index)
    sizes = size_group(out["lao_type"], population, out["area_km2"])
    out["area_band"], out["population_band"], out["peer_group"] = (sizes["area_band"], sizes["population_band"],
                                                                   sizes["peer_group"])
    area = pd.to_numeric(out["area_km2"], errors="coerce").where(out["area_band"].notna())
    out["per_km2"] = out["tonnes_day"] / area
    out["per_capita"] = out["tonnes_day"] * 1000.0 / population.where(population > 0)
    grouped = out.groupby("peer_group")
    out["peers"] = grouped["code"].transform("size")
    out["peer_median"] = grouped["tonnes_day"].transform("median")
    out["peer_median_per_km2"] = grouped["per_km2"].transform("median")
    out["peer_median_per_capita"] = grouped["per_capita"].transform("median")
    out["vs_peers"] = out["tonnes_day"] / out["peer_median"].where(out["peer_median"] > 0) - 1.0
    median_pc = out["peer_median_per_capita"]
    out["vs_peers_per_capita"] = out["per_capita"] / median_pc.where(median_pc > 0) - 1.0
    return out
