"""The HTTP API over the read model (serving.read_model): hierarchy, history, forecasts, OLAP aggregates,
welfare budget, models and data quality, read-only; and the one writable endpoint, the data deposit.

`create_app(settings)` builds the app; nothing is read at import or at creation: the reference data and
the first snapshot are loaded by the first request (or at start-up under uvicorn). OpenAPI is served at
/openapi.json and /docs. A request the API cannot answer as asked gets a 4xx whose `detail` says what is
wrong and what is allowed."""

from __future__ import annotations

import contextlib
import functools
import logging
import secrets
import threading
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, File, HTTPException, Query, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException

from khlang.catalog import Catalog
from khlang.config import Settings
from khlang.domain.hierarchy import LEVELS
from khlang.domain.metrics import METRIC_NAMES, METRICS
from khlang.domain.reference import LAO_TYPES
from khlang.locks import BusyError
from serving.complaints import complaints_router
from serving.config import ServeConfig, serve_config
from serving.deposits import DepositError, deposit_file, deposit_suffix
from serving.olap import BY_NAMES, BY_PATTERN, AggregateError, AggregateQuery, NoSuchUnits, parse_by
from serving.read_model import ReadModel, Snapshot
from serving.schemas import (
    AggregateResponse,
    DepositResponse,
    ErrorResponse,
    ForecastResponse,
    Health,
    HierarchyResponse,
    HistoryResponse,
    ModelsResponse,
    QualityResponse,
    UnitDetail,
    WelfareResponse,
)

__all__ = ["DEPOSIT_PATH", "create_app"]

DEPOSIT_PATH = "/v1/deposits"
_ENVELOPE_BYTES = 64 * 1024
_log = logging.getLogger("serving.api")
_BEARER = HTTPBearer(auto_error=False, description="the deposit token set by the operator")  # multipart boundaries and part headers around the file

MetricName = Literal[METRIC_NAMES]  # type: ignore[valid-type]
LevelName = Literal[LEVELS]  # type: ignore[valid-type]
LaoType = Literal[tuple(LAO_TYPES)]  # type: ignore[valid-type]  # the register's types, listed in the schema
_ERRORS = {400: {"model": ErrorResponse}, 404: {"model": ErrorResponse}, 422: {"model": ErrorResponse}}


class _DepositGate:
    """ASGI middleware: refuse a deposit before its body is read (disabled, unauthorised, declared too big),
    so a refused upload never reaches the disk. A body that grows past its declared size (or a chunked
    one past the limit) is cut off by the route's own max_body_size."""

    def __init__(self, app: Any, config: ServeConfig) -> None:
        self.app, self.config = app, config

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == DEPOSIT_PATH and scope["method"] == "POST":
            refusal = self._refusal({k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]})
            if refusal is not None:
                status, message, headers = refusal
                await JSONResponse({"detail": message}, status_code=status, headers=headers)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _refusal(self, headers: dict[str, str]) -> tuple[int, str, dict[str, str]] | None:
        refused = _auth_refusal(headers.get("authorization"), self.config.deposit_token)
        if refused is not None:
            return *refused, ({"WWW-Authenticate": "Bearer"} if refused[0] == 401 else {})
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.config.deposit_max_bytes + _ENVELOPE_BYTES:
            return 413, _too_large(int(length), self.config.deposit_max_bytes), {}
        return None


def validation_message(error: RequestValidationError) -> str:
    """FastAPI's list of validation errors as the one line the schema promises (ErrorResponse.detail):
    "query parameter metric: Input should be 'budget_personnel', …; query parameter code: Field required"."""
    parts = []
    for item in error.errors():
        where, *names = item.get("loc", ()) or ("request",)
        place = {"query": "query parameter", "path": "path parameter", "body": "body field",
                 "header": "header"}.get(str(where), str(where))
        message = item.get("msg", "invalid")
        if item.get("type") == "string_pattern_mismatch" and names == ["by"]:  # not the regular expression
            message = f"allowed: {', '.join(BY_NAMES)} (a comma list)"
        parts.append(f"{place} {'.'.join(str(n) for n in names) or ''}: {message}".replace(" :", ":"))
    return "; ".join(parts) or "invalid request"


