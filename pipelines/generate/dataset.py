"""Orchestration: generate a whole data set (raw agency files plus truth) for a scale and a seed."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from khlang.catalog import TRUTH_FILES
from khlang.domain.metrics import BUDGET_TYPES, ELDERLY_TIERS, METRIC_NAMES, metrics_of_family
from khlang.domain.reference import REGIONS, ReferenceData
from pipelines.generate.budget import budget_series
from pipelines.generate.calibrate import calibration_figures
from pipelines.generate.complaints import TICKETS_FILE, generate_complaints, write_complaints
from pipelines.generate.dirt import EXPECTED_REASON, DirtEntry, inject_dirt
from pipelines.generate.gaps import Delivery, plan_delivery
from pipelines.generate.layouts import (
    RawTable,
    headers,
    long_table,
    render_table,
    wide_metrics_table,
    wide_months_table,
)
from pipelines.generate.population import lao_table, population_by_fy, province_population
from pipelines.generate.scales import FIRST_FY, SCALES, MonthAxis, month_axis, provinces_of_scale
from pipelines.generate.styles import XLSX_MAX_CELLS, balanced, draw_styles
from pipelines.generate.truth import mask_table, records_table, write_parquet
from pipelines.generate.waste import province_targets, waste_series
from pipelines.generate.welfare import welfare_series
from pipelines.generate.writers import atomic_write_bytes, write_table

__all__ = ["GenerateReport", "generate_dataset", "FAMILY_FOLDERS"]

Progress = Callable[[str, int, int], None]
FAMILY_FOLDERS = ("budget", "appropriation", "population", "waste", "welfare", "late")
_METRIC_INDEX = {name: k for k, name in enumerate(METRIC_NAMES)}
_DISBURSEMENT = [f"budget_{t}" for t in BUDGET_TYPES]
_WELFARE = [m.name for m in metrics_of_family("welfare")]
_FAMILY_TH = {"budget": "การเบิกจ่ายงบประมาณ", "waste": "ขยะมูลฝอยชุมชน", "welfare": "ผู้รับเบี้ยยังชีพ"}


@dataclass(frozen=True)
class GenerateReport:
    """What one generation made, and how the truth compares with the real figures."""

    scale: str
    seed: int
    provinces: list[str]
    n_laos: int
    n_files: int
    n_truth_records: int
    n_dirty_records: int
    files: list[str]
    calibration: dict = field(default_factory=dict)
    seconds: float = 0.0
    n_complaints: int = 0  # citizens' complaints written (generate_dataset(complaints=True))

    def summary(self) -> str:
        """A few lines for the terminal."""
        cal = self.calibration
        elderly = cal.get("elderly_recipients_by_fy", {})
        fy = ", ".join(f"{k}: {v / 1e6:.2f}M" for k, v in elderly.items() if 2565 <= int(k) <= 2567)
        return "\n".join([
            f"scale {self.scale}, seed {self.seed}: {self.n_laos} units in {len(self.provinces)} provinces, "
            f"{self.n_files} files, {self.n_truth_records:,} truth records, {self.n_dirty_records:,} dirty, "
            + (f"{self.n_complaints:,} complaints, " if self.n_complaints else "") + f"{self.seconds:.1f} s",
            f"waste vs real: max relative error {cal.get('waste_max_rel_error', float('nan')):.4%}",
            f"elderly recipients (all tiers): {fy}" + (
                f"; income-test scenario: {cal['income_test_cut']:.0%} of new entrants removed from Aug 2023"
                if cal.get("income_test_cut") else ""),
            f"PAO appropriation FY2565: {cal.get('pao_appropriation_fy2565_bn', float('nan')):.2f} bn baht; "
            f"disbursement/appropriation median {cal.get('disbursement_ratio', {}).get('median', float('nan')):.3f}",
        ])

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2, sort_keys=True, default=str)


def _read_real_waste(thailand_dir: Path) -> pd.DataFrame:
    waste = pd.read_csv(Path(thailand_dir) / "waste_province_yearly.csv", dtype={"province_tis_code": str})
    waste["province_code"] = waste["province_tis_code"].str.zfill(2)
    return waste


def _simulate(units: pd.DataFrame, waste_yearly: pd.DataFrame, provinces: list[str], axis: MonthAxis,
              rngs: list[np.random.Generator], income_test_cut: float = 0.0
              ) -> tuple[dict[str, np.ndarray], np.ndarray]:
    pop = province_population(waste_yearly)
    targets = province_targets(waste_yearly, provinces, int(axis.year_ce[0]) + 543)
    monthly = {"waste_generated": waste_series(units, targets, axis, rngs[0])}
    budget = budget_series(units, float(pop.drop("10").sum()), axis, rngs[1])
    monthly.update({f"budget_{t}": v for t, v in budget.disbursement.items()})
    welfare = welfare_series(units, float(pop.sum()), axis, rngs[2], income_test_cut)
    monthly.update({f"elderly_{t}": welfare.elderly[t] for t in ELDERLY_TIERS})
    monthly["disability_standard"] = welfare.disability_standard
    monthly["disability_higher"] = welfare.disability_higher
    return monthly, budget.appropriation


def _records(units_idx: np.ndarray, metrics: list[str], monthly: dict[str, np.ndarray],
             keep: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(unit, metric, month, value) of the records of units_idx where keep[unit, month]."""
    laos, mets, ts, vals = [], [], [], []
    for name in metrics:
        block = monthly[name][units_idx]
        unit, t = np.nonzero(keep[units_idx] & np.isfinite(block))
        laos.append(units_idx[unit])
        mets.append(np.full(len(unit), _METRIC_INDEX[name]))
        ts.append(t)
        vals.append(block[unit, t])
    return tuple(np.concatenate(x) for x in (laos, mets, ts, vals))  # type: ignore[return-value]


