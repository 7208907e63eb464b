"""A stage outlives the loss of a worker, as Dask and Ray promise: `khlang ingest`, `khlang features` (on
Dask) and `khlang train` on a `khlang cluster up` cluster of two Dask workers, and on a local Ray, each with one worker SIGKILLed while
tasks run (on Dask with its nanny, so it stays gone), finish on the worker left, and their outputs equal
an undisturbed run's: the store and quarantine digests, every array of the feature store, and the
champion's backtest tables and score. (`khlang forecast` runs in process, on no cluster.)

Before the engine shipped its shared inputs again, the Dask train run failed (`FutureCancelledError`, rc 1):
the history blocks every training task reads had lived on the killed worker alone. Losing the scheduler
itself is a one-line error (no traceback), nothing is taken for done, and `khlang pipeline` rerun on a new
cluster resumes at the stage it lost (the data stages before it are not run again)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from khlang.catalog import Catalog
from pipelines.ingest import quarantine_digest, store_digest
from tests.worker_loss import free_port, khlang_env, kill_mid_run, run_khlang

pytestmark = pytest.mark.slow
_WORLD = ("raw", "store", "quarantine", "manifest", "truth", "panel.zarr", "features.zarr")


def _score(output: str) -> str:
    found = re.search(r"waste: score \(mean reconciled LAO MASE\) ([0-9.]+)", output)
    assert found, output[-3000:]
    return found.group(1)


def _features_digest(work: Path) -> str:
    """sha256 over the name, shape, dtype and bytes of every array of the feature store (its attrs hold the
    time it was made, so they are left out)."""
    import hashlib

    import numpy as np
    import zarr

    digest = hashlib.sha256()

    def walk(group, prefix: str) -> None:
        for name, array in sorted(group.arrays()):
            values = np.ascontiguousarray(array[...])
            digest.update(f"{prefix}{name}:{values.shape}:{values.dtype}".encode())
            digest.update(values.tobytes())
        for name, child in sorted(group.groups()):
            walk(child, f"{prefix}{name}/")

    walk(zarr.open_group(str(work / "features.zarr"), mode="r"), "")
    return digest.hexdigest()


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
    for name in (*_WORLD, "run"):
        shutil.copytree(work / name, base / name)
    score = _score(run_khlang(work, "train", "--metric", "waste"))
    catalog = Catalog(work)
    return {"base": base, "store": store_digest(catalog), "quarantine": quarantine_digest(catalog),
            "features": _features_digest(work), "score": score, "tables": _tables(work)}


def _check_ingest(reference: dict, work: Path, cluster: str, dask_address: str | None) -> None:
    shutil.copytree(reference["base"] / "raw", work / "raw")
    outcome = kill_mid_run(work, ["ingest", "--cluster", cluster], dask_address=dask_address)
    assert outcome.killed, "the command ended before a task ran on the cluster: nothing was killed"
    assert outcome.returncode == 0, outcome.output[-4000:]
    catalog = Catalog(work)
    assert store_digest(catalog) == reference["store"]
    assert quarantine_digest(catalog) == reference["quarantine"]


def _check_features(reference: dict, work: Path, cluster: str, dask_address: str | None) -> None:
    for name in _WORLD:
        if name != "features.zarr":
            shutil.copytree(reference["base"] / name, work / name)
    outcome = kill_mid_run(work, ["features", "--cluster", cluster], dask_address=dask_address)
    assert outcome.killed, "the command ended before a task ran on the cluster: nothing was killed"
    assert outcome.returncode == 0, outcome.output[-4000:]
    assert _features_digest(work) == reference["features"]


def _check_train(reference: dict, work: Path, cluster: str, dask_address: str | None) -> None:
    for name in _WORLD:
        shutil.copytree(reference["base"] / name, work / name)
    outcome = kill_mid_run(work, ["train", "--metric", "waste", "--cluster", cluster], dask_address=dask_address)
    assert outcome.killed, "the command ended before a task ran on the cluster: nothing was killed"
    assert outcome.returncode == 0, outcome.output[-4000:]
    assert _score(outcome.output) == reference["score"]
    assert _tables(work) == reference["tables"]


def test_dask_ingest_features_and_train_survive_a_killed_worker(reference: dict, tmp_path: Path) -> None:
    port = free_port()
    env = {"KHLANG_SCHEDULER_PORT": str(port), "KHLANG_DASHBOARD_PORT": str(free_port())}
    service = tmp_path / "service"
    run_khlang(service, "cluster", "up", env=env)
    address = f"tcp://127.0.0.1:{port}"
    try:
        for check, folder in ((_check_ingest, "ingest"), (_check_features, "features"), (_check_train, "train")):
            run_khlang(service, "cluster", "down", env=env)  # two workers again for each stage
            run_khlang(service, "cluster", "up", env=env)
            check(reference, tmp_path / folder, address, address)
    finally:
        run_khlang(service, "cluster", "down", env=env)


def test_losing_the_dask_scheduler_is_a_one_line_error_and_the_pipeline_resumes(reference: dict, tmp_path: Path) -> None:
    port = free_port()
    env = {"KHLANG_SCHEDULER_PORT": str(port), "KHLANG_DASHBOARD_PORT": str(free_port())}
    service, work, address = tmp_path / "service", tmp_path / "pipeline", f"tcp://127.0.0.1:{port}"
    for name in _WORLD:
        shutil.copytree(reference["base"] / name, work / name)
    # the record the single commands left (ingest, panel, features finished): the pipeline starts at train
    (work / "run").mkdir()
    shutil.copy(reference["base"] / "run" / "pipeline.json", work / "run" / "pipeline.json")
    before = json.loads((work / "run" / "pipeline.json").read_text())["stages"]
    pipeline = ["pipeline", "--source", "ingest", "--metric", "waste", "--cluster", address]
    run_khlang(service, "cluster", "up", env=env)
    try:
        outcome = kill_mid_run(work, pipeline, dask_address=address, scheduler=True)
        assert outcome.killed and outcome.returncode == 1, outcome.output[-4000:]
        said = [line for line in outcome.output.splitlines() if line.startswith("error: ")]
        assert said and said[0].startswith(f"error: lost the Dask scheduler at {address}"), outcome.output[-4000:]
        assert "Traceback" not in outcome.output  # one line, no traceback
        record = json.loads((work / "run" / "pipeline.json").read_text())["stages"]
        assert "train" not in record and "forecast" not in record  # nothing taken for done
        run_khlang(service, "cluster", "down", env=env)
        run_khlang(service, "cluster", "up", env=env)
        run_khlang(work, *pipeline)
        record = json.loads((work / "run" / "pipeline.json").read_text())["stages"]
        # resumed at train: the data stages kept the record of their one run, train and forecast finished
        assert {name: record[name]["finished_at"] for name in ("ingest", "panel", "features")} == {
            name: before[name]["finished_at"] for name in ("ingest", "panel", "features")}
        assert {"train", "forecast"} <= set(record)
        assert _tables(work) == reference["tables"]
    finally:
        run_khlang(service, "cluster", "down", env=env)


@pytest.mark.ray
def test_ray_ingest_and_train_survive_a_killed_worker(reference: dict, tmp_path: Path) -> None:
    _check_ingest(reference, tmp_path / "ingest", "ray", None)
    _check_train(reference, tmp_path / "train", "ray", None)
