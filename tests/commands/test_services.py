"""commands.services: the four detached services are one table, and every one of them gets the same
`up | down | status` from it (their own options on `up`). Run for real on the MLflow UI here; the cluster,
the API and the app are started by their own packages' tests through the same commands."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from typer.testing import CliRunner

from commands.cli import app
from commands.services import SERVICES
from tests.worker_loss import run_khlang


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_table_names_the_four_services_and_each_has_up_down_status() -> None:
    assert [s.command for s in SERVICES] == ["cluster", "mlflow", "serve", "app"]
    runner = CliRunner()
    for service in SERVICES:
        for command in ("up", "down", "status"):
            result = runner.invoke(app, [service.command, command, "--help"])
            assert result.exit_code == 0, (service.command, command, result.output)
        up = runner.invoke(app, [service.command, "up", "--help"]).output
        for option in service.options:
            assert f"--{option.name.replace('_', '-')}" in up, (service.command, option.name)
    # an option one service has is refused by another's up
    assert runner.invoke(app, ["cluster", "up", "--api-url", "x"]).exit_code == 2


def test_up_status_down_of_one_service_through_the_table(tmp_path: Path) -> None:
    port = _free_port()
    assert "MLflow UI at" in run_khlang(tmp_path, "mlflow", "up", "--port", str(port))
    try:
        state = json.loads(run_khlang(tmp_path, "mlflow", "status"))
        assert state["running"] and state["healthy"] and state["url"] == f"http://127.0.0.1:{port}"
    finally:
        assert "MLflow UI stopped" in run_khlang(tmp_path, "mlflow", "down")
    assert json.loads(run_khlang(tmp_path, "mlflow", "status"))["running"] is False
