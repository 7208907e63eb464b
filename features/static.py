"""Static features of each LAO, from the reference register: what kind of unit it is and where.

Population is not in the reference; the register's area stands in for size, as a band on fixed edges.
About 30 % of register areas are missing, and some are not areas at all (0, or millions of km2): an
area outside (0, 25 000] km2 (Nakhon Ratchasima, the largest province, is about 20 500) is NaN."""

from __future__ import annotations

import numpy as np
import pandas as pd

from khlang.domain.reference import LAO_TYPES
from khlang.domain.size import AREA_BAND_EDGES_KM2

__all__ = ["STATIC_FEATURE_NAMES", "LAO_TYPE_CODES", "AREA_BAND_EDGES_KM2", "static_features"]

STATIC_FEATURE_NAMES = ("lao_type", "province_code", "region_code", "area_km2", "area_band")
LAO_TYPE_CODES = {lao_type: code for code, lao_type in enumerate(LAO_TYPES)}  # register type -> 0..6
_AREA_MAX_KM2 = 25_000.0


def static_features(laos: pd.DataFrame, lao_keys: np.ndarray) -> np.ndarray:
    """float32 [lao, static feature] in the order of STATIC_FEATURE_NAMES, for the LAOs `lao_keys`
    (int64 codes). Codes are categories (TIS province code, Khlang region code, LAO_TYPE_CODES)."""
    table = laos.set_index(laos["lao_code"].astype("int64")).loc[np.asarray(lao_keys, dtype=np.int64)]
    area = table["area_km2"].to_numpy(np.float64)
    area = np.where((area > 0) & (area <= _AREA_MAX_KM2), area, np.nan)
    band = np.where(np.isnan(area), np.nan, np.searchsorted(AREA_BAND_EDGES_KM2, area, side="right"))
    columns = {
        "lao_type": table["lao_type"].map(LAO_TYPE_CODES).to_numpy(np.float64),
        "province_code": table["province_code"].astype("int64").to_numpy(np.float64),
        "region_code": table["region_code"].astype("int64").to_numpy(np.float64),
        "area_km2": area,
        "area_band": band,
    }
    return np.stack([columns[name] for name in STATIC_FEATURE_NAMES], axis=1).astype(np.float32).reshape(
        len(table), len(STATIC_FEATURE_NAMES))
