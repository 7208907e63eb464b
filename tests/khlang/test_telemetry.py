"""Telemetry is off as soon as any package of the project is imported, before a command configures its
work folder: MLflow starts its client (and writes an installation id under ~/.config) at `import mlflow`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from khlang.telemetry import TELEMETRY_OFF

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# MLflow keeps its telemetry off on its own where one of these is set (pytest sets the first); a user's shell
# has none of them, and so neither may the probe's.
CI_MARKERS = ("PYTEST_CURRENT_TEST", "CI", "GITHUB_ACTIONS", "CIRCLECI", "GITLAB_CI", "JENKINS_URL", "TRAVIS",
              "TF_BUILD", "BITBUCKET_BUILD_NUMBER", "CODEBUILD_BUILD_ARN", "BUILDKITE", "TEAMCITY_VERSION",
              "CLOUD_RUN_EXECUTION", "RUNBOT_HOST_URL", "RUNBOT_BUILD_NAME", "RUNBOT_WORKER_ID")

PROBE = """
import {package}
import mlflow
from mlflow.telemetry import get_telemetry_client
print("client", get_telemetry_client())
"""


def _bare_environment(home: Path) -> dict[str, str]:
    """This process's environment as a user's shell has it: without what khlang.runtime or khlang.telemetry
    put there, and outside pytest and CI."""
    env = {k: v for k, v in os.environ.items()
           if k not in TELEMETRY_OFF and k not in CI_MARKERS and not k.startswith(("XDG_", "MLFLOW_"))}
    return {**env, "HOME": str(home), "PYTHONPATH": str(PROJECT_ROOT)}


@pytest.mark.parametrize("package", ["models.evaluation.report", "serving.model_registry_view", "cluster",
                                     "pipelines", "features", "app", "benchmarks.real_data"])
def test_importing_any_package_turns_telemetry_off_and_writes_nothing_in_home(package: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    done = subprocess.run([sys.executable, "-c", PROBE.format(package=package)], env=_bare_environment(home),
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "client None" in done.stdout
    assert not list(home.rglob("*"))


def test_the_probe_can_see_telemetry_on(tmp_path: Path) -> None:
    """Without the project imported first, the same probe finds MLflow's client started and its id in HOME."""
    home = tmp_path / "home"
    home.mkdir()
    done = subprocess.run([sys.executable, "-c", PROBE.format(package="json")], env=_bare_environment(home),
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "client None" not in done.stdout
    assert (home / ".config" / "mlflow" / "telemetry.json").is_file()
