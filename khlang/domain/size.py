"""The size of an LAO for comparing it with its peers: the band of its registered population when known
(residents), else the band of its registered area (km²; also a feature of the models: features.static). Peers are LAOs of the same
type and size band; this one definition serves the waste page and the complaints' accountability."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["AREA_BAND_EDGES_KM2", "POPULATION_BAND_EDGES", "area_band", "area_band_label", "population_band",
           "population_band_label", "size_group"]

AREA_BAND_EDGES_KM2 = (10.0, 25.0, 50.0, 100.0, 250.0, 1000.0)  # band 0: < 10 km2 … band 6: >= 1000 km2
POPULATION_BAND_EDGES = (2_500, 5_000, 10_000, 25_000, 50_000, 100_000)  # registered residents

_AREA_MAX_KM2 = 25_000.0  # beyond it a register "area" is not an area


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


def size_group(lao_type: pd.Series, population: pd.Series | None, area_km2: pd.Series) -> pd.DataFrame:
    """Per LAO: population_band, area_band, `size` (a readable band: 'population 10,000–25,000', else
    'area 25–50 km²', else 'size ?') and `peer_group` ('<type> · population <band>' or '<type> · area <band>';
    the band number, so groups sort by size)."""
    people = population if population is not None else pd.Series(np.nan, index=lao_type.index)
    by_people, by_area = population_band(people), area_band(area_km2)
    known = by_people.notna()
    size = pd.Series([f"population {population_band_label(p)}" if k else
                      (f"area {area_band_label(a)}" if pd.notna(a) else "size ?")
                      for p, a, k in zip(by_people, by_area, known, strict=True)], index=lao_type.index, dtype=object)
    group = lao_type.astype(str) + " · " + ("population " + by_people.astype("string")).where(
        known, "area " + by_area.astype("string").fillna("?"))
    return pd.DataFrame({"population_band": by_people, "area_band": by_area, "size": size, "peer_group": group})
