"""The feature store: features of every panel series, computed one block of series per task on the
engine, as Zarr v3 arrays beside the panel.

Layout of catalog.features (work/features.zarr):
    <metric>/<level>/values   float32 [series, period, feature]; chunks = (block_series, all periods,
                              all features), so a model's read of a block of series and a set of periods
                              touches one chunk per block, and values[rows, periods].reshape(-1, F) is
                              already a design matrix (one row per series-month, features contiguous)
    <metric>/<level>/series   int64 keys, as in the panel
    <metric>/<level>/periods  int32 month index (months since 1970-01); attrs iso_months
    <metric>/calendar         float32 [calendar_feature, period], shared by every level of the metric
    <metric>/lao/static       float32 [series, static_feature]: LAO type, province, region, area
Names are string-list attributes (zarr v3 string arrays are not a stable spec): `feature_names` on each
level group and on values, `names` on calendar and static. Level groups also carry the panel's
manifest checksum and creation time, so a reader can tell which panel they were computed from.

The LAO level's features are the series' own features followed by the cross-level ones
(`district__rolling_mean_12` …, features.cross_level). Annual metrics keep the panel's yearly step:
there a window or lag counts fiscal years (`time_step` attribute)."""

from __future__ import annotations

import datetime as dt
import shutil
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import zarr
from zarr.codecs import BloscCodec

from cluster.engine import Engine
from features.cross_level import (
    CROSS_LEVEL_FEATURES,
    PARENT_LEVELS,
    cross_level_names,
    parent_features,
    parent_rows,
)
from features.feature_set import DEFAULT_FEATURES, Feature, compute_features
from features.fiscal_calendar import CALENDAR_FEATURE_NAMES, calendar_features
from features.static import STATIC_FEATURE_NAMES, static_features
from khlang.catalog import Catalog
from khlang.domain.calendar import month_from_index
from khlang.domain.hierarchy import LEVELS, lao_parents
from khlang.domain.reference import ReferenceData
from khlang.locks import exclusive_lock
from khlang.swap import recover, swap_in

__all__ = ["build_features", "open_features", "FeatureReport", "MetricFeatures", "FeatureSet", "FeatureError"]


class FeatureError(RuntimeError):
    """The features cannot be built (no panel, a metric not in it, the panel changed during the build)."""


@dataclass(frozen=True)
class MetricFeatures:
    """What was built for one metric: series, feature columns and non-NaN feature values per level."""

    metric: str
    frequency: str
    n_periods: int
    series: dict[str, int]
    n_features: dict[str, int]
    cells: dict[str, int]


@dataclass(frozen=True)
class FeatureReport:
    path: Path
    panel_manifest_sha256: str | None
    metrics: tuple[MetricFeatures, ...]
    feature_names: tuple[str, ...]
    cross_level_names: tuple[str, ...]
    skipped: tuple[str, ...] = ()  # requested metrics not in the panel
    kept: tuple[str, ...] = ()  # metrics carried over unchanged from the previous feature store
    seconds: float = 0.0
    engine: str = ""

    def summary(self) -> str:
        lines = [f"features {self.path} ({len(self.metrics)} metrics, {len(self.feature_names)} features "
                 f"+ {len(self.cross_level_names)} cross-level, {self.seconds:.1f} s on {self.engine})"]
        for m in self.metrics:
            levels = ", ".join(f"{level} {n}" for level, n in m.series.items())
            lines.append(f"  {m.metric:<22} {m.frequency} {m.n_periods:>4} periods; series: {levels}; "
                         f"{sum(m.cells.values()):>10} values")
        lines += [f"  skipped (not in panel): {', '.join(self.skipped)}"] if self.skipped else []
        lines += [f"  kept from previous features: {', '.join(self.kept)}"] if self.kept else []
        return "\n".join(lines)


