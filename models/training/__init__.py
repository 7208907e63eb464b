"""`khlang train` for the budget, waste and welfare families: monthly histories per level, the
backtest and champion gate, the fitted state that reproduces forecasts, and the forecast store.

Public names load on first use (models.lazy)."""

from models.lazy import lazy_names

_WHERE = {
    "FamilyTraining": "models.training.family",
    "family_metrics": "models.training.family",
    "train_family": "models.training.family",
    "train_families": "models.training.family",
    "FamilyForecastModel": "models.training.family_model",
    "family_request": "models.training.family_model",
    "ENSEMBLE": "models.training.fitted",
    "ENSEMBLE_MEMBERS": "models.training.fitted",
    "LevelFit": "models.training.fitted",
    "FittedMetric": "models.training.fitted",
    "fill_base": "models.training.fitted",
    "median_ensemble": "models.training.fitted",
    "FORECAST_COLUMNS": "models.training.fitted",
    "coherent": "models.training.fitted",
    "seasonal_error_variances": "models.training.fitted",
    "VARIANCE_WINDOW": "models.training.fitted",
    "PublishedFamily": "models.training.forecast_store",
    "publish_forecasts": "models.training.forecast_store",
    "read_forecasts": "models.training.forecast_store",
    "read_runs": "models.training.forecast_store",
    "MetricFits": "models.training.fits",
    "fit_metric": "models.training.fits",
    "MetricHistory": "models.training.history",
    "fill_gaps": "models.training.history",
    "load_history": "models.training.history",
    "history_from_block": "models.training.history",
    "BASELINE_MODELS": "models.training.train",
    "MetricTraining": "models.training.train",
    "assemble_metric": "models.training.train",
    "forecast_horizon": "models.training.fits",
    "train_metric": "models.training.train",
    "xgb_spec": "models.training.fits",
    "welfare_budget": "models.training.welfare",
    "ALLOWANCE_GROUPS": "models.training.welfare",
}
__getattr__, __dir__, __all__ = lazy_names(__name__, _WHERE)
