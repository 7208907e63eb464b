"""One training cycle of a metric family: train every monthly metric of the family (models.training.train), log
the cycle to MLflow and register the family's model.

MLflow layout (experiment khlang-<family>): the parent run `<family>/<cycle>` holds the training
config, the accuracy table of every (metric, level, model) before and after reconciliation, the
reconciliation chosen per metric (param `reconciliation.<metric>`, and every candidate method's MASE,
scaled Winkler score and coverage per level in backtest/reconciliation.parquet), the interval coverage,
the champions, the coherence gap, backtest plots, the data snapshot and code version.
One child run per candidate model logs its metrics per metric and level (`mase__<metric>__<level>`)
and its per-series accuracy (Parquet); the xgb_global child logs its feature importance. The child run
`champion` logs the family's pyfunc model (models.training.family_model) with pinned requirements and the
published forecasts; it is registered as a version of khlang-<family> and takes the alias `champion`
only if its score (mean MASE of the reconciled LAO forecasts over the family's metrics) beats the
current champion's on the same backtest (same data snapshot, origins, horizon), else `challenger`."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from mlflow.models import ModelSignature

from cluster.engine import IN_PROCESS, Engine
from khlang.catalog import Catalog
from khlang.config import TrainConfig
from khlang.domain.metrics import metrics_of_family
from khlang.domain.reference import ReferenceData
from models.hierarchy.reconcile import coherence_gap
from models.tracking.pyfunc import own_code_by_value, pinned_requirements
from models.tracking.registry import Registration, backtest_key, register_winner
from models.tracking.runs import data_snapshot, metric_key, model_signature, training_cycle
from models.training.ahead import ahead
from models.training.family_model import FamilyForecastModel, family_request, request_schema
from models.training.fits import MetricFits, fit_metric
from models.training.history import load_history
from models.training.train import MetricTraining, assemble_metric, check_config

__all__ = ["FITS_IN_FLIGHT", "FamilyTraining", "family_metrics", "train_family", "train_families"]

FITS_IN_FLIGHT = 2  # metrics whose fits are on the cluster at once: the second's tasks fill the first's tail


def family_metrics(catalog: Catalog, family: str) -> list[str]:
    """The family's monthly metrics that have a panel (annual ones are not forecast: see the README)."""
    import zarr

    root = zarr.open_group(str(catalog.panel), mode="r")
    present = set(root.group_keys())
    return [m.name for m in metrics_of_family(family) if m.frequency == "M" and m.name in present]


@dataclass(frozen=True)
class FamilyTraining:
    family: str
    cycle: str
    trainings: dict[str, MetricTraining]
    run_id: str
    model_uri: str
    registration: Registration
    score: float  # mean reconciled LAO MASE over the metrics
    coherence_gap: float  # largest |parent - sum of children| of the published forecasts, any metric
    seconds: float

    def accuracy(self) -> pd.DataFrame:
        return pd.concat([t.accuracy() for t in self.trainings.values()], ignore_index=True)

    def coverage(self) -> pd.DataFrame:
        return pd.concat([t.coverage.assign(metric=m) for m, t in self.trainings.items()], ignore_index=True)

    def forecasts(self) -> pd.DataFrame:
        return pd.concat([t.forecasts for t in self.trainings.values()], ignore_index=True)


def _lao_score(trainings: dict[str, MetricTraining]) -> float:
    values = [t.reconciled["lao"].summary.loc["reconciled", "mase"] for t in trainings.values()]
    values = [v for v in values if np.isfinite(v)]
    return float(np.mean(values)) if values else float("nan")


def _lao_interval_score(trainings: dict[str, MetricTraining]) -> float:
    """Mean over the family's metrics of the LAO level's cross-origin scaled Winkler score (80 and 95 %
    averaged): the registry's tie-break between versions with the same point forecasts."""
    values = []
    for t in trainings.values():
        lao = t.coverage.loc[t.coverage["level"] == "lao", "scaled_winkler"].to_numpy(dtype=np.float64)
        if lao.size and np.isfinite(lao).all():
            values.append(float(lao.mean()))
    return float(np.mean(values)) if values else float("nan")


def _coherence(trainings: dict[str, MetricTraining]) -> float:
    gaps = []
    for t in trainings.values():
        h = t.fitted.hierarchy
        arrays = t.fitted.forecast_arrays()
        stacked = h.stack({level: (h.keys(level), a["forecast"]) for level, a in arrays.items()})
        gaps.append(coherence_gap(h, stacked))
    return float(max(gaps)) if gaps else 0.0


