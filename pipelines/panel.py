"""The panel: the store's long records as dense Zarr v3 arrays [series, period] per metric and level.

Layout of catalog.panel (work/panel.zarr):
    <metric>/<level>/values    float32 [series, period], NaN = no report; chunks = blocks of series
    <metric>/<level>/coverage  int16, same shape and chunks: number of LAOs behind each value
    <metric>/<level>/series    int64 keys: LAO code | district code | TIS province code | region | 0
    <metric>/<level>/periods   int32 month index (khlang.domain.calendar.month_index); attrs iso_months
    hierarchy/{lao,district,province,region,nation}  int64: every reference LAO's key at each level
Level groups carry metric, unit, frequency, level, labels, source manifest checksum, created, cells.

Three engine maps: scan the store's partitions (time axis, units), write the LAO level one block of
series per task, then aggregate each higher level straight from the LAO level one block per task.
The client only creates arrays and swaps the finished folder in; workers write their own chunks."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.compute as pc
import pyarrow.dataset as ds
import zarr

from cluster.engine import Engine
from khlang.catalog import Catalog
from khlang.domain.calendar import month_from_index
from khlang.domain.hierarchy import LEVELS, lao_parents, series_keys
from khlang.domain.metrics import METRICS, Metric, reports_metric
from khlang.domain.metrics import metric as metric_entry
from khlang.domain.reference import ReferenceData
from khlang.locks import exclusive_lock
from khlang.swap import recover, swap_in
from pipelines.aggregate import aggregate, dense_block, month_numbers, reporting, time_axis

__all__ = ["build_panels", "open_panel", "PanelReport", "MetricPanel", "Panel", "PanelError"]

SERIES_KEY = {"lao": "lao_code", "district": "district_code", "province": "province_code",
              "region": "region_code", "nation": "nation"}
_HIERARCHY = "hierarchy"


class PanelError(RuntimeError):
    """The panel cannot be built (store changed during the build, mixed units, another build running)."""


@dataclass(frozen=True)
class MetricPanel:
    """What was built for one metric: its time axis and non-NaN cells per level."""

    metric: str
    unit: str
    frequency: str
    first_period: dt.date
    last_period: dt.date
    n_periods: int
    series: dict[str, int]
    cells: dict[str, int]
    store_records: int
    laos_outside_panel: int  # LAO codes in the store but not in the reference or not reporting the metric


@dataclass(frozen=True)
class PanelReport:
    path: Path
    manifest_sha256: str | None
    metrics: tuple[MetricPanel, ...]
    skipped: tuple[str, ...] = ()  # requested metrics with nothing in the store
    kept: tuple[str, ...] = ()  # metrics carried over unchanged from the previous panel
    seconds: float = 0.0
    engine: str = ""

    def summary(self) -> str:
        lines = [f"panel {self.path} ({len(self.metrics)} metrics, {self.seconds:.1f} s on {self.engine})"]
        for m in self.metrics:
            lines.append(f"  {m.metric:<22} {m.frequency} {m.first_period:%Y-%m}..{m.last_period:%Y-%m} "
                         f"{m.series['lao']:>5} LAOs, {m.cells['lao']:>8} cells ({m.unit})")
        lines += [f"  skipped (not in store): {', '.join(self.skipped)}"] if self.skipped else []
        lines += [f"  kept from previous panel: {', '.join(self.kept)}"] if self.kept else []
        return "\n".join(lines)


@dataclass(frozen=True)
class Panel:
    """One metric at one level: values/coverage as Zarr arrays (slice them to read), keys, periods."""

    values: zarr.Array
    coverage: zarr.Array
    series: np.ndarray  # int64
    periods: np.ndarray  # int32 month index
    attrs: dict[str, Any] = field(default_factory=dict)

    def period_dates(self) -> list[dt.date]:
        return [month_from_index(i) for i in self.periods]


def open_panel(catalog: Catalog, metric: str, level: str) -> Panel:
    """Read-only view of `<metric>/<level>` in catalog.panel."""
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; levels: {LEVELS}")
    group = zarr.open_group(str(catalog.panel), mode="r")[f"{metric}/{level}"]
    return Panel(values=group["values"], coverage=group["coverage"], series=group["series"][:],
                 periods=group["periods"][:], attrs=dict(group.attrs))


# --- tasks run on the workers (top-level, small picklable items) ---------------------------------

@dataclass(frozen=True)
class _Scan:
    metric: str
    files: tuple[str, ...]


@dataclass(frozen=True)
class _ScanResult:
    first: int
    last: int
    units: frozenset[str]
    records: int
    lao_codes: frozenset[str]


@dataclass(frozen=True)
class _Block:
    panel: str
    metric: str
    level: str
    start: int
    stop: int
    files: tuple[str, ...] = ()


def _scan_partition(item: _Scan) -> _ScanResult:
    """Month range, units and LAO codes of one store partition (metric, fiscal year)."""
    table = ds.dataset(list(item.files), format="parquet").to_table(columns=["lao_code", "period", "unit"])
    months = month_numbers(table.column("period").to_numpy())
    return _ScanResult(first=int(months.min()), last=int(months.max()),
                       units=frozenset(pc.unique(table.column("unit")).to_pylist()), records=table.num_rows,
                       lao_codes=frozenset(pc.unique(table.column("lao_code")).to_pylist()))


def _write_lao_block(item: _Block) -> int:
    """Read one block of LAOs' records of a metric from the store; write its chunk. Returns cells."""
    group = zarr.open_group(item.panel, mode="r+")[f"{item.metric}/lao"]
    series = group["series"][item.start:item.stop]
    periods = group["periods"][:]
    codes = [f"{key:07d}" for key in series]
    records = ds.dataset(list(item.files), format="parquet").to_table(
        columns=["lao_code", "period", "value"], filter=pc.field("lao_code").isin(codes)).to_pandas(
        date_as_object=False)
    block = dense_block(records, series, periods)
    group["values"][item.start:item.stop, :] = block
    coverage = reporting(block)
    group["coverage"][item.start:item.stop, :] = coverage
    return int(coverage.sum())


