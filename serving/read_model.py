"""The read model behind the API: the forecast store, the history store, the quarantine and manifest and the
reference hierarchy, held in an in-memory DuckDB database (the store itself stays on disk, a view over
its Parquet files) and rebuilt when a new forecast run is published, an ingest commits or the panel is
rebuilt (the stat of `forecasts/_runs.parquet`, `manifest/files.parquet` and `panel.zarr/zarr.json`).

Tables of a snapshot: units (serving.units), lao_parents (every LAO's key per level), forecasts (every
published metric and level), welfare (the forecast store's welfare budget), manifest, quarantine_counts
(records per file and reason); view: store (hive-partitioned metric=/fiscal_year=), and per metric, made
on first use, store_<metric> (its records in memory, so a history query reads no file). Each query runs
on its own cursor, so concurrent requests never share a DuckDB connection."""

from __future__ import annotations

import atexit
import datetime as dt
import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from khlang.catalog import Catalog
from khlang.config import Settings
from khlang.domain.hierarchy import LEVELS, lao_parents
from khlang.domain.metrics import METRICS
from khlang.domain.reference import ReferenceData
from pipelines.schema import MANIFEST_SCHEMA, STORE_SCHEMA
from serving.forecast_index import ForecastIndex
from serving.history import HistorySeries, PanelBlock, from_panel, from_store_rows, store_history_sql
from serving.olap import AggregateQuery, cube_sql, from_cube_sql
from serving.units import UNIT_COLUMNS, Units, unit_table

_log = logging.getLogger(__name__)
__all__ = ["ReadModel", "Snapshot", "fingerprint", "fiscal_year_sql"]

_FORECAST_COLUMNS = {"key": "bigint", "date": "timestamp", "step": "bigint", "forecast": "double",
                     "base_forecast": "double", "lo80": "double", "hi80": "double", "lo95": "double",
                     "hi95": "double", "model": "varchar", "family": "varchar", "model_name": "varchar",
                     "model_version": "varchar", "run_id": "varchar", "published_at": "timestamptz"}
_WELFARE_COLUMNS = {"level": "varchar", "key": "bigint", "fiscal_year": "bigint", "item": "varchar",
                    "months": "bigint", "recipients": "double", "rate_baht": "double", "baht": "double",
                    "baht_lo95_sum": "double", "baht_hi95_sum": "double"}


# The read-ahead threads: told to stop and waited for at exit, so a process never exits while DuckDB builds a
# table on one of them (a daemon thread inside DuckDB at interpreter shutdown aborts the process).
_READ_AHEAD_STOP = threading.Event()
_READ_AHEAD: list[threading.Thread] = []


@atexit.register
def _stop_read_ahead() -> None:
    _READ_AHEAD_STOP.set()
    for thread in list(_READ_AHEAD):
        thread.join(timeout=60)


def fiscal_year_sql(column: str) -> str:
    """DuckDB expression: the Thai fiscal year (BE) of a date column (October starts the next one)."""
    return f"cast(year({column}) + 543 + case when month({column}) >= 10 then 1 else 0 end as integer)"


def fingerprint(catalog: Catalog) -> tuple:
    """What changes when forecasts are published, an ingest commits or the panel is rebuilt."""
    out = []
    for path in (catalog.forecast_runs, catalog.manifest_file, catalog.panel / "zarr.json"):
        try:
            st = path.stat()
            out.append((st.st_ino, st.st_mtime_ns, st.st_size))
        except FileNotFoundError:
            out.append(None)
    return tuple(out)


def _sql_text(text: str) -> str:
    """A path as the inside of a SQL string literal."""
    return text.replace("'", "''")


def _sql_list(paths: list[Path]) -> str:
    return "[" + ", ".join(f"'{_sql_text(str(p))}'" for p in paths) + "]"


def _empty_table(con: duckdb.DuckDBPyConnection, name: str, columns: dict[str, str]) -> None:
    con.execute(f"create table {name} ({', '.join(f'{c} {t}' for c, t in columns.items())})")


def _create_from_parquet(con: duckdb.DuckDBPyConnection, name: str, files: list[Path], columns: dict[str, str],
                         order: str, extra: str = "") -> None:
    """A table of exactly `columns` from Parquet files (a column missing from the files is NULL)."""
    if not files:
        _empty_table(con, name, {**columns, **({"metric": "varchar", "level": "varchar"} if extra else {})})
        return
    present = {row[0] for row in con.execute(
        f"describe select * from read_parquet({_sql_list(files)}, hive_partitioning = true, union_by_name = true)"
    ).fetchall()}
    select = ", ".join(f"cast({c} as {t}) as {c}" if c in present else f"cast(null as {t}) as {c}"
                       for c, t in columns.items())
    con.execute(f"create table {name} as select {extra}{select} from read_parquet({_sql_list(files)}, "
                f"hive_partitioning = true, union_by_name = true) order by {order}")


