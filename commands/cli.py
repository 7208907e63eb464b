"""The `khlang` command, a thin shell: each command loads the settings, opens its engine and runs its stage
(commands.stages) through the runner of `khlang pipeline`; services from one table (commands.services)."""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from commands.bench import bench
from commands.complaints import complaints_app
from commands.progress import console, progress_bars, status
from commands.services import SERVICES, add_service_commands
from khlang.catalog import Catalog
from khlang.config import Settings, load_settings
from khlang.domain.metrics import FAMILIES

__all__ = ["app", "main"]

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode="rich",
                  help="Khlang (คลัง): data store and forecasts for Thai local government.")

ClusterOpt = Annotated[str | None, typer.Option(
    "--cluster", help="local (embedded LocalCluster) | tcp://HOST:8786 (Dask scheduler) | ray | ray://HOST:10001")]
MetricOpt = Annotated[str, typer.Option("--metric", help="budget | waste | welfare | all")]
MlflowUriOpt = Annotated[str | None, typer.Option(
    "--mlflow-uri", help="MLflow tracking server (default: SQLite in the work folder, or \\[mlflow] tracking_uri)")]


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


def _lost_cluster(error: Exception) -> None:
    console.print(f"[red]error:[/] {escape(str(error))}. Nothing half-written was kept (every output is swapped "
                  "in whole): rerun when the cluster is back; `khlang pipeline` resumes from the last finished "
                  "stage.", soft_wrap=True)
    raise typer.Exit(code=1)


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
        _lost_cluster(lost)


def _report_measure(label: str, m) -> None:
    console.print(f"[green]{label}[/]: {m.seconds:.1f} s, peak memory {m.peak_rss_gib:.2f} GiB (process tree)")


@contextlib.contextmanager
def _display(bars: bool, message: str) -> Iterator[tuple[Any, Any]]:
    """(progress callback, text callback): rich bars for a data stage, a spinner otherwise."""
    if bars:
        with progress_bars() as report:
            yield report, None
    else:
        with status(message) as spinner:
            yield (lambda stage, done, total: spinner.update(f"{stage}: {done}/{total}")), spinner.update


def _failure(outcome: Any, catalog: Catalog) -> None:
    """A failed stage in one line; its traceback goes to work/run/<stage>-error.log, and an ingest that did
    not balance shows its table."""
    from commands.render import ingest_table

    if (report := getattr(outcome.exception, "report", None)) is not None:
        console.print(ingest_table(report))
    log = catalog.run / f"{outcome.name}-error.log"
    log.write_text(outcome.traceback or "", encoding="utf-8")
    console.print(f"[red]{escape(outcome.name)} failed:[/] {escape(outcome.error or '')} (traceback in {log})",
                  soft_wrap=True)


def _run(stages: Sequence, *, only: str | None = None, force: Sequence[str] | None = None,
         from_stage: str | None = None, cluster: str | None = None, mlflow_uri: str | None = None,
         engine: bool = True, bars: bool = False,
         message: str = "pipeline", exit_on_failure: bool = True) -> tuple[Any, Catalog]:
    """Run `stages` (or `only` one of them) through the pipeline runner on the engine asked for; show the
    single stage's report, or the pipeline's table; exit 1 when a stage failed. (report, catalog)"""
    from cluster.engine import IN_PROCESS, EngineError
    from commands.render import pipeline_table, show_stage
    from commands.runner import PipelineContext, run_pipeline
    from khlang.domain.reference import load_reference
    from khlang.measure import measure

    settings, catalog = _settings(cluster)
    catalog = catalog.with_tracking(mlflow_uri)
    reference = load_reference(settings.thailand_dir)
    opener = _engine if engine else (lambda settings, catalog: contextlib.nullcontext(IN_PROCESS))
    with measure() as m, opener(settings, catalog) as running, _display(bars, message) as (progress, say):
        context = PipelineContext(settings, catalog, reference, running, progress=progress, say=say)
        try:
            report = run_pipeline(context, stages, force=force or (), from_stage=from_stage, only=only)
        except ValueError as error:
            raise typer.BadParameter(str(error)) from None
        lost = [s for s in report.stages if isinstance(s.exception, EngineError)]
        if lost:
            raise lost[0].exception  # the engine's context says it in one line
    if only is not None:
        show_stage(console, only, report.stages[0].result, catalog)
    else:
        console.print(pipeline_table(report))
    for outcome in report.stages:
        if outcome.status == "failed":
            _failure(outcome, catalog)
    _report_measure(only or "pipeline", m)
    if exit_on_failure and not report.ok:
        raise typer.Exit(code=1)
    return report, catalog


