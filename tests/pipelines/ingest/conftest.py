"""Fixtures for ingest: one real Dask LocalCluster per session, the register, and a generated-like corpus
(three layouts, Thai and English headers, BE and CE years, three encodings, an Excel workbook)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cluster.engine import open_engine
from khlang.catalog import Catalog
from khlang.config import ClusterConfig
from khlang.domain.calendar import fiscal_year_months
from khlang.domain.thai import MONTHS_TH_ABBR
from khlang.runtime import configure_runtime
from pipelines.headers import headers_for
from pipelines.ingest.validate import Register

AS_OF = dt.date(2026, 6, 15)
WELFARE = ["elderly_60_69", "elderly_70_79", "elderly_80_89", "elderly_90_plus"]
BUDGET = ["budget_personnel", "budget_investment"]


@pytest.fixture(scope="session")
def engine(tmp_path_factory):
    work = tmp_path_factory.mktemp("ingest_engine")
    configure_runtime(Catalog(work))
    with open_engine(ClusterConfig(address="local", n_workers=2, memory_limit="3GiB"),
                     local_directory=str(work / "dask")) as eng:
        yield eng


@pytest.fixture(scope="session")
def register(reference) -> Register:
    return Register.from_reference(reference, AS_OF)


@pytest.fixture(scope="session")
def codes(reference) -> dict[str, list[str]]:
    """Real LAO codes: `local` (municipalities and SAOs) and `pao`."""
    laos = reference.laos
    return {"local": sorted(laos.loc[laos["lao_type"].isin(["subdistrict_admin_org", "subdistrict_municipality"]),
                                     "lao_code"])[:3000],
            "pao": sorted(laos.loc[laos["lao_type"] == "provincial_admin_org", "lao_code"])}


def write_corpus(folder: Path, local_codes: list[str], fiscal_years: list[int], seed: int = 1,
                 xlsx: bool = True) -> int:
    """Write clean files of every layout; returns the number of records written (all valid, no duplicates)."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    th, en = headers_for("th"), headers_for("en")
    n = 0
    months = [m for fy in fiscal_years for m in fiscal_year_months(fy) if m <= AS_OF]
    codes = np.asarray(local_codes)
    # long, Thai headers, BE years, Thai month abbreviations, cp874
    grid = pd.MultiIndex.from_product([codes, BUDGET, months], names=["c", "m", "p"]).to_frame(index=False)
    long = pd.DataFrame({th["lao_code"]: grid["c"], th["item"]: grid["m"].map(th),
                         th["year"]: [p.year + 543 for p in grid["p"]],
                         th["month"]: [MONTHS_TH_ABBR[p.month - 1] for p in grid["p"]],
                         th["value"]: rng.integers(0, 5_000_000, len(grid))})
    (folder / "budget").mkdir(exist_ok=True)
    long.to_csv(folder / "budget" / "long_th.csv", index=False, encoding="cp874")
    n += len(long)
    # wide_metrics, English headers, CE periods, UTF-8
    grid = pd.MultiIndex.from_product([codes, months], names=["c", "p"]).to_frame(index=False)
    wide = pd.DataFrame({en["lao_code"]: grid["c"], en["period"]: [f"{p:%Y-%m}" for p in grid["p"]]})
    for m in WELFARE:  # each unit near a level of its own, as recipients are (no jump of orders of magnitude)
        level = grid["c"].map(dict(zip(codes, rng.integers(20, 900, len(codes)), strict=True))).to_numpy()
        wide[en[m]] = np.rint(level * rng.uniform(0.9, 1.1, len(grid))).astype(int)
    wide.to_csv(folder / "welfare_wide_en.csv", index=False, encoding="utf-8")
    n += len(grid) * len(WELFARE)
    # wide_months (e-LAAS style), Thai headers, UTF-8 with BOM, thousands separators
    grid = pd.MultiIndex.from_product([codes, ["budget_operations"], fiscal_years], names=["c", "m", "fy"]
                                      ).to_frame(index=False)
    grid = grid[grid["fy"] < 2569]
    wm = pd.DataFrame({th["lao_code"]: grid["c"], th["item"]: grid["m"].map(th), th["fiscal_year"]: grid["fy"]})
    for mo in (10, 11, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9):
        wm[MONTHS_TH_ABBR[mo - 1]] = [f"{v:,}" for v in rng.integers(0, 3_000_000, len(grid))]
    wm.to_csv(folder / "elaas_months.csv", index=False, encoding="utf-8-sig")
    n += len(wm) * 12
    if xlsx:
        n += write_merged_header_xlsx(folder / "waste.xlsx", list(codes[:20]), months[:6])
    return n


def write_merged_header_xlsx(path: Path, codes: list[str], months: list[dt.date]) -> int:
    """A workbook with a title row and a merged group header above the real header row."""
    import xlsxwriter

    th = headers_for("th")
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("ขยะ")
    ws.merge_range(0, 0, 0, 3, "รายงานปริมาณขยะมูลฝอยชุมชน")
    ws.merge_range(1, 0, 1, 1, "หน่วยงาน")
    ws.merge_range(1, 2, 1, 3, "ปริมาณ")
    ws.write_row(2, 0, [th["lao_code"], th["period"], th["waste_generated"], th["remark"]])
    r = 3
    for c in codes:
        for p in months:
            ws.write_row(r, 0, [int(c), f"{MONTHS_TH_ABBR[p.month - 1]} {p.year + 543}", round(1 + r * 0.01, 2), ""])
            r += 1
    wb.close()
    return len(codes) * len(months)


def read_quarantine(catalog: Catalog) -> pd.DataFrame:
    import pyarrow.parquet as pq

    files = sorted(catalog.quarantine.glob("batch=*/*.parquet"))
    return (pd.concat([pq.read_table(f).to_pandas() for f in files], ignore_index=True) if files
            else pd.DataFrame(columns=["source_file", "source_row", "reason", "detail", "value", "lao_code"]))


def read_store(catalog: Catalog) -> pd.DataFrame:
    from pipelines.ingest import open_store

    if not any(catalog.store.rglob("*.parquet")):
        return pd.DataFrame(columns=["lao_code", "metric", "fiscal_year", "period", "value"])
    return open_store(catalog).to_table().to_pandas()


@pytest.fixture
def ingest_files(tmp_path, engine, reference):
    """Write {relative name: bytes or text} into a raw folder, ingest it, return (report, store, quarantine)."""
    from pipelines.ingest import ingest

    def run(files: dict[str, bytes | str], encoding: str = "utf-8", work: Path | None = None, **options):
        work = work or tmp_path / "work"
        raw = work / "raw"
        for name, content in files.items():
            path = raw / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content.encode(encoding) if isinstance(content, str) else content)
        catalog = Catalog(work)
        report = ingest(raw, catalog, reference, engine, AS_OF, **options)
        assert report.balanced, report.frame()
        for f in report.files:
            assert f.records_in == f.records_stored + f.records_quarantined, f
        return report, read_store(catalog), read_quarantine(catalog)

    return run