def _schema_columns(schema: pa.Schema) -> dict[str, str]:
    types = {pa.string(): "varchar", pa.int16(): "smallint", pa.int32(): "integer", pa.int64(): "bigint",
             pa.float64(): "double", pa.date32(): "date"}
    return {f.name: types.get(f.type, "timestamptz") for f in schema}


class Snapshot:
    """The read model's tables at one fingerprint (see the module docstring); immutable once built."""

    def __init__(self, catalog: Catalog, reference: ReferenceData, units: Units, stamp: tuple) -> None:
        self.catalog, self.fingerprint, self.units = catalog, stamp, units
        tmp = catalog.tmp / "duckdb"
        tmp.mkdir(parents=True, exist_ok=True)
        self.con = duckdb.connect(":memory:", config={"temp_directory": str(tmp)})
        con = self.con
        con.register("units_frame", units.table[UNIT_COLUMNS])
        con.execute("create table units as select * from units_frame order by level, code")
        con.unregister("units_frame")
        con.register("parents_frame", lao_parents(reference))
        con.execute("create table lao_parents as select * from parents_frame order by lao")
        con.unregister("parents_frame")
        forecasts = sorted(catalog.forecasts.glob("metric=*/level=*/part.parquet"))
        _create_from_parquet(con, "forecast_rows", forecasts, _FORECAST_COLUMNS, "metric, level, key, step",
                             extra="metric, level, ")
        # Date text and fiscal year made once here rather than in every request.
        con.execute(f"create table forecasts as select *, strftime(date, '%Y-%m-%d') as day, "
                    f"{fiscal_year_sql('date')} as fiscal_year from forecast_rows order by metric, level, key, step")
        con.execute("drop table forecast_rows")
        self.forecast_index = ForecastIndex(con.execute(
            "select metric, level, key, day as date, fiscal_year, step, forecast, lo80, hi80, lo95, hi95, "
            "base_forecast, model, family, model_name, model_version, run_id from forecasts").df())
        welfare = sorted(catalog.welfare_budget.glob("part.parquet"))
        _create_from_parquet(con, "welfare", welfare, _WELFARE_COLUMNS, "level, key, fiscal_year, item")
        manifest = [catalog.manifest_file] if catalog.manifest_file.is_file() else []
        _create_from_parquet(con, "manifest", manifest, _schema_columns(MANIFEST_SCHEMA), "source_file")
        quarantine = sorted(catalog.quarantine.glob("batch=*/part.parquet"))
        if quarantine:
            con.execute(f"create table quarantine_counts as select source_file, reason, count(*) as records "
                        f"from read_parquet({_sql_list(quarantine)}) group by all order by source_file, reason")
        else:
            _empty_table(con, "quarantine_counts", {"source_file": "varchar", "reason": "varchar", "records": "bigint"})
        if any(catalog.store.glob("metric=*/fiscal_year=*/*.parquet")):
            pattern = _sql_text(str(catalog.store / "metric=*" / "fiscal_year=*" / "*.parquet"))
            con.execute(f"create view store as select * from read_parquet('{pattern}', hive_partitioning = true, "
                        f"union_by_name = true)")
        else:
            _empty_table(con, "store", {**_schema_columns(STORE_SCHEMA), "fiscal_year": "bigint"})
        self.axes = {m: (first, last) for m, first, last in con.execute(
            "select metric, min(period), max(period) from store group by metric").fetchall()}
        runs_path = catalog.forecast_runs
        self.runs = pd.read_parquet(runs_path) if runs_path.is_file() else pd.DataFrame()
        self._published_at = ({} if self.runs.empty else {
            family: pd.Timestamp(at).to_pydatetime()
            for family, at in self.runs.groupby("family")["published_at"].max().items()})
        manifest_path = catalog.manifest_file
        self.manifest_sha256 = hashlib.sha256(manifest_path.read_bytes()).hexdigest() if manifest_path.is_file() else None
        self.published_metrics = {m for (m,) in con.execute("select distinct metric from forecasts").fetchall()}
        self._panels: dict[tuple[str, str], PanelBlock | None] = {}
        self._store_tables: set[str] = set()
        self._lock = threading.Lock()  # the panel cache
        # one lock per metric: a request for a metric whose table is read waits for that one only
        self._store_locks = {metric: threading.Lock() for metric in METRICS}
        self._cubes: set[str] = set()
        self._cube_locks: dict[tuple[str, str, str], threading.Lock] = {}

    def rows(self, sql: str, params: list | tuple = ()) -> list[dict[str, Any]]:
        """The query's rows as dicts (NaN and infinities as None), on a cursor of its own."""
        cursor = self.con.cursor()
        try:
            result = cursor.execute(sql, list(params))
            names = [d[0] for d in result.description]
            return [{n: _plain(v) for n, v in zip(names, row, strict=True)} for row in result.fetchall()]
        finally:
            cursor.close()

    def fetch(self, sql: str, params: list | tuple = ()) -> list[tuple]:
        cursor = self.con.cursor()
        try:
            return cursor.execute(sql, list(params)).fetchall()
        finally:
            cursor.close()

    # -- history ------------------------------------------------------------------------------------
    def panel_block(self, metric: str, level: str) -> PanelBlock | None:
        """The panel of (metric, level) read whole, or None when there is none or it predates the store."""
        key = (metric, level)
        with self._lock:
            if key not in self._panels:
                self._panels[key] = self._read_panel(metric, level)
        block = self._panels[key]
        return block if block is not None and block.manifest_sha256 == self.manifest_sha256 else None

    def _read_panel(self, metric: str, level: str) -> PanelBlock | None:
        from pipelines.panel import open_panel

        try:
            panel = open_panel(self.catalog, metric, level)
        except (FileNotFoundError, KeyError):  # no panel at all, or none for this metric
            return None
        return PanelBlock(values=np.asarray(panel.values[:]), coverage=np.asarray(panel.coverage[:]),
                          series=np.asarray(panel.series), periods=np.asarray(panel.periods),
                          manifest_sha256=panel.attrs.get("source_manifest_sha256"))

    def store_table(self, metric: str) -> str:
        """The name of an in-memory table of the metric's stored records (lao, period, value, fiscal_year),
        read from the store's Parquet files on first use: a query then reads no file."""
        if metric not in METRICS:
            raise KeyError(f"unknown metric {metric!r}")
        name = f"store_{metric}"
        with self._store_locks[metric]:
            if name not in self._store_tables:
                cursor = self.con.cursor()  # requests query on cursors of their own meanwhile
                try:
                    if metric in self.axes:
                        pattern = str(self.catalog.store / f"metric={metric}" / "fiscal_year=*" / "*.parquet")
                        cursor.execute(
                            f"create table {name} as select cast(lao_code as bigint) as lao, period, value, "
                            f"cast(fiscal_year as integer) as fiscal_year from read_parquet('{_sql_text(pattern)}', "
                            f"hive_partitioning = true, union_by_name = true) order by lao, period")
                    else:
                        _empty_table(cursor, name, {"lao": "bigint", "period": "date", "value": "double",
                                                    "fiscal_year": "integer"})
                finally:
                    cursor.close()
                self._store_tables.add(name)
        return name

    def warm(self) -> None:
        """Read every metric's store table and build its aggregate cubes now (ReadModel starts this in a
        thread for each new snapshot), so no first aggregate waits for them (seconds at thailand scale)."""
        for metric in METRICS:
            if _READ_AHEAD_STOP.is_set():
                return
            sources = [s for s, has in (("forecast", metric in self.published_metrics), ("history", metric in self.axes))
                       if has]
            try:
                for source in sources:
                    for level in LEVELS:
                        if _READ_AHEAD_STOP.is_set():
                            return
                        self.cube_table(metric, source, level)
            except duckdb.Error as error:  # a store swapped meanwhile: that one is read on first use
                _log.warning("tables of %s not read ahead: %s", metric, error)

    def history(self, metric: str, level: str, code: int) -> HistorySeries:
        """The unit's reported history (panel when current, else summed from the store)."""
        block = self.panel_block(metric, level)
        if block is not None:
            return from_panel(block, code)
        first, last = self.axes.get(metric, (None, None))
        rows = self.fetch(store_history_sql(level, self.store_table(metric)), [int(code)])
        return from_store_rows(metric, rows, first, last)

    def latest_per_lao(self, metric: str) -> dict[str, float]:
        """Each LAO's latest stored value of the metric (7-digit code -> value), e.g. its registered population."""
        rows = self.fetch(f"select lao, arg_max(value, period) from {self.store_table(metric)} "
                          "where value is not null group by lao")
        return {f"{int(lao):07d}": float(value) for lao, value in rows}

    # -- aggregate ----------------------------------------------------------------------------------
    def aggregate(self, query: AggregateQuery) -> list[dict[str, Any]]:
        """The query's rows, summed from its (metric, source, level) cube (serving.olap.cube_sql)."""
        sql, params = from_cube_sql(query.validate(), self.cube_table(query.metric, query.source, query.level))
        return self.rows(sql, params)

    def cube_table(self, metric: str, source: str, level: str) -> str:
        """The name of the in-memory cube of (metric, source, level), built on first use (or by warm)."""
        key = (metric, source, level)
        name = f"cube_{metric}_{source}_{level}"
        with self._cube_locks.setdefault(key, threading.Lock()):
            if name not in self._cubes:
                store = self.store_table(metric) if source == "history" else "store_unused"
                sql, params = cube_sql(metric, source, level, store)
                cursor = self.con.cursor()
                try:
                    cursor.execute(f"create table {name} as {sql}", params)
                finally:
                    cursor.close()
                self._cubes.add(name)
        return name

    def panel_current(self) -> bool:
        """Whether every published metric has a panel built from the current store (else history is summed
        from the store itself)."""
        return all(self.panel_block(m, "nation") is not None for m in sorted(self.published_metrics))

    @property
    def data_as_of(self) -> str | None:
        """YYYY-MM of the latest month in the store."""
        last = max((last for _, last in self.axes.values()), default=None)
        return None if last is None else f"{last:%Y-%m}"

    @property
    def published_at(self) -> dt.datetime | None:
        if self.runs.empty:
            return None
        return pd.Timestamp(self.runs["published_at"].max()).to_pydatetime()

    @property
    def families(self) -> list[str]:
        return [] if self.runs.empty else sorted(self.runs["family"].astype(str).unique())

    def family_published_at(self, family: str) -> dt.datetime | None:
        """When the family's forecasts were published (UTC)."""
        return self._published_at.get(family)