def _stages(source: str = "ingest", scale: str = "small", *, families: Sequence[str] = FAMILIES,
            alias: str = "champion", **options: Any) -> tuple:
    """Khlang's stages from `source` on (a single command runs one of them: the others give it its inputs)."""
    from commands.complaint_stage import complaints_stage
    from commands.stages import default_stages, forecast_stage, train_stage

    try:
        return default_stages(source, scale, **options, extra=(
            train_stage(families), forecast_stage(families, alias), complaints_stage()))
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None


FAMILY_CHOICES = (*FAMILIES, "all")


def _families(metric: str) -> list[str]:
    if metric not in FAMILY_CHOICES:
        raise typer.BadParameter(f"--metric must be one of {', '.join(FAMILY_CHOICES)}; got {metric!r}")
    return list(FAMILIES) if metric == "all" else [metric]


@app.command()
def info() -> None:
    """Show the settings and where each data set lives."""
    settings, catalog = _settings()
    console.print(f"config: {settings.config_file}\nreference data: {settings.thailand_dir}\ncluster: {settings.cluster}")
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
    first_fy: Annotated[int | None, typer.Option(help="first fiscal year (BE) of the months, to FY2568 (default "
                                                      "2557; see [ingest] first_fiscal_year)")] = None,
) -> None:
    """Generate realistic agency files for every LAO of the chosen scale into the raw folder."""
    _run(_stages("generate", scale, seed=seed, dirty_share=dirty_share, income_test_cut=income_test_cut,
                 first_fy=first_fy), only="generate", engine=False, bars=True)


@app.command()
def ingest(
    raw_dir: Annotated[Path | None, typer.Argument(help="folder of CSV / Excel / Parquet files (default: work/raw)")] = None,
    cluster: ClusterOpt = None,
    as_of: Annotated[str | None, typer.Option(help="YYYY-MM-DD: records after it are 'future' (default: today)")] = None,
) -> None:
    """Validate every file of RAW_DIR into the partitioned Parquet store; rejects go to the quarantine."""
    try:
        as_of_date = dt.date.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise typer.BadParameter(f"{as_of!r}: YYYY-MM-DD", param_hint="--as-of") from None
    _run(_stages(raw_dir=raw_dir, as_of=as_of_date), only="ingest", cluster=cluster, bars=True)


@app.command()
def panel(cluster: ClusterOpt = None) -> None:
    """Build the Zarr panels (series x month) per metric and hierarchy level from the store."""
    _run(_stages(), only="panel", cluster=cluster, bars=True)


@app.command()
def features(cluster: ClusterOpt = None) -> None:
    """Compute the numba feature store (lags, rolling stats, EWM, cross-level, calendar) from the panels."""
    _run(_stages(), only="features", cluster=cluster, bars=True)


@app.command()
def train(metric: MetricOpt = "all", cluster: ClusterOpt = None, mlflow_uri: MlflowUriOpt = None) -> None:
    """Backtest every model at every level, choose champions, reconcile, calibrate intervals, log to
    MLflow and register each family's model (champion only if it beats the current one)."""
    families = _families(metric)
    _run(_stages(families=families), only="train", cluster=cluster, mlflow_uri=mlflow_uri,
         message=f"training {', '.join(families)}")


@app.command()
def forecast(
    metric: MetricOpt = "all",
    mlflow_uri: MlflowUriOpt = None,
    alias: Annotated[str, typer.Option(help="registered model alias to publish")] = "champion",
) -> None:
    """Run each family's registered champion and write its forecasts (every level, 80/95 % intervals,
    model version and run id) to the partitioned Parquet forecast store."""
    _run(_stages(families=_families(metric), alias=alias), only="forecast", engine=False, mlflow_uri=mlflow_uri,
         message="publishing forecasts")


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
    models: Annotated[list[str] | None, typer.Option("--models", help="only these candidates, comma-separated or repeated (e.g. naive,auto_ets,auto_theta,stat_median); default every one that applies")] = None,
    cluster: ClusterOpt = None,
    mlflow_uri: MlflowUriOpt = None,
) -> None:
    """Backtest every candidate, auto and (--peers) the statsforecast peers on your own series file; log to MLflow."""
    from commands.render import evaluate_table
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
                                   models=[m.strip() for ms in models for m in ms.split(",") if m.strip()] if models else None,
                                   progress=progress)
        except ValueError as error:
            console.print(f"[red]cannot evaluate {data}:[/] {error}")
            raise typer.Exit(code=2) from None
    console.print(evaluate_table(report))
    if output is not None and report.output is not None:
        write_output(report.output, output)
        console.print(f"wrote {len(report.output):,} forecasts of {report.auto} to {output}")
    run_id = report.log_to_mlflow(catalog.with_tracking(mlflow_uri))
    console.print(f"logged to MLflow experiment khlang-evaluate, run {run_id}")


