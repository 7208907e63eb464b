"""How good a forecast is and how it is chosen: metrics (MASE, sMAPE, WAPE), rolling-origin backtests,
conformal intervals, and `khlang evaluate` (its long files, scoring, selection of `auto`, report and the
statsforecast peers).

Public names load on first use (PEP 562), so importing one module of the package does not import
the others."""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "MIN_ORIGINS": "models.evaluation.backtest",
    "Backtest": "models.evaluation.backtest",
    "origin_cuts": "models.evaluation.backtest",
    "rolling_origin_backtest": "models.evaluation.backtest",
    "backtest_from_forecasts": "models.evaluation.backtest",
    "periods_needed": "models.evaluation.evaluate",
    "max_origins": "models.evaluation.evaluate",
    "candidate_models": "models.evaluation.evaluate",
    "evaluate_file": "models.evaluation.evaluate",
    "PROFILE_FLOOR": "models.evaluation.interval_scale",
    "month_profile": "models.evaluation.interval_scale",
    "LEVELS": "models.evaluation.intervals",
    "ConformalCalibration": "models.evaluation.intervals",
    "calibrate": "models.evaluation.intervals",
    "prediction_intervals": "models.evaluation.intervals",
    "holdout_coverage": "models.evaluation.intervals",
    "cross_origin_coverage": "models.evaluation.intervals",
    "origin_bootstrap": "models.evaluation.intervals",
    "FREQS": "models.evaluation.long_file",
    "COLUMNS": "models.evaluation.long_file",
    "LongData": "models.evaluation.long_file",
    "read_long": "models.evaluation.long_file",
    "long_data": "models.evaluation.long_file",
    "check_freq": "models.evaluation.long_file",
    "SEASON": "models.evaluation.metrics",
    "mase_scale": "models.evaluation.metrics",
    "mase": "models.evaluation.metrics",
    "smape": "models.evaluation.metrics",
    "wape": "models.evaluation.metrics",
    "bias": "models.evaluation.metrics",
    "relative_bias": "models.evaluation.metrics",
    "coverage": "models.evaluation.metrics",
    "winkler": "models.evaluation.metrics",
    "scaled_pinball": "models.evaluation.metrics",
    "series_accuracy": "models.evaluation.metrics",
    "accuracy_table": "models.evaluation.metrics",
    "PEERS": "models.evaluation.peers",
    "peer_forecasts": "models.evaluation.peers",
    "EXPERIMENT": "models.evaluation.report",
    "TABLE_COLUMNS": "models.evaluation.report",
    "OUTPUT_COLUMNS": "models.evaluation.report",
    "EvaluateReport": "models.evaluation.report",
    "write_output": "models.evaluation.report",
    "Scored": "models.evaluation.scoring",
    "scored_rows": "models.evaluation.scoring",
    "holdout_finals": "models.evaluation.scoring",
    "score_holdout": "models.evaluation.scoring",
    "auto_rows": "models.evaluation.scoring",
    "PEER_PREFIX": "models.evaluation.scoring",
    "MAX_FALLBACK_GAP": "models.evaluation.selection",
    "TOP_K": "models.evaluation.selection",
    "fallback_share": "models.evaluation.selection",
    "ineligible_models": "models.evaluation.selection",
    "top_combination": "models.evaluation.selection",
    "is_benchmark": "models.evaluation.selection",
    "benchmark_instead": "models.evaluation.selection",
}
__all__ = list(_WHERE)


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
