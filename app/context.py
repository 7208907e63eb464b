"""What every page is handed: the reader's preferences (language, year era, Thai digits), the API reads
(cached a minute per URL and arguments) and the planning years taken from the API's data month."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import streamlit as st

from app import format as fmt
from app.client import ApiError, KhlangClient, api_url
from app.i18n import t
from khlang.domain.metrics import metrics_of_family

__all__ = ["Context", "PREF_KEYS", "api_call", "current_context", "planning_years"]

PREF_KEYS = {"lang": "pref_lang", "era": "pref_era", "digits": "pref_digits"}
_TTL_S = 60


@st.cache_data(ttl=_TTL_S, show_spinner=False, max_entries=2000)
def _cached_call(base_url: str, method: str, args: tuple, kwargs: tuple) -> tuple[Any, int | None, str]:
    # A 4xx answer (no data for this unit or metric) is cached like a result; an unreachable API or a
    # 5xx is raised and so never cached.
    try:
        return getattr(KhlangClient(base_url), method)(*args, **dict(kwargs)), None, ""
    except ApiError as error:
        if error.unreachable or (error.status or 500) >= 500:
            raise
        return None, error.status, str(error)


def api_call(method: str, *args: Any, **kwargs: Any) -> Any:
    """KhlangClient(api_url()).method(*args, **kwargs), cached for a minute per URL and arguments."""
    result, status, message = _cached_call(api_url(), method, args, tuple(sorted(kwargs.items())))
    if status is not None:
        raise ApiError(message, status)
    return result


def planning_years(data_as_of: str | None) -> tuple[int, int]:
    """(this fiscal year, next fiscal year), BE, from the API's last month of data 'YYYY-MM': this year is
    the one the month after the data falls in (the year being executed), next year the one to plan."""
    if not data_as_of:
        today = dt.date.today()
        this_fy = fmt.fiscal_year_of(today)
    else:
        year, month = (int(p) for p in data_as_of.split("-")[:2])
        following = dt.date(year + (month == 12), month % 12 + 1, 1)
        this_fy = fmt.fiscal_year_of(following)
    return this_fy, this_fy + 1


@dataclass(frozen=True)
class Context:
    """Preferences and the API's state, with the formatting helpers the pages share."""

    lang: str
    era: str
    thai_digits: bool
    health: dict

    def t(self, key: str, **values: object) -> str:
        return t(key, self.lang, **values)

    @property
    def data_as_of(self) -> str | None:
        return self.health.get("data_as_of")

    @property
    def this_fy(self) -> int:
        return planning_years(self.data_as_of)[0]

    @property
    def next_fy(self) -> int:
        return planning_years(self.data_as_of)[1]

    def qty(self, value: float | None, unit: str) -> str:
        return fmt.format_quantity(value, unit, self.lang, self.thai_digits)

    def num(self, value: float | None, decimals: int = 0) -> str:
        return fmt.format_number(value, decimals, self.thai_digits)

    def change(self, new: float | None, old: float | None) -> str:
        return fmt.format_change(new, old, self.thai_digits)

    def share(self, share: float | None) -> str:
        return fmt.format_share(share, self.thai_digits)

    def month(self, value: str | dt.date) -> str:
        return fmt.format_month(value, self.lang, self.era, self.thai_digits)

    def fy(self, fy_be: int) -> str:
        return fmt.format_fiscal_year(fy_be, self.lang, self.era, self.thai_digits)

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        return api_call(method, *args, **kwargs)

    def published(self, family: str) -> list[str]:
        """The metrics of `family` with published forecasts (the nation's forecast answers)."""
        if family not in (self.health.get("families") or []):
            return []
        return [m.name for m in metrics_of_family(family)
                if self.try_call("aggregate", m.name, "forecast", ("fiscal_year",), level="nation")[1] is None]

    def try_call(self, method: str, *args: Any, **kwargs: Any) -> tuple[Any, ApiError | None]:
        """(result, None), or (None, the error) when the API answers 4xx (a unit or metric it has no data for)."""
        try:
            return api_call(method, *args, **kwargs), None
        except ApiError as error:
            if error.unreachable or (error.status or 500) >= 500:
                raise
            return None, error


def current_context() -> Context:
    """The context of this run: the sidebar preferences in the session and the API's health (read by
    app.main on every run; read here again, cached, when a page runs without it)."""
    state = st.session_state
    return Context(lang=state.get(PREF_KEYS["lang"], "th"), era=state.get(PREF_KEYS["era"], "BE"),
                   thai_digits=bool(state.get(PREF_KEYS["digits"], False)),
                   health=state.get("api_health") or api_call("health"))
