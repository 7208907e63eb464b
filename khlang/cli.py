"""The `khlang` command: a thin shell over the stages. Each command loads settings, opens the engine
it was asked for, calls one stage function and prints what it made."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from khlang.catalog import Catalog
from khlang.config import Settings, load_settings
from khlang.domain.metrics import FAMILIES
from khlang.progress import console, progress_bars, status

__all__ = ["app", "main"]

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode="rich",
                  help="Khlang (คลัง): data store and forecasts for Thai local government.")
cluster_app = typer.Typer(no_args_is_help=True, help="Start and stop a local Dask scheduler with workers.")
app.add_typer(cluster_app, name="cluster")
mlflow_app = typer.Typer(no_args_is_help=True, help="Start and stop the MLflow UI on the local tracking store.")
app.add_typer(mlflow_app, name="mlflow")

ClusterOpt = Annotated[str | None, typer.Option(
    "--cluster", help="local (embedded LocalCluster) | tcp://HOST:8786 (Dask scheduler) | ray | ray://HOST:10001")]


class _State:
    config: Path | None = None
    work_dir: Path | None = None


@app.callback()
def _root(
    config: Annotated[Path | None, typer.Option(help="khlang.toml to use (default: ./khlang.toml)")] = None,
    work_dir: Annotated[Path | None, typer.Option(help="Work folder (overrides the config)")] = None,
) -> None:
    _State.config, _State.work_dir = config, work_dir
    _settings()  # caches and temp folders point into the work folder before any library is imported


def _settings(cluster: str | None = None) -> tuple[Settings, Catalog]:
    from khlang.runtime import configure_runtime

    try:
        settings = load_settings(_State.config)
    except ValueError as error:  # a bad value in khlang.toml or a KHLANG_* variable: say which, no traceback
        raise typer.BadParameter(str(error), param_hint="configuration (khlang.toml / KHLANG_*)") from None
    if _State.work_dir:
        settings = settings.with_work_dir(_State.work_dir)
    if cluster:
        settings = settings.with_cluster(cluster)
    catalog = Catalog.from_settings(settings).ensure()
    configure_runtime(catalog)
    return settings, catalog


@contextlib.contextmanager
def _engine(settings: Settings, catalog: Catalog) -> Iterator:
    import logging

    from cluster.engine import EngineError, open_engine

    with status(f"starting engine [bold]{settings.cluster.address}[/]"):
        cm = open_engine(settings.cluster, local_directory=str(catalog.tmp / "dask"))
        try:
            engine = cm.__enter__()
        except OSError as error:  # no scheduler there (Dask's connect timeout)
            console.print(f"[red]error:[/] cannot reach the cluster at {escape(settings.cluster.address)}: "
                          f"{escape(str(error))}", soft_wrap=True)
            raise typer.Exit(code=1) from None
    console.print(f"engine: {engine.describe()}")
    # The Dask client logs its reconnect attempts and the tracebacks of its own closing when the scheduler
    # goes away; the command says so itself in one line (below), so those are not printed as well. (Set
    # once distributed is imported: its logging config sets the levels at import.)
    logging.getLogger("distributed.client").setLevel(logging.CRITICAL)
    lost: EngineError | None = None
    try:
        yield engine
    except EngineError as error:  # the cluster itself is gone (scheduler, every worker): one line, not a traceback
        lost = error
    finally:
        with contextlib.suppress(Exception) if lost else contextlib.nullcontext():
            cm.__exit__(None, None, None)
    if lost is not None:
        console.print(f"[red]error:[/] {escape(str(lost))}. Nothing half-written was kept (every output is swapped "
                      "in whole): rerun when the cluster is back; `khlang pipeline` resumes from the last finished "
                      "stage.", soft_wrap=True)
        raise typer.Exit(code=1)


def _reference(settings: Settings):
    from khlang.domain.reference import load_reference

    return load_reference(settings.thailand_dir)


def _report_measure(label: str, m) -> None:
    console.print(f"[green]{label}[/]: {m.seconds:.1f} s, peak memory {m.peak_rss_gib:.2f} GiB (process tree)")


def _print_quarantine_reasons(catalog: Catalog, batch_id: str | None) -> None:
    """Quarantined records of this batch by reason (what was rejected, and why)."""
    import pandas as pd
    from rich.table import Table

    from pipelines.schema import REASONS

    part = catalog.quarantine / f"batch={batch_id}" / "part.parquet"
    if not batch_id or not part.is_file():
        return
    counts = pd.read_parquet(part, columns=["reason"])["reason"].value_counts()
    table = Table(title=f"quarantined in batch {batch_id}, by reason ({catalog.quarantine})")
    for name, justify in (("reason", "left"), ("records", "right"), ("meaning", "left")):
        table.add_column(name, justify=justify)
    for reason, n in counts.items():
        table.add_row(str(reason), f"{n:,}", REASONS.get(str(reason), ""))
    console.print(table)


@app.command()
def info() -> None:
    """Show the settings and where each data set lives."""
    settings, catalog = _settings()
    console.print(f"config: {settings.config_file}")
    console.print(f"reference data: {settings.thailand_dir}")
    console.print(f"cluster: {settings.cluster}")
    for name in ("raw", "truth", "store", "quarantine", "manifest", "panel", "features", "forecasts", "mlflow",
                 "cache", "tmp", "run"):
        console.print(f"  {name:<11} {getattr(catalog, name)}")


@app.command()
def generate(
    scale: Annotated[str, typer.Option(help="tiny (1 province) | small (~5 provinces) | thailand (all LAOs)")] = "small",
    seed: Annotated[int | None, typer.Option(help="random seed (default from config)")] = None,
    dirty_share: Annotated[float | None, typer.Option(help="share of records made dirty on purpose")] = None,
    income_test_cut: Annotated[float | None, typer.Option(
        min=0.0, max=1.0,
        help="scenario: share of new elderly entrants the Aug 2023 income test removes (default 0: as on record, "
             "no income line was set)")] = None,
) -> None:
    """Generate realistic agency files for every LAO of the chosen scale into the raw folder."""
    from khlang.measure import measure
    from pipelines.generate import generate_dataset

    settings, catalog = _settings()
    with measure() as m, progress_bars() as progress:
        report = generate_dataset(
            _reference(settings), settings.thailand_dir, scale=scale,
            seed=settings.generate.seed if seed is None else seed, raw_dir=catalog.raw, truth_dir=catalog.truth,
            dirty_share=settings.generate.dirty_share if dirty_share is None else dirty_share, progress=progress,
            income_test_cut=settings.generate.income_test_cut if income_test_cut is None else income_test_cut)
    console.print(report.summary())
    _report_measure("generate", m)


@app.command()
def ingest(
    raw_dir: Annotated[Path | None, typer.Argument(help="folder of CSV / Excel / Parquet files (default: work/raw)")] = None,
    cluster: ClusterOpt = None,
    as_of: Annotated[str | None, typer.Option(help="YYYY-MM-DD: records after it are 'future' (default: today)")] = None,
) -> None:
    """Validate every file of RAW_DIR into the partitioned Parquet store; rejects go to the quarantine."""
    from khlang.measure import measure
    from pipelines.ingest import ingest as run_ingest

    settings, catalog = _settings(cluster)
    as_of_date = dt.date.fromisoformat(as_of) if as_of else settings.ingest.as_of_date()
    reference = _reference(settings)
    with measure() as m, _engine(settings, catalog) as engine, progress_bars() as progress:
        report = run_ingest(Path(raw_dir or catalog.raw), catalog, reference, engine, as_of_date, progress=progress)
    console.print(report.rich_table())
    _print_quarantine_reasons(catalog, report.batch_id)
    _report_measure("ingest", m)
    if not report.balanced:
        raise typer.Exit(code=1)


@app.command()
def panel(cluster: ClusterOpt = None) -> None:
    """Build the Zarr panels (series x month) per metric and hierarchy level from the store."""
    from khlang.measure import measure
    from pipelines.panel import build_panels

    settings, catalog = _settings(cluster)
    reference = _reference(settings)
    with measure() as m, _engine(settings, catalog) as engine, progress_bars() as progress:
        report = build_panels(catalog, reference, engine, progress=progress)
    report.print_summary(console)
    _report_measure("panel", m)


@app.command()
def features(cluster: ClusterOpt = None) -> None:
    """Compute the numba feature store (lags, rolling stats, EWM, cross-level, calendar) from the panels."""
    from features.store import build_features
    from khlang.measure import measure

    settings, catalog = _settings(cluster)
    reference = _reference(settings)
    with measure() as m, _engine(settings, catalog) as engine, progress_bars() as progress:
        report = build_features(catalog, reference, engine, progress=progress)
    report.print_summary(console)
    _report_measure("features", m)


FAMILY_CHOICES = (*FAMILIES, "all")


def _families(metric: str) -> list[str]:
    if metric not in FAMILY_CHOICES:
        raise typer.BadParameter(f"--metric must be one of {', '.join(FAMILY_CHOICES)}; got {metric!r}")
    return list(FAMILIES) if metric == "all" else [metric]


MlflowUriOpt = Annotated[str | None, typer.Option(
    "--mlflow-uri", help="MLflow tracking server (default: SQLite in the work folder, or \\[mlflow] tracking_uri)")]


def _tracking_uri(settings: Settings, uri: str | None) -> str | None:
    return uri or settings.mlflow.tracking_uri or None


def _print_training(result) -> None:
    from rich.table import Table

    acc = result.accuracy()
    cov = result.coverage()
    table = Table(title=f"{result.family}: backtest (origins x series), champion per level, after reconciliation")
    for name in ("metric", "level", "champion", "MASE base", "MASE reconciled", "seasonal naive", "sMAPE",
                 "cover 80", "cover 95", "last origin 80/95"):
        table.add_column(name, justify="left" if name in ("metric", "level", "champion") else "right")
    for (metric, level), rows in acc.groupby(["metric", "level"], sort=False):
        base = rows[rows["stage"] == "base"].set_index("model")
        rec = rows[rows["stage"] == "reconciled"].iloc[0]
        rows_cov = cov[(cov["metric"] == metric) & (cov["level"] == level)].set_index("interval")
        c, last = rows_cov["coverage"], rows_cov["coverage_last_origin"]
        table.add_row(metric, level, str(rec["model"]), f"{base.loc[rec['model'], 'mase']:.3f}", f"{rec['mase']:.3f}",
                      f"{base.loc['seasonal_naive', 'mase']:.3f}", f"{rec['smape']:.1f}",
                      f"{c.get(0.8, float('nan')):.3f}", f"{c.get(0.95, float('nan')):.3f}",
                      f"{last.get(0.8, float('nan')):.2f}/{last.get(0.95, float('nan')):.2f}")
    console.print(table)
    console.print("cover: intervals calibrated on all origins but one, scored on that one, each origin in turn "
                  "(pooled); last origin: calibrated on the earlier origins, scored on the last alone")
    reg = result.registration
    console.print(f"{result.family}: score (mean reconciled LAO MASE) {result.score:.4f}; coherence gap "
                  f"{result.coherence_gap:.3g}; registered {reg.name} v{reg.version} as [bold]{reg.alias}[/] "
                  f"({reg.reason}); run {result.run_id}; {result.seconds:.1f} s")


@app.command()
def train(
    metric: Annotated[str, typer.Option("--metric", help="budget | waste | welfare | all")] = "all",
    cluster: ClusterOpt = None,
    mlflow_uri: MlflowUriOpt = None,
) -> None:
    """Backtest every model at every level, choose champions, reconcile, calibrate intervals, log to
    MLflow and register each family's model (champion only if it beats the current one)."""
    from khlang.measure import measure
    from models.training.family import train_family

    families = _families(metric)
    settings, catalog = _settings(cluster)
    reference = _reference(settings)
    with measure() as m, _engine(settings, catalog) as engine:
        for family in families:
            with status(f"training {family}") as spinner:
                result = train_family(family, catalog, reference, settings.train, engine,
                                      _tracking_uri(settings, mlflow_uri), progress=spinner.update)
            _print_training(result)
    _report_measure("train", m)


