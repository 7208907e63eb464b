"""Annual figures from the API's monthly sums: a fiscal year of baht is the sum of its months; a fiscal
year of tonnes/day or persons is the mean over its months. "This year" joins the months reported so far
with the forecast of the rest."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["FLOW_UNITS", "annual_totals", "year_over_year", "series_frame", "unit_annual", "coherence"]

FLOW_UNITS = frozenset({"baht"})  # summed over a year; every other unit is a monthly level (mean)


def annual_totals(history_rows: list[dict], forecast_rows: list[dict], unit: str,
                  keys: tuple[str, ...] = ()) -> pd.DataFrame:
    """Per `keys` and fiscal year (BE): `value` (the annual figure in `unit`), `months` covered and
    `months_reported` (of them, from history). Rows are /v1/aggregate rows with keys, fiscal_year, value and
    n, queried at the level of `keys` so that n counts months."""
    columns = [*keys, "fiscal_year", "value", "months", "months_reported"]
    parts = [pd.DataFrame(rows).assign(reported=flag) for rows, flag in ((history_rows, True),
                                                                           (forecast_rows, False)) if rows]
    if not parts:
        return pd.DataFrame(columns=columns)
    frame = pd.concat(parts, ignore_index=True)
    frame["n_reported"] = np.where(frame["reported"], frame["n"], 0)
    group = [*keys, "fiscal_year"]
    out = frame.groupby(group, sort=True).agg(total=("value", "sum"), months=("n", "sum"),
                                               months_reported=("n_reported", "sum")).reset_index()
    out["value"] = out["total"] if unit in FLOW_UNITS else out["total"] / out["months"].where(out["months"] > 0)
    return out[columns]


def year_over_year(totals: pd.DataFrame, this_fy: int, next_fy: int, keys: tuple[str, ...] = ()
                   ) -> pd.DataFrame:
    """One row per key: `this_year`, `next_year` (annual figures) and `change` (next / this - 1)."""
    def year(fy: int, name: str) -> pd.DataFrame:
        part = totals[totals["fiscal_year"] == fy]
        return part[[*keys, "value"]].rename(columns={"value": name})

    if keys:
        out = year(this_fy, "this_year").merge(year(next_fy, "next_year"), on=list(keys), how="outer")
    else:
        this, nxt = year(this_fy, "this_year"), year(next_fy, "next_year")
        out = pd.DataFrame({"this_year": [this["this_year"].sum() if len(this) else np.nan],
                            "next_year": [nxt["next_year"].sum() if len(nxt) else np.nan]})
    out["change"] = out["next_year"] / out["this_year"].where(out["this_year"] != 0) - 1.0
    return out.reset_index(drop=True)


def series_frame(history: dict | None, forecast: dict | None) -> pd.DataFrame:
    """The monthly history and forecast of one unit in one long frame: date, fiscal_year, kind
    (history | forecast), value, lo80, hi80, lo95, hi95."""
    parts = []
    if history and history.get("points"):
        h = pd.DataFrame(history["points"])
        parts.append(pd.DataFrame({"date": pd.to_datetime(h["date"]), "fiscal_year": h["fiscal_year"],
                                   "kind": "history", "value": h["value"].astype(float)}))
    if forecast and forecast.get("points"):
        f = pd.DataFrame(forecast["points"])
        parts.append(pd.DataFrame({"date": pd.to_datetime(f["date"]), "fiscal_year": f["fiscal_year"],
                                   "kind": "forecast", "value": f["forecast"].astype(float),
                                   **{c: f[c].astype(float) for c in ("lo80", "hi80", "lo95", "hi95")}}))
    if not parts:
        return pd.DataFrame(columns=["date", "fiscal_year", "kind", "value", "lo80", "hi80", "lo95", "hi95"])
    out = pd.concat(parts, ignore_index=True)
    for column in ("lo80", "hi80", "lo95", "hi95"):
        if column not in out:
            out[column] = np.nan
    return out.sort_values(["date", "kind"], ignore_index=True)


def latest_reported(history: dict | None, fiscal_year: int) -> tuple[float, int | None]:
    """(value, its fiscal year) of an annual series' latest reported point in or before `fiscal_year`
    (a population is reported once a year and not forecast: next year's planning uses this year's);
    (NaN, None) when there is none."""
    points = pd.DataFrame((history or {}).get("points") or [])
    if points.empty:
        return float("nan"), None
    points = points[(points["fiscal_year"] <= fiscal_year) & points["value"].notna()]
    if points.empty:
        return float("nan"), None
    last = points.sort_values("fiscal_year").iloc[-1]
    return float(last["value"]), int(last["fiscal_year"])


def unit_annual(series: pd.DataFrame, unit: str, fiscal_year: int) -> float:
    """The annual figure of one unit's series_frame in a fiscal year (BE): the months reported and the
    months forecast together (baht summed, other units averaged); NaN when no month has a value."""
    part = series[series["fiscal_year"] == fiscal_year].dropna(subset=["value"])
    if part.empty:
        return float("nan")
    return float(part["value"].sum() if unit in FLOW_UNITS else part["value"].mean())


def coherence(forecast: dict) -> pd.DataFrame:
    """Per forecast month: the unit's forecast, the sum of its children's forecasts and the gap
    (forecast - children_sum); empty when the unit has no children (a LAO)."""
    points, children = forecast.get("points") or [], forecast.get("children_sum") or []
    if not points or not children:
        return pd.DataFrame(columns=["date", "forecast", "children_sum", "gap"])
    own = pd.DataFrame(points)[["date", "forecast"]]
    kids = pd.DataFrame(children).rename(columns={"forecast": "children_sum"})
    out = own.merge(kids, on="date", how="left")
    out["gap"] = out["forecast"] - out["children_sum"]
    return out
