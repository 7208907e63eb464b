"""Forecasting, by concept:

- models.forecasters: every model that forecasts (baselines incl. drift, the statistical family, Prophet,
  the global XGBoost and its design matrix, combinations) and the one registry of candidates;
- models.evaluation: metrics, rolling-origin backtests, conformal intervals and `khlang evaluate`;
- models.hierarchy: the summing matrix of the administrative hierarchy and reconciliation;
- models.training: `khlang train` for the budget, waste and welfare families and the forecast store;
- models.tracking: MLflow runs, the model registry, the pyfunc model and a local server."""

import khlang  # noqa: F401  (telemetry off before any library loads: khlang.telemetry)
