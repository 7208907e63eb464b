"""The hierarchy nation > region > province > district > LAO as integer keys per level.

A province-wide unit (the PAO, Bangkok) is a sibling of the districts: it rolls up to its
province directly, never to the district its code happens to carry."""

from __future__ import annotations

import numpy as np
import pandas as pd

from khlang.domain.reference import ReferenceData

__all__ = ["LEVELS", "lao_parents", "series_keys", "level_members"]

LEVELS = ("lao", "district", "province", "region", "nation")


def lao_parents(reference: ReferenceData) -> pd.DataFrame:
    """One row per LAO: its integer key at every level. district is -1 for province-wide units."""
    laos = reference.laos
    district = np.where(laos["rolls_up_to"] == "district", laos["district_code"].fillna("-1"), "-1")
    return pd.DataFrame({
        "lao": laos["lao_code"].astype("int64").to_numpy(),
        "district": district.astype("int64"),
        "province": laos["province_code"].astype("int64").to_numpy(),
        "region": laos["region_code"].astype("int64").to_numpy(),
        "nation": np.zeros(len(laos), dtype="int64"),
    })


def series_keys(reference: ReferenceData, level: str) -> np.ndarray:
    """Sorted integer keys of a level's units (LAO code, district code, TIS province code, region, 0)."""
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; levels: {LEVELS}")
    keys = lao_parents(reference)[level]
    return np.unique(keys[keys >= 0].to_numpy())


def level_members(reference: ReferenceData, child: str, parent: str) -> pd.DataFrame:
    """Edges child key -> parent key between two levels (child finer than parent)."""
    parents = lao_parents(reference)
    if child == "lao":
        edges = parents[["lao", parent]]
    else:
        edges = parents.loc[parents[child] >= 0, [child, parent]].drop_duplicates()
    return edges.rename(columns={child: "child", parent: "parent"}).reset_index(drop=True)