def _plain(value: Any) -> Any:
    """JSON-safe scalars: NaN/inf -> None, numpy scalars -> Python."""
    if isinstance(value, float):
        return value if np.isfinite(value) else None
    if isinstance(value, np.generic):
        return _plain(value.item())
    return value


@dataclass
class _Cached:
    stamp: tuple
    at: float
    value: Any


class ReadModel:
    """The current Snapshot, rebuilt on the first request after the fingerprint changes."""

    def __init__(self, catalog: Catalog, settings: Settings, reference: Callable[[], ReferenceData]) -> None:
        self.catalog, self.settings = catalog, settings
        self._reference = reference
        self._units: Units | None = None
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()
        self._models: _Cached | None = None

    @property
    def units(self) -> Units:
        """The units of the reference data (made once: the reference does not change while serving)."""
        if self._units is None:
            self._units = Units(unit_table(self._reference()))
        return self._units

    def snapshot(self) -> Snapshot:
        """The snapshot of the current files (one stat per file per request; a rebuild when they changed)."""
        stamp = fingerprint(self.catalog)
        current = self._snapshot
        if current is not None and current.fingerprint == stamp:
            return current
        with self._lock:
            current = self._snapshot
            if current is not None and current.fingerprint == stamp:
                return current
            # A publish or ingest may swap files while they are read: then read again once it is done.
            for attempt in range(3):
                try:
                    current = Snapshot(self.catalog, self._reference(), self.units, stamp)
                    break
                except (FileNotFoundError, duckdb.IOException):
                    if attempt == 2:
                        raise
                    time.sleep(0.2)
                    stamp = fingerprint(self.catalog)
            self._snapshot = current
            thread = threading.Thread(target=current.warm, name="khlang-read-ahead", daemon=True)
            _READ_AHEAD[:] = [t for t in _READ_AHEAD if t.is_alive()] + [thread]
            thread.start()
            return current

    def models(self, max_age_s: float) -> list[dict]:
        """serving.model_registry_view.model_families, reused for `max_age_s` or until a new publish."""
        from serving.model_registry_view import model_families

        snapshot = self.snapshot()
        cached = self._models
        if cached is not None and cached.stamp == snapshot.fingerprint and time.monotonic() - cached.at < max_age_s:
            return cached.value
        value = model_families(self.catalog, self.settings, snapshot.families)
        self._models = _Cached(snapshot.fingerprint, time.monotonic(), value)
        return value
