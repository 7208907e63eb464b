"""Request and response shapes of the complaints endpoints (published in /openapi.json)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

__all__ = ["ComplaintIn", "ContactIn", "CaseOut", "CaseCreated", "CaseList", "CaseDetail", "EventIn", "EventOut",
           "ClassifyIn", "ClassifyOut", "SummaryRow", "SummaryResponse", "ContactOut", "TrendRow", "TrendResponse", "VolumePoint", "VolumeResponse"]


class ContactIn(BaseModel):
    name: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=200)


class ComplaintIn(BaseModel):
    text: str = Field(description="what the problem is, in Thai (or English)", min_length=1, max_length=5000)
    lon: float | None = Field(None, ge=-180, le=180, description="WGS84 longitude (with lat)")
    lat: float | None = Field(None, ge=-90, le=90, description="WGS84 latitude (with lon)")
    province: str = Field("", max_length=100, description="จังหวัด as written")
    district: str = Field("", max_length=100, description="อำเภอ/เขต as written")
    subdistrict: str = Field("", max_length=100, description="ตำบล/แขวง as written")
    category: str = Field("", max_length=200, description="the citizen's own choice of problem type(s), if any")
    contact: ContactIn | None = Field(None, description="kept apart from the case; readable only with the token")


class CaseOut(BaseModel):
    case_id: str
    text: str = Field(description="the complaint with personal data masked")
    types: str = Field(description="problem types, comma-separated ('' when not known yet)")
    state: str
    stage: str = Field(description="waiting | forwarded | in_progress | done | not_ours | unknown")
    lon: float | None
    lat: float | None
    province_code: str | None
    district_code: str | None
    subdistrict_code: str | None
    lao_code: str | None
    place_method: str = Field(description="coords | address | unplaced")
    reported_at: dt.datetime | None
    last_activity: dt.datetime | None
    group_id: str = Field(description="the near-duplicate group (its earliest case)")
    group_size: int
    responsible_unit: str | None = Field(None, description="the unit of the LAO that answers this problem type "
                                                           "([complaints] units_file)")


class CaseCreated(CaseOut):
    suggested: dict[str, float] = Field(description="the classifier's score per problem type ({} when none is "
                                                    "registered yet)")


class CaseList(BaseModel):
    total: int = Field(description="cases matching the filters")
    cases: list[CaseOut]


class EventOut(BaseModel):
    case_id: str
    at: dt.datetime
    kind: str
    value: str
    by: str


class CaseDetail(CaseOut):
    events: list[EventOut]
    group: list[str] = Field(description="case ids of the same problem reported again (near-duplicates)")
    first_action_at: dt.datetime | None
    resolved_at: dt.datetime | None
    reopened: bool
    corrected: bool = Field(description="an officer confirmed or corrected the types")


class EventIn(BaseModel):
    kind: Literal["state", "type"] = Field(description="state: a new workflow state; type: confirmed or corrected "
                                                       "types (kept as labels for the next training)")
    value: str = Field(min_length=1, max_length=300)
    by: str = Field("", max_length=100, description="the officer or unit")


class ClassifyIn(BaseModel):
    text: str = Field(min_length=1, max_length=5000)


class ClassifyOut(BaseModel):
    types: list[str]
    scores: dict[str, float]
    model_version: str | None


class ContactOut(BaseModel):
    case_id: str
    contact: dict[str, str]


class SummaryRow(BaseModel):
    key: str | None = Field(description="the LAO, district or province code")
    type: str
    cases: int
    open: int
    median_days_to_first_action: float | None
    median_days_to_resolve: float | None
    resolved_within_target: float | None
    reopen_rate: float | None
    oldest_open_days: float | None


class TrendRow(BaseModel):
    week: dt.date = Field(description="the Monday the week starts on")
    type: str
    cases: int


class TrendResponse(BaseModel):
    rows: list[TrendRow]
    last_week: dt.date | None = Field(default=None, description="the last week of the data's active period")
    after_end: int = Field(default=0, description="cases of the area reported after that week (a stray tail), "
                                                   "not in the trend")


class VolumePoint(BaseModel):
    week: dt.date
    forecast: float
    lo80: float
    hi80: float
    lo95: float
    hi95: float


class VolumeResponse(BaseModel):
    district_code: str
    type: str
    model: str | None = Field(description="the forecaster chosen on the backtest (null: nothing published)")
    history: list[TrendRow] = Field(description="cases reported per week in this district and type")
    points: list[VolumePoint] = Field(description="weekly forecasts with 80 % and 95 % intervals")


class SummaryResponse(BaseModel):
    by: str
    target_days: float
    rows: list[SummaryRow]


class PeerRow(BaseModel):
    lao_code: str
    lao_type: str | None
    province_code: str | None
    size: str = Field(description="the size band the peers share: registered population, else area")
    peer_group: str = Field(description="LAO type · size band")
    cases: int
    open: int
    median_days_to_resolve: float | None
    resolved_within_target: float | None
    reopen_rate: float | None
    peers: int = Field(description="LAOs with cases in the peer group, this one included")
    peer_median_days_to_resolve: float | None
    peer_p25_days_to_resolve: float | None
    peer_p75_days_to_resolve: float | None
    peer_resolved_within_target: float | None
    vs_peers: float | None = Field(description="median days to resolve / the peers' median - 1")


class PeerResponse(BaseModel):
    target_days: float
    rows: list[PeerRow]
