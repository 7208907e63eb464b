"""benchmarks.backtest_tables: one row per metric and level from a family run's backtest tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchmarks.backtest_tables import backtest_rows, markdown


def _tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    accuracy = pd.DataFrame([
        # the LAO level listed first: the rows come out top level first
        {"metric": "m", "level": "lao", "model": "seasonal_naive", "stage": "base", "mase": 1.0, "smape": 20.0},
        {"metric": "m", "level": "lao", "model": "xgb_global", "stage": "base", "mase": 0.8, "smape": 15.0},
        {"metric": "m", "level": "lao", "model": "xgb_global", "stage": "reconciled", "mase": 0.75, "smape": 14.0},
        {"metric": "m", "level": "nation", "model": "seasonal_naive", "stage": "base", "mase": 2.0, "smape": 9.0},
        {"metric": "m", "level": "nation", "model": "seasonal_naive", "stage": "reconciled", "mase": 1.5, "smape": 7.0},
    ])
    coverage = pd.DataFrame([
        {"metric": "m", "level": level, "interval": interval, "coverage": cov, "coverage_last_origin": last}
        for level, (c80, c95) in {"lao": (0.79, 0.94), "nation": (0.7, 0.9)}.items()
        for interval, cov, last in ((0.8, c80, c80 - 0.1), (0.95, c95, c95 - 0.1))])
    return accuracy, coverage


def test_rows_carry_the_champion_its_gain_and_both_coverages():
    rows = backtest_rows(*_tables())
    assert rows["level"].tolist() == ["nation", "lao"]
    lao = rows.set_index("level").loc["lao"]
    assert lao["champion"] == "xgb_global" and lao["mase_base"] == 0.8 and lao["mase_reconciled"] == 0.75
    assert lao["gain_vs_seasonal_naive"] == pytest.approx(0.25)
    assert (lao["coverage80"], lao["coverage95"]) == (0.79, 0.94)
    assert lao["coverage80_last_origin"] == pytest.approx(0.69)
    nation = rows.set_index("level").loc["nation"]
    assert nation["gain_vs_seasonal_naive"] == pytest.approx(0.25)  # reconciled 1.5 against seasonal naive 2.0
    table = markdown(rows)
    assert table.count("\n") == 3 and "| m | lao | xgb_global | 0.800 | 0.750 | 1.000 | 25.0% |" in table
    # a run logged before the origin-bootstrap range: the coverage alone
    assert "| 0.790 | 0.940 |" in table and np.isnan(lao["coverage80_low"])


def test_the_coverage_cell_carries_its_range_over_origins():
    accuracy, coverage = _tables()
    coverage = coverage.assign(coverage_low=coverage["coverage"] - 0.05, coverage_high=coverage["coverage"] + 0.01)
    rows = backtest_rows(accuracy, coverage)
    nation = rows.set_index("level").loc["nation"]
    assert (nation["coverage95_low"], nation["coverage95_high"]) == pytest.approx((0.85, 0.91))
    assert "| 0.700 (0.65–0.71) | 0.900 (0.85–0.91) |" in markdown(rows)


def test_a_family_never_trained_is_named_not_a_traceback(tmp_path):
    from benchmarks.backtest_tables import run
    from khlang.catalog import Catalog

    catalog = Catalog(tmp_path / "work").ensure()  # an empty tracking store: nothing trained yet
    with pytest.raises(LookupError, match=r"khlang-waste has no @champion .*khlang train --metric waste"):
        run(catalog, ["waste"])
    assert run(catalog, ["budget", "waste"], required=False) == {}
