import datetime as dt

import pytest

from khlang.catalog import Catalog
from khlang.config import load_settings
from khlang.runtime import DASK_QUIETER, runtime_environment


def test_toml_and_environment_overrides(tmp_path, monkeypatch):
    cfg = tmp_path / "khlang.toml"
    cfg.write_text('[paths]\nwork_dir = "w"\ndata_dir = "/data"\n[cluster]\nn_workers = 3\n[ingest]\nas_of = "2025-09-30"\n')
    s = load_settings(cfg)
    assert s.work_dir == tmp_path / "w" and s.cluster.n_workers == 3
    assert s.ingest.as_of_date() == dt.date(2025, 9, 30)
    assert s.generate.income_test_cut == 0.0  # as on record: the income test removed no one
    monkeypatch.setenv("KHLANG_CLUSTER", "ray")
    monkeypatch.setenv("KHLANG_WORK_DIR", str(tmp_path / "other"))
    s = load_settings(cfg)
    assert s.cluster.address == "ray" and s.work_dir == tmp_path / "other"
    monkeypatch.setenv("KHLANG_INCOME_TEST_CUT", "0.5")
    assert load_settings(cfg).generate.income_test_cut == 0.5


def test_every_cache_and_temp_folder_is_inside_the_work_folder(tmp_path):
    env = runtime_environment(Catalog(tmp_path))
    for key in ("TMPDIR", "NUMBA_CACHE_DIR", "MPLCONFIGDIR", "DASK_TEMPORARY_DIRECTORY", "RAY_TMPDIR",
                "XDG_CACHE_HOME", "MLFLOW_TRACKING_DIR"):
        assert env[key].startswith(str(tmp_path)), key
    assert env["RAY_USAGE_STATS_ENABLED"] == "0"


def test_dask_housekeeping_is_quieter_unless_the_user_set_it(tmp_path, monkeypatch):
    for key in DASK_QUIETER:
        monkeypatch.delenv(key, raising=False)
    env = runtime_environment(Catalog(tmp_path))
    assert {key: env[key] for key in DASK_QUIETER} == DASK_QUIETER
    assert env["DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED"] == "False"
    assert env["DASK_DISTRIBUTED__ADMIN__TICK__INTERVAL"] == "1s"
    # a data scientist who wants the dashboard's profile page, or finer graphs, keeps their setting
    monkeypatch.setenv("DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED", "True")
    monkeypatch.setenv("DASK_DISTRIBUTED__ADMIN__SYSTEM_MONITOR__INTERVAL", "500ms")
    env = runtime_environment(Catalog(tmp_path))
    assert env["DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED"] == "True"
    assert env["DASK_DISTRIBUTED__ADMIN__SYSTEM_MONITOR__INTERVAL"] == "500ms"
    assert env["DASK_DISTRIBUTED__ADMIN__TICK__INTERVAL"] == "1s"


def test_a_family_sets_its_own_train_keys(tmp_path, monkeypatch):
    for key in ("N_ORIGINS", "STEP", "XGB_ESTIMATORS", "PROPHET_LEVELS"):
        monkeypatch.delenv(f"KHLANG_TRAIN_{key}", raising=False)
    cfg = tmp_path / "khlang.toml"
    cfg.write_text("[train]\nn_origins = 4\nstep = 6\n[train.welfare]\nn_origins = 8\nstep = 3\n"
                   "[train.budget]\nprophet_levels = []\n")
    train = load_settings(cfg).train
    assert (train.n_origins, train.step) == (4, 6)
    welfare, budget = train.for_family("welfare"), train.for_family("budget")
    assert (welfare.n_origins, welfare.step) == (8, 3) and (budget.n_origins, budget.step) == (4, 6)
    # an empty list is a family's way to drop a candidate everywhere; the others keep the shared levels
    assert budget.prophet_levels == () and welfare.prophet_levels == train.prophet_levels != ()
    assert welfare.per_family == () and welfare.xgb_estimators == train.xgb_estimators
    # the environment's KHLANG_TRAIN_<KEY> wins over the file, the family's table included
    monkeypatch.setenv("KHLANG_TRAIN_STEP", "12")
    welfare = load_settings(cfg).train.for_family("welfare")
    assert (welfare.n_origins, welfare.step) == (8, 12)


def test_unknown_train_keys_and_families_are_refused(tmp_path):
    cfg = tmp_path / "khlang.toml"
    for text, message in (("[train.wellfare]\nstep = 3\n", "not a metric family"),
                          ("[train.welfare]\nsteps = 3\n", "no key 'steps'"),
                          ("[train]\norigins = 8\n", "no key 'origins'")):
        cfg.write_text(text)
        with pytest.raises(ValueError, match=message):
            load_settings(cfg)


