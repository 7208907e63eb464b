"""Typed configuration: one TOML file plus environment overrides, frozen dataclasses."""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from khlang.domain.metrics import FAMILIES

__all__ = ["ClusterConfig", "GenerateConfig", "IngestConfig", "MlflowConfig", "TrainConfig", "Settings", "find_config_file", "load_settings"]

CONFIG_ENV = "KHLANG_CONFIG"
_PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class ClusterConfig:
    """Where stages run: `local` (embedded LocalCluster), `tcp://…` (Dask scheduler), `ray`, `ray://…`."""

    address: str = "local"
    n_workers: int = 2
    threads_per_worker: int = 1
    memory_limit: str = "6GiB"
    scheduler_port: int = 8786
    dashboard_port: int = 8787


@dataclass(frozen=True)
class GenerateConfig:
    seed: int = 2568
    dirty_share: float = 0.002
    income_test_cut: float = 0.0  # share of new elderly entrants the Aug 2023 income test removes (scenario)

    def __post_init__(self) -> None:
        for name in ("dirty_share", "income_test_cut"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"[generate] {name} is a share in [0, 1]; got {getattr(self, name)}")


@dataclass(frozen=True)
class MlflowConfig:
    """Tracking store: empty `tracking_uri` = SQLite in the work folder; or a team server's URI."""

    tracking_uri: str = ""
    port: int = 5000


@dataclass(frozen=True)
class IngestConfig:
    as_of: dt.date | None = None  # None: today

    def as_of_date(self) -> dt.date:
        return self.as_of or dt.date.today()


@dataclass(frozen=True)
class TrainConfig:
    """How `khlang train` backtests and fits (see models.training.train). horizon 0: the rest of the fiscal year
    after the data's last month and all of the next one."""

    horizon: int = 0
    n_origins: int = 4
    step: int = 6  # months between backtest origins
    prophet_levels: tuple[str, ...] = ("nation", "region", "province")
    # the statistical family (statsforecast, per series) where the series are few and the fit is cheap:
    # AutoETS 0.11 s and AutoTheta 0.02 s a monthly series here, so the nation and regions (7 series x 5
    # fits x 15 metrics) add about 70 CPU-seconds at thailand scale, the provinces about 850 more; the
    # LAO and district levels keep the global model, whose one fit covers thousands of series
    statistical_levels: tuple[str, ...] = ("nation", "region")
    statistical_models: tuple[str, ...] = ("auto_ets", "auto_theta")
    reconciliation: str = "auto"  # auto | bottom_up | ols | wls_struct | wls_var
    xgb_estimators: int = 150
    xgb_max_origins: int = 24
    xgb_max_rows: int = 200_000
    xgb_target: str = "seasonal_delta"  # level | seasonal_delta
    seed: int = 2568
    # (family, key, value): the [train.<family>] tables of the TOML file, keys a family sets for itself
    per_family: tuple[tuple[str, str, object], ...] = ()

    def for_family(self, family: str) -> TrainConfig:
        """The config one family trains with: its own keys in place of the shared ones."""
        own = {key: value for name, key, value in self.per_family if name == family}
        return replace(self, **own, per_family=())


