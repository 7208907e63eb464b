"""Validation of canonical records: a pandera schema (lazy) plus register checks -> one reason per record.

Each check is named by its reason code (pipelines.schema.REASONS); pandera's failure cases are mapped
back to records by index. Where several problems hit one record, the most basic one is named."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pandera.pandas as pa

from khlang.config import IngestConfig
from khlang.domain.calendar import ce_to_be
from khlang.domain.metrics import FAMILIES, METRICS, reports_metric, unit_ceiling
from khlang.domain.reference import ReferenceData

__all__ = ["Register", "REASON_ORDER", "record_schema", "assign_reasons", "ceilings", "FIRST_FISCAL_YEAR"]

FIRST_FISCAL_YEAR = IngestConfig.first_fiscal_year  # the default; a Register carries its own
# A plausible year up to this many years past the as-of date is a date in the future (a typo of a
# month or year); beyond it the year itself is wrong: a BE/CE mix-up (2599 = 2056 CE written as BE).
FUTURE_YEARS_WINDOW = 5
# Most basic first: a row-level problem names every record of the row.
REASON_ORDER = ("ambiguous_header", "missing_column", "truncated_row", "invalid_lao_code", "unknown_lao_code",
                "invalid_period", "year_out_of_range", "future_period", "unknown_metric", "not_applicable",
                "missing_value", "non_numeric_value", "negative_value", "out_of_range")
_FAMILY = {m.name: m.family for m in METRICS.values()}


@dataclass(frozen=True)
class Register:
    """What validation needs of the reference data: small enough to ship to every worker."""

    codes: frozenset[str]
    silent: dict[str, frozenset[str]]  # family -> codes of units that do not report it
    provinces: frozenset[str]
    as_of: dt.date
    types: dict[str, str] = field(default_factory=dict)  # code -> lao_type (the ceiling of its values)
    first_fiscal_year: int = FIRST_FISCAL_YEAR  # earlier fiscal years are year_out_of_range

    @classmethod
    def from_reference(cls, reference: ReferenceData, as_of: dt.date,
                       first_fiscal_year: int = FIRST_FISCAL_YEAR) -> Register:
        laos = reference.laos
        return cls(codes=frozenset(laos["lao_code"]),
                   silent={family: frozenset(laos.loc[~laos["lao_type"].map(
                       lambda t, f=family: reports_metric(t, f)), "lao_code"]) for family in FAMILIES},
                   provinces=frozenset(reference.provinces["province_code"]), as_of=as_of,
                   types=dict(zip(laos["lao_code"], laos["lao_type"], strict=True)),
                   first_fiscal_year=first_fiscal_year)

    @property
    def last_fiscal_year(self) -> int:
        """Latest fiscal year (BE) a record's year may name before it counts as a BE/CE mix-up; records
        up to there but after the as-of month are future_period."""
        return ce_to_be(self.as_of.year) + 1 + FUTURE_YEARS_WINDOW

    @property
    def as_of_month(self) -> np.datetime64:
        return np.datetime64(f"{self.as_of.year:04d}-{self.as_of.month:02d}-01", "s")


def _not_reported(df: pd.DataFrame, silent: dict[str, frozenset[str]]) -> pd.Series:
    family = df["metric"].map(_FAMILY)
    out = pd.Series(False, index=df.index)
    for name, codes in silent.items():
        if codes:
            out |= (family == name) & df["lao_code"].isin(codes)
    return out


def ceilings(df: pd.DataFrame, types: dict[str, str]) -> pd.Series:
    """The most each record's unit can report for its metric (khlang.domain.metrics.unit_ceiling: the
    metric's bound per LAO, tighter for a small kind of unit); NaN for an unknown metric."""
    metric = df["metric"].astype(object)
    lao_type = df["lao_code"].astype(object).map(types)
    pairs = pd.Series(list(zip(metric, lao_type, strict=True)), index=df.index, dtype=object)
    table = {pair: unit_ceiling(*pair) for pair in pd.unique(pairs) if pair[0] in METRICS}
    return pairs.map(table).astype(np.float64)


def record_schema(register: Register) -> pa.DataFrameSchema:
    """The canonical record table: lao_code, metric, fiscal_year (BE), period (first of month), value."""
    provinces, codes, silent, types = list(register.provinces), list(register.codes), register.silent, register.types
    first_fy, last_fy, as_of_month = register.first_fiscal_year, register.last_fiscal_year, register.as_of_month
    return pa.DataFrameSchema(
        columns={
            "lao_code": pa.Column(None, nullable=True, checks=[
                pa.Check(lambda s: s.str.fullmatch(r"[0-9]{7}").astype(bool) & s.str[1:3].isin(provinces),
                         name="invalid_lao_code", ignore_na=False),
                pa.Check(lambda s: s.isin(codes), name="unknown_lao_code", ignore_na=False)]),
            "metric": pa.Column(None, nullable=True),
            "fiscal_year": pa.Column(None, checks=[
                pa.Check(lambda s: s.between(first_fy, last_fy), name="year_out_of_range")]),
            "period": pa.Column(None, nullable=True, checks=[
                pa.Check(lambda s: s <= as_of_month, name="future_period")]),
            "value": pa.Column(None, nullable=True, checks=[
                pa.Check(lambda s: s >= 0, name="negative_value")]),
        },
        checks=[
            pa.Check(lambda df: ~(df["value"].astype(float) > ceilings(df, types)), name="out_of_range"),
            pa.Check(lambda df: ~_not_reported(df, silent), name="not_applicable"),
        ],
        coerce=False, strict=False)


def assign_reasons(frame: pd.DataFrame, register: Register) -> np.ndarray:
    """Reason code per record (None = valid) from `parse_reason` and the schema's failure cases."""
    columns = ["lao_code", "metric", "fiscal_year", "period", "value"]
    canonical = frame[columns].reset_index(drop=True)
    # Codes and metrics repeat across a file's records: categoricals make the checks work per distinct value.
    canonical["lao_code"] = canonical["lao_code"].fillna("").astype("category")
    canonical["metric"] = canonical["metric"].astype("category")
    failed: dict[str, np.ndarray] = {}
    try:
        record_schema(register).validate(canonical, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
        cases = cases[cases["index"].notna()]
        for check, group in cases.groupby("check"):
            mask = np.zeros(len(canonical), dtype=bool)
            mask[group["index"].astype(np.int64).to_numpy()] = True
            failed[str(check)] = mask
    parse_reason = frame["parse_reason"].to_numpy(dtype=object)
    conditions = [(parse_reason == code) | failed.get(code, False) for code in REASON_ORDER]
    return np.select(conditions, np.asarray(REASON_ORDER, dtype=object), default=None)
