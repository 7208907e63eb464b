"""MLflow: runs and their tags, the model registry (champion / challenger aliases), the pyfunc model
that serves forecasts, and a local `mlflow server`.

Public names load on first use (models.lazy)."""

from models.lazy import lazy_names

_WHERE = {
    "FittedForecaster": "models.tracking.pyfunc",
    "BlockForecast": "models.tracking.pyfunc",
    "ForecastModel": "models.tracking.pyfunc",
    "forecast_request": "models.tracking.pyfunc",
    "pinned_requirements": "models.tracking.pyfunc",
    "own_code_by_value": "models.tracking.pyfunc",
    "Decision": "models.tracking.registry",
    "Registration": "models.tracking.registry",
    "backtest_key": "models.tracking.registry",
    "decide": "models.tracking.registry",
    "load_alias": "models.tracking.registry",
    "register_winner": "models.tracking.registry",
    "registered_model_name": "models.tracking.registry",
    "TAG": "models.tracking.runs",
    "CycleRun": "models.tracking.runs",
    "ModelRun": "models.tracking.runs",
    "code_version": "models.tracking.runs",
    "data_snapshot": "models.tracking.runs",
    "experiment_name": "models.tracking.runs",
    "metric_key": "models.tracking.runs",
    "training_cycle": "models.tracking.runs",
    "using_tracking_uri": "models.tracking.runs",
    "MlflowServerError": "models.tracking.server",
    "mlflow_server_status": "models.tracking.server",
    "server_command": "models.tracking.server",
    "start_mlflow_server": "models.tracking.server",
    "stop_mlflow_server": "models.tracking.server",
}
__getattr__, __dir__, __all__ = lazy_names(__name__, _WHERE)