@app.command()
def forecast(
    metric: Annotated[str, typer.Option("--metric", help="budget | waste | welfare | all")] = "all",
    mlflow_uri: MlflowUriOpt = None,
    alias: Annotated[str, typer.Option(help="registered model alias to publish")] = "champion",
) -> None:
    """Run each family's registered champion and write its forecasts (every level, 80/95 % intervals,
    model version and run id) to the partitioned Parquet forecast store."""
    from khlang.measure import measure
    from models.training.forecast_store import publish_forecasts

    settings, catalog = _settings()
    with measure() as m, status("publishing forecasts"):
        published = publish_forecasts(catalog, _families(metric), _tracking_uri(settings, mlflow_uri), alias)
    for p in published:
        console.print(f"{p.family}: {p.model_name} v{p.model_version} (run {p.run_id}) -> {p.rows:,} rows, "
                      f"metrics {', '.join(p.metrics)}")
    console.print(f"forecast store: {catalog.forecasts}")
    _report_measure("forecast", m)


@app.command()
def evaluate(
    data: Annotated[Path, typer.Option("--data", help="long-format CSV or Parquet: unique_id, ds, y")],
    freq: Annotated[str, typer.Option("--freq", help="M | Q | W | D | H | Y")],
    horizon: Annotated[int, typer.Option("--horizon", help="periods to forecast at each backtest origin")],
    origins: Annotated[int | None, typer.Option("--origins", help="rolling backtest origins (default 3; with --holdout the inner origins that choose auto, default 2)")] = None,
    holdout: Annotated[bool, typer.Option("--holdout", help="score the competition way: fit on all but the last --horizon periods of every series, score those once")] = False,
    peers: Annotated[bool, typer.Option("--peers", help="also run statsforecast's Naive, SeasonalNaive, AutoETS, AutoTheta, AutoARIMA (and CrostonOptimized, ADIDA, IMAPA on intermittent files) on the same split")] = False,
    output: Annotated[Path | None, typer.Option("--output", help="write auto's forecasts with 80/95 % intervals (.csv or .parquet)")] = None,
    mase_period: Annotated[int | None, typer.Option("--mase-period", min=1, help="the difference that scales MASE (default the frequency's season: 12 M, 4 Q, 52 W, 7 D, 24 H, 1 Y; 1 is usual for intermittent series)")] = None,
    cluster: ClusterOpt = None,
    mlflow_uri: MlflowUriOpt = None,
) -> None:
    """Backtest every candidate, auto and (--peers) the statsforecast peers on your own series file; log to MLflow."""
    from models.evaluation.evaluate import evaluate_file
    from models.evaluation.report import write_output

    settings, catalog = _settings(cluster)
    if not data.is_file():
        raise typer.BadParameter(f"no such file: {data}", param_hint="--data")
    if output is not None and output.suffix.lower() not in (".csv", ".parquet", ".pq"):
        raise typer.BadParameter(f"{output}: .csv or .parquet", param_hint="--output")
    started = time.perf_counter()
    with _engine(settings, catalog) as engine, status(f"evaluating {data.name}") as spinner:
        def progress(doing: str) -> None:
            spinner.update(f"evaluating {data.name}: {doing} ({time.perf_counter() - started:,.0f} s)")

        try:
            report = evaluate_file(data, freq, horizon, n_origins=origins, engine=engine, holdout=holdout,
                                   peers=peers, output=output is not None, mase_period=mase_period,
                                   progress=progress)
        except ValueError as error:
            console.print(f"[red]cannot evaluate {data}:[/] {error}")
            raise typer.Exit(code=2) from None
    console.print(report.rich_table())
    if output is not None and report.output is not None:
        write_output(report.output, output)
        console.print(f"wrote {len(report.output):,} forecasts of {report.auto} to {output}")
    run_id = report.log_to_mlflow(catalog, _tracking_uri(settings, mlflow_uri))
    console.print(f"logged to MLflow experiment khlang-evaluate, run {run_id}")


