"""A stage outlives the loss of a worker, as Dask and Ray promise: `khlang ingest` and `khlang train` on a
`khlang cluster up` cluster of two Dask workers, and on a local Ray, each with one worker SIGKILLed while
tasks run (on Dask with its nanny, so it stays gone), finish on the worker left, and their outputs equal
an undisturbed run's: the store and quarantine digests, and the champion's backtest tables and score.

Before the engine shipped its shared inputs again, the Dask train run failed (`FutureCancelledError`, rc 1):
the history blocks every training task reads had lived on the killed worker alone. Losing the scheduler
itself is a one-line error (no traceback), and the same command rerun on a new cluster completes."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from khlang.catalog import Catalog
from pipelines.ingest import quarantine_digest, store_digest
from tests.worker_loss import khlang_env, kill_mid_run, run_khlang

pytestmark = pytest.mark.slow
_WORLD = ("raw", "store", "quarantine", "manifest", "truth", "panel.zarr", "features.zarr")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _score(output: str) -> str:
    found = re.search(r"waste: score \(mean reconciled LAO MASE\) ([0-9.]+)", output)
    assert found, output[-3000:]
    return found.group(1)


def _tables(work: Path) -> list[dict]:
    """The waste champion's backtest rows (benchmarks.backtest_tables), as a user prints them."""
    result = subprocess.run([sys.executable, "-m", "benchmarks.backtest_tables", "--work-dir", str(work),
                             "--family", "waste"], capture_output=True, text=True, env=khlang_env(), timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return json.loads((work / "benchmarks" / "backtest-tables.json").read_text())["waste"]


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict:
    """The tiny world prepared on the embedded cluster, and an undisturbed `khlang train --metric waste`."""
    work = tmp_path_factory.mktemp("reference")
    run_khlang(work, "generate", "--scale", "tiny", "--seed", "7")
    for stage in ("ingest", "panel", "features"):
        run_khlang(work, stage)
    base = tmp_path_factory.mktemp("world")
    for name in _WORLD:
        shutil.copytree(work / name, base / name)
    score = _score(run_khlang(work, "train", "--metric", "waste"))
    catalog = Catalog(work)
    return {"base": base, "store": store_digest(catalog), "quarantine": quarantine_digest(catalog),
            "score": score, "tables": _tables(work)}


def _check_ingest(reference: dict, work: Path, cluster: str, dask_address: str | None) -> None:
    shutil.copytree(reference["base"] / "raw", work / "raw")
    outcome = kill_mid_run(work, ["ingest", "--cluster", cluster], dask_address=dask_address)
    assert outcome.killed, "the command ended before a task ran on the cluster: nothing was killed"
    assert outcome.returncode == 0, outcome.output[-4000:]
    catalog = Catalog(work)
    assert store_digest(catalog) == reference["store"]
    assert quarantine_digest(catalog) == reference["quarantine"]


def _check_train(reference: dict, work: Path, cluster: str, dask_address: str | None) -> None:
    for name in _WORLD:
        shutil.copytree(reference["base"] / name, work / name)
    outcome = kill_mid_run(work, ["train", "--metric", "waste", "--cluster", cluster], dask_address=dask_address)
    assert outcome.killed, "the command ended before a task ran on the cluster: nothing was killed"
    assert outcome.returncode == 0, outcome.output[-4000:]
    assert _score(outcome.output) == reference["score"]
    assert _tables(work) == reference["tables"]


def test_dask_ingest_and_train_survive_a_killed_worker(reference: dict, tmp_path: Path) -> None:
    port = _free_port()
    env = {"KHLANG_SCHEDULER_PORT": str(port), "KHLANG_DASHBOARD_PORT": str(_free_port())}
    service = tmp_path / "service"
    run_khlang(service, "cluster", "up", env=env)
    address = f"tcp://127.0.0.1:{port}"
    try:
        _check_ingest(reference, tmp_path / "ingest", address, address)
        run_khlang(service, "cluster", "down", env=env)  # two workers again for the next stage
        run_khlang(service, "cluster", "up", env=env)
        _check_train(reference, tmp_path / "train", address, address)
    finally:
        run_khlang(service, "cluster", "down", env=env)


def test_losing_the_dask_scheduler_is_a_one_line_error_and_a_rerun_completes(reference: dict, tmp_path: Path) -> None:
    port = _free_port()
    env = {"KHLANG_SCHEDULER_PORT": str(port), "KHLANG_DASHBOARD_PORT": str(_free_port())}
    service, work, address = tmp_path / "service", tmp_path / "train", f"tcp://127.0.0.1:{port}"
    for name in _WORLD:
        shutil.copytree(reference["base"] / name, work / name)
    run_khlang(service, "cluster", "up", env=env)
    try:
        outcome = kill_mid_run(work, ["train", "--metric", "waste", "--cluster", address], dask_address=address,
                               scheduler=True)
        assert outcome.killed and outcome.returncode == 1, outcome.output[-4000:]
        said = [line for line in outcome.output.splitlines() if line.startswith("error: ")]
        assert said and said[0].startswith(f"error: lost the Dask scheduler at {address}"), outcome.output[-4000:]
        assert "Traceback" not in outcome.output  # one line, no traceback
        run_khlang(service, "cluster", "down", env=env)
        run_khlang(service, "cluster", "up", env=env)
        assert _score(run_khlang(work, "train", "--metric", "waste", "--cluster", address)) == reference["score"]
    finally:
        run_khlang(service, "cluster", "down", env=env)


@pytest.mark.ray
def test_ray_ingest_and_train_survive_a_killed_worker(reference: dict, tmp_path: Path) -> None:
    _check_ingest(reference, tmp_path / "ingest", "ray", None)
    _check_train(reference, tmp_path / "train", "ray", None)
