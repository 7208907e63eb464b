"""The four detached services Khlang starts (the local Dask cluster, the MLflow UI, the API, the app) as one
table, and the one `up | down | status` implementation the command line builds for each of them.

    khlang cluster up      khlang mlflow up --port 5001      khlang serve status      khlang app down

Each service's own module knows how to start it (cluster.service, models.tracking.server, serving.service,
app.service: a detached process with its pid record and log in work/run); this table only names them,
their options and what `up` says once the service answers."""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

import typer

from khlang.catalog import Catalog
from khlang.config import Settings

__all__ = ["Service", "ServiceOption", "SERVICES", "add_service_commands"]


@dataclass(frozen=True)
class ServiceOption:
    """An option of a service's `up`: its name (as a Python parameter), type, default and help."""

    name: str
    type: Any
    default: Any
    help: str


@dataclass(frozen=True)
class Service:
    command: str  # the command group: `khlang <command> up|down|status`
    title: str  # for messages: "starting the <title>"
    help: str
    start: Callable[..., str]  # (settings, catalog, **options) -> what `up` prints once it answers
    stop: Callable[[Catalog], object]
    status: Callable[[Catalog], dict[str, Any]]
    options: tuple[ServiceOption, ...] = ()


def _start_cluster(settings: Settings, catalog: Catalog) -> str:
    from cluster.service import cluster_status, start_local_cluster

    address = start_local_cluster(settings, catalog)
    line = f"dask scheduler running at [bold]{address}[/]; use --cluster {address}"
    if dashboard := cluster_status(catalog)["dashboard"]:
        line += f"\ndask dashboard: {dashboard}"
    return line


def _start_mlflow(settings: Settings, catalog: Catalog, port: int | None = None) -> str:
    from models.tracking.server import start_mlflow_server

    url = start_mlflow_server(catalog, port=port or settings.mlflow.port)
    return f"MLflow UI at [bold]{url}[/] (tracking store {catalog.mlflow})"


def _start_api(settings: Settings, catalog: Catalog, port: int | None = None) -> str:
    from serving.service import start_api_server

    url = start_api_server(settings, catalog, port)
    return f"API at [bold]{url}[/] (OpenAPI {url}/docs)"


def _start_app(settings: Settings, catalog: Catalog, port: int | None = None, api_url: str | None = None) -> str:
    from app.service import start_app_server

    return f"app at [bold]{start_app_server(catalog, port or settings.app.port, api_url)}[/]"


def _lazy(module: str, name: str) -> Callable[..., Any]:
    """module.name, imported when called (a service's code loads only when it is asked for)."""
    def call(*args: Any, **kwargs: Any) -> Any:
        import importlib

        return getattr(importlib.import_module(module), name)(*args, **kwargs)
    return call


PORT_HELP = "port on 127.0.0.1"
SERVICES: tuple[Service, ...] = (
    Service("cluster", "local dask cluster", "Start and stop a local Dask scheduler with workers (and its dashboard) "
            "on 127.0.0.1; use it with --cluster tcp://….", _start_cluster,
            _lazy("cluster.service", "stop_local_cluster"), _lazy("cluster.service", "cluster_status")),
    Service("mlflow", "MLflow UI", "Start and stop the MLflow UI on the local tracking store.", _start_mlflow,
            _lazy("models.tracking.server", "stop_mlflow_server"),
            _lazy("models.tracking.server", "mlflow_server_status"),
            (ServiceOption("port", int | None, None, f"{PORT_HELP} (default from config)"),)),
    Service("serve", "API", "The HTTP API (forecasts, history, OLAP, quality, deposits) on 127.0.0.1: in the "
            "foreground without a command, detached with up|down|status.", _start_api,
            _lazy("serving.service", "stop_api_server"), _lazy("serving.service", "api_server_status"),
            (ServiceOption("port", int | None, None, f"{PORT_HELP} (default KHLANG_SERVE_PORT or 8000)"),)),
    Service("app", "app", "The planners' Streamlit app on 127.0.0.1, reading the API: in the foreground without a "
            "command, detached with up|down|status.", _start_app,
            _lazy("app.service", "stop_app_server"), _lazy("app.service", "app_server_status"),
            (ServiceOption("port", int | None, None, f"{PORT_HELP} (default KHLANG_APP_PORT or 8501)"),
             ServiceOption("api_url", str | None, None,
                           "the Khlang API (default KHLANG_API_URL or http://127.0.0.1:8000)"))),
)


def _with_options(function: Callable[..., None], options: tuple[ServiceOption, ...]) -> Callable[..., None]:
    """Give `function(**options)` the signature typer reads its options from."""
    annotations = {o.name: Annotated[o.type, typer.Option(help=o.help)] for o in options}
    function.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(o.name, inspect.Parameter.KEYWORD_ONLY, default=o.default, annotation=annotations[o.name])
         for o in options])
    function.__annotations__ = annotations
    return function


def add_service_commands(group: typer.Typer, service: Service, context: Callable[[], tuple[Settings, Catalog]],
                         console: Any, status: Callable[[str], Any]) -> None:
    """`up`, `down` and `status` of `service` on its command group. `context()` loads the settings and the
    catalogue as every command does; `status(message)` is the shell's spinner."""

    def up(**options: Any) -> None:
        settings, catalog = context()
        with status(f"starting the {service.title}"):
            line = service.start(settings, catalog, **options)
        console.print(line)

    def down() -> None:
        _, catalog = context()
        with status(f"stopping the {service.title}"):
            service.stop(catalog)
        console.print(f"{service.title} stopped")

    def show() -> None:
        _, catalog = context()
        console.print(json.dumps(service.status(catalog), default=str))

    up.__doc__ = f"Start the {service.title} detached on 127.0.0.1 (log and pid in work/run)."
    down.__doc__ = f"Stop the {service.title} started by `khlang {service.command} up`."
    show.__doc__ = f"Say whether the {service.title} runs, and where (JSON)."
    group.command("up")(_with_options(up, service.options))
    group.command("down")(down)
    group.command("status")(show)
