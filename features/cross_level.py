"""Cross-level features: statistics of each LAO's parent district, province and region series, on the
LAO's rows. Computed from the panel's aggregated levels (the parent's own series), never re-summed from
LAOs, so `district__rolling_mean_12` of a LAO equals `rolling_mean_12` of its district, bit for bit.

A province-wide unit (PAO, Bangkok) rolls up to its province directly: it has no district, and its
district features are NaN."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from features.feature_set import Ewm, Feature, Growth, Lag, RollingMean, compute_features

__all__ = ["CROSS_LEVEL_FEATURES", "PARENT_LEVELS", "cross_level_names", "parent_rows", "parent_features"]

PARENT_LEVELS = ("district", "province", "region")
CROSS_LEVEL_FEATURES: tuple[Feature, ...] = (Lag(12), RollingMean(12), Growth(12), Ewm(0.3))


def cross_level_names(features: Sequence[Feature] = CROSS_LEVEL_FEATURES,
                      parent_levels: Sequence[str] = PARENT_LEVELS) -> tuple[str, ...]:
    """`<level>__<feature>` for every parent level, then every feature (the order of the stored columns)."""
    return tuple(f"{level}__{feature.name}" for level in parent_levels for feature in features)


def parent_rows(lao_keys: np.ndarray, parents: pd.DataFrame, level: str, parent_keys: np.ndarray) -> np.ndarray:
    """int64 row of each LAO's parent in `parent_keys` (a level's sorted series keys); -1 where the LAO
    has none at that level (district of a province-wide unit). `parents` is lao_parents(reference)."""
    by_lao = parents.set_index("lao")[level]
    missing = np.setdiff1d(lao_keys, by_lao.index.to_numpy())
    if len(missing):
        raise ValueError(f"LAOs not in the reference: {missing[:5].tolist()}{' …' if len(missing) > 5 else ''}")
    keys = by_lao.loc[lao_keys].to_numpy(np.int64)
    has_parent = keys >= 0
    rows = np.searchsorted(parent_keys, keys[has_parent])
    found = rows < len(parent_keys)
    found[found] = parent_keys[rows[found]] == keys[has_parent][found]
    if not found.all():
        raise ValueError(f"{level} keys not in the panel: {np.unique(keys[has_parent][~found])[:5].tolist()}")
    out = np.full(len(keys), -1, dtype=np.int64)
    out[has_parent] = rows
    return out


def parent_features(parent_values: np.ndarray, rows: np.ndarray,
                    features: Sequence[Feature] = CROSS_LEVEL_FEATURES) -> np.ndarray:
    """float32 [feature, lao, period]: `features` of the parent series parent_values[rows] (a
    [parent, period] block), NaN where the row is -1. Each parent is computed once however many LAOs share it."""
    rows = np.asarray(rows, dtype=np.int64)
    has_parent = rows >= 0
    unique, inverse = np.unique(rows[has_parent], return_inverse=True)
    values, _ = compute_features(np.asarray(parent_values)[unique], features)
    out = np.full((len(features), len(rows), parent_values.shape[1]), np.nan, dtype=np.float32)
    out[:, has_parent] = values[:, inverse]
    return out
