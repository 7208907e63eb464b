"""Typed configuration: one TOML file plus environment overrides, frozen dataclasses."""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path

from khlang.domain.metrics import FAMILIES

__all__ = ["ClusterConfig", "ComplaintsConfig", "GenerateConfig", "IngestConfig", "MlflowConfig", "TrainConfig", "ServeSettings", "AppSettings",
           "Settings", "SECTIONS", "env_variable", "find_config_file", "load_settings"]

CONFIG_ENV = "KHLANG_CONFIG"
_PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env_name(name: str) -> dict[str, str]:
    """A field's environment variable where it is not KHLANG_<SECTION PREFIX><FIELD> (see `load_settings`)."""
    return {"env": name}


@dataclass(frozen=True)
class ClusterConfig:
    """Where stages run: `local` (embedded LocalCluster), `tcp://…` (Dask scheduler), `ray`, `ray://…`."""

    address: str = field(default="local", metadata=_env_name("KHLANG_CLUSTER"))
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
    first_fy: int = 2557  # first fiscal year (BE) of the generated months; they end with FY2568
    # The earliest and latest first_fy: the period must hold the calibrated FY2565 and the 2020-2023 events
    # (pipelines.generate.scales.MonthAxis checks the same bounds).
    FIRST_FY_RANGE = (2500, 2563)

    def __post_init__(self) -> None:
        for name in ("dirty_share", "income_test_cut"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"[generate] {name} is a share in [0, 1]; got {getattr(self, name)}")
        if not self.FIRST_FY_RANGE[0] <= self.first_fy <= self.FIRST_FY_RANGE[1]:
            raise ValueError(f"[generate] first_fy is a BE fiscal year from {self.FIRST_FY_RANGE[0]} to "
                             f"{self.FIRST_FY_RANGE[1]}; got {self.first_fy}")


@dataclass(frozen=True)
class MlflowConfig:
    """Tracking store: empty `tracking_uri` = SQLite in the work folder; or a team server's URI."""

    tracking_uri: str = ""
    port: int = 5000


@dataclass(frozen=True)
class IngestConfig:
    as_of: dt.date | None = field(default=None, metadata={"parse": dt.date.fromisoformat})  # None: today
    first_fiscal_year: int = 2550  # records of earlier fiscal years (BE) are year_out_of_range

    def __post_init__(self) -> None:
        if not 2500 <= self.first_fiscal_year <= 2600:
            raise ValueError(f"[ingest] first_fiscal_year is a BE fiscal year (2500-2600); got {self.first_fiscal_year}")

    def as_of_date(self) -> dt.date:
        return self.as_of or dt.date.today()


@dataclass(frozen=True)
class ServeSettings:
    """The API (`khlang serve`): port on 127.0.0.1, the largest deposited file, how long the model registry
    summary is reused. The deposit token is not here: it is read from KHLANG_DEPOSIT_TOKEN alone
    (serving.config), never from a file that could be committed."""

    port: int = field(default=8000, metadata=_env_name("KHLANG_SERVE_PORT"))
    deposit_max_bytes: int = field(default=20 * 2**20, metadata=_env_name("KHLANG_DEPOSIT_MAX_BYTES"))  # 20 MiB
    models_cache_s: float = field(default=60.0, metadata=_env_name("KHLANG_MODELS_CACHE_S"))


@dataclass(frozen=True)
class AppSettings:
    """The planners' app (`khlang app`): its port on 127.0.0.1 and the API it reads."""

    port: int = field(default=8501, metadata=_env_name("KHLANG_APP_PORT"))
    api_url: str = field(default="http://127.0.0.1:8000", metadata=_env_name("KHLANG_API_URL"))


@dataclass(frozen=True)
class ComplaintsConfig:
    """Citizens' complaints: the file mapping (LAO type, problem type) to the responsible unit (empty: the one
    shipped with Khlang, pipelines/complaints/responsible_units.csv; a province edits its own copy), and
    the days within which a case counts as resolved in time."""

    units_file: str = ""
    target_days: float = 30.0


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
    # the backtest refits the global model at every xgb_refit-th origin; between refits the last fit
    # forecasts from the later origins' data (mlforecast's cross_validation `refit`); the final fit is always new
    xgb_refit: int = 1
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
    serve: ServeSettings = field(default_factory=ServeSettings)
    app: AppSettings = field(default_factory=AppSettings)
    complaints: ComplaintsConfig = field(default_factory=ComplaintsConfig)
    config_file: Path | None = None

    @property
    def thailand_dir(self) -> Path:
        """The real reference data set (DLA register, codes, boundaries, provincial waste)."""
        return self.data_dir / "thailand"

    @property
    def complaints_dir(self) -> Path:
        """Real citizens' complaints (Traffy Fondue CSV exports): what `khlang complaints train` reads by default."""
        return self.data_dir / "complaints"

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