def _province_tables(code: str, idx: np.ndarray, monthly: dict[str, np.ndarray], delivery: dict[str, Delivery],
                     budget_wide: bool, waste_long: bool) -> list[RawTable]:
    tables = []
    n_fy = monthly["waste_generated"].shape[1] // 12
    present = ~delivery["budget"].missing_main
    if budget_wide:  # e-LAAS export: LAO x budget type x fiscal year, 12 month columns
        lao = np.repeat(idx, n_fy * 6)
        fy = np.tile(np.repeat(np.arange(n_fy), 6), len(idx))
        metric = np.tile(np.array([_METRIC_INDEX[m] for m in _DISBURSEMENT]), len(idx) * n_fy)
        values = np.stack([np.where(present[idx], monthly[m][idx], np.nan) for m in _DISBURSEMENT], axis=1)
        values = values.reshape(len(idx), 6, n_fy, 12).transpose(0, 2, 1, 3).reshape(-1, 12)
        tables.append(wide_months_table(f"budget/budget_{code}", "budget", lao, fy, metric, values))
    else:
        tables.append(long_table(f"budget/budget_{code}", "budget", *_records(idx, _DISBURSEMENT, monthly, present)))
    waste_idx = idx[np.isfinite(monthly["waste_generated"][idx, 0])]
    if len(waste_idx):
        keep = ~delivery["waste"].missing_main
        if waste_long:
            tables.append(long_table(f"waste/waste_{code}", "waste",
                                     *_records(waste_idx, ["waste_generated"], monthly, keep)))
        else:
            unit, t = np.nonzero(keep[waste_idx])
            tables.append(wide_metrics_table(f"waste/waste_{code}", "waste", waste_idx[unit], t,
                                             [_METRIC_INDEX["waste_generated"]],
                                             monthly["waste_generated"][waste_idx[unit], t][:, None]))
        keep = ~delivery["welfare"].missing_main
        unit, t = np.nonzero(keep[waste_idx])
        values = np.stack([monthly[m][waste_idx[unit], t] for m in _WELFARE], axis=1)
        tables.append(wide_metrics_table(f"welfare/welfare_{code}", "welfare", waste_idx[unit], t,
                                         [_METRIC_INDEX[m] for m in _WELFARE], values))
    return tables