_DISABLED = "deposits are disabled: the operator has set no KHLANG_DEPOSIT_TOKEN"
_NEEDS_BEARER = "a deposit needs the header 'Authorization: Bearer <deposit token>'"


def _auth_refusal(header: str | None, token: str | None) -> tuple[int, str] | None:
    """Authentication before authorisation: no bearer credentials at all is 401 (the schema's security
    scheme), then deposits disabled on this server is 403, then a wrong token is 401; None: let it in."""
    if not (header or "").lower().startswith("bearer "):
        return 401, _NEEDS_BEARER + ("" if token else f" (and here {_DISABLED})")
    if not token:
        return 403, _DISABLED
    if not _token_ok(header, token):
        return 401, _NEEDS_BEARER
    return None


def _token_ok(header: str | None, token: str) -> bool:
    scheme, _, given = (header or "").partition(" ")
    return scheme.lower() == "bearer" and secrets.compare_digest(given.strip().encode(), token.encode())


def _too_large(size: int, limit: int) -> str:
    return f"the file is {size:,} bytes; deposits are limited to {limit:,} bytes ({limit / 2**20:.0f} MiB)"


def create_app(settings: Settings, config: ServeConfig | None = None) -> FastAPI:
    """The API over the work folder of `settings` (see the module docstring)."""
    from khlang.domain.reference import load_reference

    config = config or serve_config(settings=settings)
    catalog = Catalog.from_settings(settings)
    reference = functools.partial(load_reference, settings.thailand_dir)
    model = ReadModel(catalog, settings, reference)
    deposit_lock = threading.Lock()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:  # load the reference, the tables, the panel reader and the aggregate cubes before serving
            model.units  # noqa: B018
            model.snapshot().panel_current()
            model.snapshot().warm()
        except Exception as error:  # noqa: BLE001 - an empty or half-built work folder still serves /health
            _log.warning("read model not loaded at start-up: %s", error)
        yield

    app = FastAPI(title="Khlang API", version="1", lifespan=lifespan,
                  description="Forecasts, history and data quality of Thailand's local administrative "
                              "organisations, and the data-deposit service.")
    app.add_middleware(_DepositGate, config=config)

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Any, error: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": validation_message(error)}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Any, error: StarletteHTTPException) -> JSONResponse:
        """As FastAPI's own, except that a 405's Allow lists the methods of every route of the path (a path
        with a GET and a POST route is two routes; Starlette names only the first one's)."""
        headers = dict(error.headers or {})
        if error.status_code == 405:
            headers["Allow"] = ", ".join(sorted({m for r in app.router.routes if isinstance(r, APIRoute)
                                                 and r.path_regex.match(request.url.path) for m in r.methods}))
        return JSONResponse({"detail": error.detail}, status_code=error.status_code, headers=headers)

    @app.exception_handler(AggregateError)
    async def _aggregate_error(request: Any, error: AggregateError) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=404 if isinstance(error, NoSuchUnits) else 422)

    def unit_or_404(level: str, code: int) -> Any:
        unit = model.units.find(level, code)
        if unit is None:
            raise HTTPException(404, f"no {level} with code {code}")
        return unit

    def published(snapshot: Snapshot, metric: str) -> None:
        if metric not in snapshot.published_metrics:
            raise HTTPException(404, f"no forecasts are published for {metric}; published: "
                                     f"{', '.join(sorted(snapshot.published_metrics)) or 'none'}")

    @app.get("/health", response_model=Health, tags=["meta"])
    def health() -> dict:
        snapshot = model.snapshot()
        return {"status": "ok", "published_at": snapshot.published_at, "families": snapshot.families,
                "data_as_of": snapshot.data_as_of, "panel_current": snapshot.panel_current()}

    @app.get("/v1/hierarchy", response_model=HierarchyResponse, responses=_ERRORS, tags=["hierarchy"])
    def hierarchy(q: Annotated[str | None, Query(description="code prefix or part of a Thai/English name")] = None,
                  level: LevelName | None = None,
                  parent: Annotated[int | None, Query(description="code of the unit whose children to list")] = None,
                  limit: Annotated[int, Query(ge=1, le=10_000)] = 50) -> dict:
        return {"units": model.units.search(q=q, level=level, parent=parent, limit=limit)}

    @app.get("/v1/hierarchy/{level}/{code}", response_model=UnitDetail, responses=_ERRORS, tags=["hierarchy"])
    def hierarchy_unit(level: LevelName, code: int) -> dict:
        unit = unit_or_404(level, code)
        return {**unit, "children": model.units.children(level, code), "path": model.units.path(level, code)}

    @app.get("/v1/history", response_model=HistoryResponse, responses=_ERRORS, tags=["data"])
    def history(metric: MetricName, level: LevelName, code: int) -> dict:
        unit_or_404(level, code)
        series = model.snapshot().history(metric, level, code)
        return {"metric": metric, "level": level, "code": code, "unit": METRICS[metric].unit,
                "source": series.source, "points": series.points()}

    @app.get("/v1/forecasts", response_model=ForecastResponse, responses=_ERRORS, tags=["data"])
    def forecasts(metric: MetricName, level: LevelName, code: int) -> dict:
        unit_or_404(level, code)
        snapshot = model.snapshot()
        published(snapshot, metric)
        found = snapshot.forecast_index.points(metric, level, code)
        if found is None:
            raise HTTPException(404, f"no {metric} forecast for {level} {code}: the published model does not "
                                     f"cover it (no LAO under it reports {metric})")
        points, meta = found
        children = [(child["level"], child["code"]) for child in model.units.children(level, code)]
        return {"metric": metric, "level": level, "code": code, "unit": METRICS[metric].unit, **meta,
                "published_at": snapshot.family_published_at(meta["family"]),
                "horizon": max(p["step"] for p in points), "points": points,
                "children_sum": snapshot.forecast_index.children_sum(metric, children) if children else None}

    @app.get("/v1/aggregate", response_model=AggregateResponse, tags=["data"], responses={**_ERRORS, 404: {
        "model": ErrorResponse, "description": "no such units: the level's units do not carry a filter or grouping "
                                               "asked for (a region has no province), or nothing is published"}})
    def aggregate(metric: MetricName,
                  source: Literal["forecast", "history"] = "forecast",
                  by: Annotated[str | None, Query(description=f"comma list of: {', '.join(BY_NAMES)}",
                                                  pattern=BY_PATTERN)] = None,
                  level: LevelName = "lao",
                  province: int | None = None, region: int | None = None,
                  lao_type: LaoType | None = None,
                  fiscal_year: Annotated[int | None, Query(ge=2500, le=2700, description="BE")] = None) -> dict:
        query = AggregateQuery(metric=metric, source=source, by=parse_by(by), level=level, province=province,
                               region=region, lao_type=lao_type, fiscal_year=fiscal_year).validate()
        snapshot = model.snapshot()
        if source == "forecast":
            published(snapshot, metric)
        return {"metric": metric, "source": source, "level": level, "by": list(query.by),
                "unit": METRICS[metric].unit, "rows": snapshot.aggregate(query)}

    @app.get("/v1/welfare", response_model=WelfareResponse, responses=_ERRORS, tags=["data"])
    def welfare(level: LevelName = "nation", code: int = 0,
                fiscal_year: Annotated[int | None, Query(ge=2500, le=2700, description="BE")] = None) -> dict:
        unit_or_404(level, code)
        sql = ("select fiscal_year, item, recipients, months, baht, baht_lo95_sum, baht_hi95_sum, rate_baht "
               "from welfare where level = ? and key = ?")
        params: list = [level, code]
        if fiscal_year is not None:
            sql += " and fiscal_year = ?"
            params.append(fiscal_year)
        rows = model.snapshot().rows(sql + " order by fiscal_year, item", params)
        if not rows:
            raise HTTPException(404, f"no welfare budget forecast for {level} {code}"
                                     + (f" in fiscal year {fiscal_year}" if fiscal_year else ""))
        return {"level": level, "code": code, "rows": rows}

    @app.get("/v1/models", response_model=ModelsResponse, tags=["models"])
    def models() -> dict:
        return {"families": model.models(config.models_cache_s)}

    @app.get("/v1/quality", response_model=QualityResponse, tags=["quality"])
    def quality() -> dict:
        snapshot = model.snapshot()
        files = snapshot.rows("select source_file, status, reason, records_in, records_stored, records_quarantined, "
                              "rows_read, encoding, layout, batch_id, ingested_at from manifest order by source_file")
        reasons = snapshot.rows("select source_file, reason, records from quarantine_counts "
                                "order by source_file, records desc, reason")
        by_reason: dict[str, int] = {}
        for r in reasons:
            by_reason[r["reason"]] = by_reason.get(r["reason"], 0) + int(r["records"])
        by_status: dict[str, int] = {}
        for f in files:
            by_status[f["status"]] = by_status.get(f["status"], 0) + 1
        totals = {"files": len(files), **{k: sum(int(f[k] or 0) for f in files)
                                          for k in ("records_in", "records_stored", "records_quarantined")},
                  "by_status": by_status, "by_reason": dict(sorted(by_reason.items(), key=lambda kv: -kv[1]))}
        return {"files": files, "reasons": reasons, "totals": totals}

    @app.post(DEPOSIT_PATH, response_model=DepositResponse, status_code=201, tags=["deposits"],
              max_body_size=config.deposit_max_bytes + _ENVELOPE_BYTES, responses={
        200: {"model": DepositResponse, "description": "the same content was deposited before"},
        400: {"model": ErrorResponse, "description": "the body is not a well-formed multipart/form-data upload"},
        401: {"model": ErrorResponse, "description": "no bearer token, or not the operator's (WWW-Authenticate: Bearer)"},
        403: {"model": ErrorResponse, "description": "a bearer token, but deposits are disabled here: the operator "
                                                     "set no KHLANG_DEPOSIT_TOKEN"},
        409: {"model": ErrorResponse},
        413: {"model": ErrorResponse}, 415: {"model": ErrorResponse},
        422: {"description": "the file could not be read: detail plus the deposit's fields"}})
    def deposit(file: Annotated[UploadFile, File(description="one agency file: .csv, .tsv, .txt or .xlsx")],
                credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)] = None) -> Any:
        # The gate middleware has refused unauthorised and oversized requests before the body was read;
        # checked again here so the endpoint is safe whatever runs in front of it.
        refused = _auth_refusal(None if credentials is None else f"Bearer {credentials.credentials}",
                                config.deposit_token)
        if refused is not None:
            raise HTTPException(*refused, headers={"WWW-Authenticate": "Bearer"} if refused[0] == 401 else None)
        try:
            deposit_suffix(file.filename)
            content = file.file.read(config.deposit_max_bytes + 1)
            if len(content) > config.deposit_max_bytes:
                raise DepositError(413, _too_large(file.size or len(content), config.deposit_max_bytes))
            if not content:
                raise DepositError(422, "the file is empty")
            with deposit_lock:
                result = deposit_file(content, file.filename or "", catalog, reference(),
                                      settings.ingest.as_of_date(),
                                      first_fiscal_year=settings.ingest.first_fiscal_year)
        except DepositError as error:
            raise HTTPException(error.status, error.message) from None
        except BusyError as error:
            raise HTTPException(409, f"{error}; try again when it has finished") from None
        body = result.as_dict()
        if result.status in ("unreadable", "empty"):
            return JSONResponse({"detail": f"the file could not be ingested: {result.reason}", **body},
                                status_code=422)
        return JSONResponse(body, status_code=201 if result.status == "ingested" else 200)

    app.include_router(complaints_router(settings, catalog, lambda header: _auth_refusal(header, config.deposit_token),
                                         config.models_cache_s,
                                         lambda: model.snapshot().latest_per_lao("population_registered")))
    return app
