"""`khlang complaints …`: train the type classifier, classify a file of tickets, import Traffy exports."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from commands.progress import console, status

__all__ = ["complaints_app"]

complaints_app = typer.Typer(no_args_is_help=True, help="Citizens' complaints: classify, import, route.")
_CLUSTER_HELP = "local (embedded LocalCluster) | tcp://HOST:8786 (Dask scheduler) | ray | ray://HOST:10001"


def _fail(message: str) -> None:
    console.print(f"[red]error:[/] {escape(message)}", soft_wrap=True)
    raise typer.Exit(code=2)


@complaints_app.command()
def train(
    data: Annotated[list[Path] | None, typer.Option("--data", help="Traffy-style CSV (columns text, type); "
                                                    "repeatable. Default: every CSV of <data_dir>/complaints")] = None,
    cluster: Annotated[str | None, typer.Option("--cluster", help=_CLUSTER_HELP)] = None,
) -> None:
    """Train the multi-label type classifier on labelled tickets, score it on a held-out fifth, log it to
    MLflow and register it (champion when it beats the current one)."""
    from commands.cli import _engine, _settings
    from models.complaints.train import NotEnoughLabels, train_classifier
    from pipelines.complaints.traffy import TicketFileError, ticket_files

    settings, catalog = _settings(cluster)
    files = list(data or ticket_files(settings.complaints_dir))
    if not files:
        _fail(f"no ticket files in {settings.complaints_dir}; name one with --data FILE")
    with _engine(settings, catalog) as engine:
        try:
            report = train_classifier(files, catalog, engine, say=lambda m: console.print(escape(m)))
        except (TicketFileError, NotEnoughLabels) as error:
            _fail(str(error))
    console.print(escape(report.summary()), soft_wrap=True)
    console.print(report.per_type.to_string(index=False, float_format=lambda v: f"{v:.3f}"))


@complaints_app.command()
def classify(
    file: Annotated[Path, typer.Argument(help="CSV with columns ticket_id, text (optional coords lon,lat)")],
    output: Annotated[Path, typer.Option("--output", "-o", help="CSV written: ticket_id, type, score_<type>…")],
    cluster: Annotated[str | None, typer.Option("--cluster", help=_CLUSTER_HELP)] = None,
) -> None:
    """Label every ticket of FILE with the champion classifier of the registry."""
    from mlflow.exceptions import MlflowException

    from commands.cli import _engine, _settings
    from models.complaints.train import classify_tickets
    from pipelines.complaints.traffy import TicketFileError

    settings, catalog = _settings(cluster)
    with _engine(settings, catalog) as engine:
        try:
            with status("classifying"):
                report = classify_tickets(file, output, catalog, engine)
        except TicketFileError as error:
            _fail(str(error))
        except MlflowException as error:
            if "RESOURCE_DOES_NOT_EXIST" in str(error.error_code) or "not found" in str(error).lower():
                _fail("no complaint classifier is registered yet: run `khlang complaints train` first")
            raise
    console.print(escape(report.summary()), soft_wrap=True)


@complaints_app.command("import")
def import_(
    files: Annotated[list[Path], typer.Argument(help="Traffy-style CSV exports (ticket_id, text, type, coords, "
                                                     "district, subdistrict, province, timestamp, state, …)")],
) -> None:
    """Check, mask and place tickets into the complaints store; rejected rows go to the quarantine with
    their reason (rows in = stored + quarantined). Importing the same file again changes nothing."""
    from commands.cli import _settings
    from khlang.locks import BusyError
    from pipelines.complaints.routing import load_gazetteer
    from pipelines.complaints.store import import_files
    from pipelines.complaints.traffy import TicketFileError

    settings, catalog = _settings()
    try:
        with status(f"importing {len(files)} file(s)"):
            report = import_files(files, catalog, load_gazetteer(settings.thailand_dir))
    except (TicketFileError, BusyError) as error:
        _fail(str(error))
    console.print(escape(report.summary()), soft_wrap=True)
    console.print(f"store: {catalog.complaints_store}; quarantine: {catalog.complaints_quarantine}")