def _build_tables(units: pd.DataFrame, monthly: dict[str, np.ndarray], appropriation: np.ndarray,
                  population: np.ndarray, delivery: dict[str, Delivery], rng: np.random.Generator
                  ) -> tuple[list[RawTable], dict[int, int]]:
    """Main files per family and province, appropriation, population and late files per region; late_of
    links each main monthly table to its family's late file of the same region."""
    tables: list[RawTable] = []
    region_of_table: list[int] = []
    province = units["province_code"].to_numpy()
    region = units["region_code"].to_numpy()
    codes = sorted(set(province))
    budget_wide = ~balanced(rng, len(codes), 0.15)  # budget mostly e-LAAS wide_months
    waste_long = balanced(rng, len(codes), 0.5)
    for k, code in enumerate(codes):
        idx = np.flatnonzero(province == code)
        made = _province_tables(code, idx, monthly, delivery, bool(budget_wide[k]), bool(waste_long[k]))
        tables += made
        region_of_table += [int(region[idx[0]])] * len(made)
    n_main = len(tables)
    late_of: dict[int, int] = {}
    n_fy = appropriation.shape[1]
    families = {"budget": _DISBURSEMENT, "waste": ["waste_generated"], "welfare": _WELFARE}
    for r in sorted(set(region.tolist())):
        idx = np.flatnonzero(region == r)
        lao = np.repeat(idx, n_fy)
        fy = np.tile(np.arange(n_fy), len(idx))
        tables.append(long_table(f"appropriation/appropriation_region{r}", "budget", lao,
                                 np.full(len(lao), _METRIC_INDEX["budget_appropriation"]), fy * 12,
                                 appropriation[idx].ravel()))
        residents = idx[np.isfinite(population[idx, 0])]
        if len(residents):
            tables.append(long_table(f"population/population_region{r}", "waste", np.repeat(residents, n_fy),
                                     np.full(len(residents) * n_fy, _METRIC_INDEX["population_registered"]),
                                     np.tile(np.arange(n_fy), len(residents)) * 12, population[residents].ravel()))
        for family, metrics in families.items():
            records = _records(idx, metrics, monthly, delivery[family].late)
            if len(records[0]) == 0:
                continue
            tables.append(long_table(f"late/{family}_late_region{r}", family, *records, late=True))
            for i in range(n_main):
                if region_of_table[i] == r and tables[i].family == family:
                    late_of[i] = len(tables) - 1
    return tables, late_of


def _clear_previous(raw_dir: Path, truth_dir: Path) -> None:
    """Remove what an earlier generation wrote into raw_dir (the generator owns these folders)."""
    listed = truth_dir / TRUTH_FILES
    if listed.is_file():
        for name in pq.read_table(listed, columns=["source_file"]).column(0).to_pylist():
            (raw_dir / name).unlink(missing_ok=True)
    for folder in FAMILY_FOLDERS:
        if (raw_dir / folder).is_dir():
            for path in (raw_dir / folder).iterdir():
                if path.is_file() and (path.suffix in (".csv", ".xlsx") or ".tmp-" in path.name):
                    path.unlink()


