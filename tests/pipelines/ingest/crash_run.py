"""Run ingest in this process on a threaded LocalCluster (dies with the process): used by the crash test."""

import datetime as dt
import sys
from pathlib import Path

from distributed import Client, LocalCluster

from cluster.engine import DaskEngine
from khlang.catalog import Catalog
from khlang.config import load_settings
from khlang.domain.reference import load_reference
from khlang.runtime import configure_runtime
from pipelines.ingest import ingest

if __name__ == "__main__":
    raw, work = Path(sys.argv[1]), Path(sys.argv[2])
    catalog = Catalog(work)
    configure_runtime(catalog)
    reference = load_reference(load_settings().thailand_dir)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        report = ingest(raw, catalog, reference, DaskEngine(client, "inproc"), dt.date(2026, 6, 15))
    print("OK", report.totals)
