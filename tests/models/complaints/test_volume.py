"""Weekly complaint counts per district and type, and their forecasts with intervals, on small synthetic
stores: the counts balance with the tickets, empty weeks are zeros, the forecast frame is well formed, a
steady weekly rate is forecast near that rate and covered by its interval, and a Dask LocalCluster gives
the same forecasts as this process."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cluster.engine import open_engine
from khlang.config import ClusterConfig
from models.complaints.volume import CANDIDATES, SPARSE_WEEKS, TOTAL, forecast_volume, weekly_counts

START = pd.Timestamp("2023-01-02")  # a Monday
TYPES = ("ถนน", "ทางเท้า", "น้ำท่วม", "ความสะอาด")


def store_from(district: list, types: list, local: list, province: list | None = None) -> pd.DataFrame:
    """A store frame with the columns forecasting reads; `local` are Bangkok wall-clock times (None: unknown)."""
    reported = pd.to_datetime(pd.Series(local, dtype="datetime64[ns]")).dt.tz_localize("Asia/Bangkok")
    return pd.DataFrame({"ticket_id": [f"T{i:06d}" for i in range(len(local))], "types": types,
                         "district_code": district, "province_code": province or ["10"] * len(local),
                         "reported_at": reported.dt.tz_convert("UTC")})


def poisson_store(rates: dict[tuple[str, str], float], weeks: int, seed: int) -> pd.DataFrame:
    """Tickets at a steady Poisson rate per week for each (district, types) pair, at random times."""
    rng = np.random.default_rng(seed)
    district, types, local = [], [], []
    for (code, kinds), rate in rates.items():
        per_week = rng.poisson(rate, size=weeks)
        week = np.repeat(np.arange(weeks), per_week)
        seconds = rng.uniform(0, 7 * 86400 - 1, size=week.size)
        local += list(START + pd.to_timedelta(week * 7 * 86400 + seconds, unit="s"))
        district += [code] * week.size
        types += [kinds] * week.size
    return store_from(district, types, local)


def random_store(n: int, seed: int) -> pd.DataFrame:
    """n tickets over about 20 weeks: 0-3 types each (some repeated), some without a time or a district."""
    rng = np.random.default_rng(seed)
    kinds = [",".join(rng.choice(TYPES, size=rng.integers(0, 4))) for _ in range(n)]
    district = [None if rng.random() < 0.05 else f"10{rng.integers(1, 6):02d}" for _ in range(n)]
    local = [None if rng.random() < 0.05 else START + pd.Timedelta(seconds=float(rng.uniform(0, 140 * 86400)))
             for _ in range(n)]
    return store_from(district, kinds, local)


def test_counts_balance_with_the_tickets_placed_and_timed() -> None:
    store = random_store(3000, seed=1)
    keys, weeks, counts, left_out = weekly_counts(store)
    local = store["reported_at"].dt.tz_convert("Asia/Bangkok").dt.tz_localize(None)
    week_no = (local - START).dt.days // 7  # START is a Monday: the week index by another route
    last_complete = (local.max() - START).days // 7 - (0 if local.max().dayofweek == 6 else 1)
    counted = store[store["district_code"].notna() & local.notna() & (week_no <= last_complete)]
    assert len(weeks) == last_complete + 1 and (weeks.dayofweek == 0).all() and weeks[0] == START
    assert left_out["no_time"] == store["reported_at"].isna().sum()
    assert sum(left_out.values()) + len(counted) == len(store)
    total = keys["type"] == TOTAL
    assert counts[total.to_numpy()].sum() == len(counted)
    distinct_types = counted["types"].map(lambda t: len({x for x in t.split(",") if x}))
    assert counts[~total.to_numpy()].sum() == distinct_types.sum()
    # every (district, type, week) cell against a count made ticket by ticket
    expected: dict[tuple[str, str, int], int] = {}
    for code, kinds, w in zip(counted["district_code"], counted["types"], week_no[counted.index], strict=True):
        for kind in {TOTAL, *(x for x in kinds.split(",") if x)}:
            expected[(code, kind, int(w))] = expected.get((code, kind, int(w)), 0) + 1
    got = {(code, kind, w): int(counts[i, w]) for i, (code, kind) in enumerate(zip(keys["district_code"],
           keys["type"], strict=True)) for w in range(len(weeks)) if counts[i, w]}
    assert got == expected
    assert keys.groupby("district_code")["type"].first().eq(TOTAL).all()  # the total first in each district


def test_weeks_without_a_ticket_are_zeros_and_weeks_are_bangkok_weeks() -> None:
    monday = START
    store = store_from(
        ["1001", "1001", "1002", "1002", "1001"],
        ["ถนน", "ถนน,ทางเท้า", "", "ถนน", "ถนน"],
        [monday + pd.Timedelta(hours=10),  # week 0
         monday + pd.Timedelta(days=13, hours=23, minutes=30),  # Sunday 23:30 of week 1
         monday + pd.Timedelta(days=28, hours=2),  # Monday 02:00 Bangkok = Sunday 19:00 UTC: week 4
         monday + pd.Timedelta(days=34, hours=12),  # Sunday of week 4: the last complete week
         monday + pd.Timedelta(days=35, hours=1)])  # Monday 01:00 of week 5 (incomplete): left out
    keys, weeks, counts, left_out = weekly_counts(store)
    assert list(weeks) == [monday + pd.Timedelta(weeks=k) for k in range(5)]
    assert left_out == {"no_time": 0, "no_district": 0, "after_end": 1}
    table = pd.DataFrame(counts, index=pd.MultiIndex.from_frame(keys), columns=range(5))
    assert table.loc[("1001", "ถนน")].tolist() == [1, 1, 0, 0, 0]
    assert table.loc[("1001", "ทางเท้า")].tolist() == [0, 1, 0, 0, 0]
    assert table.loc[("1002", TOTAL)].tolist() == [0, 0, 0, 0, 2]
    assert table.loc[("1002", "ถนน")].tolist() == [0, 0, 0, 0, 1]
    by_province = weekly_counts(store, level="province")
    assert by_province.keys.columns.tolist() == ["province_code", "type"]
    assert by_province.counts[by_province.keys["type"].eq(TOTAL).to_numpy()].sum() == 4


@pytest.fixture(scope="module")
def steady():
    """Three districts with a steady 30 road tickets a week and a rare flood type, 60 weeks; the forecast
    sees the first 52 (in process)."""
    rates = {(f"10{d:02d}", "ถนน"): 30.0 for d in range(1, 4)}
    rates.update({(f"10{d:02d}", "น้ำท่วม"): 0.3 for d in range(1, 4)})
    store = poisson_store(rates, weeks=60, seed=7)
    end = START + pd.Timedelta(weeks=52) - pd.Timedelta(days=1)  # the Sunday ending week 51
    return store, forecast_volume(store, horizon_weeks=8, end=end), weekly_counts(store, end=end + pd.Timedelta(weeks=8))


def test_the_forecast_frame_is_well_formed(steady) -> None:
    store, result, _ = steady
    history = weekly_counts(store, end=result.weeks[-1] + pd.Timedelta(days=6))
    frame = result.frame
    assert list(frame.columns) == ["district_code", "type", "week", "forecast", "lo80", "hi80", "lo95", "hi95",
                                   "model"]
    assert len(frame) == 8 * len(history.keys) == 8 * result.n_series
    future = [history.weeks[-1] + pd.Timedelta(weeks=k) for k in range(1, 9)]
    for _, rows in frame.groupby(["district_code", "type"], sort=False):
        assert rows["week"].tolist() == future
    order = frame[["district_code", "type"]].drop_duplicates().reset_index(drop=True)
    pd.testing.assert_frame_equal(order, history.keys)
    values = frame[["lo95", "lo80", "forecast", "hi80", "hi95"]].to_numpy()
    assert np.isfinite(values).all() and (values >= 0).all() and (np.diff(values, axis=1) >= 0).all()
    # the rare type is sparse: the mean of its last SPARSE_WEEKS weeks
    sparse = frame[frame["type"] == "น้ำท่วม"]
    assert (sparse["model"] == f"recent_mean_{SPARSE_WEEKS}").all()
    rare = history.keys.index[history.keys["type"].eq("น้ำท่วม")]
    assert np.allclose(sparse.groupby("district_code")["forecast"].first().to_numpy(),
                       history.counts[rare, -SPARSE_WEEKS:].mean(axis=1))
    table = result.backtest
    assert set(table.loc[table["tier"] == "dense", "model"]) == set(CANDIDATES)
    assert table.groupby("tier")["chosen"].sum().to_dict() == {"dense": 1, "sparse": 1}
    picked = table[(table["tier"] == "dense") & table["chosen"]].iloc[0]
    assert picked["mase"] == table.loc[table["tier"] == "dense", "mase"].min()
    assert (frame.loc[frame["type"] == "ถนน", "model"] == result.chosen).all()
    assert result.chosen in result.summary()


def test_a_steady_rate_is_forecast_near_it_and_covered(steady) -> None:
    _, result, full = steady
    roads = result.frame[result.frame["type"] == "ถนน"]
    assert ((roads["forecast"] - 30.0).abs() < 0.15 * 30.0).all(), roads
    held = pd.DataFrame(full.counts[:, 52:60], index=pd.MultiIndex.from_frame(full.keys),
                        columns=roads["week"].unique()).stack().rename("actual")
    scored = roads.join(held, on=["district_code", "type", "week"])
    assert len(scored) == 24 and scored["actual"].notna().all()
    inside80 = (scored["actual"] >= scored["lo80"]) & (scored["actual"] <= scored["hi80"])
    inside95 = (scored["actual"] >= scored["lo95"]) & (scored["actual"] <= scored["hi95"])
    assert inside80.mean() >= 0.7 and inside95.mean() >= 0.85
    width = (scored["hi80"] - scored["lo80"]).mean()
    assert 4.0 < width < 30.0  # about 2 x 1.28 x sqrt(30) = 14 for Poisson noise: neither a point nor a barn door
    dense = result.backtest[result.backtest["tier"] == "dense"].set_index("model")
    assert dense.loc[result.chosen, "mase"] < dense.loc["naive", "mase"]  # averaging beats the last week on noise
    assert 0.6 < dense.loc[result.chosen, "coverage80"] < 0.97


def test_a_dask_cluster_gives_the_same_forecasts() -> None:
    rates = {(f"10{d:02d}", kind): rate for d in range(1, 3) for kind, rate in (("ถนน", 12.0), ("ทางเท้า", 5.0))}
    store = poisson_store(rates, weeks=40, seed=3)
    options = dict(horizon_weeks=4, origins=3, candidates=("naive", "recent_mean_4", "auto_ets", "auto_theta"))
    here = forecast_volume(store, **options)
    with open_engine(ClusterConfig(address="local", n_workers=2)) as engine:
        there = forecast_volume(store, engine=engine, **options)
    pd.testing.assert_frame_equal(here.frame, there.frame, check_exact=True)
    pd.testing.assert_frame_equal(here.backtest, there.backtest, check_exact=True)


def test_bad_arguments_are_refused() -> None:
    store = poisson_store({("1001", "ถนน"): 5.0}, weeks=12, seed=0)
    with pytest.raises(ValueError, match="horizon_weeks"):
        forecast_volume(store, horizon_weeks=0)
    with pytest.raises(ValueError, match="candidates"):
        forecast_volume(store, candidates=("prophet",))
    with pytest.raises(ValueError, match="weeks"):
        forecast_volume(store, horizon_weeks=8)  # 12 weeks hold no three origins
    with pytest.raises(ValueError, match="level"):
        weekly_counts(store, level="subdistrict")


def test_a_stray_tail_after_the_active_period_does_not_stretch_the_history() -> None:
    from models.complaints.volume import active_end

    weeks = pd.date_range("2023-01-02", periods=30, freq="7D")
    counts = [100] * 20 + [2, 0, 3, 0] + [0, 0, 0, 0, 90, 0]  # 20 busy weeks, a trickle, one stray burst
    mondays = pd.Series(np.repeat(weeks, counts))
    assert active_end(mondays) == weeks[19]
    lull = [100] * 20 + [0, 0, 100, 100]  # a two-week lull inside the period does not end it
    assert active_end(pd.Series(np.repeat(weeks[:24], lull))) == weeks[23]


def test_statistical_models_are_fitted_on_the_last_fit_weeks() -> None:
    from models.forecasters.statistical import StatisticalForecaster

    store = poisson_store({("1001", "ถนน"): 30.0, ("1002", "ขยะ"): 12.0}, weeks=60, seed=5)
    counts = weekly_counts(store)
    windowed = forecast_volume(store, horizon_weeks=4, candidates=("auto_ets",), fit_weeks=20)
    whole = forecast_volume(store, horizon_weeks=4, candidates=("auto_ets",), fit_weeks=None)
    assert windowed.chosen == whole.chosen == "auto_ets"
    dense = (windowed.frame["model"] == "auto_ets").to_numpy().reshape(-1, 4)[:, 0]
    expected = StatisticalForecaster("auto_ets", seasons=(1,), non_negative=True).fit_predict(
        counts.counts[dense][:, -20:], 4)
    got = windowed.frame["forecast"].to_numpy().reshape(-1, 4)[dense]
    np.testing.assert_allclose(got, np.maximum(expected, 0.0))
    assert not np.allclose(got, whole.frame["forecast"].to_numpy().reshape(-1, 4)[dense])  # the window matters
