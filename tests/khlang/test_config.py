import datetime as dt

from khlang.catalog import Catalog
from khlang.config import load_settings
from khlang.runtime import runtime_environment


def test_toml_and_environment_overrides(tmp_path, monkeypatch):
    cfg = tmp_path / "khlang.toml"
    cfg.write_text('[paths]\nwork_dir = "w"\ndata_dir = "/data"\n[cluster]\nn_workers = 3\n[ingest]\nas_of = "2025-09-30"\n')
    s = load_settings(cfg)
    assert s.work_dir == tmp_path / "w" and s.cluster.n_workers == 3
    assert s.ingest.as_of_date() == dt.date(2025, 9, 30)
    monkeypatch.setenv("KHLANG_CLUSTER", "ray")
    monkeypatch.setenv("KHLANG_WORK_DIR", str(tmp_path / "other"))
    s = load_settings(cfg)
    assert s.cluster.address == "ray" and s.work_dir == tmp_path / "other"


def test_every_cache_and_temp_folder_is_inside_the_work_folder(tmp_path):
    env = runtime_environment(Catalog(tmp_path))
    for key in ("TMPDIR", "NUMBA_CACHE_DIR", "MPLCONFIGDIR", "DASK_TEMPORARY_DIRECTORY", "RAY_TMPDIR",
                "XDG_CACHE_HOME", "MLFLOW_TRACKING_DIR"):
        assert env[key].startswith(str(tmp_path)), key
    assert env["RAY_USAGE_STATS_ENABLED"] == "0"
