"""Cross-level and static features on plain numpy/pandas: parents' rows, their features, the register's codes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from feature_blocks import blocks, kernel_settings
from hypothesis import given
from hypothesis import strategies as st

from features import Lag, RollingMean, compute_features
from features.cross_level import CROSS_LEVEL_FEATURES, cross_level_names, parent_features, parent_rows
from features.static import AREA_BAND_EDGES_KM2, LAO_TYPE_CODES, STATIC_FEATURE_NAMES, static_features
from khlang.domain.hierarchy import lao_parents, series_keys
from khlang.domain.reference import ReferenceData


def test_names_are_level_then_feature() -> None:
    assert cross_level_names((Lag(12), RollingMean(3)), ("district", "region")) == (
        "district__lag_12", "district__rolling_mean_3", "region__lag_12", "region__rolling_mean_3")
    assert "district__rolling_mean_12" in cross_level_names()


def test_parent_rows_follow_the_hierarchy(reference: ReferenceData) -> None:
    saraburi = reference.subset(["19"])
    parents = lao_parents(saraburi)
    laos = np.sort(parents["lao"].to_numpy())
    districts = series_keys(saraburi, "district")
    rows = parent_rows(laos, parents, "district", districts)
    by_lao = parents.set_index("lao")["district"]
    for lao, row in zip(laos, rows, strict=True):
        assert (row == -1) if by_lao[lao] < 0 else districts[row] == by_lao[lao]
    assert rows[np.searchsorted(laos, 2190101)] == -1  # the PAO rolls up to the province directly
    assert (parent_rows(laos, parents, "province", series_keys(saraburi, "province")) == 0).all()
    with pytest.raises(ValueError, match="not in the reference"):
        parent_rows(np.array([9999999]), parents, "district", districts)
    with pytest.raises(ValueError, match="not in the panel"):
        parent_rows(laos, parents, "district", districts[1:])


@kernel_settings
@given(parent_values=blocks(max_series=5, max_months=30), data=st.data())
def test_parent_features_are_the_parents_features_row_by_row(parent_values: np.ndarray, data) -> None:
    n_parents = parent_values.shape[0]
    rows = np.array(data.draw(st.lists(st.integers(-1, n_parents - 1), max_size=12)), dtype=np.int64)
    out = parent_features(parent_values, rows)
    assert out.shape == (len(CROSS_LEVEL_FEATURES), len(rows), parent_values.shape[1]) and out.dtype == np.float32
    expected, _ = compute_features(parent_values, CROSS_LEVEL_FEATURES)
    for i, row in enumerate(rows):
        if row < 0:
            assert np.isnan(out[:, i]).all()
        else:
            assert out[:, i].tobytes() == expected[:, row].tobytes()


def test_static_features(reference: ReferenceData) -> None:
    laos = pd.DataFrame({
        "lao_code": ["2190101", "6190106", "5190103", "4190201"],
        "lao_type": ["provincial_admin_org", "subdistrict_admin_org", "subdistrict_municipality",
                     "town_municipality"],
        "province_code": ["19"] * 4, "region_code": [3, 3, 3, 3],
        "area_km2": [3576.0, 10.0, np.nan, 7e7]})  # NaN and an impossible area: unknown size
    keys = np.array([4190201, 2190101, 6190106, 5190103])
    static = static_features(laos, keys)
    assert static.dtype == np.float32 and static.shape == (4, len(STATIC_FEATURE_NAMES))
    column = {name: static[:, i] for i, name in enumerate(STATIC_FEATURE_NAMES)}
    assert column["lao_type"].tolist() == [LAO_TYPE_CODES[t] for t in (
        "town_municipality", "provincial_admin_org", "subdistrict_admin_org", "subdistrict_municipality")]
    assert (column["province_code"] == 19).all() and (column["region_code"] == 3).all()
    np.testing.assert_array_equal(column["area_km2"], [np.nan, 3576.0, 10.0, np.nan])
    np.testing.assert_array_equal(column["area_band"], [np.nan, len(AREA_BAND_EDGES_KM2), 1, np.nan])
    whole = static_features(reference.laos, reference.laos["lao_code"].astype("int64").to_numpy())
    assert not np.isnan(whole[:, :3]).any() and np.isnan(whole[:, 3]).mean() < 0.5
