"""The tiny pipeline (generate -> ingest -> panel) run through the `khlang` command on the three
engines gives identical stores, quarantines and panels."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import zarr

from khlang.catalog import Catalog
from pipelines.ingest import quarantine_digest, store_digest
from tests.worker_loss import free_port, run_khlang

pytestmark = pytest.mark.slow


def _panel_arrays(work: Path) -> dict[str, np.ndarray]:
    root = zarr.open_group(str(Catalog(work).panel), mode="r")
    out = {}
    for metric_name, metric_group in root.groups():
        for level, group in metric_group.groups():
            for name, array in group.arrays():
                out[f"{metric_name}/{level}/{name}"] = array[...]
    return out


@pytest.fixture(scope="module")
def tiny_raw(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("gen")
    run_khlang(work, "generate", "--scale", "tiny", "--seed", "7")
    return Catalog(work).raw


def _run_engine(tmp_path_factory, tiny_raw: Path, cluster: str, env: dict[str, str] | None = None):
    work = tmp_path_factory.mktemp(cluster.split(":")[0])
    raw = work / "raw"
    shutil.copytree(tiny_raw, raw)
    out = run_khlang(work, "ingest", str(raw), "--cluster", cluster, env=env)
    run_khlang(work, "panel", "--cluster", cluster, env=env)
    catalog = Catalog(work)
    return out, store_digest(catalog), quarantine_digest(catalog), _panel_arrays(work)


def test_same_outputs_on_local_dask_scheduler_and_ray(tmp_path_factory, tiny_raw):
    local = _run_engine(tmp_path_factory, tiny_raw, "local")
    assert "dask" in local[0]

    port = free_port()
    service_work = tmp_path_factory.mktemp("service")
    env = {"KHLANG_SCHEDULER_PORT": str(port), "KHLANG_DASHBOARD_PORT": str(free_port())}
    run_khlang(service_work, "cluster", "up", env=env)
    try:
        remote = _run_engine(tmp_path_factory, tiny_raw, f"tcp://127.0.0.1:{port}")
    finally:
        run_khlang(service_work, "cluster", "down", env=env)
    ray = _run_engine(tmp_path_factory, tiny_raw, "ray")
    assert "ray" in ray[0]

    for other in (remote, ray):
        assert other[1] == local[1], "store differs"
        assert other[2] == local[2], "quarantine differs"
        assert other[3].keys() == local[3].keys()
        for key, array in local[3].items():
            np.testing.assert_array_equal(other[3][key], array, err_msg=key)
    assert len(local[3]) > 0