def _write_level_block(item: _Block) -> int:
    """Aggregate the LAO level into one block of a higher level's series; write its chunk."""
    root = zarr.open_group(item.panel, mode="r+")
    lao = root[f"{item.metric}/lao"]
    target = root[f"{item.metric}/{item.level}"]
    hierarchy_lao = root[f"{_HIERARCHY}/lao"][:]
    hierarchy_parent = root[f"{_HIERARCHY}/{item.level}"][:]
    lao_series = lao["series"][:]
    parent_of = hierarchy_parent[np.searchsorted(hierarchy_lao, lao_series)]
    values, coverage = aggregate(lao["values"][:], lao["coverage"][:], parent_of,
                                 target["series"][item.start:item.stop])
    target["values"][item.start:item.stop, :] = values
    target["coverage"][item.start:item.stop, :] = coverage
    return int((coverage > 0).sum())


# --- the client: plan, create arrays, run the maps, swap ------------------------------------------

def _manifest_sha256(catalog: Catalog) -> str | None:
    path = catalog.manifest_file
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def _store_files(catalog: Catalog, metric: str) -> dict[str, tuple[str, ...]]:
    """Parquet files per fiscal-year partition of a metric (hidden and in-flight files left out)."""
    out: dict[str, tuple[str, ...]] = {}
    for part in sorted((catalog.store / f"metric={metric}").glob("fiscal_year=*")):
        files = tuple(str(f) for f in sorted(part.glob("*.parquet")) if not f.name.startswith((".", "_")))
        if files:
            out[part.name] = files
    return out


def _store_metrics(catalog: Catalog) -> list[str]:
    found = [p.name.removeprefix("metric=") for p in sorted(catalog.store.glob("metric=*"))]
    return [m for m in found if m in METRICS]