@dataclass(frozen=True)
class FeatureSet:
    """One metric at one level: values [series, period, feature] as a Zarr array (slice it to read),
    names, keys, periods; the metric's calendar features, and the LAO level's static features."""

    values: zarr.Array
    names: tuple[str, ...]
    series: np.ndarray  # int64
    periods: np.ndarray  # int32 month index
    calendar: np.ndarray  # float32 [calendar_feature, period]
    calendar_names: tuple[str, ...]
    static: np.ndarray | None = None  # float32 [series, static_feature]; LAO level only
    static_names: tuple[str, ...] = ()
    attrs: dict[str, Any] = field(default_factory=dict)

    def column(self, name: str) -> int:
        """Index of a feature on the last axis of values."""
        return self.names.index(name)


def open_features(catalog: Catalog, metric: str, level: str) -> FeatureSet:
    """Read-only view of `<metric>/<level>` in catalog.features."""
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; levels: {LEVELS}")
    root = zarr.open_group(str(catalog.features), mode="r")
    group, calendar = root[f"{metric}/{level}"], root[f"{metric}/calendar"]
    static = group["static"] if "static" in group else None
    return FeatureSet(values=group["values"], names=tuple(group.attrs["feature_names"]),
                      series=group["series"][:], periods=group["periods"][:], calendar=calendar[:],
                      calendar_names=tuple(calendar.attrs["names"]),
                      static=None if static is None else static[:],
                      static_names=() if static is None else tuple(static.attrs["names"]),
                      attrs=dict(group.attrs))


# --- the task run on the workers (top level, small picklable item) -------------------------------

@dataclass(frozen=True)
class _Block:
    panel: str
    target: str
    metric: str
    level: str
    start: int
    stop: int
    features: tuple[Feature, ...]
    cross_features: tuple[Feature, ...] = ()
    parents: tuple[tuple[str, np.ndarray], ...] = ()  # (parent level, panel row of each LAO's parent or -1)


_warm = False


def _warm_kernels(features: Sequence[Feature]) -> None:
    """Load every kernel from the numba cache (or compile it) once per worker process, on a tiny block."""
    global _warm
    if not _warm:
        compute_features(np.zeros((1, 2), dtype=np.float32), features)
        _warm = True


def _write_block(item: _Block) -> int:
    """Features of one block of a level's series, cross-level ones appended at the LAO level; write
    its chunk. Returns the non-NaN feature values written."""
    _warm_kernels(item.features)
    panel = zarr.open_group(item.panel, mode="r")[item.metric]
    own, _ = compute_features(panel[f"{item.level}/values"][item.start:item.stop], item.features)
    columns = [own]
    for level, rows in item.parents:
        columns.append(parent_features(panel[f"{level}/values"][:], rows, item.cross_features))
    values = np.ascontiguousarray(np.concatenate(columns, axis=0).transpose(1, 2, 0))
    target = zarr.open_group(item.target, mode="r+")[f"{item.metric}/{item.level}/values"]
    target[item.start:item.stop] = values
    return int(np.count_nonzero(~np.isnan(values)))


# --- the client: plan, create arrays, run the map, swap ------------------------------------------

def _panel_identity(catalog: Catalog) -> tuple[str | None, str | None]:
    """(manifest checksum, creation time) of the panel in place: a rebuild changes the second."""
    if not (catalog.panel / "zarr.json").is_file():
        raise FeatureError(f"no panel at {catalog.panel}; build it first (khlang panel)")
    attrs = zarr.open_group(str(catalog.panel), mode="r").attrs
    return attrs.get("source_manifest_sha256"), attrs.get("created")


def _keep_previous(target: Path, tmp: Path, rebuilt: list[str]) -> tuple[str, ...]:
    """Copy the previous store's other metrics into the new one (a partial rebuild keeps them)."""
    if not target.is_dir():
        return ()
    kept = [group.name for group in sorted(p for p in target.iterdir() if p.is_dir()) if group.name not in rebuilt]
    for name in kept:
        shutil.copytree(target / name, tmp / name)
    if kept:
        root = zarr.open_group(str(tmp), mode="r+")
        root.attrs["metrics"] = sorted([*root.attrs["metrics"], *kept])
    return tuple(kept)