def generate_dataset(reference: ReferenceData, thailand_dir: Path, scale: str, seed: int, raw_dir: Path,
                     truth_dir: Path, dirty_share: float = 0.002, progress: Progress | None = None,
                     income_test_cut: float = 0.0, complaints: bool = False, first_fy: int = FIRST_FY
                     ) -> GenerateReport:
    """Write raw agency files to raw_dir and the clean truth to truth_dir; same seed, same bytes.
    income_test_cut: share of new elderly entrants the August 2023 income test removes (0 = none, the
    record; a positive share is a policy scenario, pipelines.generate.welfare). complaints: also write the
    units' citizens' complaints over the same months (raw_dir/complaints/tickets.csv.gz, a Traffy-style
    file for `khlang complaints import`; pipelines.generate.complaints). first_fy: the first fiscal year of the
    generated period, which always ends with FY2568 (2545: twice the default's twelve years, same units)."""
    started = time.perf_counter()
    say = progress or (lambda stage, done, total: None)
    raw_dir, truth_dir = Path(raw_dir), Path(truth_dir)
    provinces = provinces_of_scale(scale, list(reference.provinces["province_code"]))
    ref = reference if SCALES[scale] is None else reference.subset(provinces)
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(9)]  # spawn(9)[:8] == spawn(8)
    axis = month_axis(first_fy)
    waste_yearly = _read_real_waste(thailand_dir)
    say("simulate", 0, 3)
    units = lao_table(ref.laos, province_population(waste_yearly), rngs[0])
    monthly, appropriation = _simulate(units, waste_yearly, provinces, axis, rngs[1:4], income_test_cut)
    budget_ok = np.isfinite(monthly["budget_personnel"])
    delivery = {"budget": plan_delivery(units, budget_ok, rngs[4]),
                "waste": plan_delivery(units, np.isfinite(monthly["waste_generated"]), rngs[4]),
                "welfare": plan_delivery(units, np.isfinite(monthly["elderly_60_69"]), rngs[4])}
    say("simulate", 3, 3)
    population = population_by_fy(units, appropriation.shape[1], 2565 - axis.first_fy, rngs[8])
    tables, late_of = _build_tables(units, monthly, appropriation, population, delivery, rngs[5])
    for table, style in zip(tables, draw_styles(len(tables), rngs[6]), strict=True):
        table.style, table.axis = style, axis
        if style.is_xlsx and table.n_cells() > XLSX_MAX_CELLS:
            table.style = style.as_csv()
        table.path += ".xlsx" if table.style.is_xlsx else ".csv"
    register = set(reference.laos["lao_code"])
    dirt = inject_dirt(tables, units, late_of, set(reference.provinces["province_code"]), register,
                       dirty_share, rngs[7])
    _clear_previous(raw_dir, truth_dir)
    (raw_dir / TICKETS_FILE).unlink(missing_ok=True)
    file_rows, positions = [], []
    province_name = dict(zip(reference.provinces["province_code"], reference.provinces["name_th"], strict=True))
    for k, table in enumerate(tables):
        say("write", k, len(tables))
        header, frame, position = render_table(table, units)
        positions.append(position)
        value_roles = table.value_roles
        roles = table.roles()
        numeric = [roles.index(r) for r in roles if r in ("year", "month", "fiscal_year", *value_roles)] \
            if not (table.style.thai_digits or table.style.thousands) else []
        code = table.path.rsplit("_", 1)[-1].split(".")[0]
        place = province_name.get(code) or REGIONS.get(int(code.removeprefix("region") or 0), (code,))[0]
        title = f"ข้อมูล{_FAMILY_TH[table.family]} {place}"
        write_table(frame, table.style, raw_dir / table.path, table.family, title, len(value_roles), numeric)
        file_rows.append({"source_file": table.path, "family": table.family, "layout": table.layout,
                          "late": table.late, **{k2: v for k2, v in vars(table.style).items()},
                          "header_row": table.style.header_row, "n_rows": len(frame),
                          "n_values": int((frame.iloc[:, [roles.index(r) for r in value_roles]] != "").to_numpy().sum())})
    tickets = pd.DataFrame()
    if complaints:
        months = axis.days.astype("datetime64[D]")  # first day .. the day after the last month
        tickets = generate_complaints(reference, units, months[0].item(), (months[-1].astype("datetime64[M]") + 1)
                                      .astype("datetime64[D]").item(), seed, dirty_share)
        write_complaints(tickets, raw_dir)
    say("write", len(tables), len(tables))
    say("truth", 0, 1)
    codes = units["lao_code"].to_numpy()
    records = records_table(codes, monthly, {"budget_appropriation": appropriation,
                                             "population_registered": population}, axis)
    write_parquet(records, truth_dir / "records.parquet")
    write_parquet(pa.Table.from_pandas(units, preserve_index=False), truth_dir / "laos.parquet")
    write_parquet(_dirt_table(dirt, tables, positions, codes, axis), truth_dir / "dirt.parquet")
    gap = {m: delivery[_family(m)].gap for m in monthly}
    late = {m: delivery[_family(m)].late for m in monthly}
    write_parquet(mask_table(codes, monthly, gap, axis), truth_dir / "missing.parquet")
    write_parquet(mask_table(codes, monthly, late, axis), truth_dir / "late.parquet")
    write_parquet(pa.Table.from_pylist(file_rows), truth_dir / TRUTH_FILES)
    real = waste_yearly.pivot(index="province_code", columns="year_be", values="generated_ton_day")
    calibration = calibration_figures(units, monthly, appropriation, real, axis)
    calibration["income_test_cut"] = income_test_cut
    files = [t.path for t in tables] + ([TICKETS_FILE] if complaints else [])
    report = GenerateReport(scale=scale, seed=seed, provinces=provinces, n_laos=len(units), n_files=len(files),
                            n_truth_records=records.num_rows, n_dirty_records=len(dirt), files=files,
                            calibration=calibration, seconds=round(time.perf_counter() - started, 2),
                            n_complaints=len(tickets))
    atomic_write_bytes(truth_dir / "report.json", report.to_json().encode("utf-8"))
    say("truth", 1, 1)
    return report


def _family(metric_name: str) -> str:
    return metric_name.split("_", 1)[0] if not metric_name.startswith(("elderly", "disability")) else "welfare"


def _dirt_table(dirt: list[DirtEntry], tables: list[RawTable], positions: list[np.ndarray], codes: np.ndarray,
                axis: MonthAxis) -> pa.Table:
    rows = []
    for e in dirt:
        table = tables[e.table]
        original = table.n_rows + (-1 - e.row) if e.row < 0 else e.row
        line = table.style.header_row + 1 + int(positions[e.table][original])
        column = headers(table)[table.roles().index(e.role)]
        rows.append((table.path, line, column, e.kind, EXPECTED_REASON[e.kind], codes[e.lao], METRIC_NAMES[e.metric],
                     int(axis.days[e.t]), e.written))
    names = ["source_file", "source_row", "source_column", "kind", "expected_reason", "lao_code", "metric",
             "period", "written"]
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in names]
    types = [pa.string(), pa.int32(), pa.string(), pa.string(), pa.string(), pa.string(), pa.string(),
             pa.date32(), pa.string()]
    return pa.table({n: pa.array(list(c), t) for n, c, t in zip(names, columns, types, strict=True)})
