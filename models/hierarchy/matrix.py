"""The summing matrix S of a hierarchy and the stacked node order used by reconciliation.

Nodes are stacked top level first: nation, regions, provinces, districts, then the LAOs (the bottom
level, S's columns); within a level by ascending integer key (the panel's series order). So S is
[A; I]: its first `n_aggregate` rows sum bottom units into aggregates, its last `n_bottom` rows are
the identity. A province is its districts plus its province-wide units (PAO, Bangkok: district key -1,
they skip the district level and roll up to the province directly). Built from a subset of LAOs
(e.g. those that report a metric), a node none of whose bottom units is in the subset is dropped.

The builder is generic (`hierarchy_from_table`: any levels, -1 = "skips this level"); `build_hierarchy`
is the Thai one on `khlang.domain.hierarchy.lao_parents`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp

from khlang.domain.hierarchy import lao_parents
from khlang.domain.metrics import reports_metric
from khlang.domain.reference import ReferenceData

__all__ = [
    "NODE_LEVELS", "Hierarchy", "HierarchyError", "hierarchy_from_table", "build_hierarchy",
    "metric_lao_codes",
]

# Top to bottom: the stacked node order. (khlang.domain.hierarchy.LEVELS lists them bottom-up.)
NODE_LEVELS = ("nation", "region", "province", "district", "lao")


class HierarchyError(ValueError):
    """The parent table is not a tree (a node with two parents, a bottom unit without a top node …)."""


@dataclass(frozen=True)
class Hierarchy:
    """S (CSR float64 [n_nodes, n_bottom]) and the node table aligned to its rows.

    `nodes` columns: level (str), key (int64), parent (int64 row of the parent node, -1 for a top
    node), n_bottom (int64: bottom units summed into the node = S's row sums)."""

    S: sp.csr_matrix
    nodes: pd.DataFrame
    levels: tuple[str, ...]
    _slices: dict[str, slice] = field(repr=False)

    # -- sizes and slices ------------------------------------------------------------------------
    @property
    def n_nodes(self) -> int:
        return self.S.shape[0]

    @property
    def n_bottom(self) -> int:
        return self.S.shape[1]

    @property
    def n_aggregate(self) -> int:
        return self.n_nodes - self.n_bottom

    @property
    def bottom_level(self) -> str:
        return self.levels[-1]

    @property
    def A(self) -> sp.csr_matrix:  # noqa: N802 - the usual name of S's aggregate block
        """The aggregation block: S = [A; I]."""
        return self.S[: self.n_aggregate]

    def level_slice(self, level: str) -> slice:
        """Rows of one level in the stacked node vector."""
        if level not in self._slices:
            raise ValueError(f"unknown level {level!r}; levels: {self.levels}")
        return self._slices[level]

    def keys(self, level: str) -> np.ndarray:
        """Sorted int64 keys of a level's nodes."""
        return self.nodes["key"].to_numpy()[self.level_slice(level)]

    @property
    def bottom_keys(self) -> np.ndarray:
        return self.keys(self.bottom_level)

    def node_index(self, level: str, keys: Iterable[int]) -> np.ndarray:
        """Row of each key in the stacked vector; -1 for a key that is not a node of that level."""
        sl = self.level_slice(level)
        level_keys = self.keys(level)
        keys = np.asarray(list(keys) if not isinstance(keys, np.ndarray) else keys, dtype=np.int64)
        pos = np.searchsorted(level_keys, keys).clip(0, max(len(level_keys) - 1, 0))
        found = (level_keys[pos] == keys) if len(level_keys) else np.zeros(len(keys), bool)
        return np.where(found, pos + sl.start, -1).astype(np.int64)

    # -- panels <-> stacked vector --------------------------------------------------------------
    def stack(self, arrays: Mapping[str, tuple[np.ndarray, np.ndarray]], *, fill: float = np.nan,
              extra: Literal["raise", "drop"] = "raise") -> np.ndarray:
        """Level arrays {level: (series keys, values [series, ...])} -> stacked [n_nodes, ...] float64.

        Nodes a level's array lacks (or a level not given) are `fill`. A series key that is not a
        node of this hierarchy (e.g. a district outside a subset) raises, or with extra="drop" is
        left out."""
        trailing: tuple[int, ...] | None = None
        for level, (keys, values) in arrays.items():
            values = np.asarray(values)
            if values.shape[:1] != (len(keys),):
                raise ValueError(f"{level}: {len(keys)} keys but values of shape {values.shape}")
            if trailing is not None and values.shape[1:] != trailing:
                raise ValueError(f"{level}: values of shape {values.shape}, others {trailing}")
            trailing = values.shape[1:]
        out = np.full((self.n_nodes, *(trailing or ())), fill, dtype=np.float64)
        for level, (keys, values) in arrays.items():
            rows = self.node_index(level, np.asarray(keys, dtype=np.int64))
            missing = rows < 0
            if missing.any() and extra == "raise":
                raise HierarchyError(f"{level}: {int(missing.sum())} series not in the hierarchy, "
                                     f"first {np.asarray(keys)[missing][:5].tolist()} (extra='drop' leaves them out)")
            out[rows[~missing]] = np.asarray(values)[~missing]
        return out

    def unstack(self, y: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Stacked [n_nodes, ...] -> {level: (sorted keys, values [nodes of the level, ...])}."""
        y = np.asarray(y)
        if y.shape[:1] != (self.n_nodes,):
            raise ValueError(f"expected {self.n_nodes} rows, got shape {y.shape}")
        return {level: (self.keys(level), y[self.level_slice(level)]) for level in self.levels}

    def aggregate(self, bottom: np.ndarray) -> np.ndarray:
        """Bottom values [n_bottom, ...] -> all nodes (S @ bottom)."""
        bottom = np.asarray(bottom, dtype=np.float64)
        if bottom.shape[:1] != (self.n_bottom,):
            raise ValueError(f"expected {self.n_bottom} bottom rows, got shape {bottom.shape}")
        flat = bottom.reshape(self.n_bottom, -1)
        return np.asarray(self.S @ flat).reshape(self.n_nodes, *bottom.shape[1:])

    def children_matrix(self) -> sp.csr_matrix:
        """[n_nodes, n_nodes] with a 1 at (parent, child): children_matrix() @ y sums each node's children."""
        parent = self.nodes["parent"].to_numpy()
        child = np.flatnonzero(parent >= 0)
        return sp.csr_matrix((np.ones(len(child)), (parent[child], child)), shape=(self.n_nodes, self.n_nodes))


def hierarchy_from_table(table: pd.DataFrame, levels: Sequence[str]) -> Hierarchy:
    """A hierarchy from one row per bottom unit with an integer key column per level.

    `levels` run top to bottom; the last is the bottom level (keys unique, >= 0). A key of -1 at an
    intermediate level means the unit skips that level (it rolls up to the nearest level above with
    a key). Every unit needs a key at the top level. Every node must sit under one node per level
    above it (a tree), else HierarchyError."""
    levels = tuple(levels)
    if len(levels) < 2 or len(set(levels)) != len(levels):
        raise ValueError(f"need at least two distinct levels, got {levels}")
    missing = [lv for lv in levels if lv not in table.columns]
    if missing:
        raise ValueError(f"table lacks level columns {missing}")
    keys = {lv: table[lv].to_numpy(dtype=np.int64) for lv in levels}
    bottom = keys[levels[-1]]
    if (bottom < 0).any():
        raise HierarchyError(f"negative bottom keys: {bottom[bottom < 0][:5].tolist()}")
    if len(np.unique(bottom)) != len(bottom):
        dup = pd.Series(bottom)
        raise HierarchyError(f"duplicate bottom keys: {dup[dup.duplicated()].head().tolist()}")
    if (keys[levels[0]] < 0).any():
        raise HierarchyError(f"{int((keys[levels[0]] < 0).sum())} bottom units without a {levels[0]!r} key")
    order = np.argsort(bottom, kind="stable")
    keys = {lv: k[order] for lv, k in keys.items()}
    n_bottom = len(bottom)

    # A tree: the units under one node agree on their keys at every level above it.
    for i, lv in enumerate(levels[1:-1], start=1):
        sub = pd.DataFrame({lv: keys[lv], **{up: keys[up] for up in levels[:i]}})
        sub = sub[sub[lv] >= 0]
        if len(sub):
            spread = sub.groupby(lv).nunique(dropna=False).max()
            bad = spread[spread > 1]
            if len(bad):
                raise HierarchyError(f"{lv} nodes under more than one {list(bad.index)} node")

    node_keys = {lv: np.unique(keys[lv][keys[lv] >= 0]) for lv in levels}
    slices: dict[str, slice] = {}
    start = 0
    for lv in levels:
        slices[lv] = slice(start, start + len(node_keys[lv]))
        start += len(node_keys[lv])
    n_nodes = start

    # S: a 1 at (node of unit j at level L, j) for every level where unit j has a key.
    rows, cols = [], []
    row_of: dict[str, np.ndarray] = {}  # per level: row of unit j's node there, -1 if it skips it
    for lv in levels:
        k = keys[lv]
        has = k >= 0
        r = np.full(n_bottom, -1, dtype=np.int64)
        r[has] = np.searchsorted(node_keys[lv], k[has]) + slices[lv].start
        row_of[lv] = r
        rows.append(r[has])
        cols.append(np.flatnonzero(has))
    S = sp.csr_matrix((np.ones(sum(len(r) for r in rows)), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(n_nodes, n_bottom), dtype=np.float64)
    S.sum_duplicates()
    S.sort_indices()

    # Parent of each node: the unit's row at the nearest level above where it has a key.
    parent = np.full(n_nodes, -1, dtype=np.int64)
    nearest_above = np.full(n_bottom, -1, dtype=np.int64)
    for lv in levels:
        r = row_of[lv]
        has = r >= 0
        parent[r[has]] = nearest_above[has]  # same for every unit of the node (checked above)
        nearest_above = np.where(has, r, nearest_above)

    nodes = pd.DataFrame({
        "level": np.concatenate([np.full(len(node_keys[lv]), lv, dtype=object) for lv in levels]),
        "key": np.concatenate([node_keys[lv] for lv in levels]).astype(np.int64),
        "parent": parent,
        "n_bottom": np.asarray(S.sum(axis=1)).ravel().astype(np.int64),
    })
    return Hierarchy(S=S, nodes=nodes, levels=levels, _slices=slices)


def _as_lao_keys(codes: Iterable[str | int]) -> np.ndarray:
    return np.unique(np.array([int(c) for c in codes], dtype=np.int64))


def build_hierarchy(reference: ReferenceData, lao_codes: Iterable[str | int] | None = None) -> Hierarchy:
    """Nation > region > province > district > LAO from the reference, optionally restricted to
    some LAO codes (7-digit strings or ints). PAO and Bangkok roll up to their province directly."""
    parents = lao_parents(reference)
    if lao_codes is not None:
        wanted = _as_lao_keys(lao_codes)
        unknown = np.setdiff1d(wanted, parents["lao"].to_numpy())
        if len(unknown):
            raise HierarchyError(f"{len(unknown)} LAO codes not in the reference, first {unknown[:5].tolist()}")
        parents = parents[parents["lao"].isin(wanted)]
        if parents.empty:
            raise HierarchyError("no LAO selected")
    return hierarchy_from_table(parents, NODE_LEVELS)


def metric_lao_codes(reference: ReferenceData, metric: str) -> np.ndarray:
    """int64 codes of the LAOs that report a metric (or family): all but the PAOs outside budget."""
    laos = reference.laos
    keep = np.array([reports_metric(t, metric) for t in laos["lao_type"]], dtype=bool)
    return laos.loc[keep, "lao_code"].astype("int64").to_numpy()