@dataclass(frozen=True)
class Settings:
    work_dir: Path
    data_dir: Path
    cluster: ClusterConfig = field(default_factory=ClusterConfig)
    generate: GenerateConfig = field(default_factory=GenerateConfig)
    ingest: IngestConfig = field(default_factory=IngestConfig)
    mlflow: MlflowConfig = field(default_factory=MlflowConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    config_file: Path | None = None

    @property
    def thailand_dir(self) -> Path:
        """The real reference data set (DLA register, codes, boundaries, provincial waste)."""
        return self.data_dir / "thailand"

    def with_work_dir(self, work_dir: Path) -> Settings:
        return replace(self, work_dir=Path(work_dir).resolve())

    def with_cluster(self, address: str) -> Settings:
        return replace(self, cluster=replace(self.cluster, address=address))


def find_config_file() -> Path | None:
    """KHLANG_CONFIG, else khlang.toml in the current folder or its parents, else the project's own."""
    if env := os.environ.get(CONFIG_ENV):
        return Path(env)
    for folder in [Path.cwd(), *Path.cwd().parents]:
        if (folder / "khlang.toml").is_file():
            return folder / "khlang.toml"
    own = _PROJECT_ROOT / "khlang.toml"
    return own if own.is_file() else None


def _env(name: str, default: object) -> str:
    return os.environ.get(name, "") or str(default)


def load_settings(config_file: Path | None = None) -> Settings:
    """Read the TOML file (if any) and apply KHLANG_* environment overrides."""
    config_file = config_file or find_config_file()
    raw: dict = {}
    base = Path.cwd()
    if config_file is not None:
        raw = tomllib.loads(Path(config_file).read_text(encoding="utf-8"))
        base = Path(config_file).resolve().parent
    paths, cl, gen, ing, mlf, tr = (raw.get(k, {}) for k in ("paths", "cluster", "generate", "ingest", "mlflow",
                                                            "train"))

    def _path(env: str, value: str) -> Path:
        p = Path(_env(env, value)).expanduser()
        return (p if p.is_absolute() else base / p).resolve()

    as_of = _env("KHLANG_AS_OF", ing.get("as_of", ""))
    return Settings(
        work_dir=_path("KHLANG_WORK_DIR", paths.get("work_dir", "work")),
        data_dir=_path("KHLANG_DATA_DIR", paths.get("data_dir", "../shared/data")),
        cluster=ClusterConfig(
            address=_env("KHLANG_CLUSTER", cl.get("address", "local")),
            n_workers=int(_env("KHLANG_N_WORKERS", cl.get("n_workers", 2))),
            threads_per_worker=int(_env("KHLANG_THREADS_PER_WORKER", cl.get("threads_per_worker", 1))),
            memory_limit=_env("KHLANG_MEMORY_LIMIT", cl.get("memory_limit", "6GiB")),
            scheduler_port=int(_env("KHLANG_SCHEDULER_PORT", cl.get("scheduler_port", 8786))),
            dashboard_port=int(_env("KHLANG_DASHBOARD_PORT", cl.get("dashboard_port", 8787))),
        ),
        generate=GenerateConfig(
            seed=int(_env("KHLANG_SEED", gen.get("seed", 2568))),
            dirty_share=float(_env("KHLANG_DIRTY_SHARE", gen.get("dirty_share", 0.002))),
            income_test_cut=float(_env("KHLANG_INCOME_TEST_CUT", gen.get("income_test_cut", 0.0))),
        ),
        ingest=IngestConfig(as_of=dt.date.fromisoformat(as_of) if as_of else None),
        mlflow=MlflowConfig(tracking_uri=_env("KHLANG_MLFLOW_TRACKING_URI", mlf.get("tracking_uri", "")),
                            port=int(_env("KHLANG_MLFLOW_PORT", mlf.get("port", 5000)))),
        train=_train_config(tr),
        config_file=Path(config_file).resolve() if config_file else None,
    )


def _typed(default: object, value: object) -> object:
    if isinstance(default, tuple):
        return tuple(v.strip() for v in value.split(",") if v.strip()) if isinstance(value, str) else tuple(value)
    return type(default)(value)


def _train_config(table: dict) -> TrainConfig:
    """[train] of the TOML file with KHLANG_TRAIN_<KEY> overrides (prophet_levels comma-separated), and
    its [train.<family>] tables: keys one family sets for itself (KHLANG_TRAIN_<KEY> wins over those too)."""
    defaults = TrainConfig()
    shared = {name: default for name, default in vars(defaults).items() if name != "per_family"}
    values = {}
    for name, default in shared.items():
        env = os.environ.get(f"KHLANG_TRAIN_{name.upper()}", "")
        values[name] = _typed(default, env or table.get(name, default))
    per_family = []
    for family, own in table.items():
        if not isinstance(own, dict):
            if family not in shared:
                raise ValueError(f"[train] has no key {family!r}; keys: {', '.join(shared)}")
            continue
        if family not in FAMILIES:
            raise ValueError(f"[train.{family}]: not a metric family; families: {', '.join(FAMILIES)}")
        for key, value in own.items():
            if key not in shared:
                raise ValueError(f"[train.{family}] has no key {key!r}; keys: {', '.join(shared)}")
            if not os.environ.get(f"KHLANG_TRAIN_{key.upper()}", ""):
                per_family.append((family, key, _typed(shared[key], value)))
    return TrainConfig(**values, per_family=tuple(per_family))
