"""The API's response shapes (published in /openapi.json): the contract the Streamlit app is written against.
Field names never change; fields may be added."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

__all__ = ["AccuracyRow", "AggregateResponse", "ChildSumPoint", "DepositResponse", "ErrorResponse",
           "ForecastPoint", "ForecastResponse", "Health", "HierarchyResponse", "HistoryPoint", "HistoryResponse",
           "ModelFamily", "ModelVersion", "ModelsResponse", "QualityFile", "QualityReason", "QualityResponse",
           "QualityTotals", "Unit", "UnitDetail", "WelfareResponse", "WelfareRow"]


class ErrorResponse(BaseModel):
    detail: str = Field(description="what is wrong with the request and what is allowed")


class Health(BaseModel):
    status: str = "ok"
    published_at: dt.datetime | None = Field(description="latest forecast publication (UTC); null before any")
    families: list[str] = Field(description="metric families with published forecasts")
    data_as_of: str | None = Field(description="YYYY-MM: latest month in the history store")
    panel_current: bool = Field(description="the panels were built from the current store (else history is "
                                            "summed from the store directly)")


class Unit(BaseModel):
    level: str = Field(description="nation | region | province | district | lao")
    code: int = Field(description="0 (nation), 1-6 (region), TIS province code, 4-digit district, 7-digit DLA code")
    name_th: str | None
    name_en: str | None
    parent_level: str | None
    parent_code: int | None
    province_code: int | None
    region_code: int | None
    lao_type: str | None = Field(description="LAO type (provincial_admin_org, city_municipality, …); null above LAO")
    lat: float | None = None
    lon: float | None = None


class HierarchyResponse(BaseModel):
    units: list[Unit]


class UnitDetail(Unit):
    children: list[Unit] = Field(description="direct children (a province: its districts and province-wide LAOs)")
    path: list[Unit] = Field(description="from the nation down to this unit (inclusive)")


class HistoryPoint(BaseModel):
    date: str = Field(description="YYYY-MM-DD, first day of the month")
    fiscal_year: int = Field(description="Thai fiscal year (BE)")
    value: float | None = Field(description="sum of the reported values of the unit's LAOs; null: none reported")
    laos_reporting: int = Field(description="LAOs behind the value")


class HistoryResponse(BaseModel):
    metric: str
    level: str
    code: int
    unit: str = Field(description="baht | tonnes/day | persons")
    source: str = Field(description="panel | store: where the sums were read")
    points: list[HistoryPoint]


class ForecastPoint(BaseModel):
    date: str
    fiscal_year: int
    step: int = Field(description="months after the last month of data")
    forecast: float | None
    lo80: float | None
    hi80: float | None
    lo95: float | None
    hi95: float | None
    base_forecast: float | None = Field(None, description="the level champion's forecast before reconciliation")
    model: str | None = Field(None, description="the level's champion model")


class ChildSumPoint(BaseModel):
    date: str
    forecast: float | None


class ForecastResponse(BaseModel):
    metric: str
    level: str
    code: int
    unit: str
    family: str | None
    model_name: str | None
    model_version: str | None
    run_id: str | None
    published_at: dt.datetime | None
    horizon: int = Field(description="months forecast")
    points: list[ForecastPoint]
    children_sum: list[ChildSumPoint] | None = Field(description="per month the sum of the children's forecasts "
                                                                 "(coherence); null for a LAO")


class AggregateResponse(BaseModel):
    metric: str
    source: str
    level: str
    by: list[str]
    unit: str
    rows: list[dict[str, Any]] = Field(description="one per combination of `by`: those columns, value (sum) and "
                                                   "n (unit-months summed)")


class WelfareRow(BaseModel):
    fiscal_year: int
    item: str = Field(description="a tier metric (elderly_60_69 …) or a total (elderly_allowance, disability_allowance)")
    recipients: float | None = Field(description="mean monthly recipients forecast (persons)")
    months: int = Field(description="months of the fiscal year covered by the forecast")
    baht: float | None
    baht_lo95_sum: float | None
    baht_hi95_sum: float | None
    rate_baht: float | None = Field(None, description="monthly allowance per recipient (baht); null for totals")


class WelfareResponse(BaseModel):
    level: str
    code: int
    rows: list[WelfareRow]


class ModelVersion(BaseModel):
    version: str
    run_id: str
    score: float | None = Field(description="backtest score (mean reconciled LAO MASE; lower is better)")
    backtest_key: str | None
    score_metric: str | None = None
    decision: str | None = None
    parent_run_id: str | None = None
    experiment_id: str | None = None


class AccuracyRow(BaseModel):
    metric: str
    level: str
    model: str
    stage: str = Field(description="base (each candidate) | reconciled (the published champion)")
    champion: bool | None = None
    mase: float | None
    smape: float | None
    wape: float | None = None
    coverage80: float | None = None
    coverage95: float | None = None


class ModelFamily(BaseModel):
    family: str
    model_name: str
    champion: ModelVersion | None
    challenger: ModelVersion | None
    accuracy: list[AccuracyRow] = Field(description="the champion's backtest: every model at every level")
    mlflow_run_url: str | None
    challenger_accuracy: list[AccuracyRow] = Field(
        default_factory=list, description="the challenger's published (reconciled) forecasts per metric and level")
    challenger_run_url: str | None = None
    error: str | None = None


class ModelsResponse(BaseModel):
    families: list[ModelFamily]


class QualityFile(BaseModel):
    source_file: str
    status: str
    reason: str | None = None
    records_in: int
    records_stored: int
    records_quarantined: int
    rows_read: int | None = None
    encoding: str | None = None
    layout: str | None = None
    batch_id: str | None = None
    ingested_at: dt.datetime | None = None


class QualityReason(BaseModel):
    source_file: str
    reason: str
    records: int


class QualityTotals(BaseModel):
    files: int
    records_in: int
    records_stored: int
    records_quarantined: int
    by_status: dict[str, int]
    by_reason: dict[str, int]


class QualityResponse(BaseModel):
    files: list[QualityFile]
    reasons: list[QualityReason]
    totals: QualityTotals


class DepositResponse(BaseModel):
    deposit_id: str
    original_name: str
    source_file: str = Field(description="where it is kept, under the raw folder")
    size_bytes: int
    sha256: str
    status: str = Field(description="ingested | already_ingested | empty | unreadable")
    reason: str
    records_in: int
    records_stored: int
    records_quarantined: int
    reasons: dict[str, int] = Field(description="quarantined records by reason")
