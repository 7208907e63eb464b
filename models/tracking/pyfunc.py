"""A fitted forecaster as an MLflow pyfunc model: series keys + horizon in, forecasts out.

The wrapper is pickled by MLflow with cloudpickle. Khlang's own packages (models, features, khlang)
are pickled by value, so the artifact loads where only its pinned requirements are installed;
third-party classes (xgboost, prophet) are pickled by reference and their distributions pinned."""

from __future__ import annotations

import contextlib
import importlib.metadata
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import mlflow.pyfunc
import numpy as np
import pandas as pd

__all__ = ["FittedForecaster", "BlockForecast", "ForecastModel", "forecast_request", "pinned_requirements",
           "own_code_by_value"]

SERIES, HORIZON, STEP, FORECAST = "series", "horizon", "step", "forecast"
_OWN_DISTRIBUTION = "khlang"
_ALWAYS = ("numpy", "pandas", "cloudpickle")  # the wrapper itself needs these (and mlflow, added by MLflow)


@runtime_checkable
class FittedForecaster(Protocol):
    """A fitted model that forecasts named series: float64 [len(series), horizon] in the series' unit."""

    def forecast(self, series: np.ndarray, horizon: int) -> np.ndarray: ...


@dataclass(frozen=True)
class BlockForecast:
    """A models.forecasters.baselines-style forecaster (fit_predict on a block) bound to its history block."""

    forecaster: Any  # has .name and .fit_predict(history [series, month], horizon)
    history: np.ndarray  # [series, month], NaN = gap
    series: np.ndarray  # [series] keys of the history's rows

    def forecast(self, series: np.ndarray, horizon: int) -> np.ndarray:
        rows = pd.Index(self.series).get_indexer(np.asarray(series))
        if (rows < 0).any():
            unknown = np.asarray(series)[rows < 0][:5].tolist()
            raise KeyError(f"series not in the model's history: {unknown}")
        return np.asarray(self.forecaster.fit_predict(self.history[rows], int(horizon)), dtype=np.float64)


def forecast_request(series: Sequence[Any] | np.ndarray, horizon: int) -> pd.DataFrame:
    """The pyfunc input: one row per series, with the horizon (months) to forecast."""
    return pd.DataFrame({SERIES: np.asarray(series), HORIZON: np.full(len(series), int(horizon), np.int64)})


class ForecastModel(mlflow.pyfunc.PythonModel):
    """pyfunc wrapper: predict(request) -> one row per (series, step) with the forecast."""

    def __init__(self, fitted: FittedForecaster) -> None:
        if not isinstance(fitted, FittedForecaster):
            raise TypeError(f"{type(fitted).__name__} has no forecast(series, horizon) method")
        self.fitted = fitted

    def predict(self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None) -> pd.DataFrame:
        """model_input: columns series, horizon (months; one horizon per request, its maximum)."""
        missing = {SERIES, HORIZON} - set(model_input.columns)
        if missing:
            raise ValueError(f"forecast request lacks columns {sorted(missing)}")
        series = model_input[SERIES].to_numpy()
        horizon = int(model_input[HORIZON].max())
        values = np.asarray(self.fitted.forecast(series, horizon), dtype=np.float64)
        if values.shape != (len(series), horizon):
            raise ValueError(f"forecast shape {values.shape}; expected {(len(series), horizon)}")
        wanted = np.arange(1, horizon + 1)[None, :] <= model_input[HORIZON].to_numpy()[:, None]
        return pd.DataFrame({SERIES: np.repeat(series, horizon)[wanted.ravel()],
                             STEP: np.tile(np.arange(1, horizon + 1, dtype=np.int64), len(series))[wanted.ravel()],
                             FORECAST: values.ravel()[wanted.ravel()]})


def _top_modules(obj: Any, depth: int = 2) -> set[str]:
    """Top-level packages of the classes an object (and its attributes, `depth` levels) is made of."""
    found = {type(obj).__module__.split(".")[0]}
    if depth > 0:
        values: Iterable[Any] = vars(obj).values() if hasattr(obj, "__dict__") else ()
        if hasattr(obj, "__dataclass_fields__"):
            values = [getattr(obj, name) for name in obj.__dataclass_fields__]
        for value in values:
            found |= _top_modules(value, depth - 1)
    return found


def pinned_requirements(fitted: Any, extra: Iterable[str] = ()) -> list[str]:
    """`dist==version` for numpy, pandas, cloudpickle, the distributions the fitted object's classes
    come from (xgboost -> xgboost-cpu, prophet …) and `extra` distribution names; installed versions."""
    providers = importlib.metadata.packages_distributions()
    names = set(_ALWAYS) | set(extra)
    for module in _top_modules(fitted):
        names |= set(providers.get(module, ())) - {_OWN_DISTRIBUTION}
    return sorted(f"{name}=={importlib.metadata.version(name)}" for name in names)


@contextlib.contextmanager
def own_code_by_value() -> Iterator[None]:
    """While MLflow pickles the model, pickle Khlang's own (imported) packages by value. MLflow's warning
    that a Python object is serialised with cloudpickle is about this very choice (module docstring), so
    it is not repeated for every model logged: mlflow.pyfunc's log level is raised meanwhile."""
    import logging

    import cloudpickle

    providers = importlib.metadata.packages_distributions()
    own = [sys.modules[name] for name, dists in providers.items()
           if _OWN_DISTRIBUTION in dists and name in sys.modules]
    pyfunc_log = logging.getLogger("mlflow.pyfunc")
    level = pyfunc_log.level
    for module in own:
        cloudpickle.register_pickle_by_value(module)
    pyfunc_log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        pyfunc_log.setLevel(level)
        for module in own:
            cloudpickle.unregister_pickle_by_value(module)