def _backtest_figure(training: MetricTraining):
    """MASE of every candidate per level (bars) and the nation's backtest at the last origin."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    acc = training.accuracy()
    base = acc[acc["stage"] == "base"].pivot(index="level", columns="model", values="mase")
    base = base.reindex([lv for lv in ("nation", "region", "province", "district", "lao") if lv in base.index])
    fig = Figure(figsize=(11, 4.2))
    ax1, ax2 = fig.subplots(1, 2)
    base.plot.bar(ax=ax1, rot=0)
    ax1.set_title(f"{training.metric}: backtest MASE by level")
    ax1.axhline(1.0, color="grey", lw=0.5)
    ax1.legend(fontsize=7)
    bt = training.reconciled["nation"]
    ax2.plot(bt.actual[-1, 0], label="actual", color="black")
    ax2.plot(bt.forecasts["base"][-1, 0], label=f"base ({training.champions['nation']})")
    ax2.plot(bt.forecasts["reconciled"][-1, 0], label="reconciled")
    ax2.set_title("nation, last origin")
    ax2.set_xlabel("months ahead")
    ax2.legend(fontsize=7)
    fig.tight_layout()
    return fig


def train_family(family: str, catalog: Catalog, reference: ReferenceData, config: TrainConfig,
                 engine: Engine = IN_PROCESS, cycle: str | None = None,
                 metrics: list[str] | None = None, progress: Callable[[str], None] | None = None) -> FamilyTraining:
    """Train, log and register one family (see the module docstring)."""
    return train_families([family], catalog, reference, config, engine, cycle,
                          {family: metrics} if metrics else None, progress)[0]


def train_families(families: Sequence[str], catalog: Catalog, reference: ReferenceData, config: TrainConfig,
                   engine: Engine = IN_PROCESS, cycle: str | None = None,
                   metrics: Mapping[str, list[str]] | None = None,
                   progress: Callable[[str], None] | None = None) -> list[FamilyTraining]:
    """Train, log and register each family in turn, one cycle each (see the module docstring); the cluster
    fits the next metrics (FITS_IN_FLIGHT), of this family or the next, while the client assembles the one
    before and logs and registers a family (models.training.ahead). `metrics`: the metrics of a family (default: all of its
    monthly metrics in the panel)."""
    say = progress or (lambda message: None)
    configs = {family: config.for_family(family) for family in families}  # [train.<family>] keys in place
    for own in configs.values():
        check_config(own)
    names = {family: list(dict.fromkeys((metrics or {}).get(family) or family_metrics(catalog, family)))
             for family in families}
    for family, found in names.items():
        if not found:
            raise ValueError(f"no panel for any monthly {family} metric in {catalog.panel}: run `khlang panel` first")
    cycle = cycle or dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")

    def fit(item: tuple[str, str]) -> MetricFits:
        family, name = item
        return fit_metric(load_history(catalog, reference, name), configs[family], engine, progress=say)

    done: list[FamilyTraining] = []
    trainings: dict[str, MetricTraining] = {}
    started = time.perf_counter()
    for (family, name), fits in ahead([(f, n) for f in families for n in names[f]], fit, depth=FITS_IN_FLIGHT):
        trainings[name] = assemble_metric(fits, progress=say)
        if len(trainings) == len(names[family]):
            done.append(_log_family(family, cycle, trainings, catalog, configs[family], engine, say, started))
            trainings, started = {}, time.perf_counter()
    return done


def _log_family(family: str, cycle: str, trainings: dict[str, MetricTraining], catalog: Catalog,
                config: TrainConfig, engine: Engine, say: Callable[[str], None], started: float) -> FamilyTraining:
    """Log one family's cycle to MLflow and register its model (see the module docstring)."""
    names = list(trainings)
    score = _lao_score(trainings)
    interval_score = _lao_interval_score(trainings)
    gap = _coherence(trainings)
    first = next(iter(trainings.values()))
    key = backtest_key(data_snapshot(catalog), first.cuts.tolist(), first.horizon)
    say(f"{family}: logging to MLflow")
    params = {f"train.{k}": v for k, v in dataclasses.asdict(config).items()}
    with training_cycle(family, cycle, catalog, params={
            **params, "metrics": ",".join(names), "horizon": first.horizon,
            "origins": ",".join(str(c) for c in first.cuts), "engine": engine.describe()}
    ) as parent:
        accuracy = pd.concat([t.accuracy() for t in trainings.values()], ignore_index=True)
        coverage = pd.concat([t.coverage.assign(metric=m) for m, t in trainings.items()], ignore_index=True)
        parent.log_frame(accuracy, "backtest/accuracy.parquet")
        parent.log_frame(coverage, "backtest/coverage.parquet")
        parent.log_frame(pd.DataFrame([{"metric": m, "level": lv, "champion": c} for m, t in trainings.items()
                                       for lv, c in t.champions.items()]), "backtest/champions.parquet")
        # which reconciliation each metric got, and every candidate method's MASE per level behind the choice
        parent.log_frame(pd.concat([t.reconciliation_methods.assign(metric=m) for m, t in trainings.items()],
                                   ignore_index=True), "backtest/reconciliation.parquet")
        parent.log_params({f"reconciliation.{m}": t.reconciliation for m, t in trainings.items()})
        rec = accuracy[accuracy["stage"] == "reconciled"]
        parent.log_level_metrics({lv: {f"mase_reconciled__{r.metric}": r.mase, f"smape_reconciled__{r.metric}": r.smape}
                                  for lv, group in rec.groupby("level") for r in group.itertuples()})
        parent.log_level_metrics({f"{r.level}__{r.metric}": {
            f"coverage{round(r.interval * 100)}": r.coverage,
            **({f"coverage{round(r.interval * 100)}_last_origin": r.coverage_last_origin}
               if np.isfinite(r.coverage_last_origin) else {})}
            for r in coverage.itertuples() if np.isfinite(r.coverage)})
        parent._log_metrics({"score_mase_lao_reconciled": score, "coherence_gap": gap,
                             **({"interval_score_lao": interval_score} if np.isfinite(interval_score) else {}),
                             # where the time went, per metric: cluster fits + backtest, reconciliation, final
                             **{f"seconds_{stage}__{m}": float(v) for m, t in trainings.items()
                                for stage, v in t.seconds.items()}})
        for name, training in trainings.items():
            parent.log_figure(_backtest_figure(training), f"backtest_{name}")
        for model in accuracy.loc[accuracy["stage"] == "base", "model"].unique():
            with parent.model(str(model)) as child:
                rows = accuracy[(accuracy["stage"] == "base") & (accuracy["model"] == model)]
                child._log_metrics({metric_key(f"{stat}__{r.metric}", r.level): float(getattr(r, stat))
                                    for r in rows.itertuples() for stat in ("mase", "smape", "wape")
                                    if np.isfinite(getattr(r, stat))})
                series = pd.concat([_series_frame(t, str(model)) for t in trainings.values()], ignore_index=True)
                child.log_series_metrics(series)
                if model == "xgb_global":
                    for name, training in trainings.items():
                        child.log_feature_importance(training.importance.get("lao", {}), name=f"importance_{name}")
        say(f"{family}: logging the family model")
        with parent.model("champion", params={"score_mase_lao_reconciled": score}) as child:
            wrapper = FamilyForecastModel(family, {m: t.fitted for m, t in trainings.items()})
            # what wrapper.forecast(names) returns, computed once already by each metric's training
            published = pd.concat([trainings[name].forecasts for name in names], ignore_index=True)
            hierarchy = trainings[names[0]].fitted.hierarchy
            lowest = hierarchy.levels[-1]
            example = family_request(names[:1], [lowest], [int(hierarchy.keys(lowest)[0])])
            signature = ModelSignature(inputs=request_schema(),
                                       outputs=model_signature(family_request(names), published).outputs)
            import mlflow.pyfunc

            with own_code_by_value():  # MLflow serves the example once: one unit of one metric
                info = mlflow.pyfunc.log_model(
                    name=f"khlang-{family}", python_model=wrapper, signature=signature, input_example=example,
                    pip_requirements=pinned_requirements(wrapper, ["xgboost-cpu", "scipy", "mlflow"]),
                    tags={"khlang.model": "champion"})
            child.log_frame(published, "forecasts.parquet")
            child.client.set_tag(child.run_id, "khlang.model_uri", info.model_uri)
            model_uri = str(info.model_uri)
            run_id = child.run_id
    registration = register_winner(model_uri, family, score, key, catalog,
                                   score_metric="mase_lao_reconciled", interval_score=interval_score)
    return FamilyTraining(family=family, cycle=cycle, trainings=trainings, run_id=run_id, model_uri=model_uri,
                          registration=registration, score=score, coherence_gap=gap,
                          seconds=time.perf_counter() - started)


def _series_frame(training: MetricTraining, model: str) -> pd.DataFrame:
    """Per (level, series): the model's MASE and sMAPE over the backtest origins."""
    from models.evaluation.metrics import series_accuracy

    frames = []
    for level, bt in training.backtests.items():
        if model not in bt.forecasts:
            continue
        n_origins, n_series, horizon = bt.actual.shape
        table = series_accuracy(bt.actual.reshape(-1, horizon), bt.forecasts[model].reshape(-1, horizon),
                                bt.scale.reshape(-1))
        table["series"] = np.tile(bt.series, n_origins)
        table["origin"] = np.repeat(bt.cuts, n_series)
        frames.append(table.assign(metric=training.metric, level=level))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
