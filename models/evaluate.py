"""`khlang evaluate`: the project's backtest and models on any long-format file (unique_id, ds, y).

A data scientist brings a CSV or Parquet file of one row per (series, period) at a frequency M, Q, W, D,
H or Y. `read_long` checks it and lays it out as a dense float64 [series, period] block on a regular
period axis (NaN = gap); `evaluate` backtests every candidate at rolling origins (models.backtest),
scores the conformal intervals of each origin calibrated on the other origins, pooled (models.intervals)
and returns an `EvaluateReport`: one row per model, best MASE first, that prints as a rich table and
logs to MLflow (experiment khlang-evaluate). MASE scales by the seasonal difference of the frequency's
season (12 months, 4 quarters, 52 weeks, 7 days, 24 hours; a year has none: naive differences).

The global XGBoost model builds Thai fiscal-calendar features from month indices. Monthly files get
their true months; every other frequency gets an axis where each column is the same January, so the
calendar columns are constant in training and no tree can split on them (passing no periods would
read the columns as consecutive months and hand the model a spurious 12-period cycle). Prophet is run
on monthly files only: its dates, yearly seasonality and seasonal-naive fallback are monthly."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd
from mlflow.entities import Metric, Param
from mlflow.tracking import MlflowClient
from rich.table import Table

from cluster.engine import Engine
from khlang.catalog import Catalog
from models.backtest import MIN_ORIGINS, Backtest, rolling_origin_backtest
from models.baselines import Forecaster, HistoricMean, Naive, SeasonalNaive, check_history
from models.intervals import LEVELS, cross_origin_coverage
from models.prophet_model import MIN_OBSERVED, ProphetForecaster
from models.tracking import (
    TAG,
    artifact_root,
    code_version,
    experiment_name,
    local_tracking_uri,
    metric_key,
    using_tracking_uri,
)
from models.xgb_global import XGBGlobalForecaster

__all__ = ["FREQS", "SEASON_LENGTH", "COLUMNS", "EXPERIMENT", "LongData", "Drift", "EvaluateReport",
           "read_long", "long_data", "periods_needed", "max_origins", "candidate_models", "evaluate",
           "evaluate_file"]

SEASON_LENGTH = {"M": 12, "Q": 4, "W": 52, "D": 7, "H": 24, "Y": 1}  # periods per season of each frequency
FREQS = tuple(SEASON_LENGTH)
_PANDAS_FREQ = {"M": "M", "Q": "Q", "W": "W", "D": "D", "H": "h", "Y": "Y"}  # pandas period aliases
COLUMNS = ("unique_id", "ds", "y")
EXPERIMENT = experiment_name("evaluate")  # khlang-evaluate
SEED = 2568
XGB_ESTIMATORS = 100  # a modest forest: evaluation fits one per origin
_SHOWN_ROWS = 10  # bad rows named in an error message


# --- reading a long file ---------------------------------------------------------------------------

@dataclass(frozen=True)
class LongData:
    """A long file laid out as a dense float64 [series, period] block, NaN where a period has no row."""

    block: np.ndarray  # float64 [series, period], the file's unit
    series: np.ndarray  # [series] unique_id keys (str), sorted
    periods: pd.PeriodIndex  # [period] the regular axis from the first to the last period of the file
    freq: str  # one of FREQS
    source: str = "<frame>"  # file name
    sha256: str = ""  # of the file's bytes ("" for a frame built in memory)
    n_rows: int = 0  # data rows read

    @property
    def period(self) -> int:
        """The season length of the frequency (periods)."""
        return SEASON_LENGTH[self.freq]

    def month_indices(self) -> np.ndarray | None:
        """Months since January 1970 of each column (khlang.domain.calendar.month_index); None unless monthly."""
        return self.periods.asi8.astype(np.int64) if self.freq == "M" else None


def _check_freq(freq: str) -> str:
    code = str(freq).upper()
    if code not in SEASON_LENGTH:
        raise ValueError(f"freq must be one of {'|'.join(FREQS)}; got {freq!r}")
    return code


def _rows(mask: np.ndarray | pd.Series) -> str:
    """Row numbers (1 = the first data row) of a mask, the first few of them."""
    rows = np.flatnonzero(np.asarray(mask)) + 1
    shown = ", ".join(str(r) for r in rows[:_SHOWN_ROWS])
    return f"row{'s' if rows.size > 1 else ''} {shown}{' …' if rows.size > _SHOWN_ROWS else ''} ({rows.size} in all)"


def _period_start(text: str, pandas_freq: str) -> pd.Timestamp:
    """The first instant of the period a string names ('2013Q1'), NaT when it names none."""
    try:
        period = pd.Period(text, freq=pandas_freq)
    except (ValueError, TypeError, OverflowError):
        return pd.NaT
    return pd.NaT if period is pd.NaT else period.start_time


def _parse_periods(ds: pd.Series, freq: str) -> pd.PeriodIndex:
    """Each ds as a period of freq: ISO dates and times ('2013', '2013-05', '2013-05-03 04:00'), pandas
    period strings ('2013Q1'), or datetimes; a date anywhere inside a period names that period."""
    pandas_freq = _PANDAS_FREQ[freq]
    if pd.api.types.is_datetime64_any_dtype(ds):
        stamps = pd.to_datetime(ds)
        if stamps.dt.tz is not None:
            stamps = stamps.dt.tz_localize(None)  # the wall-clock time the file shows
    else:
        text = ds.astype("string").str.strip()
        stamps = pd.to_datetime(text, format="ISO8601", errors="coerce")
        failed = stamps.isna() & text.notna()
        if failed.any():  # period strings such as 2013Q1, parsed once per distinct value
            starts = {value: _period_start(value, pandas_freq) for value in text[failed].unique()}
            stamps[failed] = text[failed].map(starts).astype(stamps.dtype)
    if stamps.isna().any():
        bad = stamps.isna().to_numpy()
        examples = ", ".join(repr(v) for v in ds[bad].head(3).tolist())
        raise ValueError(f"column ds: not a date at {_rows(bad)}, e.g. {examples}")
    return pd.PeriodIndex(stamps.dt.to_period(pandas_freq))


def long_data(frame: pd.DataFrame, freq: str, source: str = "<frame>", sha256: str = "") -> LongData:
    """The dense block of a long frame with columns unique_id, ds, y (extra columns are ignored).

    Empty y is a gap; text or infinite y, unreadable dates and repeated (unique_id, period) pairs are
    ValueErrors that name the rows."""
    freq = _check_freq(freq)
    missing = [column for column in COLUMNS if column not in frame.columns]
    if missing:
        raise ValueError(f"{source}: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}; "
                         f"a long file has {', '.join(COLUMNS)} (found {', '.join(map(str, frame.columns))})")
    frame = frame.reset_index(drop=True)
    keys = frame["unique_id"].astype("string").str.strip()
    if (no_key := keys.isna() | (keys == "")).any():
        raise ValueError(f"{source}: column unique_id: empty at {_rows(no_key)}")
    y = pd.to_numeric(frame["y"], errors="coerce").astype(np.float64)
    bad_y = (y.isna() & frame["y"].notna() & (frame["y"].astype("string").str.strip() != "")) | np.isinf(y)
    if bad_y.any():
        examples = ", ".join(repr(v) for v in frame["y"][bad_y].head(3).tolist())
        raise ValueError(f"{source}: column y: not a finite number at {_rows(bad_y)}, e.g. {examples}")
    ds = frame["ds"]
    if pd.api.types.is_integer_dtype(ds):
        ds = ds.astype("string")  # 2013 is a year, not nanoseconds since 1970
    try:
        periods = _parse_periods(ds, freq)
    except ValueError as error:
        raise ValueError(f"{source}: {error}") from None
    duplicated = pd.DataFrame({"key": keys, "period": periods}).duplicated(keep=False).to_numpy()
    if duplicated.any():
        first = int(np.argmax(duplicated))
        raise ValueError(f"{source}: (unique_id, ds) repeats at {_rows(duplicated)}, e.g. {keys.iloc[first]!r} at "
                         f"{periods[first]}; one row per series and period (freq {freq}: is the file finer than that?)")
    if frame.empty:
        raise ValueError(f"{source}: no data rows")

    series, row_of = np.unique(keys.to_numpy(dtype=str), return_inverse=True)
    ordinals = periods.asi8
    first, last = int(ordinals.min()), int(ordinals.max())
    axis = pd.period_range(start=pd.Period(ordinal=first, freq=periods.freq), periods=last - first + 1,
                           freq=periods.freq)
    block = np.full((series.size, axis.size), np.nan)
    block[row_of, ordinals - first] = y.to_numpy()
    return LongData(block=block, series=series, periods=axis, freq=freq, source=source, sha256=sha256,
                    n_rows=len(frame))


def read_long(path: str | Path, freq: str) -> LongData:
    """Read a long CSV or Parquet file (unique_id, ds, y) into its dense block at freq M|Q|W|D|H|Y."""
    path = Path(path)
    content = path.read_bytes()
    if path.suffix.lower() in (".parquet", ".pq"):
        frame = pd.read_parquet(path)
    else:
        # keys and dates as written: '0101' keeps its zero, '2013' stays a year
        frame = pd.read_csv(path, dtype={"unique_id": str, "ds": str}, keep_default_na=False,
                            na_values={"y": ["", "NA", "NaN", "nan", "null"]})
    return long_data(frame, freq, source=path.name, sha256=hashlib.sha256(content).hexdigest())


# --- how much data a backtest needs ------------------------------------------------------------------

def periods_needed(freq: str, horizon: int, n_origins: int = MIN_ORIGINS, step: int | None = None) -> int:
    """Periods a backtest of n_origins needs: a season and one period of history at the first origin (so
    its MASE scale exists), step periods between origins, horizon periods after the last."""
    step = horizon if step is None else step
    return SEASON_LENGTH[_check_freq(freq)] + 1 + step * (n_origins - 1) + horizon


def max_origins(n_periods: int, freq: str, horizon: int, step: int | None = None) -> int:
    """The most backtest origins n_periods hold (see periods_needed); below MIN_ORIGINS if too short."""
    step = horizon if step is None else step
    room = n_periods - SEASON_LENGTH[_check_freq(freq)] - 1 - horizon
    return room // step + 1 if room >= 0 else 0


# --- candidates ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Drift:
    """Random walk with drift: the last observed value + k x the mean one-step change of the history,
    k periods after that observation; (last - first) / (their distance), which is that mean across gaps
    too. A single observation has no drift (naive)."""

    name: str = "drift"

    def fit_predict(self, history: np.ndarray, horizon: int) -> np.ndarray:
        block = check_history(history, horizon)
        n_series, n_periods = block.shape
        if n_periods == 0:
            return np.full((n_series, horizon), np.nan)
        observed = ~np.isnan(block)
        first = np.argmax(observed, axis=1)
        last = n_periods - 1 - np.argmax(observed[:, ::-1], axis=1)
        rows = np.arange(n_series)
        last_value = np.where(observed.any(axis=1), block[rows, last], np.nan)
        span = (last - first).astype(np.float64)
        slope = np.zeros(n_series)
        np.divide(block[rows, last] - block[rows, first], span, out=slope, where=span > 0)
        ahead = (n_periods - 1 - last)[:, None] + np.arange(1, horizon + 1)[None, :]
        return last_value[:, None] + slope[:, None] * ahead


def candidate_models(data: LongData, engine: Engine | None = None, seed: int = SEED,
                     xgb_estimators: int = XGB_ESTIMATORS) -> tuple[dict[str, tuple[str, Forecaster]], dict[str, str]]:
    """({name: (kind, forecaster)}, {name: why it is not run}) for the data's frequency."""
    period = data.period
    models: dict[str, tuple[str, Forecaster]] = {}
    skipped: dict[str, str] = {}
    for baseline in (Naive(), SeasonalNaive(period), HistoricMean(), Drift()):
        models[baseline.name] = ("baseline", baseline)
    if period == 1:
        del models[SeasonalNaive(1).name]
        skipped["seasonal_naive"] = "a season of one period: the same forecasts as naive"
    # non-monthly: every column the same January, so the calendar columns are constant (module docstring)
    months = data.month_indices()
    calendar = months if months is not None else 12 * np.arange(data.block.shape[1], dtype=np.int64)
    xgb = XGBGlobalForecaster(engine=engine, n_estimators=xgb_estimators, seed=seed, periods=calendar)
    models[xgb.name] = ("model", xgb)
    if months is None:
        skipped["prophet"] = (f"monthly files only (its dates, yearly seasonality and fallback are monthly); "
                              f"this file is {data.freq}")
    else:
        prophet = ProphetForecaster(engine=engine, periods=months, seed=seed)
        models[prophet.name] = ("model", prophet)
    return models, skipped