def _run_pipeline(source: str, scale: str, raw: Path | None, families: list[str], force: list[str] | None,
                  from_stage: str | None, cluster: str | None, mlflow_uri: str | None):
    """Run the resumable pipeline on the configured engine, print its table; (report, catalog)."""
    from khlang.measure import measure
    from pipelines.model_stages import forecast_stage, train_stage
    from pipelines.orchestrate import PipelineContext, default_stages, run_pipeline

    settings, catalog = _settings(cluster)
    uri = _tracking_uri(settings, mlflow_uri)
    say = status("pipeline")
    try:
        stages = default_stages(source, scale, raw_dir=raw, extra=(train_stage(families, uri, say.update),
                                                                     forecast_stage(families, uri)))
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    reference = _reference(settings)
    with measure() as m, _engine(settings, catalog) as engine, say as spinner:
        context = PipelineContext(settings, catalog, reference, engine,
                                  progress=lambda stage, done, total: spinner.update(f"{stage}: {done}/{total}"))
        try:
            report = run_pipeline(context, stages, force=force or (), from_stage=from_stage)
        except ValueError as error:
            raise typer.BadParameter(str(error)) from None
    console.print(report.rich_table())
    for outcome in report.stages:
        if outcome.status == "failed":
            console.print(f"[red]{outcome.name} failed:[/] {outcome.error}\n{outcome.traceback or ''}")
    _report_measure("pipeline", m)
    return report, catalog


