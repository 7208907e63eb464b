"""A metric family's trained models as one MLflow pyfunc: a request of metrics and levels in, the
published forecasts (reconciled, with 80/95 % intervals) out.

The model holds one `FittedMetric` per metric; predict recomputes the forecasts from them (no refit),
so loading `models:/khlang-<family>@champion` gives back exactly what the training run published."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import mlflow.pyfunc
import pandas as pd

from models.training.fitted import FORECAST_COLUMNS, FittedMetric

__all__ = ["FamilyForecastModel", "family_request"]


def family_request(metrics: Sequence[str], levels: Sequence[str] = ()) -> pd.DataFrame:
    """The pyfunc input: one row per (metric, level); an empty level means every level."""
    rows = [(m, level) for m in metrics for level in (levels or [""])]
    return pd.DataFrame(rows, columns=["metric", "level"])


class FamilyForecastModel(mlflow.pyfunc.PythonModel):
    """pyfunc: predict(frame of metric, level) -> FORECAST_COLUMNS rows for those metrics and levels."""

    def __init__(self, family: str, fitted: Mapping[str, FittedMetric]) -> None:
        self.family = family
        self.fitted = dict(fitted)

    @property
    def metrics(self) -> tuple[str, ...]:
        return tuple(self.fitted)

    def forecast(self, metrics: Sequence[str] | None = None, levels: Sequence[str] = ()) -> pd.DataFrame:
        unknown = sorted(set(metrics or ()) - set(self.fitted))
        if unknown:
            raise KeyError(f"{self.family} model has no metric {unknown}; it has {sorted(self.fitted)}")
        frames = [self.fitted[m].forecast_frame() for m in (metrics or self.fitted)]
        frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=FORECAST_COLUMNS)
        if levels:
            frame = frame[frame["level"].isin(list(levels))].reset_index(drop=True)
        return frame

    def predict(self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None) -> pd.DataFrame:
        if not {"metric"} <= set(model_input.columns):
            raise ValueError("a forecast request has a column 'metric' (and optionally 'level')")
        frames = []
        for metric, rows in model_input.groupby("metric", sort=False):
            levels = [str(v) for v in rows.get("level", pd.Series(dtype=str)).fillna("") if str(v)]
            frames.append(self.forecast([str(metric)], levels if len(levels) == len(rows) else ()))
        return pd.concat(frames, ignore_index=True)
