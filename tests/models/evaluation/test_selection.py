"""models.evaluation.selection: where auto compares the candidates and which it may choose (fallbacks where
it chooses against where it is scored), and parsimony (a benchmark kept where a gain is within one standard error)."""

from __future__ import annotations

import numpy as np
import pytest

from models.evaluation.selection import benchmark_instead, compared_rows, is_benchmark
from models.forecasters.combination import Combination


def _masks(shares: list[float], n: int = 10) -> list[np.ndarray]:
    """One fallback mask [series] per fit, its first round(share * n) series fallen."""
    return [np.arange(n) < round(share * n) for share in shares]


def test_a_model_that_falls_back_more_where_it_chooses_is_compared_where_it_did_not() -> None:
    seen = _masks([1, 1, 1])
    fallen = {"short_lived": _masks([0.4, 0.2, 0.0]),  # 30 % where it chooses, 0 % where it is scored
              "always": _masks([1, 1, 1]),  # falls back everywhere: its backtest is how it forecasts
              "slightly": _masks([0.1, 0.1, 0.0])}  # 10 points: not over the gap
    out = compared_rows(fallen, seen, 2, {"with_it": Combination("with_it", ("short_lived", "always"))})
    assert out.ineligible == {}
    assert set(out.set_aside) == {"short_lived"} and out.set_aside["short_lived"] == pytest.approx(0.3)
    np.testing.assert_array_equal(out.keep, ~np.stack(fallen["short_lived"][:2]))
    assert out.compared == pytest.approx(0.7)
    assert out.note().startswith("auto compares the candidates on 70% of the (origin, series)")
    unseen = [np.arange(10) >= 5, np.ones(10, bool), np.ones(10, bool)]  # half the series start late
    assert compared_rows(fallen, unseen, 2, {}).keep[0, :5].tolist() == [False] * 5


def test_a_model_with_too_little_of_its_own_is_not_eligible_nor_are_its_combinations() -> None:
    seen = _masks([1, 1, 1])
    fallen = {"short_lived": _masks([0.8, 0.5, 0.0]),  # 65 % where it chooses: too little of its own
              "half": _masks([0.3, 0.3, 0.0]), "other": [np.arange(10) >= 4, *_masks([0.0, 0.0])]}
    combos = {"with_it": Combination("with_it", ("short_lived", "half")),
              "without": Combination("without", ("half", "other"))}
    out = compared_rows(fallen, seen, 2, combos)
    assert out.ineligible["short_lived"].startswith("65% of its forecasts on the choosing origins")
    # half (30 %) is set aside first; other's 30 % on top would leave 40 % < MIN_COMPARED compared
    assert set(out.set_aside) == {"half"} and out.ineligible["other"].endswith("under 50% would be compared")
    assert set(out.ineligible) == {"short_lived", "other", "with_it", "without"}
    assert compared_rows(fallen, seen, 3, combos).ineligible == {}  # nothing it is scored on: no gap to judge


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