@dataclass
class _Guarded:
    """A forecaster that records, instead of raising, why it could not forecast an origin (and its time);
    after a failure it forecasts NaN without trying again. Prophet's seasonal-naive fallbacks are counted."""

    model: Forecaster
    failure: str | None = None
    seconds: float = 0.0
    fallbacks: int = 0  # (origin, series) with observations that Prophet left to seasonal naive
    forecasts: int = 0  # (origin, series) with observations

    @property
    def name(self) -> str:
        return self.model.name

    def fit_predict(self, history: np.ndarray, horizon: int) -> np.ndarray:
        nothing = np.full((np.shape(history)[0], horizon), np.nan)
        if self.failure is not None:
            return nothing
        started = time.perf_counter()
        try:
            if isinstance(self.model, ProphetForecaster):
                result = self.model.forecast(history, horizon)
                seen = (~np.isnan(np.asarray(history, dtype=np.float64))).any(axis=1)
                self.fallbacks += int((result.fallback & seen).sum())
                self.forecasts += int(seen.sum())
                return result.forecast
            return self.model.fit_predict(history, horizon)
        except Exception as error:  # one model's failure must not end the evaluation
            self.failure = f"history of {np.shape(history)[1]} periods: {type(error).__name__}: {error}"
            return nothing
        finally:
            self.seconds += time.perf_counter() - started