def test_a_share_outside_0_1_is_refused_where_it_is_set(tmp_path, monkeypatch):
    import os
    import subprocess
    import sys

    monkeypatch.setenv("KHLANG_INCOME_TEST_CUT", "2")
    with pytest.raises(ValueError, match=r"income_test_cut is a share in \[0, 1\]; got 2.0"):
        load_settings(None)
    monkeypatch.delenv("KHLANG_INCOME_TEST_CUT")
    # the command line says which setting is wrong, without a traceback, and generates nothing
    khlang = [sys.executable, "-m", "commands.cli", "--work-dir", str(tmp_path / "work"), "generate", "--scale", "tiny"]
    env = {**os.environ, "COLUMNS": "200"}
    for extra, variable, said in ((["--income-test-cut", "1.5"], {}, "--income-test-cut"),
                                  ([], {"KHLANG_INCOME_TEST_CUT": "2"}, "income_test_cut is a share in [0, 1]")):
        result = subprocess.run([*khlang, *extra], capture_output=True, text=True, env={**env, **variable}, timeout=120)
        assert result.returncode == 2 and said in result.stderr and "Traceback" not in result.stderr, result.stderr
        assert not (tmp_path / "work" / "raw").exists() or not any((tmp_path / "work" / "raw").iterdir())


def test_the_generated_and_ingested_years_are_settings_checked_where_set(tmp_path):
    import os
    import subprocess
    import sys

    s = load_settings(None, environ={"KHLANG_FIRST_FY": "2545", "KHLANG_FIRST_FISCAL_YEAR": "2545"})
    assert (s.generate.first_fy, s.ingest.first_fiscal_year) == (2545, 2545)
    assert (load_settings(None, environ={}).generate.first_fy, load_settings(None, environ={}).ingest.first_fiscal_year) \
        == (2557, 2550)
    with pytest.raises(ValueError, match="first_fy is a BE fiscal year from 2500 to 2563; got 2564"):
        load_settings(None, environ={"KHLANG_FIRST_FY": "2564"})
    with pytest.raises(ValueError, match="first_fiscal_year is a BE fiscal year"):
        load_settings(None, environ={"KHLANG_FIRST_FISCAL_YEAR": "1990"})
    khlang = [sys.executable, "-m", "commands.cli", "--work-dir", str(tmp_path / "work"), "generate", "--scale", "tiny",
              "--first-fy", "2566"]
    result = subprocess.run(khlang, capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"}, timeout=120)
    assert result.returncode == 2 and "FY2563" in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert not (tmp_path / "work" / "raw").exists() or not any((tmp_path / "work" / "raw").iterdir())


def _documented_keys(text: str) -> list[tuple[str, str, str, str]]:
    """(section, key, value, variable) of every `# key = value  # KHLANG_…` line of a khlang.toml."""
    import re

    rows, section = [], None
    for line in text.splitlines():
        if m := re.match(r"^\[([\w.]+)\]", line):
            section = m.group(1)
        elif m := re.match(r"^# (\w+) = (.+?)\s+# (KHLANG_\w+)", line):
            rows.append((section, m.group(1), m.group(2), m.group(3)))
    return rows


def test_the_shipped_file_documents_every_key_with_its_one_default_and_variable():
    import tomllib
    from dataclasses import fields

    from khlang.config import PATHS, SECTIONS, env_variable
    from tests.conftest import PROJECT_ROOT

    documented = _documented_keys((PROJECT_ROOT / "khlang.toml").read_text(encoding="utf-8"))
    for section, key, value, variable in documented:
        default = tomllib.loads(f"v = {value}")["v"]
        if section == "paths":
            assert (variable, default) == PATHS[key], key
            continue
        cls, _ = SECTIONS[section]
        declared = next(f.default for f in fields(cls) if f.name == key)
        expected = "" if declared is None else list(declared) if isinstance(declared, tuple) else declared
        assert default == expected, f"[{section}] {key}: documented {default!r}, declared {declared!r}"
        assert variable == env_variable(section, key), f"[{section}] {key}"
    every = {(s, f.name) for s, (cls, _) in SECTIONS.items() for f in fields(cls) if f.name != "per_family"}
    assert every | {("paths", k) for k in PATHS} == {(s, k) for s, k, _, _ in documented}


def test_every_section_reads_the_file_and_its_variables_alike(tmp_path):
    from khlang.config import load_settings

    cfg = tmp_path / "khlang.toml"
    cfg.write_text('[serve]\nport = 8100\n[app]\napi_url = "http://127.0.0.1:8100"\n[mlflow]\nport = 5100\n')
    s = load_settings(cfg, environ={})
    assert (s.serve.port, s.app.api_url, s.mlflow.port, s.cluster.n_workers) == (8100, "http://127.0.0.1:8100", 5100, 2)
    s = load_settings(cfg, environ={"KHLANG_SERVE_PORT": "8200", "KHLANG_API_URL": " ", "KHLANG_N_WORKERS": "4",
                                    "KHLANG_TRAIN_PROPHET_LEVELS": "nation,region"})
    assert (s.serve.port, s.app.api_url, s.cluster.n_workers) == (8200, "http://127.0.0.1:8100", 4)  # blank = unset
    assert s.train.prophet_levels == ("nation", "region")
    cfg.write_text("[serve]\nprot = 1\n")
    with pytest.raises(ValueError, match="no key 'prot'"):
        load_settings(cfg, environ={})
    with pytest.raises(ValueError, match=r"\[cluster\] n_workers = 'two'"):
        load_settings(None, environ={"KHLANG_N_WORKERS": "two"})
