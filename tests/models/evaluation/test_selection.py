"""models.evaluation.selection: which models auto may choose (fallbacks where it chooses against where it is
scored), and parsimony (a benchmark kept where a gain is within one standard error)."""

from __future__ import annotations

import numpy as np
import pytest

from models.evaluation.selection import benchmark_instead, fallback_share, ineligible_models, is_benchmark
from models.forecasters.combination import Combination


def test_fallback_share_pools_the_calls() -> None:
    assert fallback_share([(1, 4), (3, 4)]) == 0.5
    assert fallback_share([]) == 0.0 and fallback_share([(0, 0)]) == 0.0


def test_a_model_that_falls_back_more_where_it_chooses_is_not_eligible_nor_are_its_combinations() -> None:
    calls = {"short_lived": [(8, 10), (5, 10), (0, 10)],  # 65 % where it chooses, 0 % where it is scored
             "always": [(10, 10), (10, 10), (10, 10)],  # falls back everywhere: its backtest is how it forecasts
             "slightly": [(1, 10), (1, 10), (0, 10)]}  # 10 points: not over the gap
    combos = {"with_it": Combination("with_it", ("short_lived", "always")),
              "without": Combination("without", ("always", "slightly"))}
    out = ineligible_models(calls, 2, combos)
    assert set(out) == {"short_lived", "with_it"}
    assert out["short_lived"].startswith("65% of its forecasts on the choosing origins")
    assert ineligible_models(calls, 3, combos) == {}  # nothing it is scored on: no gap to judge


def test_benchmarks_by_name() -> None:
    assert is_benchmark("naive") and is_benchmark("seasonal_naive") and is_benchmark("seasonal_naive_24")
    assert not is_benchmark("seasonal_drift") and not is_benchmark("auto_ets")


@pytest.mark.parametrize(("gain", "kept"), [(0.001, "naive"), (0.2, "auto_ets")])
def test_a_gain_within_one_standard_error_keeps_the_benchmark(gain: float, kept: str) -> None:
    rng = np.random.default_rng(1)
    naive = rng.gamma(2.0, 0.5, 400)
    model = naive - gain + rng.normal(0, 0.3, 400)  # noisy per (origin, series), mean gain `gain`
    rows = {"naive": naive, "auto_ets": model, "seasonal_naive": naive + 1.0}
    choose = {name: float(values.mean()) for name, values in rows.items()}
    assert min(choose, key=choose.get) == "auto_ets"
    chosen, note = benchmark_instead("auto_ets", choose, rows)
    assert chosen == kept and (note is not None) is (kept == "naive")
    assert note is None or note.startswith("auto keeps naive: auto_ets scored lower")
    assert benchmark_instead("naive", choose, rows) == ("naive", None)
    assert benchmark_instead("auto_ets", {"auto_ets": 1.0}, rows) == ("auto_ets", None)  # no benchmark ran
