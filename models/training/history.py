"""The history a metric is trained on: its LAO panel, the hierarchy of the LAOs that report it, and
every aggregate level summed from the LAOs.

LAO series keep their gaps (NaN): the models handle them, and the backtest never scores a month nobody
reported. The aggregate levels are the sums of the LAO series with each LAO's gaps filled by linear
interpolation between its own observed months (the nearest observed value before its first and after
its last), so a province's history is not a dip wherever one of its LAOs missed a month; the share of
filled cells behind each aggregate is kept (`filled_share`). LAOs with no observation at all are left
out of the hierarchy: nothing can be said of them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from khlang.catalog import Catalog
from khlang.domain.reference import ReferenceData
from models.hierarchy.matrix import NODE_LEVELS, Hierarchy, build_hierarchy, metric_lao_codes
from pipelines.panel import open_panel

__all__ = ["MetricHistory", "fill_gaps", "load_history", "history_from_block"]


@dataclass(frozen=True)
class MetricHistory:
    """[series, month] blocks per level, aligned to the hierarchy's node order within each level."""

    metric: str
    hierarchy: Hierarchy
    periods: np.ndarray  # int64 month indices of the columns
    blocks: dict[str, np.ndarray]  # level -> float64 [nodes of the level, month]
    filled_share: dict[str, float]  # level -> share of the level's LAO-months that were gap-filled

    @property
    def levels(self) -> tuple[str, ...]:
        return self.hierarchy.levels

    def keys(self, level: str) -> np.ndarray:
        return self.hierarchy.keys(level)

    @property
    def n_months(self) -> int:
        return int(self.periods.size)


def fill_gaps(block: np.ndarray) -> np.ndarray:
    """Each row's NaNs filled by linear interpolation in time, flat beyond its first and last
    observation; a row without any observation stays NaN."""
    block = np.asarray(block, dtype=np.float64)
    filled = pd.DataFrame(block.T).interpolate(method="linear", axis=0, limit_direction="both").to_numpy().T
    return np.ascontiguousarray(filled)


def history_from_block(metric: str, hierarchy: Hierarchy, lao_block: np.ndarray, periods: np.ndarray) -> MetricHistory:
    """The history from a LAO block whose rows follow hierarchy.bottom_keys."""
    lao_block = np.asarray(lao_block, dtype=np.float64)
    if lao_block.shape[0] != hierarchy.n_bottom:
        raise ValueError(f"{lao_block.shape[0]} LAO rows for a hierarchy of {hierarchy.n_bottom}")
    gaps = np.isnan(lao_block)
    filled = fill_gaps(lao_block)
    totals = hierarchy.aggregate(filled)
    gap_counts = hierarchy.aggregate(gaps.astype(np.float64)).sum(axis=1)
    sizes = hierarchy.nodes["n_bottom"].to_numpy() * lao_block.shape[1]
    blocks, shares = {}, {}
    for level in hierarchy.levels:
        rows = hierarchy.level_slice(level)
        blocks[level] = lao_block if level == hierarchy.bottom_level else totals[rows]
        shares[level] = float(gap_counts[rows].sum() / max(sizes[rows].sum(), 1))
    return MetricHistory(metric=metric, hierarchy=hierarchy, periods=np.asarray(periods, dtype=np.int64),
                         blocks=blocks, filled_share=shares)


def load_history(catalog: Catalog, reference: ReferenceData, metric: str) -> MetricHistory:
    """The metric's LAO panel (catalog.panel) restricted to LAOs that report it and have data."""
    panel = open_panel(catalog, metric, "lao")
    values = np.asarray(panel.values[:], dtype=np.float64)
    keys = np.asarray(panel.series, dtype=np.int64)
    observed = ~np.isnan(values).all(axis=1)
    reporting = np.isin(keys, metric_lao_codes(reference, metric))
    keep = observed & reporting
    if not keep.any():
        raise ValueError(f"{metric}: no LAO has any observation in the panel")
    hierarchy = build_hierarchy(reference, keys[keep])
    order = pd.Index(keys[keep]).get_indexer(hierarchy.bottom_keys)
    if (order < 0).any() or hierarchy.levels != NODE_LEVELS:
        raise ValueError(f"{metric}: the hierarchy does not match the panel's LAO keys")
    return history_from_block(metric, hierarchy, values[keep][order], panel.periods)
