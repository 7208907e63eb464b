"""A thin client of the Khlang HTTP API (serving/api.py): one method per endpoint, JSON in, dicts out.

The base URL comes from KHLANG_API_URL (default http://127.0.0.1:8000). Every failure (API down, timeout,
4xx/5xx) is raised as ApiError with a message a planner can act on; the pages show it instead of a trace."""

from __future__ import annotations

from typing import Any

import httpx

from khlang.config import AppSettings, env_variable, load_settings

__all__ = ["API_URL_ENV", "DEFAULT_API_URL", "ApiError", "KhlangClient", "api_url"]

API_URL_ENV = env_variable("app", "api_url")  # KHLANG_API_URL
DEFAULT_API_URL = AppSettings().api_url


class ApiError(RuntimeError):
    """The API could not answer: `status` is the HTTP status (None when it was not reached at all)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status

    @property
    def unreachable(self) -> bool:
        return self.status is None


def api_url() -> str:
    """The settings' [app] api_url (KHLANG_API_URL, else khlang.toml, else the default), no trailing slash."""
    return load_settings().app.api_url.strip().rstrip("/")


class KhlangClient:
    """GET requests to the API at `base_url`; no proxy (trust_env off: the API is on 127.0.0.1)."""

    def __init__(self, base_url: str | None = None, timeout_s: float = 30.0) -> None:
        self.base_url = (base_url or api_url()).rstrip("/")
        self.timeout_s = timeout_s

    def _send(self, method: str, path: str, **request: Any) -> dict:
        try:
            with httpx.Client(base_url=self.base_url, timeout=self.timeout_s, trust_env=False) as http:
                response = http.request(method, path, **request)
        except httpx.HTTPError as error:
            raise ApiError(f"{type(error).__name__}: {error}") from None
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail", response.text)
            except ValueError:
                detail = response.text
            raise ApiError(f"{response.status_code} {path}: {detail}" if method == "GET" else str(detail),
                           response.status_code)
        return response.json()

    def get(self, path: str, **params: Any) -> dict:
        """GET base_url + path with the non-None params; the decoded JSON, or ApiError."""
        return self._send("GET", path, params={k: v for k, v in params.items() if v is not None})

    def post(self, path: str, body: dict, token: str | None = None) -> dict:
        """POST base_url + path with a JSON body (and the operator's bearer token, when given); the decoded
        JSON, or ApiError (its detail as the message)."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self._send("POST", path, json=body, headers=headers)

    def health(self) -> dict:
        return self.get("/health")

    def complaints(self, **filters: Any) -> dict:
        """Cases (total, cases) filtered by province_code, district_code, lao_code, type, stage, limit, offset."""
        return self.get("/v1/complaints", **filters)

    def complaint_summary(self, by: str = "district", code: str | None = None) -> list[dict]:
        return self.get("/v1/complaints/summary", by=by, code=code)["rows"]

    def complaint_peers(self, province_code: str | None = None) -> list[dict]:
        return self.get("/v1/complaints/peers", province_code=province_code)["rows"]

    def complaint_trend(self, province_code: str | None = None, weeks: int = 52) -> dict:
        return self.get("/v1/complaints/trend", province_code=province_code, weeks=weeks)

    def complaint(self, case_id: str) -> dict:
        return self.get(f"/v1/complaints/{case_id}")

    def suggest_types(self, text: str) -> dict:
        return self.post("/v1/complaints/classify", {"text": text})

    def complaint_event(self, case_id: str, kind: str, value: str, by: str, token: str) -> dict:
        return self.post(f"/v1/complaints/{case_id}/events", {"kind": kind, "value": value, "by": by}, token)

    def submit_complaint(self, body: dict) -> dict:
        return self.post("/v1/complaints", body)

    def complaint_forecast(self, district_code: str, type: str = "ทั้งหมด") -> dict:
        return self.get("/v1/complaints/forecast", district_code=district_code, type=type)

    def hierarchy(self, q: str | None = None, level: str | None = None, parent: int | None = None,
                  limit: int = 50) -> list[dict]:
        """Units matching a name/code search, of a level, or children of `parent`."""
        return self.get("/v1/hierarchy", q=q, level=level, parent=parent, limit=limit)["units"]

    def unit(self, level: str, code: int) -> dict:
        """One unit with its `children` and its `path` from the nation down."""
        return self.get(f"/v1/hierarchy/{level}/{int(code)}")

    def history(self, metric: str, level: str, code: int) -> dict:
        return self.get("/v1/history", metric=metric, level=level, code=int(code))

    def forecasts(self, metric: str, level: str, code: int) -> dict:
        return self.get("/v1/forecasts", metric=metric, level=level, code=int(code))

    def aggregate(self, metric: str, source: str = "forecast", by: tuple[str, ...] | list[str] = (),
                  **filters: Any) -> dict:
        """Sums of `metric` (value, n) grouped by `by`; filters: level, province, region, lao_type, fiscal_year."""
        return self.get("/v1/aggregate", metric=metric, source=source, by=",".join(by) or None, **filters)

    def welfare(self, level: str = "nation", code: int = 0, fiscal_year: int | None = None) -> list[dict]:
        return self.get("/v1/welfare", level=level, code=int(code), fiscal_year=fiscal_year)["rows"]

    def models(self) -> list[dict]:
        return self.get("/v1/models")["families"]

    def quality(self) -> dict:
        return self.get("/v1/quality")