def build_features(catalog: Catalog, reference: ReferenceData, engine: Engine, metrics: list[str] | None = None,
                   levels: Sequence[str] = LEVELS, features: Sequence[Feature] = DEFAULT_FEATURES,
                   block_series: int = 1024, progress: Callable[[str, int, int], None] | None = None,
                   cross_level_features: Sequence[Feature] = CROSS_LEVEL_FEATURES) -> FeatureReport:
    """Build catalog.features from catalog.panel: every metric of the panel, or only `metrics` (the
    others are kept from the previous store), at `levels`. Atomic: built beside the target, then swapped
    in. `progress(stage, done, total)` is called as the map starts and ends."""
    started = time.perf_counter()
    say = progress or (lambda stage, done, total: None)
    if block_series < 1:
        raise ValueError("block_series must be >= 1")
    unknown = [level for level in levels if level not in LEVELS]
    if unknown:
        raise ValueError(f"unknown levels {unknown}; levels: {LEVELS}")
    levels = [level for level in LEVELS if level in levels]
    features, cross = tuple(features), tuple(cross_level_features) if "lao" in levels else ()
    names = tuple(f.name for f in features)
    if len(set(names)) != len(names):
        raise ValueError(f"feature names repeat: {sorted(n for n in set(names) if names.count(n) > 1)}")
    target = Path(catalog.features)
    with exclusive_lock(catalog.run / "features.lock", "feature build"):
        recover(target)
        panel_id = _panel_identity(catalog)
        available = list(zarr.open_group(str(catalog.panel), mode="r").attrs.get("metrics", []))
        wanted = available if metrics is None else list(dict.fromkeys(metrics))
        skipped = tuple(m for m in wanted if m not in available)
        wanted = [m for m in wanted if m in available]
        build_id = f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
        tmp = target.with_name(f"{target.name}.tmp-{build_id}")
        try:
            items, plans = _plan(catalog, reference, tmp, wanted, levels, features, cross, panel_id, block_series)
            say("features: blocks of series", 0, len(items))
            written = engine.map(_write_block, items)
            say("features: blocks of series", len(items), len(items))
            if _panel_identity(catalog) != panel_id:
                raise FeatureError("the panel was rebuilt during the feature build; run it again")
            report = _finish(tmp, items, written, plans)
            kept = _keep_previous(target, tmp, wanted) if metrics is not None else ()
            swap_in(tmp, target, build_id)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return FeatureReport(path=target, panel_manifest_sha256=panel_id[0], metrics=report, feature_names=names,
                         cross_level_names=cross_level_names(cross) if cross else (), skipped=skipped,
                         kept=kept, seconds=time.perf_counter() - started, engine=engine.describe())


