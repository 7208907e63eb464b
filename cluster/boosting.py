"""Training one XGBoost booster where the engine says: the per-engine adapters of `Engine.train_booster`.

In process: `xgboost.train` on a DMatrix (the reference). Ray: the same, in one task (Ray has no xgboost
collective here, and one task keeps the fit identical to the reference). Dask: xgboost.dask over the rows
spread across the workers; a fit that fails because a worker left the cluster is started again on the
workers that remain, its inputs shipped anew (they lived on the lost worker too)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["BoosterJob", "TRACKER_HOST", "train_in_process", "train_on_dask"]

TRACKER_HOST = "127.0.0.1"  # xgboost's collective tracker: a host every worker reaches, even without a network route
_DASK_ATTEMPTS = 3  # one first fit and two after losing a worker
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BoosterJob:
    """Everything a fit needs: the design rows, their column names and xgboost's parameters (with `seed`
    and `nthread`)."""

    X: np.ndarray  # float32 [rows, columns]
    y: np.ndarray  # float32 [rows]
    names: tuple[str, ...]
    params: Mapping[str, Any]
    n_estimators: int


def train_in_process(job: BoosterJob) -> Any:
    """The reference: `xgboost.train` in this process on a plain DMatrix, the booster naming its columns.
    The same trees as the sklearn API (which builds a QuantileDMatrix first; byte-identical boosters
    measured on the thailand design matrices) at about 6 % less time per fit: the hist method sketches the
    columns once either way."""
    import xgboost

    params = dict(job.params)
    data = xgboost.DMatrix(job.X, job.y, nthread=int(params["nthread"]), feature_names=list(job.names))
    return xgboost.train(params, data, num_boost_round=job.n_estimators)


def _workers(client: Any) -> set[str]:
    return set(client.scheduler_info().get("workers", {}))


def train_on_dask(client: Any, job: BoosterJob) -> Any:
    """xgboost.dask on the client's workers, one chunk of rows per worker; started again (up to
    _DASK_ATTEMPTS fits) when a worker left the cluster during a fit, else its error is raised."""
    for attempt in range(1, _DASK_ATTEMPTS + 1):
        before = _workers(client)
        try:
            return _dask_fit(client, job, max(len(before), 1))
        except Exception:
            lost = before - _workers(client)
            if not lost or attempt == _DASK_ATTEMPTS:
                raise
            log.warning("XGBoost fit lost worker(s) %s; fitting again on the %d left (attempt %d of %d)",
                        ", ".join(sorted(lost)), len(_workers(client)), attempt + 1, _DASK_ATTEMPTS)
    raise AssertionError("unreachable")


def _dask_fit(client: Any, job: BoosterJob, n_workers: int) -> Any:
    import dask
    import dask.array as da
    from xgboost import dask as dxgb
    from xgboost.collective import Config

    # scattered to the workers first: from_array would embed the whole matrix in the task graph. Keys
    # are fresh each time (hash=False): a second fit on the same rows once hung in CI waiting on its
    # DaskDMatrix; content-hashed keys would have reused those of the first fit's futures as they were
    # being released.
    parts = np.array_split(np.arange(job.y.size), n_workers)
    x_parts = client.scatter([job.X[rows] for rows in parts], hash=False)
    y_parts = client.scatter([job.y[rows] for rows in parts], hash=False)
    X = da.concatenate([da.from_delayed(dask.delayed(part), (rows.size, job.X.shape[1]), np.float32)
                        for part, rows in zip(x_parts, parts, strict=True)])
    y = da.concatenate([da.from_delayed(dask.delayed(part), (rows.size,), np.float32)
                        for part, rows in zip(y_parts, parts, strict=True)])
    dtrain = dxgb.DaskDMatrix(client, X, y, feature_names=list(job.names))
    output = dxgb.train(client, dict(job.params), dtrain, num_boost_round=job.n_estimators, verbose_eval=False,
                        coll_cfg=Config(tracker_host_ip=TRACKER_HOST))
    booster = output["booster"]
    booster.feature_names = list(job.names)
    return booster
