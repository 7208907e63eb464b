"""The complaints endpoints: a citizen submits (answered with a case number and the classifier's
suggestion), the app lists and maps cases, officers act on them (with the operator's token), and the
accountability summary per LAO, district or province and type.

Texts are masked before they are stored, so nothing here can return personal data; the contact a
citizen gave is returned only to a caller holding the token (the deposit token: one operator secret)."""

from __future__ import annotations

import functools
import math
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from khlang.catalog import Catalog
from khlang.config import Settings
from pipelines.complaints.accountability import TARGET_DAYS, accountability, explode_types, peer_comparison
from pipelines.complaints.cases import (
    CaseError,
    Submission,
    read_cases,
    read_contact,
    read_events,
    record_event,
    submit,
)
from serving.complaint_schemas import (
    CaseCreated,
    CaseDetail,
    CaseList,
    ClassifyIn,
    ClassifyOut,
    ComplaintIn,
    ContactOut,
    EventIn,
    EventOut,
    PeerResponse,
    PeerRow,
    SummaryResponse,
    TrendResponse,
    VolumeResponse,
)
from serving.schemas import ErrorResponse

__all__ = ["complaints_router"]

_BEARER = HTTPBearer(auto_error=False, description="the operator's token (KHLANG_DEPOSIT_TOKEN)")
_ERRORS = {400: {"model": ErrorResponse}, 404: {"model": ErrorResponse}, 422: {"model": ErrorResponse}}
_INPUT = {400: {"model": ErrorResponse, "description": "the body is not JSON"}, 422: {"model": ErrorResponse}}
_AUTH = {401: {"model": ErrorResponse}, 403: {"model": ErrorResponse}}
_CASE_FIELDS = ("text", "types", "state", "stage", "lon", "lat", "province_code", "district_code",
                "subdistrict_code", "lao_code", "place_method", "reported_at", "last_activity", "group_id", "group_size")
_BY = {"lao": "lao_code", "district": "district_code", "province": "province_code"}


def _clean(value: Any) -> Any:
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def _case_fields(row: pd.Series) -> dict:
    out = {"case_id": row.name if "ticket_id" not in row else row["ticket_id"]}
    out.update({f: _clean(row.get(f)) for f in _CASE_FIELDS})
    out["types"] = out["types"] or ""
    out["place_method"] = out["place_method"] or "unplaced"
    out["group_id"] = out["group_id"] or out["case_id"]
    out["group_size"] = int(out["group_size"] or 1)
    return out