# Each section of the TOML file, its dataclass and the prefix of its environment variables: a field `name`
# is overridden by KHLANG_<PREFIX><NAME> unless its metadata names another variable ("env").
SECTIONS: dict[str, tuple[type, str]] = {
    "cluster": (ClusterConfig, ""), "generate": (GenerateConfig, ""), "ingest": (IngestConfig, ""),
    "mlflow": (MlflowConfig, "MLFLOW_"), "train": (TrainConfig, "TRAIN_"), "serve": (ServeSettings, "SERVE_"),
    "app": (AppSettings, "APP_"), "complaints": (ComplaintsConfig, "COMPLAINTS_"),
}
PATHS = {"work_dir": ("KHLANG_WORK_DIR", "work"), "data_dir": ("KHLANG_DATA_DIR", "../shared/data")}


def env_variable(section: str, name: str) -> str:
    """The environment variable that overrides `[section] name`."""
    cls, prefix = SECTIONS[section]
    meta = next(f.metadata for f in fields(cls) if f.name == name)
    return meta.get("env", f"KHLANG_{prefix}{name.upper()}")


def _typed(default: object, value: object, parse=None) -> object:
    if parse is not None:
        return parse(value) if isinstance(value, str) and value else None if value in ("", None) else value
    if isinstance(default, tuple):
        return tuple(v.strip() for v in value.split(",") if v.strip()) if isinstance(value, str) else tuple(value)
    return type(default)(value)


def _section(section: str, table: dict, environ: Mapping[str, str]) -> dict[str, object]:
    """The section's values: KHLANG_* wins over the file, the file over the dataclass default (written once,
    on the dataclass). A key the dataclass has not is an error (tables below `[train]` are per family)."""
    cls, _ = SECTIONS[section]
    known = {f.name: f for f in fields(cls) if f.name != "per_family"}
    unknown = [k for k, v in table.items() if k not in known and not (section == "train" and isinstance(v, dict))]
    if unknown:
        raise ValueError(f"[{section}] has no key {unknown[0]!r}; keys: {', '.join(known)}")
    values = {}
    for name, f in known.items():
        default = f.default if f.default is not MISSING else f.default_factory()  # type: ignore[misc]
        given = environ.get(env_variable(section, name), "")
        raw = given if given.strip() else table.get(name, default)  # blank = not set
        try:
            values[name] = _typed(default, raw, f.metadata.get("parse"))
        except ValueError as error:
            raise ValueError(f"[{section}] {name} = {raw!r}: {error}") from None
    return values


def load_settings(config_file: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read the TOML file (if any) and apply the KHLANG_* overrides of `environ` (default os.environ)."""
    environ = os.environ if environ is None else environ
    config_file = config_file or find_config_file()
    raw: dict = {}
    base = Path.cwd()
    if config_file is not None:
        raw = tomllib.loads(Path(config_file).read_text(encoding="utf-8"))
        base = Path(config_file).resolve().parent

    def _path(name: str) -> Path:
        env, default = PATHS[name]
        p = Path(environ.get(env, "") or raw.get("paths", {}).get(name, default)).expanduser()
        return (p if p.is_absolute() else base / p).resolve()

    sections = {name: _section(name, raw.get(name, {}), environ) for name in SECTIONS if name != "train"}
    return Settings(
        work_dir=_path("work_dir"), data_dir=_path("data_dir"),
        **{name: SECTIONS[name][0](**values) for name, values in sections.items()},
        train=_train_config(raw.get("train", {}), environ),
        config_file=Path(config_file).resolve() if config_file else None,
    )


def _train_config(table: dict, environ: Mapping[str, str]) -> TrainConfig:
    """[train] (as every section) and its [train.<family>] tables: keys one family sets for itself
    (KHLANG_TRAIN_<KEY> wins over those too)."""
    shared = {f.name: f.default for f in fields(TrainConfig) if f.name != "per_family"}
    values = _section("train", table, environ)
    per_family = []
    for family, own in table.items():
        if not isinstance(own, dict):
            continue
        if family not in FAMILIES:
            raise ValueError(f"[train.{family}]: not a metric family; families: {', '.join(FAMILIES)}")
        for key, value in own.items():
            if key not in shared:
                raise ValueError(f"[train.{family}] has no key {key!r}; keys: {', '.join(shared)}")
            if not environ.get(env_variable("train", key), ""):
                per_family.append((family, key, _typed(shared[key], value)))
    return TrainConfig(**values, per_family=tuple(per_family))