@app.command()
def pipeline(
    source: Annotated[str, typer.Option(help="generate (synthetic agency files at --scale) | ingest (the files of --raw)")] = "generate",
    scale: Annotated[str, typer.Option(help="tiny | small | thailand (with --source generate)")] = "small",
    raw: Annotated[Path | None, typer.Option(help="folder of agency files (with --source ingest; default work/raw)")] = None,
    metric: Annotated[str, typer.Option("--metric", help="budget | waste | welfare | all")] = "all",
    force: Annotated[list[str] | None, typer.Option(help="run this stage even if its inputs did not change (repeatable)")] = None,
    from_stage: Annotated[str | None, typer.Option("--from", help="rerun this stage and every later one")] = None,
    cluster: ClusterOpt = None,
    mlflow_uri: MlflowUriOpt = None,
) -> None:
    """(generate | ingest) -> panel -> features -> train -> forecast in one resumable run: a stage whose
    inputs did not change since it last finished is skipped (record: work/run/pipeline.json)."""
    report, _ = _run_pipeline(source, scale, raw, _families(metric), force, from_stage, cluster, mlflow_uri)
    if not report.ok:
        raise typer.Exit(code=1)


@app.command()
def demo(
    scale: Annotated[str, typer.Option(help="tiny | small | thailand")] = "small",
    cluster: ClusterOpt = None,
) -> None:
    """The whole pipeline on the embedded default (generate -> ingest -> panel -> features -> train ->
    forecast, resumable: a rerun skips what is done), then what was made and how good the forecasts are."""
    console.rule(f"[bold]Khlang demo[/] scale={scale}")
    report, catalog = _run_pipeline("generate", scale, None, list(_families("all")), None, None, cluster, None)
    ingest = report.outcome("ingest")
    if ingest.status == "ran":
        _print_quarantine_reasons(catalog, ingest.result.batch_id)
    train = report.outcome("train")
    if train.status == "ran":
        for result in train.result:
            _print_training(result)
    console.rule("[bold]made[/]")
    for name in ("raw", "store", "quarantine", "manifest", "panel", "features", "forecasts", "mlflow"):
        path = getattr(catalog, name)
        size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.exists() else 0
        console.print(f"  {name:<11} {path}  ({size / 2**20:,.1f} MiB)")
    if not report.ok:
        raise typer.Exit(code=1)


