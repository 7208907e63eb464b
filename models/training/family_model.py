"""A metric family's trained models as one MLflow pyfunc: a request of metrics, levels and units in, the
published forecasts (reconciled, with 80/95 % intervals) out.

The model holds one `FittedMetric` per metric. A metric's forecasts are computed from it (no refit) on
the first request that needs them, then kept with an index of each unit's rows: later requests are
lookups, so `mlflow models serve` of `models:/khlang-<family>@champion` answers one unit's forecast
without recomputing the family. The kept forecasts never travel with the pickled model, and loading it
gives back exactly what the training run published."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

import mlflow.pyfunc
import numpy as np
import pandas as pd

from models.training.fitted import FORECAST_COLUMNS, FittedMetric

__all__ = ["FamilyForecastModel", "family_request", "request_schema"]

_ALL = ""  # a request's empty level: every level of the metric


def family_request(metrics: Sequence[str], levels: Sequence[str] = (), keys: Sequence[int] = ()) -> pd.DataFrame:
    """The pyfunc input: one row per (metric, level); an empty level means every level. With keys, one
    row per (metric, level, key): the forecasts of those units of each level (a level is then required)."""
    if keys:
        if not levels:
            raise ValueError("a request for units names their level")
        rows = [(m, level, int(key)) for m in metrics for level in levels for key in keys]
        return pd.DataFrame({"metric": [r[0] for r in rows], "level": [r[1] for r in rows],
                             "key": np.array([r[2] for r in rows], dtype=np.int64)})
    rows = [(m, level) for m in metrics for level in (levels or [_ALL])]
    return pd.DataFrame(rows, columns=["metric", "level"])


def request_schema() -> Any:
    """The pyfunc's input schema: metric (required), level and key (optional)."""
    from mlflow.types import ColSpec, Schema

    return Schema([ColSpec("string", "metric"), ColSpec("string", "level", required=False),
                   ColSpec("long", "key", required=False)])


class _Published:
    """One metric's forecast frame and the (start, stop) of each (level, key)'s rows, which are contiguous."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        levels, keys = frame["level"].to_numpy(), frame["key"].to_numpy()
        changes = np.flatnonzero((levels[1:] != levels[:-1]) | (keys[1:] != keys[:-1])) + 1
        starts = np.concatenate([[0], changes]).astype(np.int64)
        stops = np.concatenate([changes, [len(frame)]]).astype(np.int64)
        self.rows = {(str(levels[s]), int(keys[s])): (int(s), int(e)) for s, e in zip(starts, stops, strict=True)}

    def units(self, levels: np.ndarray, keys: np.ndarray, metric: str) -> pd.DataFrame:
        spans = []
        for level, key in zip(levels, keys, strict=True):
            span = self.rows.get((str(level), int(key)))
            if span is None:
                raise KeyError(f"{metric} has no forecast for unit {int(key)} at level {level!r}")
            spans.append(np.arange(*span))
        return self.frame.iloc[np.concatenate(spans)].reset_index(drop=True)


class FamilyForecastModel(mlflow.pyfunc.PythonModel):
    """pyfunc: predict(frame of metric[, level[, key]]) -> FORECAST_COLUMNS rows for those metrics, levels
    and units, in request order (see the module docstring)."""

    def __init__(self, family: str, fitted: Mapping[str, FittedMetric]) -> None:
        self.family = family
        self.fitted = dict(fitted)
        self._published: dict[str, _Published] = {}
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_published", None)
        state.pop("_lock", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._published, self._lock = {}, threading.Lock()

    @property
    def metrics(self) -> tuple[str, ...]:
        return tuple(self.fitted)

    def _metric(self, metric: str) -> _Published:
        with self._lock:  # a server's threads compute a metric once
            if metric not in self._published:
                self._published[metric] = _Published(self.fitted[metric].forecast_frame())
            return self._published[metric]

    def forecast(self, metrics: Sequence[str] | None = None, levels: Sequence[str] = ()) -> pd.DataFrame:
        self._check(metrics or ())
        frames = [self._metric(m).frame for m in (metrics or self.fitted)]
        frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=FORECAST_COLUMNS)
        if levels:
            frame = frame[frame["level"].isin(list(levels))].reset_index(drop=True)
        return frame

    def _check(self, metrics: Sequence[str]) -> None:
        unknown = sorted(set(metrics) - set(self.fitted))
        if unknown:
            raise KeyError(f"{self.family} model has no metric {unknown}; it has {sorted(self.fitted)}")

    def predict(self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None) -> pd.DataFrame:
        if not {"metric"} <= set(model_input.columns):
            raise ValueError("a forecast request has a column 'metric' (and optionally 'level' and 'key')")
        self._check([str(m) for m in model_input["metric"].unique()])
        frames = []
        for metric, rows in model_input.groupby("metric", sort=False):
            levels = rows["level"].fillna(_ALL).astype(str).to_numpy() if "level" in rows else np.array([])
            keys = rows["key"] if "key" in rows else pd.Series(dtype="float64")
            if keys.notna().any() and keys.isna().any():
                raise ValueError(f"either every row of {metric} names a unit (key) or none does")
            if keys.notna().any():
                if (levels == _ALL).any() or len(levels) != len(rows):
                    raise ValueError("a request for units names their level")
                frames.append(self._metric(str(metric)).units(levels, keys.to_numpy(), str(metric)))
                continue
            named = [level for level in levels if level != _ALL]
            frames.append(self.forecast([str(metric)], named if len(named) == len(rows) else ()))
        return pd.concat(frames, ignore_index=True)