class _Cases:
    """Every case, re-read when the store, the submissions or the events changed (folder mtimes)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog, self.lock, self.key, self.frame = catalog, threading.Lock(), None, None
        self.weekly_key, self.weekly_counts = None, None

    def _key(self) -> tuple:
        folders = (self.catalog.complaints_store, self.catalog.complaints_submitted, self.catalog.complaints_events)
        return tuple(f.stat().st_mtime_ns if f.exists() else 0 for f in folders)

    def get(self) -> pd.DataFrame:
        with self.lock:
            key = self._key()
            if key != self.key:
                self.frame, self.key = read_cases(self.catalog).set_index("ticket_id", drop=False), key
            return self.frame

    def weekly(self):
        """models.complaints.volume.weekly_counts of every case (districts), for the current cases."""
        from models.complaints.volume import weekly_counts

        frame = self.get()
        with self.lock:
            if self.weekly_key != self.key:
                self.weekly_counts, self.weekly_key = weekly_counts(frame.reset_index(drop=True)), self.key
            return self.weekly_counts


class _Classifier:
    """The champion classifier, reloaded at most every `ttl` seconds; None before any is registered."""

    def __init__(self, catalog: Catalog, ttl: float) -> None:
        self.catalog, self.ttl, self.lock = catalog, ttl, threading.Lock()
        self.loaded_at, self.model, self.version = -math.inf, None, None

    def get(self) -> tuple[Any, str | None]:
        with self.lock:
            if time.monotonic() - self.loaded_at > self.ttl:
                from models.complaints.tracking import FAMILY
                from models.tracking.registry import CHAMPION, load_alias, registered_model_name
                from models.tracking.runs import using_tracking_uri

                try:
                    with using_tracking_uri(self.catalog.tracking_uri) as client:
                        version = client.get_registered_model(registered_model_name(FAMILY)).aliases.get(CHAMPION)
                    if version is not None and version != self.version:
                        self.model = load_alias(FAMILY, self.catalog).unwrap_python_model().classifier
                        self.version = str(version)
                except Exception:  # noqa: BLE001 - no registry or no model yet: cases are taken without a suggestion
                    pass
                self.loaded_at = time.monotonic()
            return self.model, self.version


def complaints_router(settings: Settings, catalog: Catalog, refusal: Callable[[str | None], tuple[int, str] | None],
                      models_cache_s: float, populations: Callable[[], dict[str, float]] = dict) -> APIRouter:
    """`refusal(authorization header)`: (status, message) when the caller may not act, else None;
    `populations()`: each LAO's latest registered population in the store (code -> persons), for its size."""
    from khlang.domain.reference import load_reference
    from pipelines.complaints.routing import load_gazetteer
    from pipelines.complaints.units import DEFAULT_UNITS_FILE, load_units, responsible_unit

    router = APIRouter(prefix="/v1/complaints", tags=["complaints"])
    cases, classifier = _Cases(catalog), _Classifier(catalog, models_cache_s)
    units_file = Path(settings.complaints.units_file) if settings.complaints.units_file else DEFAULT_UNITS_FILE

    @functools.cache
    def register() -> pd.DataFrame:
        return load_reference(settings.thailand_dir).laos[["lao_code", "lao_type", "province_code", "area_km2"]]

    @functools.cache
    def lao_types() -> dict[str, str]:
        laos = register()
        return dict(zip(laos["lao_code"], laos["lao_type"], strict=True))

    def _case(row: pd.Series) -> dict:
        out = _case_fields(row)
        if out["lao_code"]:
            out["responsible_unit"] = responsible_unit(lao_types().get(out["lao_code"]), out["types"],
                                                       load_units(units_file))[0]
        return out

    def authorised(credentials: HTTPAuthorizationCredentials | None) -> None:
        refused = refusal(None if credentials is None else f"Bearer {credentials.credentials}")
        if refused is not None:
            raise HTTPException(*refused, headers={"WWW-Authenticate": "Bearer"} if refused[0] == 401 else None)

    @router.post("", response_model=CaseCreated, status_code=201, responses=_INPUT)
    def create(body: ComplaintIn) -> dict:
        """A citizen's complaint: stored masked and placed; the answer holds its case number."""
        model, _ = classifier.get()
        try:
            row = submit(Submission(text=body.text, lon=body.lon, lat=body.lat, province=body.province,
                                    district=body.district, subdistrict=body.subdistrict, category=body.category,
                                    contact=body.contact.model_dump() if body.contact else None),
                         catalog, load_gazetteer(settings.thailand_dir), model)
        except CaseError as error:
            raise HTTPException(422, str(error)) from None
        return {**_case(pd.Series(row)), "suggested": row["suggested"]}

    @router.get("", response_model=CaseList, responses=_ERRORS)
    def list_cases(province_code: str | None = None, district_code: str | None = None,
                   lao_code: str | None = None,
                   type: Annotated[str | None, Query(description="a problem type (cases having it)")] = None,
                   stage: Literal["waiting", "forwarded", "in_progress", "done", "not_ours", "unknown", "open"]
                   | None = None,
                   oldest_first: bool = False,
                   limit: Annotated[int, Query(ge=1, le=5000)] = 500,
                   offset: Annotated[int, Query(ge=0)] = 0) -> dict:
        """Cases, newest first (or oldest first), filtered by place, type and stage ('open': not done)."""
        frame = cases.get()
        keep = pd.Series(True, index=frame.index)
        for column, value in (("province_code", province_code), ("district_code", district_code),
                              ("lao_code", lao_code)):
            if value:
                keep &= frame[column] == value
        if type:
            keep &= frame["types"].fillna("").str.split(",").map(lambda ts: type in ts)
        if stage == "open":
            keep &= frame["stage"].isin(("waiting", "forwarded", "in_progress", "unknown"))
        elif stage:
            keep &= frame["stage"] == stage
        chosen = frame[keep].sort_values("reported_at", ascending=oldest_first, na_position="last")
        page = chosen.iloc[offset:offset + limit]
        return {"total": int(keep.sum()), "cases": [_case(row) for _, row in page.iterrows()]}

    @router.get("/summary", response_model=SummaryResponse, responses=_ERRORS)
    def summary(by: Literal["lao", "district", "province"] = "district",
                target_days: Annotated[float, Query(gt=0, le=3650)] = TARGET_DAYS,
                code: Annotated[str | None, Query(description="only this unit")] = None) -> dict:
        """Per unit and type: open cases, days to first action and to resolve, share within target, reopen rate."""
        frame = cases.get().reset_index(drop=True)
        column = _BY[by]
        if code:
            frame = frame[frame[column] == code]
        if frame.empty:
            return {"by": by, "target_days": target_days, "rows": []}
        table = accountability(frame, by=(column, "type"), target_days=target_days)
        rows = [{"key": _clean(r[column]), **{k: _clean(r[k]) for k in (
            "type", "cases", "open", "median_days_to_first_action", "median_days_to_resolve",
            "resolved_within_target", "reopen_rate", "oldest_open_days")}} for _, r in table.iterrows()]
        return {"by": by, "target_days": target_days, "rows": rows}

    @router.get("/peers", response_model=PeerResponse, responses=_ERRORS)
    def peers(province_code: Annotated[str | None, Query(pattern=r"^\d{2}$", description="only its LAOs")] = None,
              target_days: Annotated[float, Query(gt=0, le=3650)] = TARGET_DAYS) -> dict:
        """Each LAO's resolution times beside its peers: LAOs with cases of the same type and size (registered
        population band where the store has it, else area band), compared across the country."""
        frame = cases.get().reset_index(drop=True)
        if frame.empty:
            return {"target_days": target_days, "rows": []}
        laos = register().assign(population=lambda t: t["lao_code"].map(populations()))
        table = peer_comparison(frame, laos, target_days=target_days)
        if province_code:
            table = table[table["province_code"] == province_code]
        return {"target_days": target_days, "rows": [{k: _clean(v) for k, v in row.items() if k in PeerRow.model_fields}
                                                     for row in table.to_dict("records")]}

    @router.get("/trend", response_model=TrendResponse, responses=_ERRORS)
    def trend(province_code: str | None = None, district_code: str | None = None,
              weeks: Annotated[int, Query(ge=1, le=520)] = 52) -> dict:
        """Cases reported per week (Monday, Bangkok time) and problem type over the last `weeks` weeks of the
        data's active period (models.complaints.volume.active_end, over every case): a few stray cases long
        after it do not stretch the trend; they are counted in `after_end`."""
        from models.complaints.volume import active_end, local_monday

        frame = cases.get().reset_index(drop=True)
        frame = frame[frame["reported_at"].notna()]
        if frame.empty:
            return {"rows": [], "last_week": None, "after_end": 0}
        last = active_end(local_monday(frame["reported_at"]))
        for column, value in (("province_code", province_code), ("district_code", district_code)):
            if value:
                frame = frame[frame[column] == value]
        exploded = explode_types(frame)
        exploded["week"] = local_monday(exploded["reported_at"])
        recent = exploded[(exploded["week"] > last - pd.Timedelta(weeks=weeks)) & (exploded["week"] <= last)]
        after = int((local_monday(frame["reported_at"]) > last).sum())
        counts = recent.groupby(["week", "type"]).size().rename("cases").reset_index()
        return {"rows": [{"week": r.week.date(), "type": r.type, "cases": int(r.cases)} for r in counts.itertuples()],
                "last_week": last.date(), "after_end": after}

    @router.get("/forecast", response_model=VolumeResponse, responses=_ERRORS)
    def forecast(district_code: Annotated[str, Query(pattern=r"^\d{4}$", description="4-digit district code")],
                 type: Annotated[str, Query(description="a problem type, or ทั้งหมด (all)")] = "ทั้งหมด",
                 weeks: Annotated[int, Query(ge=1, le=520)] = 52) -> dict:
        """The published weekly forecast of cases in a district (and type), beside its recent weekly history
        (`khlang pipeline`'s complaints stage publishes them)."""
        from models.complaints.volume import TOTAL

        published = catalog.complaints / "forecast.parquet"
        frame = pd.read_parquet(published) if published.is_file() else pd.DataFrame()
        rows = frame[(frame["district_code"] == district_code) & (frame["type"] == type)] if len(frame) else frame
        counts = cases.weekly()
        keys = counts.keys
        match = keys.index[(keys["district_code"] == district_code) & (keys["type"] == (type or TOTAL))]
        history = []
        if len(match):
            values = counts.counts[match[0]][-weeks:]
            history = [{"week": w.date(), "type": type, "cases": int(v)}
                       for w, v in zip(counts.weeks[-weeks:], values, strict=True)]
        if not len(rows) and not history:
            raise HTTPException(404, f"no complaints and no forecast for district {district_code} and type {type}")
        points = [{"week": pd.Timestamp(r.week).date(), **{k: float(getattr(r, k)) for k in
                                                            ("forecast", "lo80", "hi80", "lo95", "hi95")}}
                  for r in rows.sort_values("week").itertuples()] if len(rows) else []
        return {"district_code": district_code, "type": type, "model": str(rows["model"].iloc[0]) if len(rows) else None,
                "history": history, "points": points}

    @router.post("/classify", response_model=ClassifyOut, responses=_INPUT)
    def classify(body: ClassifyIn) -> dict:
        """The champion classifier's types and scores for a text (what the officer sees as a suggestion); no
        types and `model_version` null before a classifier is registered (`khlang complaints train`)."""
        from models.complaints.tracking import classify_frame

        model, version = classifier.get()
        if model is None:
            return {"types": [], "scores": {}, "model_version": None}
        row = classify_frame(model, [body.text]).iloc[0]
        return {"types": row["type"].split(","), "scores": {t: float(row[f"score_{t}"]) for t in model.types},
                "model_version": version}

    @router.get("/{case_id}", response_model=CaseDetail, responses=_ERRORS)
    def case(case_id: str) -> dict:
        frame = cases.get()
        if case_id not in frame.index:
            raise HTTPException(404, f"no case {case_id}")
        row = frame.loc[case_id]
        events = read_events(catalog)
        group = frame.index[frame["group_id"] == row["group_id"]].tolist() if row["group_size"] > 1 else [case_id]
        return {**_case(row), "events": [dict(e) for _, e in events[events["case_id"] == case_id].iterrows()],
                "group": group, "first_action_at": _clean(row["first_action_at"]),
                "resolved_at": _clean(row["resolved_at"]), "reopened": bool(row["reopened"]),
                "corrected": bool(row["corrected"])}

    @router.post("/{case_id}/events", response_model=EventOut, status_code=201, responses={**_ERRORS, **_AUTH})
    def act(case_id: str, body: EventIn,
            credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)] = None) -> dict:
        """An officer's action: a new state, or the confirmed/corrected types (token required)."""
        authorised(credentials)
        try:
            return record_event(catalog, case_id, body.kind, body.value, body.by, known=set(cases.get().index))
        except LookupError as error:
            raise HTTPException(404, str(error)) from None
        except CaseError as error:
            raise HTTPException(422, str(error)) from None

    @router.get("/{case_id}/contact", response_model=ContactOut, responses={**_ERRORS, **_AUTH})
    def contact(case_id: str,
                credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)] = None) -> dict:
        """The contact the citizen gave (token required); 404 when none was given."""
        authorised(credentials)
        found = read_contact(catalog, case_id)
        if found is None:
            raise HTTPException(404, f"case {case_id} has no contact")
        return {"case_id": case_id, "contact": found}

    return router