@cluster_app.command("up")
def cluster_up() -> None:
    """Start `dask scheduler` and `dask worker` processes on 127.0.0.1 (use with --cluster tcp://…)."""
    from cluster.service import cluster_status, start_local_cluster

    settings, catalog = _settings()
    with status(f"starting dask scheduler and {settings.cluster.n_workers} workers on 127.0.0.1"):
        address = start_local_cluster(settings, catalog)
    console.print(f"dask scheduler running at [bold]{address}[/]; use --cluster {address}")
    if dashboard := cluster_status(catalog)["dashboard"]:
        console.print(f"dask dashboard: {dashboard}")


@cluster_app.command("down")
def cluster_down() -> None:
    """Stop the scheduler and workers started by `khlang cluster up`."""
    from cluster.service import stop_local_cluster

    _, catalog = _settings()
    with status("stopping the local dask cluster"):
        stop_local_cluster(catalog)
    console.print("local dask cluster stopped")


@cluster_app.command("status")
def cluster_status() -> None:
    """Say whether the local Dask cluster runs, and where."""
    from cluster.service import cluster_status

    _, catalog = _settings()
    console.print(json.dumps(cluster_status(catalog), default=str))


@mlflow_app.command("up")
def mlflow_up(port: Annotated[int | None, typer.Option(help="port on 127.0.0.1 (default from config)")] = None) -> None:
    """Serve the MLflow UI of work/mlflow (SQLite + artifacts) on 127.0.0.1."""
    from models.tracking.server import start_mlflow_server

    settings, catalog = _settings()
    with status("starting the MLflow UI"):
        url = start_mlflow_server(catalog, port=port or settings.mlflow.port)
    console.print(f"MLflow UI at [bold]{url}[/] (tracking store {catalog.mlflow})")


