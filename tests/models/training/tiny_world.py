"""A tiny world for the training tests: Phuket's agency files generated, ingested and paneled in a temp
work folder on a real LocalCluster (2 workers), and a training config small enough to run in seconds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cluster.engine import Engine, open_engine
from khlang.catalog import Catalog
from khlang.config import ClusterConfig, Settings, TrainConfig
from khlang.domain.reference import ReferenceData
from pipelines.generate import generate_dataset
from pipelines.ingest import ingest
from pipelines.panel import build_panels

AS_OF = dt.date(2026, 11, 22)
FAST = TrainConfig(n_origins=3, step=6, prophet_levels=("nation",), reconciliation="auto", xgb_estimators=25,
                   xgb_max_origins=12, xgb_max_rows=20_000, seed=11)


@dataclass(frozen=True)
class TinyWorld:
    catalog: Catalog
    engine: Engine


@contextmanager
def tiny_world(root: Path, settings: Settings, reference: ReferenceData, metrics: list[str] | None = None
               ) -> Iterator[TinyWorld]:
    catalog = Catalog(root / "work").ensure()
    generate_dataset(reference, settings.thailand_dir, scale="tiny", seed=7, raw_dir=catalog.raw,
                     truth_dir=catalog.truth, dirty_share=0.002)
    with open_engine(ClusterConfig(address="local", n_workers=2), local_directory=str(catalog.tmp / "dask")) as engine:
        report = ingest(catalog.raw, catalog, reference, engine, AS_OF)
        assert report.balanced
        build_panels(catalog, reference, engine, metrics=metrics)
        yield TinyWorld(catalog, engine)
