"""models.evaluation.evaluate: long files to a dense block on each frequency's axis, clear errors for bad files, the
backtest table where the right answer is known, models that cannot run reported as skipped, the
MLflow run read back from a real SQLite store, and the real provincial waste file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from benchmarks.evaluate_real_waste import WASTE_FILE, waste_long
from commands.render import evaluate_table
from khlang.catalog import Catalog
from khlang.config import Settings
from models.evaluation.evaluate import (
    EXPERIMENT,
    EvaluateReport,
    LongData,
    candidate_models,
    evaluate,
    evaluate_file,
    long_data,
    max_origins,
    periods_needed,
    read_long,
)
from models.evaluation.peers import INTERMITTENT_PEERS, PEERS
from models.forecasters.baselines import Drift, check_history
from models.forecasters.statistical import StatisticalForecast
from models.forecasters.xgb_global import XGBGlobalForecaster
from models.tracking.runs import TAG

NAN = np.nan
BASELINES = ["naive", "seasonal_naive", "historic_mean", "drift"]


def write_csv(path: Path, text: str) -> Path:
    path.write_text(text.strip() + "\n", encoding="utf-8")
    return path


def long_frame(block: np.ndarray, start: str, freq: str, keys: list[str] | None = None) -> pd.DataFrame:
    """Long rows (unique_id, ds, y) of a [series, period] block, gaps left out, rows shuffled."""
    periods = pd.period_range(start=start, periods=block.shape[1], freq={"H": "h"}.get(freq, freq))
    keys = keys or [f"s{i}" for i in range(block.shape[0])]
    rows = [(keys[s], str(periods[t]), block[s, t]) for s in range(block.shape[0]) for t in range(block.shape[1])
            if not np.isnan(block[s, t])]
    frame = pd.DataFrame(rows, columns=["unique_id", "ds", "y"])
    return frame.sample(frac=1.0, random_state=3).reset_index(drop=True)


# --- reading --------------------------------------------------------------------------------------------

def test_dense_block_with_gaps_from_shuffled_rows(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "gaps.csv", """
unique_id,ds,y,comment
0102,2020-03-01,5.5,late start
0101,2020-01-31,1,
0101,2020-04-15,4,
0102,2020-02,,empty y is a gap
0101,2020-02,2,
""")
    data = read_long(path, "M")
    assert data.series.tolist() == ["0101", "0102"]  # sorted, leading zeros kept
    assert [str(p) for p in data.periods] == ["2020-01", "2020-02", "2020-03", "2020-04"]
    expected = np.array([[1.0, 2.0, NAN, 4.0], [NAN, NAN, 5.5, NAN]])
    np.testing.assert_array_equal(data.block, expected)
    assert data.block.dtype == np.float64
    assert data.n_rows == 5 and data.source == "gaps.csv" and len(data.sha256) == 64
    assert data.period == 12
    # monthly columns carry their month indices (months since January 1970) for the calendar features
    assert data.month_indices().tolist() == [600, 601, 602, 603]


@pytest.mark.parametrize(("freq", "dates", "labels", "season"), [
    ("M", ["2021-11", "2022-01-20"], ["2021-11", "2021-12", "2022-01"], 12),
    ("Q", ["2021Q4", "2022-05-01"], ["2021Q4", "2022Q1", "2022Q2"], 4),
    ("W", ["2024-01-03", "2024-01-17"], ["2024-01-01/2024-01-07", "2024-01-08/2024-01-14",
                                         "2024-01-15/2024-01-21"], 52),
    ("D", ["2024-02-28", "2024-03-01 18:30"], ["2024-02-28", "2024-02-29", "2024-03-01"], 7),
    ("H", ["2024-01-01 22:00", "2024-01-02T00:45"], ["2024-01-01 22:00", "2024-01-01 23:00", "2024-01-02 00:00"], 24),
    ("Y", ["2019", "2021-06-30"], ["2019", "2020", "2021"], 1),
])
def test_each_frequency_gets_a_regular_axis(freq: str, dates: list[str], labels: list[str], season: int) -> None:
    data = long_data(pd.DataFrame({"unique_id": ["a", "a"], "ds": dates, "y": [1.0, 3.0]}), freq.lower())
    assert data.freq == freq and data.period == season
    assert [str(p) for p in data.periods] == labels
    np.testing.assert_array_equal(data.block, [[1.0, NAN, 3.0]])
    assert (data.month_indices() is not None) == (freq == "M")


def test_parquet_with_integer_years_and_datetimes(tmp_path: Path) -> None:
    years = pd.DataFrame({"unique_id": [7, 7, 8], "ds": [2013, 2015, 2014], "y": [1, 3, 2]})
    years.to_parquet(tmp_path / "years.parquet")
    data = read_long(tmp_path / "years.parquet", "Y")
    assert data.series.tolist() == ["7", "8"]
    assert [str(p) for p in data.periods] == ["2013", "2014", "2015"]  # 2013 is a year, not nanoseconds
    np.testing.assert_array_equal(data.block, [[1.0, NAN, 3.0], [NAN, 2.0, NAN]])
    stamps = pd.DataFrame({"unique_id": ["a", "a"], "ds": pd.to_datetime(["2020-01-05", "2020-01-07"]).tz_localize(
        "Asia/Bangkok"), "y": [1.0, 2.0]})
    stamps.to_parquet(tmp_path / "stamps.parquet")
    daily = read_long(tmp_path / "stamps.parquet", "D")
    assert [str(p) for p in daily.periods] == ["2020-01-05", "2020-01-06", "2020-01-07"]


@pytest.mark.parametrize(("text", "message"), [
    ("unique_id,date,y\na,2020-01,1", r"missing column ds; a long file has unique_id, ds, y \(found unique_id, date, y\)"),
    ("series,ds,value\na,2020-01,1", "missing columns unique_id, y"),
    ("unique_id,ds,y\na,2020-01,1\na,Jan 2020x,2\na,,3\na,2020-04,4", r"column ds: not a date at rows 2, 3 \(2 in all\)"),
    ("unique_id,ds,y\na,2020-01,1\na,2020-02,many\na,2020-03,inf", r"column y: not a finite number at rows 2, 3 .*'many'"),
    ("unique_id,ds,y\na,2020-01,1\n,2020-02,2", r"column unique_id: empty at row 2 \(1 in all\)"),
    ("unique_id,ds,y\na,2020-01,1\nb,2020-01,2\na,2020-01,3", r"repeats at rows 1, 3 \(2 in all\), e.g. 'a' at 2020-01"),
    # two days of one month are one monthly period twice: the file is finer than the freq
    ("unique_id,ds,y\na,2020-01-01,1\na,2020-01-02,2", r"repeats at rows 1, 2 .*is the file finer than that"),
    ("unique_id,ds,y", "no data rows"),
])
def test_bad_files_are_named_with_their_rows(tmp_path: Path, text: str, message: str) -> None:
    path = write_csv(tmp_path / "bad.csv", text)
    with pytest.raises(ValueError, match=message):
        read_long(path, "M")


def test_unknown_frequency() -> None:
    with pytest.raises(ValueError, match=r"freq must be one of M\|Q\|W\|D\|H\|Y; got 'X'"):
        long_data(pd.DataFrame({"unique_id": ["a"], "ds": ["2020"], "y": [1.0]}), "X")


# --- how much data ----------------------------------------------------------------------------------------

def test_periods_needed_and_the_too_short_error() -> None:
    # a season + 1 of history, step x (origins - 1) between origins, horizon after the last
    assert periods_needed("Y", 2, 3) == 1 + 1 + 2 * 2 + 2 == 8
    assert periods_needed("M", 12, 3, step=6) == 13 + 12 + 12 == 37
    assert max_origins(10, "Y", 2) == 4 and max_origins(9, "Y", 2) == 3 and max_origins(3, "Y", 2) == 0
    data = long_data(long_frame(np.arange(9.0)[None, :], "2014", "Y"), "Y")
    with pytest.raises(ValueError, match=r"spans 9 periods \(Y\); 4 origins of horizon 2, step 2 need at least 10 "
                                         r".*; it holds 3 origins"):
        evaluate(data, 2, n_origins=4)
    with pytest.raises(ValueError, match="n_origins must be >= 3"):
        evaluate(data, 2, n_origins=2)
    with pytest.raises(ValueError, match="horizon must be an integer >= 1"):
        evaluate(data, 0)


# --- drift -----------------------------------------------------------------------------------------------

def test_drift_is_the_mean_step_change_across_gaps() -> None:
    history = np.array([
        [10.0, 12.0, NAN, 16.0, NAN],  # +2 a period; last seen one period before the end
        [NAN, NAN, 5.0, NAN, NAN],  # one observation: naive
        [NAN, NAN, NAN, NAN, NAN],  # none: NaN
        [3.0, 1.0, 4.0, 1.0, 5.0],  # (5 - 3) / 4 = 0.5
    ])
    forecast = Drift().fit_predict(history, 3)
    np.testing.assert_allclose(forecast[0], [20.0, 22.0, 24.0])
    np.testing.assert_array_equal(forecast[1], [5.0, 5.0, 5.0])
    assert np.isnan(forecast[2]).all()
    np.testing.assert_allclose(forecast[3], [5.5, 6.0, 6.5])
    assert Drift().fit_predict(np.empty((2, 0)), 2).shape == (2, 2)


# --- known answers -----------------------------------------------------------------------------------------

def test_linear_trend_drift_is_exact_and_naive_scores_one_and_a_half() -> None:
    years = np.arange(12.0)[None, :]
    block = np.array([[100.0], [2_000.0], [7.0]]) + np.array([[5.0], [-40.0], [0.5]]) * years
    data = long_data(long_frame(block, "2011", "Y"), "Y")
    report = evaluate(data, horizon=2, n_origins=3, models=BASELINES + ["xgb_global"])
    table = report.table.drop(index="auto")
    assert table.index[0] == "drift"
    assert table.at["drift", "mase"] == 0.0 and table.at["drift", "smape"] == 0.0
    # naive misses by one slope at step 1 and two at step 2; the scale (mean |one-step change|) is the slope
    assert table.at["naive", "mase"] == pytest.approx(1.5, rel=1e-12)
    assert table.loc["naive", "mase"] < table.loc["historic_mean", "mase"]
    assert table["n_series"].eq(3).all()
    # exact forecasts: zero-width 80 % intervals that still hold every actual; 6 residuals a step cannot make a
    # finite 95 % interval (19 needed), so its coverage is blank rather than a trivial 100 %
    assert table.at["drift", "coverage80"] == 1.0
    assert table["coverage95"].isna().all()
    assert any("no finite 95% interval" in note and "needs 19" in note for note in report.notes)
    assert report.skipped == {"seasonal_naive": "a season of one period: the same forecasts as naive"}
    assert "xgb_global" in table.index and np.isfinite(table.at["xgb_global", "mase"])


def test_seasonal_series_seasonal_naive_is_exact() -> None:
    rng = np.random.default_rng(5)
    pattern = rng.uniform(50, 150, (3, 12))
    block = np.tile(pattern, (1, 5))  # 60 months
    block[:, :12] -= 10.0  # one level shift in the first year: a seasonal-difference scale above 0
    block[1, 20] = NAN
    data = long_data(long_frame(block, "2019-10", "M"), "M")
    report = evaluate(data, horizon=6, n_origins=3, models=BASELINES)
    table = report.table.drop(index="auto")
    assert table.index[0] == "seasonal_naive" and report.auto == "seasonal_naive"
    assert table.at["seasonal_naive", "mase"] == 0.0 and table.at["seasonal_naive", "wape"] == 0.0
    assert (table.drop(index="seasonal_naive")["mase"] > 0.5).all()
    assert list(table.columns) == ["kind", "mase", "smape", "wape", "bias", "coverage80", "coverage95",
                                   "n_series", "seconds", "mase_scored", "smape_scored", "vs_best_peer"]
    assert table["kind"].to_dict() == {**dict.fromkeys(BASELINES, "baseline"), "best3_median": "combination"}
    assert report.backtest.cuts.tolist() == [42, 48, 54]  # step = horizon by default
    # the table is the backtest's summary: MASE as the mean over (origin, series)
    assert table.at["naive", "mase"] == pytest.approx(report.backtest.summary.at["naive", "mase"])


def test_monthly_file_runs_every_candidate_with_prophet_and_xgb() -> None:
    rng = np.random.default_rng(11)
    months = np.arange(36)[None, :]
    block = 200 + 2.0 * months + 30 * np.sin(2 * np.pi * months / 12) + rng.normal(0, 2, (3, 36))
    block[2, :20] = NAN  # a late start: Prophet's seasonal-naive fallback at the first origins
    data = long_data(long_frame(block, "2021-01", "M"), "M")
    report = evaluate(data, horizon=3, n_origins=3, xgb_estimators=20)
    assert {"naive", "seasonal_naive", "historic_mean", "drift", "seasonal_drift", "seasonal_mean", "auto_ets",
            "auto_theta", "auto_arima", "auto_ces", "xgb_global", "prophet", "stat_median", "stat_mean",
            "ets_theta_arima_median", "stat_global_median", "best3_median", "auto"} == set(report.table.index)
    assert set(report.skipped) == {"mstl", "croston", "adida", "imapa", "recent_median", "intermittent_mean"}
    assert report.table.loc[["xgb_global", "prophet", "auto_ets"], "kind"].tolist() == ["global", "prophet",
                                                                                         "statistical"]
    # the trend and season: both models beat naive here
    assert report.table.at["prophet", "mase"] < report.table.at["naive", "mase"]
    assert report.table.at["xgb_global", "mase"] < report.table.at["naive", "mase"]
    # series 2 has 7, 10, 13 observed months at the origins (cuts 27, 30, 33): all three fall back
    assert any(note.startswith("prophet: 3 of 9 (origin, series) forecasts are its fallback") for note in report.notes)


def test_xgb_uses_the_season_and_the_calendar_only_where_it_is_known() -> None:
    rng = np.random.default_rng(2)
    block = 100 + np.cumsum(rng.normal(1, 3, (20, 14)), axis=1)
    yearly = long_data(long_frame(block, "2010", "Y"), "Y")
    models, skipped = candidate_models(yearly, xgb_estimators=10)
    xgb = models["xgb_global"][1]
    assert isinstance(xgb, XGBGlobalForecaster) and "prophet" in skipped and "prophet" not in models
    assert (xgb.season, xgb.calendar, xgb.periods) == (1, False, None)
    assert np.isfinite(xgb.fit_predict(block, 2)).all()
    quarterly = long_data(long_frame(block, "2010Q1", "Q"), "Q")
    assert candidate_models(quarterly, xgb_estimators=10)[0]["xgb_global"][1].season == 4
    monthly = long_data(long_frame(block, "2010-01", "M"), "M")
    models, skipped = candidate_models(monthly, xgb_estimators=10)
    assert models["xgb_global"][1].calendar and models["xgb_global"][1].season == 12
    assert models["xgb_global"][1].periods.tolist() == monthly.month_indices().tolist()
    assert models["prophet"][1].periods.tolist() == monthly.month_indices().tolist()


def test_weekly_and_hourly_files_run() -> None:
    rng = np.random.default_rng(4)
    for freq, n_periods, horizon in (("W", 70, 4), ("H", 60, 6)):
        season = {"W": 52, "H": 24}[freq]
        block = 50 + 10 * np.sin(2 * np.pi * np.arange(n_periods) / season)[None, :] + rng.normal(0, 1, (4, n_periods))
        report = evaluate(long_data(long_frame(block, "2024-01-01", freq), freq), horizon, xgb_estimators=10)
        assert report.period == season
        assert {"naive", f"seasonal_naive_{season}", "drift", "historic_mean", "xgb_global"} <= set(report.table.index)
        assert report.table["mase"].notna().all()


@dataclass(frozen=True)
class NeedsEightPeriods:
    """A model that refuses short histories, as a real one may."""

    name: str = "needs_eight"

    def fit_predict(self, history: np.ndarray, horizon: int) -> np.ndarray:
        block = check_history(history, horizon)
        if block.shape[1] < 8:
            raise ValueError("fewer than 8 periods of history")
        return np.repeat(block[:, -1:], horizon, axis=1)


def test_a_model_that_cannot_run_is_skipped_with_its_reason() -> None:
    data = long_data(long_frame(np.arange(10.0)[None, :] ** 1.5, "2010", "Y"), "Y")
    report = evaluate(data, 2, models=["naive"], forecasters={"needs_eight": NeedsEightPeriods()})
    assert sorted(report.table.index) == ["auto", "naive"] and report.auto == "naive"
    assert report.skipped == {"needs_eight": "history of 4 periods: ValueError: fewer than 8 periods of history"}
    assert report.backtest.models == ("naive",)
    assert set(report.backtest.frame["model"].cat.categories) == {"naive"}
    with pytest.raises(ValueError, match="unknown models"):
        evaluate(data, 2, models=["arima"])


# --- MLflow --------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> tuple[EvaluateReport, Catalog, str]:
    catalog = Catalog(tmp_path_factory.mktemp("evaluate") / "work").ensure()
    rng = np.random.default_rng(8)
    block = 100 + np.cumsum(rng.normal(0.5, 2, (4, 16)), axis=1)
    path = catalog.root / "brought.csv"
    long_frame(block, "2008", "Y").to_csv(path, index=False)
    report = evaluate(read_long(path, "Y"), 2, n_origins=4, models=["naive", "seasonal_naive", "historic_mean", "drift"])
    return report, catalog, report.log_to_mlflow(catalog)


def test_mlflow_run_holds_the_table(logged: tuple[EvaluateReport, Catalog, str]) -> None:
    report, catalog, run_id = logged
    client = MlflowClient(catalog.local_tracking_uri)
    parent = client.get_run(run_id)
    assert client.get_experiment(parent.info.experiment_id).name == EXPERIMENT == "khlang-evaluate"
    params = parent.data.params
    assert params["file"] == "brought.csv" and params["file_sha256"] == report.sha256
    assert len(params["file_sha256"]) == 64
    assert (params["freq"], params["horizon"], params["origins"], params["step"]) == ("Y", "2", "4", "2")
    assert parent.data.tags[TAG.CODE].startswith(("git:", "khlang=="))
    assert parent.data.tags["khlang.skipped.seasonal_naive"].startswith("a season of one period")
    metrics = parent.data.metrics
    for model, row in report.table.iterrows():
        for column in ("mase", "smape", "wape", "bias", "coverage80", "n_series"):
            assert metrics[f"{column}__{model}"] == pytest.approx(float(row[column]), rel=1e-12)
    # 4 series x 3 calibration origins = 12 residuals a step, 19 needed: no finite 95 % interval, nothing logged
    assert report.table["coverage95"].isna().all()
    assert not any(key.startswith("coverage95__") for key in metrics)

    children = client.search_runs([parent.info.experiment_id],
                                  filter_string=f"tags.mlflow.parentRunId = '{run_id}'")
    by_model = {child.data.tags[TAG.MODEL]: child for child in children}
    assert set(by_model) == set(report.table.index)
    for model, child in by_model.items():
        assert child.data.metrics["mase"] == pytest.approx(report.table.at[model, "mase"], rel=1e-12)
        assert child.data.params["kind"] == {"auto": "auto", "best3_median": "combination"}.get(model, "baseline")

    local = client.download_artifacts(run_id, "evaluate.parquet", str(catalog.tmp))
    pd.testing.assert_frame_equal(pd.read_parquet(local), report.table.reset_index())
    assert Path(client.get_experiment(parent.info.experiment_id).artifact_location.removeprefix("file://")).is_relative_to(
        catalog.mlflow.resolve())


def test_report_prints_and_serialises(logged: tuple[EvaluateReport, Catalog, str]) -> None:
    report = logged[0]
    table = evaluate_table(report)
    assert [c.header for c in table.columns][:3] == ["model", "kind", "mase"]
    assert table.row_count == len(report.table)
    assert "skipped seasonal_naive" in str(table.caption)
    record = report.to_dict()
    assert record["file_sha256"] == report.sha256 and [m["model"] for m in record["models"]] == list(report.table.index)
    assert record["models"][0]["coverage95"] is None  # NaN as null


# --- the real provincial waste file ------------------------------------------------------------------------

def test_real_provincial_waste(settings: Settings, tmp_path: Path) -> None:
    wide = pd.read_csv(settings.thailand_dir / WASTE_FILE)
    path = tmp_path / "waste-long.csv"
    waste_long(wide).to_csv(path, index=False)
    data = read_long(path, "Y")
    assert isinstance(data, LongData) and data.block.shape == (77, 10) and not np.isnan(data.block).any()
    assert [str(p) for p in data.periods] == [str(year) for year in range(2013, 2023)]  # BE 2556-2565
    bangkok = wide[wide["province_tis_code"] == 10].sort_values("year_be")["generated_ton_day"].to_numpy()
    np.testing.assert_array_equal(data.block[data.series.tolist().index("10")], bangkok)
    assert max_origins(10, "Y", 2) == 4
    with pytest.raises(ValueError, match="need at least 12"):
        evaluate_file(path, "Y", 2, n_origins=5)
    report = evaluate(data, 2, n_origins=3, models=["naive", "drift", "historic_mean"])
    assert report.table["n_series"].eq(77).all() and report.table["mase"].notna().all()


# --- auto, holdout, peers, output ------------------------------------------------------------------------

def test_holdout_scores_the_last_horizon_once_and_auto_is_chosen_before_it(tmp_path: Path) -> None:
    rng = np.random.default_rng(21)
    months = np.arange(60)[None, :]
    block = 100 + 40 * np.sin(2 * np.pi * months / 12) + rng.normal(0, 2, (5, 60))
    data = long_data(long_frame(block, "2015-01", "M"), "M")
    names = ["naive", "seasonal_naive", "drift", "auto_ets", "auto_theta", "ets_theta_arima_median"]
    told: list[str] = []
    report = evaluate(data, 6, holdout=True, peers=True, output=True, models=names, progress=told.append)
    table = report.table
    assert report.holdout and report.backtest.cuts.tolist() == [42, 48]  # inner origins inside the fitted 54
    # progress: every fitted model at each inner origin (42, 48 periods) and on the fitted part (54), then the peers
    for name in names[:-1]:
        assert [m for m in told if m.startswith(f"{name},")] == [
            f"{name}, fit {k} on {n} periods" for k, n in ((1, 42), (2, 48), (3, 54))]
    assert told[-1] == "the statsforecast peers on the same split"
    assert report.chosen_on == ("2018-07", "2019-01")
    # every row scores the held-out 6 months: naive's MASE by hand
    fitted, actual = block[:, :54], block[:, 54:]
    scale = np.abs(fitted[:, 12:] - fitted[:, :-12]).mean(axis=1)
    naive = (np.abs(actual - fitted[:, -1:]).mean(axis=1) / scale).mean()
    assert table.at["naive", "mase"] == pytest.approx(naive, rel=1e-9)
    assert table.at["naive", "mase_scored"] == table.at["naive", "mase"]
    # the peers ran on the same split: statsforecast's Naive is Khlang's naive
    assert table.at["statsforecast.Naive", "mase"] == pytest.approx(naive, rel=1e-9)
    best_peer = table.loc[table["kind"] == "peer", "mase"].min()
    assert table.at["auto", "vs_best_peer"] == pytest.approx(table.at["auto", "mase"] / best_peer)
    assert set(table.index[table["kind"] == "peer"]) == {f"statsforecast.{p}" for p in PEERS}  # not intermittent
    # auto is the lowest inner-backtest MASE, not the lowest holdout MASE
    inner = report.backtest.summary["mase"]
    assert report.auto == inner.idxmin() and table.at["auto", "mase"] == table.at[report.auto, "mase"]
    out = report.output
    assert list(out.columns) == ["unique_id", "ds", "forecast", "lo80", "hi80", "lo95", "hi95", "model"]
    assert len(out) == 5 * 6 and (out["model"] == report.auto).all()
    assert str(out["ds"].min().date()) == "2019-07-01" and str(out["ds"].max().date()) == "2019-12-01"
    assert (out["lo95"] <= out["lo80"]).all() and (out["lo80"] <= out["forecast"]).all()
    assert (out["forecast"] <= out["hi80"]).all() and (out["hi80"] <= out["hi95"]).all()


def test_an_intermittent_file_meets_the_intermittent_peers_too() -> None:
    rng = np.random.default_rng(8)
    block = np.where(rng.random((6, 48)) < 0.6, 0.0, rng.poisson(4, (6, 48)) + 1.0)  # 60 % zeros
    data = long_data(long_frame(block, "2018-01", "M"), "M")
    report = evaluate(data, 6, holdout=True, peers=True, models=["naive", "croston", "adida", "imapa"],
                      mase_period=1)
    table = report.table
    assert set(table.index[table["kind"] == "peer"]) == {f"statsforecast.{p}" for p in PEERS + INTERMITTENT_PEERS}
    # the same statsforecast models on the same fitted part: Khlang's rows equal the peers'
    for ours, peer in (("croston", "CrostonOptimized"), ("adida", "ADIDA"), ("imapa", "IMAPA")):
        assert table.at[ours, "mase"] == pytest.approx(table.at[f"statsforecast.{peer}", "mase"], rel=1e-6)
    # MASE with m = 1, by hand for naive
    fitted, actual = block[:, :42], block[:, 42:]
    scale = np.abs(np.diff(fitted, axis=1)).mean(axis=1)
    naive = (np.abs(actual - fitted[:, -1:]).mean(axis=1) / scale).mean()
    assert table.at["statsforecast.Naive", "mase"] == pytest.approx(naive, rel=1e-9)


def test_on_intermittent_counts_the_recent_median_wins_mase_and_shows_its_low_bias() -> None:
    # 70 % zeros: the median of the future values is 0, the mean rate is not; an absolute-error score
    # rewards the median, and auto, chosen on the inner origins, takes it; its bias column says the
    # forecasts sum low (error = actual - forecast > 0), where the rate models' do not
    rng = np.random.default_rng(21)
    block = np.where(rng.random((40, 60)) < 0.7, 0.0, rng.poisson(3, (40, 60)) + 1.0)
    data = long_data(long_frame(block, "2015-01", "M"), "M")
    report = evaluate(data, 12, holdout=True, models=["naive", "historic_mean", "adida", "recent_median"],
                      mase_period=1)
    table = report.table
    assert table.at["recent_median", "mase"] < 0.9 * table.at["adida", "mase"]
    assert table.at["recent_median", "mase"] < table.at["historic_mean", "mase"]
    assert report.auto == "recent_median"
    assert table.at["recent_median", "bias"] > 0.5 > abs(table.at["historic_mean", "bias"])
    note = next(n for n in report.notes if n.startswith("recent_median"))
    assert "auto chose it" in note and "adida's is" in note and "sum low" in note


def test_backtest_auto_is_scored_on_the_last_origin_and_output_forecasts_the_future() -> None:
    rng = np.random.default_rng(3)
    block = 50 + np.cumsum(rng.normal(2, 1, (6, 20)), axis=1)
    data = long_data(long_frame(block, "2000", "Y"), "Y")
    report = evaluate(data, 2, models=["naive", "drift", "historic_mean"], output=True)
    bt = report.backtest
    earlier = {m: np.nanmean(np.abs(bt.actual[:-1] - bt.forecasts[m][:-1]).mean(axis=2) / bt.scale[:-1])
               for m in bt.models}
    assert report.auto == min(earlier, key=earlier.get) == "drift"
    last = np.nanmean(np.abs(bt.actual[-1] - bt.forecasts["drift"][-1]).mean(axis=1) / bt.scale[-1])
    assert report.table.at["auto", "mase"] == pytest.approx(last)
    assert report.table.at["drift", "mase_scored"] == pytest.approx(last)
    assert report.output["ds"].dt.year.unique().tolist() == [2020, 2021]


@dataclass(frozen=True)
class FlaggedDrift:
    """Drift's forecasts, reported as the model's fallback on histories shorter than `flag_below`: what a
    model that could not fit the short inner histories looks like to evaluate."""

    name: str = "flagged_drift"
    flag_below: int = 0

    def forecast(self, history: np.ndarray, horizon: int) -> StatisticalForecast:
        forecast = Drift().fit_predict(history, horizon)
        flags = np.full(forecast.shape[0], np.shape(history)[1] < self.flag_below)
        return StatisticalForecast(forecast, flags, np.zeros_like(flags))

    def fit_predict(self, history: np.ndarray, horizon: int) -> np.ndarray:
        return self.forecast(history, horizon).forecast


@pytest.mark.parametrize("holdout", [False, True])
def test_auto_never_chooses_a_model_whose_backtest_is_not_how_it_forecasts(holdout: bool) -> None:
    block = 10 + 3 * np.arange(16.0)[None, :] * np.arange(1, 5)[:, None]  # linear: drift is exact
    data = long_data(long_frame(block, "2000", "Y"), "Y")
    # it chooses on histories of 10 and 12 periods, and is scored on 14 (the last origin, or the fitted part)
    # 11: its fallbacks at the first origin are set aside, and it is compared on the second
    for flag_below, chosen in ((0, "flagged_drift"), (99, "flagged_drift"), (11, "flagged_drift"), (14, "naive")):
        report = evaluate(data, 2, models=["naive", "historic_mean"], holdout=holdout,
                          forecasters={"flagged_drift": FlaggedDrift(flag_below=flag_below)})
        assert report.backtest.cuts.tolist() == ([10, 12] if holdout else [10, 12, 14])
        assert report.table.at["flagged_drift", "mase"] == pytest.approx(0.0, abs=1e-9)  # the best row either way
        assert report.auto == chosen
        ruled_out = [note for note in report.notes if note.startswith("not eligible for auto")]
        assert bool(ruled_out) is (chosen == "naive")
        assert not ruled_out or "flagged_drift: 100% of its forecasts on the choosing origins" in ruled_out[0]
        set_aside = [note for note in report.notes if note.startswith("auto compares the candidates on 50%")]
        assert bool(set_aside) is (flag_below == 11)


def test_the_best_three_are_combined_on_the_origins_that_choose() -> None:
    rng = np.random.default_rng(8)
    block = 50 + np.cumsum(rng.normal(1, 3, (8, 24)), axis=1)
    data = long_data(long_frame(block, "2000", "Y"), "Y")
    report = evaluate(data, 2, n_origins=4, models=BASELINES)
    bt = report.backtest
    singles = ["naive", "historic_mean", "drift"]  # yearly: the seasonal baselines are naive and skipped
    earlier = {m: np.nanmean(np.abs(bt.actual[:-1] - bt.forecasts[m][:-1]).mean(axis=2) / bt.scale[:-1])
               for m in singles}
    ranked = sorted(singles, key=earlier.get)
    combined = np.median(np.stack([bt.forecasts[m] for m in ranked]), axis=0)
    np.testing.assert_allclose(bt.forecasts["best3_median"], combined)
    assert f"best3_median: the median of {', '.join(ranked)}," in " ".join(report.notes)
    assert report.table.at["best3_median", "kind"] == "combination"


@dataclass(frozen=True)
class KnowsItsError:
    """Drift plus noise of a known standard deviation per series, stated as the model's own spread: a model
    whose own interval knows what the MASE scale (equal for every series here) cannot."""

    sd: tuple[float, ...]
    name: str = "knows_its_error"

    def forecast(self, history: np.ndarray, horizon: int) -> StatisticalForecast:
        rng = np.random.default_rng(np.shape(history)[1])
        sd = np.asarray(self.sd)[:, None]
        forecast = Drift().fit_predict(history, horizon) + rng.normal(0, 1, (sd.size, horizon)) * sd
        flags = np.zeros(sd.size, dtype=bool)
        return StatisticalForecast(forecast, flags, flags, np.broadcast_to(sd, forecast.shape).copy())

    def fit_predict(self, history: np.ndarray, horizon: int) -> np.ndarray:
        return self.forecast(history, horizon).forecast


@pytest.mark.parametrize("holdout", [False, True])
def test_a_models_own_spread_draws_its_intervals_where_it_measures_better(holdout: bool) -> None:
    sd = tuple(np.repeat([0.5, 5.0], 40))
    rng = np.random.default_rng(5)
    block = 100 + 2.0 * np.arange(24)[None, :] + rng.normal(0, 0.01, (len(sd), 24))  # one slope: one MASE scale
    data = long_data(long_frame(block, "2000", "Y"), "Y")
    report = evaluate(data, 2, n_origins=4, models=["naive"], holdout=holdout, output=True,
                      forecasters={"knows_its_error": KnowsItsError(sd)})
    note = next(n for n in report.notes if n.startswith("conformal scale"))
    assert note.endswith("the own spread is used for knows_its_error")
    assert report.auto == "knows_its_error"  # drift's error beside naive's on a trend
    out = report.output.set_index(["unique_id", "ds"])
    half = (out["hi80"] - out["forecast"]).to_numpy().reshape(len(sd), 2)
    # its 80 % bands are as wide as its own spread says: ten times as wide on the noisy half (MASE: equal)
    np.testing.assert_allclose(half[40:] / half[:40], 10.0, rtol=1e-9)
    assert 0.6 < report.table.at["knows_its_error", "coverage80"] <= 1.0
    plain = evaluate(data, 2, n_origins=4, models=["naive"], holdout=holdout, output=True, own_intervals=False,
                     forecasters={"knows_its_error": KnowsItsError(sd)})
    assert not any(n.startswith("conformal scale") for n in plain.notes)
    out = plain.output.set_index(["unique_id", "ds"])
    half = (out["hi80"] - out["forecast"]).to_numpy().reshape(len(sd), 2)
    np.testing.assert_allclose(half[40:] / half[:40], 1.0, rtol=0.05)  # one MASE scale: one width