def _plan(catalog: Catalog, reference: ReferenceData, tmp: Path, wanted: list[str], levels: list[str],
          features: tuple[Feature, ...], cross: tuple[Feature, ...], panel_id: tuple[str | None, str | None],
          block_series: int) -> tuple[list[_Block], dict[str, MetricFeatures]]:
    """Create every array of the new store in `tmp`; one _Block per chunk of series to fill."""
    created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    names = [f.name for f in features]
    provenance = {"panel_manifest_sha256": panel_id[0], "panel_created": panel_id[1], "created": created}
    root = zarr.open_group(str(tmp), mode="w", attributes={
        **provenance, "metrics": sorted(wanted), "levels": levels,
        "layout": "<metric>/<level>/{values [series, period, feature], series, periods}, <metric>/calendar, "
                  "<metric>/lao/static"})
    panel = zarr.open_group(str(catalog.panel), mode="r")
    parents = lao_parents(reference)
    items: list[_Block] = []
    plans: dict[str, MetricFeatures] = {}
    for metric in wanted:
        source = panel[metric]
        periods = source["lao/periods"][:]
        frequency = source["lao"].attrs.get("frequency", "M")
        group = root.create_group(metric, attributes={"metric": metric, **provenance})
        group.create_array("calendar", data=np.stack([calendar_features(periods)[n] for n in CALENDAR_FEATURE_NAMES]),
                           dimension_names=("calendar_feature", "period"),
                           attributes={"names": list(CALENDAR_FEATURE_NAMES)})
        sizes, widths = {}, {}
        for level in levels:
            keys = source[f"{level}/series"][:]
            level_cross = cross if level == "lao" else ()
            level_names = [*names, *cross_level_names(level_cross)] if level_cross else names
            attrs = {**provenance, "metric": metric, "level": level, "frequency": frequency,
                     "unit": source[level].attrs.get("unit"), "feature_names": level_names,
                     "cross_level_features": list(cross_level_names(level_cross)) if level_cross else [],
                     "time_step": "fiscal year" if frequency == "A" else "month"}
            _create_level(group, level, keys, periods, level_names, block_series, attrs)
            rows = {}
            if level_cross:
                rows = {p: parent_rows(keys, parents, p, source[f"{p}/series"][:]) for p in PARENT_LEVELS}
            if level == "lao":
                group[level].create_array(
                    "static", data=static_features(reference.laos, keys),
                    chunks=(max(1, len(keys)), len(STATIC_FEATURE_NAMES)), dimension_names=("series", "static_feature"), attributes={"names": list(STATIC_FEATURE_NAMES)})
            for start in range(0, len(keys), block_series):
                stop = min(start + block_series, len(keys))
                items.append(_Block(str(catalog.panel), str(tmp), metric, level, start, stop, features, level_cross,
                                    tuple((p, r[start:stop]) for p, r in rows.items())))
            sizes[level], widths[level] = len(keys), len(level_names)
        plans[metric] = MetricFeatures(metric=metric, frequency=frequency, n_periods=len(periods), series=sizes,
                                       n_features=widths, cells={})
    return items, plans


# LZ4 on byte-shuffled floats: a third larger than zstd on these features, but written and read about
# four times faster, and training reads these chunks many times over.
_CODEC = BloscCodec(cname="lz4", clevel=5, shuffle="shuffle")


def _create_level(group: zarr.Group, level: str, keys: np.ndarray, periods: np.ndarray, names: list[str],
                  block_series: int, attrs: dict[str, Any]) -> None:
    target = group.create_group(level, attributes=attrs)
    shape = (len(keys), len(periods), len(names))
    chunks = (max(1, min(block_series, len(keys))), max(1, len(periods)), max(1, len(names)))
    target.create_array("values", shape=shape, chunks=chunks, dtype="float32", fill_value=np.nan, compressors=_CODEC,
                        dimension_names=("series", "period", "feature"),
                        attributes={"feature_names": names, "unit": attrs["unit"]})
    target.create_array("series", data=keys.astype(np.int64), dimension_names=("series",))
    target.create_array("periods", data=periods.astype(np.int32), dimension_names=("period",),
                        attributes={"encoding": "months since 1970-01",
                                    "iso_months": [f"{month_from_index(i):%Y-%m}" for i in periods]})


def _finish(tmp: Path, items: list[_Block], written: list[int],
            plans: dict[str, MetricFeatures]) -> tuple[MetricFeatures, ...]:
    """Record the non-NaN values per level in the store and the report."""
    root = zarr.open_group(str(tmp), mode="r+")
    cells: dict[tuple[str, str], int] = {}
    for item, n in zip(items, written, strict=True):
        cells[item.metric, item.level] = cells.get((item.metric, item.level), 0) + n
    out = []
    for metric, plan in plans.items():
        counts = {level: cells.get((metric, level), 0) for level in plan.series}
        for level, n in counts.items():
            root[f"{metric}/{level}"].attrs["non_nan_values"] = n
        out.append(MetricFeatures(metric=metric, frequency=plan.frequency, n_periods=plan.n_periods,
                                  series=plan.series, n_features=plan.n_features, cells=counts))
    return tuple(out)
