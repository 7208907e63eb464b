"""The summing matrix S and node order: tiny hand-made trees, and the real Thailand hierarchy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from khlang.domain.hierarchy import lao_parents, series_keys
from models.hierarchy.matrix import (
    NODE_LEVELS,
    HierarchyError,
    build_hierarchy,
    hierarchy_from_table,
    metric_lao_codes,
)

# total > {mid 1: leaves 10, 11; mid 2: leaves 12, 13}; leaf 14 skips mid (like a PAO skips districts).
TINY = pd.DataFrame({"total": [0] * 5, "mid": [2, 1, 2, 1, -1], "leaf": [13, 11, 12, 10, 14]})


@pytest.fixture(scope="module")
def thailand(reference):
    return build_hierarchy(reference)


def test_tiny_summing_matrix_and_nodes():
    h = hierarchy_from_table(TINY, ["total", "mid", "leaf"])
    expected = np.array([
        [1, 1, 1, 1, 1],  # total
        [1, 1, 0, 0, 0],  # mid 1
        [0, 0, 1, 1, 0],  # mid 2
        *np.eye(5, dtype=int).tolist(),  # leaves 10..14, sorted
    ])
    np.testing.assert_array_equal(h.S.toarray(), expected)
    assert h.S.format == "csr"
    assert (h.n_nodes, h.n_bottom, h.n_aggregate) == (8, 5, 3)
    assert h.nodes["level"].tolist() == ["total", "mid", "mid", "leaf", "leaf", "leaf", "leaf", "leaf"]
    assert h.nodes["key"].tolist() == [0, 1, 2, 10, 11, 12, 13, 14]
    assert h.nodes["parent"].tolist() == [-1, 0, 0, 1, 1, 2, 2, 0]  # leaf 14 -> total directly
    assert h.nodes["n_bottom"].tolist() == [5, 2, 2, 1, 1, 1, 1, 1]
    np.testing.assert_array_equal(h.A.toarray(), expected[:3])
    np.testing.assert_array_equal(h.bottom_keys, [10, 11, 12, 13, 14])
    np.testing.assert_array_equal(h.children_matrix().toarray()[0], [0, 1, 1, 0, 0, 0, 0, 1])


def test_tiny_two_levels():
    h = hierarchy_from_table(pd.DataFrame({"t": [7, 7, 7], "b": [3, 1, 2]}), ["t", "b"])
    np.testing.assert_array_equal(h.S.toarray(), [[1, 1, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]])


@pytest.mark.parametrize("table, message", [
    (pd.DataFrame({"t": [0, 0], "m": [1, 1], "b": [5, 5]}), "duplicate bottom"),
    (pd.DataFrame({"t": [0, -1], "m": [1, 2], "b": [5, 6]}), "without a 't' key"),
    (pd.DataFrame({"t": [0, 1], "m": [1, 1], "b": [5, 6]}), "more than one"),  # mid 1 under two tops
    (pd.DataFrame({"t": [0, 0], "m": [1, 1], "b": [5, -6]}), "negative bottom"),
])
def test_not_a_tree_is_refused(table, message):
    with pytest.raises(HierarchyError, match=message):
        hierarchy_from_table(table, ["t", "m", "b"])


def test_stack_unstack_round_trip():
    h = hierarchy_from_table(TINY, ["total", "mid", "leaf"])
    arrays = {
        "leaf": (np.array([14, 10, 12]), np.array([[4.0, 40], [1, 10], [3, 30]])),  # unsorted, partial
        "mid": (np.array([2, 1]), np.array([[20.0, 200], [10, 100]])),
        "total": (np.array([0]), np.array([[99.0, 990]])),
    }
    y = h.stack(arrays)
    assert y.shape == (8, 2)
    np.testing.assert_array_equal(y[:3, 0], [99, 10, 20])
    np.testing.assert_array_equal(y[3:, 0], [1, np.nan, 3, np.nan, 4])
    back = h.unstack(y)
    assert list(back) == ["total", "mid", "leaf"]
    np.testing.assert_array_equal(back["mid"][0], [1, 2])
    np.testing.assert_array_equal(back["mid"][1], [[10, 100], [20, 200]])
    np.testing.assert_array_equal(h.stack(back), y)
    assert h.stack({"mid": (np.array([1]), np.array([5.0]))}, fill=0.0).tolist() == [0, 5, 0, 0, 0, 0, 0, 0]
    with pytest.raises(HierarchyError, match="not in the hierarchy"):
        h.stack({"mid": (np.array([1, 3]), np.ones((2, 2)))})
    dropped = h.stack({"mid": (np.array([1, 3]), np.ones((2, 2)))}, extra="drop")
    assert np.isnan(dropped[2]).all() and (dropped[1] == 1).all()
    np.testing.assert_array_equal(h.node_index("leaf", [12, 99]), [5, -1])
    with pytest.raises(ValueError, match="unknown level"):
        h.level_slice("district")


def test_aggregate_is_bottom_up():
    h = hierarchy_from_table(TINY, ["total", "mid", "leaf"])
    np.testing.assert_array_equal(h.aggregate(np.array([1.0, 2, 3, 4, 5])), [15, 3, 7, 1, 2, 3, 4, 5])


# --- the real hierarchy ---------------------------------------------------------------------------------
def test_thailand_shape_and_levels(reference, thailand):
    h = thailand
    n_laos = len(reference.laos)
    assert h.levels == NODE_LEVELS
    assert h.n_bottom == n_laos == 7850
    sizes = {lv: h.level_slice(lv).stop - h.level_slice(lv).start for lv in h.levels}
    assert sizes == {"nation": 1, "region": 6, "province": 77, "district": 878, "lao": 7850}
    for lv in NODE_LEVELS:
        np.testing.assert_array_equal(h.keys(lv), series_keys(reference, lv))  # the panel's series order
    np.testing.assert_array_equal(h.S[h.level_slice("lao")].toarray().nonzero()[1], np.arange(n_laos))


def test_every_lao_sums_into_one_node_per_level(reference, thailand):
    h = thailand
    parents = lao_parents(reference).sort_values("lao").reset_index(drop=True)
    province_wide = (parents["district"] < 0).to_numpy()
    assert province_wide.sum() == 77  # 76 PAOs + Bangkok
    for lv in NODE_LEVELS:
        block = h.S[h.level_slice(lv)].tocsc()
        per_lao = np.diff(block.indptr)
        if lv == "district":
            np.testing.assert_array_equal(per_lao, np.where(province_wide, 0, 1))
        else:
            assert (per_lao == 1).all(), lv
        rows = block.indices  # CSC: one row per column with an entry, in column order
        keys = h.keys(lv)[rows]
        np.testing.assert_array_equal(keys, parents[lv].to_numpy()[per_lao == 1])
    assert set(np.unique(h.S.data)) == {1.0}


def test_pao_rolls_up_to_province_not_district(thailand):
    h = thailand
    col = h.node_index("lao", [2190101])[0] - h.n_aggregate
    province = h.node_index("province", [19])[0]
    district = h.node_index("district", [1901])[0]
    assert province >= 0 and district >= 0
    assert h.S[province, col] == 1
    assert h.S[district, col] == 0
    assert h.nodes["parent"].iloc[col + h.n_aggregate] == province
    # a province = its districts + its province-wide units
    children = h.nodes.index[h.nodes["parent"] == province]
    assert h.nodes.loc[children, "n_bottom"].sum() == h.nodes["n_bottom"].iloc[province]
    assert set(h.nodes.loc[children, "level"]) == {"district", "lao"}
    assert h.nodes["n_bottom"].iloc[0] == 7850
    bangkok = h.node_index("province", [10])[0]
    assert h.nodes["n_bottom"].iloc[bangkok] == 1


def test_metric_subset_drops_paos_and_empty_districts(reference, thailand):
    codes = metric_lao_codes(reference, "waste_generated")
    assert len(codes) == 7850 - 76
    h = build_hierarchy(reference, codes)
    assert h.n_bottom == 7774
    assert h.node_index("lao", [2190101])[0] == -1
    assert h.nodes["n_bottom"].iloc[0] == 7774
    assert len(metric_lao_codes(reference, "budget_personnel")) == 7850
    # leave out every LAO of district 1901: the district goes, province 19 stays
    parents = lao_parents(reference)
    keep = parents.loc[parents["district"] != 1901, "lao"].astype(str)
    h2 = build_hierarchy(reference, keep)
    assert h2.node_index("district", [1901])[0] == -1
    assert h2.node_index("province", [19])[0] >= 0
    assert h2.n_nodes == thailand.n_nodes - 1 - int((parents["district"] == 1901).sum())
    with pytest.raises(HierarchyError, match="not in the reference"):
        build_hierarchy(reference, ["9999999"])


def test_stack_panel_like_levels(reference, thailand):
    h = build_hierarchy(reference, metric_lao_codes(reference, "waste_generated"))
    arrays = {lv: (series_keys(reference, lv), np.ones((len(series_keys(reference, lv)), 3)))
              for lv in NODE_LEVELS if lv != "lao"}
    arrays["lao"] = (h.bottom_keys, np.ones((h.n_bottom, 3)))
    y = h.stack(arrays)
    assert y.shape == (h.n_nodes, 3) and not np.isnan(y).any()