# --- the report ----------------------------------------------------------------------------------------

TABLE_COLUMNS = ("kind", "mase", "smape", "wape", "bias", "coverage80", "coverage95", "n_series", "seconds")


@dataclass(frozen=True)
class EvaluateReport:
    """The backtest of every candidate on one file: the table (one row per model, best MASE first), the
    models not run and why, notes, and the backtest itself."""

    table: pd.DataFrame  # index model; TABLE_COLUMNS (bias in the file's unit, sMAPE in percent, seconds of fitting)
    skipped: dict[str, str]  # model -> reason
    notes: tuple[str, ...]
    backtest: Backtest = field(repr=False)
    source: str
    sha256: str
    freq: str
    horizon: int
    n_origins: int
    step: int
    period: int
    n_series: int
    periods: tuple[str, str]  # first and last period of the file

    def params(self) -> dict[str, Any]:
        """What was evaluated: file, checksum and backtest settings (MLflow params, JSON)."""
        return {"file": self.source, "file_sha256": self.sha256, "freq": self.freq, "horizon": self.horizon,
                "origins": self.n_origins, "step": self.step, "season_length": self.period,
                "n_series": self.n_series, "first_period": self.periods[0], "last_period": self.periods[1]}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: params, one record per model (NaN as null), skipped models and notes."""
        records = json.loads(self.table.reset_index().to_json(orient="records"))
        return {**self.params(), "models": records, "skipped": self.skipped, "notes": list(self.notes)}

    def rich_table(self) -> Table:
        """The table for the terminal, the skipped models and notes as its caption."""
        table = Table(title=f"{self.source}: {self.n_series} series, {self.periods[0]} … {self.periods[1]} "
                            f"({self.freq}), horizon {self.horizon}, {self.n_origins} origins every {self.step}")
        for column in ("model", *TABLE_COLUMNS):
            table.add_column(column, justify="left" if column in ("model", "kind") else "right")
        formats = {"mase": "{:.3f}", "smape": "{:.2f}", "wape": "{:.3f}", "bias": "{:.4g}", "coverage80": "{:.1%}",
                   "coverage95": "{:.1%}", "n_series": "{:d}", "seconds": "{:.2f}"}
        for model, row in self.table.iterrows():
            cells = [str(row[c]) if c == "kind" else ("-" if pd.isna(row[c]) else formats[c].format(row[c]))
                     for c in TABLE_COLUMNS]
            table.add_row(str(model), *cells)
        caption = [f"skipped {name}: {reason}" for name, reason in self.skipped.items()] + list(self.notes)
        table.caption = "\n".join(caption) or None
        return table

    def log_to_mlflow(self, catalog: Catalog, tracking_uri: str | None = None) -> str:
        """One parent run in experiment khlang-evaluate (params, `metric__model` metrics, the table as
        evaluate.parquet), a child run per model; the work folder's SQLite store unless tracking_uri names
        another. Returns the parent run id."""
        local = tracking_uri in (None, "", local_tracking_uri(catalog))
        uri = local_tracking_uri(catalog) if local else tracking_uri
        location = None
        if local:  # a team server decides where its artifacts live
            location = artifact_root(catalog) / EXPERIMENT
            location.mkdir(parents=True, exist_ok=True)
        code = code_version()
        tags = {TAG.CODE: code, "khlang.evaluate.file": self.source,
                **{f"khlang.skipped.{name}": reason for name, reason in self.skipped.items()}}
        with using_tracking_uri(uri) as client:
            experiment_id = _experiment_id(client, location)
            with mlflow.start_run(experiment_id=experiment_id, run_name=f"evaluate/{self.source}", tags=tags) as run:
                parent = run.info.run_id
                client.log_batch(parent, params=[Param(k, str(v)) for k, v in self.params().items()])
                _log_metrics(client, parent, {metric_key(metric, str(model)): value
                                              for model, row in self._metrics().iterrows()
                                              for metric, value in row.items()})
                _log_table(client, parent, self.table.reset_index(), catalog.tmp / "mlflow")
                for model, row in self._metrics().iterrows():
                    with mlflow.start_run(experiment_id=experiment_id, run_name=str(model), nested=True,
                                          tags={TAG.CODE: code, TAG.MODEL: str(model)}) as child:
                        client.log_batch(child.info.run_id, params=[Param("kind", str(self.table.at[model, "kind"])),
                                                                    Param("file_sha256", self.sha256)])
                        _log_metrics(client, child.info.run_id, row.to_dict())
        return str(parent)

    def _metrics(self) -> pd.DataFrame:
        return self.table.drop(columns="kind").astype(np.float64)


def _experiment_id(client: MlflowClient, location: Path | None) -> str:
    if (experiment := client.get_experiment_by_name(EXPERIMENT)) is not None:
        return str(experiment.experiment_id)
    return str(client.create_experiment(EXPERIMENT, artifact_location=location.resolve().as_uri() if location else None))


def _log_metrics(client: MlflowClient, run_id: str, values: dict[str, float]) -> None:
    """Finite values only: an undefined MASE or coverage is left out rather than logged as NaN."""
    now = int(time.time() * 1000)
    metrics = [Metric(key, float(value), now, 0) for key, value in values.items() if np.isfinite(value)]
    client.log_batch(run_id, metrics=metrics)


def _log_table(client: MlflowClient, run_id: str, table: pd.DataFrame, staging: Path) -> None:
    staging.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=staging) as folder:
        path = Path(folder) / "evaluate.parquet"
        table.to_parquet(path, index=False)
        client.log_artifact(run_id, str(path))


# --- the evaluation ------------------------------------------------------------------------------------

def _coverage(backtest: Backtest, model: str) -> tuple[dict[float, float], dict[float, int]]:
    """Cross-origin coverage per interval level (each origin scored with intervals calibrated on the
    others: models.intervals.cross_origin_coverage), and {level: fewest calibration residuals of a step} for the
    levels whose interval is unbounded (too few residuals for the level): their coverage is NaN, not a
    trivial 100 %."""
    holdout = cross_origin_coverage(backtest.actual, backtest.forecasts[model], backtest.scale, LEVELS)
    coverage, unbounded = {}, {}
    for level, row in holdout.iterrows():
        bounded = np.isfinite(row["mean_scaled_width"]) or not row["n_pairs"]
        coverage[float(level)] = float(row["coverage"]) if bounded else np.nan
        if not bounded:
            unbounded[float(level)] = int(row["n_calibration"])
    return coverage, unbounded


def _needed_residuals(level: float) -> int:
    """The fewest residuals n with ceil((n + 1) level) <= n: a finite split-conformal quantile."""
    return int(np.ceil(level / (1.0 - level) - 1e-9))


def evaluate(data: LongData, horizon: int, n_origins: int = MIN_ORIGINS, engine: Engine | None = None,
             seed: int = SEED, step: int | None = None, xgb_estimators: int = XGB_ESTIMATORS,
             models: Sequence[str] | None = None) -> EvaluateReport:
    """Backtest every candidate (baselines, XGBoost, Prophet for monthly files) on the data at n_origins
    rolling origins step periods apart (default: horizon) and score point forecasts and intervals.
    `models` keeps only the named candidates. ValueError when the data are too short for the origins."""
    if isinstance(horizon, bool) or not isinstance(horizon, int | np.integer) or horizon < 1:
        raise ValueError(f"horizon must be an integer >= 1 period; got {horizon!r}")
    if n_origins < MIN_ORIGINS:
        raise ValueError(f"n_origins must be >= {MIN_ORIGINS} (two calibrate the intervals, one checks them); "
                         f"got {n_origins}")
    step = horizon if step is None else step
    n_periods = data.block.shape[1]
    needed = periods_needed(data.freq, horizon, n_origins, step)
    if n_periods < needed:
        fits = max_origins(n_periods, data.freq, horizon, step)
        raise ValueError(f"{data.source} spans {n_periods} periods ({data.freq}); {n_origins} origins of horizon "
                         f"{horizon}, step {step} need at least {needed} (season {data.period} + 1 of history, "
                         f"{step} x {n_origins - 1} between origins, {horizon} after the last)"
                         + (f"; it holds {fits} origins" if fits >= MIN_ORIGINS else ""))

    candidates, skipped = candidate_models(data, engine, seed, xgb_estimators)
    if models is not None:
        unknown = sorted(set(models) - set(candidates) - set(skipped))
        if unknown:
            raise ValueError(f"unknown models {unknown}; candidates: {sorted(candidates)}")
        candidates = {name: c for name, c in candidates.items() if name in models}
        skipped = {name: why for name, why in skipped.items() if name in models}
    guarded = {name: _Guarded(model) for name, (_, model) in candidates.items()}
    backtest = rolling_origin_backtest(data.block, list(guarded.values()), horizon, n_origins, step,
                                       series=data.series, period=data.period)

    notes: list[str] = []
    rows = []
    unbounded: dict[float, dict[str, int]] = {level: {} for level in LEVELS}  # level -> model -> residuals
    for name, guard in guarded.items():
        if guard.failure is not None:
            skipped[name] = guard.failure
            continue
        if guard.fallbacks:
            notes.append(f"{name}: {guard.fallbacks} of {guard.forecasts} (origin, series) forecasts are seasonal "
                         f"naive (fewer than {MIN_OBSERVED} observed months, or the fit failed)")
        coverage, short = _coverage(backtest, name)
        for level, n_calibration in short.items():
            unbounded[level][name] = n_calibration
        scored = ~np.isnan(backtest.actual) & ~np.isnan(backtest.forecasts[name])
        summary = backtest.summary.loc[name]
        rows.append({"model": name, "kind": candidates[name][0], "mase": summary["mase"], "smape": summary["smape"],
                     "wape": summary["wape"], "bias": summary["bias"], "coverage80": coverage[0.8],
                     "coverage95": coverage[0.95], "n_series": int(scored.any(axis=(0, 2)).sum()),
                     "seconds": guard.seconds})
    for level, models_short in unbounded.items():
        if models_short:
            fewest = min(models_short.values())
            notes.append(f"no finite {level:.0%} interval for {', '.join(models_short)}: {fewest} calibration "
                         f"residuals per step, a {level:.0%} interval needs {_needed_residuals(level)}; "
                         f"coverage{round(100 * level)} left blank (more series or origins help)")
    if not rows:
        raise ValueError(f"no model could run on {data.source}: {skipped}")
    table = pd.DataFrame(rows).set_index("model").sort_values(["mase", "smape"], na_position="last", kind="stable")
    run = [name for name in guarded if name not in skipped]
    backtest = dataclasses.replace(backtest, forecasts={name: backtest.forecasts[name] for name in run},
                                   summary=backtest.summary.loc[run])
    return EvaluateReport(table=table, skipped=skipped, notes=tuple(notes), backtest=backtest, source=data.source,
                          sha256=data.sha256, freq=data.freq, horizon=int(horizon), n_origins=int(n_origins),
                          step=int(step), period=data.period, n_series=int(data.block.shape[0]),
                          periods=(str(data.periods[0]), str(data.periods[-1])))


def evaluate_file(path: str | Path, freq: str, horizon: int, n_origins: int = MIN_ORIGINS,
                  engine: Engine | None = None) -> EvaluateReport:
    """`khlang evaluate`: read the long file at freq and evaluate every candidate on it."""
    return evaluate(read_long(path, freq), horizon, n_origins, engine)
