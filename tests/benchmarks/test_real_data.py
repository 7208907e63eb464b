"""benchmarks.real_data: the two targets read off a table (auto against the best peer, and against the better
of naive and seasonal naive), and the markdown section that reports them."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from benchmarks.real_data import _section, targets


def _table(auto: float) -> pd.DataFrame:
    rows = [("naive", "baseline", 2.0), ("statsforecast.Naive", "peer", 2.0),
            ("statsforecast.AutoETS", "peer", 1.5), ("statsforecast.AutoTheta", "peer", 1.6),
            ("auto_ets", "statistical", 1.5), ("auto", "auto", auto)]
    return pd.DataFrame(rows, columns=["model", "kind", "mase"]).set_index("model")


@pytest.mark.parametrize(("auto", "peer", "floor"), [(1.45, True, True), (1.49, False, True), (2.1, False, False)])
def test_targets(auto: float, peer: bool, floor: bool) -> None:
    result = targets(_table(auto))
    assert result["best_peer"] == "statsforecast.AutoETS" and result["best_peer_mase"] == 1.5
    assert result["gain_vs_best_peer"] == pytest.approx(1 - auto / 1.5)
    assert result["meets_peer_target"] is peer and result["meets_naive_floor"] is floor
    assert result["naive_floor_mase"] == 2.0


def test_the_section_says_whether_each_target_was_met() -> None:
    table = _table(1.45).assign(smape=10.0, wape=0.5, bias=0.25, coverage80=0.8, coverage95=None, seconds=1.0,
                                vs_best_peer=None)
    result = {"seconds": 12.5, "auto": "auto_ets", "horizon": 6, **targets(table),
              "table": json.loads(table.reset_index().to_json(orient="records"))}
    text = "\n".join(_section("m3_yearly", result))
    assert text.startswith("## m3_yearly (h 6; auto = auto_ets; 12.5 s)")
    assert "gain +3.3% (target >= 3%: met); naive floor 2.000 (met)" in text
    assert "| auto | auto | 1.450 | 10.000 | 0.500 | 0.250 | 0.800 | - | 1.000 | - |" in text  # bias: a median sums low