@app.command()
def pipeline(
    source: Annotated[str, typer.Option(help="generate (synthetic agency files at --scale) | ingest (the files of --raw)")] = "generate",
    scale: Annotated[str, typer.Option(help="tiny | small | thailand (with --source generate)")] = "small",
    raw: Annotated[Path | None, typer.Option(help="folder of agency files (with --source ingest; default work/raw)")] = None,
    metric: MetricOpt = "all",
    force: Annotated[list[str] | None, typer.Option(help="run this stage even if its inputs did not change (repeatable)")] = None,
    from_stage: Annotated[str | None, typer.Option("--from", help="rerun this stage and every later one")] = None,
    cluster: ClusterOpt = None,
    mlflow_uri: MlflowUriOpt = None,
) -> None:
    """(generate | ingest) -> panel -> features -> train -> forecast in one resumable run: a stage whose
    inputs did not change since it last finished is skipped (record: work/run/pipeline.json)."""
    _run(_stages(source, scale, raw_dir=raw, families=_families(metric)), force=force, from_stage=from_stage,
         cluster=cluster, mlflow_uri=mlflow_uri)


@app.command()
def demo(
    scale: Annotated[str, typer.Option(help="tiny | small | thailand")] = "small",
    cluster: ClusterOpt = None,
) -> None:
    """The whole pipeline on the embedded default (generate -> ingest -> panel -> features -> train ->
    forecast, resumable: a rerun skips what is done), then what was made and how good the forecasts are."""
    from commands.render import quarantine_table, show_made, show_stage

    console.rule(f"[bold]Khlang demo[/] scale={scale}")
    report, catalog = _run(_stages("generate", scale), cluster=cluster, exit_on_failure=False)
    if (ingest := report.outcome("ingest")).status == "ran" and (
            table := quarantine_table(catalog, ingest.result.batch_id)) is not None:
        console.print(table)
    if (train := report.outcome("train")).status == "ran":
        show_stage(console, "train", train.result, catalog)
    console.rule("[bold]made[/]")
    show_made(console, catalog)
    if not report.ok:
        raise typer.Exit(code=1)


serve_app = typer.Typer(help=next(s.help for s in SERVICES if s.command == "serve"))
app_app = typer.Typer(help=next(s.help for s in SERVICES if s.command == "app"))
ServePortOpt = Annotated[int | None, typer.Option(help="port on 127.0.0.1 (default KHLANG_SERVE_PORT or 8000)")]


@serve_app.callback(invoke_without_command=True)
def serve(ctx: typer.Context, port: ServePortOpt = None) -> None:
    """Serve the API in the foreground (OpenAPI at /docs); `serve up|down|status` runs it in the background."""
    if ctx.invoked_subcommand is not None:
        return
    from serving.service import serve_foreground

    settings, _ = _settings()
    serve_foreground(settings, port)


@app_app.callback(invoke_without_command=True)
def app_command(ctx: typer.Context, port: Annotated[int | None, typer.Option(
                    help="port on 127.0.0.1 (default KHLANG_APP_PORT or 8501)")] = None,
                api_url: Annotated[str | None, typer.Option(
                    help="the Khlang API (default KHLANG_API_URL or http://127.0.0.1:8000)")] = None) -> None:
    """The planners' Streamlit app on 127.0.0.1 (headless, usage statistics off), reading the API."""
    if ctx.invoked_subcommand is not None:
        return
    from app.launch import run_app

    settings, _ = _settings()
    port = port or settings.app.port
    console.print(f"app at [bold]http://127.0.0.1:{port}[/] reading the API at {api_url or settings.app.api_url}")
    run_app(port, api_url)


_FOREGROUND = {"serve": serve_app, "app": app_app}
for _service in SERVICES:
    _group = _FOREGROUND.get(_service.command) or typer.Typer(no_args_is_help=True, help=_service.help)
    add_service_commands(_group, _service, _settings, console, status)
    app.add_typer(_group, name=_service.command)
app.command()(bench), app.add_typer(complaints_app, name="complaints")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
