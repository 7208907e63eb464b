"""Generated data sets shared by the generator's tests: tiny twice (same seed), tiny with another seed,
and small once; each built by the real generator into a temp folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from khlang.config import load_settings
from khlang.domain.reference import ReferenceData, load_reference
from pipelines.generate import GenerateReport, generate_dataset

SEED = 2568


@dataclass(frozen=True)
class Generated:
    report: GenerateReport
    raw: Path
    truth: Path

    def table(self, name: str) -> pd.DataFrame:
        return pd.read_parquet(self.truth / f"{name}.parquet")


@pytest.fixture(scope="session")
def thailand_dir() -> Path:
    folder = load_settings().thailand_dir
    if not (folder / "lao_register.json").is_file():
        pytest.skip(f"reference data not found in {folder}")
    return folder


@pytest.fixture(scope="session")
def reference(thailand_dir: Path) -> ReferenceData:
    return load_reference(thailand_dir)


def _generate(reference, thailand_dir, root: Path, scale: str, seed: int, dirty_share: float = 0.002) -> Generated:
    report = generate_dataset(reference, thailand_dir, scale, seed, root / "raw", root / "truth", dirty_share)
    return Generated(report, root / "raw", root / "truth")


@pytest.fixture(scope="session")
def tiny(reference, thailand_dir, tmp_path_factory) -> Generated:
    return _generate(reference, thailand_dir, tmp_path_factory.mktemp("tiny"), "tiny", SEED)


@pytest.fixture(scope="session")
def tiny_again(reference, thailand_dir, tmp_path_factory) -> Generated:
    return _generate(reference, thailand_dir, tmp_path_factory.mktemp("tiny_again"), "tiny", SEED)


@pytest.fixture(scope="session")
def tiny_other_seed(reference, thailand_dir, tmp_path_factory) -> Generated:
    return _generate(reference, thailand_dir, tmp_path_factory.mktemp("tiny_other"), "tiny", SEED + 1)


@pytest.fixture(scope="session")
def small(reference, thailand_dir, tmp_path_factory) -> Generated:
    return _generate(reference, thailand_dir, tmp_path_factory.mktemp("small"), "small", SEED)


@pytest.fixture(scope="session")
def tiny_records(tiny: Generated) -> pd.DataFrame:
    """Truth as a wide frame: rows (lao_code, period), one column per metric."""
    records = tiny.table("records")
    return records.pivot_table(index=["lao_code", "period"], columns="metric", values="value")
