"""Pure cores of the panel against plain numpy/pandas references."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from khlang.domain.calendar import month_index
from khlang.domain.hierarchy import lao_parents, series_keys
from khlang.domain.reference import ReferenceData
from pipelines.aggregate import aggregate, dense_block, month_numbers, reporting, time_axis


def test_month_numbers_match_calendar() -> None:
    dates = [dt.date(1970, 1, 1), dt.date(2024, 10, 1), dt.date(2025, 9, 1)]
    assert list(month_numbers(dates)) == [month_index(d.year, d.month) for d in dates]
    assert list(month_numbers(pd.to_datetime(dates))) == [month_index(d.year, d.month) for d in dates]


def test_time_axis() -> None:
    assert list(time_axis(5, 8, "M")) == [5, 6, 7, 8]
    october = month_index(2023, 10)
    assert list(time_axis(october, october + 24, "A")) == [october, october + 12, october + 24]
    with pytest.raises(ValueError):
        time_axis(october + 1, october + 13, "A")


def test_dense_block_places_records_and_rejects_bad_ones() -> None:
    series = np.array([2190101, 6190106], np.int64)
    periods = time_axis(month_index(2024, 1), month_index(2024, 3), "M")
    records = pd.DataFrame({"lao_code": ["6190106", "2190101"], "period": [dt.date(2024, 3, 1), dt.date(2024, 1, 1)],
                            "value": [2.5, 1e9]})
    block = dense_block(records, series, periods)
    assert block.dtype == np.float32 and block.shape == (2, 3)
    assert block[1, 2] == 2.5 and block[0, 0] == 1e9 and np.isnan(block).sum() == 4
    assert (reporting(block) == ~np.isnan(block)).all()
    assert np.isnan(dense_block(records.iloc[:0], series, periods)).all()
    with pytest.raises(ValueError, match="duplicate"):
        dense_block(pd.concat([records, records]), series, periods)
    with pytest.raises(ValueError, match="outside the block"):
        dense_block(records.assign(lao_code="6190107"), series, periods)
    with pytest.raises(ValueError, match="off the time axis"):
        dense_block(records.assign(period=dt.date(2025, 1, 1)), series, periods)


def _chained_reference(values: np.ndarray, parents: pd.DataFrame) -> dict[str, np.ndarray]:
    """The definition, level by level: district = its LAOs; province = its districts + province-wide
    units; region = provinces; nation = regions. NaN only where every child is NaN."""
    def nan_sum(frame: pd.DataFrame, by: pd.Series) -> pd.DataFrame:
        return frame.groupby(by.to_numpy()).sum(min_count=1)

    lao = pd.DataFrame(values.astype(np.float64))
    district = nan_sum(lao[parents["district"].to_numpy() >= 0], parents.loc[parents["district"] >= 0, "district"])
    district_province = parents.loc[parents["district"] >= 0].drop_duplicates("district").set_index("district")
    wide = lao[parents["district"].to_numpy() < 0]
    province_parts = pd.concat([
        district.set_axis(district_province.loc[district.index, "province"].to_numpy()),
        wide.set_axis(parents.loc[parents["district"] < 0, "province"].to_numpy())])
    province = province_parts.groupby(level=0).sum(min_count=1)
    province_region = parents.drop_duplicates("province").set_index("province")["region"]
    region = province.groupby(province_region.loc[province.index].to_numpy()).sum(min_count=1)
    nation = region.sum(axis=0, min_count=1).to_frame().T
    return {"district": district, "province": province, "region": region, "nation": nation}


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_aggregate_matches_the_chained_definition(reference: ReferenceData, data: st.DataObject) -> None:
    subset = reference.subset(["10", "19", "40"])  # Bangkok, Saraburi, Khon Kaen: three regions
    parents = lao_parents(subset)
    n_periods = data.draw(st.integers(1, 4))
    finite = st.floats(0, 1e6, allow_nan=False, width=32)
    values = data.draw(arrays(np.float32, (len(parents), n_periods), elements=finite))
    # Gaps from scattered to total, so whole districts and provinces go missing too.
    share_missing = data.draw(st.sampled_from([0.0, 0.3, 0.9, 0.99, 1.0]))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    values[rng.random(values.shape) < share_missing] = np.nan
    coverage = reporting(values)
    expected = _chained_reference(values, parents)
    for level in ("district", "province", "region", "nation"):
        keys = series_keys(subset, level)
        got, got_coverage = aggregate(values, coverage, parents[level].to_numpy(), keys)
        want = expected[level].to_numpy() if level == "nation" else expected[level].reindex(keys).to_numpy()
        np.testing.assert_allclose(got, want.astype(np.float32), rtol=1e-6)
        assert (np.isnan(got) == (got_coverage == 0)).all()
        counts = pd.DataFrame(coverage.astype(int)).groupby(parents[level].to_numpy()).sum()
        counts = counts.reindex(keys, fill_value=0).to_numpy()
        assert (got_coverage == counts).all()


def test_aggregate_skips_unknown_parents_and_empty_input() -> None:
    values = np.array([[1.0, np.nan], [2.0, np.nan], [4.0, 8.0]], np.float32)
    got, coverage = aggregate(values, reporting(values), np.array([10, 10, -1]), np.array([10, 20]))
    assert got[0, 0] == 3.0 and np.isnan(got[0, 1]) and np.isnan(got[1]).all()
    assert coverage.tolist() == [[2, 0], [0, 0]]
    empty, empty_coverage = aggregate(values[:0], reporting(values[:0]), np.array([], np.int64), np.array([10]))
    assert np.isnan(empty).all() and empty.shape == (1, 2) and (empty_coverage == 0).all()