def _create_level(root: zarr.Group, metric: Metric, level: str, keys: np.ndarray, periods: np.ndarray,
                  block_series: int, attrs: dict[str, Any]) -> zarr.Group:
    group = root.require_group(metric.name).create_group(level, attributes={**attrs, "level": level})
    shape, chunks = (len(keys), len(periods)), (max(1, min(block_series, len(keys))), max(1, len(periods)))
    group.create_array("values", shape=shape, chunks=chunks, dtype="float32", fill_value=np.nan,
                       dimension_names=("series", "period"), attributes={"unit": metric.unit})
    group.create_array("coverage", shape=shape, chunks=chunks, dtype="int16", fill_value=0,
                       dimension_names=("series", "period"), attributes={"unit": "reporting LAOs"})
    group.create_array("series", data=keys.astype(np.int64), dimension_names=("series",),
                       attributes={"key": SERIES_KEY[level]})
    group.create_array("periods", data=periods.astype(np.int32), dimension_names=("period",),
                       attributes={"encoding": "months since 1970-01", "iso_months":
                                   [f"{month_from_index(i):%Y-%m}" for i in periods]})
    return group


def _blocks(panel: str, metric: str, level: str, n: int, block_series: int,
            files: tuple[str, ...] = ()) -> list[_Block]:
    return [_Block(panel, metric, level, start, min(start + block_series, n), files)
            for start in range(0, n, block_series)]


def _build_lock(catalog: Catalog) -> contextlib.AbstractContextManager[None]:
    return exclusive_lock(catalog.run / "panel.lock", "panel build")


def build_panels(catalog: Catalog, reference: ReferenceData, engine: Engine, metrics: list[str] | None = None,
                 block_series: int = 1024, progress: Callable[[str, int, int], None] | None = None) -> PanelReport:
    """Build catalog.panel from catalog.store: all metrics in the store, or only `metrics` (the others
    are kept from the previous panel). Atomic: built beside the target, then swapped in.
    `progress(stage, done, total)` is called as each stage starts and ends."""
    started = time.perf_counter()
    say = progress or (lambda stage, done, total: None)
    if block_series < 1:
        raise ValueError("block_series must be >= 1")
    target = Path(catalog.panel)
    with _build_lock(catalog):
        recover(target)
        manifest = _manifest_sha256(catalog)
        wanted = _store_metrics(catalog) if metrics is None else [metric_entry(m).name for m in metrics]
        files = {m: _store_files(catalog, m) for m in wanted}
        skipped = tuple(m for m in wanted if not files[m])
        wanted = [m for m in wanted if files[m]]

        scans = [_Scan(m, fy_files) for m in wanted for fy_files in files[m].values()]
        say("panel: scan store partitions", 0, len(scans))
        scanned = engine.map(_scan_partition, scans)
        say("panel: scan store partitions", len(scans), len(scans))

        build_id = f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
        tmp = target.with_name(f"{target.name}.tmp-{build_id}")
        try:
            report = _build(catalog, reference, engine, tmp, wanted, files, scans, scanned, manifest,
                            block_series, say)
            if _manifest_sha256(catalog) != manifest:
                raise PanelError("the store changed during the build (manifest differs); run it again")
            kept = _keep_previous(target, tmp, wanted) if metrics is not None else ()
            swap_in(tmp, target, build_id)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return PanelReport(path=target, manifest_sha256=manifest, metrics=tuple(report), skipped=skipped,
                       kept=kept, seconds=time.perf_counter() - started, engine=engine.describe())


def _keep_previous(target: Path, tmp: Path, rebuilt: list[str]) -> tuple[str, ...]:
    """Copy the previous panel's other metrics into the new one (a partial rebuild keeps them)."""
    if not target.is_dir():
        return ()
    kept = []
    for group in sorted(p for p in target.iterdir() if p.is_dir()):
        if group.name in METRICS and group.name not in rebuilt:
            shutil.copytree(group, tmp / group.name)
            kept.append(group.name)
    if kept:
        root = zarr.open_group(str(tmp), mode="r+")
        root.attrs["metrics"] = sorted([*root.attrs["metrics"], *kept])
    return tuple(kept)


