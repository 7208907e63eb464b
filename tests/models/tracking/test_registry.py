"""models.tracking.registry against a real SQLite MLflow store: champion / challenger aliases, and
models:/khlang-<family>@champion loading back the logged run's forecasts exactly."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from khlang.catalog import Catalog
from models.forecasters.baselines import HistoricMean, Naive, SeasonalNaive
from models.tracking.pyfunc import BlockForecast, forecast_request
from models.tracking.registry import (
    BACKTEST,
    CHALLENGER,
    CHAMPION,
    SCORE,
    backtest_key,
    decide,
    load_alias,
    register_winner,
)
from models.tracking.runs import training_cycle

KEY = backtest_key("ab" * 32, [48, 54, 60], 6)
OTHER_KEY = backtest_key("cd" * 32, [48, 54, 60], 6)  # new data
OTHER_ORIGINS = backtest_key("ab" * 32, [42, 48, 54, 60], 6)  # the same data, another backtest


@dataclass
class Store:
    catalog: Catalog
    client: MlflowClient
    model_uris: dict[str, str]  # one logged model per baseline
    runs: dict[str, str]
    request: pd.DataFrame


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    catalog = Catalog(tmp_path_factory.mktemp("registry") / "work").ensure()
    rng = np.random.default_rng(11)
    block = rng.gamma(4.0, 3.0, size=(8, 48)).astype(np.float32)
    block[2, -5:] = np.nan  # a series that stopped reporting
    keys = np.arange(5001, 5009, dtype=np.int64)
    request = forecast_request(keys, 12)
    uris, runs = {}, {}
    with training_cycle("waste", "2568-10", catalog) as cycle:
        for forecaster in (Naive(), SeasonalNaive(), HistoricMean()):
            with cycle.model(forecaster.name, level="lao") as run:
                uris[forecaster.name] = run.log_forecaster(BlockForecast(forecaster, block, keys), request)
                runs[forecaster.name] = run.run_id
    return Store(catalog, MlflowClient(catalog.local_tracking_uri), uris, runs, request)


def _aliases(store: Store, name: str) -> dict[str, str]:
    return {alias: str(version) for alias, version in store.client.get_registered_model(name).aliases.items()}


@pytest.mark.parametrize(("score", "key", "champion", "rescored", "alias"), [
    (1.0, KEY, None, None, CHAMPION),  # first one
    (0.8, KEY, (1.0, KEY), None, CHAMPION),  # better on the same backtest
    (1.0, KEY, (1.0, KEY), None, CHALLENGER),  # a tie keeps the champion
    (1.2, KEY, (1.0, KEY), None, CHALLENGER),  # worse
    (0.1, OTHER_ORIGINS, (1.0, KEY), None, CHALLENGER),  # another backtest of the same data: not comparable
    (0.8, OTHER_ORIGINS, (1.0, KEY), 0.9, CHAMPION),  # … unless the champion was re-scored on it
    (0.95, OTHER_ORIGINS, (1.0, KEY), 0.9, CHALLENGER),
    (1.5, OTHER_KEY, (1.0, KEY), None, CHAMPION),  # new data: the champion cannot forecast from it
    (1.5, OTHER_KEY, (1.0, KEY), 0.9, CHALLENGER),  # … but a champion re-scored on the new data still counts
])
def test_decide(score, key, champion, rescored, alias) -> None:
    assert decide(score, key, champion, rescored).alias == alias


@pytest.mark.parametrize(("score", "key", "interval", "champion_interval", "alias"), [
    (1.0, KEY, 3.0, 3.5, CHAMPION),  # same point forecasts, sharper or better-covering intervals
    (1.0 + 1e-15, KEY, 3.0, 3.5, CHAMPION),  # equal up to the last bits of a mean
    (1.0, KEY, 3.5, 3.5, CHALLENGER),  # a full tie keeps the champion
    (1.0, KEY, 4.0, 3.5, CHALLENGER),
    (1.0, KEY, 3.0, None, CHALLENGER),  # a champion registered before interval scores: no tie-break
    (1.0, KEY, None, 3.5, CHALLENGER),
    (1.2, KEY, 1.0, 3.5, CHALLENGER),  # the point score decides first: a better interval does not rescue it
    (0.8, KEY, 9.0, 3.5, CHAMPION),
    (1.0, OTHER_ORIGINS, 1.0, 3.5, CHALLENGER),  # another backtest of the same data: still not comparable
])
def test_decide_breaks_a_tie_on_the_interval_score(score, key, interval, champion_interval, alias) -> None:
    assert decide(score, key, (1.0, KEY), None, interval, champion_interval).alias == alias


def test_backtest_key_names_snapshot_origins_and_horizon() -> None:
    assert KEY == f"snapshot={'ab' * 32};origins=48,54,60;horizon=6" and KEY != backtest_key("ab" * 32, [48, 54], 6)


def test_first_version_is_champion_and_loads_back_the_runs_forecasts(store: Store, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    registration = register_winner(store.model_uris["seasonal_naive"], "waste", 0.91, KEY, store.catalog)
    assert (registration.name, registration.version, registration.alias) == ("khlang-waste", "1", CHAMPION)
    assert registration.previous_champion is None
    version = store.client.get_model_version("khlang-waste", "1")
    assert version.run_id == store.runs["seasonal_naive"]
    assert (float(version.tags[SCORE]), version.tags[BACKTEST]) == (0.91, KEY)

    logged = pd.read_parquet(store.client.download_artifacts(store.runs["seasonal_naive"], "forecasts.parquet",
                                                             str(tmp_path)))
    # What a serving process does: plain MLflow with the store in its environment.
    monkeypatch.setenv("MLFLOW_TRACKING_URI", store.catalog.local_tracking_uri)
    champion = mlflow.pyfunc.load_model("models:/khlang-waste@champion")
    pd.testing.assert_frame_equal(champion.predict(store.request), logged, check_exact=True)
    monkeypatch.delenv("MLFLOW_TRACKING_URI")
    again = load_alias("waste", store.catalog).predict(store.request)
    pd.testing.assert_frame_equal(again, logged, check_exact=True)
    assert np.isnan(logged.loc[logged["series"] == 5003, "forecast"]).sum() == 0  # naive fills the gap


def test_better_takes_champion_worse_is_challenger(store: Store, capfd: pytest.CaptureFixture[str]) -> None:
    first = register_winner(store.model_uris["naive"], "welfare", 1.0, KEY, store.catalog)
    capfd.readouterr()
    better = register_winner(store.model_uris["seasonal_naive"], "welfare", 0.8, KEY, store.catalog)
    # a new version of a model that exists: MLflow's "already exists. Creating a new version" and "Created
    # version" lines are not what a user of `khlang train` reads (the Registration says it)
    printed = capfd.readouterr()
    assert "already exists" not in printed.err + printed.out and "Created version" not in printed.err + printed.out
    assert (first.alias, better.alias, better.previous_champion) == (CHAMPION, CHAMPION, first.version)
    assert _aliases(store, "khlang-welfare") == {CHAMPION: better.version}
    worse = register_winner(store.model_uris["historic_mean"], "welfare", 0.85, KEY, store.catalog)
    assert (worse.alias, worse.previous_champion) == (CHALLENGER, better.version)
    assert _aliases(store, "khlang-welfare") == {CHAMPION: better.version, CHALLENGER: worse.version}
    assert store.client.get_model_version("khlang-welfare", worse.version).tags["khlang.decision"].startswith(
        "score 0.85 >= champion's 0.8")


def test_registry_keeps_interval_scores_and_breaks_ties_with_them(store: Store) -> None:
    first = register_winner(store.model_uris["naive"], "waste", 0.7, KEY, store.catalog, interval_score=4.0)
    assert float(store.client.get_model_version("khlang-waste", first.version).tags["khlang.interval_score"]) == 4.0
    wider = register_winner(store.model_uris["seasonal_naive"], "waste", 0.7, KEY, store.catalog, interval_score=4.5)
    sharper = register_winner(store.model_uris["historic_mean"], "waste", 0.7, KEY, store.catalog,
                              interval_score=3.5)
    assert (wider.alias, sharper.alias, sharper.previous_champion) == (CHALLENGER, CHAMPION, first.version)
    assert "interval score 3.5 < champion's 4" in sharper.reason
    unknown = register_winner(store.model_uris["naive"], "waste", 0.7, KEY, store.catalog,
                              interval_score=float("nan"))
    assert unknown.alias == CHALLENGER
    assert "khlang.interval_score" not in store.client.get_model_version("khlang-waste", unknown.version).tags


def test_another_backtest_is_challenger_unless_the_champion_is_rescored(store: Store) -> None:
    champion = register_winner(store.model_uris["naive"], "budget", 1.0, KEY, store.catalog)
    other = register_winner(store.model_uris["seasonal_naive"], "budget", 0.5, OTHER_ORIGINS, store.catalog)
    assert other.alias == CHALLENGER and "another backtest" in other.reason
    rescored = register_winner(store.model_uris["historic_mean"], "budget", 0.7, OTHER_ORIGINS, store.catalog,
                               champion_rescored=0.9)
    assert rescored.alias == CHAMPION and rescored.previous_champion == champion.version
    assert _aliases(store, "khlang-budget") == {CHAMPION: rescored.version, CHALLENGER: other.version}


def test_a_model_of_new_data_replaces_the_champion(store: Store) -> None:
    """The store changed: the old champion's models hold the old history, so the version trained on the
    new snapshot takes over even with a worse score (its backtest is another, harder one); among
    versions of the new snapshot the score decides again."""
    old = register_winner(store.model_uris["naive"], "waste", 0.5, KEY, store.catalog)
    newer_data = register_winner(store.model_uris["seasonal_naive"], "waste", 0.9, OTHER_KEY, store.catalog)
    assert (newer_data.alias, newer_data.previous_champion) == (CHAMPION, old.version)
    assert newer_data.reason.startswith("new data") and ("ab" * 6) in newer_data.reason
    worse = register_winner(store.model_uris["historic_mean"], "waste", 0.95, OTHER_KEY, store.catalog)
    assert worse.alias == CHALLENGER
    assert _aliases(store, "khlang-waste") == {CHAMPION: newer_data.version, CHALLENGER: worse.version}


@pytest.mark.parametrize("score", [math.nan, math.inf])
def test_a_score_must_be_finite(store: Store, score: float) -> None:
    with pytest.raises(ValueError, match="finite"):
        register_winner(store.model_uris["naive"], "waste", score, KEY, store.catalog)
