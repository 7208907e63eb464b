"""Model registry: the winner of each metric family as a version of `khlang-<family>`.

A new version takes the alias `champion` only when its backtest score (MASE at a chosen level, lower
is better) beats the champion's score on the same backtest: same data snapshot, origins and horizon
(the backtest key). Otherwise it takes `challenger`. When the two scores are equal (the same point
forecasts: a retraining that changed only the intervals), the interval score breaks the tie: mean scaled
Winkler score at the same level, lower is better, where both versions carry one. Scores of different
backtests are not compared:
a version scored on other origins or another horizon of the same data stays challenger unless the
caller passes the champion's score re-measured on the new backtest (`champion_rescored`).

New data is the exception: when the store changed since the champion was trained (another data
snapshot), the champion's fitted models hold the old history and cannot forecast from the new months,
and its score belongs to a backtest that no longer exists. A version trained on the new snapshot then
takes `champion` (its decision tag says so); the gate applies again among versions of that snapshot."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import mlflow
import mlflow.pyfunc
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from khlang.catalog import Catalog
from models.tracking.runs import TAG, using_tracking_uri

__all__ = ["CHAMPION", "CHALLENGER", "Decision", "Registration", "backtest_key", "decide", "load_alias",
           "register_winner", "registered_model_name"]

CHAMPION, CHALLENGER = "champion", "challenger"
SCORE, SCORE_METRIC, BACKTEST = "khlang.score", "khlang.score_metric", "khlang.backtest_key"
INTERVAL_SCORE = "khlang.interval_score"
_TIE = 1e-12  # relative: equal point scores, up to the last bits of a mean over the same numbers
DECISION = "khlang.decision"


def registered_model_name(family: str) -> str:
    return f"khlang-{family}"


def backtest_key(snapshot: str, origins: Sequence[Any], horizon: int) -> str:
    """Which backtest a score comes from: data snapshot (manifest sha256), origins, horizon (months)."""
    return f"snapshot={snapshot};origins={','.join(str(o) for o in origins)};horizon={int(horizon)}"


def _snapshot(key: str) -> str:
    """The data snapshot part of a backtest key ('' when the key has none)."""
    parts = dict(part.split("=", 1) for part in key.split(";") if "=" in part)
    return parts.get("snapshot", "")


@dataclass(frozen=True)
class Decision:
    alias: str
    reason: str


def decide(score: float, key: str, champion: tuple[float, str] | None,
           champion_rescored: float | None = None, interval_score: float | None = None,
           champion_interval: float | None = None) -> Decision:
    """Champion or challenger for a new version with `score` on backtest `key`, given the champion's
    (score, key) if there is one. Equal scores on the same backtest go to the lower interval score when
    both are known; otherwise ties keep the champion."""
    if champion is None:
        return Decision(CHAMPION, "no champion yet")
    champion_score, champion_key = champion
    if (champion_key == key and math.isclose(score, champion_score, rel_tol=_TIE, abs_tol=0.0)
            and interval_score is not None and champion_interval is not None):
        if interval_score < champion_interval:  # False for NaN: no better interval, no takeover
            return Decision(CHAMPION, f"score {score:.6g} = champion's; interval score {interval_score:.6g} < "
                                      f"champion's {champion_interval:.6g}")
        return Decision(CHALLENGER, f"score {score:.6g} = champion's; interval score {interval_score:.6g} >= "
                                    f"champion's {champion_interval:.6g}")
    if champion_key != key:
        if champion_rescored is None:
            if _snapshot(champion_key) != _snapshot(key):
                return Decision(CHAMPION, f"new data: the champion was trained on snapshot "
                                          f"{_snapshot(champion_key)[:12]}, this version on {_snapshot(key)[:12]}")
            return Decision(CHALLENGER, "champion scored on another backtest of the same data; not comparable")
        champion_score = champion_rescored
    if score < champion_score:
        return Decision(CHAMPION, f"score {score:.6g} < champion's {champion_score:.6g}")
    return Decision(CHALLENGER, f"score {score:.6g} >= champion's {champion_score:.6g}")


@dataclass(frozen=True)
class Registration:
    name: str
    version: str
    alias: str
    reason: str
    previous_champion: str | None  # version that held `champion` before, if any


def _ensure_registered_model(client: MlflowClient, name: str, family: str) -> None:
    try:
        client.create_registered_model(name, tags={TAG.FAMILY: family})
    except MlflowException as error:
        if error.error_code not in ("RESOURCE_ALREADY_EXISTS", "ALREADY_EXISTS"):
            raise


def _champion(client: MlflowClient, name: str) -> tuple[str, float, str, float | None] | None:
    """(version, score, backtest key, interval score or None) of the current champion, or None."""
    version = client.get_registered_model(name).aliases.get(CHAMPION)
    if version is None:
        return None
    tags = client.get_model_version(name, str(version)).tags
    interval = float(tags[INTERVAL_SCORE]) if INTERVAL_SCORE in tags else None  # versions before it had none
    return str(version), float(tags[SCORE]), tags[BACKTEST], interval


@contextlib.contextmanager
def _quiet_mlflow() -> Iterator[None]:
    """MLflow's own event lines off for the block (its exceptions still raise)."""
    from mlflow.utils.logging_utils import MLFLOW_LOGGING_STREAM

    enabled, MLFLOW_LOGGING_STREAM.enabled = MLFLOW_LOGGING_STREAM.enabled, False
    try:
        yield
    finally:
        MLFLOW_LOGGING_STREAM.enabled = enabled


def register_winner(model_uri: str, family: str, score: float, key: str, catalog: Catalog,
                    score_metric: str = "mase__lao",
                    champion_rescored: float | None = None, interval_score: float | None = None) -> Registration:
    """Register the family's winning model (a models:/ or runs:/ URI) as a new version of khlang-<family>,
    tag it with its score, interval score (if given) and backtest key, and give it `champion` or
    `challenger` (see `decide`)."""
    if not math.isfinite(score):
        raise ValueError(f"a registered model needs a finite backtest score; got {score}")
    if interval_score is not None and not math.isfinite(interval_score):
        interval_score = None  # no interval anywhere: nothing to break a tie with
    name = registered_model_name(family)
    with using_tracking_uri(catalog.tracking_uri) as client:
        _ensure_registered_model(client, name, family)
        champion = _champion(client, name)
        decision = decide(score, key, champion[1:3] if champion else None, champion_rescored, interval_score,
                          champion[3] if champion else None)
        tags = {SCORE: repr(float(score)), SCORE_METRIC: score_metric, BACKTEST: key, TAG.FAMILY: family,
                DECISION: decision.reason}
        if interval_score is not None:
            tags[INTERVAL_SCORE] = repr(float(interval_score))
        with _quiet_mlflow():  # its "already exists. Creating a new version…" lines: the Registration says it
            version = mlflow.register_model(model_uri, name, tags=tags)
        client.set_registered_model_alias(name, decision.alias, str(version.version))
    return Registration(name=name, version=str(version.version), alias=decision.alias, reason=decision.reason,
                        previous_champion=champion[0] if champion else None)


def load_alias(family: str, catalog: Catalog, alias: str = CHAMPION) -> Any:
    """The pyfunc model models:/khlang-<family>@<alias> of the catalogue's tracking store."""
    with using_tracking_uri(catalog.tracking_uri):
        return mlflow.pyfunc.load_model(f"models:/{registered_model_name(family)}@{alias}")