@mlflow_app.command("down")
def mlflow_down() -> None:
    """Stop the MLflow UI started by `khlang mlflow up`."""
    from models.tracking.server import stop_mlflow_server

    _, catalog = _settings()
    stop_mlflow_server(catalog)
    console.print("MLflow UI stopped")


@mlflow_app.command("status")
def mlflow_status() -> None:
    """Say whether the MLflow UI runs, and where."""
    from models.tracking.server import mlflow_server_status

    _, catalog = _settings()
    console.print(json.dumps(mlflow_server_status(catalog), default=str))


serve_app = typer.Typer(help="The HTTP API (forecasts, history, OLAP, quality, deposits) on 127.0.0.1: in the "
                        "foreground without a command, detached with up|down|status.")
app.add_typer(serve_app, name="serve")
ServePortOpt = Annotated[int | None, typer.Option(help="port on 127.0.0.1 (default KHLANG_SERVE_PORT or 8000)")]


@serve_app.callback(invoke_without_command=True)
def serve(ctx: typer.Context, port: ServePortOpt = None) -> None:
    """Serve the API in the foreground (OpenAPI at /docs); `serve up|down|status` runs it in the background."""
    if ctx.invoked_subcommand is not None:
        return
    from serving.service import serve_foreground

    settings, _ = _settings()
    serve_foreground(settings, port)


@serve_app.command("up")
def serve_up(port: ServePortOpt = None) -> None:
    """Start the API detached (log and pid in work/run)."""
    from serving.service import start_api_server

    settings, catalog = _settings()
    with status("starting the API"):
        url = start_api_server(settings, catalog, port)
    console.print(f"API at [bold]{url}[/] (OpenAPI {url}/docs)")


@serve_app.command("down")
def serve_down() -> None:
    """Stop the API started by `khlang serve up`."""
    from serving.service import stop_api_server

    _, catalog = _settings()
    stop_api_server(catalog)
    console.print("API stopped")


@serve_app.command("status")
def serve_status() -> None:
    """Say whether the API runs, and where."""
    from serving.service import api_server_status

    _, catalog = _settings()
    console.print(json.dumps(api_server_status(catalog), default=str))


app_app = typer.Typer(help="The planners' Streamlit app on 127.0.0.1, reading the API: in the foreground without a "
                      "command, detached with up|down|status.")
app.add_typer(app_app, name="app")
AppPortOpt = Annotated[int, typer.Option(help="port on 127.0.0.1")]
ApiUrlOpt = Annotated[str | None, typer.Option(help="the Khlang API (default KHLANG_API_URL or http://127.0.0.1:8000)")]


@app_app.callback(invoke_without_command=True)
def app_command(ctx: typer.Context, port: AppPortOpt = 8501, api_url: ApiUrlOpt = None) -> None:
    """The planners' Streamlit app on 127.0.0.1 (headless, usage statistics off), reading the API."""
    if ctx.invoked_subcommand is not None:
        return
    from app.launch import run_app

    _settings()
    console.print(f"app at [bold]http://127.0.0.1:{port}[/] reading the API at {api_url or 'KHLANG_API_URL'}")
    run_app(port, api_url)


@app_app.command("up")
def app_up(port: AppPortOpt = 8501, api_url: ApiUrlOpt = None) -> None:
    """Start the app detached (log and pid in work/run)."""
    from app.service import start_app_server

    _, catalog = _settings()
    with status("starting the app"):
        url = start_app_server(catalog, port, api_url)
    console.print(f"app at [bold]{url}[/]")


@app_app.command("down")
def app_down() -> None:
    """Stop the app started by `khlang app up`."""
    from app.service import stop_app_server

    _, catalog = _settings()
    stop_app_server(catalog)
    console.print("app stopped")


@app_app.command("status")
def app_status() -> None:
    """Say whether the app runs, and where."""
    from app.service import app_server_status

    _, catalog = _settings()
    console.print(json.dumps(app_server_status(catalog), default=str))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