def _build(catalog: Catalog, reference: ReferenceData, engine: Engine, tmp: Path, wanted: list[str],
           files: dict[str, dict[str, tuple[str, ...]]], scans: list[_Scan], scanned: list[_ScanResult],
           manifest: str | None, block_series: int, say: Callable[[str, int, int], None]) -> list[MetricPanel]:
    created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    root = zarr.open_group(str(tmp), mode="w", attributes={
        "created": created, "source_manifest_sha256": manifest, "metrics": sorted(wanted),
        "levels": list(LEVELS), "layout": "<metric>/<level>/{values,coverage,series,periods}"})
    parents = lao_parents(reference).sort_values("lao").reset_index(drop=True)
    hierarchy = root.create_group(_HIERARCHY, attributes={"note": "key of every reference LAO at each "
                                                          "level; district -1: province-wide unit"})
    for level in LEVELS:
        hierarchy.create_array(level, data=parents[level].to_numpy(np.int64), dimension_names=("lao",))
    lao_types = reference.laos.set_index(reference.laos["lao_code"].astype("int64"))["lao_type"]

    plans: dict[str, dict[str, Any]] = {}
    lao_items: list[_Block] = []
    level_items: list[_Block] = []
    for name in wanted:
        metric = METRICS[name]
        results = [r for s, r in zip(scans, scanned, strict=True) if s.metric == name]
        units = frozenset().union(*(r.units for r in results))
        if units != {metric.unit}:
            raise PanelError(f"{name}: store units {sorted(units)}, catalogue says {metric.unit!r}")
        periods = time_axis(min(r.first for r in results), max(r.last for r in results), metric.frequency)
        applicable = np.array([k for k in parents["lao"] if reports_metric(lao_types[k], metric)], np.int64)
        stored_codes = {int(c) for r in results for c in r.lao_codes}
        outside = stored_codes - set(applicable.tolist())
        attrs = {"metric": name, "unit": metric.unit, "frequency": metric.frequency,
                 "label_th": metric.label_th, "label_en": metric.label_en,
                 "source_manifest_sha256": manifest, "created": created}
        sizes = {}
        for level in LEVELS:
            keys = applicable if level == "lao" else series_keys(reference, level)
            _create_level(root, metric, level, keys, periods, block_series, attrs)
            sizes[level] = len(keys)
            if level == "lao":
                lao_items += _blocks(str(tmp), name, level, len(keys), block_series,
                                     tuple(f for fy in files[name].values() for f in fy))
            else:
                level_items += _blocks(str(tmp), name, level, len(keys), block_series)
        plans[name] = {"periods": periods, "sizes": sizes, "records": sum(r.records for r in results),
                       "outside": len(outside)}

    say("panel: LAO blocks", 0, len(lao_items))
    lao_cells = engine.map(_write_lao_block, lao_items)
    say("panel: LAO blocks", len(lao_items), len(lao_items))
    say("panel: aggregate levels", 0, len(level_items))
    level_cells = engine.map(_write_level_block, level_items)
    say("panel: aggregate levels", len(level_items), len(level_items))

    cells: dict[tuple[str, str], int] = {}
    for item, n in zip([*lao_items, *level_items], [*lao_cells, *level_cells], strict=True):
        cells[item.metric, item.level] = cells.get((item.metric, item.level), 0) + n
    out = []
    for name in wanted:
        plan = plans[name]
        for level in LEVELS:
            root[f"{name}/{level}"].attrs["non_nan_cells"] = cells.get((name, level), 0)
        out.append(MetricPanel(
            metric=name, unit=METRICS[name].unit, frequency=METRICS[name].frequency,
            first_period=month_from_index(plan["periods"][0]), last_period=month_from_index(plan["periods"][-1]),
            n_periods=len(plan["periods"]), series=plan["sizes"],
            cells={level: cells.get((name, level), 0) for level in LEVELS}, store_records=plan["records"],
            laos_outside_panel=plan["outside"]))
    return out
